"""Many worker processes, one account: rejections and time with and without the shared (Redis) limiter.

An emulator with a concurrency limit (``--limit``, 5) and a latency per request (``--latency``, 100 ms)
runs in this process; a ``redis-server`` is started on a free loopback port. For 1, 2, 4 and 8 worker
processes, each with a client of its own, every worker runs ``upsert_list`` of ``--records`` (2,000)
customers of its own (20 requests of 100), all starting at once (a barrier). Two configurations, in
turns, on a fresh emulator each:

- baseline: each process limits its own threads (``limiter_url`` unset), as before;
- candidate: every process shares one budget through Redis (``limiter_url=redis://...``).

Reported per run: requests the emulator received, those it rejected for concurrency, whether every record
was reported written and stored once, and the wall time from the barrier to the last worker's end against
the ideal (requests x latency / limit).

    .venv/bin/python bench/bench_limiter_shared.py [--processes 1 2 4 8] [--records 2000] [--runs 1]
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import socket
import subprocess
import time
from typing import Any

from suitetalk.emulator import Emulator


def worker(job: dict[str, Any], ready: Any, start: Any, results: Any) -> None:
    from suitetalk import Client, ClientConfig

    config = ClientConfig(endpoint=job["endpoint"], version=job["version"], limiter_url=job["limiter_url"])
    with Client(job["credentials"], config) as client:
        client.get_server_time()  # connected and limit discovered before the clock starts
        ready.wait(300)
        start.wait(300)
        records = [
            {"externalId": f"{job['name']}-{i}", "companyName": f"{job['name']} {i}"}
            for i in range(job["records"])
        ]
        outcomes = client.upsert_list(records, record_type="customer")
        results.put((sum(r.success for r in outcomes), time.perf_counter()))


def run(args: argparse.Namespace, processes: int, limiter_url: str | None) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with Emulator(concurrency_limit=args.limit, latency=args.latency) as emulator:
        ready, start = context.Barrier(processes + 1), context.Barrier(processes + 1)
        results = context.Queue()
        jobs = [
            {
                "name": f"w{n}",
                "endpoint": emulator.base_url,
                "version": emulator.version,
                "credentials": emulator.credentials,
                "limiter_url": limiter_url,
                "records": args.records,
            }
            for n in range(processes)
        ]
        workers = [context.Process(target=worker, args=(job, ready, start, results)) for job in jobs]
        for process in workers:
            process.start()
        ready.wait(300)  # every worker is connected and knows the limit
        emulator.reset_stats()  # so that their connection and discovery requests are not counted
        start.wait(300)  # every worker is connected: the clock starts now
        began = time.perf_counter()
        outcomes = [results.get(timeout=600) for _ in workers]
        for process in workers:
            process.join(60)
        stats = emulator.stats
        stored = emulator.store.count("customer")
    requests = stats.requests
    ideal = requests_needed(args, processes) * args.latency / args.limit
    return {
        "requests": requests,
        "rejected": stats.rejected,
        "written": sum(ok for ok, _ in outcomes),
        "stored": stored,
        "time": max(end for _, end in outcomes) - began,
        "ideal": ideal,
    }


def requests_needed(args: argparse.Namespace, processes: int) -> int:
    return processes * -(-args.records // 100)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_redis(port: int) -> None:
    import redis

    client = redis.Redis(port=port)
    for _ in range(500):
        try:
            client.ping()
            return
        except redis.ConnectionError:
            time.sleep(0.02)
    raise SystemExit("redis-server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--records", type=int, default=2000, help="records per process")
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found: apt-get install redis-server")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_redis(port)
        url = f"redis://127.0.0.1:{port}/0"
        print(
            f"upsert_list of {args.records} customers per process (requests of 100), emulator limit "
            f"{args.limit}, latency {args.latency * 1000:.0f} ms:"
        )
        print(
            f"  {'processes':>9}  {'limiter':10} {'requests':>8} {'rejected':>9} {'share':>7} "
            f"{'written/stored':>15} {'time':>7} {'ideal':>6} {'ratio':>6}"
        )
        for processes in args.processes:
            for i in range(args.runs):
                order = [("per-process", None), ("shared", url)]
                for name, limiter_url in order if i % 2 == 0 else reversed(order):
                    r = run(args, processes, limiter_url)
                    total = processes * args.records
                    print(
                        f"  {processes:>9}  {name:10} {r['requests']:>8} {r['rejected']:>9} "
                        f"{r['rejected'] / r['requests']:>7.1%} {r['written']:>7}/{r['stored']:<7} "
                        f"{r['time']:>6.2f}s {r['ideal']:>5.2f}s {r['time'] / r['ideal']:>5.2f}x"
                        + ("" if r["written"] == r["stored"] == total else "  RECORDS MISSING")
                    )
    finally:
        server.kill()
        server.wait(10)


if __name__ == "__main__":
    main()
