"""Records kept in a database file survive a restart of the emulator."""

from __future__ import annotations

from pathlib import Path

from emulator_support import session

from suitetalk.emulator import Emulator, EmulatorSettings


def test_records_ids_and_deletions_survive_a_restart(tmp_path: Path) -> None:
    settings = EmulatorSettings(version="2023_2", database=tmp_path / "emulator.sqlite")
    with session(Emulator(settings)) as s:
        kept = s.call("add", record=s.record("customer", entityId="Kept", externalId="kept-1")).body
        gone = s.call("add", record=s.record("customer", entityId="Gone", externalId="gone-1")).body
        kept_id = kept.writeResponse.baseRef.internalId
        gone_id = gone.writeResponse.baseRef.internalId
        assert s.call("delete", baseRef=s.ref("customer", gone_id)).body.writeResponse.status.isSuccess

    # Same file and same credentials: a client configured for the first run works against the second.
    with session(Emulator(settings)) as s:
        record = s.call("get", baseRef=s.ref("customer", external_id="kept-1")).body.readResponse.record
        assert (record.internalId, record.entityId) == (kept_id, "Kept")
        new = s.call("add", record=s.record("customer", entityId="New")).body.writeResponse.baseRef
        assert int(new.internalId) > int(gone_id)  # internal ids are never reused
        duplicate = s.call("add", record=s.record("customer", entityId="Again", externalId="kept-1")).body
        assert duplicate.writeResponse.status.statusDetail[0].code == "DUP_RCRD"
        deleted_filter = s.core_type("GetDeletedFilter")(
            type=s.core_type("SearchEnumMultiSelectField")(operator="anyOf", searchValue=["customer"])
        )
        result = s.call("getDeleted", getDeletedFilter=deleted_filter, pageIndex=1).body.getDeletedResult
        assert [d.record.internalId for d in result.deletedRecordList.deletedRecord] == [gone_id]


def test_a_memory_database_starts_empty(tmp_path: Path) -> None:
    with Emulator(version="2023_2") as first:
        first.store.add("customer", b"<x/>", {})
        assert first.store.count() == 1
    with Emulator(version="2023_2") as second:
        assert second.store.count() == 0
