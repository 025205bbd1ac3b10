"""``suitetalk check``: every failure the emulator can produce, reported with its likely causes."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli_support import isolate, run, use_emulator

from suitetalk.cli.check import (
    CAUSE_ACCESS,
    CAUSE_ACCOUNT,
    CAUSE_CLOCK,
    CAUSE_EMULATOR,
    CAUSE_FEATURE,
    CAUSE_INTEGRATION,
    CAUSE_REFRESH,
    CAUSE_ROLE,
)
from suitetalk.config import Credentials
from suitetalk.emulator import Emulator, generate_credentials


@pytest.fixture(scope="module")
def production() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Emulator]:
    with Emulator(account="1234567_SB1") as emulator:
        yield emulator


def _with(credentials: Credentials, **changes: str) -> Credentials:
    values = {
        "account": credentials.account.passport_id,
        "consumer_key": credentials.consumer_key,
        "consumer_secret": credentials.consumer_secret.get_secret_value(),
        "token_id": credentials.token_id,
        "token_secret": credentials.token_secret.get_secret_value(),
    }
    return Credentials(**{**values, **changes})


def _position(text: str, cause: str) -> int:
    index = text.find(cause[:60])
    assert index >= 0, f"cause not reported: {cause[:60]}"
    return index


def test_everything_works(production: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_emulator(monkeypatch, tmp_path, production)
    result = run(["check"])
    assert result.exit_code == 0, result.stdout
    assert "login works" in result.stdout
    assert "this integration may run 5 request(s) at once" in result.stdout
    assert "clocks agree" in result.stdout
    assert "Everything works." in result.stdout


@pytest.mark.parametrize(
    "change",
    [
        {"consumer_key": "a" * 64},  # not the integration's consumer key
        {"token_id": "b" * 64},  # not an access token of the account
        {"token_secret": "c" * 64},  # the signature does not match
        {"consumer_secret": "d" * 64},
        {"account": "7654321"},  # another account
    ],
    ids=["consumer-key", "token-id", "token-secret", "consumer-secret", "account"],
)
def test_a_refused_login_names_the_causes_in_netsuites_terms(
    production: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, change: dict[str, str]
) -> None:
    use_emulator(monkeypatch, tmp_path, production, _with(production.credentials, **change))
    result = run(["check"])
    assert result.exit_code == 4
    text = result.stdout
    assert "login with token-based authentication (getServerTime) refused" in text
    assert "'Invalid login attempt.' (invalidCredentialsFault, code USER_ERROR" in text
    for cause in (CAUSE_EMULATOR, CAUSE_INTEGRATION, CAUSE_ACCESS, CAUSE_ROLE, CAUSE_ACCOUNT, CAUSE_CLOCK):
        _position(text, cause)
    assert _position(text, CAUSE_EMULATOR) < _position(text, CAUSE_INTEGRATION)
    assert "1 problem(s) found." in text


def test_the_causes_name_netsuites_settings() -> None:
    assert "Token-Based Authentication" in CAUSE_FEATURE
    assert "Manage Integrations" in CAUSE_INTEGRATION
    assert "Access Tokens" in CAUSE_ACCESS
    assert "'Web Services'" in CAUSE_ROLE
    assert "'Log in using Access Tokens'" in CAUSE_ROLE
    assert "1234567_SB1" in CAUSE_ACCOUNT
    assert "refresh" in CAUSE_REFRESH
    assert "5 minutes" in CAUSE_CLOCK


def test_a_refused_sandbox_login_puts_the_refresh_first(
    sandbox: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_emulator(monkeypatch, tmp_path, sandbox, _with(sandbox.credentials, token_secret="e" * 64))
    result = run(["check"])
    assert result.exit_code == 4
    assert "account 1234567_SB1: sandbox 1" in result.stdout
    assert _position(result.stdout, CAUSE_REFRESH) < _position(result.stdout, CAUSE_INTEGRATION)
    assert _position(result.stdout, CAUSE_ACCOUNT) < _position(result.stdout, CAUSE_INTEGRATION)


def test_a_lower_case_sandbox_suffix_is_corrected_and_said_so(
    sandbox: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_emulator(monkeypatch, tmp_path, sandbox)
    monkeypatch.setenv("NETSUITE_ACCOUNT", "1234567-sb1")
    result = run(["check"])
    assert result.exit_code == 0, result.stdout
    assert "written '1234567-sb1': the passport needs '1234567_SB1'" in result.stdout


def test_a_clock_far_off_is_named_first(
    production: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_emulator(monkeypatch, tmp_path, production)
    result = run(["check", "--clock-skew", "400"])
    assert result.exit_code == 4
    # Measured from the server's HTTP Date header, which has a resolution of one second.
    assert re.search(r"this machine's clock is (399|400|401) s ahead of the server's", result.stdout)
    assert _position(result.stdout, CAUSE_CLOCK) < _position(result.stdout, CAUSE_EMULATOR)


def test_a_clock_a_little_off_is_a_warning(
    production: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_emulator(monkeypatch, tmp_path, production)
    result = run(["check", "--clock-skew", "-120"])
    assert result.exit_code == 0, result.stdout
    assert "warn" in result.stdout
    assert re.search(r"this machine's clock is (119|120|121) s behind the server's", result.stdout)
    assert "Everything works (1 warning(s))." in result.stdout


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_nothing_listening(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)
    credentials = generate_credentials("1234567")
    monkeypatch.setenv("SUITETALK_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("NETSUITE_ACCOUNT", "1234567")
    monkeypatch.setenv("NETSUITE_CONSUMER_KEY", credentials.consumer_key)
    monkeypatch.setenv("NETSUITE_CONSUMER_SECRET", credentials.consumer_secret.get_secret_value())
    monkeypatch.setenv("NETSUITE_TOKEN_ID", credentials.token_id)
    monkeypatch.setenv("NETSUITE_TOKEN_SECRET", credentials.token_secret.get_secret_value())
    result = run(["check"])
    assert result.exit_code == 5
    assert "cannot connect to" in result.stdout
    assert "is the emulator running ('suitetalk emulator')" in result.stdout


def test_a_version_the_endpoint_does_not_serve(
    production: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_emulator(monkeypatch, tmp_path, production)
    result = run(["check", "--version", "2024_1"])
    assert result.exit_code == 3
    assert "endpoint version 2024_1 is not served" in result.stdout
    assert "suitetalk emulator --version" in result.stdout


def test_a_malformed_version(production: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_emulator(monkeypatch, tmp_path, production)
    result = run(["check", "--version", "2024.1"])
    assert result.exit_code == 3
    assert "expected NetSuite's YYYY_N form" in result.stdout


def test_missing_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)
    result = run(["check"])
    assert result.exit_code == 3
    assert "NETSUITE_ACCOUNT" in result.stdout
    assert "suitetalk emulator" in result.stdout


def test_a_malformed_account(production: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_emulator(monkeypatch, tmp_path, production)
    monkeypatch.setenv("NETSUITE_ACCOUNT", "12 34")
    result = run(["check"])
    assert result.exit_code == 3
    assert "1234567_SB1 (sandbox 1)" in result.stdout


def test_keys_of_the_wrong_shape_and_pasted_twice(
    production: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    credentials = production.credentials
    use_emulator(monkeypatch, tmp_path, production)
    monkeypatch.setenv("NETSUITE_TOKEN_ID", credentials.consumer_key)
    monkeypatch.setenv("NETSUITE_TOKEN_SECRET", "short")
    result = run(["check"])
    assert result.exit_code == 3  # the first problem is the configuration
    assert "token secret: not 64 hexadecimal characters" in result.stdout
    assert "one of them was pasted twice" in result.stdout
    assert "2 problem(s) found." in result.stdout  # and the login fails, as it must


def test_check_never_shows_a_secret(
    production: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_emulator(monkeypatch, tmp_path, production, _with(production.credentials, token_secret="f" * 64))
    result = run(["check", "--verbose"])
    shown = result.stdout + result.stderr
    for secret in ("f" * 64, production.credentials.consumer_secret.get_secret_value()):
        assert secret not in shown


def test_an_endpoint_that_keeps_refusing_for_concurrency(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with Emulator(concurrency_fault_rate=1.0, seed=1) as emulator:
        use_emulator(monkeypatch, tmp_path, emulator)
        result = run(["check"])
    assert result.exit_code == 5
    assert "WS_REQUEST_BLOCKED" in result.stdout
    assert "kept rejecting requests for concurrency" in result.stdout


def test_a_profile_from_the_file_with_a_lower_case_suffix(
    sandbox: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate(monkeypatch, tmp_path)
    c = sandbox.credentials
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(
        "[sandbox]\n"
        'account = "1234567_sb1"\n'
        f'consumer_key = "{c.consumer_key}"\n'
        'consumer_secret = { env = "MY_CONSUMER_SECRET" }\n'
        f'token_id = "{c.token_id}"\n'
        'token_secret = { env = "MY_TOKEN_SECRET" }\n'
        f'endpoint = "{sandbox.base_url}"\n'
        f'version = "{sandbox.version}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SUITETALK_CONFIG", str(profiles))
    monkeypatch.setenv("MY_CONSUMER_SECRET", c.consumer_secret.get_secret_value())
    monkeypatch.setenv("MY_TOKEN_SECRET", c.token_secret.get_secret_value())
    result = run(["check", "--profile", "sandbox"])
    assert result.exit_code == 0, result.stdout
    assert f"profile 'sandbox' from {profiles}" in result.stdout
    assert "written '1234567_sb1': the passport needs '1234567_SB1'" in result.stdout
    monkeypatch.setenv("SUITETALK_PROFILE", "sandbox")
    assert run(["search", "customer", "--limit", "1"]).exit_code == 0
