"""The codec against zeep with its DEFAULT settings (``zeep.Client(wsdl)``), on the same bytes, one run.

Times are CPU time of the benchmark's process (``time.process_time``) where only this process works, which
stays steady on a machine shared with other work; round trips, which wait on another process, are wall time.

1. **Page to plain data**: a 1000-customer ``searchMoreWithId`` answer (59 body fields and 6 custom fields
   each) parsed and turned into plain Python data (``to_plain`` of every record). zeep: its own XML loader
   and ``process_reply``; the codec: what the client does with a 200 answer to a search (the transport's
   ``_read_streamed``: the page read while lxml's pull parser parses it, each record emptied once read, then
   the envelope classified), twice: into records, then ``to_plain`` of each (what a loop over
   ``Client.search`` does), and straight into plain data (``Client.search(plain=True)``, the CLI's export).
   All readings are checked equal first (the plain one to the same JSON text). Each side runs in a process
   of its own, holding what a user's process holds (bare zeep: its model; the codec: the client's codec and
   the zeep model the client loads for its first request), so that none pays for another's objects; the
   rounds go round them, each starting in turn.
2. **One ``get``** and 3. **a 100-record ``upsertList`` round trip**: ``Client.get`` / ``Client.upsert_list``
   against a bare default zeep client's ``service.get`` / ``service.upsertList`` (each with a freshly signed
   passport), over HTTP on loopback to a server in its own process that answers every request with the same
   prepared bytes (a real customer, or 100 write results), so that both clients' costs are compared on the
   same answer and the server's own work is the same small constant. Interleaved calls, medians.
4. **Peak memory per page**: peak resident memory (``VmHWM``) added while reading the 1000-record page from
   its bytes as the client does (step 1's paths: into records, and into plain data), in a fresh process,
   as a multiple of the page's size (the bytes themselves, read beforehand, not counted).

    python bench/bench_codec.py [BUNDLE_DIR] [--rounds 15] [--calls 200]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
import zeep
from codec_data import get_answer, search_page, upsert_list_answer
from lxml import etree
from zeep.loader import parse_xml

from suitetalk import ClientConfig, Credentials, RetryPolicy
from suitetalk.auth import PassportBuilder
from suitetalk.client import Client, _plain_page
from suitetalk.codec import Codec
from suitetalk.codec.store import load_schema_map
from suitetalk.namespaces import wsdl_tns
from suitetalk.records import to_plain
from suitetalk.search import SearchPage
from suitetalk.transport import _read_streamed
from suitetalk.wsdl import WsdlCache, make_zeep_client

VERSION = "2023_2"
HERE = Path(__file__).resolve().parent


def _default_bundle() -> Path:
    return Path(os.environ.get("SUITETALK_NETSUITE_WSDL", "/work/shared/wsdl/2023_2"))


def _median_time(fn: Any, rounds: int) -> float:
    """Median CPU time of this process (steadier than wall time on a machine shared with other work)."""
    times = []
    for _ in range(rounds):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def client_read(
    codec: Codec, page: bytes, operation: str = "searchMoreWithId", *, plain: bool = False
) -> Any:
    """A 200 answer's body read as the client reads it (the transport's streamed read, see step 1);
    ``plain``: as ``Client.search(plain=True)`` reads it."""
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Type"] = "text/xml; charset=utf-8"
    response._content = page
    reply = _read_streamed(_NO_PLUGINS, response, codec.answer_stream(operation, plain=plain), operation)
    assert reply is not None, "the answer was not read as a plain success"
    return reply.body


class _NoPlugins:
    """What the transport asks of zeep's client here: its ingress plugins (none, as in the client)."""

    plugins: list[Any] = []


_NO_PLUGINS = _NoPlugins()


# -- 1. page to plain data ---------------------------------------------------------------------------------


def _zeep_page_reader(wsdl: Path, page: bytes) -> Any:
    """zeep with its default settings reading the page to plain data, as its users would."""
    bare = zeep.Client(str(wsdl))  # zeep's defaults: no custom Settings
    operation = bare.service._binding.get("searchMoreWithId")

    def with_zeep() -> list[Any]:
        envelope = parse_xml(page, bare.transport, settings=bare.settings)
        result = operation.process_reply(envelope)
        return [to_plain(r) for r in result.body.searchResult.recordList.record]

    return with_zeep


def _codec(wsdl: Path, cache_root: Path) -> Codec:
    """The client's codec, its schema map from the cache, with the zeep model the client loads."""
    client, _ = make_zeep_client(wsdl, "http://127.0.0.1:9/x", version=VERSION)
    return Codec(load_schema_map(wsdl, VERSION, lambda: client, cache=WsdlCache(cache_root)), client.get_type)


def _codec_page_reader(codec: Codec, page: bytes) -> Any:
    """The client's codec reading the page into records, as the client reads a search's answer, then
    ``to_plain`` of each record."""

    def with_codec() -> list[Any]:
        body = client_read(codec, page)
        return [to_plain(r) for r in body.searchResult.recordList.record]

    return with_codec


def _plain_page_reader(codec: Codec, page: bytes) -> Any:
    """The client's codec reading the page straight into plain data, as ``Client.search(plain=True)`` does
    (the records of an answer read whole would then be converted; this one is read as it is parsed)."""

    def with_plain() -> list[Any]:
        page_read = SearchPage.from_zeep(client_read(codec, page, plain=True).searchResult, operation="x")
        return list(_plain_page(page_read).records)

    return with_plain


_SIDES = ("zeep", "codec", "plain")


def _page_side(side: str, wsdl: str, cache_root: str, page: bytes, commands: Any, answers: Any) -> None:
    """One side of step 1 in a process of its own: read the page each time it is asked, report CPU time."""
    if side == "zeep":
        read = _zeep_page_reader(Path(wsdl), page)
    elif side == "codec":
        read = _codec_page_reader(_codec(Path(wsdl), Path(cache_root)), page)
    else:
        read = _plain_page_reader(_codec(Path(wsdl), Path(cache_root)), page)
    read()  # the first reading (caches, lazy loading) is not timed
    answers.put(None)
    while commands.get() is not None:
        answers.put(_median_time(read, 1))


def bench_page(wsdl: Path, cache_root: Path, codec: Codec, rounds: int) -> bytes:
    page = search_page(codec.schema, VERSION)
    expected = _zeep_page_reader(wsdl, page)()
    got = _codec_page_reader(codec, page)()
    assert len(got) == 1000, "expected 1000 records"
    assert got == expected, "the codec and zeep read the page differently"
    assert json.dumps(_plain_page_reader(codec, page)()) == json.dumps(expected), "plain data differs"
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=True)
    elements = sum(1 for _ in etree.fromstring(page, parser).iter())
    # Each side reads in a process of its own, which holds what a user's process would: zeep's model for
    # bare zeep; the client's codec and the zeep model the client loads for its first request. In one
    # process, each side would also pay for the other's objects (the garbage collector scanning both
    # models, a larger heap).
    context = multiprocessing.get_context("spawn")
    sides = {}
    for side in _SIDES:
        commands, answers = context.Queue(), context.Queue()
        process = context.Process(
            target=_page_side, args=(side, str(wsdl), str(cache_root), page, commands, answers), daemon=True
        )
        process.start()
        sides[side] = (process, commands, answers)
    try:
        for _process, _commands, answers in sides.values():
            answers.get(timeout=300)
        times: dict[str, list[float]] = {side: [] for side in _SIDES}
        for i in range(rounds):  # interleaved (one side at a time), so that all see the same load
            for side in _SIDES[i % 3 :] + _SIDES[: i % 3]:
                _process, commands, answers = sides[side]
                commands.put(True)
                times[side].append(answers.get(timeout=300))
    finally:
        for process, commands, _answers in sides.values():
            commands.put(None)
            process.join(30)
    zeep_time, codec_time = statistics.median(times["zeep"]), statistics.median(times["codec"])
    plain_time = statistics.median(times["plain"])
    parse_time = _median_time(lambda: etree.fromstring(page, parser), rounds)
    print(
        f"\n1. 1000-customer page ({len(page) / 1e6:.1f} MB, {elements:,} elements) to plain data, "
        "median CPU time, each side in a process of its own\n"
        f"   zeep (default settings): {zeep_time:.3f} s\n"
        f"   codec, records then to_plain: {codec_time:.3f} s  = {codec_time / zeep_time:.3f}x zeep\n"
        f"   codec, search(plain=True):    {plain_time:.3f} s  = {plain_time / zeep_time:.3f}x zeep "
        f"(a whole lxml parse alone {parse_time:.3f} s)"
    )
    return page


# -- 2./3. round trips on loopback ---------------------------------------------------------------------------


def _serve(answers: dict[str, bytes], ready: Any) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Without this, the body waits for the ACK of the headers (Nagle + delayed ACK: 40 ms per answer).
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            action = (self.headers.get("SOAPAction") or "").strip('"')
            body = answers[action]
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ready.put(server.server_address[1])
    server.serve_forever()


def bench_round_trips(wsdl: Path, codec: Codec, calls: int) -> None:
    answers = {
        "get": get_answer(codec.schema, VERSION),
        "upsertList": upsert_list_answer(VERSION, 100),
        "getIntegrationGovernanceInfo": b"",
    }
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Queue()
    process = ctx.Process(target=_serve, args=(answers, ready), daemon=True)
    process.start()
    try:
        port = ready.get(timeout=60)
        url = f"http://127.0.0.1:{port}/services/NetSuitePort_{VERSION}"
        credentials = Credentials(
            account="1234567", consumer_key="ck", consumer_secret="cs", token_id="tk", token_secret="ts"
        )
        config = ClientConfig(
            endpoint=f"http://127.0.0.1:{port}",
            version=VERSION,
            concurrency=5,
            retry=RetryPolicy(max_attempts=1),
        )
        builder = PassportBuilder(credentials)
        bare = zeep.Client(str(wsdl))  # default settings
        service = bare.create_service(f"{{{wsdl_tns(VERSION)}}}NetSuiteBinding", url)
        with Client(credentials, config, wsdl=wsdl) as client:
            ref = client.ref("customer", 1001)
            records = [
                client.record(
                    "customer",
                    companyName=f"Bulk {i}",
                    external_id=f"B-{i}",
                    email=f"b{i}@x.test",
                    phone="555",
                )
                for i in range(100)
            ]
            zeep_ref = bare.get_type(ref._xsd_type.qname)(internalId="1001", type="customer")
            customer = bare.get_type(records[0]._xsd_type.qname)
            zeep_records = [
                customer(**{k: v for k, v in r.__values__.items() if v is not None}) for r in records
            ]

            def bare_get() -> Any:
                return service.get(
                    baseRef=zeep_ref, _soapheaders={"tokenPassport": builder.build().to_zeep()}
                )

            def bare_upsert() -> Any:
                return service.upsertList(
                    record=zeep_records, _soapheaders={"tokenPassport": builder.build().to_zeep()}
                )

            assert client.get("customer", 1001).internalId == bare_get().body.readResponse.record.internalId
            assert (
                len(client.upsert_list(records))
                == 100
                == len(bare_upsert().body.writeResponseList.writeResponse)
            )
            for name, ours, theirs, n in (
                ("one get", lambda: client.get("customer", 1001), bare_get, calls),
                (
                    "100-record upsertList",
                    lambda: client.upsert_list(records),
                    bare_upsert,
                    max(20, calls // 5),
                ),
            ):
                mine, bare_times = [], []
                for _ in range(n):
                    t0 = time.perf_counter()
                    ours()
                    t1 = time.perf_counter()
                    theirs()
                    t2 = time.perf_counter()
                    mine.append(t1 - t0)
                    bare_times.append(t2 - t1)
                a, b = statistics.median(mine), statistics.median(bare_times)
                print(
                    f"   {name}: client {a * 1000:.2f} ms, bare default zeep {b * 1000:.2f} ms = {a / b:.2f}x"
                )
    finally:
        process.terminate()
        process.join(10)


# -- 4. memory ---------------------------------------------------------------------------------------------

_MEMORY_CHILD = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from bench_codec import client_read
from suitetalk.codec import Codec
from suitetalk.codec.schema_map import SchemaMap
schema = SchemaMap(json.loads(Path(sys.argv[1]).read_bytes()))
codec = Codec(schema, lambda key: None)
page = Path(sys.argv[2]).read_bytes()
def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
closing = b"</platformCore:recordList></platformCore:searchResult></platformMsgs:searchMoreWithIdResponse>"
first = page[: page.index(b"</platformCore:record>") + 22] + closing + b"</soapenv:Body></soapenv:Envelope>"
plain = sys.argv[4:] == ["plain"]
if len(sys.argv) > 4 and not plain:  # the baseline: zeep with its default settings
    import zeep
    from zeep.loader import parse_xml
    bare = zeep.Client(sys.argv[4])
    operation = bare.service._binding.get("searchMoreWithId")
    operation.process_reply(parse_xml(first, bare.transport, settings=bare.settings))
    open("/proc/self/clear_refs", "w").write("5")  # reset the peak to the current size
    base = status("VmRSS:")
    records = operation.process_reply(parse_xml(page, bare.transport, settings=bare.settings)).body
else:
    client_read(codec, first, plain=plain)  # warm up on a small page: the type tables exist before measuring
    open("/proc/self/clear_refs", "w").write("5")
    base = status("VmRSS:")
    records = client_read(codec, page, plain=plain).searchResult.recordList.record
peak = status("VmHWM:")
print(json.dumps({"base": base, "peak": peak}))
"""


def bench_memory(codec: Codec, page: bytes, wsdl: Path) -> None:
    added = {}
    with tempfile.TemporaryDirectory() as tmp:
        map_path = Path(tmp) / "map.json"
        map_path.write_text(json.dumps(codec.schema.data))
        page_path = Path(tmp) / "page.xml"
        page_path.write_bytes(page)
        for name, extra in (("codec", []), ("plain", ["plain"]), ("zeep", [str(wsdl)])):
            out = subprocess.run(
                [sys.executable, "-c", _MEMORY_CHILD, str(map_path), str(page_path), str(HERE), *extra],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            result = json.loads(out)
            added[name] = result["peak"] - result["base"]
    print(
        f"\n4. peak memory reading one 1000-record page ({len(page) / 2**20:.1f} MiB of XML) as "
        "the client does (the page's bytes themselves not counted: read beforehand):\n"
        f"   codec +{added['codec'] / 2**20:.1f} MiB = {added['codec'] / len(page):.2f}x the page; "
        f"as plain data (search(plain=True)) +{added['plain'] / 2**20:.1f} MiB = "
        f"{added['plain'] / len(page):.2f}x; "
        f"zeep (default settings) +{added['zeep'] / 2**20:.1f} MiB = {added['zeep'] / len(page):.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("bundle", nargs="?", type=Path, default=_default_bundle())
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = WsdlCache(tmp)
        wsdl = cache.fetch(VERSION, args.bundle)
        codec = _codec(wsdl, Path(tmp))
        page = bench_page(wsdl, Path(tmp), codec, args.rounds)
        print("\n2./3. round trips against one prepared answer on loopback (medians, interleaved)")
        bench_round_trips(wsdl, codec, args.calls)
        bench_memory(codec, page, wsdl)


if __name__ == "__main__":
    main()
