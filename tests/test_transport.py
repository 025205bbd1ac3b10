"""How failures on the wire become the library's errors: executed, maybe executed, or not executed."""

from __future__ import annotations

import ssl

import pytest
import requests
import urllib3
import zeep.exceptions

from suitetalk import ClientConfig, RetryPolicy, ServiceUnavailableError
from suitetalk.client import Client
from suitetalk.emulator import Emulator
from suitetalk.errors import TransportError
from suitetalk.retry import LostResponse
from suitetalk.transport import _translate


@pytest.mark.parametrize(
    ("raised", "expected", "code"),
    [
        (requests.exceptions.ReadTimeout(), LostResponse, "READ_TIMEOUT"),
        (requests.exceptions.ConnectTimeout(), ServiceUnavailableError, "CONNECT_TIMEOUT"),
        (requests.exceptions.ChunkedEncodingError(), LostResponse, "CONNECTION_LOST"),
        (
            requests.exceptions.ConnectionError(
                urllib3.exceptions.MaxRetryError(
                    None, "/", urllib3.exceptions.NewConnectionError(None, "refused")
                )
            ),
            ServiceUnavailableError,
            "CONNECTION_REFUSED",
        ),
        (
            requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.")),
            LostResponse,
            "CONNECTION_LOST",
        ),
        (requests.exceptions.SSLError("certificate verify failed"), TransportError, "TLS_ERROR"),
        (requests.exceptions.ProxyError("proxy refused"), ServiceUnavailableError, "PROXY_ERROR"),
        (zeep.exceptions.XMLParseError("truncated"), LostResponse, "INVALID_RESPONSE"),
    ],
)
def test_wire_failures_are_classified_by_whether_the_request_may_have_run(
    raised: Exception, expected: type, code: str
) -> None:
    error = _translate(raised, "upsertList")
    assert type(error) is expected
    assert error.code == code
    assert error.operation == "upsertList"
    assert error.retryable is (expected is ServiceUnavailableError)


def test_a_tls_failure_says_why_without_urllib3_wrapping() -> None:
    inner = ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate")
    inner.verify_message = "self-signed certificate"
    wrapped = requests.exceptions.SSLError(urllib3.exceptions.MaxRetryError(None, "/", inner))
    error = _translate(wrapped, "get")
    assert error is not None
    assert str(error).startswith("could not send get: the TLS connection failed (self-signed certificate)")
    assert "MaxRetryError" not in str(error)


def test_anything_else_is_not_swallowed() -> None:
    assert _translate(KeyError("bug"), "get") is None


def test_a_refused_connection_is_retried_then_reported() -> None:
    with Emulator() as emulator:
        credentials, version = emulator.credentials, emulator.version
        client = Client(
            credentials,
            ClientConfig(
                endpoint=emulator.base_url,
                version=version,
                concurrency=2,
                retry=RetryPolicy(max_attempts=3, initial_wait=0.001, max_wait=0.01),
            ),
        )
    # The emulator is stopped: its port refuses connections now.
    with client, pytest.raises(ServiceUnavailableError) as info:
        client.get_server_time()
    assert info.value.code == "CONNECTION_REFUSED"
    assert client.retry_stats.attempts == 3
