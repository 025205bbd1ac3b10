"""NetSuite's asynchronous jobs: submit a list or a search, follow the job, read its results.

``asyncAddList``, ``asyncUpdateList``, ``asyncUpsertList``, ``asyncDeleteList``, ``asyncGetList`` and
``asyncSearch`` answer at once with a job id; NetSuite runs the job in its own queue, outside the account's
concurrency limit once submitted. ``checkAsyncStatus`` reports its status (``pending``, ``processing``,
``finished``, ``finishedWithErrors``, ``failed``) and percent complete, ``getAsyncResult`` its results,
page by page.

An :class:`AsyncJob` is one such job, or several: NetSuite takes at most 400 records per job for add and
delete, 200 for update and upsert and 2,000 for get, so more records are split into several jobs, as the
synchronous lists split theirs into several requests. Its :attr:`~AsyncJob.id` names every one of them and
is all another process needs to pick the job up again (``client.async_job(job_id)``).
:meth:`AsyncJob.wait` returns what the synchronous operation returns: one
:class:`~suitetalk.results.WriteResult` or :class:`~suitetalk.results.ReadResult` per record in input order,
or the :class:`~suitetalk.search.SearchResults` of a search.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .errors import (
    AsyncJobError,
    AsyncJobExpiredError,
    AsyncJobNotCompleteError,
    AsyncJobTimeoutError,
    FaultError,
    InputError,
    OutcomeUnknownError,
    SuiteTalkError,
)
from .records import RecordDataError, RecordRef
from .results import ReadResult, StatusDetail, WriteResult
from .search import SearchPage, SearchResults
from .transport import Reply

__all__ = ["ASYNC_LIMITS", "AsyncJob", "JobStatus", "parse_job_id"]

T = TypeVar("T")

#: Records per job NetSuite accepts for each asynchronous list operation.
ASYNC_LIMITS: Mapping[str, int] = {
    "asyncAddList": 400,
    "asyncDeleteList": 400,
    "asyncUpdateList": 200,
    "asyncUpsertList": 200,
    "asyncGetList": 2000,
}
#: Statuses after which a job changes no more.
DONE_STATUSES = frozenset({"finished", "finishedWithErrors", "failed"})
#: Separates the NetSuite job ids of a job split in several (NetSuite's ids never contain it).
_ID_SEPARATOR = ","
_INVALID_JOB_ID = "INVALID_JOB_ID"
_JOB_NOT_COMPLETE = "JOB_NOT_COMPLETE"
_INVALID_PAGE_INDEX = "INVALID_PAGE_INDEX"

#: ``call(operation, body, safe=..., records=..., **headers)``: the client's way of sending a request.
Caller = Callable[..., Reply]


@dataclass(frozen=True)
class JobStatus:
    """What ``checkAsyncStatus`` says of a job (of several, for a split job: the least advanced)."""

    job_id: str
    #: ``pending``, ``processing``, ``retry``, ``finished``, ``finishedWithErrors`` or ``failed``.
    status: str
    percent_completed: float
    #: NetSuite's estimate of the seconds left.
    est_remaining_duration: float
    ns_id: str | None = None

    @property
    def done(self) -> bool:
        """The job has stopped changing (finished, with or without errors, or failed)."""
        return self.status in DONE_STATUSES

    @classmethod
    def from_zeep(cls, result: Any, ns_id: str | None = None) -> JobStatus:
        """From an ``AsyncStatusResult``."""
        return cls(
            job_id=str(result.jobId),
            status=str(result.status),
            percent_completed=float(result.percentCompleted or 0.0),
            est_remaining_duration=float(result.estRemainingDuration or 0.0),
            ns_id=ns_id,
        )


def parse_job_id(job_id: str) -> tuple[str, ...]:
    """The NetSuite job ids an :attr:`AsyncJob.id` names (one, or several for a split job)."""
    if not isinstance(job_id, str) or not job_id.strip():
        raise ValueError(f"a job id is a non-empty string as AsyncJob.id gives it, got {job_id!r}")
    ids = tuple(part.strip() for part in job_id.split(_ID_SEPARATOR))
    if not all(ids):
        raise ValueError(f"job id {job_id!r} has an empty part")
    return ids


@dataclass
class _Part:
    """One NetSuite job of an :class:`AsyncJob`, or the records whose submission failed."""

    job_id: str | None
    #: What was sent, in order (zeep records or references); empty for a job picked up by id.
    items: Sequence[Any] = ()
    #: The error that stopped this part's submission; its records then have failed results.
    error: SuiteTalkError | None = None
    status: JobStatus | None = None


def _combine(job_id: str, statuses: Sequence[JobStatus]) -> JobStatus:
    """One status for several jobs: the least advanced one's, with the mean percent complete."""
    order = ("failed", "retry", "pending", "processing", "finishedWithErrors", "finished")
    if all(s.status == "failed" for s in statuses):
        status = "failed"
    elif all(s.done for s in statuses):
        status = "finishedWithErrors" if any(s.status != "finished" for s in statuses) else "finished"
    else:
        running = [s.status for s in statuses if not s.done]
        status = min(running, key=lambda s: order.index(s) if s in order else 0)
        if status == "pending" and any(s.status != "pending" for s in statuses):
            status = "processing"
    return JobStatus(
        job_id=job_id,
        status=status,
        percent_completed=sum(s.percent_completed for s in statuses) / len(statuses),
        est_remaining_duration=max(s.est_remaining_duration for s in statuses),
        ns_id=statuses[-1].ns_id,
    )


class AsyncJob(Generic[T]):
    """A submitted asynchronous job (or several, for more records than one job takes).

    ``wait()`` polls until the job has finished and returns its results; ``status()`` asks once. The job
    runs in NetSuite whether or not anybody waits: keep :attr:`id` to pick it up later, even from another
    process, with ``client.async_job(job_id)``.
    """

    def __init__(
        self,
        call: Caller,
        operation: str | None,
        parts: Sequence[_Part],
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._call = call
        self._operation = operation
        self._parts = list(parts)
        self._sleep = sleep
        self._clock = clock

    def __repr__(self) -> str:
        return f"AsyncJob(operation={self._operation!r}, id={self.id!r})"

    @property
    def id(self) -> str:
        """The job id to keep (the NetSuite job ids, comma-separated when the records were split)."""
        return _ID_SEPARATOR.join(self.ids)

    @property
    def ids(self) -> tuple[str, ...]:
        """NetSuite's job ids, one per job submitted."""
        return tuple(p.job_id for p in self._parts if p.job_id is not None)

    @property
    def operation(self) -> str | None:
        """``asyncUpsertList``...; ``None`` for a job picked up by id until its results are read."""
        return self._operation

    @property
    def failed_submissions(self) -> list[SuiteTalkError]:
        """Errors of the parts that could not be submitted (their records' results carry them too)."""
        return [p.error for p in self._parts if p.error is not None]

    # -- status ----------------------------------------------------------------------------------------

    def status(self) -> JobStatus:
        """Ask NetSuite how far the job is (``checkAsyncStatus``; finished parts are not asked again)."""
        statuses = [self._part_status(p) for p in self._parts if p.job_id is not None]
        if len(statuses) == 1 and not self.failed_submissions:
            return statuses[0]
        if self.failed_submissions:
            # A part that could not be submitted has failed for good.
            statuses.append(JobStatus(self.id, "failed", 100.0, 0.0))
        return _combine(self.id, statuses)

    def _part_status(self, part: _Part) -> JobStatus:
        if part.status is not None and part.status.done:
            return part.status
        assert part.job_id is not None
        reply = self._job_call("checkAsyncStatus", {"jobId": part.job_id}, part.job_id)
        part.status = JobStatus.from_zeep(reply.body.asyncStatusResult, reply.ns_id)
        return part.status

    def wait(self, timeout: float | None = None, poll: float = 5.0) -> T:
        """Wait until the job has finished, asking every ``poll`` seconds; return :meth:`results`.

        Raises :class:`~suitetalk.errors.AsyncJobTimeoutError` after ``timeout`` seconds (``None``: no
        limit); the job goes on in NetSuite, and ``wait`` can be called again.
        """
        if poll <= 0:
            raise InputError(f"poll must be a positive number of seconds, got {poll!r}")
        deadline = None if timeout is None else self._clock() + timeout
        while True:
            current = self.status()
            if current.done:
                return self.results()
            remaining = None if deadline is None else deadline - self._clock()
            if remaining is not None and remaining <= 0:
                raise AsyncJobTimeoutError(
                    f"job {self.id} has not finished after {timeout} s (status {current.status}, "
                    f"{current.percent_completed:.0f}% done); it goes on in NetSuite: wait again, or pick "
                    "it up later with client.async_job(job_id)",
                    job_id=self.id,
                    operation=self._operation,
                )
            self._sleep(poll if remaining is None else min(poll, remaining))

    # -- results ---------------------------------------------------------------------------------------

    def results(self) -> T:
        """The results of a finished job (``getAsyncResult``, every page), as the synchronous form gives them.

        Lists: one result per record, in input order (records of a part whose submission failed carry that
        error). Search: a lazy :class:`~suitetalk.search.SearchResults` reading the job's pages. Raises
        :class:`~suitetalk.errors.AsyncJobNotCompleteError` if the job has not finished.
        """
        if self._operation == "asyncSearch" or (self._operation is None and self._is_search()):
            return self._search_results()  # type: ignore[return-value]
        collected: list[Any] = []
        for part in self._parts:
            collected.extend(self._part_results(part))
        return collected  # type: ignore[return-value]

    def _is_search(self) -> bool:
        first = next((p for p in self._parts if p.job_id is not None), None)
        if first is None or len(self._parts) != 1:
            return False
        result = self._page(first.job_id or "", 1).body.asyncResult
        self._operation = _operation_of(result) or self._operation
        return self._operation == "asyncSearch"

    def _part_results(self, part: _Part) -> list[Any]:
        if part.error is not None:
            return [self._failure(part.error, item) for item in part.items]
        assert part.job_id is not None
        expected = len(part.items) or None
        results: list[Any] = []
        first_size = 0
        page_index = 1
        while expected is None or len(results) < expected:
            reply = self._page(part.job_id, page_index)
            result = reply.body.asyncResult
            self._operation = self._operation or _operation_of(result)
            page = self._read_page(result, reply.ns_id, part, len(results))
            if page is None or not page:
                break
            results.extend(page)
            first_size = first_size or len(page)
            if expected is None and len(page) < first_size:
                break
            page_index += 1
        if expected is not None and len(results) < expected:
            rest = part.items[len(results) :]
            if part.status is not None and part.status.status == "failed" and not _is_read(self._operation):
                # The job stopped before these records: nobody can say whether NetSuite wrote them.
                unknown = OutcomeUnknownError(
                    f"job {part.job_id} failed before reporting this record: NetSuite may or may not have "
                    "written it",
                    operation=self._operation,
                )
                results.extend(WriteResult.from_error(unknown, item) for item in rest)
            else:
                missing = StatusDetail(
                    code=None, message=f"NetSuite returned no result for this record in job {part.job_id}"
                )
                results.extend(self._missing(missing, item) for item in rest)
        return results

    def _read_page(self, result: Any, ns_id: str | None, part: _Part, offset: int) -> list[Any] | None:
        """One page's results; ``None`` past the last page (``INVALID_PAGE_INDEX``)."""
        reading = _is_read(self._operation)
        listing = _field(result, "readResponseList" if reading else "writeResponseList")
        status = _field(listing, "status")
        if status is not None and _field(status, "isSuccess") is False:
            codes = [_field(d, "code") for d in (_field(status, "statusDetail") or [])]
            if _INVALID_PAGE_INDEX in codes:
                return None
        if reading:
            read = ReadResult.list_from_zeep(
                listing and {"readResponseList": listing}, ns_id, operation=self._operation
            )
            # Each result names the reference it answers, as getList's do.
            sent = [RecordRef.from_zeep(ref) for ref in part.items[offset : offset + len(read)]]
            return [dataclasses.replace(r, ref=ref) for r, ref in zip(read, sent, strict=False)] + read[
                len(sent) :
            ]
        return WriteResult.list_from_zeep(
            listing and {"writeResponseList": listing}, ns_id, operation=self._operation
        )

    def _failure(self, error: SuiteTalkError, item: Any) -> Any:
        if _is_read(self._operation):
            return ReadResult.from_error(error, RecordRef.from_zeep(item))
        return WriteResult.from_error(error, item)

    def _missing(self, detail: StatusDetail, item: Any) -> Any:
        if _is_read(self._operation):
            return ReadResult(
                False, details=(detail,), operation=self._operation, ref=RecordRef.from_zeep(item)
            )
        failed = WriteResult.from_error(SuiteTalkError(detail.message or "", operation=self._operation), item)
        return dataclasses.replace(failed, details=(detail,), error=None)

    def _search_results(self) -> SearchResults:
        (job_id,) = self.ids

        def page(index: int) -> SearchPage:
            reply = self._page(job_id, index)
            found = SearchPage.from_zeep(
                reply.body.asyncResult.searchResult, operation="getAsyncResult", ns_id=reply.ns_id
            )
            # Later pages are read from the job, not from a search id that would expire.
            return dataclasses.replace(found, search_id=job_id)

        return SearchResults(lambda: page(1), lambda _job_id, index: page(index))

    def _page(self, job_id: str, page_index: int) -> Reply:
        return self._job_call("getAsyncResult", {"jobId": job_id, "pageIndex": page_index}, job_id)

    def _job_call(self, operation: str, body: Mapping[str, Any], job_id: str) -> Reply:
        try:
            return self._call(operation, body, safe=True)
        except FaultError as exc:
            if exc.code == _INVALID_JOB_ID:
                raise AsyncJobExpiredError(
                    f"NetSuite does not know the job {job_id}: it has expired, or belongs to another "
                    f"account ({exc.ns_message or exc.code})",
                    job_id=job_id,
                    operation=operation,
                    code=exc.code,
                    ns_message=exc.ns_message,
                    ns_id=exc.ns_id,
                ) from exc
            if exc.code == _JOB_NOT_COMPLETE:
                raise AsyncJobNotCompleteError(
                    f"job {job_id} has not finished yet: wait() for it before reading its results",
                    job_id=job_id,
                    operation=operation,
                    code=exc.code,
                    ns_message=exc.ns_message,
                    ns_id=exc.ns_id,
                ) from exc
            raise


def _field(obj: Any, name: str) -> Any:
    """A field of a zeep object or of a mapping (as the lxml readers give them); ``None`` if absent."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _is_read(operation: str | None) -> bool:
    return operation == "asyncGetList"


def _operation_of(result: Any) -> str | None:
    """``asyncAddList`` for an ``AsyncAddListResult``..."""
    name = getattr(getattr(result, "_xsd_type", None), "name", None)
    if not name or not name.endswith("Result"):
        return None
    return str(name[:1].lower() + name[1 : -len("Result")])


def submit(
    call: Caller,
    operation: str,
    items: Sequence[Any],
    *,
    body_name: str,
    safe: Callable[[Sequence[Any]], bool],
    label: Callable[[Any], str],
    headers: Mapping[str, Any] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> AsyncJob[Any]:
    """Submit ``items`` as one job per NetSuite's per-job limit, one after the other.

    A part whose submission fails keeps its error (its records' results will carry it) unless no part
    could be submitted at all: then the first error is raised, since nothing runs in NetSuite.
    """
    if not items:
        raise RecordDataError(f"{operation} needs at least one record: NetSuite refuses an empty job")
    size = ASYNC_LIMITS[operation]
    parts: list[_Part] = []
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        try:
            reply = call(
                operation,
                {body_name: list(chunk)},
                safe=safe(chunk),
                records=[label(item) for item in chunk],
                **(headers or {}),
            )
        except SuiteTalkError as exc:
            parts.append(_Part(None, chunk, error=exc))
            continue
        status = JobStatus.from_zeep(reply.body.asyncStatusResult, reply.ns_id)
        parts.append(_Part(status.job_id, chunk, status=status))
    if all(p.error is not None for p in parts):
        error = parts[0].error
        assert error is not None
        raise error
    return AsyncJob(call, operation, parts, sleep=sleep)


def submit_search(
    call: Caller, search_record: Any, *, sleep: Callable[[float], None] = time.sleep, **headers: Any
) -> AsyncJob[SearchResults]:
    """Submit a search as a job (``asyncSearch``)."""
    reply = call("asyncSearch", {"searchRecord": search_record}, safe=True, **headers)
    status = JobStatus.from_zeep(reply.body.asyncStatusResult, reply.ns_id)
    return AsyncJob(call, "asyncSearch", [_Part(status.job_id, (), status=status)], sleep=sleep)


def pick_up(call: Caller, job_id: str, *, sleep: Callable[[float], None] = time.sleep) -> AsyncJob[Any]:
    """The job (or jobs) an :attr:`AsyncJob.id` names, submitted earlier, maybe by another process.

    Nothing is sent until it is asked for its status or results. Its results are read page by page until
    NetSuite has no more: a job picked up this way does not know what was sent, so records NetSuite gave
    no result for cannot be reported.
    """
    try:
        ids = parse_job_id(job_id)
    except ValueError as exc:
        raise AsyncJobError(str(exc), job_id=str(job_id)) from None
    return AsyncJob(call, None, [_Part(i) for i in ids], sleep=sleep)
