"""Acceptance: what the client reports equals what NetSuite (the emulator) stored, under every fault.

Every write operation x every fault kind x several seeds, a few hundred records in all per fault kind;
see ``tests/fault_matrix.py`` for the rules, and ``docs/reliability.md`` for the figures of a larger run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fault_matrix import FAULTS, OPERATIONS, UNKNOWABLE, make_client, run_cell, small_chunks

from suitetalk.client import Client
from suitetalk.emulator import Emulator

SEEDS = (11, 12)


@pytest.fixture(scope="module")
def bench() -> Iterator[tuple[Emulator, Client]]:
    with small_chunks(), Emulator(concurrency_limit=0) as emulator, make_client(emulator) as client:
        yield emulator, client


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_reported_outcomes_equal_what_was_stored(
    bench: tuple[Emulator, Client], operation: str, fault: str
) -> None:
    emulator, client = bench
    n = 120 if operation.split(" ")[0].endswith("List") else 12
    injected = 0
    for seed in SEEDS:
        cell = run_cell(emulator, client, operation, fault, seed, n)
        assert cell.wrong == [], cell.wrong[:5]
        assert cell.duplicated == 0
        injected += cell.injected
        if operation not in UNKNOWABLE:
            # Nothing lost: every record that could be resent safely ended written.
            assert cell.successes == n, dict(cell.reported)
    assert injected > 0, "the fault never happened: the cell tested nothing"
