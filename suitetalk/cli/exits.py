"""Exit codes of the command line, and the translation of library errors into them.

Every command ends with one of these codes, documented in ``docs/cli.md``; scripts and CI jobs branch on
them, so they never change meaning.
"""

from __future__ import annotations

import enum
from typing import IO, Any

import click
import requests
from pydantic import ValidationError

from ..config import ConfigError, describe_validation_error
from ..errors import (
    AuthenticationError,
    ConcurrencyLimitError,
    InputError,
    InvalidVersionError,
    LimiterError,
    LimiterUnavailableError,
    PermissionDeniedError,
    SuiteTalkError,
    TransportError,
)
from ..wsdl import BundleError, FetchError
from ..wsdl_fetch import describe_request_failure


class ExitCode(enum.IntEnum):
    """What the process exit status means."""

    OK = 0
    """Everything worked."""
    RECORDS_FAILED = 1
    """Some records failed (the import report says which), a record was not found, or NetSuite refused a
    request for a reason that is not configuration, login or connection."""
    USAGE = 2
    """Bad command line or bad input: unknown option, record type or field, malformed ``--where``,
    unreadable input file, an unconfirmed write to a production account."""
    CONFIG = 3
    """Configuration that cannot work: missing or malformed credentials, unknown profile, bad endpoint,
    endpoint version not available."""
    AUTH = 4
    """NetSuite refused the login (``Invalid login attempt.``) or the role lacks a permission."""
    CONNECTION = 5
    """No answer: connection refused, DNS, time-out, lost response, the service unavailable or still
    rejecting for concurrency after every retry, the WSDL could not be fetched."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C); an export can be resumed with ``--resume``."""


class CliError(click.ClickException):
    """An error the command line reports in one message, ending the process with ``code``."""

    def __init__(self, message: str, code: ExitCode = ExitCode.RECORDS_FAILED) -> None:
        super().__init__(message)
        self.exit_code = int(code)  # type: ignore[misc]  # click declares it on the class; set per error

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=file is None, file=file)


def classify(error: BaseException) -> tuple[ExitCode, str]:
    """The exit code and message for an error raised by the library, or ``(OK, "")`` if it is not one."""
    if isinstance(error, AuthenticationError):
        return ExitCode.AUTH, f"{error}\nRun 'suitetalk check' for a diagnosis of the connection."
    if isinstance(error, PermissionDeniedError):
        return (
            ExitCode.AUTH,
            f"{error}\nThe token's role lacks a permission this operation needs: add it to the role in "
            "NetSuite (Setup > Users/Roles > Manage Roles).",
        )
    if isinstance(error, InvalidVersionError):
        return ExitCode.CONFIG, f"{error}\nChoose an endpoint version the account supports (--version)."
    if isinstance(error, ConcurrencyLimitError):
        return (
            ExitCode.CONNECTION,
            f"{error}\nNetSuite kept rejecting requests for concurrency after every retry: other "
            "integrations may be using the account's limit; try again later or lower 'concurrency' in the "
            "profile.",
        )
    if isinstance(error, LimiterUnavailableError):
        return ExitCode.CONNECTION, str(error)
    if isinstance(error, LimiterError):
        return ExitCode.CONFIG, str(error)
    if isinstance(error, TransportError):
        return ExitCode.CONNECTION, str(error)
    if isinstance(error, ConfigError):
        return ExitCode.CONFIG, str(error)
    if isinstance(error, FetchError):
        hint = (
            "\nIs the endpoint right, and does it serve this endpoint version (--version)? "
            "'suitetalk check' tells more."
        )
        return ExitCode.CONNECTION, f"{error}{hint}"
    if isinstance(error, BundleError):
        return ExitCode.CONFIG, str(error)
    if isinstance(error, InputError):  # record data, criteria and any other bad input
        return ExitCode.USAGE, str(error)
    if isinstance(error, SuiteTalkError):
        return ExitCode.RECORDS_FAILED, str(error)
    if isinstance(error, ValidationError):
        return ExitCode.CONFIG, describe_validation_error(error)
    if isinstance(error, requests.RequestException):
        return ExitCode.CONNECTION, describe_request_failure(error)
    if isinstance(error, OSError) and not isinstance(error, BrokenPipeError):
        # A file that cannot be read or written (the output, a report): say which and why.
        where = f": {error.filename}" if error.filename else ""
        return ExitCode.USAGE, f"{error.strerror or error}{where}"
    return ExitCode.OK, ""
