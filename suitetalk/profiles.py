"""Named profiles: one script, run against sandbox or production by a single word.

A TOML file holds one table per profile::

    [sandbox]
    account = "1234567_SB1"
    consumer_key = "..."
    consumer_secret = { env = "NS_SANDBOX_CONSUMER_SECRET" }   # a reference to an environment variable
    token_id = "..."
    token_secret = { env = "NS_SANDBOX_TOKEN_SECRET" }
    version = "2025_2"          # any ClientConfig field may follow
    concurrency = 5

    [production]
    account = "1234567"
    ...

The file is ``$SUITETALK_CONFIG`` if set, else ``$XDG_CONFIG_HOME/suitetalk/profiles.toml`` (by default
``~/.config/suitetalk/profiles.toml``). The profile is the ``name`` argument, else ``$SUITETALK_PROFILE``,
else ``default``. The ``NETSUITE_*`` environment variables of :meth:`Credentials.from_env` override the
file's values, so CI can inject secrets without touching the file; ``SUITETALK_ENDPOINT``,
``SUITETALK_VERSION`` and ``SUITETALK_CA_BUNDLE`` override the profile's ``endpoint``, ``version`` and
``verify`` (``suitetalk emulator`` prints
them, so that a script follows it with no change), and ``SUITETALK_LIMITER_URL`` its ``limiter_url`` (the
Redis URL of a concurrency budget shared by many workers).
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ClientConfig, ConfigError, Credentials

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_PROFILE = "default"
#: Client settings that environment variables override too (``suitetalk emulator`` prints them).
CONFIG_ENV_VARS = {
    "endpoint": "SUITETALK_ENDPOINT",
    "version": "SUITETALK_VERSION",
    "verify": "SUITETALK_CA_BUNDLE",
    "limiter_url": "SUITETALK_LIMITER_URL",
}
_CREDENTIAL_FIELDS = tuple(Credentials.ENV_VARS)
#: Settings that are tables of their own (``[production.retry]``), not values.
_TABLE_SETTINGS = ("retry", "preferences", "search_preferences")


def default_profiles_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where profiles are read from when no path is given."""
    env = os.environ if environ is None else environ
    if env.get("SUITETALK_CONFIG"):
        return Path(env["SUITETALK_CONFIG"]).expanduser()
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "suitetalk" / "profiles.toml"


@dataclass(frozen=True)
class Profile:
    """Credentials and client configuration resolved for one profile."""

    name: str
    credentials: Credentials
    config: ClientConfig
    source: str
    """Where the values came from, for messages (a file path, the environment, or both)."""
    overrides: tuple[Override, ...] = ()
    """The profile file's values that environment variables replaced (say so: see :func:`load_profile`)."""


@dataclass(frozen=True)
class Override:
    """An environment variable that replaced a different value set in the profile file."""

    key: str
    variable: str
    file_value: str
    value: str

    def notice(self, profile: str) -> str:
        """One line for people: which variable replaced which value of which profile."""
        return (
            f"{self.variable}={self.value} (environment) overrides {self.key} = {self.file_value!r} "
            f"of profile {profile!r}"
        )


#: Overrides worth telling people about: they change where requests go. Secrets are never shown.
NOTICED_OVERRIDES = ("account", "endpoint")


def list_profiles(path: Path | str | None = None, *, environ: Mapping[str, str] | None = None) -> list[str]:
    """Names of the profiles in the file (empty if there is no file)."""
    data = _read_file(Path(path) if path else default_profiles_path(environ))
    return sorted(name for name, value in data.items() if isinstance(value, dict))


def load_profile(
    name: str | None = None,
    *,
    path: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Profile:
    """Resolve a profile from the file and the environment.

    Raises :class:`ConfigError` naming the profile, the file and the missing or invalid values; nothing
    else, whatever the file holds. ``overrides`` on the result lists the file's account and endpoint values
    that environment variables replaced, so that callers can say so (the command line does, on stderr).
    """
    env = os.environ if environ is None else environ
    file = Path(path) if path else default_profiles_path(env)
    chosen = name or env.get("SUITETALK_PROFILE") or DEFAULT_PROFILE
    exists = file.is_file()
    data = _read_file(file)
    table = data.get(chosen)
    if table is None and (name or env.get("SUITETALK_PROFILE")):
        known = ", ".join(sorted(data)) or "none"
        where = f"in {file} (profiles there: {known})" if exists else f"(there is no profile file at {file})"
        raise ConfigError(f"profile {chosen!r} not found {where}")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"profile {chosen!r} in {file} must be a table ([{chosen}]), not a single value")
    table = table or {}
    _check_keys(chosen, file, table)
    values: dict[str, Any] = {key: _resolve(chosen, key, value, env) for key, value in table.items()}

    env_vars = {**Credentials.ENV_VARS, **CONFIG_ENV_VARS}
    from_env = {key: env[var] for key, var in env_vars.items() if env.get(var)}
    overrides = tuple(
        Override(key, env_vars[key], str(values[key]), from_env[key])
        for key in NOTICED_OVERRIDES
        if key in from_env and key in values and _same(values[key]) != _same(from_env[key])
    )
    values.update(from_env)
    sources = [str(file)] if table else []
    if from_env:
        sources.append("environment (" + ", ".join(env_vars[k] for k in from_env) + ")")

    missing = [key for key in _CREDENTIAL_FIELDS if values.get(key) in (None, "")]
    if missing:
        if table:
            where = f"profile {chosen!r} in {file}"
        elif exists:
            known = ", ".join(sorted(data)) or "none"
            where = f"{file} has no [{chosen}] table (profiles there: {known}), and the environment"
        else:
            where = f"no profile file at {file}, and the environment"
        raise ConfigError(
            f"{where} lacks {', '.join(missing)}; set them in the profile or through "
            + ", ".join(Credentials.ENV_VARS[k] for k in missing)
        )
    credential_values = {key: values.pop(key) for key in _CREDENTIAL_FIELDS}
    try:
        credentials = Credentials(**credential_values)
        config = ClientConfig(**values)
    except ConfigError as exc:
        raise ConfigError(f"profile {chosen!r} ({' + '.join(sources)}): {_without_model(exc)}") from None
    return Profile(chosen, credentials, config, " + ".join(sources), overrides)


def _same(value: Any) -> str:
    """A value as compared for a notice: ``1234567-sb1`` and ``1234567_SB1`` are the same account."""
    return str(value).strip().rstrip("/").upper().replace("-", "_")


def _without_model(exc: ConfigError) -> str:
    """The model's name is noise in a profile's error: the profile names the place already."""
    text = str(exc)
    for model in ("Credentials: ", "ClientConfig: "):
        text = text.removeprefix(model)
    return text


def _check_keys(profile: str, file: Path, table: Mapping[str, Any]) -> None:
    """Every unknown key at once, each with the closest known ones."""
    known = [*_CREDENTIAL_FIELDS, *ClientConfig.model_fields]
    problems = []
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            problems.append(f"{key}: unknown setting{hint}")
    if problems:
        raise ConfigError(
            f"profile {profile!r} in {file}: {'; '.join(problems)}. Known settings: {', '.join(known)}"
        )


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: it is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the profile file {path}: {exc.strerror or exc}") from None


def _resolve(profile: str, key: str, value: Any, env: Mapping[str, str]) -> Any:
    """``{ env = "NAME" }`` stands for the value of that environment variable."""
    if not isinstance(value, dict) or (key in _TABLE_SETTINGS and set(value) != {"env"}):
        return value
    if set(value) != {"env"}:
        raise ConfigError(
            f"profile {profile!r}: {key} is a table with {', '.join(map(repr, sorted(value))) or 'no keys'}; "
            f'a value is either written out or {{ env = "VARIABLE_NAME" }}'
        )
    var = value["env"]
    if not isinstance(var, str) or not var:
        raise ConfigError(
            f"profile {profile!r}: {key} = {{ env = ... }} needs the name of an environment variable as a "
            f'string, e.g. {{ env = "NS_TOKEN_SECRET" }}, not {type(var).__name__}'
        )
    if not env.get(var):
        raise ConfigError(
            f"profile {profile!r}: {key} refers to environment variable {var}, which is not set"
        )
    return env[var]
