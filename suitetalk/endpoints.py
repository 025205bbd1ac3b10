"""Where requests go: the service URL and the WSDL URL, as pure functions of account, version and override.

The ``soap:address`` inside NetSuite's WSDL is the generic ``webservices.netsuite.com`` host, which no
longer serves endpoints from 2019.1 on: the service URL is always computed here and bound explicitly.
"""

from __future__ import annotations

from .config import Account, check_endpoint
from .namespaces import check_version

NETSUITE_WSDL_HOST = "https://webservices.netsuite.com"


def service_path(version: str) -> str:
    """``/services/NetSuitePort_2025_2``: the same on NetSuite, on a proxy and on the emulator."""
    return f"/services/NetSuitePort_{check_version(version)}"


def wsdl_path(version: str) -> str:
    """``/wsdl/v2025_2_0/netsuite.wsdl``."""
    return f"/wsdl/v{check_version(version)}_0/netsuite.wsdl"


def account_host(account: Account | str) -> str:
    """``https://1234567-sb1.suitetalk.api.netsuite.com``."""
    return f"https://{Account.parse(account).host_id}.suitetalk.api.netsuite.com"


def service_url(account: Account | str, version: str, endpoint: str | None = None) -> str:
    """The SOAP endpoint for ``account``: its own domain, or ``endpoint`` (a base URL) when given."""
    base = check_endpoint(endpoint) if endpoint else account_host(account)
    return base + service_path(version)


def wsdl_url(version: str, endpoint: str | None = None) -> str:
    """Where the WSDL of ``version`` is published: NetSuite's generic host, or ``endpoint`` when given."""
    base = check_endpoint(endpoint) if endpoint else NETSUITE_WSDL_HOST
    return base + wsdl_path(version)


def data_center_urls_url(version: str) -> str:
    """The generic endpoint that answers ``getDataCenterUrls`` without authentication."""
    return NETSUITE_WSDL_HOST + service_path(version)
