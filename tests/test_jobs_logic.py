"""The job handle's own logic, with a scripted stand-in for NetSuite: split jobs whose parts end differently.

What NetSuite answers is covered against the emulator (test_client_async.py); here the cases the emulator
cannot be made to produce on purpose: a part whose submission fails, a job NetSuite reports as failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest

from suitetalk import ServiceUnavailableError
from suitetalk.jobs import AsyncJob, JobStatus, pick_up, submit
from suitetalk.transport import Reply


def status(job_id: str, state: str, percent: float = 0.0) -> Reply:
    result = SimpleNamespace(jobId=job_id, status=state, percentCompleted=percent, estRemainingDuration=1.0)
    return Reply(SimpleNamespace(asyncStatusResult=result), "ns-1")


def written(*internal_ids: str) -> Reply:
    responses = [
        {"status": {"isSuccess": True, "statusDetail": []}, "baseRef": {"internalId": i, "type": "customer"}}
        for i in internal_ids
    ]
    listing = {"status": {"isSuccess": True, "statusDetail": []}, "writeResponse": responses}
    return Reply(SimpleNamespace(asyncResult=SimpleNamespace(writeResponseList=listing)), "ns-2")


class NetSuite:
    """Answers each operation from a script: job id -> status, job id -> result pages."""

    def __init__(self, statuses: Mapping[str, str], results: Mapping[str, list[Reply]]) -> None:
        self.statuses = dict(statuses)
        self.results = {k: list(v) for k, v in results.items()}
        self.submitted = 0
        self.refuse: set[int] = set()

    def __call__(self, operation: str, body: Mapping[str, Any], **_: Any) -> Reply:
        if operation == "checkAsyncStatus":
            job_id = body["jobId"]
            state = self.statuses[job_id]
            return status(job_id, state, 100.0 if state.startswith("finished") or state == "failed" else 50.0)
        if operation == "getAsyncResult":
            pages = self.results[body["jobId"]]
            index = body["pageIndex"]
            if index > len(pages):
                listing = {"status": {"isSuccess": False, "statusDetail": [{"code": "INVALID_PAGE_INDEX"}]}}
                return Reply(SimpleNamespace(asyncResult=SimpleNamespace(writeResponseList=listing)), None)
            return pages[index - 1]
        self.submitted += 1
        if self.submitted in self.refuse:
            raise ServiceUnavailableError("HTTP 503", operation=operation)
        return status(f"JOB{self.submitted}", "pending")


def records(count: int) -> list[Any]:
    return [SimpleNamespace(externalId=f"E{n}", internalId=None) for n in range(count)]


def submit_upserts(netsuite: NetSuite, count: int) -> AsyncJob[Any]:
    return submit(
        netsuite,
        "asyncUpsertList",
        records(count),
        body_name="record",
        safe=lambda chunk: True,
        label=lambda record: str(record.externalId),
        sleep=lambda seconds: None,
    )


def test_a_part_that_could_not_be_submitted_fails_its_records_only() -> None:
    netsuite = NetSuite({"JOB1": "finished", "JOB3": "finished"}, {"JOB1": [written(*map(str, range(200)))]})
    netsuite.results["JOB3"] = [written("x")]
    netsuite.refuse = {2}
    job = submit_upserts(netsuite, 401)
    assert job.ids == ("JOB1", "JOB3")
    assert [type(e) for e in job.failed_submissions] == [ServiceUnavailableError]
    current = job.status()
    assert (current.status, current.job_id) == ("finishedWithErrors", "JOB1,JOB3")
    results = job.wait(timeout=1, poll=0.01)
    assert len(results) == 401
    assert all(r.success for r in results[:200])
    assert not any(r.success for r in results[200:400])
    assert all(isinstance(r.error, ServiceUnavailableError) for r in results[200:400])
    assert results[400].success


def test_records_a_failed_job_never_reported_have_an_unknown_outcome() -> None:
    netsuite = NetSuite({"JOB1": "failed"}, {"JOB1": [written("1", "2")]})
    results = submit_upserts(netsuite, 5).wait(timeout=1, poll=0.01)
    assert [r.success for r in results] == [True, True, False, False, False]
    assert [r.outcome_unknown for r in results] == [False, False, True, True, True]


def test_records_a_finished_job_gave_no_result_for_are_failures() -> None:
    netsuite = NetSuite({"JOB1": "finished"}, {"JOB1": [written("1")]})
    results = submit_upserts(netsuite, 2).wait(timeout=1, poll=0.01)
    assert results[1].success is False
    assert results[1].outcome_unknown is False
    assert "no result" in (results[1].details[0].message or "")


def test_the_status_of_several_jobs_is_the_least_advanced() -> None:
    netsuite = NetSuite({"JOB1": "finished", "JOB2": "pending", "JOB3": "processing"}, {})
    job = submit_upserts(netsuite, 450)
    current = job.status()
    assert current.status == "processing"
    assert current.percent_completed == pytest.approx((100 + 50 + 50) / 3)
    assert not current.done
    netsuite.statuses.update(JOB2="finished", JOB3="failed")
    assert job.status().status == "finishedWithErrors"
    assert JobStatus("J", "finished", 100, 0).done


def test_nothing_submitted_raises_the_error_itself() -> None:
    netsuite = NetSuite({}, {})
    netsuite.refuse = {1}
    with pytest.raises(ServiceUnavailableError):
        submit_upserts(netsuite, 3)


def test_a_job_picked_up_by_id_reads_pages_until_netsuite_has_no_more() -> None:
    netsuite = NetSuite({"JOB9": "finished"}, {"JOB9": [written("1", "2"), written("3", "4")]})
    job = pick_up(netsuite, "JOB9", sleep=lambda seconds: None)
    assert [r.internal_id for r in job.wait(timeout=1, poll=0.01)] == ["1", "2", "3", "4"]
