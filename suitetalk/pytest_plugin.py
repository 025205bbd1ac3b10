"""pytest fixtures for testing NetSuite sync scripts offline, against the emulator.

Installed with the package and registered as a pytest plugin, so a user's tests need no set-up::

    def test_sync_creates_customers(suitetalk_client, suitetalk_emulator):
        my_sync(suitetalk_client)                       # your code, given a suitetalk.Client
        assert suitetalk_emulator.store.count("customer") == 3

Fixtures:

- ``suitetalk_emulator``: a running :class:`~suitetalk.emulator.Emulator` on 127.0.0.1 (in-memory records),
  new for each test and stopped after it. Settings come from the ``suitetalk_emulator`` marker:
  ``@pytest.mark.suitetalk_emulator(concurrency_limit=2, latency=0.05, concurrency_fault_rate=0.1, seed=1)``;
  any :class:`~suitetalk.emulator.EmulatorSettings` field, e.g. ``error_page_rate=0.1`` or
  ``rules=[{"record_type": "customer", "when": {...}, "code": "INVALID_FLD_VALUE", "message": "..."}]``.
  ``tls=True`` serves HTTPS with a certificate from the emulator's own CA.
- ``suitetalk_client``: a :class:`~suitetalk.client.Client` bound to that emulator (trusting its CA when
  it runs on TLS), closed after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .client import Client
    from .emulator import Emulator


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "suitetalk_emulator(**settings): EmulatorSettings fields for the suitetalk_emulator fixture",
    )


@pytest.fixture
def suitetalk_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A running SuiteTalk emulator for one test."""
    from .emulator import Emulator  # imported lazily: the plugin loads in every pytest run

    marker = request.node.get_closest_marker("suitetalk_emulator")
    settings = dict(marker.kwargs) if marker is not None else {}
    with Emulator(**settings) as emulator:
        yield emulator


@pytest.fixture
def suitetalk_client(suitetalk_emulator: Emulator) -> Iterator[Client]:
    """A client bound to ``suitetalk_emulator`` with its test credentials."""
    from .client import Client
    from .config import ClientConfig

    ca_file = suitetalk_emulator.ca_file  # with tls=True, trust the emulator's own CA
    config = ClientConfig(
        endpoint=suitetalk_emulator.base_url,
        version=suitetalk_emulator.version,
        verify=str(ca_file) if ca_file is not None else True,
    )
    with Client(suitetalk_emulator.credentials, config) as client:
        yield client
