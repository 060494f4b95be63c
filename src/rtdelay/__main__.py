"""``python -m rtdelay`` runs the command line."""

from rtdelay.cli import main

main()
