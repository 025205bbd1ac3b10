"""The ``suitetalk`` command line.

click is imported here only, so that ``import suitetalk`` never pays for the command line.
"""

from __future__ import annotations

import sys

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="suitetalk")
def cli() -> None:
    """suitetalk: NetSuite SuiteTalk from the command line, and an offline emulator to try it on."""


@cli.command()
def demo() -> None:
    """Run the library end to end against an in-process emulator (no NetSuite account needed).

    Example: suitetalk demo
    """
    click.echo("suitetalk demo: not available yet (it needs the emulator and the client).", err=True)
    sys.exit(3)


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
