"""Client benchmarks against the emulator running in a process of its own.

1. Bulk upsert: 10,000 customers through ``Client.upsert_list`` with the emulator at a concurrency limit
   of 5 and 100 ms latency per request, with and without 10% injected concurrency faults. The ideal is
   records / (limit x records per request) x latency; the ratio is wall time / ideal. Then the same
   upsert (no faults) through the stand-in server described below, the client's own ceiling.
   1b. 30-field customers at a limit of 20: through the emulator on NetSuite's full bundle (end to end;
   the emulator's own work per record dominates), then through a stand-in server that does no record work
   (``standin_server.py``: the limit, the latency, one success per record), which shows the client's own
   ceiling, and the floor of that stand-in on this machine: as many bare threads as the limit posting one
   prepared request with ``http.client``, no client work at all. Each line gives the client's CPU time per
   record.
2. Memory: peak Python allocations (tracemalloc) while iterating searches of 10,000, 50,000 and 100,000
   records page by page; flat means the peak does not grow with the number of records.
3. Overhead per ``get``: ``Client.get`` against a bare zeep client with zeep's DEFAULT settings
   (``zeep.Client(wsdl_url)``) calling the same operation (with a fresh passport each), same emulator, same
   run, no latency; the ratio is client time / bare time.

    .venv/bin/python bench/bench_client.py [--records 10000] [--skip-memory] [--memory-records 100000]
"""

from __future__ import annotations

import argparse
import gc
import http.client
import multiprocessing
import os
import statistics
import threading
import time
import tracemalloc
from typing import Any
from urllib.parse import urlsplit

import zeep
from standin_server import StandIn
from zeep.wsdl.utils import etree_to_string

from suitetalk import ClientConfig, Credentials, RetryPolicy
from suitetalk.auth import PassportBuilder
from suitetalk.client import Client
from suitetalk.emulator import Emulator, EmulatorSettings
from suitetalk.namespaces import core_ns, wsdl_tns

UPSERT_LIST_SIZE = 100
FAULT_RATES = (0.0, 0.1)


class Server:
    """The emulator in its own process: the client's work must not share the server's interpreter."""

    def __init__(self, **settings: Any) -> None:
        self.settings = EmulatorSettings(**settings)
        ctx = multiprocessing.get_context("spawn")
        self._commands = ctx.Queue()
        self._answers = ctx.Queue()
        self._process = ctx.Process(
            target=_serve, args=(self.settings, self._commands, self._answers), daemon=True
        )

    def __enter__(self) -> Server:
        self._process.start()
        self.base_url, self.version = self._answers.get(timeout=60)
        return self

    def configure(self, **changes: Any) -> None:
        self._commands.put(("configure", changes))
        self._answers.get(timeout=30)

    def count(self, record_type: str) -> int:
        self._commands.put(("count", record_type))
        result: int = self._answers.get(timeout=30)
        return result

    def __exit__(self, *exc: object) -> None:
        self._commands.put(("stop", None))
        self._process.join(30)

    @property
    def credentials(self) -> Credentials:
        assert self.settings.credentials is not None
        return self.settings.credentials


def _serve(settings: EmulatorSettings, commands: Any, answers: Any) -> None:
    with Emulator(settings) as emulator:
        answers.put((emulator.base_url, emulator.version))
        while True:
            command, argument = commands.get()
            if command == "stop":
                return
            if command == "configure":
                emulator.configure(**argument)
                answers.put(None)
            elif command == "count":
                answers.put(emulator.store.count(argument))


def client_for(server: Server, **config: Any) -> Client:
    return Client(
        server.credentials, ClientConfig(endpoint=server.base_url, version=server.version, **config)
    )


def bench_bulk_upsert(records: int, bundle: str) -> None:
    limit, latency = 5, 0.1
    ideal = records / (limit * UPSERT_LIST_SIZE) * latency
    print(
        f"\n1. upsert_list of {records:,} customers, emulator limit {limit}, latency {latency * 1000:.0f} ms"
    )
    print(f"   ideal = {records:,} / ({limit} x {UPSERT_LIST_SIZE}) x {latency} s = {ideal:.2f} s")
    for fault_rate in FAULT_RATES:
        with Server(
            concurrency_limit=limit, latency=latency, concurrency_fault_rate=fault_rate, seed=7
        ) as server:
            retry = RetryPolicy(max_attempts=15, initial_wait=0.05, max_wait=2.0)
            with client_for(server, retry=retry) as client:
                client.get_server_time()  # load, connect and discover the limit before timing
                batch = _compact_batch(client, records, "B")
                gc.collect()  # not the garbage of what came before
                start, cpu = time.perf_counter(), time.process_time()
                results = client.upsert_list(batch)
                wall, cpu = time.perf_counter() - start, time.process_time() - cpu
                stats = client.retry_stats
            stored = server.count("customer")
        lost = sum(not r.success for r in results)
        print(
            f"   faults {fault_rate:>4.0%}: wall {wall:.2f} s = {wall / ideal:.2f}x ideal "
            f"(client CPU {cpu:.2f} s = {cpu / records * 1e6:.0f} µs/record); "
            f"stored {stored:,}, "
            f"failed {lost}, retries {stats.retries} ({dict(stats.retries_by_code)})"
        )
    _standin_line(
        records, limit, latency, ideal, bundle, lambda client, n, prefix: _compact_batch(client, n, prefix)
    )


def _compact_batch(client: Client, records: int, prefix: str) -> list[Any]:
    return [
        client.record("customer", companyName=f"Bulk {i}", external_id=f"{prefix}-{i}", email=f"b{i}@x.test")
        for i in range(records)
    ]


def _standin_line(
    records: int,
    limit: int,
    latency: float,
    ideal: float,
    bundle: str,
    make: Any,
) -> tuple[Client, list[Any]]:
    """The same bulk upsert through the stand-in (limit and latency, no record work): the client's ceiling."""
    retry = RetryPolicy(max_attempts=15, initial_wait=0.05, max_wait=2.0)
    with StandIn("2023_2", limit=limit, latency=latency) as standin:
        # The stand-in answers upsertList only: the limit is configured rather than asked for.
        config = ClientConfig(endpoint=standin.base_url, version="2023_2", concurrency=limit, retry=retry)
        credentials = EmulatorSettings(account="1234567").credentials
        assert credentials is not None
        with Client(credentials, config, wsdl=bundle) as client:
            client.upsert_list(make(client, 2 * UPSERT_LIST_SIZE, "warm-up"))
            batch = make(client, records, "S")
            before = standin.stats()
            results, wall, cpu = _timed_upsert(client, batch)
            after = standin.stats()
    failed = [r for r in results if not r.success]
    stats = client.retry_stats
    print(
        f"   through the stand-in (the client's own ceiling): wall {wall:.2f} s = {wall / ideal:.2f}x ideal; "
        f"client CPU {cpu:.2f} s = {cpu / records * 1e6:.0f} µs/record; failed {len(failed)}, "
        f"rejected {after['rejected'] - before['rejected']}, retries {stats.retries}, most in flight "
        f"{after['max_in_flight']}, stand-in CPU {after['cpu'] - before['cpu']:.2f} s"
    )
    return client, batch


def _wide_fields(client: Client, count: int) -> list[tuple[str, str]]:
    """``count`` plain fields of a customer (strings, numbers, flags; no references or enumerations)."""
    info = client.codec.schema.type(
        f"{{urn:relationships_{client.version}.lists.webservices.netsuite.com}}Customer"
    )
    skip = {"entityId", "isPerson", "externalId", "companyName", "email"}
    fields = [
        (e.name, e.kind)
        for e in info.elements
        if e.simple and e.enum is None and e.kind in ("str", "float", "bool") and e.name not in skip
    ]
    return fields[: count - 2]


def _wide_batch(client: Client, records: int, fields: int, prefix: str) -> list[Any]:
    names = _wide_fields(client, fields)
    value = {"str": "text", "float": 12.5, "bool": True}
    return [
        client.record(
            "customer",
            companyName=f"Wide {i}",
            external_id=f"{prefix}-{i}",
            **{name: (f"{value[kind]} {i}" if kind == "str" else value[kind]) for name, kind in names},
        )
        for i in range(records)
    ]


def _timed_upsert(client: Client, batch: list[Any]) -> tuple[list[Any], float, float]:
    # Not the garbage of what came before: a full collection of the previous client's zeep model during
    # the upsert would be counted as this one's time (0.25 s measured).
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    results = client.upsert_list(batch)
    return results, time.perf_counter() - start, time.process_time() - cpu


def bench_bulk_wide(records: int, limit: int, fields: int, bundle: str) -> None:
    """Bulk upsert of records with ``fields`` fields each, on NetSuite's full bundle, at a higher limit:
    through the emulator (end to end), then through the stand-in (the client's own ceiling)."""
    latency = 0.1
    ideal = records / (limit * UPSERT_LIST_SIZE) * latency
    retry = RetryPolicy(max_attempts=15, initial_wait=0.05, max_wait=2.0)
    print(
        f"\n1b. upsert_list of {records:,} customers with {fields} fields, NetSuite's full bundle, "
        f"limit {limit}, latency {latency * 1000:.0f} ms; ideal {ideal:.2f} s"
    )
    with Server(concurrency_limit=limit, latency=latency, schema_dir=bundle, version="2023_2") as server:
        with client_for(server, retry=retry) as client:
            client.get_server_time()
            batch = _wide_batch(client, records, fields, "W")
            results, wall, cpu = _timed_upsert(client, batch)
        stored = server.count("customer")
    failed = [r for r in results if not r.success]
    print(
        f"   through the emulator (end to end): wall {wall:.2f} s = {wall / ideal:.2f}x ideal; "
        f"client CPU {cpu:.2f} s = {cpu / records * 1e6:.0f} µs/record; stored {stored:,}, "
        f"failed {len(failed)}" + (f" (first: {failed[0].details})" if failed else "")
    )
    client, batch = _standin_line(
        records, limit, latency, ideal, bundle, lambda c, n, prefix: _wide_batch(c, n, fields, prefix)
    )
    _floor_line(records, limit, latency, ideal, client, batch[:UPSERT_LIST_SIZE])
    building = _request_building(client, batch[:1000])
    former, wire = building
    print(
        f"   request building, same customers, 100 a request (CPU, best of 5): the lxml writer and zeep's "
        f"serialisation (the former path) {former:.0f} µs/record, the wire writer {wire:.0f} µs/record "
        f"({former / wire:.1f}x less)"
    )


def _floor_line(
    records: int, limit: int, latency: float, ideal: float, client: Client, chunk: list[Any]
) -> None:
    """The same number of requests through the stand-in by ``limit`` bare threads, each posting one prepared
    request again and again with ``http.client`` (kept-alive connections, opened beforehand): what any client
    can reach through this stand-in on this machine."""
    headers = {"tokenPassport": PassportBuilder(client.credentials).build().to_zeep()}
    body = client.codec.wire.envelope("upsertList", {"record": chunk}, headers)
    http_headers = client.codec.writer.http_headers("upsertList")
    rounds = records // (limit * UPSERT_LIST_SIZE)
    with StandIn("2023_2", limit=limit, latency=latency) as standin:
        address = urlsplit(standin.base_url)
        start = threading.Barrier(limit + 1, timeout=60)  # a worker that fails breaks it
        failures: list[int] = []

        def post(connection: http.client.HTTPConnection) -> None:
            connection.request("POST", address.path or "/", body, http_headers)
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                failures.append(answer.status)

        def worker() -> None:
            connection = http.client.HTTPConnection(address.hostname or "", address.port)
            post(connection)  # connected and warm before timing
            start.wait()
            for _ in range(rounds):
                post(connection)
            connection.close()

        threads = [threading.Thread(target=worker) for _ in range(limit)]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
    print(
        f"   the floor, {limit} bare threads posting one prepared request with http.client: "
        f"wall {wall:.2f} s = {wall / ideal:.2f}x ideal; failed {len(failures)}"
    )


def _request_building(client: Client, batch: list[Any]) -> tuple[float, float]:
    """CPU µs per record to build 100-record upsertList requests: the lxml writer's tree serialised as the
    transport used to (``etree_to_string``), and the wire writer's bytes (what the client sends now)."""
    headers = {"tokenPassport": PassportBuilder(client.credentials).build().to_zeep()}
    chunks = [batch[i : i + UPSERT_LIST_SIZE] for i in range(0, len(batch), UPSERT_LIST_SIZE)]

    def lxml_path() -> None:
        for chunk in chunks:
            etree_to_string(client.codec.writer.envelope("upsertList", {"record": chunk}, headers))  # type: ignore[no-untyped-call]

    def wire_path() -> None:
        for chunk in chunks:
            client.codec.wire.envelope("upsertList", {"record": chunk}, headers)

    best = {lxml_path: float("inf"), wire_path: float("inf")}
    for _ in range(5):
        for build in best:
            start = time.process_time()
            build()
            best[build] = min(best[build], time.process_time() - start)
    return best[lxml_path] / len(batch) * 1e6, best[wire_path] / len(batch) * 1e6


def bench_memory(sizes: list[int]) -> None:
    print("\n2. peak memory while iterating a search (tracemalloc, page size 1000, body fields only)")
    largest = max(sizes)
    with Server(concurrency_limit=0) as server, client_for(server, concurrency=4) as client:
        for start in range(0, largest, 10_000):
            client.add_list(
                client.record("customer", companyName=f"Mem {i}", email=f"m{i}@mem.test")
                for i in range(start, min(largest, start + 10_000))
            )
        for size in sizes:
            gc.collect()
            tracemalloc.start()
            search = client.search("customer", {"email": ("contains", "@mem.test")}, page_size=1000)
            for seen, _record in enumerate(search, start=1):
                if seen == size:
                    break
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"   {size:>7,} records iterated: peak {peak / 2**20:6.1f} MiB")


def bench_get_overhead(rounds: int) -> None:
    print(f"\n3. overhead per get (median of {rounds} calls each, interleaved), no latency")
    with Server(concurrency_limit=0) as server, client_for(server, concurrency=5) as client:
        internal_id = client.add("customer", companyName="Overhead", external_id="OH-1").internal_id
        builder = PassportBuilder(server.credentials)
        # The baseline is zeep with its DEFAULT settings, loading the emulator's WSDL itself.
        bare_client = zeep.Client(f"{server.base_url}/wsdl/v{server.version}_0/netsuite.wsdl")
        bare = bare_client.create_service(
            f"{{{wsdl_tns(server.version)}}}NetSuiteBinding", client.service_url
        )
        ref = bare_client.get_type(f"{{{core_ns(server.version)}}}RecordRef")(
            internalId=str(internal_id), type="customer"
        )

        def bare_get() -> Any:
            return bare.get(baseRef=ref, _soapheaders={"tokenPassport": builder.build().to_zeep()})

        ours, theirs = [], []
        for _ in range(rounds):
            t0 = time.perf_counter()
            client.get("customer", internal_id)
            t1 = time.perf_counter()
            bare_get()
            t2 = time.perf_counter()
            ours.append(t1 - t0)
            theirs.append(t2 - t1)
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"   Client.get {a * 1000:.2f} ms, bare default zeep get {b * 1000:.2f} ms: ratio {a / b:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--memory-records", type=int, default=100_000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--skip-get", action="store_true")
    parser.add_argument("--wide-limit", type=int, default=20)
    parser.add_argument("--wide-fields", type=int, default=30)
    parser.add_argument(
        "--bundle", default=os.environ.get("SUITETALK_NETSUITE_WSDL", "/work/shared/wsdl/2023_2")
    )
    args = parser.parse_args()
    if not args.skip_get:
        bench_get_overhead(args.rounds)
    bench_bulk_upsert(args.records, args.bundle)
    bench_bulk_wide(args.records, args.wide_limit, args.wide_fields, args.bundle)
    if not args.skip_memory:
        top = args.memory_records
        bench_memory(sorted({max(1000, top // 10), max(1000, top // 2), top}))


if __name__ == "__main__":
    main()
