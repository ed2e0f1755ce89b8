"""Tests of gitops_scaffold/commands/ and the command line over them."""
