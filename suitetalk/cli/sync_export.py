"""``suitetalk export RECORD_TYPE --since STATE_FILE``: only what changed since the last run.

The state file holds the watermark of the previous run (:attr:`suitetalk.changes.Changes.watermark`); when
it does not exist yet, the run exports every record and creates it. Records added or changed are written
as an ordinary export writes them; each deleted record is a record of its own, ``{"_deleted": true,
"internalId": ..., "externalId": ..., "recordType": ..., "deletedDate": ...}`` (the same columns in CSV).

The output is written to a temporary file beside it and moved into place once complete; only then is the
state file replaced (atomically). A run that stops half-way leaves the output and the state as they were,
and the same command run again exports everything since the previous complete run: a change may be
written twice across an interruption, never lost.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..changes import Change
from ..errors import ChangesError
from . import console
from .exits import CliError, ExitCode
from .output import columns_of, flatten, project

__all__ = ["export_changes"]

#: Marks a deleted record in the output.
DELETED_MARK = "_deleted"


def load_watermark(path: Path) -> dict[str, Any] | None:
    """The watermark kept in ``path``; ``None`` when there is none yet (the first run)."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read the sync state {path}: {exc}", ExitCode.USAGE) from None
    if not isinstance(data, dict):
        raise CliError(f"{path} is not a sync state file (expected a JSON object)", ExitCode.USAGE)
    return data


def _save_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)  # a reader sees the old state or the new one, never half of one


def _plain(change: Change, fields: Sequence[str]) -> dict[str, Any]:
    if change.kind == "upsert":
        return project(change.to_plain(), fields)
    return {
        DELETED_MARK: True,
        "internalId": change.internal_id,
        "externalId": change.external_id,
        "recordType": change.record_type,
        "deletedDate": change.deleted_at.isoformat() if change.deleted_at else None,
    }


def export_changes(
    client: Any,
    record_type: str,
    where: Mapping[str, Any],
    out: Path,
    state_file: Path,
    *,
    output_format: str,
    fields: Sequence[str],
    page_size: int | None,
) -> None:
    """Write the changes since the watermark in ``state_file`` to ``out``, then move the watermark."""
    since = load_watermark(state_file)
    try:
        changes = client.changes(record_type, since=since, where=dict(where), page_size=page_size)
    except ChangesError as exc:
        raise CliError(f"{state_file}: {exc}", ExitCode.USAGE) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = out.with_name(out.name + ".partial")
    upserts = deletions = 0
    columns: list[str] = []
    try:
        with (
            lines.open("w", encoding="utf-8") as handle,
            console.progress(f"changes of {record_type}", None) as bar,
        ):
            for change in changes:
                plain = _plain(change, fields)
                if output_format == "csv":
                    columns = columns_of([flatten(plain)], columns)
                handle.write(json.dumps(plain, ensure_ascii=False) + "\n")
                upserts += change.kind == "upsert"
                deletions += change.kind == "delete"
                bar.advance(1)
            watermark = changes.watermark
            handle.flush()
            os.fsync(handle.fileno())
        if output_format == "csv":
            _jsonl_to_csv(lines, out, columns)
            lines.unlink()
        else:
            os.replace(lines, out)
    except BaseException:
        lines.unlink(missing_ok=True)
        console.message(
            f"Stopped before the changes were all written: {out} and {state_file} are unchanged; "
            "run the same command again."
        )
        raise
    # Only once the output is complete does the watermark move.
    _save_atomically(state_file, json.dumps(watermark, indent=1))
    first = " (first run: every record)" if since is None else ""
    console.message(
        f"Exported {upserts} added or changed and {deletions} deleted {record_type} record(s){first} "
        f"to {out}; watermark saved to {state_file}."
    )


def _jsonl_to_csv(source: Path, target: Path, columns: Sequence[str]) -> None:
    """Rewrite JSON lines as CSV with every column seen, streaming, through a temporary file."""
    tmp = target.with_name(target.name + ".tmp")
    with (
        source.open("r", encoding="utf-8") as lines,
        tmp.open("w", encoding="utf-8", newline="") as handle,
    ):
        writer = csv.writer(handle, lineterminator="\n")
        if columns:
            writer.writerow(columns)
        for line in lines:
            row = flatten(json.loads(line))
            writer.writerow([row.get(column, "") for column in columns])
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)
