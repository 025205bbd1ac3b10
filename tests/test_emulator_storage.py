"""The emulator's record store and search sessions: ids, external ids, concurrency, persistence, getDeleted,
searching, and the paging of search results."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suitetalk.emulator.criteria import Criterion, FieldValue, matches
from suitetalk.emulator.search_sessions import InvalidPage, Page, SearchExpired, SearchSessions
from suitetalk.emulator.storage import (
    DeletedRecord,
    DuplicateExternalId,
    RecordNotFound,
    RecordStore,
    StoredRecord,
)

UTC = timezone.utc
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


class Clock:
    """A settable clock, so times in the store are known in advance."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[RecordStore]:
    path = None if request.param == "memory" else tmp_path / "emulator.sqlite3"
    with RecordStore(path, clock=clock) as opened:
        yield opened


def counter_body(count: int) -> bytes:
    return f"<count>{count}</count>".encode()


def body_count(record: StoredRecord) -> int:
    found = re.fullmatch(rb"<count>(\d+)</count>", record.body)
    assert found is not None, record.body
    return int(found.group(1))


def increment(record: StoredRecord) -> tuple[bytes, dict[str, FieldValue]]:
    count = body_count(record) + 1
    return counter_body(count), {"count": count}


# ------------------------------------------------------------------------------------ ids and records


def test_internal_ids_increase_per_record_type_and_are_never_reused(store: RecordStore) -> None:
    customers = [store.add("customer", b"<c/>", {}).internal_id for _ in range(3)]
    vendors = [store.add("vendor", b"<v/>", {}).internal_id for _ in range(2)]
    assert customers == ["1", "2", "3"]
    assert vendors == ["1", "2"]
    store.delete("customer", internal_id="3")
    assert store.add("customer", b"<c/>", {}).internal_id == "4"


def test_a_record_reads_back_as_stored(store: RecordStore, clock: Clock) -> None:
    paris = timezone(timedelta(hours=2))
    fields: dict[str, FieldValue] = {
        "companyName": "Acme ✓",
        "balance": 12.5,
        "creditLimit": 1000,
        "isInactive": False,
        "categories": ["3", "7"],
        "dateClosed": datetime(2024, 4, 30, 18, 15, 0, 123456, tzinfo=paris),
        "comments": None,
    }
    added = store.add("customer", b"<customer>\xc3\xa9</customer>", fields, external_id="ACME-1")
    got = store.get("customer", internal_id=added.internal_id)
    assert got == added
    assert dict(got.fields) == fields
    assert got.fields["dateClosed"].utcoffset() == timedelta(hours=2)  # type: ignore[union-attr]
    assert type(got.fields["isInactive"]) is bool
    assert type(got.fields["creditLimit"]) is int
    assert got.body == b"<customer>\xc3\xa9</customer>"
    assert (got.record_type, got.external_id) == ("customer", "ACME-1")
    assert got.created == got.last_modified == T0
    assert store.get("customer", external_id="ACME-1") == added


def test_fields_are_a_read_only_copy(store: RecordStore) -> None:
    fields: dict[str, FieldValue] = {"email": "a@b.c"}
    added = store.add("customer", b"<c/>", fields)
    fields["email"] = "changed"
    assert added.fields["email"] == "a@b.c"
    with pytest.raises(TypeError):
        added.fields["email"] = "x"  # type: ignore[index]


@pytest.mark.parametrize(
    ("internal_id", "external_id"),
    [("99", None), ("abc", None), ("-1", None), ("0", None), (None, "nope")],
)
def test_missing_records_raise_record_not_found(
    store: RecordStore, internal_id: str | None, external_id: str | None
) -> None:
    store.add("customer", b"<c/>", {}, external_id="exists")
    with pytest.raises(RecordNotFound) as raised:
        store.get("customer", internal_id=internal_id, external_id=external_id)
    assert raised.value.code == "RCRD_DSNT_EXIST"
    assert "customer" in str(raised.value)
    with pytest.raises(RecordNotFound):
        store.update("customer", internal_id=internal_id, external_id=external_id, merge=increment)
    with pytest.raises(RecordNotFound):
        store.delete("customer", internal_id=internal_id, external_id=external_id)


def test_a_record_of_another_type_is_not_found(store: RecordStore) -> None:
    added = store.add("customer", b"<c/>", {}, external_id="X")
    with pytest.raises(RecordNotFound):
        store.get("vendor", internal_id=added.internal_id)
    with pytest.raises(RecordNotFound):
        store.get("vendor", external_id="X")


def test_get_needs_an_id(store: RecordStore) -> None:
    with pytest.raises(ValueError, match="internal_id or its external_id"):
        store.get("customer")


def test_get_many_keeps_the_given_order_and_skips_missing(store: RecordStore) -> None:
    ids = [store.add("customer", f"<c>{n}</c>".encode(), {"n": n}).internal_id for n in range(5)]
    store.delete("customer", internal_id=ids[1])
    got = store.get_many("customer", [ids[4], ids[1], "999", "junk", ids[0], ids[2]])
    assert [record.internal_id for record in got] == [ids[4], ids[0], ids[2]]
    assert [record.fields["n"] for record in got] == [4, 0, 2]
    assert store.get_many("vendor", ids) == []
    assert store.get_many("customer", []) == []


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"when": datetime(2024, 1, 1)}, ValueError),
        ({"amount": float("nan")}, ValueError),
        ({"nested": {"a": 1}}, TypeError),
        ({"ids": ["1", 2]}, TypeError),
        ({"": "x"}, ValueError),
    ],
)
def test_unindexable_fields_are_refused(store: RecordStore, fields: dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        store.add("customer", b"<c/>", fields)
    assert store.count() == 0


def test_count_and_record_types(store: RecordStore) -> None:
    assert store.count() == 0
    assert store.record_types() == []
    for record_type in ("vendor", "customer", "customer"):
        store.add(record_type, b"<r/>", {})
    assert store.count() == 3
    assert store.count("customer") == 2
    assert store.count("invoice") == 0
    assert store.record_types() == ["customer", "vendor"]


# --------------------------------------------------------------------------------------- external ids


def test_external_ids_are_unique_per_record_type(store: RecordStore) -> None:
    first = store.add("customer", b"<c/>", {}, external_id="EXT-1")
    with pytest.raises(DuplicateExternalId) as raised:
        store.add("customer", b"<c/>", {}, external_id="EXT-1")
    assert raised.value.code == "DUP_RCRD"
    assert "EXT-1" in str(raised.value)
    assert store.count("customer") == 1
    # Another record type may use the same external id, and a refused add consumes no internal id.
    assert store.add("vendor", b"<v/>", {}, external_id="EXT-1").internal_id == "1"
    assert store.add("customer", b"<c/>", {}).internal_id == str(int(first.internal_id) + 1)


def test_an_external_id_is_free_again_after_delete(store: RecordStore) -> None:
    store.add("customer", b"<c/>", {}, external_id="EXT-1")
    store.delete("customer", external_id="EXT-1")
    again = store.add("customer", b"<c/>", {}, external_id="EXT-1")
    assert again.internal_id == "2"


def test_update_can_change_the_external_id_but_not_to_a_taken_one(store: RecordStore) -> None:
    a = store.add("customer", counter_body(0), {}, external_id="A")
    store.add("customer", counter_body(0), {}, external_id="B")
    with pytest.raises(DuplicateExternalId):
        store.update("customer", internal_id=a.internal_id, merge=increment, new_external_id="B")
    assert body_count(store.get("customer", external_id="A")) == 0  # unchanged
    moved = store.update("customer", internal_id=a.internal_id, merge=increment, new_external_id="C")
    assert moved.external_id == "C"
    assert store.get("customer", external_id="C").internal_id == a.internal_id
    with pytest.raises(RecordNotFound):
        store.get("customer", external_id="A")
    # Keeping one's own external id is no conflict; by default the external id stays.
    assert store.update("customer", external_id="C", merge=increment, new_external_id="C").external_id == "C"
    assert store.update("customer", external_id="C", merge=increment).external_id == "C"


@pytest.mark.parametrize("bad", ["", 5])
def test_external_ids_must_be_non_empty_strings(store: RecordStore, bad: Any) -> None:
    with pytest.raises(ValueError, match="external id"):
        store.add("customer", b"<c/>", {}, external_id=bad)


# ---------------------------------------------------------------------------------- update and upsert


def test_update_merges_the_current_record_and_stamps_the_time(store: RecordStore, clock: Clock) -> None:
    added = store.add("customer", counter_body(1), {"count": 1})
    later = clock.advance(minutes=5)
    seen: list[StoredRecord] = []

    def merge(current: StoredRecord) -> tuple[bytes, dict[str, FieldValue]]:
        seen.append(current)
        return increment(current)

    updated = store.update("customer", internal_id=added.internal_id, merge=merge)
    assert seen == [added]
    assert body_count(updated) == 2
    assert updated.fields == {"count": 2}
    assert (updated.created, updated.last_modified) == (T0, later)
    assert store.get("customer", internal_id=added.internal_id) == updated


def test_a_failing_merge_changes_nothing(store: RecordStore) -> None:
    added = store.add("customer", counter_body(1), {"count": 1}, external_id="E")

    def broken(current: StoredRecord) -> tuple[bytes, dict[str, FieldValue]]:
        raise RuntimeError("merge failed")

    with pytest.raises(RuntimeError, match="merge failed"):
        store.update("customer", internal_id=added.internal_id, merge=broken)
    with pytest.raises(RuntimeError, match="merge failed"):
        store.upsert("customer", "E", create=lambda: (b"", {}), merge=broken)
    with pytest.raises(TypeError):
        store.update("customer", internal_id=added.internal_id, merge=lambda r: (b"", {"x": object()}))  # type: ignore[dict-item]
    assert store.get("customer", internal_id=added.internal_id) == added
    # The store is still usable: the failed transactions were rolled back.
    assert body_count(store.update("customer", external_id="E", merge=increment)) == 2


def test_upsert_creates_then_updates(store: RecordStore, clock: Clock) -> None:
    created, was_created = store.upsert(
        "customer", "U-1", create=lambda: (counter_body(1), {"count": 1}), merge=increment
    )
    assert was_created
    assert created.external_id == "U-1"
    assert body_count(created) == 1
    clock.advance(seconds=1)
    updated, was_created = store.upsert(
        "customer", "U-1", create=lambda: (counter_body(1), {"count": 1}), merge=increment
    )
    assert not was_created
    assert updated.internal_id == created.internal_id
    assert body_count(updated) == 2
    assert updated.last_modified > updated.created
    with pytest.raises(ValueError, match="external id"):
        store.upsert("customer", "", create=lambda: (b"", {}), merge=increment)


# ---------------------------------------------------------------------------------------- concurrency

THREADS = 20
EXTERNAL_IDS = [f"SYNC-{n}" for n in range(10)]


def run_together(work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(thread_number)`` in THREADS threads released at the same moment."""
    barrier = threading.Barrier(THREADS)

    def start(number: int) -> Any:
        barrier.wait(timeout=10)
        return work(number)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(start, range(THREADS)))


def test_concurrent_upserts_of_the_same_external_ids_make_one_record_each(store: RecordStore) -> None:
    def work(number: int) -> list[tuple[StoredRecord, bool]]:
        ids = EXTERNAL_IDS[number % 10 :] + EXTERNAL_IDS[: number % 10]  # vary the order per thread
        return [
            store.upsert("customer", ext, create=lambda: (counter_body(1), {"count": 1}), merge=increment)
            for ext in ids
        ]

    results = [outcome for per_thread in run_together(work) for outcome in per_thread]
    assert store.count("customer") == len(EXTERNAL_IDS)
    for ext in EXTERNAL_IDS:
        outcomes = [(record, created) for record, created in results if record.external_id == ext]
        assert len(outcomes) == THREADS
        assert sum(created for _, created in outcomes) == 1  # exactly one upsert created it
        assert len({record.internal_id for record, _ in outcomes}) == 1
        # Every upsert saw the previous one's result: the counts are 1..THREADS, none lost or repeated.
        assert sorted(body_count(record) for record, _ in outcomes) == list(range(1, THREADS + 1))
        final = store.get("customer", external_id=ext)
        assert body_count(final) == THREADS
        assert final.fields["count"] == THREADS


def test_concurrent_adds_of_the_same_external_ids_succeed_once_each(store: RecordStore) -> None:
    def work(number: int) -> list[str]:
        outcomes = []
        for ext in EXTERNAL_IDS:
            try:
                store.add("customer", b"<c/>", {"thread": number}, external_id=ext)
                outcomes.append("added")
            except DuplicateExternalId:
                outcomes.append("duplicate")
        return outcomes

    outcomes = run_together(work)
    for index in range(len(EXTERNAL_IDS)):
        assert [per_thread[index] for per_thread in outcomes].count("added") == 1
    assert store.count("customer") == len(EXTERNAL_IDS)
    assert sorted(int(i) for i in store.search("customer", [])) == list(range(1, len(EXTERNAL_IDS) + 1))


def test_concurrent_updates_of_one_record_lose_no_change(store: RecordStore) -> None:
    record = store.add("customer", counter_body(0), {"count": 0})

    def work(number: int) -> None:
        for _ in range(10):
            store.update("customer", internal_id=record.internal_id, merge=increment)

    run_together(work)
    assert body_count(store.get("customer", internal_id=record.internal_id)) == THREADS * 10


# ---------------------------------------------------------------------------------------- persistence


def test_data_deletions_and_id_sequences_survive_a_restart(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "data" / "store.sqlite3"
    path.parent.mkdir()
    with RecordStore(path, clock=clock) as store:
        a = store.add("customer", b"<a/>", {"when": T0, "tags": ["1"]}, external_id="A")
        store.add("customer", b"<b/>", {}, external_id="B")
        store.add("vendor", b"<v/>", {})
        store.update("customer", external_id="A", merge=lambda r: (b"<a2/>", {**r.fields, "n": 2}))
        clock.advance(hours=1)
        deleted = store.delete("customer", external_id="B")
    with RecordStore(str(path), clock=clock) as reopened:
        got = reopened.get("customer", external_id="A")
        assert got.internal_id == a.internal_id
        assert got.body == b"<a2/>"
        assert dict(got.fields) == {"when": T0, "tags": ["1"], "n": 2}
        assert reopened.count() == 2
        assert reopened.deleted_since(None) == [deleted]
        assert reopened.add("customer", b"<c/>", {}).internal_id == "3"  # 2 was deleted, never reused
        assert reopened.add("vendor", b"<v/>", {}).internal_id == "2"
        assert reopened.search("customer", [Criterion("tags", "select", "anyOf", ("1",))]) == ["1"]


def test_a_closed_store_refuses_work(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "s.sqlite3")
    store.close()
    store.close()  # harmless
    with pytest.raises(Exception, match="closed"):
        store.count()


def test_a_naive_clock_is_refused() -> None:
    with RecordStore(clock=lambda: datetime(2024, 1, 1)) as store, pytest.raises(ValueError, match="aware"):
        store.add("customer", b"<c/>", {})


# ------------------------------------------------------------------------------------------ getDeleted


def test_deleted_since_filters_by_type_and_time_window(store: RecordStore, clock: Clock) -> None:
    for record_type in ("customer", "customer", "vendor", "customer"):
        store.add(record_type, b"<r/>", {}, external_id=f"{record_type}-{clock.advance(seconds=1)}")
    times = []
    for record_type, internal_id in (("customer", "2"), ("vendor", "1"), ("customer", "1")):
        times.append(clock.advance(minutes=10))
        store.delete(record_type, internal_id=internal_id)
    everything = store.deleted_since(None)
    assert [(d.record_type, d.internal_id, d.deleted_at) for d in everything] == [
        ("customer", "2", times[0]),
        ("vendor", "1", times[1]),
        ("customer", "1", times[2]),
    ]
    assert all(isinstance(d, DeletedRecord) and d.external_id for d in everything)
    assert [d.internal_id for d in store.deleted_since(["customer"])] == ["2", "1"]
    assert store.deleted_since(["invoice"]) == []
    assert store.deleted_since([]) == []
    # Both bounds are strict.
    assert [d.deleted_at for d in store.deleted_since(None, after=times[0])] == times[1:]
    assert [d.deleted_at for d in store.deleted_since(None, before=times[2])] == times[:2]
    assert [d.deleted_at for d in store.deleted_since(None, after=times[0], before=times[2])] == [times[1]]
    paris = timezone(timedelta(hours=2))
    assert store.deleted_since(["vendor"], after=times[1].astimezone(paris)) == []
    with pytest.raises(ValueError, match="aware"):
        store.deleted_since(None, after=datetime(2024, 1, 1))


def test_delete_returns_what_was_deleted(store: RecordStore, clock: Clock) -> None:
    added = store.add("customer", b"<c/>", {}, external_id="X")
    when = clock.advance(days=1)
    assert store.delete("customer", internal_id=added.internal_id) == DeletedRecord(
        "customer", "1", "X", when
    )
    with pytest.raises(RecordNotFound):
        store.get("customer", internal_id="1")
    with pytest.raises(RecordNotFound):
        store.delete("customer", internal_id="1")


# ----------------------------------------------------------------------------------------------- search


def test_search_ands_criteria_in_ascending_numeric_id_order(store: RecordStore) -> None:
    for n in range(12):
        store.add("customer", b"<c/>", {"email": f"user{n}@{'acme' if n % 2 else 'other'}.com", "n": n})
    found = store.search(
        "customer",
        [
            Criterion("email", "string", "contains", ("@ACME",)),
            Criterion("n", "long", "greaterThan", (2,)),
        ],
    )
    assert found == ["4", "6", "8", "10", "12"]  # numeric, not text, order (10 after 8)
    assert store.search("customer", []) == [str(n) for n in range(1, 13)]
    assert store.search("vendor", []) == []


def test_search_on_the_records_own_ids(store: RecordStore) -> None:
    store.add("customer", b"<c/>", {}, external_id="A")
    store.add("customer", b"<c/>", {})
    store.add("customer", b"<c/>", {}, external_id="C")
    store.add("vendor", b"<v/>", {}, external_id="A")

    def search(field: str, operator: str, *values: str) -> list[str]:
        return store.search("customer", [Criterion(field, "select", operator, values)])

    assert search("internalId", "anyOf", "3", "1", "99", "x") == ["1", "3"]
    assert search("internalId", "noneOf", "1") == ["2", "3"]
    assert search("externalId", "anyOf", "C", "A") == ["1", "3"]
    assert search("externalId", "noneOf", "A") == ["2", "3"]
    assert search("externalId", "anyOf", "@NONE@") == ["2"]
    # The record's own ids win over an index field of the same name.
    store.add("customer", b"<c/>", {"internalId": "1"})
    assert search("internalId", "anyOf", "1") == ["1"]


def test_search_on_the_stores_own_times(store: RecordStore, clock: Clock) -> None:
    first = store.add("customer", b"<c/>", {})
    checkpoint = clock.advance(hours=1)
    store.add("customer", b"<c/>", {})
    clock.advance(hours=1)
    store.update("customer", internal_id=first.internal_id, merge=lambda r: (b"<c2/>", {}))
    after = [Criterion("lastModifiedDate", "date", "after", (checkpoint,))]
    assert store.search("customer", after) == ["1"]
    assert store.search("customer", [Criterion("lastModifiedDate", "date", "onOrAfter", (checkpoint,))]) == [
        "1",
        "2",
    ]
    assert store.search("customer", [Criterion("dateCreated", "date", "before", (checkpoint,))]) == ["1"]
    # Predefined dates are resolved with the store's clock.
    clock.now = T0 + timedelta(days=1)
    assert store.search("customer", [Criterion("dateCreated", "date", "on", ("yesterday",))]) == ["1", "2"]
    assert store.search("customer", [Criterion("dateCreated", "date", "on", ("today",))]) == []


def test_search_reads_each_kind_of_indexed_value(store: RecordStore) -> None:
    store.add(
        "customer",
        b"<c/>",
        {
            "companyName": "[Brackets] Ltd",
            "categories": ["4", "5"],
            "salesRep": "9",
            "isPerson": True,
            "balance": 10.5,
            "dateClosed": datetime(2024, 4, 30, 23, 30, tzinfo=timezone(timedelta(hours=-4))),
            "tranId": "1001",
        },
    )
    hits = [
        Criterion("companyName", "string", "startsWith", ("[brack",)),
        Criterion("categories", "select", "anyOf", ("5",)),
        Criterion("salesRep", "select", "anyOf", ("9",)),
        Criterion("isPerson", "boolean", None, (True,)),
        Criterion("balance", "double", "between", (10.0, 11.0)),
        Criterion("dateClosed", "date", "on", (datetime(2024, 5, 1, 12, tzinfo=UTC),)),
        Criterion("tranId", "text_number", "greaterThan", ("999",)),
        Criterion("missing", "string", "empty", ()),
        Criterion('bad"name', "string", "empty", ()),
    ]
    for criterion in hits:
        assert store.search("customer", [criterion]) == ["1"], criterion
    misses = [
        Criterion("companyName", "string", "is", ("[brackets]",)),
        Criterion("categories", "select", "anyOf", ("4 5",)),
        Criterion("isPerson", "boolean", None, (False,)),
        Criterion("dateClosed", "date", "on", (datetime(2024, 4, 30, 12, tzinfo=UTC),)),
        Criterion("tranId", "text_number", "lessThan", ("999",)),
        Criterion('bad"name', "string", "notEmpty", ()),
    ]
    for criterion in misses:
        assert store.search("customer", [criterion]) == [], criterion


# Hypothesis: the store's search must agree with evaluating each criterion on each record's fields.

_WORDS = st.sampled_from(["", "acme", "ACME corp", "beta", "Zeta 7", "[x]", "é"])
_RECORD_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.none(), _WORDS),
        "amount": st.one_of(st.none(), st.integers(-3, 3), st.sampled_from([-1.5, 0.0, 2.25])),
        "flag": st.booleans(),
        "tags": st.lists(st.sampled_from(["1", "2", "3"]), max_size=3),
        "rep": st.sampled_from(["1", "2", ""]),
        "when": st.datetimes(
            min_value=datetime(2024, 1, 1), max_value=datetime(2024, 1, 4), timezones=st.just(UTC)
        ),
        "code": st.sampled_from(["7", "10", "INV-3", ""]),
    },
)
_DAYS = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2024, 1, 4), timezones=st.just(UTC))


@st.composite
def criteria(draw: st.DrawFn) -> Criterion:
    field, kind = draw(
        st.sampled_from(
            [
                ("name", "string"),
                ("amount", "long"),
                ("amount", "double"),
                ("flag", "boolean"),
                ("tags", "select"),
                ("rep", "select"),
                ("when", "date"),
                ("code", "text_number"),
                ("externalId", "select"),
                ("internalId", "select"),
            ]
        )
    )
    if kind == "boolean":
        return Criterion(field, "boolean", None, (draw(st.booleans()),))
    operators = {
        "string": ["is", "isNot", "contains", "doesNotContain", "startsWith", "empty", "notEmpty"],
        "long": ["equalTo", "notEqualTo", "greaterThan", "lessThanOrEqualTo", "between", "empty"],
        "double": ["equalTo", "greaterThanOrEqualTo", "notBetween", "notEmpty"],
        "select": ["anyOf", "noneOf"],
        "date": ["on", "notOn", "before", "after", "onOrAfter", "within", "notWithin", "empty"],
        "text_number": ["equalTo", "greaterThan", "between", "notEmpty"],
    }[kind]
    operator = draw(st.sampled_from(operators))
    if operator in ("empty", "notEmpty"):
        return Criterion(field, kind, operator, ())  # type: ignore[arg-type]
    count = 2 if operator in ("between", "notBetween", "within", "notWithin") else 1
    value: st.SearchStrategy[Any] = {
        "string": _WORDS,
        "long": st.integers(-3, 3),
        "double": st.sampled_from([-1.5, 0.0, 2.25, 3.0]),
        "date": _DAYS,
        "text_number": st.sampled_from(["7", "10", "INV-3"]),
    }.get(kind, st.sampled_from(["1", "2", "3", "E1", "@NONE@"]))
    if kind == "select":
        count = draw(st.integers(1, 3))
    return Criterion(field, kind, operator, tuple(draw(value) for _ in range(count)))  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(_RECORD_FIELDS, st.sampled_from([None, "E1", "E2"])), max_size=8),
    st.lists(criteria(), max_size=3),
)
def test_search_agrees_with_evaluating_each_record(
    records: list[tuple[dict[str, FieldValue], str | None]], wanted: list[Criterion]
) -> None:
    with RecordStore() as store:
        stored = []
        for fields, external_id in records:
            try:
                stored.append(store.add("customer", b"<c/>", fields, external_id=external_id))
            except DuplicateExternalId:
                continue
        expected = [
            record.internal_id
            for record in stored
            if all(
                matches(
                    criterion,
                    {"internalId": record.internal_id, "externalId": record.external_id}.get(
                        criterion.field, record.fields.get(criterion.field)
                    ),
                )
                for criterion in wanted
            )
        ]
        assert store.search("customer", wanted) == expected


# -------------------------------------------------------------------------------------- search sessions


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ids(count: int) -> list[str]:
    return [str(n) for n in range(1, count + 1)]


@pytest.mark.parametrize(
    ("total", "page_size", "pages", "last_size"),
    [(23, 10, 3, 3), (20, 10, 2, 10), (5, 5, 1, 5), (1, 1000, 1, 1), (1001, 1000, 2, 1)],
)
def test_pages_cover_the_result_set_in_order(total: int, page_size: int, pages: int, last_size: int) -> None:
    sessions = SearchSessions()
    first = sessions.create("customer", ids(total), page_size)
    assert (first.page_index, first.total_pages, first.total_records) == (1, pages, total)
    assert (first.record_type, first.page_size) == ("customer", page_size)
    every = [sessions.page(first.search_id, n) for n in range(1, pages + 1)]
    assert every[0] == first
    assert [len(p.internal_ids) for p in every[:-1]] == [page_size] * (pages - 1)
    assert len(every[-1].internal_ids) == last_size
    assert [i for p in every for i in p.internal_ids] == ids(total)
    for past in (0, -1, pages + 1):
        with pytest.raises(InvalidPage) as raised:
            sessions.page(first.search_id, past)
        assert raised.value.code == "INVALID_PAGE_INDEX"


def test_an_empty_result_has_an_empty_first_page() -> None:
    sessions = SearchSessions()
    first = sessions.create("customer", [], 50)
    assert (first.total_records, first.total_pages, first.internal_ids) == (0, 0, [])
    assert sessions.page(first.search_id, 1) == first
    with pytest.raises(InvalidPage):
        sessions.page(first.search_id, 2)


def test_the_page_size_of_a_later_request_applies() -> None:
    sessions = SearchSessions()
    first = sessions.create("customer", ids(25), 10)
    page = sessions.page(first.search_id, 2, page_size=20)
    assert (page.page_size, page.total_pages, page.internal_ids) == (20, 2, ids(25)[20:])
    assert sessions.page(first.search_id, 3).internal_ids == ids(25)[20:]  # the search's own size again


@pytest.mark.parametrize("bad", [0, -5, True, 2.5, "10"])
def test_nonsense_page_sizes_are_refused(bad: Any) -> None:
    sessions = SearchSessions()
    with pytest.raises(ValueError, match="page size"):
        sessions.create("customer", ids(3), bad)
    search_id = sessions.create("customer", ids(3), 5).search_id
    with pytest.raises(ValueError, match="page size"):
        sessions.page(search_id, 1, page_size=bad)


def test_search_ids_expire_after_the_ttl() -> None:
    ticker = Ticker()
    sessions = SearchSessions(clock=ticker)  # NetSuite's 15 minutes by default
    search_id = sessions.create("customer", ids(12), 5).search_id
    ticker.now += 899.0
    assert sessions.page(search_id, 3).internal_ids == ids(12)[10:]
    ticker.now += 1.0
    with pytest.raises(SearchExpired) as raised:
        sessions.page(search_id, 1)
    assert raised.value.code == "INVALID_JOB_ID"
    assert len(sessions) == 0  # cleaned up


def test_expire_all_and_unknown_ids() -> None:
    sessions = SearchSessions()
    search_id = sessions.create("customer", ids(3), 5).search_id
    with pytest.raises(SearchExpired):
        sessions.page("WEBSERVICES_EMULATOR_0_nothing", 1)
    sessions.expire_all()
    with pytest.raises(SearchExpired):
        sessions.page(search_id, 1)


def test_search_ids_look_like_netsuites_and_are_random() -> None:
    sessions = SearchSessions(account="1234567_SB1")
    made = {sessions.create("customer", [], 5).search_id for _ in range(200)}
    assert len(made) == 200
    assert all(re.fullmatch(r"WEBSERVICES_1234567_SB1_\d{23}_[0-9a-f]{12}", i) for i in made)


def test_sessions_beyond_the_maximum_drop_the_oldest() -> None:
    ticker = Ticker()
    sessions = SearchSessions(clock=ticker, max_sessions=3)
    made = []
    for n in range(5):
        ticker.now += 1
        made.append(sessions.create("customer", ids(n + 1), 5).search_id)
    assert len(sessions) == 3
    for gone in made[:2]:
        with pytest.raises(SearchExpired):
            sessions.page(gone, 1)
    assert [sessions.page(i, 1).total_records for i in made[2:]] == [3, 4, 5]


def test_sessions_are_shared_safely_between_threads() -> None:
    sessions = SearchSessions(max_sessions=1000)

    def work(number: int) -> list[Page]:
        mine = ids(number + 1)
        search_id = sessions.create(f"type{number}", mine, 5).search_id
        return [sessions.page(search_id, n) for n in range(1, (len(mine) + 4) // 5 + 1)]

    for number, pages in enumerate(run_together(work)):
        assert {p.record_type for p in pages} == {f"type{number}"}
        assert [i for p in pages for i in p.internal_ids] == ids(number + 1)
    assert len(sessions) == THREADS


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="ttl"):
        SearchSessions(ttl=0)
    with pytest.raises(ValueError, match="max_sessions"):
        SearchSessions(max_sessions=0)
