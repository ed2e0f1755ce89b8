"""Tests of gitops_scaffold/promotion/ and its commands: set-image, promote, versions."""
