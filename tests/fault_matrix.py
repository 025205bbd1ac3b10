"""The fault matrix: every write operation under every kind of fault, record by record.

For each cell (an operation, a fault kind, a seed) the emulator injects the fault into a share of the
requests while the client writes N records; then what the client reported for each record is compared with
what the emulator stored:

- success: the record was written (added once, updated to the new value, deleted);
- failure: it was not (not added, still the old value, still there);
- outcome unknown: allowed only where nobody can know (an add without external ids whose request may
  have been executed); the record is then stored at most once.

No record may be stored twice, and none may be lost (reported written yet missing). Run as a script for
the figures of ``docs/reliability.md``::

    python tests/fault_matrix.py --records 400 --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import suitetalk.client
from suitetalk import ClientConfig, OutcomeUnknownError, RetryPolicy, SuiteTalkError
from suitetalk.client import Client
from suitetalk.emulator import Emulator
from suitetalk.results import WriteResult

#: Emulator settings of each kind of fault, at ``rate``.
FAULTS: dict[str, Callable[[float], dict[str, Any]]] = {
    "lost response after commit": lambda rate: {"lose_response_rate": rate},
    "connection dropped before processing": lambda rate: {"drop_connection_rate": rate},
    "concurrency fault": lambda rate: {"concurrency_fault_rate": rate},
    "HTML/text 429 or 503": lambda rate: {
        "error_page_rate": rate,
        "error_page_statuses": (429, 503),
        "error_page_bodies": ("html", "text"),
    },
    "HTML/text 502 or 504": lambda rate: {
        "error_page_rate": rate,
        "error_page_statuses": (502, 504),
        "error_page_bodies": ("html", "text"),
        "error_page_after_commit": 0.5,
    },
    "answer cut off after commit": lambda rate: {"truncated_response_rate": rate},
}
NO_FAULTS: dict[str, Any] = {
    "lose_response_rate": 0.0,
    "drop_connection_rate": 0.0,
    "concurrency_fault_rate": 0.0,
    "error_page_rate": 0.0,
    "truncated_response_rate": 0.0,
}
#: Operations, and whether each record of theirs exists before the call.
OPERATIONS: dict[str, bool] = {
    "add": False,
    "add (no external id)": False,
    "update": True,
    "upsert": False,
    "delete": True,
    "addList": False,
    "addList (no external id)": False,
    "updateList": True,
    "upsertList": False,
    "deleteList": True,
}
#: Records per request in list cells: small, so that a cell of a few hundred records makes many requests.
CHUNK = 20
#: Where "outcome unknown" is the truth: a maybe-executed add without external ids cannot be resent.
UNKNOWABLE = {"add (no external id)", "addList (no external id)"}


@dataclass
class Cell:
    """The outcome of one cell: counts of what was reported, and every disagreement with the store."""

    operation: str
    fault: str
    seed: int
    records: int
    reported: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    duplicated: int = 0
    requests: int = 0
    injected: int = 0
    seconds: float = 0.0

    @property
    def successes(self) -> int:
        return self.reported["success"] + self.reported["success (recovered)"]


@contextmanager
def small_chunks(size: int = CHUNK) -> Iterator[None]:
    """List operations split into requests of ``size`` records instead of NetSuite's limits."""
    saved = suitetalk.client.LIST_LIMITS
    suitetalk.client.LIST_LIMITS = dict.fromkeys(saved, size)
    try:
        yield
    finally:
        suitetalk.client.LIST_LIMITS = saved


def make_client(emulator: Emulator) -> Client:
    return Client(
        emulator.credentials,
        ClientConfig(
            endpoint=emulator.base_url,
            version=emulator.version,
            concurrency=4,
            # Enough attempts that a safe request is never given up on at a 30% fault rate (0.3**20).
            retry=RetryPolicy(max_attempts=20, initial_wait=0.001, max_wait=0.01),
            read_timeout=30,
        ),
    )


def run_cell(emulator: Emulator, client: Client, operation: str, fault: str, seed: int, n: int) -> Cell:
    """Run one cell on a cleared emulator and check every record."""
    emulator.configure(**NO_FAULTS)
    emulator.store.clear()
    tag = f"{operation[:6]}-{seed}"
    names = [f"{tag} {i}" for i in range(n)]
    exts = [f"{tag}-{i}" for i in range(n)]
    with_ext = "no external id" not in operation
    old_ids: list[str] = []
    if OPERATIONS[operation]:
        rows = [{"companyName": names[i], "phone": "old", "external_id": exts[i]} for i in range(n)]
        old = client.add_list(rows, record_type="customer")
        assert all(r.success for r in old), "set-up failed"
        old_ids = [str(r.internal_id) for r in old]
    emulator.reset_stats()
    emulator.configure(seed=seed, **FAULTS[fault](0.3))
    started = time.perf_counter()
    outcomes = _write(client, operation, names, exts if with_ext else None, old_ids)
    seconds = time.perf_counter() - started
    emulator.configure(**NO_FAULTS)
    stats = emulator.stats
    cell = Cell(operation, fault, seed, n, seconds=seconds, requests=stats.requests)
    cell.injected = (
        stats.lost_responses
        + stats.dropped_connections
        + stats.injected_concurrency_faults
        + sum(stats.error_pages.values())
        + stats.truncated_responses
    )
    _check(emulator, cell, names, outcomes, old_ids)
    return cell


def _write(
    client: Client, operation: str, names: Sequence[str], exts: Sequence[str] | None, old_ids: Sequence[str]
) -> list[str]:
    """Each record's reported outcome: ``success``, ``failure`` or ``unknown``."""
    base = operation.split(" ")[0]
    rows: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        row: dict[str, Any] = {"companyName": name, "phone": "new"}
        if exts is not None:
            row["external_id"] = exts[i]
        if base.startswith("update"):
            row = {"internal_id": old_ids[i], "phone": "new"}
        rows.append(row)
    if base.endswith("List"):
        if base == "deleteList":
            results = client.delete_list(old_ids, record_type="customer")
        else:
            method = {"addList": client.add_list, "updateList": client.update_list}.get(
                base, client.upsert_list
            )
            results = method(rows, record_type="customer")
        return [_outcome(r) for r in results]
    outcomes = []
    for i, row in enumerate(rows):
        try:
            if base == "delete":
                result = client.delete("customer", old_ids[i])
            else:
                result = getattr(client, base)("customer", **row)
            outcomes.append(_outcome(result))
        except OutcomeUnknownError:
            outcomes.append("unknown")
        except SuiteTalkError:
            outcomes.append("failure")
    return outcomes


def _outcome(result: WriteResult) -> str:
    if result.outcome_unknown:
        return "unknown"
    if result.success:
        return "success (recovered)" if result.recovered else "success"
    return "failure"


def _check(
    emulator: Emulator, cell: Cell, names: Sequence[str], outcomes: Sequence[str], old_ids: Sequence[str]
) -> None:
    stored = emulator.store.get_many("customer", emulator.store.search("customer", []))
    by_name: dict[str, list[Any]] = {}
    for record in stored:
        by_name.setdefault(str(record.fields.get("companyName")), []).append(record)
    base = cell.operation.split(" ")[0].removesuffix("List")
    for i, (name, reported) in enumerate(zip(names, outcomes, strict=True)):
        cell.reported[reported] += 1
        outcome = reported.split(" ")[0]
        copies = by_name.get(name, [])
        cell.duplicated += max(0, len(copies) - 1)
        if base == "delete":
            written = not copies
        elif base == "update":
            written = bool(copies) and copies[0].fields.get("phone") == "new"
            if copies and str(copies[0].internal_id) != old_ids[i]:
                cell.wrong.append(f"{name}: a different record")
        else:
            written = bool(copies) and copies[0].fields.get("phone") == "new"
        if outcome == "unknown":
            if cell.operation not in UNKNOWABLE:
                cell.wrong.append(f"{name}: reported unknown although the request could be resent safely")
        elif (outcome == "success") != written:
            cell.wrong.append(f"{name}: reported {outcome}, {'written' if written else 'not written'}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=400, help="records per list cell (singles: a tenth)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args(argv)
    columns = [
        "operation",
        "fault",
        "records",
        "success",
        "of which recovered",
        "failure",
        "unknown",
        "wrong",
        "duplicated",
        "requests",
        "injected",
    ]
    print("| " + " | ".join(columns) + " |")
    print("|---" * len(columns) + "|")
    totals: Counter[str] = Counter()
    with small_chunks(), Emulator(concurrency_limit=0) as emulator, make_client(emulator) as client:
        for operation in OPERATIONS:
            n = args.records if operation.split(" ")[0].endswith("List") else max(1, args.records // 10)
            for fault in FAULTS:
                cells = [run_cell(emulator, client, operation, fault, seed, n) for seed in args.seeds]
                reported: Counter[str] = sum((c.reported for c in cells), Counter())
                wrong = sum(len(c.wrong) for c in cells)
                duplicated = sum(c.duplicated for c in cells)
                totals.update(reported)
                totals["wrong"] += wrong
                totals["duplicated"] += duplicated
                recovered = reported["success (recovered)"]
                print(
                    f"| {operation} | {fault} | {sum(c.records for c in cells)} | "
                    f"{reported['success'] + recovered} | {recovered} | {reported['failure']} | "
                    f"{reported['unknown']} | {wrong} | {duplicated} | "
                    f"{sum(c.requests for c in cells)} | {sum(c.injected for c in cells)} |"
                )
    print(f"\ntotals: {dict(totals)}")


if __name__ == "__main__":
    main()
