"""``suitetalk emulator``: run the offline SuiteTalk emulator in the foreground until Ctrl-C."""

from __future__ import annotations

import shlex
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..config import DEFAULT_VERSION
from ..emulator import Emulator, EmulatorSettings
from ..emulator.rules import RuleError, load_rules
from ..emulator.serve import describe
from . import console

_rate = click.FloatRange(0.0, 1.0)


def exports(emulator: Emulator) -> str:
    """Shell lines that point the other commands (and ``Client.from_profile()``) at ``emulator``."""
    c = emulator.credentials
    values = {
        "SUITETALK_ENDPOINT": emulator.base_url,
        "SUITETALK_VERSION": emulator.version,
        "NETSUITE_ACCOUNT": c.account.passport_id,
        "NETSUITE_CONSUMER_KEY": c.consumer_key,
        "NETSUITE_CONSUMER_SECRET": c.consumer_secret.get_secret_value(),
        "NETSUITE_TOKEN_ID": c.token_id,
        "NETSUITE_TOKEN_SECRET": c.token_secret.get_secret_value(),
    }
    if emulator.ca_file is not None:
        values["SUITETALK_CA_BUNDLE"] = str(emulator.ca_file)
    return "\n".join(f"export {name}={shlex.quote(value)}" for name, value in values.items())


@click.command("emulator")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep it loopback)."
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="Port; 0 picks a free one [default: 0]."
)
@click.option(
    "--version",
    "version",
    default=DEFAULT_VERSION,
    show_default=True,
    help="Endpoint version served (with --schema, the bundle's own).",
)
@click.option(
    "--schema",
    "schema_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A NetSuite WSDL bundle folder to serve instead of the compact schema.",
)
@click.option(
    "--database",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file that keeps records across runs (default: in memory).",
)
@click.option("--account", default=None, help="Account id it serves [default: 1234567].")
@click.option(
    "--tls",
    is_flag=True,
    default=None,
    help="Serve HTTPS, with a certificate from a CA made at start (its file is printed).",
)
@click.option(
    "--concurrency",
    "concurrency_limit",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Requests in flight before WS_REQUEST_BLOCKED; 0 = unlimited.",
)
@click.option(
    "--latency",
    type=click.FloatRange(min=0.0),
    default=0.0,
    show_default=True,
    help="Seconds every request takes at least (the emulator's own work included).",
)
@click.option(
    "--concurrency-fault-rate",
    type=_rate,
    default=0.0,
    show_default=True,
    help="Share of requests answered with a concurrency fault anyway.",
)
@click.option(
    "--drop-connection-rate",
    type=_rate,
    default=0.0,
    show_default=True,
    help="Share of requests whose connection is dropped before they run.",
)
@click.option(
    "--lose-response-rate",
    type=_rate,
    default=0.0,
    show_default=True,
    help="Share of requests that run but whose response is lost.",
)
@click.option(
    "--error-page-rate",
    type=_rate,
    default=0.0,
    show_default=True,
    help="Share of requests answered with a gateway error page (HTML/text, not SOAP).",
)
@click.option(
    "--error-page-status",
    "error_page_statuses",
    type=click.Choice(["429", "500", "502", "503", "504"]),
    multiple=True,
    help="Status of the error pages; repeat for several [default: all five].",
)
@click.option(
    "--error-page-body",
    "error_page_bodies",
    type=click.Choice(["html", "text"]),
    multiple=True,
    help="Body of the error pages; repeat for both [default: html].",
)
@click.option(
    "--error-page-after-commit",
    type=_rate,
    default=None,
    help="Chance a 500/502/504 page comes after the request was executed [default: 0.5].",
)
@click.option(
    "--html-ok-rate",
    type=_rate,
    default=0.0,
    show_default=True,
    help="Share of requests answered with an HTML page and status 200.",
)
@click.option(
    "--redirect-rate",
    type=_rate,
    default=0.0,
    show_default=True,
    help="Share of requests answered with a redirect (301/302/307/308).",
)
@click.option(
    "--truncated-response-rate",
    type=_rate,
    default=0.0,
    show_default=True,
    help="Share of requests that run but whose answer is cut off mid-body.",
)
@click.option("--seed", type=int, default=None, help="Seed of the fault injection (same seed, same faults).")
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON or TOML file of failure rules (records they match fail, or succeed with warnings).",
)
def emulator_command(host: str, port: int, rules_file: Path | None, **settings: Any) -> None:
    """Run an offline SuiteTalk emulator until interrupted (Ctrl-C).

    Prints its service URL, WSDL URL and its own test credentials, as lines to paste into another shell
    so that suitetalk commands and scripts use it.

    \b
    Examples:
      suitetalk emulator --port 8080
      suitetalk emulator --database records.db --concurrency 5 --concurrency-fault-rate 0.1 --seed 1
      suitetalk emulator --error-page-rate 0.05 --error-page-status 502 --error-page-body text --seed 1
      suitetalk emulator --rules failures.toml
      suitetalk emulator --tls
    """
    given = {key: value for key, value in settings.items() if value is not None and value != ()}
    if "error_page_statuses" in given:
        given["error_page_statuses"] = tuple(int(status) for status in given["error_page_statuses"])
    if rules_file is not None:
        try:
            given["rules"] = load_rules(rules_file)
        except (OSError, ValueError) as exc:
            raise click.BadParameter(str(exc), param_hint="--rules") from None
    emulator = Emulator(EmulatorSettings(**given), host=host, port=port)
    try:
        emulator.start()
    except RuleError as exc:
        raise click.BadParameter(f"{rules_file}: {exc}", param_hint="--rules") from None
    with emulator, _stop_on_sigterm():
        click.echo(banner(emulator), nl=False)
        try:
            while True:
                threading.Event().wait(0.5)
        except KeyboardInterrupt:
            pass
    console.message("SuiteTalk emulator stopped.")


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Stop as on Ctrl-C when terminated (``docker stop``, a service manager): the database closes cleanly."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def banner(emulator: Emulator) -> str:
    """Where it listens, and the ready-to-paste lines with its (emulator-only) credentials."""
    head = describe(emulator).split("\n\nEMULATOR-ONLY", 1)[0]
    config = f"endpoint={emulator.base_url!r}"
    if emulator.ca_file is not None:
        config += f", verify={str(emulator.ca_file)!r}"
    return (
        f"{head}\n\n"
        "EMULATOR-ONLY TEST CREDENTIALS (accepted by this emulator only, never by NetSuite).\n"
        "To point suitetalk commands at it, paste into another shell:\n\n"
        f"{exports(emulator)}\n\n"
        f"(or give each command --endpoint {emulator.base_url}; in Python, with these variables set,\n"
        f" Client(config=ClientConfig({config})) connects to it)\n\n"
        "Press Ctrl-C to stop.\n"
    )
