"""Endpoints are pure functions of account, version and override."""

from __future__ import annotations

import pytest

from suitetalk.endpoints import service_url, wsdl_url


@pytest.mark.parametrize(
    ("account", "version", "expected"),
    [
        ("1234567", "2025_2", "https://1234567.suitetalk.api.netsuite.com/services/NetSuitePort_2025_2"),
        (
            "1234567_SB1",
            "2023_2",
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2023_2",
        ),
        (
            "1234567-sb2",
            "2024_1",
            "https://1234567-sb2.suitetalk.api.netsuite.com/services/NetSuitePort_2024_1",
        ),
        (
            "tstdrv123_rp",
            "2025_2",
            "https://tstdrv123-rp.suitetalk.api.netsuite.com/services/NetSuitePort_2025_2",
        ),
    ],
)
def test_service_url_is_account_specific(account: str, version: str, expected: str) -> None:
    assert service_url(account, version) == expected


def test_override_replaces_the_host_but_keeps_the_path() -> None:
    assert service_url("1234567", "2025_2", "http://127.0.0.1:5000/") == (
        "http://127.0.0.1:5000/services/NetSuitePort_2025_2"
    )
    assert wsdl_url("2023_2", "http://127.0.0.1:5000") == "http://127.0.0.1:5000/wsdl/v2023_2_0/netsuite.wsdl"
    with pytest.raises(ValueError, match="non-loopback"):
        service_url("1234567", "2025_2", "http://10.0.0.1")


def test_wsdl_url_is_netsuites_generic_host() -> None:
    assert wsdl_url("2025_2") == "https://webservices.netsuite.com/wsdl/v2025_2_0/netsuite.wsdl"


def test_bad_version_and_account_rejected() -> None:
    with pytest.raises(ValueError, match="YYYY_N"):
        service_url("1234567", "2025-2")
    with pytest.raises(ValueError, match="accepted forms"):
        service_url("not-an-account", "2025_2")
