"""Concurrency governance and fault injection, seen from a bare zeep client."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import zeep
from emulator_support import Session, fault_parts, session

from suitetalk.emulator import Emulator
from suitetalk.faults import CONCURRENT_REQUEST_BLOCKED_CODE, CONCURRENT_REQUEST_BLOCKED_MESSAGE


@pytest.fixture(scope="module")
def s() -> Iterator[Session]:
    with session(Emulator(version="2023_2")) as sess:
        yield sess


@pytest.fixture(autouse=True)
def calm(s: Session) -> Iterator[None]:
    """Every test starts and ends with no injected faults and fresh counters."""
    defaults = {
        "concurrency_limit": 5,
        "latency": 0.0,
        "latency_jitter": 0.0,
        "concurrency_fault_rate": 0.0,
        "drop_connection_rate": 0.0,
        "lose_response_rate": 0.0,
        "seed": None,
    }
    s.emulator.configure(**defaults)
    s.emulator.reset_stats()
    yield
    s.emulator.configure(**defaults)


def outcome(s: Session, operation: str = "getServerTime", **kwargs: Any) -> str:
    """``ok``, the fault code, or ``dropped`` for one call."""
    try:
        s.call(operation, **kwargs)
    except zeep.exceptions.Fault as fault:
        return fault_parts(fault, s.faults)[1]
    except requests.exceptions.ConnectionError:
        return "dropped"
    return "ok"


def test_requests_over_the_limit_are_blocked_and_the_rest_run(s: Session) -> None:
    n, m = 10, 3
    s.emulator.configure(concurrency_limit=m)
    results: list[Any] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            value: Any = s.call("getServerTime").body.getServerTimeResult.status.isSuccess
        except zeep.exceptions.Fault as fault:
            value = fault_parts(fault, s.faults)
        with lock:
            results.append(value)

    threads = [threading.Thread(target=one) for _ in range(n)]
    with s.emulator.hold():
        for t in threads:
            t.start()
        # m requests are held in flight; every other one is answered at once.
        assert s.emulator.wait_for(lambda e: e.in_flight == m and e.stats.rejected == n - m, timeout=20)
    for t in threads:
        t.join(20)
    blocked = (
        "exceededConcurrentRequestLimitFault",
        CONCURRENT_REQUEST_BLOCKED_CODE,
        CONCURRENT_REQUEST_BLOCKED_MESSAGE,
    )
    assert sorted(map(str, results)) == sorted(["True"] * m + [str(blocked)] * (n - m))
    assert s.emulator.max_in_flight == m
    assert s.emulator.stats.rejected == n - m


def test_unlimited_when_the_limit_is_zero(s: Session) -> None:
    s.emulator.configure(concurrency_limit=0)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(outcome(s))) for _ in range(8)]
    with s.emulator.hold():
        for t in threads:
            t.start()
        assert s.emulator.wait_for(lambda e: e.in_flight == 8, timeout=20)
    for t in threads:
        t.join(20)
    assert results == ["ok"] * 8


def test_injected_faults_repeat_with_the_same_seed(s: Session) -> None:
    def run() -> list[str]:
        s.emulator.configure(seed=1234, concurrency_fault_rate=0.4, drop_connection_rate=0.2)
        return [outcome(s) for _ in range(25)]

    first = run()
    second = run()
    assert first == second
    assert {"ok", CONCURRENT_REQUEST_BLOCKED_CODE, "dropped"} <= set(first)
    s.emulator.configure(seed=999)
    assert [outcome(s) for _ in range(25)] != first


def test_an_injected_concurrency_fault_does_not_execute_the_request(s: Session) -> None:
    external_id = f"blocked-{secrets.token_hex(4)}"
    s.emulator.configure(concurrency_fault_rate=1.0)
    assert outcome(s, "add", record=s.record("customer", entityId="x", externalId=external_id)) == (
        CONCURRENT_REQUEST_BLOCKED_CODE
    )
    s.emulator.configure(concurrency_fault_rate=0.0)
    read = s.call("get", baseRef=s.ref("customer", external_id=external_id)).body.readResponse
    assert read.status.statusDetail[0].code == "RCRD_DSNT_EXIST"
    assert s.emulator.stats.injected_concurrency_faults == 1


def test_a_dropped_connection_gets_no_response_and_nothing_is_executed(s: Session) -> None:
    external_id = f"dropped-{secrets.token_hex(4)}"
    s.emulator.configure(drop_connection_rate=1.0)
    assert outcome(s, "add", record=s.record("customer", entityId="x", externalId=external_id)) == "dropped"
    s.emulator.configure(drop_connection_rate=0.0)
    read = s.call("get", baseRef=s.ref("customer", external_id=external_id)).body.readResponse
    assert read.status.isSuccess is False
    assert s.emulator.stats.dropped_connections == 1


def test_a_lost_response_has_its_change_committed(s: Session) -> None:
    external_id = f"lost-{secrets.token_hex(4)}"
    s.emulator.configure(lose_response_rate=1.0)
    assert (
        outcome(s, "add", record=s.record("customer", entityId="lost", externalId=external_id)) == "dropped"
    )
    s.emulator.configure(lose_response_rate=0.0)
    read = s.call("get", baseRef=s.ref("customer", external_id=external_id)).body.readResponse
    assert read.status.isSuccess
    assert read.record.entityId == "lost"
    assert s.emulator.stats.lost_responses == 1


def test_latency_keeps_the_request_in_flight(s: Session) -> None:
    s.emulator.configure(latency=0.2, latency_jitter=0.1, seed=7)
    seen: list[int] = []
    t = threading.Thread(target=lambda: seen.append(len(outcome(s))))
    start = time.monotonic()
    t.start()
    assert s.emulator.wait_for(lambda e: e.in_flight == 1, timeout=10)
    t.join(10)
    assert time.monotonic() - start >= 0.2
    assert s.emulator.stats.delayed == 1


def test_settings_cannot_change_identity_while_running(s: Session) -> None:
    with pytest.raises(ValueError, match="database"):
        s.emulator.configure(database="other.sqlite")
    with pytest.raises(ValueError, match="greater than or equal"):
        s.emulator.configure(concurrency_limit=-1)
    s.emulator.settings.concurrency_limit = 9
    assert (
        s.call(
            "getIntegrationGovernanceInfo"
        ).body.getIntegrationGovernanceInfoResult.integrationConcurrencyLimit
        == 9
    )
