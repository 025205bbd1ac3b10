"""The connection options every command that talks to NetSuite takes, and the client they make.

Credentials come from a profile and the ``NETSUITE_*`` environment variables (see
:mod:`suitetalk.profiles`); ``--endpoint`` and ``--version`` (or ``SUITETALK_ENDPOINT`` and
``SUITETALK_VERSION``) override the profile's endpoint and version, which is how the commands are pointed
at the emulator.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from ..config import ConfigError, is_loopback_endpoint
from ..profiles import Profile, load_profile
from . import console, verbose
from .exits import CliError, ExitCode

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Connection:
    """What the connection options say; :meth:`profile` and :meth:`client` resolve them."""

    profile_name: str | None
    endpoint: str | None
    version: str | None
    verbose: bool
    clock_skew: float = 0.0

    def profile(self) -> Profile:
        """The profile with the command line's overrides applied (raises ``ConfigError``)."""
        loaded = load_profile(self.profile_name)
        for override in loaded.overrides:  # a script meant for one account must not silently reach another
            console.message(f"Notice: {override.notice(loaded.name)}")
        updates = {
            key: value for key, value in (("endpoint", self.endpoint), ("version", self.version)) if value
        }
        if not updates:
            return loaded
        try:
            config = loaded.config.with_settings(**updates)
        except ConfigError as exc:
            raise ConfigError(f"--endpoint/--version: {exc}") from None
        return Profile(loaded.name, loaded.credentials, config, loaded.source)

    def clock(self) -> Callable[[], float]:
        """This machine's clock, shifted by ``--clock-skew`` (a diagnostic aid, hidden from help)."""
        skew = self.clock_skew
        return time.time if not skew else (lambda: time.time() + skew)

    def client(self, profile: Profile | None = None) -> Any:
        """A connected :class:`suitetalk.Client` (the WSDL is fetched or loaded from the cache)."""
        from ..client import Client  # the client pulls in zeep: only commands that connect pay for it

        chosen = profile or self.profile()
        client = Client(chosen.credentials, chosen.config, clock=self.clock())
        if self.verbose:
            verbose.attach(client)
        return client


def connection_options(command: F) -> F:
    """Add ``--profile``, ``--endpoint``, ``--version`` and ``--verbose``; pass ``conn: Connection``."""

    @click.option(
        "--profile",
        "-p",
        "profile_name",
        envvar="SUITETALK_PROFILE",
        metavar="NAME",
        help="Profile from the profiles file (default: $SUITETALK_PROFILE, else 'default'). "
        "NETSUITE_* environment variables override its credentials.",
    )
    @click.option(
        "--endpoint",
        envvar="SUITETALK_ENDPOINT",
        metavar="URL",
        help="Base URL replacing NetSuite's account domain, e.g. the emulator's http://127.0.0.1:PORT "
        "[env: SUITETALK_ENDPOINT].",
    )
    @click.option(
        "--version",
        "endpoint_version",
        envvar="SUITETALK_VERSION",
        metavar="YYYY_N",
        help="Endpoint version, e.g. 2025_2 (default: the profile's, else 2025_2) [env: SUITETALK_VERSION].",
    )
    @click.option(
        "--verbose",
        "-v",
        is_flag=True,
        help="Show retries and the SOAP envelopes (passport and secrets redacted) on stderr.",
    )
    @click.option("--clock-skew", type=float, default=0.0, hidden=True)
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        profile_name: str | None,
        endpoint: str | None,
        endpoint_version: str | None,
        verbose: bool,
        clock_skew: float,
        **kwargs: Any,
    ) -> Any:
        console.setup_logging(verbose)
        conn = Connection(profile_name, endpoint, endpoint_version, verbose, clock_skew)
        return command(*args, conn=conn, **kwargs)

    return wrapper  # type: ignore[return-value]


def is_production_write(profile: Profile) -> bool:
    """Whether writes would reach a production account on NetSuite (not the emulator or a local proxy)."""
    if not profile.credentials.account.is_production:
        return False
    return not is_loopback_endpoint(profile.config.endpoint)


def confirm_production_write(profile: Profile, what: str, *, yes: bool) -> None:
    """Ask before writing to a production account; refuse without a terminal unless ``--yes``."""
    if yes or not is_production_write(profile):
        return
    account = profile.credentials.account.passport_id
    if not console.stdin_is_interactive():
        raise CliError(
            f"this would {what} in PRODUCTION account {account} and there is no terminal to confirm it: "
            "pass --yes to confirm, or use a sandbox profile (--profile)",
            ExitCode.USAGE,
        )
    if not click.confirm(f"This will {what} in PRODUCTION account {account}. Continue?", err=True):
        raise CliError("not confirmed: nothing was written", ExitCode.USAGE)
