"""Every error the library raises is a SuiteTalkError; bad input is a ValueError too.

A sync script's ``except SuiteTalkError`` must catch everything the library raises about its work. The
tests walk the public API's error paths, offline and against the emulator, and check each error's type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import suitetalk
from suitetalk import Account, Client, ClientConfig, Credentials, RecordRef, SearchPreferences, SuiteTalkError
from suitetalk.auth import PassportBuilder, new_nonce
from suitetalk.emulator import Emulator
from suitetalk.endpoints import service_url
from suitetalk.errors import ClientClosedError, InputError
from suitetalk.profiles import load_profile
from suitetalk.records import to_plain
from suitetalk.wsdl import WsdlCache


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> Iterator[Client]:
    with Client(emulator.credentials, endpoint=emulator.base_url, concurrency=2) as bound:
        yield bound


def _creds(**changes: str) -> dict[str, str]:
    return {
        "account": "1234567",
        "consumer_key": "ck0123456789",
        "consumer_secret": "cs0123456789",
        "token_id": "tk0123456789",
        "token_secret": "ts0123456789",
        **changes,
    }


def test_every_exported_error_class_is_a_suitetalk_error() -> None:
    errors = [getattr(suitetalk, name) for name in suitetalk.__all__ if name.endswith("Error")]
    assert len(errors) >= 18
    for cls in errors:
        assert issubclass(cls, SuiteTalkError), cls
    for name in ("ConfigError", "RecordDataError", "CriteriaError", "UnknownFieldError"):
        assert issubclass(getattr(suitetalk, name), ValueError), name


OFFLINE_BAD_INPUT: list[tuple[str, Callable[[], Any]]] = [
    ("account id", lambda: Account.parse("ACME")),
    ("account of the wrong type", lambda: Account.parse(1234567)),  # type: ignore[arg-type]
    ("credentials", lambda: Credentials(**_creds(token_secret=" "))),
    ("unknown setting", lambda: ClientConfig(concurrancy=5)),  # type: ignore[call-arg]
    ("version", lambda: ClientConfig(version="2025")),
    ("page size", lambda: SearchPreferences(page_size=1)),
    ("record ref", lambda: RecordRef()),
    ("plain data", lambda: to_plain(object())),
    ("nonce", lambda: new_nonce(1)),
    ("passport", lambda: PassportBuilder(Credentials(**_creds()), nonce_length=1)),  # type: ignore[arg-type]
    ("service url", lambda: service_url("1234567", "2025-2")),
    ("endpoint", lambda: service_url("1234567", "2025_2", "ftp://127.0.0.1")),
]


@pytest.mark.parametrize(("what", "call"), OFFLINE_BAD_INPUT, ids=[w for w, _ in OFFLINE_BAD_INPUT])
def test_bad_input_offline_is_a_suitetalk_error_and_a_value_error(what: str, call: Callable[[], Any]) -> None:
    with pytest.raises(SuiteTalkError) as info:
        call()
    assert isinstance(info.value, ValueError), what
    assert str(info.value)


def test_profile_errors_are_suitetalk_errors(tmp_path: Path) -> None:
    with pytest.raises(SuiteTalkError, match="no profile file"):
        load_profile("sandbox", path=tmp_path / "none.toml", environ={})


def test_wsdl_errors_are_suitetalk_errors(tmp_path: Path) -> None:
    with pytest.raises(SuiteTalkError, match="unsupported WSDL source"):
        WsdlCache(tmp_path).fetch("2025_2", "ftp://example.com/netsuite.wsdl")
    with pytest.raises(SuiteTalkError):
        Client(Credentials(**_creds()), wsdl=tmp_path / "missing.wsdl")  # type: ignore[arg-type]


def test_client_error_paths_are_suitetalk_errors(client: Client, emulator: Emulator) -> None:
    zeep_search = client.types.search_type_for("customer", "basic")()
    customer = client.record("customer", companyName="x")
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("wrong value type", lambda: client.record("customer", creditLimit="a lot")),
        ("unknown record type", lambda: client.add("custmer", companyName="x")),
        ("record object with keyword fields", lambda: client.add(customer, companyName="y")),
        ("not a record", lambda: client.add(3.5)),
        ("dict without type", lambda: client.add_list([{"companyName": "x"}], strict=True)),
        ("operator typo", lambda: client.search("customer", {"companyName": ("startswith", "x")})),
        ("zeep search with where", lambda: client.search(zeep_search, {"companyName": "x"})),
        ("page 0", lambda: client.search("customer", start_page=0)),
        ("page size", lambda: client.search("customer", page_size=2)),
        ("no search", lambda: client.search("currency")),
        ("unknown operation", lambda: client.call("launchRocket")),
        ("deleted without window", lambda: client.get_deleted(["customer"])),
        ("reference without type", lambda: client.get_list([42], strict=True)),
    ]
    emulator.reset_stats()
    for what, call in calls:
        with pytest.raises(SuiteTalkError) as info:
            call()
        assert isinstance(info.value, InputError), what
        assert isinstance(info.value, ValueError), what
    assert emulator.stats.requests == 0  # found before anything was sent


def test_a_closed_client_says_so_with_a_typed_error(emulator: Emulator) -> None:
    client = Client(emulator.credentials, endpoint=emulator.base_url, concurrency=1)
    client.close()
    with pytest.raises(ClientClosedError, match="closed") as info:
        client.get_server_time()
    assert isinstance(info.value, SuiteTalkError)
    assert isinstance(info.value, RuntimeError)  # as it was before it was typed
    with pytest.raises(SuiteTalkError):
        client.get_deleted(after=datetime.now(timezone.utc))
