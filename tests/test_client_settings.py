"""What a new user types first: settings as keyword arguments, the emulator's service URL, a proxy set."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from suitetalk import Client, ClientConfig, ConfigError
from suitetalk.emulator import Emulator

PROFILE = """
[emulated]
account = "{account}"
consumer_key = "{consumer_key}"
consumer_secret = "{consumer_secret}"
token_id = "{token_id}"
token_secret = "{token_secret}"
concurrency = 3
read_timeout = 60
"""


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


def _profile_file(emulator: Emulator, tmp_path: Path) -> Path:
    creds = emulator.credentials
    path = tmp_path / "profiles.toml"
    path.write_text(
        PROFILE.format(
            account=creds.account.passport_id,
            consumer_key=creds.consumer_key,
            consumer_secret=creds.consumer_secret.get_secret_value(),
            token_id=creds.token_id,
            token_secret=creds.token_secret.get_secret_value(),
        )
    )
    return path


def test_common_settings_as_keyword_arguments(emulator: Emulator) -> None:
    with Client(
        emulator.credentials,
        endpoint=emulator.base_url,
        version=emulator.version,
        concurrency=2,
        connect_timeout=5,
        read_timeout=30,
    ) as client:
        assert client.config.concurrency == 2
        assert (client.config.connect_timeout, client.config.read_timeout) == (5, 30)
        assert client.service_url == emulator.service_url
        assert client.get_server_time()


def test_keyword_settings_replace_the_configs_and_are_validated(emulator: Emulator) -> None:
    config = ClientConfig(concurrency=7, read_timeout=99)
    with Client(emulator.credentials, config, endpoint=emulator.base_url, concurrency=1) as client:
        assert client.config.concurrency == 1
        assert client.config.read_timeout == 99
    with pytest.raises(ConfigError, match="concurrency: must be at least 1"):
        Client(emulator.credentials, endpoint=emulator.base_url, concurrency=0)


def test_from_profile_takes_the_same_keywords(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUITETALK_CONFIG", str(_profile_file(emulator, tmp_path)))
    for var in ("SUITETALK_ENDPOINT", "SUITETALK_VERSION", "SUITETALK_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    with Client.from_profile("emulated", endpoint=emulator.base_url, concurrency=2) as client:
        assert client.config.concurrency == 2
        assert client.config.read_timeout == 60  # the profile's, not replaced
        assert client.service_url == emulator.service_url
        assert client.get_server_time()


def test_the_emulators_service_url_works_as_endpoint(emulator: Emulator) -> None:
    with Client(emulator.credentials, endpoint=emulator.service_url, concurrency=1) as client:
        assert client.service_url == emulator.service_url  # not doubled
        assert client.version == emulator.version
        assert client.get_server_time()
    wsdl_given = ClientConfig(endpoint=emulator.wsdl_url)
    assert (wsdl_given.endpoint, wsdl_given.version) == (emulator.base_url, emulator.version)


def test_a_service_url_of_another_version_is_refused_with_the_base_url(emulator: Emulator) -> None:
    with pytest.raises(ConfigError) as info:
        ClientConfig(endpoint=emulator.service_url, version="2023_2")
    text = str(info.value)
    assert f"give the base URL '{emulator.base_url}'" in text
    assert emulator.version in text
    assert "2023_2" in text
    with pytest.raises(ConfigError, match="YYYY_N"):
        ClientConfig(endpoint=emulator.base_url + "/services/NetSuitePort_latest")


def test_loopback_never_goes_through_a_proxy(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy that is not there (a port nobody listens on): any request sent to it is refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(var, dead_proxy)
    # The WSDL is fetched (no shared cache for loopback endpoints), then a request is sent.
    with Client(emulator.credentials, endpoint=emulator.base_url, concurrency=1) as client:
        assert client.get_server_time()
