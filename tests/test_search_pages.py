"""Iterating a search through the client, against the emulator: restarts, and pages fetched ahead."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator

import pytest

from suitetalk import ClientConfig, InputError, RetryPolicy, SearchExpiredError, SearchPreferences
from suitetalk.client import Client
from suitetalk.emulator import Emulator
from suitetalk.search import SearchPage

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


# -- pages fetched ahead -----------------------------------------------------------------------------------

SMALL_PAGES = 5  # 6 pages of the 30 records
PREFETCH_THREADS = "suitetalk-search-pages"


class PageTap:
    """Wraps the client's page fetch (which still goes to the emulator) to see what is fetched and alive."""

    def __init__(self, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
        self._fetch = client._search_more
        self._changed = threading.Condition()
        self.started: list[int] = []
        self.finished: list[int] = []
        self._alive: list[weakref.ref[SearchPage]] = []
        self.gates: dict[int, threading.Event] = {}
        monkeypatch.setattr(client, "_search_more", self._tapped)

    def _tapped(
        self, search_id: str, page_index: int, prefs: SearchPreferences, *, plain: bool = False
    ) -> SearchPage:
        with self._changed:
            self.started.append(page_index)
        gate = self.gates.get(page_index)
        if gate is not None:
            assert gate.wait(10), f"page {page_index} was held back too long"
        page = self._fetch(search_id, page_index, prefs, plain=plain)
        with self._changed:
            self.finished.append(page_index)
            self._alive.append(weakref.ref(page))
            self._changed.notify_all()
        return page

    def wait_finished(self, count: int) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.finished) >= count, timeout=10)

    @property
    def alive(self) -> int:
        """Pages fetched by searchMoreWithId that are still in memory."""
        return sum(1 for ref in self._alive if ref() is not None)


def _prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(PREFETCH_THREADS)]


def test_pages_fetched_ahead_come_in_order_even_when_they_finish_out_of_order(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    tap = PageTap(client, monkeypatch)
    # Page 2 is answered only after page 3 has been: a fetcher that delivered in finishing order fails.
    tap.gates[2] = threading.Event()
    search = client.search("customer", WHERE, page_size=SMALL_PAGES, prefetch=3)
    pages = search.pages()
    assert next(pages).page_index == 1
    assert tap.wait_finished(2)  # pages 3 and 4, fetched ahead while page 2 is held back
    assert 2 not in tap.finished
    tap.gates[2].set()
    rest = list(pages)
    assert [p.page_index for p in rest] == [2, 3, 4, 5, 6]
    assert tap.finished.index(2) > tap.finished.index(3)
    sequential = _names(client.search("customer", WHERE, page_size=SMALL_PAGES, prefetch=0))
    ahead = _names(client.search("customer", WHERE, page_size=SMALL_PAGES, prefetch=3))
    assert ahead == sequential
    assert len(ahead) == RECORDS
    assert _prefetch_threads() == []


def test_at_most_k_plus_one_pages_are_in_memory(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    tap = PageTap(client, monkeypatch)
    k = 2
    most_alive = 0
    for page in client.search("customer", WHERE, page_size=SMALL_PAGES, prefetch=k).pages():
        if page.page_index == 1:
            continue
        # Let every fetch allowed ahead of this page finish, then count what is in memory.
        assert tap.wait_finished(min(page.page_index - 1 + k, 5))
        most_alive = max(most_alive, tap.alive)
        assert tap.alive <= k + 1
    assert most_alive == k + 1  # pages really were held ahead, and no more than K of them
    assert sorted(tap.started) == [2, 3, 4, 5, 6]


def _stopped_early_sends_nothing_more(emulator: Emulator, delivered: int, k: int) -> None:
    assert _prefetch_threads() == []
    sent = emulator.stats.requests
    # At most the K pages ahead of the last one delivered were requested.
    assert emulator.stats.operations.get("searchMoreWithId", 0) <= delivered - 1 + k
    assert not emulator.wait_for(lambda e: e.stats.requests > sent, timeout=0.3)


def test_breaking_out_cancels_what_is_pending(client: Client, emulator: Emulator) -> None:
    emulator.configure(latency=0.05)
    k = 2
    for page in client.search("customer", WHERE, page_size=SMALL_PAGES, prefetch=k).pages():
        if page.page_index == 2:
            break
    _stopped_early_sends_nothing_more(emulator, 2, k)


def test_an_exception_in_the_loop_body_cancels_what_is_pending(client: Client, emulator: Emulator) -> None:
    emulator.configure(latency=0.05)
    k = 2

    def sync(records: Iterator[object]) -> None:
        for seen, _record in enumerate(records, 1):
            if seen == 7:  # the second record of page 2
                raise KeyError("the caller's own failure")

    with pytest.raises(KeyError):
        sync(iter(client.search("customer", WHERE, page_size=SMALL_PAGES, prefetch=k)))
    _stopped_early_sends_nothing_more(emulator, 2, k)


def test_closing_the_iterator_cancels_what_is_pending(client: Client, emulator: Emulator) -> None:
    emulator.configure(latency=0.05)
    pages = client.search("customer", WHERE, page_size=SMALL_PAGES, prefetch=3).pages()
    assert [next(pages).page_index for _ in range(2)] == [1, 2]
    pages.close()
    _stopped_early_sends_nothing_more(emulator, 2, 3)


def test_a_failing_page_raises_at_its_position_after_the_pages_before_it(
    client: Client, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    tap = PageTap(client, monkeypatch)
    pages = client.search("customer", WHERE, page_size=SMALL_PAGES, prefetch=2).pages()
    delivered = [next(pages).page_index for _ in range(3)]
    # Pages 4 and 5 are fetched ahead while the caller holds page 3; then the search id expires.
    assert tap.wait_finished(4)
    emulator.expire_searches()
    delivered += [next(pages).page_index for _ in range(2)]
    assert delivered == [1, 2, 3, 4, 5]
    with pytest.raises(SearchExpiredError, match="run the search again"):
        next(pages)
    assert _prefetch_threads() == []


def test_resuming_with_prefetch_fetches_exactly_the_remaining_pages(
    client: Client, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = client.search("customer", WHERE, page_size=SMALL_PAGES, prefetch=3)
    everything = _names(first)
    tap = PageTap(client, monkeypatch)
    emulator.reset_stats()
    resumed = client.search("customer", WHERE, page_size=SMALL_PAGES, start_page=4, prefetch=3)
    assert [p.page_index for p in resumed.pages()] == [4, 5, 6]
    by_id = client.search(
        "customer", search_id=first.search_id, page_size=SMALL_PAGES, start_page=3, prefetch=3
    )
    assert _names(by_id) == everything[10:]
    assert emulator.stats.operations.get("search") == 1  # only the resumption without a search id
    assert sorted(tap.started) == [3, 4, 4, 5, 5, 6, 6]  # 4-6 twice; 3 once, as the head by id


def test_prefetch_setting_default_and_bad_values(emulator: Emulator, client: Client) -> None:
    assert client._default_prefetch() == 5  # the configured concurrency limit
    config = client.config.model_copy(update={"search_prefetch": 0})
    with Client(emulator.credentials, config) as quiet:
        assert quiet._default_prefetch() == 0
    with pytest.raises(InputError, match="from 0 \\(off\\) to 100; got -1"):
        client.search("customer", WHERE, prefetch=-1)
    with pytest.raises(ValueError, match="search_prefetch"):
        ClientConfig(search_prefetch=-1)
