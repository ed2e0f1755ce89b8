"""Tests of gitops_scaffold/diff/ (scaffold diff) and the workflow that posts it."""
