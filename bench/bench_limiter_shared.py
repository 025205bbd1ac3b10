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

With ``--server standin`` (or ``both``) the same runs go to the stand-in server of ``standin_server.py``
instead: the same limit (the same ``WS_REQUEST_BLOCKED`` fault over it) and latency, one success per record
and no record work. The emulator's own CPU (about 20 ms per 100-record request, in one interpreter on a
2-core machine shared with the workers) then no longer adds to the time, which shows what the limiter
itself costs. Nothing is stored there, so "stored" shows ``-``.

    .venv/bin/python bench/bench_limiter_shared.py [--processes 1 2 4 8] [--records 2000] [--runs 1]
        [--server emulator|standin|both] [--bundle DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import socket
import subprocess
import time
from typing import Any

from suitetalk.emulator import Emulator


def worker(job: dict[str, Any], ready: Any, start: Any, results: Any) -> None:
    from suitetalk import Client, ClientConfig

    config = ClientConfig(
        endpoint=job["endpoint"],
        version=job["version"],
        limiter_url=job["limiter_url"],
        concurrency=job.get("concurrency"),
    )
    with Client(job["credentials"], config, wsdl=job.get("wsdl")) as client:
        if job.get("wsdl") is None:
            client.get_server_time()  # connected and limit discovered before the clock starts
        else:  # the stand-in answers upsertList only: connect with one record
            client.upsert_list([{"externalId": f"{job['name']}-warm-up"}], record_type="customer")
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


def run_standin(args: argparse.Namespace, processes: int, limiter_url: str | None) -> dict[str, Any]:
    from standin_server import StandIn

    from suitetalk.emulator import EmulatorSettings

    context = multiprocessing.get_context("spawn")
    credentials = EmulatorSettings(account="1234567").credentials
    with StandIn("2023_2", limit=args.limit, latency=args.latency) as standin:
        ready, start = context.Barrier(processes + 1), context.Barrier(processes + 1)
        results = context.Queue()
        jobs = [
            {
                "name": f"w{n}",
                "endpoint": standin.base_url,
                "version": "2023_2",
                "credentials": credentials,
                "limiter_url": limiter_url,
                "records": args.records,
                "concurrency": args.limit,
                "wsdl": args.bundle,
            }
            for n in range(processes)
        ]
        workers = [context.Process(target=worker, args=(job, ready, start, results)) for job in jobs]
        for process in workers:
            process.start()
        ready.wait(300)
        before = standin.stats()
        start.wait(300)
        began = time.perf_counter()
        outcomes = [results.get(timeout=600) for _ in workers]
        for process in workers:
            process.join(60)
        after = standin.stats()
    return {
        "requests": after["requests"] - before["requests"],
        "rejected": after["rejected"] - before["rejected"],
        "written": sum(ok for ok, _ in outcomes),
        "stored": None,
        "time": max(end for _, end in outcomes) - began,
        "ideal": requests_needed(args, processes) * args.latency / args.limit,
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
    parser.add_argument("--server", choices=("emulator", "standin", "both"), default="emulator")
    parser.add_argument(
        "--bundle",
        default=os.environ.get("SUITETALK_NETSUITE_WSDL", "../shared/wsdl/2023_2"),
        help="NetSuite's 2023_2 WSDL folder, for the clients of the stand-in (it serves no WSDL)",
    )
    args = parser.parse_args()
    servers = {"emulator": [("emulator", run)], "standin": [("stand-in", run_standin)]}
    servers["both"] = servers["emulator"] + servers["standin"]
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
            f"  {'server':9} {'processes':>9}  {'limiter':10} {'requests':>8} {'rejected':>9} {'share':>7} "
            f"{'written/stored':>15} {'time':>7} {'ideal':>6} {'ratio':>6}"
        )
        for server_name, runner in servers[args.server]:
            for processes in args.processes:
                for i in range(args.runs):
                    order = [("per-process", None), ("shared", url)]
                    for name, limiter_url in order if i % 2 == 0 else reversed(order):
                        r = runner(args, processes, limiter_url)
                        total = processes * args.records
                        stored = "-" if r["stored"] is None else r["stored"]
                        complete = r["written"] == total and r["stored"] in (None, total)
                        print(
                            f"  {server_name:9} {processes:>9}  {name:10} {r['requests']:>8} "
                            f"{r['rejected']:>9} "
                            f"{r['rejected'] / r['requests']:>7.1%} {r['written']:>7}/{stored!s:<7} "
                            f"{r['time']:>6.2f}s {r['ideal']:>5.2f}s {r['time'] / r['ideal']:>5.2f}x"
                            + ("" if complete else "  RECORDS MISSING")
                        )
    finally:
        server.kill()
        server.wait(10)


if __name__ == "__main__":
    main()
