"""The test suite: one package, so helpers import as ``tests.<module>`` from any checkout."""
