"""`python -m ponder` runs the command-line interface."""

from ponder.cli.app import main

main()
