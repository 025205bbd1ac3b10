"""Running the emulator in the foreground, for ``suitetalk emulator`` and ``python -m suitetalk.emulator``.

This is the one place the emulator's secrets are shown: they are its own test credentials, generated for
this run (or given), and a user needs them to point a client at it. They are labelled as such.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from .server import Emulator
from .settings import EmulatorSettings


def describe(emulator: Emulator) -> str:
    """The banner: where the emulator listens and which (emulator-only) credentials it accepts."""
    c = emulator.credentials
    database = emulator.settings.database or "in memory (lost on exit)"
    schema = emulator.settings.schema_dir or "compact schema (generated)"
    return "\n".join(
        [
            f"SuiteTalk emulator {emulator.version} running.",
            f"  service URL : {emulator.service_url}",
            f"  WSDL URL    : {emulator.wsdl_url}",
            f"  endpoint    : {emulator.base_url}   (the endpoint override for a client)",
            f"  schema      : {schema}",
            f"  database    : {database}",
            f"  concurrency : {emulator.settings.concurrency_limit or 'unlimited'}",
            *(
                [f"  CA file     : {emulator.ca_file}   (trust it: verify=<this path>)"]
                if emulator.ca_file
                else []
            ),
            "",
            "EMULATOR-ONLY TEST CREDENTIALS (accepted by this emulator only, never by NetSuite):",
            f"  NETSUITE_ACCOUNT={c.account.passport_id}",
            f"  NETSUITE_CONSUMER_KEY={c.consumer_key}",
            f"  NETSUITE_CONSUMER_SECRET={c.consumer_secret.get_secret_value()}",
            f"  NETSUITE_TOKEN_ID={c.token_id}",
            f"  NETSUITE_TOKEN_SECRET={c.token_secret.get_secret_value()}",
            "",
            "Press Ctrl-C to stop.",
        ]
    )


def serve(
    settings: EmulatorSettings | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Start an emulator, print its URLs and credentials to ``out`` (stdout), block until Ctrl-C.

    ``stop``, when given, ends the wait as Ctrl-C would (for embedding and tests).
    """
    stream = out if out is not None else sys.stdout
    done = stop if stop is not None else threading.Event()
    with Emulator(settings, host=host, port=port) as emulator:
        print(describe(emulator), file=stream, flush=True)
        try:
            while not done.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("SuiteTalk emulator stopped.", file=stream, flush=True)
