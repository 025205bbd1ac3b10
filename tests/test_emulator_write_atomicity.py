"""The emulator's writes: one transaction per request, one savepoint per record, and latency that includes
the emulator's own work.

A list request is committed once; a record that fails is undone alone, and a failure of the request
itself (a fault) leaves nothing of it behind, so "a fault means nothing was written" holds. The latency
setting is the least time a request takes, the emulator's work included.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from suitetalk import Client, ClientConfig
from suitetalk.emulator import Emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(concurrency_limit=0) as running:
        yield running


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Client]:
    config = ClientConfig(endpoint=emulator.base_url, version=emulator.version)
    with Client(emulator.credentials, config) as made:
        yield made


def _customers(client: Client, prefix: str, count: int) -> list[Any]:
    return [
        client.record("customer", external_id=f"{prefix}-{n}", companyName=f"{prefix} {n}")
        for n in range(count)
    ]


def test_a_record_that_fails_in_a_list_is_undone_alone(emulator: Emulator, client: Client) -> None:
    assert client.add(client.record("customer", external_id="TAKEN", companyName="First")).success
    batch = _customers(client, "SP", 4)
    batch.insert(2, client.record("customer", external_id="TAKEN", companyName="Second"))
    results = client.add_list(batch)
    assert [r.success for r in results] == [True, True, False, True, True]
    assert results[2].code == "DUP_RCRD"
    stored = {r.internal_id for r in results if r.success}
    assert len(stored) == 4
    for result in results:
        if result.success:
            assert client.get("customer", internal_id=result.internal_id).companyName.startswith("SP ")
    # The record that failed left nothing: the one holding its external id is still the first.
    assert client.get("customer", external_id="TAKEN").companyName == "First"
    assert emulator.store.count("customer") == 5


def test_a_request_that_faults_midway_writes_none_of_its_records(
    emulator: Emulator, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    computations = emulator._operations.computations  # type: ignore[union-attr]
    original = computations.on_create
    calls = {"n": 0}

    def failing_on_the_third(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("a bug inside the emulator")
        original(*args)

    monkeypatch.setattr(computations, "on_create", failing_on_the_third)
    before = emulator.store.count("customer")
    results = client.add_list(_customers(client, "FAULT", 5))
    assert not any(r.success for r in results)
    # Two records had been written before the failure: the fault must not leave them stored.
    assert emulator.store.count("customer") == before
    monkeypatch.undo()
    assert all(r.success for r in client.upsert_list(_customers(client, "FAULT", 5)))
    assert emulator.store.count("customer") == before + 5


def test_latency_includes_the_emulators_own_work(
    emulator: Emulator, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = emulator._app  # type: ignore[union-attr]
    operations = emulator._operations  # type: ignore[union-attr]
    slept: list[float] = []
    dispatch = operations.dispatch

    def slow_dispatch(request: Any) -> Any:
        time.sleep(0.05)  # stands for the emulator's work on the request
        return dispatch(request)

    monkeypatch.setattr(app, "_sleep", slept.append)
    monkeypatch.setattr(operations, "dispatch", slow_dispatch)
    emulator.configure(latency=0.3)
    emulator.reset_stats()
    client.get_server_time()
    assert slept, "the latency was never applied"
    # What is left of the latency once the work is done: never the whole latency on top of it.
    assert all(0.0 <= seconds <= 0.25 for seconds in slept), slept
    assert emulator.stats.delayed == len(slept)
