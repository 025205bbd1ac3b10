"""Export of a large search with pages fetched ahead, against fetching pages one after the other.

The emulator runs in a process of its own on a SQLite file, filled first with N customers at no latency.
It is then started again on the same file with a latency per request (standing in for NetSuite's slow search
pages) and a concurrency limit. The same export (the ``suitetalk export`` command's code: each page turned
into plain data, written as JSON Lines, flushed and fsync'd, the state file saved) runs against it, in the
same run:

- baseline: ``--prefetch 0``, pages fetched one after the other (what the export did before);
- candidate: the default, pages fetched ahead (K = the concurrency limit, at most 8);
- optionally other K values (``--also 4``).

The client is built before timing starts (same for all); each timing covers the whole export, search
included. The outputs are checked to hold the same records in the same order. Beside each time it prints
the CPU time of the client's process and of the emulator's (all threads of each) and the floor the
latency alone sets (the search, then the other pages K at a time): the emulator builds its pages in one
process, one thread at a time (one interpreter lock), so its CPU time adds to that floor where NetSuite's
would not.

    .venv/bin/python bench/bench_search_prefetch.py [--records 20000] [--page-size 1000] [--latency 1.0]
        [--limit 5] [--also 4]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from suitetalk import Client, ClientConfig
from suitetalk.cli.bulk_export import ExportState, _Export, state_path
from suitetalk.emulator import Emulator, EmulatorSettings


class Server:
    """The emulator in a process of its own, so that the client's work does not share its interpreter."""

    def __init__(self, settings: EmulatorSettings) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._urls = ctx.Queue()
        self._stop = ctx.Event()
        self._process = ctx.Process(target=_serve, args=(settings, self._urls, self._stop), daemon=True)
        self.base_url = ""
        self.version = ""

    def __enter__(self) -> Server:
        self._process.start()
        self.base_url, self.version = self._urls.get(timeout=120)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(30)

    def cpu(self) -> float:
        """CPU seconds the emulator's process has used so far (Linux; NaN elsewhere)."""
        try:
            fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _serve(settings: EmulatorSettings, urls: Any, stop: Any) -> None:
    with Emulator(settings) as emulator:
        urls.put((emulator.base_url, emulator.version))
        stop.wait()


def fill(settings: EmulatorSettings, records: int) -> None:
    with Server(settings) as server, client_for(server, settings, limit=5) as client:
        batch = 1000
        for start in range(0, records, batch):
            results = client.upsert_list(
                client.record(
                    "customer",
                    external_id=f"BENCH-{n:06d}",
                    companyName=f"Bench Company {n}",
                    email=f"contact{n}@bench.example.com",
                    phone=f"555-{n % 10000:04d}",
                    isInactive=n % 9 == 0,
                    creditLimit=float(n % 5000),
                    comments=f"customer number {n} of the export benchmark",
                )
                for n in range(start, min(start + batch, records))
            )
            failed = [r for r in results if not r.success]
            if failed:
                raise SystemExit(f"filling failed: {failed[0]}")


def client_for(server: Server, settings: EmulatorSettings, *, limit: int) -> Client:
    config = ClientConfig(endpoint=server.base_url, version=server.version, concurrency=limit)
    return Client(settings.accepted_credentials, config)


def export(client: Client, out: Path, page_size: int, prefetch: int | None) -> tuple[float, float]:
    """Wall time and this process's CPU time (all threads) of one export."""
    state = ExportState(
        record_type="customer", where=[], page_size=page_size, output_format="jsonl", fields=[]
    )
    started, cpu = time.perf_counter(), time.process_time()
    _Export(client, {}, state, out, state_path(out), resumed=False, prefetch=prefetch).run()
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per request (default 1.0)")
    parser.add_argument("--limit", type=int, default=5, help="concurrency limit, emulator and client")
    parser.add_argument("--also", type=int, action="append", default=[], help="another K to time")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="suitetalk-bench-") as tmp:
        folder = Path(tmp)
        database = folder / "store.sqlite"
        base = EmulatorSettings(database=database, concurrency_limit=0)
        started = time.perf_counter()
        fill(base, args.records)
        print(f"filled {args.records} customers in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        slow = EmulatorSettings(
            database=database,
            credentials=base.credentials,
            concurrency_limit=args.limit,
            latency=args.latency,
        )
        pages = -(-args.records // args.page_size)
        print(
            f"export of {args.records} records, {pages} pages of {args.page_size}, {args.latency} s per "
            f"request, concurrency limit {args.limit}"
        )
        runs: list[tuple[str, int | None]] = [("one page at a time (K=0)", 0), ("default", None)]
        runs += [(f"K={k}", k) for k in args.also]
        with Server(slow) as server, client_for(server, slow, limit=args.limit) as client:
            times: dict[str, float] = {}
            cpu: dict[str, float] = {}
            server_cpu: dict[str, float] = {}
            outputs: dict[str, bytes] = {}
            for label, prefetch in runs:
                out = folder / f"export-{prefetch}.jsonl"
                before = server.cpu()
                times[label], cpu[label] = export(client, out, args.page_size, prefetch)
                server_cpu[label] = server.cpu() - before
                outputs[label] = out.read_bytes()
            default_k = client._default_prefetch()
            retries = client.retry_stats.retries
        reference = outputs[runs[0][0]]
        if any(data != reference for data in outputs.values()):
            raise SystemExit("the exports differ")
        baseline = times[runs[0][0]]
        print(f"  ({retries} retries in all: a concurrency rejection would show here)")
        for label, prefetch in runs:
            k = default_k if prefetch is None else prefetch
            shown = f"default (K={k})" if prefetch is None else label
            rate = args.records / times[label]
            # What the latency alone allows: the search, then the other pages K at a time.
            floor = args.latency * (1 + (-(-(pages - 1) // k) if k else pages - 1))
            print(
                f"  {shown:28} {times[label]:7.2f} s  {rate:8.0f} records/s  "
                f"{baseline / times[label]:5.2f}x faster than one page at a time  "
                f"(CPU: client {cpu[label]:5.2f} s, emulator {server_cpu[label]:5.2f} s; "
                f"latency floor {floor:5.2f} s)"
            )


if __name__ == "__main__":
    main()
