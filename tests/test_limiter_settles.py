"""The adaptive limiter settles under a limit lower than its own: it remembers where NetSuite said no.

First against a fake account (a deterministic model of NetSuite's admission: requests beyond its capacity
are refused), where every step is reproducible; then against the emulator over real HTTP.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager

from suitetalk import Client, ClientConfig
from suitetalk.emulator import Emulator
from suitetalk.limiter import AdaptiveLimiter, AdaptivePolicy, AdaptiveState, Slot


def the_clients_limiter(**tuning: int) -> AdaptiveLimiter:
    """A limiter tuned as the client tunes its own, configured for 8 requests at once."""
    return AdaptiveLimiter(8, decrease_factor=0.8, increase_after=3, **tuning)


class FakeAccount:
    """NetSuite's side of the limit: requests beyond ``capacity`` executing at once are refused.

    The client sends while its limiter gives slots; requests finish in the order they started. ``lucky``
    is the chance that a request over the capacity gets in anyway (one finishing at NetSuite while its
    answer is still on the way), which makes a probe look as if it held.
    """

    def __init__(self, limiter: AdaptiveLimiter, *, lucky: float = 0.0, seed: int = 0) -> None:
        self.limiter = limiter
        self.lucky = lucky
        self.rng = random.Random(seed)
        self.executing: deque[tuple[AbstractContextManager[Slot], Slot]] = deque()
        self.outcomes: list[bool] = []  # one per request sent: True when served, False when rejected
        self.limits: list[int] = []  # the limiter's limit after each request

    def run(self, requests: int, capacity: int | Callable[[int], int]) -> None:
        def capacity_now() -> int:
            return capacity(len(self.outcomes)) if callable(capacity) else capacity

        target = len(self.outcomes) + requests
        while len(self.outcomes) < target:
            while self.limiter.in_flight < self.limiter.limit and len(self.outcomes) < target:
                gate = self.limiter.slot()
                slot = gate.__enter__()
                if len(self.executing) >= capacity_now() and self.rng.random() >= self.lucky:
                    gate.__exit__(None, None, None)
                    slot.rejected()
                    self._count(served=False)
                else:
                    self.executing.append((gate, slot))
            if self.executing:
                gate, slot = self.executing.popleft()
                gate.__exit__(None, None, None)
                slot.succeeded()
                self._count(served=True)
        while self.executing:
            gate, slot = self.executing.popleft()
            gate.__exit__(None, None, None)
            slot.succeeded()

    def _count(self, *, served: bool) -> None:
        self.outcomes.append(served)
        self.limits.append(self.limiter.limit)

    def rejected_share(self, start: int, end: int | None = None) -> float:
        window = self.outcomes[start:end]
        return window.count(False) / len(window)


def test_under_a_lower_limit_it_settles_at_that_limit_with_rare_rejections() -> None:
    account = FakeAccount(the_clients_limiter())
    account.run(6000, capacity=3)
    # The old rule (grow after every 3 successes, whatever happened there before) kept 8-13% rejected.
    assert account.rejected_share(0, 1000) < 0.03  # finding the limit costs a handful
    assert account.rejected_share(1000) < 0.002  # then one probe per 1024 successes at most
    assert account.limiter.ceiling == 4
    assert account.limiter.probe_after == 1024
    # It runs at the real limit, not under it: the time spent below 3 is the learning at the start.
    assert account.limits[1000:].count(3) / len(account.limits[1000:]) > 0.99


def test_probes_that_hold_by_luck_do_not_undo_the_settling() -> None:
    account = FakeAccount(the_clients_limiter(), lucky=0.6, seed=7)
    account.run(8000, capacity=3)
    assert account.rejected_share(2000) < 0.01


def test_capacity_freed_by_others_is_found_again_one_level_per_probe() -> None:
    account = FakeAccount(the_clients_limiter())
    account.run(4000, capacity=3)
    assert account.limiter.limit == 3
    account.run(6000, capacity=6)
    assert account.limiter.limit == 6  # each probe that held raised the ceiling by one
    assert account.rejected_share(4000) < 0.01


def test_capacity_taken_by_others_lowers_the_ceiling_at_once() -> None:
    account = FakeAccount(the_clients_limiter())
    account.run(3000, capacity=6)
    assert account.limiter.limit == 6
    account.run(3000, capacity=2)
    assert account.limiter.limit <= 3
    assert account.limiter.ceiling is not None
    assert account.limiter.ceiling <= 3
    assert account.rejected_share(3100) < 0.01


def test_a_failed_probe_doubles_the_wait_up_to_the_cap() -> None:
    policy = AdaptivePolicy(decrease_factor=0.8, increase_after=1, probe_after=2, max_probe_after=8)
    state = policy.new_state(4)
    policy.on_rejection(state, state.generation)
    assert (state.limit, state.ceiling, state.probe_after) == (3, 4, 2)
    waits = []
    for _ in range(4):
        successes = 0
        while state.limit < 4:
            policy.on_success(state, state.generation, level=3)
            successes += 1
        waits.append(successes)
        policy.on_rejection(state, state.generation)  # the probe fails
        assert (state.limit, state.ceiling) == (3, 4)
    assert waits == [2, 4, 8, 8]


def test_a_probe_holds_only_when_the_ceiling_was_really_filled() -> None:
    policy = AdaptivePolicy(decrease_factor=0.5, increase_after=2, probe_after=1, max_probe_after=4)
    state = policy.new_state(6)
    policy.on_rejection(state, state.generation)
    assert (state.limit, state.ceiling) == (3, 6)
    while state.limit < 6:
        policy.on_success(state, state.generation, level=1)
    # Successes of requests that never filled the six slots prove nothing about six.
    for _ in range(50):
        policy.on_success(state, state.generation, level=5)
    assert state.ceiling == 6
    # Twelve served with six in flight (twice max(increase_after, ceiling)): six is fine after all.
    for _ in range(12):
        policy.on_success(state, state.generation, level=6)
    assert state.ceiling is None  # six is the maximum: nothing above it to remember
    assert state.limit == 6


def test_a_new_known_limit_forgets_what_was_learnt() -> None:
    limiter = the_clients_limiter(probe_after=4)
    with limiter.slot() as slot:
        slot.rejected()
    assert limiter.ceiling == 8
    limiter.limit = 10
    assert (limiter.limit, limiter.max_limit, limiter.ceiling, limiter.probe_after) == (10, 10, None, 4)


def test_the_state_travels_as_plain_integers() -> None:
    policy = AdaptivePolicy(decrease_factor=0.8, increase_after=3)
    state = policy.new_state(8)
    policy.on_rejection(state, state.generation)
    mapping = state.to_mapping()
    assert all(isinstance(value, int) for value in mapping.values())
    assert AdaptiveState.from_mapping(mapping) == state


# -- against the emulator --------------------------------------------------------------------------------


def test_against_the_emulator_rejections_stay_under_one_percent_once_settled() -> None:
    total, warm_up = 1600, 600
    with Emulator(concurrency_limit=3, latency=0.002) as emulator:
        config = ClientConfig(endpoint=emulator.base_url, version=emulator.version, concurrency=8)
        with Client(emulator.credentials, config) as client:
            lock = threading.Lock()
            done = 0
            at_warm_up: tuple[int, int] = (0, 0)

            def upsert(i: int) -> bool:
                nonlocal done, at_warm_up
                result = client.upsert("customer", external_id=f"settle-{i}", companyName=f"Settle {i}")
                with lock:
                    done += 1
                    if done == warm_up:
                        stats = emulator.stats
                        at_warm_up = (stats.requests, stats.rejected)
                return result.success

            with ThreadPoolExecutor(8) as pool:
                outcomes = list(pool.map(upsert, range(total)))
            stats = emulator.stats
            stored = emulator.store.count("customer")
            reported_rejections = client.limiter.rejections
    assert all(outcomes)
    assert stored == total
    assert reported_rejections == stats.rejected  # every rejection reached the limiter
    requests = stats.requests - at_warm_up[0]
    rejected = stats.rejected - at_warm_up[1]
    # The snapshot at warm-up already counts the requests then in flight (at most one per thread).
    assert requests >= total - warm_up - 8
    assert rejected / requests < 0.01, (rejected, requests)
