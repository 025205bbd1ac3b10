"""Retries and concurrency against an emulator that injects NetSuite's governance faults for real."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from suitetalk import ClientConfig, OutcomeUnknownError, RetryPolicy
from suitetalk.client import Client
from suitetalk.emulator import Emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(concurrency_limit=5, seed=1234) as running:
        yield running


def make_client(emulator: Emulator, **config: object) -> Client:
    retry = config.pop("retry", RetryPolicy(max_attempts=15, initial_wait=0.002, max_wait=0.05))
    return Client(
        emulator.credentials,
        ClientConfig(endpoint=emulator.base_url, version=emulator.version, retry=retry, **config),  # type: ignore[arg-type]
    )


def test_eight_threads_upsert_5000_records_through_faults_without_loss_or_duplicates(
    emulator: Emulator,
) -> None:
    emulator.configure(concurrency_fault_rate=0.2, lose_response_rate=0.1, seed=99)
    errors: list[BaseException] = []
    failures: list[object] = []
    with make_client(emulator) as client:
        records = [
            client.record("customer", companyName=f"Sync {i}", external_id=f"SYNC-{i}", phone=str(i))
            for i in range(5000)
        ]

        def worker(part: int) -> None:
            try:
                results = client.upsert_list(records[part::8])
                failures.extend(r for r in results if not r.success)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=240)
        stats = client.retry_stats
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert failures == []
    assert emulator.store.count("customer") == 5000
    stored = emulator.store.get_many("customer", emulator.store.search("customer", []))
    assert sorted(r.external_id for r in stored) == sorted(f"SYNC-{i}" for i in range(5000))
    injected = emulator.stats
    # The faults really happened, and were absorbed by retries.
    assert injected.injected_concurrency_faults > 0
    assert injected.lost_responses > 0
    assert stats.retries >= injected.injected_concurrency_faults + injected.lost_responses


def test_add_list_without_external_ids_reports_unknown_outcome_instead_of_duplicating(
    emulator: Emulator,
) -> None:
    with make_client(emulator) as client:
        client.get_server_time()  # discover the limit before faults start
        emulator.configure(lose_response_rate=1.0)
        before = emulator.store.count("customer")
        records = [client.record("customer", companyName=f"No ext {i}") for i in range(250)]
        results = client.add_list(records)
        emulator.configure(lose_response_rate=0.0)
    assert len(results) == 250
    assert all(not r.success for r in results)
    assert all(r.outcome_unknown for r in results)
    assert isinstance(results[0].error, OutcomeUnknownError)
    assert "outcome" in str(results[0].error).lower()
    # Each request's error lists the records it held, so that the caller knows what to check.
    errors = {id(r.error): r.error for r in results if isinstance(r.error, OutcomeUnknownError)}
    assert sorted(len(e.records) for e in errors.values()) == [50, 200]
    assert {label for e in errors.values() for label in e.records} == {"customer (no id)"}
    assert "Records in the request: 200 (customer (no id), customer (no id)" in str(results[0].error)
    # Each request was executed once (its response lost), never resent: 250 records, not more.
    assert emulator.store.count("customer") - before == 250
    assert emulator.stats.operations.get("addList") == 2


def test_single_add_without_external_id_raises_outcome_unknown(emulator: Emulator) -> None:
    with make_client(emulator) as client:
        client.get_server_time()
        emulator.configure(lose_response_rate=1.0)
        with pytest.raises(OutcomeUnknownError) as info:
            client.add("customer", companyName="Lost One")
        emulator.configure(lose_response_rate=0.0)
    assert "customer" in str(info.value)
    assert emulator.store.count("customer") == 1


def test_concurrency_faults_are_retried_and_logged(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    with make_client(emulator) as client:
        client.get_server_time()
        emulator.configure(concurrency_fault_rate=0.5, seed=3)
        with caplog.at_level(logging.INFO, logger="suitetalk"):
            for i in range(10):
                assert client.upsert("customer", companyName=f"Retry {i}", external_id=f"R-{i}").success
    retry_lines = [r.getMessage() for r in caplog.records if "WS_REQUEST_BLOCKED" in r.getMessage()]
    assert retry_lines, "each retry is logged with its code"
    assert all(re.search(r"retrying in \d+\.\d\d s", line) for line in retry_lines), retry_lines
    secret = emulator.credentials.consumer_secret.get_secret_value()
    assert secret not in caplog.text


def test_client_limiter_keeps_requests_under_the_discovered_limit(emulator: Emulator) -> None:
    emulator.configure(concurrency_limit=3, latency=0.02)
    with make_client(emulator) as client:
        records = [
            client.record("customer", companyName=f"Lim {i}", external_id=f"LIM-{i}") for i in range(1200)
        ]
        emulator.reset_stats()
        results = client.upsert_list(records)
        assert client.limiter.max_limit == 3
    assert all(r.success for r in results)
    assert emulator.max_in_flight <= 3
    assert emulator.stats.rejected == 0


def test_rejections_reach_the_client_limiter_and_no_slot_is_leaked(emulator: Emulator) -> None:
    with make_client(emulator) as client:
        client.get_server_time()
        emulator.configure(concurrency_fault_rate=0.4, seed=11)
        results = client.upsert_list(
            client.record("customer", companyName=f"Slot {i}", external_id=f"SLOT-{i}") for i in range(1000)
        )
        assert all(r.success for r in results)
        assert client.limiter.rejections == client.retry_stats.retries_by_code["WS_REQUEST_BLOCKED"] > 0
        assert client.limiter.in_flight == 0
        assert client.limiter.peak_in_flight <= 5


def test_answers_are_parsed_after_the_slot_is_given_back(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slot holds NetSuite's budget only while the request is on the wire: reading the answer, the
    parse included, comes after it is freed (another request can use it meanwhile). One request at a time
    here, so none is in flight while an answer is parsed."""
    import suitetalk.transport as transport
    import suitetalk.wsdl as wsdl

    with make_client(emulator, concurrency=1) as client:
        client.get_server_time()
        seen: list[int] = []  # requests in flight when each answer was parsed (once per answer)
        parse = wsdl.response_root

        def recording(response: Any) -> Any:
            if getattr(response, "_suitetalk_root", None) is None:
                seen.append(client.limiter.in_flight)
            return parse(response)

        monkeypatch.setattr(wsdl, "response_root", recording)
        monkeypatch.setattr(transport, "response_root", recording)
        results = client.upsert_list(
            client.record("customer", companyName=f"Parse {i}", external_id=f"PARSE-{i}") for i in range(80)
        )
        client.get("customer", external_id="PARSE-3")
    assert all(r.success for r in results)
    assert seen, "the answers were not parsed through response_root"
    assert set(seen) == {0}


def test_a_record_whose_label_cannot_be_made_does_not_hide_the_error() -> None:
    """Labels are made on an error's path: one that cannot be made is replaced, the others are kept."""
    from types import SimpleNamespace

    from suitetalk.client import _Labels

    class Unlabelled:
        @property
        def externalId(self) -> str:
            raise RuntimeError("no id here")

    records = [SimpleNamespace(externalId="A"), Unlabelled(), SimpleNamespace(externalId="C")]
    labels = _Labels(records, lambda item: f"customer externalId={item.externalId}")
    error = OutcomeUnknownError("lost", records=labels)
    assert error.records == ("customer externalId=A", "record (no label)", "customer externalId=C")
