"""Tests of gitops_scaffold/validate/argo/."""
