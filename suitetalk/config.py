"""Accounts, credentials and client configuration.

Everything a user types is normalised here, once: the account id (whose spelling differs between the
signature and the host name), the four TBA secrets (kept as ``SecretStr``), the endpoint version and the
endpoint override. Profiles let one script switch between sandbox and production by a single word.
"""

from __future__ import annotations

import difflib
import enum
import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import InputError
from .namespaces import VERSION_RE, check_version

DEFAULT_VERSION = "2025_2"

ACCOUNT_FORMS = (
    "1234567 (production), 1234567_SB1 (sandbox 1), 1234567_RP (release preview), "
    "TSTDRV1234567 (test drive); case and '-' or '_' before the suffix do not matter"
)
TEST_DRIVE_PREFIX = "TSTDRV"
_ACCOUNT_RE = re.compile(r"^(?P<base>[A-Z0-9]{1,30})(?:[-_](?P<suffix>SB(?P<n>[1-9][0-9]{0,2})|RP))?$")


class Environment(str, enum.Enum):
    """The kind of NetSuite account an id names."""

    PRODUCTION = "production"
    SANDBOX = "sandbox"
    RELEASE_PREVIEW = "release_preview"
    TEST_DRIVE = "test_drive"
    """A ``TSTDRV…`` account: a trial account NetSuite lends, with no production data."""


class ConfigError(InputError):
    """Configuration that cannot work: says what was wrong and what is expected."""


class _Settings(BaseModel):
    """A pydantic model whose validation errors are :class:`ConfigError`, in this project's words."""

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ConfigError(
                f"{type(self).__name__}: {describe_validation_error(exc, type(self))}"
            ) from None

    # Marked as pydantic's own initialiser (as pydantic's RootModel does), so that a nested model is
    # validated by pydantic directly and its problems are reported once, under their full path.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]


class Account(_Settings):
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
        if isinstance(value, dict | Account):
            return value
        return {"passport_id": value}  # anything else is the id itself, checked by _normalise

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
        """Normalise ``value``; raises :class:`ConfigError` (a ``ValueError``) if it cannot be one."""
        if isinstance(value, Account):
            return value
        if not isinstance(value, str):
            raise ConfigError(
                f"account id must be a string, got {type(value).__name__}; accepted forms: {ACCOUNT_FORMS}"
            )
        return cls(passport_id=value)

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
            return (
                Environment.TEST_DRIVE
                if self.base_id.startswith(TEST_DRIVE_PREFIX)
                else Environment.PRODUCTION
            )
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
        """True only for a production account: not a sandbox, release preview or ``TSTDRV`` test drive."""
        return self.environment is Environment.PRODUCTION

    @property
    def is_test_drive(self) -> bool:
        return self.environment is Environment.TEST_DRIVE

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


class Credentials(_Settings):
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


# ---------------------------------------------------------------------------------------------------------
# Client configuration
# ---------------------------------------------------------------------------------------------------------


class Preferences(_Settings):
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


class SearchPreferences(_Settings):
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


class RetryPolicy(_Settings):
    """How rejected or interrupted requests are retried (exponential backoff with full jitter)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=8, ge=1, le=100)
    initial_wait: float = Field(default=0.5, gt=0)
    max_wait: float = Field(default=30.0, gt=0)
    retry_lost_responses: bool = True


class ClientConfig(_Settings):
    """Everything about a client except the credentials."""

    # hide_input_in_errors: a limiter URL may carry a password, which a validation error must not repeat.
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

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
    search_prefetch: int | None = Field(default=None, ge=0, le=100)
    """Search pages fetched ahead while a search is iterated (``Client.search(prefetch=)`` overrides it);
    0 fetches one page at a time; ``None``: the concurrency limit, at most 8."""
    limiter_url: SecretStr | None = Field(default_factory=lambda: _limiter_url_from_env(os.environ))
    """Redis URL of a concurrency budget shared by every process and machine using the account
    (``redis://host:6379/0``, ``rediss://`` for TLS; needs ``suitetalk[redis]``). ``None``: each client
    limits its own threads. Defaults to ``$SUITETALK_LIMITER_URL``; see :mod:`suitetalk.limiter_redis`."""

    @field_validator("limiter_url", mode="before")
    @classmethod
    def _limiter_url(cls, value: Any) -> Any:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is None or not isinstance(raw, str):
            return value
        if not raw.strip():
            return None
        parts = urlsplit(raw.strip())
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise ValueError(
                f"{redact_url(raw)!r} is not a Redis URL; expected redis://host:port/db (or rediss:// for "
                "TLS), e.g. redis://localhost:6379/0"
            )
        return SecretStr(raw.strip())

    @model_validator(mode="before")
    @classmethod
    def _service_url_as_endpoint(cls, data: Any) -> Any:
        """A service or WSDL URL pasted as ``endpoint`` (the emulator prints its service URL first) is
        reduced to its base URL, and gives the version when none is configured."""
        if not isinstance(data, dict) or not isinstance(data.get("endpoint"), str):
            return data
        base, url_version = split_endpoint_url(data["endpoint"])
        if url_version is None:
            return data
        configured = data.get("version")
        if configured is not None and configured != url_version:
            raise ValueError(
                f"{data['endpoint']!r} is the address of endpoint version {url_version}, but version "
                f"{configured!r} is configured: give the base URL {base!r} as endpoint (the service path "
                "is added for the configured version), or set version to the one you mean"
            )
        return {**data, "endpoint": base, "version": url_version}

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        return check_version(value)

    @field_validator("verify", mode="before")
    @classmethod
    def _verify(cls, value: Any) -> Any:
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if isinstance(value, str):
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

    def with_settings(self, **settings: Any) -> ClientConfig:
        """A copy with ``settings`` changed, validated as a whole (raises :class:`ConfigError`).

        Only the settings given here or explicitly set before are passed on, so that an endpoint given as
        a service URL may still choose the version when no version was configured.
        """
        return ClientConfig(**{**self.model_dump(exclude_unset=True), **settings})


_ENDPOINT_SUFFIX_RE = re.compile(
    r"^(?P<base>.*?)(?:/services/NetSuitePort_(?P<service>[^/]+)|/wsdl/v(?P<wsdl>[^/]+)_0/netsuite\.wsdl)/?$"
)


def split_endpoint_url(url: str) -> tuple[str, str | None]:
    """``(base URL, version)`` of a service or WSDL URL; ``(url, None)`` for anything else.

    >>> split_endpoint_url("http://127.0.0.1:8080/services/NetSuitePort_2025_2")
    ('http://127.0.0.1:8080', '2025_2')
    """
    parts = urlsplit(url.strip())
    m = _ENDPOINT_SUFFIX_RE.match(parts.path)
    if not m:
        return url, None
    version = m.group("service") or m.group("wsdl")
    if not VERSION_RE.match(version):
        raise ConfigError(
            f"{url!r} names endpoint version {version!r}, which is not NetSuite's YYYY_N form; give the base "
            f"URL {parts.scheme}://{parts.netloc}{m.group('base')} as endpoint"
        )
    return f"{parts.scheme}://{parts.netloc}{m.group('base')}", version


def check_endpoint(url: str) -> str:
    """Validate an endpoint override: ``https://`` anywhere, ``http://`` only on loopback.

    Raises :class:`ConfigError` (a ``ValueError``) saying what is expected.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"endpoint {url!r} must be an absolute http(s) URL such as https://proxy.example.com"
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError(
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


def describe_validation_error(exc: ValidationError, model: type[BaseModel] | None = None) -> str:
    """One clause per problem, ``field: what is wrong``, in this project's words and without the values.

    ``model`` (the model validated) lets an unknown setting be answered with the closest known ones.
    """
    return "; ".join(_describe_problem(error, model) for error in exc.errors())


_TYPE_WORDS = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "path_type": "a file path",
    "model_type": "a table of settings",
    "model_attributes_type": "a table of settings",
    "dict_type": "a table of settings",
}
_BOUND_WORDS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "more than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
}


def _describe_problem(error: Any, model: type[BaseModel] | None) -> str:
    loc = [str(part) for part in error["loc"]]
    if loc and loc[-1] == "passport_id":  # Account's one field is the account id itself
        loc = loc[:-1] or ["account"]
    where = ".".join(loc) or "value"
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = f", got {type(error['input']).__name__}" if "input" in error else ""
    if kind == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        close = difflib.get_close_matches(loc[-1], known, n=3, cutoff=0.6)
        if close:
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)"
        else:
            hint = f" (known settings: {', '.join(known)})" if known else ""
        return f"{where}: unknown setting{hint}"
    if kind == "missing":
        return f"{where}: missing, and required"
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return f"{where}: {ctx['error']}"
    if kind in _BOUND_WORDS:
        key, words = _BOUND_WORDS[kind]
        return f"{where}: must be {words} {ctx.get(key)}"
    if kind in _TYPE_WORDS:
        return f"{where}: must be {_TYPE_WORDS[kind]}{got}"
    return f"{where}: {error['msg']}"


def _fields_at(model: type[BaseModel] | None, loc: list[str]) -> list[str]:
    """The field names of the (nested) model at ``loc``, for suggestions; empty when unknown."""
    current: Any = model
    for part in loc:
        field_info = getattr(current, "model_fields", {}).get(part)
        current = getattr(field_info, "annotation", None)
    fields = getattr(current, "model_fields", None)
    return list(fields) if isinstance(fields, dict) else []


#: The environment variable naming a shared limiter's Redis URL.
LIMITER_URL_ENV_VAR = "SUITETALK_LIMITER_URL"


def _limiter_url_from_env(environ: Mapping[str, str]) -> SecretStr | None:
    value = environ.get(LIMITER_URL_ENV_VAR, "").strip()
    return SecretStr(value) if value else None


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages."""
    parts = urlsplit(url.strip())
    if parts.password is None:
        return url.strip()
    host = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))
