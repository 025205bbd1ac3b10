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
them, so that a script follows it with no change).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .config import ClientConfig, ConfigError, Credentials, describe_validation_error

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
}
_CREDENTIAL_FIELDS = tuple(Credentials.ENV_VARS)


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

    Raises :class:`ConfigError` naming the profile, the file and the missing or invalid values.
    """
    env = os.environ if environ is None else environ
    file = Path(path) if path else default_profiles_path(env)
    chosen = name or env.get("SUITETALK_PROFILE") or DEFAULT_PROFILE
    data = _read_file(file)
    table = data.get(chosen)
    if table is None and (name or env.get("SUITETALK_PROFILE")):
        known = ", ".join(sorted(data)) or "none"
        raise ConfigError(f"profile {chosen!r} not found in {file} (profiles there: {known})")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"profile {chosen!r} in {file} must be a table ([{chosen}]), not a single value")
    values: dict[str, Any] = {key: _resolve(chosen, key, value, env) for key, value in (table or {}).items()}

    env_vars = {**Credentials.ENV_VARS, **CONFIG_ENV_VARS}
    from_env = {key: env[var] for key, var in env_vars.items() if env.get(var)}
    values.update(from_env)
    sources = [str(file)] if table is not None else []
    if from_env:
        sources.append("environment (" + ", ".join(env_vars[k] for k in from_env) + ")")

    missing = [key for key in _CREDENTIAL_FIELDS if not values.get(key)]
    if missing:
        where = (
            f"profile {chosen!r} in {file}"
            if table is not None
            else f"no profile file at {file}, and the environment"
        )
        raise ConfigError(
            f"{where} lacks {', '.join(missing)}; set them in the profile or through "
            + ", ".join(Credentials.ENV_VARS[k] for k in missing)
        )
    credential_values = {key: values.pop(key) for key in _CREDENTIAL_FIELDS}
    try:
        credentials = Credentials(**credential_values)
        config = ClientConfig(**values)
    except ValidationError as exc:
        raise ConfigError(f"profile {chosen!r}: {describe_validation_error(exc)}") from None
    return Profile(chosen, credentials, config, " + ".join(sources))


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def _resolve(profile: str, key: str, value: Any, env: Mapping[str, str]) -> Any:
    """``{ env = "NAME" }`` stands for the value of that environment variable."""
    if isinstance(value, dict) and set(value) == {"env"}:
        var = value["env"]
        if not env.get(var):
            raise ConfigError(
                f"profile {profile!r}: {key} refers to environment variable {var}, which is not set"
            )
        return env[var]
    return value
