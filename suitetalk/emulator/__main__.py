"""``python -m suitetalk.emulator [--port N] [--database FILE] [--schema DIR] [--version V]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .serve import serve
from .settings import EmulatorSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m suitetalk.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--version", dest="version", default=None, help="endpoint version, e.g. 2025_2")
    parser.add_argument("--schema", type=Path, default=None, help="a NetSuite WSDL bundle folder")
    parser.add_argument("--database", type=Path, default=None, help="SQLite file (default: memory)")
    parser.add_argument("--account", default=None)
    parser.add_argument("--concurrency", type=int, default=None, help="concurrency limit, 0 = unlimited")
    args = parser.parse_args(argv)
    given = {
        "version": args.version,
        "schema_dir": args.schema,
        "database": args.database,
        "account": args.account,
        "concurrency_limit": args.concurrency,
    }
    settings = EmulatorSettings(**{k: v for k, v in given.items() if v is not None})
    serve(settings, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
