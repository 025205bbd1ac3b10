"""Asynchronous jobs through the client, against the emulator over real HTTP (compact and full schema)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli_support import emulator_env, subprocess_env

from suitetalk import (
    AsyncJobError,
    AsyncJobExpiredError,
    AsyncJobNotCompleteError,
    AsyncJobTimeoutError,
    ClientConfig,
    RecordDataError,
    RetryPolicy,
    SearchResults,
)
from suitetalk.client import Client
from suitetalk.emulator import Emulator
from suitetalk.jobs import ASYNC_LIMITS

FAST_RETRY = RetryPolicy(initial_wait=0.001, max_wait=0.01)
POLL = 0.01


def make_client(emulator: Emulator) -> Client:
    config = ClientConfig(endpoint=emulator.base_url, version=emulator.version, retry=FAST_RETRY)
    return Client(emulator.credentials, config)


@pytest.fixture(scope="module", params=["compact", "full-2023_2"])
def emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    if request.param == "compact":
        settings: dict[str, object] = {}
    else:
        bundle: Path = request.getfixturevalue("netsuite_bundle")
        settings = {"schema_dir": bundle, "version": "2023_2"}
    with Emulator(**settings) as running:
        yield running


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> Iterator[Client]:
    with make_client(emulator) as bound:
        yield bound


@pytest.fixture
def job_settings_restored(emulator: Emulator) -> Iterator[None]:
    yield
    emulator.configure(async_delay=0, async_record_delay=0, async_page_size=1000)


def customers(tag: str, count: int) -> list[dict[str, str]]:
    return [{"externalId": f"{tag}-{n:04d}", "companyName": f"{tag} {n}"} for n in range(count)]


def test_netsuites_job_size_limits() -> None:
    assert dict(ASYNC_LIMITS) == {
        "asyncAddList": 400,
        "asyncDeleteList": 400,
        "asyncUpdateList": 200,
        "asyncUpsertList": 200,
        "asyncGetList": 2000,
    }


def test_upsert_job_split_by_the_limit_returns_results_in_input_order(
    client: Client, emulator: Emulator
) -> None:
    records = customers("AU", 450)
    job = client.async_upsert_list(records, record_type="customer")
    assert len(job.ids) == 3  # 200 + 200 + 50
    assert job.id == ",".join(job.ids)
    results = job.wait(timeout=120, poll=POLL)
    assert [r.external_id for r in results] == [r["externalId"] for r in records]
    assert all(r.success and r.internal_id for r in results)
    assert {r.operation for r in results} == {"asyncUpsertList"}
    assert client.get("customer", external_id="AU-0449").companyName == "AU 449"
    assert job.status().status == "finished"
    assert job.status().percent_completed == 100.0


def test_partial_failure_reports_each_record(client: Client) -> None:
    added = client.add_list(customers("AP", 2), record_type="customer")
    job = client.async_update_list(
        [
            {"internalId": added[0].internal_id, "companyName": "AP changed"},
            {"internalId": "999999", "companyName": "nobody"},
            {"internalId": added[1].internal_id, "companyName": "AP changed too"},
        ],
        record_type="customer",
    )
    results = job.wait(timeout=120, poll=POLL)
    assert [r.success for r in results] == [True, False, True]
    assert results[1].errors[0].code == "RCRD_DSNT_EXIST"
    assert job.status().status == "finishedWithErrors"
    assert client.get("customer", added[0].internal_id).companyName == "AP changed"


@pytest.mark.usefixtures("job_settings_restored")
def test_add_get_and_delete_jobs(client: Client, emulator: Emulator) -> None:
    emulator.configure(async_page_size=3)  # getAsyncResult is read page by page
    added = client.async_add_list(customers("AG", 7), record_type="customer").wait(timeout=120, poll=POLL)
    ids = [r.internal_id for r in added]
    assert all(r.success for r in added)
    read = client.async_get_list([*ids, "999999"], record_type="customer").wait(timeout=120, poll=POLL)
    assert [r.record.companyName for r in read[:7]] == [f"AG {n}" for n in range(7)]
    assert [r.ref.internal_id for r in read if r.ref] == [*ids, "999999"]
    assert not read[7].success
    assert read[7].errors[0].code == "RCRD_DSNT_EXIST"
    deleted = client.async_delete_list(ids[:3], record_type="customer").wait(timeout=120, poll=POLL)
    assert all(r.success for r in deleted)
    again = client.get_list(ids[:4], record_type="customer")
    assert [r.success for r in again] == [False, False, False, True]


def test_async_search_reads_every_page(client: Client) -> None:
    client.upsert_list(customers("AS", 23), record_type="customer")
    job = client.async_search("customer", {"companyName": ("startsWith", "AS ")}, page_size=10)
    results = job.wait(timeout=120, poll=POLL)
    assert isinstance(results, SearchResults)
    assert (results.total_records, results.total_pages) == (23, 3)
    assert sorted(r.companyName for r in results) == sorted(f"AS {n}" for n in range(23))


@pytest.mark.usefixtures("job_settings_restored")
def test_a_job_is_picked_up_by_its_id(client: Client, emulator: Emulator) -> None:
    emulator.configure(async_delay=3600)
    job = client.async_upsert_list(customers("AK", 250), record_type="customer")
    assert job.status().status == "pending"
    with pytest.raises(AsyncJobNotCompleteError) as early:
        job.results()
    assert early.value.job_id == job.ids[0]
    with pytest.raises(AsyncJobTimeoutError) as timed_out:
        job.wait(timeout=0.05, poll=POLL)
    assert timed_out.value.job_id == job.id
    emulator.configure(async_delay=0)
    picked = client.async_job(job.id)  # knows nothing but the id (another process: the next test)
    assert picked.operation is None
    results = picked.wait(timeout=120, poll=POLL)
    assert picked.operation == "asyncUpsertList"
    assert [r.external_id for r in results] == [f"AK-{n:04d}" for n in range(250)]
    mine = job.wait(timeout=120, poll=POLL)
    assert [(r.success, r.internal_id) for r in mine] == [(r.success, r.internal_id) for r in results]


def test_a_job_id_from_another_process(tmp_path: Path) -> None:
    with Emulator() as emulator, make_client(emulator) as client:
        job = client.async_add_list(customers("AX", 3), record_type="customer")
        done = _pick_up_in_a_new_interpreter(emulator, job.id, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["True AX-0000", "True AX-0001", "True AX-0002"]


def _pick_up_in_a_new_interpreter(
    emulator: Emulator, job_id: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    # A fresh interpreter, with nothing of this one but the job id: as a nightly job picked up by the next.
    script = (
        "import sys\n"
        "from suitetalk import Client\n"
        "with Client.from_profile() as client:\n"
        "    for r in client.async_job(sys.argv[1]).wait(timeout=120, poll=0.01):\n"
        "        print(r.success, r.external_id)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script, job_id],
        env=subprocess_env(emulator_env(emulator), tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_expired_and_malformed_job_ids(client: Client, emulator: Emulator) -> None:
    job = client.async_delete_list(["999999"], record_type="customer")
    job.wait(timeout=120, poll=POLL)
    emulator.expire_async_jobs()
    with pytest.raises(AsyncJobExpiredError) as expired:
        client.async_job(job.id).status()
    assert expired.value.job_id == job.id
    assert expired.value.code == "INVALID_JOB_ID"
    with pytest.raises(AsyncJobError):
        client.async_job("  ")
    with pytest.raises(AsyncJobError):
        client.async_job("A,,B")


def test_bad_input_is_refused_before_anything_is_sent(client: Client, emulator: Emulator) -> None:
    emulator.reset_stats()
    with pytest.raises(RecordDataError, match="external id"):
        client.async_upsert_list([{"companyName": "no external id"}], record_type="customer")
    with pytest.raises(RecordDataError, match="at least one record"):
        client.async_add_list([], record_type="customer")
    with pytest.raises(RecordDataError):
        client.async_add_list([{"companyName": "x"}])  # no record type
    assert emulator.stats.operations == {}
