"""Emulator settings, credentials handling, the foreground ``serve`` entry point."""

from __future__ import annotations

import io
import threading

import pytest
import requests
from pydantic import ValidationError

from suitetalk.emulator import Emulator, EmulatorSettings, generate_credentials, serve
from suitetalk.emulator.__main__ import main


def test_each_settings_object_gets_its_own_secret_credentials() -> None:
    first, second = EmulatorSettings(), EmulatorSettings()
    assert first.accepted_credentials.token_id != second.accepted_credentials.token_id
    secret = first.accepted_credentials.token_secret.get_secret_value()
    assert len(secret) == 64
    assert secret not in repr(first)
    assert secret not in str(first)
    assert first.account.passport_id == "1234567"


def test_given_credentials_decide_the_account() -> None:
    credentials = generate_credentials("7654321_sb2")
    settings = EmulatorSettings(credentials=credentials)
    assert settings.account.passport_id == "7654321_SB2"
    assert settings.accepted_credentials == credentials
    with pytest.raises(ValidationError, match="differs"):
        EmulatorSettings(account="1111111", credentials=credentials)


def test_identity_settings_are_frozen_and_values_checked() -> None:
    settings = EmulatorSettings()
    with pytest.raises(ValidationError):
        settings.version = "2024_1"
    with pytest.raises(ValidationError):
        EmulatorSettings(version="2024")
    with pytest.raises(ValidationError):
        EmulatorSettings(lose_response_rate=1.5)
    settings.latency = 0.5
    assert settings.latency == 0.5


def test_keyword_overrides_and_repr_without_secrets() -> None:
    base = EmulatorSettings(concurrency_limit=2)
    with Emulator(base, latency=0.0, timestamp_window=60) as emulator:
        assert emulator.settings.concurrency_limit == 2
        assert emulator.settings.timestamp_window == 60
        assert emulator.credentials == base.credentials
        assert emulator.credentials.consumer_secret.get_secret_value() not in repr(emulator)
        assert emulator.service_url.startswith("http://127.0.0.1:")
        assert emulator.service_url.endswith("/services/NetSuitePort_2025_2")
        assert emulator.wsdl_url.endswith("/wsdl/v2025_2_0/netsuite.wsdl")
    assert not emulator.running


class Output(io.StringIO):
    """Captures what ``serve`` prints and signals when the banner is complete."""

    def __init__(self) -> None:
        super().__init__()
        self.banner = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if "Ctrl-C" in self.getvalue():
            self.banner.set()
        return written


def test_serve_prints_urls_and_the_emulator_only_credentials() -> None:
    credentials = generate_credentials("1234567")
    out = Output()
    stop = threading.Event()
    thread = threading.Thread(
        target=serve, args=(EmulatorSettings(credentials=credentials),), kwargs={"out": out, "stop": stop}
    )
    thread.start()
    try:
        assert out.banner.wait(20)
        text = out.getvalue()
        assert "EMULATOR-ONLY TEST CREDENTIALS" in text
        assert credentials.token_secret.get_secret_value() in text
        assert credentials.consumer_secret.get_secret_value() in text
        wsdl_url = next(line.split(": ", 1)[1] for line in text.splitlines() if "WSDL URL" in line)
        assert requests.get(wsdl_url.strip(), timeout=10).status_code == 200
    finally:
        stop.set()
        thread.join(20)
    assert "stopped" in out.getvalue()


def test_module_entry_point_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    assert "--database" in capsys.readouterr().out


def test_a_busy_port_is_an_error_not_an_exit() -> None:
    with Emulator() as first, pytest.raises(OSError, match="cannot listen"):
        Emulator(port=first.port).start()


def test_memory_spelt_as_sqlite_does() -> None:
    assert EmulatorSettings(database=":memory:").database is None
