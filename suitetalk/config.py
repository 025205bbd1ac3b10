"""Accounts, credentials and client configuration.

Everything a user types is normalised here, once: the account id (whose spelling differs between the
signature and the host name), the four TBA secrets (kept as ``SecretStr``), the endpoint version and the
endpoint override. Profiles let one script switch between sandbox and production by a single word.
"""

from __future__ import annotations

import enum
import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from .namespaces import check_version

DEFAULT_VERSION = "2025_2"

ACCOUNT_FORMS = (
    "1234567 (production), 1234567_SB1 (sandbox 1), 1234567_RP (release preview), "
    "TSTDRV1234567 (test drive); case and '-' or '_' before the suffix do not matter"
)
_ACCOUNT_RE = re.compile(r"^(?P<base>[A-Z0-9]{1,30})(?:[-_](?P<suffix>SB(?P<n>[1-9][0-9]{0,2})|RP))?$")


class Environment(str, enum.Enum):
    """The kind of NetSuite account an id names."""

    PRODUCTION = "production"
    SANDBOX = "sandbox"
    RELEASE_PREVIEW = "release_preview"


class Account(BaseModel):
    """A NetSuite account id, accepted as users type it and normalised.

    >>> Account.parse("1234567-sb1").passport_id
    '1234567_SB1'
    >>> Account.parse("1234567_SB1").host_id
    '1234567-sb1'
    """

    model_config = ConfigDict(frozen=True)

    passport_id: str
    """The form the token passport needs: upper-case suffix after ``_`` (``1234567_SB1``)."""

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"passport_id": value}
        return value

    @field_validator("passport_id", mode="before")
    @classmethod
    def _normalise(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(
                f"account id must be a string, got {type(value).__name__}; accepted forms: {ACCOUNT_FORMS}"
            )
        text = value.strip().upper()
        m = _ACCOUNT_RE.match(text)
        if not m or (m.group("base").isalpha()):
            raise ValueError(f"{value!r} is not a NetSuite account id; accepted forms: {ACCOUNT_FORMS}")
        suffix = m.group("suffix")
        return m.group("base") + (f"_{suffix}" if suffix else "")

    @classmethod
    def parse(cls, value: str | Account) -> Account:
        """Normalise ``value``; raises ``pydantic.ValidationError`` (a ``ValueError``) if it cannot be one."""
        if isinstance(value, Account):
            return value
        return cls.model_validate(value)

    @property
    def base_id(self) -> str:
        """The company id without the environment suffix (``1234567``)."""
        return self.passport_id.split("_", 1)[0]

    @property
    def host_id(self) -> str:
        """The form the account-specific domain needs (``1234567-sb1``)."""
        return self.passport_id.lower().replace("_", "-")

    @property
    def environment(self) -> Environment:
        suffix = self._suffix
        if suffix is None:
            return Environment.PRODUCTION
        if suffix == "RP":
            return Environment.RELEASE_PREVIEW
        return Environment.SANDBOX

    @property
    def sandbox_number(self) -> int | None:
        """``1`` for ``1234567_SB1``; ``None`` for anything that is not a sandbox."""
        suffix = self._suffix
        return int(suffix[2:]) if suffix and suffix.startswith("SB") else None

    @property
    def is_sandbox(self) -> bool:
        return self.environment is Environment.SANDBOX

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def _suffix(self) -> str | None:
        parts = self.passport_id.split("_", 1)
        return parts[1] if len(parts) == 2 else None

    def __str__(self) -> str:
        return self.passport_id


def _clean_secret_text(name: str, value: str) -> str:
    """Strip the usual copy-paste slip (surrounding spaces, a trailing newline); reject inner whitespace."""
    text = value.strip()
    if not text:
        raise ValueError(f"{name} is empty; copy it from the access token or integration record in NetSuite")
    if any(c.isspace() for c in text):
        raise ValueError(
            f"{name} contains whitespace inside it; paste the value again as one unbroken string"
        )
    return text


class Credentials(BaseModel):
    """The five values of token-based authentication.

    Surrounding whitespace and trailing newlines (the usual copy-paste slip) are stripped; whitespace
    inside a value, or an empty value, is rejected. ``repr``, ``str`` and errors never show the secrets.
    """

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    account: Account
    consumer_key: str
    consumer_secret: SecretStr
    token_id: str
    token_secret: SecretStr

    @field_validator("consumer_key", "token_id", mode="before")
    @classmethod
    def _plain(cls, value: Any, info: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"{info.field_name} must be a string")
        return _clean_secret_text(info.field_name, value)

    @field_validator("consumer_secret", "token_secret", mode="before")
    @classmethod
    def _secret(cls, value: Any, info: Any) -> SecretStr:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(raw, str):
            raise ValueError(f"{info.field_name} must be a string")
        return SecretStr(_clean_secret_text(info.field_name, raw))

    def __repr__(self) -> str:
        return (
            f"Credentials(account={self.account.passport_id!r}, consumer_key={_mask(self.consumer_key)!r}, "
            f"token_id={_mask(self.token_id)!r}, consumer_secret='**********', token_secret='**********')"
        )

    __str__ = __repr__

    ENV_VARS: ClassVar[Mapping[str, str]] = {
        "account": "NETSUITE_ACCOUNT",
        "consumer_key": "NETSUITE_CONSUMER_KEY",
        "consumer_secret": "NETSUITE_CONSUMER_SECRET",
        "token_id": "NETSUITE_TOKEN_ID",
        "token_secret": "NETSUITE_TOKEN_SECRET",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        """Read ``NETSUITE_ACCOUNT``, ``NETSUITE_CONSUMER_KEY``, ``NETSUITE_CONSUMER_SECRET``,
        ``NETSUITE_TOKEN_ID`` and ``NETSUITE_TOKEN_SECRET``; names every missing variable."""
        env = os.environ if environ is None else environ
        missing = [var for var in cls.ENV_VARS.values() if not env.get(var)]
        if missing:
            raise ConfigError(
                f"missing environment variable(s) for NetSuite credentials: {', '.join(missing)}"
            )
        return cls(**{key: env[var] for key, var in cls.ENV_VARS.items()})


def _mask(value: str) -> str:
    """Consumer key and token id are identifiers, not secrets, but show only enough to tell them apart."""
    return value[:6] + "…" if len(value) > 10 else "…"


class ConfigError(ValueError):
    """Configuration that cannot work: says what was wrong and what is expected."""


# ---------------------------------------------------------------------------------------------------------
# Client configuration
# ---------------------------------------------------------------------------------------------------------


class Preferences(BaseModel):
    """The SOAP ``preferences`` header. Field names map to NetSuite's exact camelCase names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    warning_as_error: bool | None = None
    disable_mandatory_custom_field_validation: bool | None = None
    disable_system_notes_for_custom_fields: bool | None = None
    ignore_read_only_fields: bool | None = None
    run_server_suite_script_and_trigger_workflows: bool | None = None

    def to_header(self) -> dict[str, bool]:
        """Only the preferences that were set, under NetSuite's names."""
        return {_camel(k): v for k, v in self.model_dump().items() if v is not None}


class SearchPreferences(BaseModel):
    """The SOAP ``searchPreferences`` header, sent with every search page."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    body_fields_only: bool = True
    return_search_columns: bool = True
    page_size: int = Field(default=1000, ge=5, le=1000)

    def to_header(self) -> dict[str, Any]:
        return {_camel(k): v for k, v in self.model_dump().items()}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class RetryPolicy(BaseModel):
    """How rejected or interrupted requests are retried (exponential backoff with full jitter)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=8, ge=1, le=100)
    initial_wait: float = Field(default=0.5, gt=0)
    max_wait: float = Field(default=30.0, gt=0)
    retry_lost_responses: bool = True


class ClientConfig(BaseModel):
    """Everything about a client except the credentials."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = DEFAULT_VERSION
    endpoint: str | None = None
    """Base URL that replaces NetSuite's account domain (the emulator, or a proxy), e.g.
    ``http://127.0.0.1:8080``. Plain ``http://`` is accepted only for loopback hosts."""
    wsdl_cache: Path | None = None
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=900.0, gt=0)
    """NetSuite ends requests after 15 minutes; waiting longer is pointless."""
    max_response_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)
    """Answers larger than this are not read (``RESPONSE_TOO_LARGE``): a cap on the memory one answer can
    take. 256 MiB by default, about fifty times a 1000-record page of customers."""
    concurrency: int | None = Field(default=None, ge=1, le=100)
    """Requests in flight at once; ``None`` asks NetSuite (getIntegrationGovernanceInfo), else 5."""
    retry: RetryPolicy = RetryPolicy()
    preferences: Preferences = Preferences()
    search_preferences: SearchPreferences = SearchPreferences()
    verify: bool | str = True
    """TLS certificate verification, as requests spells it: ``True`` (the system's CAs), ``False`` (no
    verification: only for a test server; requests then warns on every request), or the path of a CA
    bundle (PEM file or folder), e.g. the emulator's ``ca_file``. Profile key ``verify``; environment
    ``SUITETALK_CA_BUNDLE`` (a path)."""

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        return check_version(value)

    @field_validator("verify", mode="before")
    @classmethod
    def _verify(cls, value: Any) -> Any:
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if isinstance(value, str) and not isinstance(value, bool):
            path = Path(value).expanduser()
            if not path.exists():
                raise ValueError(
                    f"CA bundle {value!r} does not exist; give a PEM file or folder of CA certificates, "
                    "True (the system's CAs) or False (no verification)"
                )
            return str(path)
        return value

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        return None if value is None else check_endpoint(value)


def check_endpoint(url: str) -> str:
    """Validate an endpoint override: ``https://`` anywhere, ``http://`` only on loopback."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"endpoint {url!r} must be an absolute http(s) URL such as https://proxy.example.com"
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError(
            f"endpoint {url!r} uses plain http on a non-loopback host; use https, or http only for "
            "127.0.0.1, ::1 or localhost (the emulator)"
        )
    return url.strip().rstrip("/")


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_endpoint(url: str | None) -> bool:
    """True when ``url`` (an endpoint override) points at this machine: the emulator or a local proxy."""
    return url is not None and is_loopback_host(urlsplit(url).hostname or "")


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem, ``field: message``, without the input values pydantic's own text repeats."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
