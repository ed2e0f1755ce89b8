"""gitops-scaffold: write and grow a gitops-config repository for Argo CD + Helm."""

__version__ = "0.1.0"
