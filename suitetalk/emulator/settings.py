"""The emulator's settings: what it serves, whom it lets in, and how it misbehaves on purpose.

Identity and storage (version, schema, database, account, credentials) are fixed when the emulator is
created; everything about behaviour (time window, concurrency limit, latency, fault rates, seed, size limit)
may be changed while it runs, through ``Emulator.configure(...)``.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..config import DEFAULT_VERSION, Account, Credentials
from ..namespaces import check_version
from .pages import ERROR_PAGE_STATUSES, REDIRECT_STATUSES, ErrorPageBody
from .rules import Rule

DEFAULT_ACCOUNT = "1234567"
#: NetSuite refuses requests over 100 MB.
NETSUITE_MAX_REQUEST_BYTES = 100 * 1024 * 1024


def generate_credentials(account: Account | str) -> Credentials:
    """Fresh TBA credentials for ``account`` from ``secrets``: 64 hex characters each, like NetSuite's."""
    return Credentials(
        account=Account.parse(account),
        consumer_key=secrets.token_hex(32),
        consumer_secret=secrets.token_hex(32),
        token_id=secrets.token_hex(32),
        token_secret=secrets.token_hex(32),
    )


class EmulatorSettings(BaseModel):
    """Everything the emulator can be told. Secrets live in ``credentials`` (``SecretStr``), not in ``repr``.

    ``credentials`` left out means a new random set for ``account``, made once per settings object; given,
    they decide the account.
    """

    model_config = ConfigDict(validate_assignment=True, extra="forbid", arbitrary_types_allowed=True)

    # Fixed for the life of an emulator ------------------------------------------------------------------
    version: str = Field(default=DEFAULT_VERSION, frozen=True)
    """Endpoint version served (``YYYY_N``); with ``schema_dir`` it is read from the bundle instead."""
    schema_dir: Path | None = Field(default=None, frozen=True)
    """A NetSuite-shaped WSDL bundle folder (``netsuite.wsdl`` + ``xsd/``); ``None``: the project's compact
    schema generated for ``version`` into a temporary folder."""
    database: Path | None = Field(default=None, frozen=True)
    """SQLite file that keeps records across restarts; ``None``: in memory, gone when the emulator stops."""
    account: Account = Field(default=Account.parse(DEFAULT_ACCOUNT), frozen=True)
    credentials: Credentials | None = Field(default=None, frozen=True)
    tls: bool = Field(default=False, frozen=True)
    """Serve HTTPS with a certificate from a CA made at start (``Emulator.ca_file``), instead of http."""

    # Changeable while running ---------------------------------------------------------------------------
    timestamp_window: float = Field(default=300.0, gt=0)
    """Seconds a passport timestamp may differ from the emulator's clock (NetSuite: ±5 minutes)."""
    concurrency_limit: int = Field(default=5, ge=0)
    """Requests in flight at once before ``WS_REQUEST_BLOCKED``; 0 means unlimited."""
    latency: float = Field(default=0.0, ge=0)
    """Seconds every admitted request takes at least, while it counts as in flight: NetSuite's response time.

    The emulator's own work on the request is part of it (a request takes the larger of the two), so that
    a benchmark's ideal time, computed from the latency, is not inflated by the emulator's CPU."""
    latency_jitter: float = Field(default=0.0, ge=0)
    """Up to this many seconds more, drawn uniformly per request from the seeded generator."""
    concurrency_fault_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of admitted requests answered with a concurrency fault anyway (not executed)."""
    drop_connection_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of requests whose connection is closed before anything is processed."""
    lose_response_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of requests executed and committed whose response is then lost (connection closed)."""
    error_page_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of requests answered with a gateway's error page (HTML or text, never SOAP) instead of
    NetSuite's answer, with a status drawn from ``error_page_statuses``. 429 and 503 pages come before the
    request reaches NetSuite (not executed); 500, 502 and 504 pages come before it or after it was
    executed and committed, as ``error_page_after_commit`` draws."""
    error_page_statuses: tuple[int, ...] = ERROR_PAGE_STATUSES
    """The statuses error pages are drawn from (uniformly): any of 429, 500, 502, 503, 504."""
    error_page_bodies: tuple[ErrorPageBody, ...] = ("html",)
    """The kinds of error page body drawn from (uniformly): ``"html"``, ``"text"`` or both."""
    error_page_after_commit: float = Field(default=0.5, ge=0, le=1)
    """Chance that a 500/502/504 page is sent after the request was executed and committed (a gateway
    that gave up while NetSuite worked) rather than before it reached NetSuite: 1 always after, 0 never."""
    html_ok_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of requests answered with an HTML login/maintenance page and status 200 (not executed)."""
    redirect_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of requests answered with a redirect (not executed), status drawn from ``redirect_statuses``."""
    redirect_statuses: tuple[int, ...] = REDIRECT_STATUSES
    """The statuses redirects are drawn from (uniformly): any of 301, 302, 307, 308."""
    redirect_location: str | None = None
    """Where redirects point; ``None``: the emulator's own ``/moved/...`` path, where a request that follows
    the redirect is counted (``Stats.redirects_followed``) and answered 404, never executed."""
    truncated_response_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of requests executed and committed whose answer is then cut off mid-body: the
    ``Content-Length`` promises the whole answer, part of it is sent, and the connection closes."""
    seed: int | None = None
    """Seed of the fault-injection generator: the same seed gives the same sequence of decisions."""
    rules: tuple[Rule, ...] = ()
    """Failure scenarios: records matching a rule fail (or succeed with a warning) with its code and
    message; see :mod:`suitetalk.emulator.rules`. Dicts are read as :class:`Rule` fields."""
    max_body_bytes: int = Field(default=NETSUITE_MAX_REQUEST_BYTES, gt=0)
    """Larger request bodies get ``exceededRequestSizeFault`` without being read."""
    search_ttl: float = Field(default=900.0, gt=0, frozen=True)
    """Seconds a search id stays valid for ``searchMoreWithId`` (NetSuite: 15 minutes)."""
    validate_references: bool = True
    """Check that record references to stored record types point to existing records (INVALID_KEY_OR_REF)."""
    clock_offset: float = 0.0
    """Seconds added to the emulator's clock for the times it stamps and reports (record dates, deletions,
    ``getServerTime``): a NetSuite clock ahead of (or, negative, behind) the client's. Passports are still
    checked against the real clock."""
    frozen_time: datetime | None = None
    """When set (timezone-aware), the emulator's clock stands still at this time for what it stamps and
    reports, ``clock_offset`` aside: every edit then falls in the same second, deterministically."""
    async_delay: float = Field(default=0.0, ge=0)
    """Seconds an asynchronous job stays ``pending`` before it starts."""
    async_record_delay: float = Field(default=0.0, ge=0)
    """Seconds each record of an asynchronous job takes while it is ``processing``."""
    async_page_size: int = Field(default=1000, ge=1)
    """Results per ``getAsyncResult`` page of an asynchronous list job."""
    async_job_ttl: float = Field(default=86400.0, gt=0)
    """Seconds an asynchronous job id (and its results) stays valid after submission."""

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        return check_version(value)

    @field_validator("error_page_statuses")
    @classmethod
    def _error_page_statuses(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        return _statuses(value, ERROR_PAGE_STATUSES, "error_page_statuses")

    @field_validator("redirect_statuses")
    @classmethod
    def _redirect_statuses(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        return _statuses(value, REDIRECT_STATUSES, "redirect_statuses")

    @field_validator("redirect_location")
    @classmethod
    def _redirect_location(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError(f"redirect_location must be an absolute http(s) URL, got {value!r}")
        return value

    @field_validator("error_page_bodies")
    @classmethod
    def _error_page_bodies(cls, value: tuple[ErrorPageBody, ...]) -> tuple[ErrorPageBody, ...]:
        if not value:
            raise ValueError('give at least one of "html", "text"')
        return tuple(dict.fromkeys(value))

    @field_validator("frozen_time")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("frozen_time needs a time zone, e.g. datetime(..., tzinfo=timezone.utc)")
        return value

    @field_validator("schema_dir", "database", mode="before")
    @classmethod
    def _path(cls, value: Any) -> Any:
        if value == ":memory:":
            return None  # SQLite's own spelling of an in-memory database
        return Path(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _credentials(self) -> EmulatorSettings:
        # Runs again on every assignment (validate_assignment): only fill in what is missing, once.
        if self.credentials is None:
            object.__setattr__(self, "credentials", generate_credentials(self.account))
        elif self.credentials.account != self.account:
            if "account" in self.model_fields_set:
                raise ValueError(
                    f"account {self.account} differs from the credentials' account {self.credentials.account}"
                )
            object.__setattr__(self, "account", self.credentials.account)
        return self

    @property
    def accepted_credentials(self) -> Credentials:
        """The credential set the emulator accepts (always present after validation)."""
        assert self.credentials is not None
        return self.credentials


def _statuses(value: tuple[int, ...], allowed: tuple[int, ...], name: str) -> tuple[int, ...]:
    wrong = [status for status in value if status not in allowed]
    if wrong or not value:
        expected = ", ".join(map(str, allowed))
        raise ValueError(
            f"{name} must be one or more of {expected}; got {', '.join(map(str, value)) or 'none'}"
        )
    return tuple(sorted(set(value)))
