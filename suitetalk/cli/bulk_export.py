"""``suitetalk export``: a whole search streamed to JSON Lines or CSV, page by page, resumable.

The next pages are fetched while earlier ones are written (``--prefetch``, by default as many as the
concurrency limit allows, at most 8); they are written in order, so everything below holds unchanged.

After each page is written and flushed to disk, a small state file beside the output
(``<out>.state.json``) records the search (record type, conditions, page size, format), the pages done and
the output's size at that point. ``--resume`` cuts the output back to that size (dropping a page that was
only half written when the export stopped), runs the search again and continues from the next page.

NetSuite pages a search by running it again for every page, so records added, changed or deleted while an
export runs (or between an interruption and its resumption) can move between pages: one may then be
missed or written twice, exactly as with NetSuite's own paging. An export that completes without
interruption over data nobody changes meanwhile writes every record exactly once.

A search id expires 15 minutes after the search started; when that happens mid-export, the search is run
again from the next page, automatically.

CSV columns are the top-level fields seen in the records (custom fields one column each), in the order
first seen. Fields that first appear after the header was written are added at the end of the rows, and
the header is rewritten once the export completes.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import click
from filelock import FileLock, Timeout

from ..errors import SearchExpiredError
from . import console
from .connection import Connection, connection_options
from .exits import CliError, ExitCode
from .output import columns_of, csv_text, flatten, project
from .records import checked_fields, record_type_name
from .sync_export import export_changes
from .where import parse_where

STATE_FORMAT = 1


@dataclass
class ExportState:
    """What a resumed export needs to know; saved after every page."""

    record_type: str
    where: list[list[str]]
    page_size: int
    output_format: str
    fields: list[str]
    pages_done: int = 0
    records_written: int = 0
    bytes_written: int = 0
    total_records: int | None = None
    columns: list[str] = field(default_factory=list)
    header_columns: list[str] = field(default_factory=list)
    format: int = STATE_FORMAT
    updated_at: str = ""

    @classmethod
    def load(cls, path: Path) -> ExportState:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != STATE_FORMAT:
                raise ValueError(f"unknown state format {data.get('format')!r}")
            return cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise CliError(f"cannot read the export state {path}: {exc}", ExitCode.USAGE) from None

    def save(self, path: Path) -> None:
        self.updated_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        os.replace(tmp, path)  # a reader sees the old state or the new one, never half of one


def state_path(out: Path) -> Path:
    """Where the state of an export to ``out`` is kept."""
    return out.with_name(out.name + ".state.json")


def lock_path(out: Path) -> Path:
    """The lock file that keeps two exports from writing ``out`` at once (left in place, harmless)."""
    return out.with_name(out.name + ".lock")


@contextmanager
def _export_lock(out: Path) -> Iterator[None]:
    """Hold the export's lock for ``out``, or refuse at once: two exports to one file would corrupt it and
    each other's state file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path(out), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise CliError(
            f"another export to {out} is running (it holds {lock_path(out).name}): wait for it to finish, "
            "or export to another file",
            ExitCode.USAGE,
        ) from None
    try:
        yield
    finally:
        lock.release()


def _output_format(out: Path, chosen: str | None) -> str:
    if chosen:
        return chosen
    return "csv" if out.suffix.lower() == ".csv" else "jsonl"


@click.command("export")
@click.argument("record_type")
@click.option(
    "--out",
    "-o",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file (.csv for CSV, anything else JSON Lines).",
)
@click.option(
    "--where",
    "-w",
    "where",
    nargs=3,
    multiple=True,
    metavar="FIELD OP VALUE",
    help="A search condition (repeatable); see 'suitetalk search --help'.",
)
@click.option(
    "--format",
    "-f",
    "output_format",
    type=click.Choice(["jsonl", "csv"]),
    help="Output format (default: from the file name).",
)
@click.option(
    "--page-size",
    type=click.IntRange(5, 1000),
    default=None,
    help="Records per search page, 5..1000 [default: 1000].",
)
@click.option(
    "--prefetch",
    type=click.IntRange(0, 100),
    default=None,
    help="Pages fetched ahead while earlier ones are written, 0..100; 0 fetches one at a time "
    "[default: the concurrency limit, at most 8].",
)
@click.option("--fields", help="Only these top-level fields, separated by commas.")
@click.option("--resume", is_flag=True, help="Continue an interrupted export of the same search.")
@click.option("--force", is_flag=True, help="Start over even if an interrupted export left its state.")
@click.option(
    "--since",
    "since",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="STATE_FILE",
    help="Only what changed since the run that wrote STATE_FILE (every record when it does not exist); "
    "deletions are records of their own; STATE_FILE is updated once the output is complete.",
)
@connection_options
def export_command(
    conn: Connection,
    record_type: str,
    out: Path,
    where: Sequence[tuple[str, str, str]],
    output_format: str | None,
    page_size: int | None,
    prefetch: int | None,
    fields: str | None,
    resume: bool,
    force: bool,
    since: Path | None,
) -> None:
    """Export every record of RECORD_TYPE matching the conditions to a JSON Lines or CSV file.

    Streams page by page in bounded memory with a progress bar, fetching the next pages while it writes
    (--prefetch); an interrupted export (Ctrl-C, a lost connection) continues where it stopped with
    --resume.

    \b
    Examples:
      suitetalk export customer --where isInactive is false --out customers.jsonl
      suitetalk export customer --out customers.jsonl --resume      # after an interruption
      suitetalk export customer --out changes.jsonl --since customer.sync.json   # every night
    """
    if since is not None:
        _export_since(conn, record_type, out, where, output_format, page_size, fields, resume, since)
        return
    state_file = state_path(out)
    click.get_current_context().with_resource(_export_lock(out))  # released when the command ends
    field_list = [f.strip() for f in fields.split(",") if f.strip()] if fields else []
    wanted = ExportState(
        record_type=record_type,
        where=[list(c) for c in where],
        page_size=page_size or 1000,
        output_format=_output_format(out, output_format),
        fields=field_list,
    )
    if resume:
        if not state_file.exists():
            raise CliError(f"nothing to resume: there is no {state_file.name} beside {out}", ExitCode.USAGE)
        state = _resumable(ExportState.load(state_file), wanted, where, page_size, output_format, fields, out)
    else:
        if state_file.exists() and not force:
            raise CliError(
                f"{out} holds an interrupted export ({state_file.name} exists): add --resume to continue it, "
                "or --force to start over",
                ExitCode.USAGE,
            )
        state = wanted
    with conn.client() as client:
        state.record_type = record_type_name(client, state.record_type)
        checked_fields(client, state.record_type, ",".join(state.fields))
        criteria = parse_where(client.types, state.record_type, [tuple(c) for c in state.where])  # type: ignore[misc]
        _Export(client, criteria, state, out, state_file, resumed=resume, prefetch=prefetch).run()


def _export_since(
    conn: Connection,
    record_type: str,
    out: Path,
    where: Sequence[tuple[str, str, str]],
    output_format: str | None,
    page_size: int | None,
    fields: str | None,
    resume: bool,
    since: Path,
) -> None:
    if resume:
        raise CliError(
            "--since and --resume do not go together: a sync that stopped half-way is simply run again",
            ExitCode.USAGE,
        )
    click.get_current_context().with_resource(_export_lock(out))  # one run per output at a time
    with conn.client() as client:
        name = record_type_name(client, record_type)
        field_list = checked_fields(client, name, fields)
        criteria = parse_where(client.types, name, list(where))
        export_changes(
            client,
            name,
            criteria,
            out,
            since,
            output_format=_output_format(out, output_format),
            fields=field_list,
            page_size=page_size,
        )


def _resumable(
    state: ExportState,
    wanted: ExportState,
    where: Sequence[tuple[str, str, str]],
    page_size: int | None,
    output_format: str | None,
    fields: str | None,
    out: Path,
) -> ExportState:
    """The saved state, after checking that the command line asks for the same export."""
    conflicts = []
    if wanted.record_type.lower() != state.record_type.lower():
        conflicts.append(f"record type {state.record_type}")
    if where and wanted.where != state.where:
        conflicts.append("--where " + " ".join(" ".join(c) for c in state.where))
    if page_size and page_size != state.page_size:
        conflicts.append(f"--page-size {state.page_size}")
    if output_format and output_format != state.output_format:
        conflicts.append(f"--format {state.output_format}")
    if fields and wanted.fields != state.fields:
        conflicts.append("--fields " + ",".join(state.fields))
    if conflicts:
        raise CliError(
            "the interrupted export used " + "; ".join(conflicts) + ": resume it with the same options "
            "(or leave them out), or start over with --force",
            ExitCode.USAGE,
        )
    if not out.exists() or out.stat().st_size < state.bytes_written:
        raise CliError(
            f"{out} is shorter than the state says: it changed since; start over with --force", ExitCode.USAGE
        )
    return state


class _Export:
    def __init__(
        self,
        client: Any,
        criteria: dict[str, Any],
        state: ExportState,
        out: Path,
        state_file: Path,
        *,
        resumed: bool,
        prefetch: int | None = None,
    ) -> None:
        self.client = client
        self.prefetch = prefetch
        self.criteria = criteria
        self.state = state
        self.out = out
        self.state_file = state_file
        self.resumed = resumed

    def run(self) -> None:
        state = self.state
        restarts_without_progress = 0
        if self.resumed:
            console.message(f"Resuming after page {state.pages_done} ({state.records_written} records).")
        handle = self._open()
        try:
            with console.progress(f"export {state.record_type}", state.total_records) as bar:
                bar.set_total(state.total_records, state.records_written)
                while True:
                    results = self.client.search(
                        state.record_type,
                        self.criteria,
                        page_size=state.page_size,
                        start_page=state.pages_done + 1,
                        # Pages still come in order, so the state saved after each one stays true.
                        prefetch=self.prefetch,
                        plain=True,  # records read straight into the plain data written out
                    )
                    try:
                        self._check_total(results.total_records)
                        bar.set_total(state.total_records, state.records_written)
                        for page in results.pages():
                            self._write_page(handle, page)
                            bar.advance(len(page.records))
                            restarts_without_progress = 0
                        break
                    except SearchExpiredError:
                        restarts_without_progress += 1
                        if restarts_without_progress > 2:
                            raise
                        console.message(
                            f"The search id expired after page {state.pages_done}; running the search again "
                            "from the next page (records changed meanwhile may move between pages)."
                        )
        except BaseException:
            handle.close()
            if state.pages_done == 0 and not self.resumed:
                # Nothing to resume: leave no state behind, so that the same command simply runs again.
                self.state_file.unlink(missing_ok=True)
                self.out.unlink(missing_ok=True)
                console.message("Export stopped before its first page: nothing was written.")
            else:
                console.message(
                    f"Export stopped after page {state.pages_done} ({state.records_written} records written "
                    f"to {self.out}). Run the same command with --resume to continue."
                )
            raise
        handle.close()
        if state.output_format == "csv" and state.columns != state.header_columns:
            _rewrite_header(self.out, state.columns)
        self.state_file.unlink(missing_ok=True)
        console.message(
            f"Exported {state.records_written} {state.record_type} record(s) to {self.out} "
            f"({state.pages_done} page(s) of up to {state.page_size})."
        )

    def _open(self) -> IO[bytes]:
        if self.resumed:
            existing = self.out.open("r+b")
            existing.truncate(self.state.bytes_written)  # a page written only in part is dropped
            existing.seek(0, os.SEEK_END)
            return existing
        self.out.parent.mkdir(parents=True, exist_ok=True)
        handle = self.out.open("wb")
        self.state.save(self.state_file)
        return handle

    def _check_total(self, total: int) -> None:
        state = self.state
        if state.total_records is not None and total != state.total_records:
            console.message(
                f"Warning: the search now finds {total} records, {state.total_records} when the export "
                "started; records changed meanwhile may be missed or written twice."
            )
        state.total_records = total

    def _write_page(self, handle: Any, page: Any) -> None:
        state = self.state
        plain = [project(r, state.fields) for r in page.records]
        if state.output_format == "csv":
            rows = [flatten(r) for r in plain]
            first = not state.header_columns and bool(rows)  # an empty result is an empty file
            state.columns = columns_of(rows, state.columns)
            if first:
                state.header_columns = list(state.columns)
            text = csv_text(rows, state.columns, header=first)
        else:
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in plain)
        handle.write(text.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
        state.pages_done = page.page_index
        state.records_written += len(plain)
        state.bytes_written = handle.tell()
        state.save(self.state_file)


def _rewrite_header(path: Path, columns: Sequence[str]) -> None:
    """Give a CSV file the full header, padding earlier rows, by a streaming copy."""
    tmp = path.with_name(path.name + ".tmp")
    with (
        path.open("r", encoding="utf-8", newline="") as source,
        tmp.open("w", encoding="utf-8", newline="") as target,
    ):
        reader = csv.reader(source)
        writer = csv.writer(target, lineterminator="\n")
        next(reader, None)
        writer.writerow(columns)
        for row in reader:
            writer.writerow(row + [""] * (len(columns) - len(row)))
    os.replace(tmp, path)
