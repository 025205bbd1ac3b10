"""HTTPS: the emulator on TLS with its own CA, and the client's ``verify`` setting (True, False, CA path)."""

from __future__ import annotations

import logging
import ssl
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import urllib3
import zeep
from cryptography import x509
from test_cli_surface import emulator_process

from suitetalk import Client, ClientConfig, Credentials, TransportError
from suitetalk.emulator import Emulator
from suitetalk.profiles import load_profile
from suitetalk.wsdl import make_session


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(tls=True) as running:
        yield running


def client(emulator: Emulator, **config: object) -> Client:
    return Client(
        emulator.credentials, ClientConfig(endpoint=emulator.base_url, version=emulator.version, **config)
    )


def test_it_serves_https_with_a_certificate_for_loopback_from_its_own_ca(emulator: Emulator) -> None:
    assert emulator.base_url.startswith("https://127.0.0.1:")
    assert emulator.ca_file is not None
    ca = x509.load_pem_x509_certificate(emulator.ca_file.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    served = ssl.get_server_certificate(("127.0.0.1", emulator.port))
    cert = x509.load_pem_x509_certificate(served.encode())
    assert cert.issuer == ca.subject
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} >= {"127.0.0.1", "::1"}
    for host in ("127.0.0.1", "localhost"):
        url = emulator.wsdl_url.replace("127.0.0.1", host)
        answer = requests.get(url, verify=str(emulator.ca_file), timeout=30)
        assert answer.status_code == 200
        assert f'location="https://{host}:{emulator.port}/services/' in answer.text


def test_the_client_works_over_tls_when_it_trusts_the_ca(emulator: Emulator) -> None:
    with client(emulator, verify=emulator.ca_file) as trusting:
        added = trusting.add("customer", companyName="Over TLS", external_id="TLS-1")
        assert trusting.get("customer", added.internal_id).companyName == "Over TLS"


def test_the_default_verification_refuses_the_emulators_ca_with_a_typed_error(emulator: Emulator) -> None:
    with pytest.raises(TransportError) as info:
        client(emulator)
    assert info.value.code == "TLS_ERROR"
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)


def test_an_untrusted_certificate_on_a_request_is_the_same_typed_error(
    emulator: Emulator, tmp_path: Path
) -> None:
    # The WSDL taken from a folder: the first thing sent over TLS is a SOAP request.
    config = ClientConfig(endpoint=emulator.base_url, version=emulator.version)
    with (
        Client(emulator.credentials, config, wsdl=emulator.bundle.folder) as untrusting,
        pytest.raises(TransportError) as info,
    ):
        untrusting.get_server_time()
    assert info.value.code == "TLS_ERROR"


def test_verify_false_works_and_says_it_is_insecure(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="suitetalk.client"),
        warnings.catch_warnings(record=True) as seen,
    ):
        warnings.simplefilter("always")
        with client(emulator, verify=False) as insecure:
            insecure.get_server_time()
    assert "TLS certificate verification is off" in caplog.text
    assert any(issubclass(w.category, urllib3.exceptions.InsecureRequestWarning) for w in seen)


def test_a_ca_bundle_that_does_not_exist_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        ClientConfig(verify=str(tmp_path / "missing.pem"))


def test_profile_key_and_environment_variable(emulator: Emulator, tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(
        f'[tls]\naccount = "{emulator.account.passport_id}"\nconsumer_key = "k"\nconsumer_secret = "s"\n'
        'token_id = "t"\ntoken_secret = "u"\nverify = false\n',
        encoding="utf-8",
    )
    assert load_profile("tls", path=profiles, environ={}).config.verify is False
    env = {"SUITETALK_CA_BUNDLE": str(emulator.ca_file)}
    assert load_profile("tls", path=profiles, environ=env).config.verify == str(emulator.ca_file)


def test_an_explicit_ca_bundle_wins_over_requests_ca_bundle(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other-ca.pem"
    other.write_bytes(Path(requests.certs.where()).read_bytes())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other))  # does not know the emulator's CA
    session = make_session(verify=str(emulator.ca_file))
    with session:
        assert session.get(emulator.wsdl_url, timeout=30).status_code == 200
    with make_session() as default, pytest.raises(requests.exceptions.SSLError):
        default.get(emulator.wsdl_url, timeout=30)  # the default honours REQUESTS_CA_BUNDLE, as requests does


def test_a_bare_zeep_client_over_tls(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    # requests lets these variables replace a session's own CA bundle; plain zeep has no way around it.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    session = requests.Session()
    session.verify = str(emulator.ca_file)
    with session:
        bare = zeep.Client(emulator.wsdl_url, transport=zeep.Transport(session=session))
        assert bare.wsdl.services


def test_the_ca_file_goes_when_the_emulator_stops() -> None:
    with Emulator(tls=True) as running:
        ca_file = running.ca_file
        assert ca_file is not None
        assert ca_file.is_file()
    assert not ca_file.exists()
    assert not ca_file.parent.exists()
    with Emulator() as plain:
        assert plain.ca_file is None
        assert plain.base_url.startswith("http://")


@pytest.mark.suitetalk_emulator(tls=True)
def test_the_pytest_fixtures_run_on_tls(suitetalk_emulator: Emulator, suitetalk_client: Client) -> None:
    assert suitetalk_emulator.base_url.startswith("https://")
    assert suitetalk_client.add("customer", companyName="Fixture TLS").success


def test_the_emulator_command_serves_tls_and_exports_the_ca(tmp_path: Path) -> None:
    with emulator_process(tmp_path, "--tls") as (banner, exports):
        assert exports["SUITETALK_ENDPOINT"].startswith("https://127.0.0.1:")
        assert f"CA file     : {exports['SUITETALK_CA_BUNDLE']}" in banner
        profile = load_profile(environ={**exports, "SUITETALK_CONFIG": str(tmp_path / "none.toml")})
        credentials: Credentials = profile.credentials
        with Client(credentials, profile.config) as over_tls:
            assert over_tls.get_server_time().year > 2000
