"""Tests of gitops_scaffold/validate/ (the check half)."""
