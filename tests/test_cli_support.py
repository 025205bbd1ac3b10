"""Helpers shared by the command-line tests (this module holds no tests itself).

The commands run in-process through click's runner, against an emulator on loopback, with the
environment a user would set after ``suitetalk emulator``: the emulator's credentials in ``NETSUITE_*``
and its address in ``SUITETALK_ENDPOINT``. No profile file of the user's is ever read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from suitetalk.cli import cli
from suitetalk.config import Credentials
from suitetalk.emulator import Emulator

#: Fields NetSuite sets itself: they differ between two accounts holding the same data.
SYSTEM_FIELDS = frozenset({"internalId", "dateCreated", "lastModifiedDate"})


def emulator_env(emulator: Emulator, credentials: Credentials | None = None) -> dict[str, str]:
    """The variables ``suitetalk emulator`` tells a user to export (``credentials`` overrides its own)."""
    c = credentials or emulator.credentials
    return {
        "SUITETALK_ENDPOINT": emulator.base_url,
        "SUITETALK_VERSION": emulator.version,
        "NETSUITE_ACCOUNT": c.account.passport_id,
        "NETSUITE_CONSUMER_KEY": c.consumer_key,
        "NETSUITE_CONSUMER_SECRET": c.consumer_secret.get_secret_value(),
        "NETSUITE_TOKEN_ID": c.token_id,
        "NETSUITE_TOKEN_SECRET": c.token_secret.get_secret_value(),
    }


_CLEARED = (
    "SUITETALK_PROFILE",
    "SUITETALK_ENDPOINT",
    "SUITETALK_VERSION",
    "SUITETALK_LIMITER_URL",
    *Credentials.ENV_VARS.values(),
)


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No profile file, WSDL cache or connection variables of the user's."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUITETALK_CONFIG", str(tmp_path / "no-profiles.toml"))
    monkeypatch.setenv("SUITETALK_WSDL_CACHE", str(tmp_path / "wsdl-cache"))


def use_emulator(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    emulator: Emulator,
    credentials: Credentials | None = None,
) -> None:
    """Point the commands at ``emulator`` through the environment."""
    isolate(monkeypatch, tmp_path)
    for name, value in emulator_env(emulator, credentials).items():
        monkeypatch.setenv(name, value)


def run(args: Sequence[str], *, input: str | None = None) -> Result:
    """Run ``suitetalk ARGS`` in-process; stdout and stderr stay apart, as on a terminal."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def comparable(record: Mapping[str, Any]) -> dict[str, Any]:
    """A plain record without the fields the account sets itself."""
    return {k: v for k, v in record.items() if k not in SYSTEM_FIELDS}


def console_script() -> list[str]:
    """The installed ``suitetalk`` console script of this environment."""
    script = Path(sys.executable).parent / ("suitetalk.exe" if os.name == "nt" else "suitetalk")
    assert script.exists(), f"the console script is not installed at {script}: pip install -e ."
    return [str(script)]


def subprocess_env(extra: Mapping[str, str], tmp_path: Path) -> dict[str, str]:
    """The environment for a ``suitetalk`` child process: isolated, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(
        {
            "SUITETALK_CONFIG": str(tmp_path / "no-profiles.toml"),
            "SUITETALK_WSDL_CACHE": str(tmp_path / "wsdl-cache"),
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


@contextmanager
def running(**settings: Any) -> Iterator[Emulator]:
    """An emulator with no artificial latency unless asked."""
    with Emulator(**settings) as emulator:
        yield emulator
