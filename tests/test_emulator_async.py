"""The emulator's asynchronous operations through a BARE zeep client, on the compact schema and NetSuite's.

Jobs are queued and run in the background; tests wait on the job's status with a time-out, never a sleep.
Every answer is checked against NetSuite's own XSDs (and the compact ones).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zeep
from emulator_support import SCHEMAS, Session, emulator_for, fault_parts, session
from lxml import etree
from xsd_helpers import assert_valid, body_payload, bundle_schema

JOB_ID = re.compile(r"^ASYNCWEBSERVICES_1234567_\d{23}_[0-9a-f]{8}$")


@pytest.fixture(scope="module", params=SCHEMAS)
def shared(request: pytest.FixtureRequest) -> Iterator[Session]:
    with session(emulator_for(request.param, request)) as running:
        yield running


@pytest.fixture
def s(shared: Session) -> Iterator[Session]:
    """The module's session; the job settings a test changes are put back after it."""
    yield shared
    shared.emulator.configure(async_delay=0, async_record_delay=0, async_page_size=1000, async_job_ttl=86400)
    shared.emulator.expire_async_jobs()  # a job a failed test left queued must not run into the next one


def status_of(s: Session, job_id: str) -> Any:
    return s.call("checkAsyncStatus", jobId=job_id).body.asyncStatusResult


def wait_until_done(s: Session, job_id: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        status = status_of(s, job_id)
        if status.status in ("finished", "finishedWithErrors", "failed"):
            return status
        assert time.monotonic() < deadline, f"job still {status.status} after {timeout} s"
        time.sleep(0.01)  # poll interval


def status_when(s: Session, job_id: str, condition: Any, timeout: float = 60.0) -> Any:
    """The job's status once ``condition(status)`` holds (within ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not condition(status := status_of(s, job_id)):
        assert time.monotonic() < deadline, f"job status still {status.status} after {timeout} s"
        time.sleep(0.01)  # poll interval
    return status


def fault_within(s: Session, job_id: str, timeout: float) -> zeep.exceptions.Fault:
    """The fault checkAsyncStatus answers once the job id is no longer valid (within ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status_of(s, job_id)
        except zeep.exceptions.Fault as fault:
            return fault
        time.sleep(0.01)  # poll interval
    raise AssertionError(f"job {job_id} still valid after {timeout} s")


def customers(s: Session, tag: str, count: int) -> list[Any]:
    return [s.record("customer", externalId=f"{tag}-{n}", companyName=f"{tag} {n}") for n in range(count)]


def assert_valid_answer(s: Session, netsuite_bundle: Path) -> None:
    payload = body_payload(s.last_response)
    assert_valid(bundle_schema(netsuite_bundle), payload)
    assert_valid(bundle_schema(s.emulator.bundle.folder), payload)


def test_a_job_is_queued_then_run_and_its_results_read(s: Session, netsuite_bundle: Path) -> None:
    s.emulator.configure(async_delay=3600)
    before = s.emulator.store.count("customer")
    submitted = s.call("asyncUpsertList", record=customers(s, "Q", 3)).body.asyncStatusResult
    assert_valid_answer(s, netsuite_bundle)
    assert JOB_ID.match(submitted.jobId)
    assert submitted.status == "pending"
    assert submitted.percentCompleted == 0.0
    assert s.emulator.store.count("customer") == before  # queued, not run

    pending = status_of(s, submitted.jobId)
    assert_valid_answer(s, netsuite_bundle)
    assert pending.status == "pending"
    assert pending.estRemainingDuration > 3000  # the delay still to go
    with pytest.raises(zeep.exceptions.Fault) as not_done:
        s.call("getAsyncResult", jobId=submitted.jobId, pageIndex=1)
    assert fault_parts(not_done.value, s.faults)[:2] == ("asyncFault", "JOB_NOT_COMPLETE")

    s.emulator.configure(async_delay=0)
    finished = wait_until_done(s, submitted.jobId)
    assert (finished.status, finished.percentCompleted, finished.estRemainingDuration) == (
        "finished",
        100.0,
        0,
    )

    answer = s.call("getAsyncResult", jobId=submitted.jobId, pageIndex=1)
    assert_valid_answer(s, netsuite_bundle)
    result = answer.body.asyncResult
    assert result._xsd_type.name == "AsyncUpsertListResult"
    written = result.writeResponseList.writeResponse
    assert [w.baseRef.externalId for w in written] == ["Q-0", "Q-1", "Q-2"]
    assert all(w.status.isSuccess for w in written)
    assert s.emulator.store.count("customer") == before + 3


def test_percent_complete_moves_while_a_job_runs(s: Session) -> None:
    s.emulator.configure(async_record_delay=3600)
    before = s.emulator.store.count("customer")
    job_id = s.call("asyncAddList", record=customers(s, "P", 4)).body.asyncStatusResult.jobId
    # The first record is written at once, then the job waits before the next.
    running = status_when(s, job_id, lambda status: status.percentCompleted > 0)
    assert (running.status, running.percentCompleted) == ("processing", 25.0)
    assert running.estRemainingDuration >= 3000
    assert s.emulator.store.count("customer") == before + 1
    s.emulator.configure(async_record_delay=0)
    assert wait_until_done(s, job_id).status == "finished"
    assert s.emulator.store.count("customer") == before + 4


def test_a_partly_failed_job_finishes_with_errors_and_says_which(s: Session, netsuite_bundle: Path) -> None:
    added = s.call("addList", record=customers(s, "E", 2)).body.writeResponseList.writeResponse
    updates = [
        s.record("customer", internalId=added[0].baseRef.internalId, companyName="E changed"),
        s.record("customer", internalId="999999", companyName="nobody"),
        s.record("customer", internalId=added[1].baseRef.internalId, companyName="E changed too"),
    ]
    job_id = s.call("asyncUpdateList", record=updates).body.asyncStatusResult.jobId
    assert wait_until_done(s, job_id).status == "finishedWithErrors"
    written = s.call(
        "getAsyncResult", jobId=job_id, pageIndex=1
    ).body.asyncResult.writeResponseList.writeResponse
    assert_valid_answer(s, netsuite_bundle)
    assert [w.status.isSuccess for w in written] == [True, False, True]
    assert written[1].status.statusDetail[0].code == "RCRD_DSNT_EXIST"


def test_get_list_results_are_paged(s: Session, netsuite_bundle: Path) -> None:
    s.emulator.configure(async_page_size=2)
    added = s.call("addList", record=customers(s, "G", 5)).body.writeResponseList.writeResponse
    refs = [s.ref("customer", w.baseRef.internalId) for w in added]
    job_id = s.call("asyncGetList", baseRef=refs).body.asyncStatusResult.jobId
    wait_until_done(s, job_id)
    names = []
    for page in (1, 2, 3):
        listing = s.call("getAsyncResult", jobId=job_id, pageIndex=page).body.asyncResult.readResponseList
        assert_valid_answer(s, netsuite_bundle)
        names += [r.record.companyName for r in listing.readResponse]
    assert names == [f"G {n}" for n in range(5)]
    beyond = s.call("getAsyncResult", jobId=job_id, pageIndex=4).body.asyncResult.readResponseList
    assert_valid_answer(s, netsuite_bundle)
    assert beyond.status.isSuccess is False
    assert beyond.status.statusDetail[0].code == "INVALID_PAGE_INDEX"


def test_an_async_search_keeps_its_pages(s: Session, netsuite_bundle: Path) -> None:
    s.call("addList", record=customers(s, "S", 12))
    criteria = s.search_basic("CustomerSearchBasic", companyName=s.string_field("S ", "startsWith"))
    # (no other test's customers start with "S ")
    job_id = s.call(
        "asyncSearch", searchRecord=criteria, _headers={"searchPreferences": {"pageSize": 5}}
    ).body.asyncStatusResult.jobId
    wait_until_done(s, job_id)
    s.emulator.expire_searches()  # the job's pages outlive the search ids behind them
    seen = []
    for page in (1, 2, 3):
        result = s.call("getAsyncResult", jobId=job_id, pageIndex=page).body.asyncResult.searchResult
        assert_valid_answer(s, netsuite_bundle)
        assert (result.totalRecords, result.totalPages, result.pageIndex) == (12, 3, page)
        seen += [r.companyName for r in result.recordList.record]
    assert sorted(seen) == sorted(f"S {n}" for n in range(12))
    beyond = s.call("getAsyncResult", jobId=job_id, pageIndex=4).body.asyncResult.searchResult
    assert beyond.status.statusDetail[0].code == "INVALID_PAGE_INDEX"


def test_job_ids_expire(s: Session) -> None:
    job_id = s.call("asyncDeleteList", baseRef=[s.ref("customer", "999999")]).body.asyncStatusResult.jobId
    wait_until_done(s, job_id)
    s.emulator.expire_async_jobs()
    for operation, kwargs in (("checkAsyncStatus", {}), ("getAsyncResult", {"pageIndex": 1})):
        with pytest.raises(zeep.exceptions.Fault) as expired:
            s.call(operation, jobId=job_id, **kwargs)
        element, code, message = fault_parts(expired.value, s.faults)
        assert (element, code) == ("asyncFault", "INVALID_JOB_ID")
        assert job_id in message
    s.emulator.configure(async_job_ttl=0.05)
    short_lived = s.call(
        "asyncDeleteList", baseRef=[s.ref("customer", "999999")]
    ).body.asyncStatusResult.jobId
    assert fault_parts(fault_within(s, short_lived, 10), s.faults)[1] == "INVALID_JOB_ID"


def test_jobs_over_netsuites_size_limits_are_refused(s: Session) -> None:
    with pytest.raises(zeep.exceptions.Fault) as refused:
        s.call("asyncUpsertList", record=customers(s, "L", 201))
    element, code, message = fault_parts(refused.value, s.faults)
    assert (element, code) == ("exceededRecordCountFault", "MAX_RCRDS_EXCEEDED")
    assert "200" in message
    # 400 is within asyncAddList's limit (twice addList's).
    job_id = s.call("asyncAddList", record=customers(s, "L", 400)).body.asyncStatusResult.jobId
    assert wait_until_done(s, job_id).status == "finished"


def test_zeep_requests_for_every_async_operation_are_valid_netsuite_requests(
    s: Session, netsuite_bundle: Path
) -> None:
    real = bundle_schema(netsuite_bundle)
    ref = s.ref("customer", "7")
    criteria = s.search_basic("CustomerSearchBasic", companyName=s.string_field("x"))
    for operation, kwargs in (
        ("asyncAddList", {"record": customers(s, "V", 1)}),
        ("asyncUpdateList", {"record": customers(s, "V", 1)}),
        ("asyncUpsertList", {"record": customers(s, "V", 1)}),
        ("asyncDeleteList", {"baseRef": [ref]}),
        ("asyncGetList", {"baseRef": [ref]}),
        ("asyncSearch", {"searchRecord": criteria}),
        ("checkAsyncStatus", {"jobId": "ASYNCWEBSERVICES_1234567_x"}),
        ("getAsyncResult", {"jobId": "ASYNCWEBSERVICES_1234567_x", "pageIndex": 1}),
    ):
        message = s.client.create_message(s.service, operation, **kwargs)
        assert_valid(real, body_payload(message))
        assert etree.QName(body_payload(message)).localname == operation
