"""The two terminals of the command line: data on stdout, messages and progress on stderr.

The consoles look ``sys.stdout``/``sys.stderr`` up at every write, so they follow redirections (and
click's test runner). Progress bars and log lines share the stderr console, so that log lines scroll above
a live bar instead of tearing it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

#: Messages, warnings, progress and verbose output.
err = Console(stderr=True, highlight=False)
#: Data (tables), when a command renders it with rich.
out = Console(highlight=False)

_HANDLER_NAME = "suitetalk-cli"


def setup_logging(verbose: bool) -> None:
    """Show the library's log lines on stderr: warnings always, retries and the like with ``--verbose``."""
    logger = logging.getLogger("suitetalk")
    for handler in list(logger.handlers):
        if handler.get_name() == _HANDLER_NAME:
            logger.removeHandler(handler)
    handler = _ConsoleHandler()
    handler.set_name(_HANDLER_NAME)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose else logging.WARNING)


class _ConsoleHandler(logging.Handler):
    """Log lines on the stderr console, unwrapped, above a live progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a malformed log call must not end the command
            self.handleError(record)
            return
        label = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        err.print(f"{label}{text}", markup=False, highlight=False, soft_wrap=True)


def message(text: str) -> None:
    """A plain message for people, on stderr."""
    err.print(text, markup=False, highlight=False, soft_wrap=True)


class Tracker:
    """One task of a progress bar."""

    def __init__(self, bar: Progress, task: TaskID) -> None:
        self._bar = bar
        self._task = task

    def advance(self, amount: int) -> None:
        self._bar.advance(self._task, amount)

    def set_total(self, total: int | None, completed: int | None = None) -> None:
        self._bar.update(self._task, total=total, completed=completed)


@contextmanager
def progress(description: str, total: int | None = None, *, unit: str = "records") -> Iterator[Tracker]:
    """A progress bar on stderr (drawn only when stderr is a terminal, so logs and CI output stay clean)."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
    )
    with bar:
        yield Tracker(bar, bar.add_task(description, total=total))


def stdin_is_interactive() -> bool:
    """Whether a person can answer a question on stdin (a confirmation)."""
    return sys.stdin is not None and sys.stdin.isatty()
