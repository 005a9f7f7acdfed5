"""python -m hexray: the same as the hexray command."""

from hexray.cli import main

main()
