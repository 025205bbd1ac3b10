"""``suitetalk check``: is the configuration right, and does the connection work? In plain words.

Offline first (profile, account id, the shape of the keys and secrets, endpoint version, service URL),
then over the network: the WSDL (is the endpoint there, does it serve this version, how far apart are the
clocks), a login (``getServerTime``) and the governance limits. NetSuite answers every login problem with
the same "Invalid login attempt.", so a failed login is explained by its likely causes, most likely first
for this account, each with where to fix it in NetSuite.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import click
import requests
from rich.markup import escape

from .. import endpoints
from ..config import ConfigError, RetryPolicy, is_loopback_endpoint
from ..errors import (
    AuthenticationError,
    InvalidVersionError,
    LimiterError,
    PermissionDeniedError,
    SuiteTalkError,
    TransportError,
)
from ..profiles import Profile, default_profiles_path
from ..wsdl import BundleError
from ..wsdl_fetch import direct_loopback_session
from . import console
from .connection import Connection, connection_options
from .exits import ExitCode, classify

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

Status = Literal["ok", "warn", "FAIL", "skip"]
#: Clocks further apart than this get a warning (NetSuite itself tolerates about five minutes).
CLOCK_WARN_SECONDS = 60.0
#: NetSuite's tolerance for the passport timestamp.
CLOCK_LIMIT_SECONDS = 300.0
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_STYLE = {"ok": "green", "warn": "yellow", "FAIL": "bold red", "skip": "dim"}

# The causes of a failed login, in NetSuite's own terms, with where each is fixed.
CAUSE_EMULATOR = (
    "This endpoint is a local emulator: it accepts only the test credentials it printed when it started "
    "(suitetalk emulator); export them again in this shell."
)
CAUSE_CLOCK = (
    "This machine's clock is off: the token passport carries a timestamp, and NetSuite accepts it only "
    "within about 5 minutes of its own clock. Synchronise the clock (NTP)."
)
CAUSE_REFRESH = (
    "Sandbox tokens must be recreated after every sandbox refresh: a refresh copies production over the "
    "sandbox and invalidates its access tokens (and production tokens never work on a sandbox). Create a "
    "new access token in the sandbox."
)
CAUSE_ACCOUNT = (
    "The account id is wrong: it is the number in your NetSuite address (1234567.app.netsuite.com); a "
    "sandbox is 1234567_SB1, with the upper-case suffix in the passport (suitetalk corrects the case). "
    "Production and sandbox are separate accounts with separate tokens."
)
CAUSE_FEATURE = (
    "Token-based authentication is not enabled on the account: Setup > Company > Enable Features > "
    "SuiteCloud > Manage Authentication > 'Token-Based Authentication'."
)
CAUSE_INTEGRATION = (
    "The consumer key and secret are not those of an integration record with token-based authentication: "
    "Setup > Integration > Manage Integrations > the integration: 'Token-Based Authentication' checked, "
    "State 'Enabled'. NetSuite shows the consumer key and secret only once, when the record is created "
    "(or its credentials are reset)."
)
CAUSE_ACCESS = (
    "The token id and secret are not those of an access token for that integration, user and role: "
    "Setup > Users/Roles > Access Tokens (not revoked, not inactive). NetSuite shows the token id and "
    "secret only once, when the token is created."
)
CAUSE_ROLE = (
    "The token's role lacks permissions or is not the user's: the role needs 'Web Services' and 'Log in "
    "using Access Tokens' (Permissions > Setup), and must be assigned to the user (Lists > Employees > the "
    "user > Access > Roles)."
)


def login_causes(*, emulator: bool, sandbox: bool, clock_off: bool) -> list[str]:
    """The likely causes of ``Invalid login attempt.``, most likely first for this situation."""
    causes = [CAUSE_INTEGRATION, CAUSE_ACCESS, CAUSE_ROLE, CAUSE_FEATURE, CAUSE_ACCOUNT, CAUSE_CLOCK]
    if sandbox:
        causes = [CAUSE_REFRESH, CAUSE_ACCOUNT] + [c for c in causes if c is not CAUSE_ACCOUNT]
    if emulator:
        # The emulator has no features to enable; its own credentials are the usual slip.
        causes = [CAUSE_EMULATOR] + [c for c in causes if c is not CAUSE_FEATURE]
    if clock_off:
        # Measured, not guessed: first whatever else applies.
        causes = [CAUSE_CLOCK] + [c for c in causes if c is not CAUSE_CLOCK]
    return causes


@dataclass
class Finding:
    """One line of the report, and what to do about it."""

    status: Status
    title: str
    details: list[str] = field(default_factory=list)
    code: ExitCode | None = None


@dataclass
class Checks:
    """The findings so far, printed as they come."""

    findings: list[Finding] = field(default_factory=list)

    def add(
        self, status: Status, title: str, details: list[str] | None = None, code: ExitCode | None = None
    ) -> Finding:
        finding = Finding(status, title, list(details or []), code)
        self.findings.append(finding)
        style = _STYLE[status]
        console.out.print(f"  [{style}]{status:<4}[/] {escape(title)}", soft_wrap=True)
        for line in finding.details:
            console.out.print(f"         {escape(line)}", soft_wrap=True)
        return finding

    def fail(self, what: str, error: Exception) -> None:
        """A failure described by the library's error: its first line as the title, the rest below."""
        code, text = classify(error)
        first, *rest = text.splitlines()
        self.add("FAIL", f"{what}: {first}", [line.strip() for line in rest if line.strip()], code or None)

    def section(self, title: str) -> None:
        console.out.print(f"\n[bold]{escape(title)}[/]")

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.status == "FAIL"]

    @property
    def exit_code(self) -> ExitCode:
        failures = self.failures
        if not failures:
            return ExitCode.OK
        return failures[0].code or ExitCode.RECORDS_FAILED


@click.command("check")
@connection_options
def check_command(conn: Connection) -> None:
    """Check the configuration offline, then the connection: login, clock, governance limits.

    Says in plain words what works and what does not and, for each problem, the likely causes and the fix
    in NetSuite. Exit status 0 when everything works, else that of the first problem (3 configuration,
    4 login or permission, 5 connection).

    \b
    Example:
      suitetalk check --profile sandbox
    """
    checks = Checks()
    try:
        _run(conn, checks)
    finally:
        failures = checks.failures
        warnings = [f for f in checks.findings if f.status == "warn"]
        if failures:
            console.out.print(f"\n[bold red]{len(failures)} problem(s) found.[/]")
        else:
            note = f" ({len(warnings)} warning(s))" if warnings else ""
            console.out.print(f"\n[bold green]Everything works{note}.[/]")
    if failures:
        raise click.exceptions.Exit(int(checks.exit_code))


def _run(conn: Connection, checks: Checks) -> None:
    checks.section("Configuration")
    profile = _profile(conn, checks)
    if profile is None:
        return
    _offline(profile, checks)
    checks.section("Connection")
    reachable, offset = _probe(conn, profile, checks)
    if not reachable:
        return
    # A diagnosis should not spend minutes backing off: two quick attempts tell enough.
    quick = profile.config.model_copy(
        update={"retry": RetryPolicy(max_attempts=2, initial_wait=0.2, max_wait=1)}
    )
    try:
        client = conn.client(Profile(profile.name, profile.credentials, quick, profile.source))
    except LimiterError as exc:
        checks.fail("concurrency limiter", exc)
        return
    except (BundleError, ConfigError) as exc:
        checks.fail("cannot load the WSDL", exc)
        return
    with client:
        if _login(client, profile, conn, checks, offset):
            _governance(client, checks)
        _limiter(client, checks)


def _profile(conn: Connection, checks: Checks) -> Profile | None:
    try:
        profile = conn.profile()
    except ConfigError as exc:
        checks.add(
            "FAIL",
            f"configuration: {exc}",
            [
                "Set NETSUITE_ACCOUNT, NETSUITE_CONSUMER_KEY, NETSUITE_CONSUMER_SECRET, NETSUITE_TOKEN_ID "
                f"and NETSUITE_TOKEN_SECRET, or write a profile in {default_profiles_path()} "
                "(see docs/cli.md); 'suitetalk emulator' prints test credentials for its own use.",
            ],
            ExitCode.CONFIG,
        )
        return None
    checks.add("ok", f"profile {profile.name!r} from {profile.source or 'defaults'}")
    return profile


def _offline(profile: Profile, checks: Checks) -> None:
    account = profile.credentials.account
    kind = {
        "production": "production account",
        "sandbox": f"sandbox {account.sandbox_number}",
        "release_preview": "release preview account",
        "test_drive": "test drive account",
    }[account.environment.value]
    raw = _raw_account(profile)
    note = (
        []
        if not raw or raw == account.passport_id
        else [
            f"written {raw!r}: the passport needs {account.passport_id!r} (upper-case suffix after '_'), "
            "which suitetalk uses"
        ]
    )
    checks.add("ok", f"account {account.passport_id}: {kind}", note)

    credentials = profile.credentials
    values = {
        "consumer key": credentials.consumer_key,
        "consumer secret": credentials.consumer_secret.get_secret_value(),
        "token id": credentials.token_id,
        "token secret": credentials.token_secret.get_secret_value(),
    }
    odd = [name for name, value in values.items() if not _HEX64.match(value)]
    if odd:
        checks.add(
            "warn",
            f"{', '.join(odd)}: not 64 hexadecimal characters, as NetSuite's are",
            ["Was each copied whole, from the right place (integration record, access token)?"],
        )
    else:
        checks.add(
            "ok",
            "consumer key, consumer secret, token id and token secret: 64 hexadecimal "
            "characters each (values not shown)",
        )
    if values["consumer key"] == values["token id"] or values["consumer secret"] == values["token secret"]:
        checks.add(
            "FAIL",
            "the consumer and token values are the same: one of them was pasted twice",
            [
                "The consumer key/secret come from the integration record, the token id/secret from the "
                "access token."
            ],
            ExitCode.CONFIG,
        )

    version = profile.config.version
    year = int(version[:4])
    if year < 2019:
        checks.add(
            "warn",
            f"endpoint version {version}: before 2019_1, which account-specific domains need",
            ["Use a recent version such as 2025_2 (--version)."],
        )
    else:
        checks.add("ok", f"endpoint version {version}")
    url = endpoints.service_url(account, version, profile.config.endpoint)
    where = (
        "an endpoint override, not NetSuite" if profile.config.endpoint else "the account's NetSuite domain"
    )
    checks.add("ok", f"service URL {url}: {where}")


def _raw_account(profile: Profile) -> str:
    """The account id as the user wrote it (environment, else profile file), to say when it was corrected."""
    written = os.environ.get("NETSUITE_ACCOUNT", "").strip()
    if written:
        return written
    try:
        with default_profiles_path().open("rb") as handle:
            table = tomllib.load(handle).get(profile.name, {})
    except (OSError, tomllib.TOMLDecodeError):
        return ""
    value = table.get("account") if isinstance(table, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _is_emulator(profile: Profile) -> bool:
    return is_loopback_endpoint(profile.config.endpoint)


def _probe(conn: Connection, profile: Profile, checks: Checks) -> tuple[bool, float | None]:
    """Ask for the WSDL: is the endpoint there, does it serve the version, and what is its clock.

    Returns whether it answered, and the server's clock minus ours in seconds (``None`` without a date).
    """
    config = profile.config
    url = endpoints.wsdl_url(config.version, config.endpoint)
    emulator = _is_emulator(profile)
    try:
        with (
            direct_loopback_session() as session,
            session.get(
                url, timeout=(config.connect_timeout, 30), stream=True, verify=config.verify
            ) as response,
        ):
            status, date_header = response.status_code, response.headers.get("Date")
    except requests.exceptions.RequestException as exc:
        host = urlsplit(url).hostname or url
        if emulator:
            causes = [
                f"Nothing answers at {config.endpoint}: is the emulator running ('suitetalk emulator'), on "
                "this port? It picks a new free port each time unless given --port.",
            ]
        else:
            causes = [
                f"No route to {host}: check the network, and a proxy (HTTPS_PROXY) or firewall that must "
                "allow https to *.netsuite.com.",
                "If the name does not resolve, the endpoint (or, for the account domain, the account id) is "
                "wrong.",
            ]
        checks.add("FAIL", f"cannot connect to {url}: {type(exc).__name__}", causes, ExitCode.CONNECTION)
        return False, None
    if status == 404:
        hint = (
            "The emulator serves the one version it was started with (suitetalk emulator --version)."
            if emulator
            else "NetSuite publishes SOAP endpoints by release (YYYY_1, YYYY_2); 2025_2 is the last one."
        )
        checks.add(
            "FAIL",
            f"endpoint version {config.version} is not served at {urlsplit(url).netloc}",
            [hint, "Choose another with --version, or 'version' in the profile."],
            ExitCode.CONFIG,
        )
        return False, None
    if status != 200:
        checks.add(
            "FAIL",
            f"the WSDL at {url} answers HTTP {status}",
            ["Is the endpoint a SuiteTalk endpoint? A proxy in between may refuse the request."],
            ExitCode.CONNECTION,
        )
        return False, None
    checks.add("ok", f"endpoint reachable, serves version {config.version} ({url})")
    return True, _clock_offset(date_header, conn)


def _clock_offset(date_header: str | None, conn: Connection) -> float | None:
    if not date_header:
        return None
    try:
        server = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return None
    return server.timestamp() - conn.clock()()


def _describe_offset(offset: float) -> str:
    direction = "behind" if offset > 0 else "ahead of"
    return f"this machine's clock is {abs(offset):.0f} s {direction} the server's"


def _login(client: Any, profile: Profile, conn: Connection, checks: Checks, offset: float | None) -> bool:
    account = profile.credentials.account
    clock_off = offset is not None and abs(offset) > CLOCK_LIMIT_SECONDS - 60
    try:
        server_time = client.get_server_time()
    except AuthenticationError as exc:
        details = [
            f"NetSuite answered {exc.ns_message or 'Invalid login attempt.'!r} "
            f"({exc.fault or 'fault'}, code {exc.code}{', nsId ' + exc.ns_id if exc.ns_id else ''})."
        ]
        if clock_off and offset is not None:
            details.append(_describe_offset(offset) + f": more than NetSuite's {CLOCK_LIMIT_SECONDS:.0f} s.")
        details.append("Likely causes, most likely first:")
        causes = login_causes(emulator=_is_emulator(profile), sandbox=account.is_sandbox, clock_off=clock_off)
        details += [f"{n}. {cause}" for n, cause in enumerate(causes, start=1)]
        checks.add(
            "FAIL", "login with token-based authentication (getServerTime) refused", details, ExitCode.AUTH
        )
        return False
    except PermissionDeniedError as exc:
        checks.add(
            "FAIL",
            f"login works but the role may not use web services: {exc.ns_message or exc}",
            [CAUSE_ROLE],
            ExitCode.AUTH,
        )
        return False
    except InvalidVersionError as exc:
        checks.add(
            "FAIL",
            f"endpoint version {profile.config.version} refused: {exc.ns_message or exc}",
            ["Choose a version the account supports (--version)."],
            ExitCode.CONFIG,
        )
        return False
    except TransportError as exc:
        host = urlsplit(client.service_url).hostname or client.service_url
        causes = [
            f"The service at {host} did not answer: check the network, a proxy (HTTPS_PROXY) or firewall.",
            "If the name does not resolve, the account id is wrong: the host name is made from it.",
        ]
        checks.add(
            "FAIL",
            f"no answer to getServerTime: {exc}",
            [] if _is_emulator(profile) else causes,
            ExitCode.CONNECTION,
        )
        return False
    except SuiteTalkError as exc:
        checks.fail("getServerTime failed", exc)
        return False
    checks.add("ok", f"login works (token-based authentication accepted for {account.passport_id})")
    _clock(server_time, conn, checks)
    return True


def _clock(server_time: datetime, conn: Connection, checks: Checks) -> None:
    if server_time.tzinfo is None:
        server_time = server_time.replace(tzinfo=timezone.utc)
    offset = server_time.timestamp() - conn.clock()()
    if abs(offset) > CLOCK_WARN_SECONDS:
        checks.add(
            "warn",
            f"{_describe_offset(offset)} (server time {server_time.isoformat(timespec='seconds')})",
            [
                f"NetSuite refuses passports more than about {CLOCK_LIMIT_SECONDS / 60:.0f} minutes off: "
                "synchronise the clock (NTP) before it drifts further."
            ],
        )
    else:
        checks.add(
            "ok",
            f"clocks agree to within {CLOCK_WARN_SECONDS:.0f} s (offset {offset:+.1f} s; "
            f"NetSuite tolerates about {CLOCK_LIMIT_SECONDS / 60:.0f} minutes)",
        )


def _governance(client: Any, checks: Checks) -> None:
    checks.section("Governance")
    try:
        integration = client.get_integration_governance_info()
        account_info = client.get_account_governance_info()
    except PermissionDeniedError as exc:
        checks.add(
            "warn",
            f"governance limits not readable: {exc.ns_message or exc}",
            ["The client then keeps to 5 requests at once (the smallest service tier)."],
        )
        return
    except SuiteTalkError as exc:
        checks.fail("governance limits", exc)
        return
    limit = integration.get("integrationConcurrencyLimit")
    kind = str(integration.get("limitType", "")).lstrip("_") or "unknown"
    checks.add(
        "ok",
        f"this integration may run {limit} request(s) at once (limit type: {kind})",
        ["The client keeps its requests in flight under this limit and retries rejections."],
    )
    account_limit = account_info.get("accountConcurrencyLimit")
    unallocated = account_info.get("unallocatedConcurrencyLimit")
    checks.add(
        "ok", f"account concurrency limit {account_limit}, {unallocated} not allocated to integrations"
    )


def _limiter(client: Any, checks: Checks) -> None:
    """Which limiter keeps the requests under the limit, and how much of its budget is in use now."""
    checks.section("Concurrency limiter")
    try:
        status = client.limiter.status()
    except SuiteTalkError as exc:
        checks.fail("concurrency limiter", exc)
        return
    if status.backend == "in-process":
        checks.add(
            "ok",
            f"limiter: in-process (this process alone), limit {status.limit}",
            [
                "Several processes or machines on this account? Share one budget through Redis: "
                "limiter_url in the profile, or SUITETALK_LIMITER_URL."
            ],
        )
        return
    ceiling = f", NetSuite rejected {status.ceiling} lately" if status.ceiling else ""
    checks.add(
        "warn" if status.backend != "redis" else "ok",
        f"limiter: {status.backend} at {status.location}, budget {status.key}: {status.slots_in_use} of "
        f"{status.limit} slot(s) in use, {status.waiting} waiting (maximum {status.max_limit}{ceiling}, "
        f"{status.rejections} rejection(s) seen)",
    )
