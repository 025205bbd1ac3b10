"""Incremental sync (``client.changes``) against the emulator: changes, deletions, same-second edits, clock
skew, interrupted runs, and ``suitetalk export --since``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from test_cli_support import run, use_emulator

from suitetalk import Change, Changes, ChangesError, ClientConfig, RetryPolicy
from suitetalk.client import Client
from suitetalk.emulator import Emulator
from suitetalk.records import UnknownRecordTypeError
from suitetalk.search import SearchPage

FAST_RETRY = RetryPolicy(initial_wait=0.001, max_wait=0.01)


def make_client(emulator: Emulator, **config: Any) -> Client:
    settings = {"endpoint": emulator.base_url, "version": emulator.version, "retry": FAST_RETRY, **config}
    return Client(emulator.credentials, ClientConfig(**settings))


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Client]:
    with make_client(emulator) as bound:
        yield bound


def seed(client: Client, tag: str, count: int) -> list[str]:
    records = [{"externalId": f"{tag}-{n:03d}", "companyName": f"{tag} {n}"} for n in range(count)]
    results = client.upsert_list(records, record_type="customer")
    assert all(r.success for r in results)
    return [str(r.internal_id) for r in results]


def summary(changes: list[Change]) -> list[tuple[str, str | None]]:
    return sorted((c.kind, c.internal_id) for c in changes)


def full_run(client: Client, since: Any = None, **kwargs: Any) -> tuple[list[Change], dict[str, Any]]:
    changes = client.changes("customer", since=since, **kwargs)
    seen = list(changes)
    # What a script stores between runs is JSON: the watermark must survive it unchanged.
    stored = json.loads(json.dumps(changes.watermark))
    assert stored == changes.watermark
    return seen, stored


@pytest.mark.parametrize("schema", ["compact", "full-2023_2"])
def test_first_run_sees_everything_then_only_what_changed(
    schema: str, request: pytest.FixtureRequest
) -> None:
    settings: dict[str, Any] = {}
    if schema != "compact":
        settings = {"schema_dir": request.getfixturevalue("netsuite_bundle"), "version": "2023_2"}
    with Emulator(**settings) as emulator, make_client(emulator) as client:
        ids = seed(client, "F", 12)
        first, watermark = full_run(client, page_size=5)  # three pages
        assert summary(first) == sorted(("upsert", i) for i in ids)
        assert all(c.record.companyName for c in first)

        client.update(client.record("customer", internalId=ids[0], companyName="F zero, renamed"))
        client.update(client.record("customer", internalId=ids[7], companyName="F seven, renamed"))
        (added,) = seed(client, "G", 1)
        client.delete("customer", ids[3])

        second, watermark = full_run(client, since=watermark, page_size=5)
        assert summary(second) == sorted(
            [("upsert", ids[0]), ("upsert", ids[7]), ("upsert", added), ("delete", ids[3])]
        )
        renamed = {c.internal_id: c.record.companyName for c in second if c.kind == "upsert"}
        assert renamed[ids[0]] == "F zero, renamed"
        deletion = next(c for c in second if c.kind == "delete")
        assert (deletion.external_id, deletion.record_type) == ("F-003", "customer")
        assert deletion.deleted_at is not None
        assert deletion.to_plain()["internalId"] == ids[3]

        third, _ = full_run(client, since=watermark)
        assert third == []


def test_an_edit_in_the_same_second_as_a_reported_change_is_reported(
    client: Client, emulator: Emulator
) -> None:
    # NetSuite's times are whole seconds; the emulator's clock is stopped so that every write below falls
    # in the very second the watermark was taken in.
    emulator.configure(frozen_time=datetime(2026, 3, 1, 12, 0, 30, tzinfo=timezone.utc))
    ids = seed(client, "S", 3)
    first, watermark = full_run(client)
    assert {c.last_modified for c in first} == {emulator.settings.frozen_time}
    assert datetime.fromisoformat(watermark["time"]) == emulator.settings.frozen_time

    client.update(client.record("customer", internalId=ids[1], companyName="edited"))
    edited = client.get("customer", ids[1]).lastModifiedDate
    assert edited == first[1].last_modified  # the same time as the change already reported
    (added,) = seed(client, "T", 1)  # a new record in that second too
    client.delete("customer", ids[2])

    second, watermark = full_run(client, since=watermark)
    assert summary(second) == sorted([("upsert", ids[1]), ("upsert", added), ("delete", ids[2])])
    assert next(c for c in second if c.internal_id == ids[1]).record.companyName == "edited"
    third, _ = full_run(client, since=watermark)
    assert third == []


@pytest.mark.parametrize("offset", [-3600.0, 3600.0])
def test_a_clock_skew_between_netsuite_and_the_machine_loses_nothing(offset: float) -> None:
    with Emulator(clock_offset=offset) as emulator, make_client(emulator) as client:
        netsuite_now = client.get_server_time()
        assert abs((netsuite_now - datetime.now(timezone.utc)).total_seconds() - offset) < 60
        ids = seed(client, "K", 3)
        first, watermark = full_run(client)
        assert len(first) == 3
        # The watermark is on NetSuite's clock, not the machine's.
        assert abs((datetime.fromisoformat(watermark["time"]) - netsuite_now).total_seconds()) < 60
        client.update(client.record("customer", internalId=ids[1], companyName="K one, renamed"))
        client.delete("customer", ids[2])
        second, _ = full_run(client, since=watermark)
        assert summary(second) == sorted([("upsert", ids[1]), ("delete", ids[2])])


def test_a_run_interrupted_half_way_is_run_again_from_the_same_watermark(client: Client) -> None:
    ids = seed(client, "I", 6)
    _, watermark = full_run(client)
    for internal_id in ids[:4]:
        client.update(client.record("customer", internalId=internal_id, companyName="I renamed"))
    client.delete("customer", ids[5])

    interrupted = client.changes("customer", since=watermark, page_size=5)
    for count, _change in enumerate(interrupted, start=1):
        if count == 2:
            break  # the script dies here
    with pytest.raises(ChangesError, match="half-way"):
        _ = interrupted.watermark

    again, watermark = full_run(client, since=watermark, page_size=5)
    assert summary(again) == sorted([*(("upsert", i) for i in ids[:4]), ("delete", ids[5])])
    after, _ = full_run(client, since=watermark)
    assert after == []


def test_where_narrows_the_records_searched(client: Client) -> None:
    seed(client, "W", 3)
    wanted = seed(client, "V", 2)
    changes, _ = full_run(client, where={"companyName": ("startsWith", "V ")})
    assert summary(changes) == sorted(("upsert", i) for i in wanted)


def test_misuse_gets_clear_errors(client: Client) -> None:
    _, watermark = full_run(client)
    with pytest.raises(UnknownRecordTypeError):
        client.changes("noSuchRecord")
    with pytest.raises(ChangesError, match="not 'contact'"):
        client.changes("contact", since=watermark)
    with pytest.raises(ChangesError, match="lastModifiedDate"):
        client.changes("customer", where={"lastModifiedDate": ("after", datetime.now(timezone.utc))})
    with pytest.raises(ChangesError, match="format"):
        client.changes("customer", since={**watermark, "format": 99})
    with pytest.raises(ChangesError, match="damaged"):
        client.changes("customer", since={**watermark, "time": "yesterday"})
    with pytest.raises(ChangesError, match="time zone"):
        client.changes("customer", since=datetime(2024, 1, 1))
    with pytest.raises(ChangesError, match="watermark"):
        client.changes("customer", since="not json")
    once = client.changes("customer", since=json.dumps(watermark))
    list(once)
    with pytest.raises(ChangesError, match="once"):
        list(once)


def test_a_result_set_that_shifts_between_pages_is_read_again() -> None:
    """NetSuite re-runs a search for each page: a deletion meanwhile moves later records back a page."""

    @dataclass
    class Record:
        internalId: str
        externalId: str | None = None
        lastModifiedDate: datetime = datetime(2024, 1, 1, tzinfo=timezone.utc)

    def page(index: int, total: int, ids: list[str]) -> SearchPage:
        return SearchPage(index, 2, total, 2, "s", records=[Record(i) for i in ids])

    runs = iter(
        [
            # Record "2" is deleted after page 1: "3" moves to page 1 and would be skipped.
            [page(1, 4, ["1", "2"]), page(2, 3, ["4"])],
            [page(1, 3, ["1", "3"]), page(2, 3, ["4"])],
        ]
    )
    changes = Changes(
        "customer",
        since=None,
        overlap=timedelta(minutes=5),
        where=None,
        server_time=lambda: datetime(2024, 1, 2, tzinfo=timezone.utc),
        search=lambda where: next(runs),
        deleted=lambda after, index: None,
    )
    assert [c.internal_id for c in changes] == ["1", "2", "3", "4"]  # "1" is not reported twice


# ------------------------------------------------------------------------------------ the command line


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_since_writes_changes_and_moves_the_state_only_when_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, state = tmp_path / "changes.jsonl", tmp_path / "customer.sync.json"
    with Emulator() as emulator, make_client(emulator) as client:
        use_emulator(monkeypatch, tmp_path, emulator)
        ids = seed(client, "X", 4)
        first = run(["export", "customer", "--out", str(out), "--since", str(state), "--page-size", "5"])
        assert first.exit_code == 0, first.stderr
        assert "first run" in first.stderr
        assert sorted(r["externalId"] for r in _lines(out)) == [f"X-{n:03d}" for n in range(4)]
        watermark = json.loads(state.read_text())
        assert watermark["record_type"] == "customer"

        client.update(client.record("customer", internalId=ids[0], companyName="X renamed"))
        client.delete("customer", ids[1])
        # A run that fails part of the way leaves the output and the state as they were.
        profile = tmp_path / "profiles.toml"
        profile.write_text("[default]\nretry = { max_attempts = 1 }\n", encoding="utf-8")
        monkeypatch.setenv("SUITETALK_CONFIG", str(profile))
        before = out.read_bytes()
        emulator.configure(drop_connection_rate=1.0)
        failed = run(["export", "customer", "--out", str(out), "--since", str(state)])
        assert failed.exit_code != 0
        assert "unchanged" in failed.stderr
        assert out.read_bytes() == before
        assert json.loads(state.read_text()) == watermark
        emulator.configure(drop_connection_rate=0.0)

        second = run(["export", "customer", "--out", str(out), "--since", str(state)])
        assert second.exit_code == 0, second.stderr
        records = _lines(out)
        assert [r["companyName"] for r in records if not r.get("_deleted")] == ["X renamed"]
        assert [r for r in records if r.get("_deleted")] == [
            {
                "_deleted": True,
                "internalId": ids[1],
                "externalId": "X-001",
                "recordType": "customer",
                "deletedDate": records[-1]["deletedDate"],
            }
        ]
        assert json.loads(state.read_text()) != watermark

        csv_out = tmp_path / "nothing.csv"
        quiet = run(["export", "customer", "--out", str(csv_out), "--since", str(state)])
        assert quiet.exit_code == 0, quiet.stderr
        assert csv_out.read_text() == ""
        both = run(["export", "customer", "--out", str(out), "--since", str(state), "--resume"])
        assert both.exit_code == 2
        assert "--since and --resume" in both.stderr


def test_export_since_to_csv_has_a_column_for_deletions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, state = tmp_path / "changes.csv", tmp_path / "state.json"
    with Emulator() as emulator, make_client(emulator) as client:
        use_emulator(monkeypatch, tmp_path, emulator)
        ids = seed(client, "Y", 2)
        assert run(["export", "customer", "--out", str(out), "--since", str(state)]).exit_code == 0
        client.delete("customer", ids[0])
        client.update(client.record("customer", internalId=ids[1], companyName="Y renamed"))
        second = run(["export", "customer", "--out", str(out), "--since", str(state)])
        assert second.exit_code == 0, second.stderr
    header, *rows = [line.split(",") for line in out.read_text().splitlines()]
    assert {"_deleted", "companyName"} <= set(header)
    by_column = [dict(zip(header, row, strict=True)) for row in rows]
    assert [r["companyName"] for r in by_column if not r["_deleted"]] == ["Y renamed"]
    assert [r["internalId"] for r in by_column if r["_deleted"]] == [ids[0]]
