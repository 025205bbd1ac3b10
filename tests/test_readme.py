"""Every example in the README runs, against the emulator, and prints what its `# ->` comments say."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from redis_support import RedisServer, redis_server

from suitetalk.emulator import Emulator
from suitetalk.profiles import load_profile

__all__ = ["redis_server"]  # a fixture, used by name

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
EXPECTED = re.compile(r"print\(.*\)\s+# -> (.+)$")


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README.read_text()) if lang == language]


def is_script(body: str) -> bool:
    """A whole program (run as a file of its own, e.g. to start worker processes), not a snippet."""
    return 'if __name__ == "__main__":' in body


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture(scope="module")
def profile_env(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A profile file whose sandbox and production profiles both point at the emulator."""
    creds = emulator.credentials
    table = (
        f'account = "{creds.account.passport_id}"\nconsumer_key = "{creds.consumer_key}"\n'
        f'consumer_secret = "{creds.consumer_secret.get_secret_value()}"\ntoken_id = "{creds.token_id}"\n'
        f'token_secret = "{creds.token_secret.get_secret_value()}"\nendpoint = "{emulator.base_url}"\n'
        f'version = "{emulator.version}"\n'
    )
    path = tmp_path_factory.mktemp("profiles") / "profiles.toml"
    path.write_text(f"[sandbox]\n{table}\n[production]\n{table}")
    env = {"SUITETALK_CONFIG": str(path)}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        for var in (
            "NETSUITE_ACCOUNT",
            "NETSUITE_CONSUMER_KEY",
            "NETSUITE_CONSUMER_SECRET",
            "NETSUITE_TOKEN_ID",
            "NETSUITE_TOKEN_SECRET",
            "SUITETALK_PROFILE",
        ):
            patch.delenv(var, raising=False)
        yield env


def test_python_examples_run_in_order_and_print_what_they_say(profile_env: dict[str, str]) -> None:
    scripts = [body for body in blocks("python") if "def test_" not in body and not is_script(body)]
    assert len(scripts) >= 5
    namespace: dict[str, object] = {}
    for script in scripts:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(script, str(README), "exec"), namespace)  # the README's own code
        printed = out.getvalue()
        for line in script.splitlines():
            match = EXPECTED.search(line)
            if match:
                assert match.group(1).strip() in printed, f"{line!r} printed {printed!r}"
    client = namespace["client"]
    client.close()  # type: ignore[attr-defined]


def test_pytest_plugin_example_passes(tmp_path: Path) -> None:
    (example,) = [body for body in blocks("python") if "def test_" in body]
    (tmp_path / "test_example.py").write_text(example)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout


def test_many_workers_example_runs_with_a_shared_limiter(
    profile_env: dict[str, str], emulator: Emulator, redis_server: RedisServer, tmp_path: Path
) -> None:
    (example,) = [body for body in blocks("python") if is_script(body)]
    (tmp_path / "many_workers.py").write_text(example)
    before = emulator.store.count("customer")
    run = subprocess.run(
        [sys.executable, "many_workers.py"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, **profile_env, "SUITETALK_LIMITER_URL": redis_server.url},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    (expected,) = [m.group(1).strip() for line in example.splitlines() if (m := EXPECTED.search(line))]
    assert expected in run.stdout
    written = int(expected.split()[0])
    assert emulator.store.count("customer") == before + written


def test_profile_file_example_is_valid(tmp_path: Path) -> None:
    (example,) = [body for body in blocks("toml") if "[sandbox]" in body]
    path = tmp_path / "profiles.toml"
    path.write_text(example.replace("…", "abc123"))
    assert set(tomllib.loads(path.read_text())) == {"sandbox", "production"}
    env = {
        f"NS_{p}_{k}": "secret-value"
        for p in ("SANDBOX", "PROD")
        for k in ("CONSUMER_SECRET", "TOKEN_SECRET")
    }
    sandbox = load_profile("sandbox", path=path, environ=env)
    assert sandbox.credentials.account.is_sandbox
    production = load_profile("production", path=path, environ=env)
    assert production.config.concurrency == 10


def test_command_line_examples_run(profile_env: dict[str, str]) -> None:
    commands = [
        line.strip()
        for body in blocks("sh")
        for line in body.splitlines()
        if line.strip().startswith("suitetalk ")
        and not line.strip().startswith(("suitetalk demo", "suitetalk emulator"))
    ]
    assert commands, "the README shows command-line examples"
    suitetalk = Path(sys.executable).with_name("suitetalk")
    for command in commands:
        argv = [str(suitetalk), *shlex.split(command)[1:]]
        run = subprocess.run(
            argv, capture_output=True, text=True, timeout=120, env={**os.environ, **profile_env}
        )
        assert run.returncode == 0, f"{command}: {run.stdout}{run.stderr}"
