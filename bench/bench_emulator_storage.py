"""Benchmark of the emulator's record store against plain SQLite on the same rows, in the same run.

Measures, for one record type of N records (default 100,000):

- adds per second through ``RecordStore.add`` (one transaction per record, as the server does);
- a search matching every record, a search on two indexed fields, and one on a pseudo-field;
- fetching a page of 1000 records by internal id (``get_many``), as ``search``/``searchMoreWithId`` do.

Each figure is reported with a baseline doing the bare minimum with ``sqlite3`` (insert the same rows one
transaction each; select the ids; select 1000 rows by id) and the ratio store/baseline.

    .venv/bin/python bench/bench_emulator_storage.py [--records 100000] [--file]
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from suitetalk.emulator.criteria import Criterion
from suitetalk.emulator.storage import RecordStore

RECORD_TYPE = "customer"
START = datetime(2024, 1, 1, tzinfo=timezone.utc)


def make_rows(count: int) -> list[tuple[str, bytes, dict[str, Any]]]:
    rng = random.Random(7)
    rows = []
    for n in range(count):
        fields: dict[str, Any] = {
            "entityId": f"CUST{n:06d}",
            "companyName": f"Company {rng.choice(['Alpha', 'Beta', 'Gamma', 'Delta'])} {n}",
            "email": f"contact{n}@example{n % 97}.com",
            "subsidiary": str(rng.randint(1, 5)),
            "balance": round(rng.uniform(0, 10_000), 2),
            "isInactive": rng.random() < 0.1,
            "salesRep": str(rng.randint(1, 50)),
            "categories": [str(rng.randint(1, 9)) for _ in range(2)],
            "dateClosed": START + timedelta(minutes=n),
        }
        body = f"<customer><entityId>{fields['entityId']}</entityId>{'x' * 300}</customer>".encode()
        rows.append((f"EXT-{n}", body, fields))
    return rows


def timed(action: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    best = float("inf")
    result: object = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result


def baseline_db(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    if path != ":memory:":
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE records (record_type TEXT, internal_id INTEGER, external_id TEXT, body BLOB, "
        "fields TEXT, PRIMARY KEY (record_type, internal_id))"
    )
    return db


def report(name: str, store_seconds: float, base_seconds: float, unit: str = "s") -> None:
    print(f"{name:<46} store {store_seconds:9.4f} {unit}   sqlite {base_seconds:9.4f} {unit}   ", end="")
    print(f"ratio {store_seconds / base_seconds:6.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--file", action="store_true", help="use database files (WAL) instead of memory")
    args = parser.parse_args()
    rows = make_rows(args.records)
    with tempfile.TemporaryDirectory() as tmp:
        store_path = Path(tmp, "store.sqlite3") if args.file else None
        base_path = str(Path(tmp, "base.sqlite3")) if args.file else ":memory:"
        print(f"{args.records} {RECORD_TYPE} records, {'files (WAL)' if args.file else 'in memory'}")

        base = baseline_db(base_path)

        def base_insert() -> None:
            for n, (external_id, body, fields) in enumerate(rows, 1):
                base.execute("BEGIN IMMEDIATE")
                base.execute(
                    "INSERT INTO records VALUES (?, ?, ?, ?, ?)",
                    (RECORD_TYPE, n, external_id, body, json.dumps(fields, default=str)),
                )
                base.execute("COMMIT")

        base_add, _ = timed(base_insert)
        with RecordStore(store_path) as store:

            def store_insert() -> None:
                for external_id, body, fields in rows:
                    store.add(RECORD_TYPE, body, fields, external_id=external_id)

            store_add, _ = timed(store_insert)
            count = len(rows)
            print(
                f"{'add, one transaction each':<46} store {count / store_add:9.0f} /s   "
                f"sqlite {count / base_add:9.0f} /s   ratio {store_add / base_add:6.1f}x (time)"
            )

            def base_all() -> list[str]:
                cursor = base.execute(
                    "SELECT internal_id FROM records WHERE record_type = ? ORDER BY internal_id",
                    (RECORD_TYPE,),
                )
                return [str(row[0]) for row in cursor]

            base_search, base_ids = timed(base_all, 3)
            searches: list[tuple[str, list[Criterion]]] = [
                ("search, no criteria (all match)", []),
                (
                    "search, email contains '@' (all match)",
                    [Criterion("email", "string", "contains", ("@",))],
                ),
                (
                    "search, subsidiary anyOf + balance > 5000",
                    [
                        Criterion("subsidiary", "select", "anyOf", ("1", "2")),
                        Criterion("balance", "double", "greaterThan", (5000.0,)),
                    ],
                ),
                (
                    "search, dateClosed within (all match)",
                    [Criterion("dateClosed", "date", "within", (START, START + timedelta(days=3650)))],
                ),
                (
                    "search, lastModifiedDate onOrAfter (pseudo)",
                    [Criterion("lastModifiedDate", "date", "onOrAfter", (START,))],
                ),
            ]
            for name, criteria in searches:
                seconds, found = timed(functools.partial(store.search, RECORD_TYPE, criteria), 3)
                assert isinstance(found, list)
                report(f"{name} [{len(found)}]", seconds, base_search)
            all_ids = base_ids
            assert isinstance(all_ids, list)
            page = all_ids[len(all_ids) // 2 : len(all_ids) // 2 + 1000]

            def base_page() -> list[Any]:
                return base.execute(
                    "SELECT * FROM records WHERE record_type = ? AND internal_id IN "
                    "(SELECT value FROM json_each(?))",
                    (RECORD_TYPE, json.dumps([int(i) for i in page])),
                ).fetchall()

            base_fetch, _ = timed(base_page, 5)
            store_fetch, records = timed(lambda: store.get_many(RECORD_TYPE, page), 5)
            assert isinstance(records, list)
            assert len(records) == len(page)
            report("fetch a page of 1000 by internal id", store_fetch, base_fetch)
        base.close()


if __name__ == "__main__":
    main()
