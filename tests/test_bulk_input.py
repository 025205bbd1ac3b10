"""A bad record in a bulk call fails at its own position; the others are sent (strict=True: none is)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from suitetalk import Client, RecordDataError, RecordRef
from suitetalk.emulator import Emulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> Iterator[Client]:
    with Client(emulator.credentials, endpoint=emulator.base_url, concurrency=4) as bound:
        yield bound


def _rows(prefix: str, n: int) -> list[dict[str, object]]:
    return [{"companyName": f"{prefix} {i}", "external_id": f"{prefix}-{i}"} for i in range(n)]


def test_one_bad_record_fails_at_its_position_and_the_others_are_written(
    client: Client, emulator: Emulator
) -> None:
    rows = _rows("BULK", 200)
    rows[137] = {"companyName": "Bad", "external_id": "BULK-137", "creditLimit": "a lot"}
    rows[150] = {"companyNmae": "Typo", "external_id": "BULK-150"}
    results = client.upsert_list(rows, record_type="customer")

    assert len(results) == 200
    failed = {i: r for i, r in enumerate(results) if not r.success}
    assert sorted(failed) == [137, 150]
    bad = failed[137]
    assert bad.external_id == "BULK-137"
    assert bad.record_type == "customer"
    assert bad.operation == "upsertList"
    assert [d.code for d in bad.errors] == ["INVALID_RECORD_DATA"]
    message = bad.errors[0].message or ""
    assert "position 137" in message
    assert "creditLimit" in message
    assert "companyName" in (failed[150].errors[0].message or "")  # the suggestion for the typo
    assert isinstance(bad.error, RecordDataError)
    assert not bad.outcome_unknown
    assert all(r.success and r.internal_id for i, r in enumerate(results) if i not in failed)
    assert emulator.store.count("customer") >= 198
    written = client.get("customer", external_id="BULK-199")
    assert written.companyName == "BULK 199"


def test_strict_refuses_the_whole_call_naming_every_bad_record(client: Client, emulator: Emulator) -> None:
    rows = _rows("STRICT", 5)
    rows[1]["creditLimit"] = "a lot"
    rows[3] = {"companyName": "no id"}
    emulator.reset_stats()
    with pytest.raises(RecordDataError) as info:
        client.upsert_list(rows, record_type="customer", strict=True)
    text = str(info.value)
    assert "2 of 5" in text
    assert "position 1" in text
    assert "creditLimit" in text
    assert "position 3" in text
    assert "external id" in text
    assert info.value.code == "INVALID_RECORD_DATA"
    assert emulator.stats.requests == 0


def test_bad_references_in_get_and_delete_lists(client: Client) -> None:
    added = client.add_list(_rows("REF", 2), record_type="customer")
    refs: list[object] = [added[0].internal_id, object(), RecordRef(external_id="REF-1")]
    read = client.get_list(refs, record_type="customer")
    assert [r.success for r in read] == [True, False, True]
    assert read[1].details[0].code == "INVALID_RECORD_DATA"
    assert "position 1" in (read[1].details[0].message or "")

    deleted = client.delete_list(
        [{"internal_id": added[0].internal_id}, {"no": "id"}], record_type="customer"
    )
    assert [r.success for r in deleted] == [True, False]
    assert deleted[1].errors[0].code == "INVALID_RECORD_DATA"
    with pytest.raises(RecordDataError, match="position 1"):
        client.delete_list([added[1].internal_id, None], record_type="customer", strict=True)
    assert client.get("customer", added[1].internal_id).companyName == "REF 1"  # strict sent nothing
