"""Iterating a search through the client, against the emulator: every iteration from the first page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from suitetalk import ClientConfig, RetryPolicy, SearchExpiredError
from suitetalk.client import Client
from suitetalk.emulator import Emulator

PREFIX = "Pages "
RECORDS = 30
PAGE_SIZE = 10
WHERE = {"companyName": ("startsWith", PREFIX)}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> Iterator[Client]:
    config = ClientConfig(
        endpoint=emulator.base_url,
        version=emulator.version,
        concurrency=5,
        retry=RetryPolicy(initial_wait=0.001, max_wait=0.01),
    )
    with Client(emulator.credentials, config) as bound:
        results = bound.upsert_list(
            bound.record("customer", companyName=f"{PREFIX}{i:03d}", external_id=f"PG-{i}")
            for i in range(RECORDS)
        )
        assert all(r.success for r in results)
        yield bound


@pytest.fixture(autouse=True)
def _clean_stats(emulator: Emulator) -> None:
    emulator.configure(latency=0.0, latency_jitter=0.0)
    emulator.reset_stats()


def _names(records: object) -> list[str]:
    return [record.companyName for record in records]  # type: ignore[attr-defined]


def test_iterating_the_same_search_twice_gives_every_record_both_times(
    client: Client, emulator: Emulator
) -> None:
    search = client.search("customer", WHERE, page_size=PAGE_SIZE)
    first = _names(search)
    second = _names(search)
    assert len(first) == RECORDS
    assert second == first
    assert [p.page_index for p in search.pages()] == [1, 2, 3]
    assert [len(p.records) for p in search.pages()] == [10, 10, 10]
    # The search ran once; later iterations re-used its id for their first page.
    assert emulator.stats.operations.get("search") == 1
    assert search.total_records == RECORDS


def test_iterating_again_after_the_search_id_expired_runs_the_search_again(
    client: Client, emulator: Emulator
) -> None:
    search = client.search("customer", WHERE, page_size=PAGE_SIZE)
    assert len(_names(search)) == RECORDS
    old_id = search.search_id
    emulator.expire_searches()
    assert len(_names(search)) == RECORDS
    assert emulator.stats.operations.get("search") == 2
    assert search.search_id != old_id


def test_a_resumed_search_restarts_from_its_start_page_every_time(client: Client) -> None:
    search = client.search("customer", WHERE, page_size=PAGE_SIZE, start_page=2)
    assert [p.page_index for p in search.pages()] == [2, 3]
    assert [p.page_index for p in search.pages()] == [2, 3]
    assert len(_names(search)) == 20

    by_id = client.search("customer", WHERE, page_size=PAGE_SIZE, search_id=search.search_id, start_page=3)
    assert [p.page_index for p in by_id.pages()] == [3]
    assert [p.page_index for p in by_id.pages()] == [3]


def test_a_search_known_only_by_an_expired_id_says_so_instead_of_skipping(
    client: Client, emulator: Emulator
) -> None:
    search_id = client.search("customer", WHERE, page_size=PAGE_SIZE).search_id
    by_id = client.search("customer", search_id=search_id, page_size=PAGE_SIZE)
    assert len(_names(by_id)) == RECORDS
    emulator.expire_searches()
    with pytest.raises(SearchExpiredError, match="run the search again"):
        list(by_id)


def test_a_start_page_past_the_end_yields_nothing_on_every_iteration(client: Client) -> None:
    search = client.search("customer", WHERE, page_size=PAGE_SIZE, start_page=7)
    assert list(search.pages()) == []
    assert list(search.pages()) == []
    assert search.total_pages == 3
