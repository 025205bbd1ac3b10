"""The command line as a whole: import cost, help, exit codes, entry points, the demo and the emulator."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import pytest
import requests
from test_cli_support import console_script, isolate, run, running, subprocess_env, use_emulator

from suitetalk.cli import ExitCode, cli
from suitetalk.cli.connection import is_production_write
from suitetalk.config import ClientConfig
from suitetalk.emulator import generate_credentials
from suitetalk.profiles import Profile

DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def test_importing_the_library_does_not_import_the_command_line_libraries() -> None:
    code = (
        "import sys, suitetalk\n"
        "suitetalk.Client, suitetalk.Credentials, suitetalk.load_profile\n"
        "import suitetalk.client, suitetalk.emulator\n"
        "loaded = sorted(m for m in ('click', 'rich') if m in sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


@pytest.mark.parametrize("path", [(), *_commands(cli)], ids=lambda p: " ".join(p) or "suitetalk")
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = run([*path, "--help"])
    assert result.exit_code == 0
    assert re.search(r"Examples?:\n\s+suitetalk ", result.stdout), result.stdout


def test_every_command_is_in_the_reference() -> None:
    reference = DOCS.read_text(encoding="utf-8")
    for path in _commands(cli):
        assert f"suitetalk {' '.join(path)}" in reference
    for code in ExitCode:
        assert f"| {int(code)} |" in reference


def test_an_unknown_command_or_option_is_a_usage_error() -> None:
    assert run(["frobnicate"]).exit_code == 2
    assert run(["get", "--no-such-option"]).exit_code == 2


def test_python_dash_m_runs_the_same_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "suitetalk.cli", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "suitetalk, version" in done.stdout


def test_no_credentials_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)
    result = run(["get", "customer", "1"])
    assert result.exit_code == 3
    assert "NETSUITE_ACCOUNT" in result.stderr


def test_an_unknown_profile_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)
    result = run(["get", "customer", "1", "--profile", "nope"])
    assert result.exit_code == 3
    assert "profile 'nope' not found" in result.stderr


def test_a_refused_login_exits_4_and_points_at_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with running() as emulator:
        use_emulator(monkeypatch, tmp_path, emulator, generate_credentials("1234567"))
        result = run(["search", "customer"])
    assert result.exit_code == 4
    assert "Invalid login attempt" in result.stderr
    assert "suitetalk check" in result.stderr


def test_nothing_listening_exits_5(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with running() as emulator:
        use_emulator(monkeypatch, tmp_path, emulator)
    # The emulator is gone: its port refuses connections.
    result = run(["get", "customer", "1"])
    assert result.exit_code == 5
    assert "could not fetch" in result.stderr


def test_production_means_a_production_account_on_netsuites_domain() -> None:
    credentials = generate_credentials("1234567")
    sandbox = generate_credentials("1234567_SB2")
    netsuite = ClientConfig()
    proxy = ClientConfig(endpoint="https://proxy.example.com")
    local = ClientConfig(endpoint="http://127.0.0.1:8080")
    assert is_production_write(Profile("p", credentials, netsuite, "test"))
    assert is_production_write(Profile("p", credentials, proxy, "test"))
    assert not is_production_write(Profile("p", credentials, local, "test"))
    assert not is_production_write(Profile("s", sandbox, netsuite, "test"))


def test_the_demo_runs_from_the_installed_console_script(tmp_path: Path) -> None:
    done = subprocess.run(
        [*console_script(), "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        env=subprocess_env({}, tmp_path),
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for shown in (
        'client.add("customer"',
        "client.get(",
        "client.update(",
        "3000 of 3000 written",
        "failed with WS_REQUEST_BLOCKED; retrying in",
        "1000 of 1000 records written",
        "page 5 of 5: 111 records",
        "FAILED  externalId DEMO-1: DUP_RCRD",
        'Client.from_profile("sandbox")',
        "suitetalk check --profile sandbox",
    ):
        assert shown in out, shown


def _lines(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)


@contextmanager
def emulator_process(tmp_path: Path, *options: str) -> Iterator[tuple[str, dict[str, str]]]:
    """``suitetalk emulator OPTIONS`` in a child process: its banner and the variables it says to export.

    Leaving the block sends Ctrl-C and checks that it stopped cleanly.
    """
    command = [*console_script(), "emulator", "--port", "0", *options]
    child = subprocess.Popen(
        command, env=subprocess_env({}, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(child.stdout, lines), daemon=True).start()
    banner: list[str] = []
    try:
        while not banner or "Press Ctrl-C" not in banner[-1]:
            banner.append(lines.get(timeout=30))
        text = "".join(banner)
        yield text, dict(re.findall(r"^export (\w+)=(\S+)$", text, flags=re.M))
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0
    assert "SuiteTalk emulator stopped." in stderr


def _use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, exports: dict[str, str]) -> None:
    isolate(monkeypatch, tmp_path)
    for name, value in exports.items():
        monkeypatch.setenv(name, value)


def test_the_emulator_command_prints_what_the_other_commands_need(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with emulator_process(tmp_path, "--concurrency", "3", "--seed", "1") as (banner, exports):
        assert set(exports) >= {"SUITETALK_ENDPOINT", "NETSUITE_ACCOUNT", "NETSUITE_TOKEN_SECRET"}
        assert f"service URL : {exports['SUITETALK_ENDPOINT']}/services/NetSuitePort_" in banner
        assert "EMULATOR-ONLY TEST CREDENTIALS" in banner
        _use(monkeypatch, tmp_path, exports)
        checked = run(["check"])
        assert checked.exit_code == 0, checked.stdout
        assert "this integration may run 3 request(s) at once" in checked.stdout


def test_the_emulator_command_keeps_records_in_its_database_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "records.db"
    source = tmp_path / "in.jsonl"
    source.write_text('{"externalId": "P-1", "companyName": "Persisted"}\n', encoding="utf-8")
    with emulator_process(tmp_path, "--database", str(database), "--account", "7654321_SB3") as (_, exports):
        assert exports["NETSUITE_ACCOUNT"] == "7654321_SB3"
        _use(monkeypatch, tmp_path, exports)
        assert run(["import", "customer", str(source)]).exit_code == 0
    with emulator_process(tmp_path, "--database", str(database), "--account", "7654321_SB3") as (_, exports):
        _use(monkeypatch, tmp_path, exports)
        result = run(["get", "customer", "--external-id", "P-1", "--fields", "companyName"])
    assert result.stdout.strip() == '{"companyName": "Persisted"}'


def test_the_emulator_command_injects_gateway_error_pages(tmp_path: Path) -> None:
    options = (
        "--error-page-rate",
        "1",
        "--error-page-status",
        "502",
        "--error-page-body",
        "text",
        "--seed",
        "3",
    )
    with emulator_process(tmp_path, *options) as (banner, _):
        service_url = re.search(r"service URL : (\S+)", banner)
        assert service_url is not None
        answer = requests.post(service_url.group(1), data=b"<x/>", timeout=30)
    assert answer.status_code == 502
    assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert answer.text.startswith("502 Bad Gateway")
