"""The `ponder` command-line interface."""
