"""``suitetalk import``: records from CSV or JSON Lines into NetSuite, every row's outcome in a report.

Rows are read one batch at a time (constant memory), turned into records (a row that does not fit goes
straight to the report as failed), and written with ``upsertList``/``addList``/``updateList`` through the
client, which splits them to NetSuite's per-request limits, keeps under the concurrency limit and retries
what is safe to retry. A record NetSuite refuses never stops the run; a failed login does.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import IO, Any

import click

from ..errors import (
    AuthenticationError,
    InvalidVersionError,
    PermissionDeniedError,
    ServiceUnavailableError,
    SuiteTalkError,
)
from ..records import RecordDataError
from . import console
from .connection import Connection, confirm_production_write, connection_options
from .exits import CliError, ExitCode, classify
from .records import record_type_name
from .rows import (
    CsvColumns,
    InputFormat,
    Row,
    count_records,
    describe_problems,
    detect_format,
    external_id_of,
    file_problems,
    internal_id_of,
    read_csv,
    read_jsonl,
)

REPORT_COLUMNS = ("row", "line", "external_id", "internal_id", "success", "code", "message")
#: Code of a row that never reached NetSuite because it does not fit the record type.
INVALID_ROW = "INVALID_ROW"
#: Code of a row whose request was sent but whose answer was lost: check it before sending it again.
OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
_OPERATIONS = {"upsert": "upsert_list", "add": "add_list", "update": "update_list"}
#: Errors that fail every request alike: going on would only fill the report with the same failure.
_FATAL = (AuthenticationError, PermissionDeniedError, InvalidVersionError, ServiceUnavailableError)


@dataclass(frozen=True)
class Outcome:
    """One line of the report."""

    row: Row
    success: bool
    internal_id: str | None = None
    external_id: str | None = None
    code: str | None = None
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row.number,
            "line": self.row.line,
            "external_id": self.external_id,
            "internal_id": self.internal_id,
            "success": self.success,
            "code": self.code,
            "message": self.message,
        }


class Report:
    """The report file (CSV or JSON Lines, by its name), written and flushed batch by batch."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.jsonl = path.suffix.lower() in (".jsonl", ".ndjson", ".json")
        self._handle: IO[str] = path.open("w", encoding="utf-8", newline="")
        self._csv = None if self.jsonl else csv.writer(self._handle, lineterminator="\n")
        if self._csv is not None:
            self._csv.writerow(REPORT_COLUMNS)

    def write(self, outcomes: Iterable[Outcome]) -> None:
        for outcome in outcomes:
            line = outcome.as_dict()
            if self._csv is None:
                self._handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            else:
                self._csv.writerow(
                    ["" if v is None else str(v).lower() if isinstance(v, bool) else v for v in line.values()]
                )
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


class Rejects:
    """The input rows that failed, in the input's own format, so they can be fixed and imported again."""

    def __init__(self, path: Path, fmt: InputFormat, header: Sequence[str]) -> None:
        self.path = path
        self._fmt = fmt
        self._header = list(header)
        self._handle: IO[str] | None = None
        self._csv: Any = None
        self.count = 0

    def write(self, rows: Iterable[Row]) -> None:
        for row in rows:
            if self._handle is None:
                self._handle = self.path.open("w", encoding="utf-8", newline="")
                if self._fmt == "csv":
                    self._csv = csv.writer(self._handle, lineterminator="\n")
                    self._csv.writerow(self._header)
            if self._csv is not None:
                self._csv.writerow(row.raw)
            else:
                self._handle.write(str(row.raw) + "\n")
            self.count += 1
        if self._handle is not None:
            self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while batch := list(islice(rows, size)):
        yield batch


def _default_path(source: Path, kind: str, fmt: InputFormat) -> Path:
    return source.with_name(f"{source.stem}.{kind}.{'csv' if fmt == 'csv' else 'jsonl'}")


@click.command("import")
@click.argument("record_type")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option(
    "--upsert",
    "mode",
    flag_value="upsert",
    default=True,
    help="Add or update by external id (the default; safe to run again).",
)
@click.option("--add", "mode", flag_value="add", help="Add new records only.")
@click.option(
    "--update", "mode", flag_value="update", help="Update existing records (by internal or external id)."
)
@click.option(
    "--input-format", type=click.Choice(["csv", "jsonl"]), help="Input format (default: from the file name)."
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report file, .csv or .jsonl (default: FILE's name + .report.csv/.jsonl).",
)
@click.option(
    "--rejects",
    "rejects_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where failed input rows are copied (default: FILE's name + .rejects.csv/.jsonl).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=1000,
    show_default=True,
    help="Rows read and sent per round (the client splits them to NetSuite's limits).",
)
@click.option(
    "--drop-fields",
    metavar="FIELDS",
    help="Leave out these fields of every row, separated by commas (e.g. internalId when copying "
    "records from another account).",
)
@click.option(
    "--skip-unreadable",
    is_flag=True,
    help="Import the rows that can be read even when parts of FILE cannot (an unclosed quote, broken CSV, "
    "text that is not UTF-8); without it such a file is refused and nothing is imported.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask before writing to a production account.")
@connection_options
def import_command(
    conn: Connection,
    record_type: str,
    file: Path,
    mode: str,
    input_format: str | None,
    report_path: Path | None,
    rejects_path: Path | None,
    batch_size: int,
    drop_fields: str | None,
    skip_unreadable: bool,
    yes: bool,
) -> None:
    """Import records of RECORD_TYPE from FILE (CSV or JSON Lines).

    Every row's outcome goes to the report file (row, line, external id, internal id, success, code,
    message); rows that failed are also copied to the rejects file. A failed row never stops the run.
    Exit status 1 if any row failed.

    \b
    Examples:
      suitetalk import customer customers.csv --report outcome.csv
      suitetalk import customer customers.jsonl --add --profile sandbox
    """
    fmt = detect_format(file, input_format)
    problems = file_problems(file, fmt)
    if problems and not skip_unreadable:
        raise CliError(
            describe_problems(file, problems)
            + "\nNothing was imported. Fix the file, or add --skip-unreadable to import the rows that can be "
            "read (the others are reported as failed).",
            ExitCode.USAGE,
        )
    for problem in problems:
        console.message(f"Warning: {problem}")
    total = count_records(file, fmt)
    profile = conn.profile()
    confirm_production_write(profile, f"{mode} {total} {record_type} record(s) from {file.name}", yes=yes)
    report_file = report_path or _default_path(file, "report", fmt)
    rejects_file = rejects_path or _default_path(file, "rejects", fmt)
    with conn.client(profile) as client:
        name = record_type_name(client, record_type)
        header: list[str] = []
        if fmt == "csv":
            xsd_type = client.types.type_for(name)
            header, rows = read_csv(file, lambda h: CsvColumns(xsd_type, name, h))
        else:
            rows = read_jsonl(file)
        dropped = frozenset(f.strip() for f in (drop_fields or "").split(",") if f.strip())
        run = _Run(client, name, mode, Report(report_file), Rejects(rejects_file, fmt, header), dropped)
        try:
            with console.progress(f"{mode} {name}", total) as bar:
                for batch in _batches(rows, batch_size):
                    run.batch(batch)
                    bar.advance(len(batch))
        except KeyboardInterrupt:
            console.message(
                f"Interrupted after {run.done} row(s); the report lists them. Rows after that may or may not "
                "have been written: run the import again with --upsert (safe), or check them."
            )
            raise
        finally:
            run.close()
    console.message(run.summary(file))
    if run.failed:
        raise click.exceptions.Exit(int(ExitCode.RECORDS_FAILED))


class _Run:
    """One import: sends batches, writes outcomes, counts."""

    def __init__(
        self,
        client: Any,
        record_type: str,
        mode: str,
        report: Report,
        rejects: Rejects,
        dropped: frozenset[str] = frozenset(),
    ) -> None:
        self.client = client
        self.dropped = dropped
        self.record_type = record_type
        self.mode = mode
        self.report = report
        self.rejects = rejects
        self.done = 0
        self.failed = 0
        self.written = 0

    def batch(self, rows: Sequence[Row]) -> None:
        outcomes: list[Outcome | None] = [None] * len(rows)
        to_send: list[tuple[int, Any]] = []
        for index, row in enumerate(rows):
            if row.data is not None and self.dropped:
                row = replace(row, data={k: v for k, v in row.data.items() if k not in self.dropped})
            problem = row.error or self._missing_id(row)
            if problem is None:
                try:
                    to_send.append((index, self.client.record(self.record_type, row.data)))
                    continue
                except RecordDataError as exc:
                    problem = str(exc)
            outcomes[index] = Outcome(
                row, False, internal_id_of(row.data), row.external_id, INVALID_ROW, problem
            )
        fatal: SuiteTalkError | None = None
        if to_send:
            write = getattr(self.client, _OPERATIONS[self.mode])
            results = write([record for _, record in to_send])
            for (index, _), result in zip(to_send, results, strict=True):
                outcomes[index] = self._outcome(rows[index], result)
                if isinstance(result.error, _FATAL):
                    fatal = result.error
        finished = [o for o in outcomes if o is not None]
        self.report.write(finished)
        self.rejects.write(o.row for o in finished if not o.success)
        self.done += len(finished)
        self.failed += sum(1 for o in finished if not o.success)
        self.written += sum(1 for o in finished if o.success)
        if fatal is not None:
            code, text = classify(fatal)
            raise CliError(
                f"{text}\nStopped after {self.done} row(s) (see {self.report.path}); nothing after them was "
                "sent.",
                code,
            )

    def _missing_id(self, row: Row) -> str | None:
        if self.mode == "upsert" and external_id_of(row.data) is None:
            return "--upsert needs an external id in every row (field externalId)"
        if self.mode == "update" and external_id_of(row.data) is None and internal_id_of(row.data) is None:
            return "--update needs an internal id or an external id in every row (internalId or externalId)"
        return None

    @staticmethod
    def _outcome(row: Row, result: Any) -> Outcome:
        details = result.errors if not result.success else result.warnings
        first = details[0] if details else None
        message = "; ".join(str(d.message or d.code) for d in details) or None
        code = first.code if first else None
        if result.outcome_unknown:
            # Sent, but the answer was lost: NetSuite may or may not have written it.
            code = OUTCOME_UNKNOWN
        elif code is None and result.error is not None:
            code = type(result.error).__name__
        return Outcome(
            row,
            bool(result.success),
            result.internal_id or internal_id_of(row.data),
            result.external_id or row.external_id,
            code,
            message,
        )

    def close(self) -> None:
        self.report.close()
        self.rejects.close()

    def summary(self, file: Path) -> str:
        text = (
            f"{self.mode}: {self.written} of {self.done} row(s) of {file.name} written to "
            f"{self.record_type}; {self.failed} failed. Report: {self.report.path}"
        )
        if self.rejects.count:
            text += f"; failed rows copied to {self.rejects.path}"
        stats = self.client.retry_stats
        if stats.retries:
            causes = ", ".join(f"{code} x{n}" for code, n in sorted(stats.retries_by_code.items()))
            text += f"\nRetried {stats.retries} request(s) NetSuite pushed back on ({causes})."
        return text
