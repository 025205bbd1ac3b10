"""Benchmark of the emulator's SOAP throughput, against a trivial request on the same server, in one run.

Measures requests per second, with a raw HTTP client posting prepared envelopes (each signed beforehand
with its own passport, so the client's cost is a socket write and read):

- ``get`` of one customer;
- ``searchMoreWithId`` pages of 1000 customers, out of a 10,000-record search result (bodyFieldsOnly);

and, as the baseline, the same server answering ``GET`` of a small static schema file
(``xsd/platform.faults.xsd``). Each is run with one client thread and with several; the ratio is baseline
rate / operation rate (how many trivial requests one operation costs).

    .venv/bin/python bench/bench_emulator.py [--records 10000] [--requests 1000] [--threads 4] [--full DIR]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import zeep
from lxml import etree

from suitetalk.auth import PassportBuilder
from suitetalk.emulator import Emulator, EmulatorSettings
from suitetalk.namespaces import SOAP_ENV, XSI, core_ns, messages_ns, wsdl_tns


class Server:
    """The emulator in a process of its own, so that the client's work does not share its interpreter."""

    def __init__(self, settings: EmulatorSettings) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.settings = settings
        self._urls = ctx.Queue()
        self._stop = ctx.Event()
        self._process = ctx.Process(target=_serve, args=(settings, self._urls, self._stop), daemon=True)

    def __enter__(self) -> Server:
        self._process.start()
        self.service_url, self.wsdl_url, self.version = self._urls.get(timeout=60)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(30)


def _serve(settings: EmulatorSettings, urls: Any, stop: Any) -> None:
    with Emulator(settings) as emulator:
        urls.put((emulator.service_url, emulator.wsdl_url, emulator.version))
        stop.wait()


class Envelopes:
    """Prepared SOAP requests for one emulator, each with its own fresh passport."""

    def __init__(self, server: Server) -> None:
        self.version = server.version
        assert server.settings.credentials is not None
        self.builder = PassportBuilder(server.settings.credentials)
        self.rel = f"urn:relationships_{self.version}.lists.webservices.netsuite.com"

    def _wrap(self, body: str, headers: str = "") -> bytes:
        passport = etree.tostring(self.builder.build().to_element(self.version)).decode()
        return (
            f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:xsi="{XSI}" '
            f'xmlns:m="{messages_ns(self.version)}" xmlns:c="{core_ns(self.version)}" xmlns:rel="{self.rel}">'
            f"<soapenv:Header>{passport}{headers}</soapenv:Header><soapenv:Body>{body}</soapenv:Body>"
            "</soapenv:Envelope>"
        ).encode()

    def add_list(self, start: int, count: int) -> bytes:
        records = "".join(
            f"<m:record xsi:type='rel:Customer' externalId='CUST-{n}'><rel:entityId>Customer {n:06d}"
            f"</rel:entityId><rel:companyName>Company {n % 97}</rel:companyName><rel:email>c{n}@example.com"
            f"</rel:email><rel:phone>555-{n:04d}</rel:phone><rel:isInactive>false</rel:isInactive>"
            f"<rel:comments>{'x' * 200}</rel:comments></m:record>"
            for n in range(start, start + count)
        )
        return self._wrap(f"<m:addList>{records}</m:addList>")

    def get(self, internal_id: int) -> bytes:
        ref = f"<m:baseRef xsi:type='c:RecordRef' type='customer' internalId='{internal_id}'/>"
        return self._wrap(f"<m:get>{ref}</m:get>")

    def _prefs(self, page_size: int) -> str:
        return (
            "<m:searchPreferences><m:bodyFieldsOnly>true</m:bodyFieldsOnly>"
            f"<m:pageSize>{page_size}</m:pageSize></m:searchPreferences>"
        )

    def search_all(self, page_size: int) -> bytes:
        return self._wrap(
            "<m:search><m:searchRecord xsi:type='rel:CustomerSearch'/></m:search>", self._prefs(page_size)
        )

    def search_more(self, search_id: str, page: int, page_size: int) -> bytes:
        body = (
            f"<m:searchMoreWithId><m:searchId>{search_id}</m:searchId>"
            f"<m:pageIndex>{page}</m:pageIndex></m:searchMoreWithId>"
        )
        return self._wrap(body, self._prefs(page_size))


def post(url: str, data: bytes, action: str) -> bytes:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request(
            "POST",
            parts.path,
            body=data,
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": action},
        )
        response = conn.getresponse()
        content = response.read()
        if response.status != 200:
            raise RuntimeError(f"{action}: HTTP {response.status}: {content[:300]!r}")
        return content
    finally:
        conn.close()


def get(url: str) -> bytes:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("GET", parts.path)
        response = conn.getresponse()
        content = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {url}: HTTP {response.status}")
        return content
    finally:
        conn.close()


def rate(tasks: Sequence[Callable[[], object]], threads: int) -> float:
    """Requests per second running ``tasks`` on ``threads`` client threads."""
    index = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal index
        while True:
            with lock:
                if index >= len(tasks):
                    return
                task = tasks[index]
                index += 1
            task()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return len(tasks) / (time.perf_counter() - started)


def client_rates(server: Server, search_id: str, records: int) -> tuple[float, float]:
    """What a real SOAP client costs on the same requests: zeep's get and page rates, one thread."""
    client = zeep.Client(server.wsdl_url)
    service = client.create_service(f"{{{wsdl_tns(server.version)}}}NetSuiteBinding", server.service_url)
    assert server.settings.credentials is not None
    builder = PassportBuilder(server.settings.credentials)
    ref = client.get_type(f"{{{core_ns(server.version)}}}RecordRef")
    prefs = client.get_element(f"{{{messages_ns(server.version)}}}searchPreferences")(pageSize=1000)

    def one_get(i: int) -> None:
        baseref = ref(internalId=str(1 + i % records), type="customer")
        service.get(baseRef=baseref, _soapheaders={"tokenPassport": builder.build().to_zeep()})

    def one_page(i: int) -> None:
        headers = {"tokenPassport": builder.build().to_zeep(), "searchPreferences": prefs}
        service.searchMoreWithId(searchId=search_id, pageIndex=1 + i % 10, _soapheaders=headers)

    gets = rate([lambda i=i: one_get(i) for i in range(200)], 1)
    pages = rate([lambda i=i: one_page(i) for i in range(3)], 1)
    return gets, pages


def run(server: Server, records: int, requests: int, threads: int) -> None:
    env = Envelopes(server)
    url = server.service_url
    batch = 200
    started = time.perf_counter()
    for start in range(0, records, batch):
        post(url, env.add_list(start, min(batch, records - start)), "addList")
    fill = time.perf_counter() - started
    schema = server.settings.schema_dir or "compact schema"
    print(
        f"{schema}, version {server.version}: {records} customers added with addList in {fill:.1f} s "
        f"({records / fill:,.0f} records/s)"
    )

    first = etree.fromstring(post(url, env.search_all(1000), "search"))
    search_id = first.findtext(f".//{{{core_ns(server.version)}}}searchId")
    total_pages = int(first.findtext(f".//{{{core_ns(server.version)}}}totalPages") or 0)
    assert search_id, "the search returned no search id"
    assert total_pages == -(-records // 1000), total_pages
    page_bytes = len(post(url, env.search_more(search_id, 1, 1000), "searchMoreWithId"))

    static_url = server.wsdl_url.rsplit("/", 1)[0] + "/xsd/platform.faults.xsd"
    pages = max(requests // 20, 20)
    rows = []
    for n_threads in sorted({1, threads}):
        gets = [env.get(1 + (i * 7919) % records) for i in range(requests)]
        mores = [env.search_more(search_id, 1 + i % total_pages, 1000) for i in range(pages)]
        baseline = rate([lambda: get(static_url)] * requests, n_threads)
        get_rate = rate([lambda d=d: post(url, d, "get") for d in gets], n_threads)
        page_rate = rate([lambda d=d: post(url, d, "searchMoreWithId") for d in mores], n_threads)
        rows.append((n_threads, baseline, get_rate, page_rate))

    zeep_get, zeep_page = client_rates(server, search_id, records)
    print(f"a page of 1000 customers is {page_bytes / 1e6:.2f} MB of XML")
    print(
        f"for scale, a bare zeep client on one thread (signing, sending, parsing into objects): "
        f"get {zeep_get:,.0f}/s, pages of 1000 {zeep_page:.2f}/s"
    )
    print()
    print(
        "| client threads | static GET (baseline) | get              | searchMoreWithId, 1000 records      |"
    )
    print(
        "|----------------|-----------------------|------------------|-------------------------------------|"
    )
    for n_threads, baseline, get_rate, page_rate in rows:
        print(
            f"| {n_threads:<14} | {baseline:>9,.0f} req/s       "
            f"| {get_rate:>5,.0f}/s ({baseline / get_rate:4.1f}x) "
            f"| {page_rate:>5.1f} pages/s = {page_rate * 1000:>7,.0f} rec/s ({baseline / page_rate:5.0f}x) |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--full", type=Path, default=None, help="run on this full NetSuite bundle folder too")
    args = parser.parse_args()
    with Server(EmulatorSettings(concurrency_limit=0)) as server:
        run(server, args.records, args.requests, args.threads)
    if args.full is not None:
        print()
        with Server(EmulatorSettings(schema_dir=args.full, concurrency_limit=0)) as server:
            run(server, args.records, args.requests, args.threads)


if __name__ == "__main__":
    main()
