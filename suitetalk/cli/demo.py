"""``suitetalk demo``: the library at work end to end, against an emulator started in this process.

It uses the public API exactly as a user's script would, printing each call before its outcome: add, get,
update, a bulk upsert with a progress bar, NetSuite pushing back on concurrency and the client retrying, a
paged search and a partial failure. It ends with the lines that point the same script at a sandbox.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
from rich.markup import escape

from ..client import Client
from ..config import ClientConfig
from ..emulator import Emulator
from ..profiles import default_profiles_path
from . import console

#: Concurrency limit of the demo's emulator (the smallest NetSuite service tier's).
CONCURRENCY = 5
FAULT_RATE = 0.3
FAULT_SEED = 7
#: Records per upsert_list call in the bulk phase: enough to fill the limit, few enough for a smooth bar.
CHUNK = 500


def say(text: str) -> None:
    console.out.print(text, soft_wrap=True)


def code(*lines: str) -> None:
    """Python as the user would type it."""
    for n, line in enumerate(lines):
        prompt = ">>> " if n == 0 else "... "
        console.out.print(f"[cyan]{prompt}{escape(line)}[/]", soft_wrap=True)


def result(text: str) -> None:
    console.out.print(f"    {escape(text)}", soft_wrap=True)


def heading(number: int, text: str) -> None:
    console.out.print(f"\n[bold]{number}. {escape(text)}[/]")


class _RetryLines(logging.Handler):
    """Shows the client's retry log lines (logger ``suitetalk.retry``) as part of the demo."""

    def emit(self, record: logging.LogRecord) -> None:
        console.out.print(f"    [yellow]retry:[/] {escape(record.getMessage())}", soft_wrap=True)


@contextmanager
def retry_lines() -> Iterator[None]:
    logger = logging.getLogger("suitetalk.retry")
    handler = _RetryLines(logging.INFO)
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@click.command("demo")
@click.option(
    "--records",
    type=click.IntRange(100, 100_000),
    default=3000,
    show_default=True,
    help="How many records the bulk upsert writes.",
)
def demo_command(records: int) -> None:
    """Run the library end to end against an emulator in this process: no NetSuite account needed.

    Adds, reads and updates a customer, upserts a few thousand with a progress bar, has NetSuite reject
    requests for concurrency and retries them, pages through a search, shows a partial failure, and ends
    with the lines that point the same script at a sandbox.

    \b
    Example:
      suitetalk demo
    """
    started = time.monotonic()
    say("[bold]suitetalk demo[/]: the library against an offline SuiteTalk emulator started in this process.")
    heading(1, "Start an emulator and connect a client")
    code(f"emulator = Emulator(concurrency_limit={CONCURRENCY}).start()")
    with Emulator(concurrency_limit=CONCURRENCY) as emulator:
        result(f"SOAP endpoint {emulator.service_url}")
        code("client = Client(emulator.credentials, ClientConfig(endpoint=emulator.base_url))")
        config = ClientConfig(endpoint=emulator.base_url, version=emulator.version)
        with Client(emulator.credentials, config) as client:
            result(f"{client!r}; a fresh signed token passport goes with every request")
            _single_record(client)
            _bulk(client, emulator, records)
            _concurrency(client, emulator, records)
            _search(client)
            _partial_failure(client)
            say(
                f"\nDone in {time.monotonic() - started:.1f} s; the emulator never had more than "
                f"{emulator.max_in_flight} requests in flight (its limit: {CONCURRENCY})."
            )
    _sandbox()


def _single_record(client: Client) -> None:
    heading(2, "Add, get and update one record")
    code(
        'added = client.add("customer", external_id="DEMO-1", companyName="Acme Ltd", '
        'email="ap@acme.example")'
    )
    added = client.add("customer", external_id="DEMO-1", companyName="Acme Ltd", email="ap@acme.example")
    result(
        f"success={added.success} internal_id={added.internal_id} external_id={added.external_id} "
        f"ns_id={added.ns_id}"
    )
    code('customer = client.get("customer", added.internal_id)')
    customer = client.to_plain(client.get("customer", added.internal_id))
    result(f"{ {k: customer[k] for k in ('internalId', 'externalId', 'companyName', 'email')} }")
    code(
        'client.update("customer", internal_id=added.internal_id, phone="+44 20 7946 0000", '
        'custom_fields={"custentity_tier": "gold"})'
    )
    client.update(
        "customer",
        internal_id=added.internal_id,
        phone="+44 20 7946 0000",
        custom_fields={"custentity_tier": "gold"},
    )
    code('client.get("customer", external_id="DEMO-1")')
    updated = client.to_plain(client.get("customer", external_id="DEMO-1"))
    result(f"phone={updated.get('phone')!r} custom_fields={updated.get('custom_fields')}")


def _demo_records(client: Client, count: int) -> list[Any]:
    return [
        client.record(
            "customer",
            external_id=f"DEMO-{n:05d}",
            companyName=f"Customer {n}",
            email=f"customer{n}@example.com",
            isInactive=n % 10 == 0,
        )
        for n in range(count)
    ]


def _bulk(client: Client, emulator: Emulator, count: int) -> None:
    heading(3, f"Upsert {count} records by external id")
    code(
        f'records = [client.record("customer", external_id=f"DEMO-{{n:05d}}", companyName=f"Customer {{n}}", '
        f"...) for n in range({count})]"
    )
    code(
        f"for chunk in chunks(records, {CHUNK}):",
        "    results = client.upsert_list(chunk)   # 100 records per request, several requests in flight",
    )
    records = _demo_records(client, count)
    emulator.reset_stats()
    start = time.monotonic()
    written = 0
    with console.progress("upsert customer", count) as bar:
        for chunk in _chunks(records, CHUNK):
            written += sum(r.success for r in client.upsert_list(chunk))
            bar.advance(len(chunk))
    elapsed = time.monotonic() - start
    result(
        f"{written} of {count} written in {elapsed:.1f} s with {emulator.stats.requests} requests, at most "
        f"{emulator.max_in_flight} in flight: the client keeps under the integration's limit "
        f"({client.limiter.limit}), which it asked NetSuite for (getIntegrationGovernanceInfo)."
    )


def _concurrency(client: Client, emulator: Emulator, count: int) -> None:
    heading(4, "NetSuite pushes back: concurrency faults, retried")
    say(
        "    NetSuite refuses requests beyond the account's concurrency limit with WS_REQUEST_BLOCKED; "
        "such a request was not executed, so it is safe to send again. "
        f"The emulator now refuses {FAULT_RATE:.0%} of requests at random:"
    )
    code(f"emulator.configure(concurrency_fault_rate={FAULT_RATE}, seed={FAULT_SEED})")
    code(
        "results = client.upsert_list(records[:1000])   # the same records again: an upsert is safe to repeat"
    )
    emulator.configure(concurrency_fault_rate=FAULT_RATE, seed=FAULT_SEED)
    before = client.retry_stats
    records = _demo_records(client, min(count, 1000))
    try:
        with retry_lines():
            results = client.upsert_list(records)
    finally:
        emulator.configure(concurrency_fault_rate=0.0)
    after = client.retry_stats
    injected = emulator.stats.injected_concurrency_faults
    by_code = ", ".join(
        f"{c} x{n - before.retries_by_code.get(c, 0)}" for c, n in after.retries_by_code.items()
    )
    code("client.retry_stats")
    result(
        f"retries before: {before.retries}, after: {after.retries} ({by_code or 'none'}); "
        f"waited {after.total_wait - before.total_wait:.2f} s in all, with jittered, growing delays"
    )
    result(
        f"{sum(r.success for r in results)} of {len(records)} records written; the emulator injected "
        f"{injected} faults and nothing was lost. The client's limiter stepped down to "
        f"{client.limiter.limit} request(s) in flight, and climbs back as requests succeed."
    )


def _search(client: Client) -> None:
    heading(5, "A paged search")
    code('results = client.search("customer", {"companyName": ("startsWith", "Customer 1")}, page_size=250)')
    code("for page in results.pages(): ...")
    results = client.search("customer", {"companyName": ("startsWith", "Customer 1")}, page_size=250)
    seen = 0
    for page in results.pages():
        seen += len(page.records)
        result(f"page {page.page_index} of {page.total_pages}: {len(page.records)} records")
    result(
        f"{seen} of {results.total_records} records; pages are fetched as you iterate (searchMoreWithId), "
        "one page in memory at a time, with the page size sent on every page."
    )


def _partial_failure(client: Client) -> None:
    heading(6, "A partial failure")
    code(
        "results = client.add_list([",
        '    client.record("customer", external_id="DEMO-NEW-1", companyName="New One"),',
        '    client.record("customer", external_id="DEMO-1", companyName="Acme again"),   # exists already',
        '    client.record("customer", external_id="DEMO-NEW-2", companyName="New Two"),',
        "])",
    )
    results = client.add_list(
        [
            client.record("customer", external_id="DEMO-NEW-1", companyName="New One"),
            client.record("customer", external_id="DEMO-1", companyName="Acme again"),
            client.record("customer", external_id="DEMO-NEW-2", companyName="New Two"),
        ]
    )
    for wanted, outcome in zip(("DEMO-NEW-1", "DEMO-1", "DEMO-NEW-2"), results, strict=True):
        if outcome.success:
            result(f"ok      externalId {wanted} -> internalId {outcome.internal_id}")
        else:
            error = outcome.errors[0]
            result(f"FAILED  externalId {wanted}: {error.code}: {error.message}")
    failed = sum(not r.success for r in results)
    result(
        f"{failed} failed, {len(results) - failed} written: a list operation reports each record's outcome "
        "and never turns one failure into an exception for all."
    )


def _sandbox() -> None:
    path = default_profiles_path()
    heading(7, "The same script against a NetSuite sandbox")
    say("    Replace the emulator and its credentials with a profile:")
    say(f"    In {escape(str(path))}:")
    for line in (
        "[sandbox]",
        'account = "1234567_SB1"',
        'consumer_key = "..."                                  # from the integration record',
        'consumer_secret = { env = "NS_SANDBOX_CONSUMER_SECRET" }',
        'token_id = "..."                                      # from the access token',
        'token_secret = { env = "NS_SANDBOX_TOKEN_SECRET" }',
    ):
        say(f"      [green]{escape(line)}[/]")
    say("    In the script:")
    code('client = Client.from_profile("sandbox")')
    say(
        "    Or, with no file: export NETSUITE_ACCOUNT=1234567_SB1 NETSUITE_CONSUMER_KEY=... "
        "NETSUITE_CONSUMER_SECRET=... NETSUITE_TOKEN_ID=... NETSUITE_TOKEN_SECRET=... and "
        "Client.from_profile()."
    )
    say("    Then check the connection, in plain words: [bold]suitetalk check --profile sandbox[/]")
