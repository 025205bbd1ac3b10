"""The adaptive limiter configured above the account's real limit: how many requests get rejected?

One client configured for ``--concurrency`` requests at once (8) sends ``--records`` single upserts from as
many threads to an emulator whose limit is ``--limit`` (3), with ``--latency`` per request. Two runs, in
turns, on fresh emulators:

- baseline: the previous rule (cut by 0.8 on a rejection, grow by one after every 3 successes, up to the
  configured 8, whatever happened there before), reproduced below;
- candidate: the client's limiter as shipped (it remembers where rejections happened and probes there
  again only after a long, growing run of successes).

It reports the share of requests rejected over the whole run and after the first ``--warm-up`` records,
and the wall time of each.

    .venv/bin/python bench/bench_limiter_settle.py [--records 3000] [--latency 0.02] [--runs 2]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from suitetalk import Client, ClientConfig
from suitetalk.emulator import Emulator


class PreviousRule:
    """The rule before: AIMD towards the configured maximum, with no memory of where rejections were."""

    def __init__(self, limit: int) -> None:
        self.limit = self.max_limit = limit
        self._cond = threading.Condition()
        self._in_flight = self._successes = self._generation = 0

    @contextmanager
    def slot(self) -> Iterator[Any]:
        with self._cond:
            self._cond.wait_for(lambda: self._in_flight < self.limit)
            self._in_flight += 1
            generation = self._generation
        report = _Report(self, generation)
        try:
            yield report
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify()

    def success(self) -> None:
        with self._cond:
            self._successes += 1
            if self._successes >= 3 and self.limit < self.max_limit:
                self.limit += 1
                self._successes = 0
                self._cond.notify()

    def rejection(self, generation: int) -> None:
        with self._cond:
            self._successes = 0
            if generation == self._generation:
                self.limit = max(1, int(self.limit * 0.8))
                self._generation += 1


class _Report:
    def __init__(self, rule: PreviousRule, generation: int) -> None:
        self._rule, self._generation, self._done = rule, generation, False

    def succeeded(self) -> None:
        if not self._done:
            self._done = True
            self._rule.success()

    def rejected(self) -> None:
        if not self._done:
            self._done = True
            self._rule.rejection(self._generation)


def run(args: argparse.Namespace, *, previous: bool) -> dict[str, float]:
    with Emulator(concurrency_limit=args.limit, latency=args.latency) as emulator:
        config = ClientConfig(
            endpoint=emulator.base_url, version=emulator.version, concurrency=args.concurrency
        )
        with Client(emulator.credentials, config) as client:
            if previous:
                client.limiter = PreviousRule(args.concurrency)  # type: ignore[assignment]
            lock = threading.Lock()
            done = 0
            mark = (0, 0)

            def upsert(i: int) -> bool:
                nonlocal done, mark
                ok = client.upsert("customer", external_id=f"b{i}", companyName=f"B {i}").success
                with lock:
                    done += 1
                    if done == args.warm_up:
                        mark = (emulator.stats.requests, emulator.stats.rejected)
                return ok

            start = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                ok = sum(pool.map(upsert, range(args.records)))
            elapsed = time.perf_counter() - start
            stats = emulator.stats
            assert ok == args.records == emulator.store.count("customer"), "records lost"
    return {
        "time": elapsed,
        "share": stats.rejected / stats.requests,
        "settled": (stats.rejected - mark[1]) / (stats.requests - mark[0]),
        "rejected": stats.rejected,
        "requests": stats.requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--warm-up", type=int, default=500)
    parser.add_argument("--limit", type=int, default=3, help="the emulator's (the account's) limit")
    parser.add_argument("--concurrency", type=int, default=8, help="the client's configured limit")
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"previous rule": [], "shipped limiter": []}
    for i in range(args.runs):
        for previous in (True, False) if i % 2 == 0 else (False, True):
            name = "previous rule" if previous else "shipped limiter"
            results[name].append(run(args, previous=previous))
    print(
        f"{args.records} upserts, one per request, {args.concurrency} threads and configured limit, "
        f"emulator limit {args.limit}, latency {args.latency * 1000:.0f} ms, {args.runs} run(s) each:"
    )
    for name, runs in results.items():
        for r in runs:
            print(
                f"  {name:16} rejected {r['rejected']:5.0f} of {r['requests']:5.0f} requests "
                f"({r['share']:6.2%}), after {args.warm_up} records {r['settled']:6.2%}; {r['time']:6.2f} s"
            )
    ideal = args.records * args.latency / args.limit
    print(f"  ideal time at the emulator's limit: {ideal:.2f} s")


if __name__ == "__main__":
    main()
