"""The adaptive limiter: never more in flight than the limit, AIMD, runtime changes, no deadlock."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suitetalk.limiter import AdaptiveLimiter, Slot

TIMEOUT = 10.0


@contextmanager
def running(threads: list[threading.Thread]) -> Iterator[list[threading.Thread]]:
    """Start threads and make sure none is left behind, even when the test fails."""
    for t in threads:
        t.daemon = True
        t.start()
    try:
        yield threads
    finally:
        deadline = time.monotonic() + TIMEOUT
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"


def holder(
    limiter: AdaptiveLimiter, release: threading.Event, entered: list[int] | None = None
) -> Callable[[], None]:
    def run() -> None:
        with limiter.slot():
            if entered is not None:
                entered.append(1)
            assert release.wait(TIMEOUT)

    return run


def test_sixteen_threads_pushing_at_a_limit_of_four_never_get_more_than_four_in() -> None:
    limit, threads = 4, 16
    limiter = AdaptiveLimiter(limit)
    cond = threading.Condition()
    state = {"inside": 0, "peak": 0, "tokens": 0, "stop": False, "rounds": 0}

    def worker() -> None:
        while True:
            with limiter.slot(), cond:
                state["inside"] += 1
                state["peak"] = max(state["peak"], state["inside"])
                cond.notify_all()
                # Stay in until the main thread hands out a token, so the gate stays full and pushed on.
                cond.wait_for(lambda: state["tokens"] > 0 or state["stop"], TIMEOUT)
                state["inside"] -= 1
                if state["stop"]:
                    return
                state["tokens"] -= 1
                state["rounds"] += 1
                cond.notify_all()

    def refilled() -> bool:
        return state["tokens"] == 0 and state["inside"] == limit

    batches = random.Random(4).choices(range(1, limit + 1), k=60)
    with running([threading.Thread(target=worker) for _ in range(threads)]):
        try:
            # Every thread inside or blocked at the gate: four in, twelve pushing.
            assert limiter.wait_until(
                lambda lim: (lim.in_flight, lim.waiting) == (limit, threads - limit), TIMEOUT
            )
            for batch in batches:
                with cond:
                    state["tokens"] += batch
                    cond.notify_all()
                    # The leavers' slots go to threads that were waiting: the gate fills again, never more.
                    assert cond.wait_for(refilled, TIMEOUT), (state, limiter)
        finally:
            with cond:
                state["stop"] = True
                cond.notify_all()
    assert state["rounds"] == sum(batches)
    assert state["peak"] == limit
    assert limiter.peak_in_flight == limit
    assert (limiter.in_flight, limiter.waiting) == (0, 0)


def test_sixteen_free_running_threads_stay_under_the_limit() -> None:
    limiter = AdaptiveLimiter(4)
    lock = threading.Lock()
    state = {"inside": 0, "peak": 0, "done": 0}

    def worker() -> None:
        for _ in range(200):
            with limiter.slot():
                with lock:
                    state["inside"] += 1
                    state["peak"] = max(state["peak"], state["inside"])
                with lock:
                    state["inside"] -= 1
                    state["done"] += 1

    with running([threading.Thread(target=worker) for _ in range(16)]):
        pass
    assert state["done"] == 16 * 200
    assert 1 <= state["peak"] <= 4
    assert limiter.peak_in_flight <= 4


def test_a_rejection_halves_the_limit_once_per_generation_and_never_below_one() -> None:
    limiter = AdaptiveLimiter(8)
    with limiter.slot() as first, limiter.slot() as second:
        first.rejected()
        assert limiter.limit == 4
        # Sent under the same limit as the first: the same congestion signal, not a second one.
        second.rejected()
        assert limiter.limit == 4
    assert limiter.rejections == 2
    expected = [2, 1, 1]
    for value in expected:
        with limiter.slot() as slot:
            slot.rejected()
        assert limiter.limit == value
    assert limiter.max_limit == 8


def test_successes_grow_the_limit_back_to_one_below_the_rejected_level_then_probe_it() -> None:
    limiter = AdaptiveLimiter(4, increase_after=3, probe_after=5)
    with limiter.slot() as slot:
        slot.rejected()
    assert (limiter.limit, limiter.ceiling) == (2, 4)
    seen = []
    for _ in range(12):
        with limiter.slot() as slot:
            slot.succeeded()
        seen.append(limiter.limit)
    # Up by one every 3 successes to 3, one below the level NetSuite rejected; the level itself only after
    # probe_after (5) more, and it stays there while nothing proves or disproves it.
    assert seen == [2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4]


def test_a_rejection_resets_the_run_of_successes() -> None:
    limiter = AdaptiveLimiter(4, increase_after=3)
    with limiter.slot() as slot:
        slot.rejected()
    for _ in range(2):
        with limiter.slot() as slot:
            slot.succeeded()
    with limiter.slot() as slot:
        slot.rejected()
    assert limiter.limit == 1
    for _ in range(2):
        with limiter.slot() as slot:
            slot.succeeded()
    assert limiter.limit == 1


def test_only_the_first_report_of_a_slot_counts() -> None:
    limiter = AdaptiveLimiter(8, increase_after=1)
    with limiter.slot() as slot:
        slot.rejected()
        slot.succeeded()
        slot.rejected()
    assert limiter.limit == 4
    assert limiter.rejections == 1


def test_raising_the_limit_at_runtime_wakes_the_waiters() -> None:
    limiter = AdaptiveLimiter(1)
    release = threading.Event()
    entered: list[int] = []
    with limiter.slot():
        threads = [threading.Thread(target=holder(limiter, release, entered)) for _ in range(3)]
        with running(threads):
            assert limiter.wait_until(lambda lim: lim.waiting == 3, TIMEOUT)
            assert entered == []
            limiter.limit = 4
            assert limiter.wait_until(lambda lim: lim.in_flight == 4, TIMEOUT)
            assert len(entered) == 3
            assert (limiter.limit, limiter.max_limit) == (4, 4)
            release.set()
    assert limiter.in_flight == 0


def test_growth_after_successes_admits_a_waiter() -> None:
    limiter = AdaptiveLimiter(2, increase_after=1, probe_after=1)
    with limiter.slot() as slot:
        slot.rejected()
    assert limiter.limit == 1
    release = threading.Event()
    with limiter.slot() as slot, running([threading.Thread(target=holder(limiter, release))]):
        assert limiter.wait_until(lambda lim: lim.waiting == 1, TIMEOUT)
        slot.succeeded()  # limit back to 2 while this slot is still held: the waiter gets the new one
        assert limiter.wait_until(lambda lim: lim.in_flight == 2, TIMEOUT)
        release.set()


def test_lowering_the_limit_while_slots_are_held_does_not_deadlock() -> None:
    limiter = AdaptiveLimiter(4)
    release_holders = threading.Event()
    holders = [threading.Thread(target=holder(limiter, release_holders)) for _ in range(4)]
    seen_in_flight: list[int] = []

    def waiter() -> None:
        with limiter.slot():
            seen_in_flight.append(limiter.in_flight)

    with running(holders):
        assert limiter.wait_until(lambda lim: lim.in_flight == 4, TIMEOUT)
        waiters = [threading.Thread(target=waiter) for _ in range(6)]
        with running(waiters):
            assert limiter.wait_until(lambda lim: lim.waiting == 6, TIMEOUT)
            limiter.limit = 1
            assert limiter.in_flight == 4  # held slots are not taken away
            release_holders.set()
            assert limiter.wait_until(lambda lim: lim.in_flight == 0 and lim.waiting == 0, TIMEOUT)
    # Every waiter ran, and each alone: none got in while the surplus of held slots drained.
    assert seen_in_flight == [1] * 6


def test_wait_until_times_out_with_false() -> None:
    limiter = AdaptiveLimiter(2)
    assert limiter.wait_until(lambda lim: lim.in_flight == 1, 0.01) is False


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "3"])
def test_a_limit_must_be_a_whole_number_of_at_least_one(bad: object) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        AdaptiveLimiter(bad)  # type: ignore[arg-type]
    limiter = AdaptiveLimiter(3)
    with pytest.raises(ValueError, match="at least 1"):
        limiter.limit = bad  # type: ignore[assignment]
    assert limiter.limit == 3


@pytest.mark.parametrize(
    "kwargs",
    [
        {"decrease_factor": 0.0},
        {"decrease_factor": 1.0},
        {"increase_after": 0},
        {"probe_after": 0},
        {"probe_after": 8, "max_probe_after": 4},
    ],
)
def test_bad_tuning_is_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        AdaptiveLimiter(4, **kwargs)  # type: ignore[arg-type]


@given(
    start=st.integers(1, 50),
    events=st.lists(
        st.one_of(st.sampled_from(["ok", "full", "reject", "stale"]), st.integers(1, 50)), max_size=120
    ),
)
def test_the_limit_stays_between_one_and_the_maximum_and_below_the_ceiling(
    start: int, events: list[object]
) -> None:
    limiter = AdaptiveLimiter(start, increase_after=2, probe_after=3, max_probe_after=12)
    for event in events:
        before, ceiling, probing = limiter.limit, limiter.ceiling, limiter.limit == limiter.ceiling
        if event in ("ok", "full"):
            with limiter.slot() as slot:
                if event == "full":
                    slot.level = limiter.limit  # as if the slot had filled the limit
                slot.succeeded()
            assert limiter.limit in (before, before + 1)
            if limiter.limit > before and ceiling is not None:
                assert limiter.limit <= ceiling  # growth never passes a remembered ceiling
        elif event == "reject":
            with limiter.slot() as slot:
                slot.rejected()
            assert limiter.limit < before or before == 1
            if probing:
                assert limiter.limit == max(1, before - 1)
            assert limiter.ceiling is not None
        elif event == "stale":
            Slot(limiter, generation=-1).rejected()  # a late report from a request sent under an older limit
            assert limiter.limit == before
        else:
            assert isinstance(event, int)
            limiter.limit = event
            assert limiter.limit == limiter.max_limit == event
            assert limiter.ceiling is None
        assert 1 <= limiter.limit <= limiter.max_limit
        assert limiter.ceiling is None or limiter.limit <= limiter.ceiling
        assert 3 <= limiter.probe_after <= 12
    assert limiter.in_flight == 0
