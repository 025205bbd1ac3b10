"""The ``suitetalk`` command line.

click and rich are imported only here (``suitetalk.cli`` and its modules), so that ``import suitetalk``
never pays for the command line. Each command group lives in a module of its own; this one assembles them
and turns errors and interruptions into the documented exit codes (:class:`~suitetalk.cli.exits.ExitCode`).
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from .. import __version__
from .exits import CliError, ExitCode, classify

__all__ = ["ExitCode", "cli", "main"]


class SuiteTalkGroup(click.Group):
    """A click group that maps library errors and Ctrl-C to the documented exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (
            click.exceptions.Exit,
            click.ClickException,
            click.exceptions.Abort,
            KeyboardInterrupt,
            BrokenPipeError,
        ):
            raise
        except Exception as exc:
            code, text = classify(exc)
            if code is ExitCode.OK:
                raise
            raise CliError(text, code) from exc

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("Interrupted.", err=True)
            sys.exit(int(ExitCode.INTERRUPTED))
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            # The reader of stdout went away (``suitetalk search ... | head``): stop quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(int(ExitCode.RECORDS_FAILED))
        sys.exit(code if isinstance(code, int) else int(ExitCode.OK))


@click.group(
    cls=SuiteTalkGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110}
)
@click.version_option(__version__, "--version", prog_name="suitetalk")
def cli() -> None:
    """suitetalk: NetSuite SuiteTalk from the command line, and an offline emulator to try it on.

    Connection options (every command that talks to NetSuite): --profile/-p NAME or $SUITETALK_PROFILE,
    credentials from the profile file or the NETSUITE_* variables, --endpoint URL or $SUITETALK_ENDPOINT,
    --version YYYY_N or $SUITETALK_VERSION. Data goes to stdout; messages and progress to stderr.

    Exit status: 0 ok, 1 some records failed, 2 usage or bad input, 3 configuration, 4 login or permission,
    5 connection, 130 interrupted.

    \b
    Examples:
      suitetalk demo
      suitetalk COMMAND --help
    """


def _register() -> None:
    from .bulk_export import export_command
    from .bulk_import import import_command
    from .check import check_command
    from .demo import demo_command
    from .emulator import emulator_command
    from .records import get_command, search_command
    from .wsdl import wsdl_group

    for command in (
        demo_command,
        check_command,
        get_command,
        search_command,
        export_command,
        import_command,
        wsdl_group,
        emulator_command,
    ):
        cli.add_command(command)


_register()


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point (``suitetalk``)."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="suitetalk")
