"""Pieces of the emulator tested on their own: nonce memory, fault injection plans, the bundle model."""

from __future__ import annotations

from pathlib import Path

import pytest

from suitetalk.emulator import EmulatorSettings
from suitetalk.emulator.auth_check import NonceRegistry
from suitetalk.emulator.bundle import Bundle, BundleError, FieldKind
from suitetalk.emulator.injection import FaultInjector
from suitetalk.emulator.schema import COVERED_RECORD_TYPES, generate_bundle


def test_nonces_are_forgotten_once_no_passport_could_carry_them() -> None:
    nonces = NonceRegistry()
    assert nonces.claim("token", "abcdef", until=100.0, now=0.0)
    assert not nonces.claim("token", "abcdef", until=100.0, now=50.0)
    assert nonces.claim("other-token", "abcdef", until=100.0, now=50.0)
    for i in range(1000):
        assert nonces.claim("token", f"n{i:06d}", until=150.0, now=60.0)
    assert len(nonces) == 1002
    assert nonces.claim("token", "later1", until=400.0, now=200.0)  # everything before 200 is dropped
    assert len(nonces) == 1


def test_the_same_seed_gives_the_same_plans_and_rates_do_not_shift_each_other() -> None:
    settings = EmulatorSettings(seed=5, concurrency_fault_rate=0.3, latency=0.1, latency_jitter=0.2)
    a, b = FaultInjector(5), FaultInjector(5)
    plans_a = [a.plan(settings) for _ in range(50)]
    assert plans_a == [b.plan(settings) for _ in range(50)]
    assert {p.concurrency_fault for p in plans_a} == {True, False}
    assert all(0.1 <= p.delay <= 0.3 for p in plans_a)
    # Turning drops on changes no concurrency decision: every plan draws the same four numbers.
    dropping = settings.model_copy(update={"drop_connection_rate": 0.5})
    c = FaultInjector(5)
    plans_c = [c.plan(dropping) for _ in range(50)]
    assert [p.concurrency_fault for p in plans_c] == [p.concurrency_fault for p in plans_a]
    assert any(p.drop_connection for p in plans_c)


def test_assigning_a_new_seed_restarts_the_sequence() -> None:
    settings = EmulatorSettings(seed=1, concurrency_fault_rate=0.5)
    injector = FaultInjector(1)
    injector.plan(settings)
    settings.seed = 2
    assert injector.plan(settings) == FaultInjector(2).plan(settings)


def test_the_compact_bundle_model_has_the_covered_record_types(tmp_path: Path) -> None:
    generate_bundle("2024_1", tmp_path)
    bundle = Bundle(tmp_path)
    assert bundle.version == "2024_1"
    types = bundle.schema.record_types
    assert set(COVERED_RECORD_TYPES) <= set(types)
    customer = types["customer"]
    assert customer.namespace == "urn:relationships_2024_1.lists.webservices.netsuite.com"
    assert customer.fields[0].name == "nullFieldList"  # inherited from platformCore:Record, first
    assert customer.by_name["entityId"].kind is FieldKind.STRING
    assert customer.by_name["subsidiary"].kind is FieldKind.REF
    assert types["salesOrder"].by_name["itemList"].kind is FieldKind.LIST
    assert types["salesOrder"].created_field == "createdDate"
    assert types["customRecord"].modified_field == "lastModified"
    basics = {b.name: b for b in bundle.schema.search_basics.values()}
    assert basics["TransactionSearchBasic"].record_types == ("invoice", "salesOrder")
    assert {"get", "search", "getDeleted"} <= set(bundle.operations)


def test_only_bundle_files_are_resolved(tmp_path: Path) -> None:
    generate_bundle("2024_1", tmp_path / "bundle")
    (tmp_path / "secret.xsd").write_text("<x/>")
    bundle = Bundle(tmp_path / "bundle")
    assert bundle.resolve_file("xsd/platform.core.xsd") is not None
    assert bundle.resolve_file("netsuite.wsdl") is not None
    for bad in ("../secret.xsd", "xsd/../../secret.xsd", "/etc/passwd", "xsd\\..\\x.xsd", "", "xsd/none.xsd"):
        assert bundle.resolve_file(bad) is None, bad


def test_a_folder_without_a_wsdl_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=r"netsuite\.wsdl"):
        Bundle(tmp_path)
