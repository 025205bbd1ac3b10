"""NetSuite's asynchronous operations: jobs queued, run in the background, their results kept and paged.

``asyncAddList``, ``asyncUpdateList``, ``asyncUpsertList``, ``asyncDeleteList``, ``asyncGetList`` and
``asyncSearch`` answer at once with an ``asyncStatusResult`` (a job id, status ``pending``); a worker thread
runs the job later, through the synchronous operation's own handler, one record at a time so that
``checkAsyncStatus`` sees the status move from ``pending`` to ``processing`` (with its percent complete) to
``finished``, ``finishedWithErrors`` or ``failed``. ``getAsyncResult(jobId, pageIndex)`` answers the
results of a finished job, ``async_page_size`` records (or one search page) per page; before the job has
finished it is an ``asyncFault`` with ``JOB_NOT_COMPLETE``, for an unknown or expired job id one with
``INVALID_JOB_ID``.

Timing comes from the settings, read at each step so that a test can change them while a job waits:
``async_delay`` (seconds a job stays pending), ``async_record_delay`` (seconds per record while it runs),
``async_job_ttl`` (seconds a job id stays valid after it was submitted).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from lxml import etree

from ..faults import FaultElement
from ..namespaces import XSI, core_ns, messages_ns
from .settings import EmulatorSettings
from .soap import SoapError, SoapRequest, response_element

__all__ = ["ASYNC_RECORD_LIMITS", "AsyncJobs"]

logger = logging.getLogger("suitetalk.emulator")

#: Records per job NetSuite accepts in each asynchronous list operation.
ASYNC_RECORD_LIMITS: Mapping[str, int] = {
    "asyncAddList": 400,
    "asyncDeleteList": 400,
    "asyncUpdateList": 200,
    "asyncUpsertList": 200,
    "asyncGetList": 2000,
}
#: The synchronous operation each asynchronous one runs, and the element holding its items.
_SYNC: Mapping[str, tuple[str, str]] = {
    "asyncAddList": ("addList", "record"),
    "asyncUpdateList": ("updateList", "record"),
    "asyncUpsertList": ("upsertList", "record"),
    "asyncDeleteList": ("deleteList", "baseRef"),
    "asyncGetList": ("getList", "baseRef"),
    "asyncSearch": ("search", "searchRecord"),
}
#: How long ``estRemainingDuration`` guesses a record takes when no per-record delay is set.
_NOMINAL_SECONDS_PER_RECORD = 0.01
_MAX_JOBS = 10_000
_DONE = frozenset({"finished", "finishedWithErrors", "failed"})

Handler = Callable[[SoapRequest], etree._Element]


@dataclass
class _Job:
    job_id: str
    operation: str
    request: SoapRequest
    items: list[etree._Element]
    submitted: float
    status: str = "pending"
    done: int = 0
    #: One ``writeResponse``/``readResponse`` per item, or the ``searchResult`` of each search page.
    results: list[etree._Element] = field(default_factory=list)
    #: Namespace prefixes the results' ``xsi:type`` values use, declared again on every answer.
    nsmap: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.items)


class AsyncJobs:
    """The job queue of one emulator: submission, a background worker, status and paged results."""

    def __init__(
        self,
        version: str,
        handlers: Callable[[str], Handler],
        settings: Callable[[], EmulatorSettings],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.version = version
        self.msgs = messages_ns(version)
        self.core = core_ns(version)
        self._handlers = handlers
        self._settings = settings
        self._clock = clock
        self._lock = threading.Condition()
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._queue: list[_Job] = []
        self._worker: threading.Thread | None = None
        self._closed = False

    # ------------------------------------------------------------------------------------ submitting

    def submit(self, request: SoapRequest) -> etree._Element:
        """Queue the job a request describes; answer its ``asyncStatusResult`` (``pending``)."""
        operation = request.operation
        _, child = _SYNC[operation]
        items = [c for c in request.body if isinstance(c.tag, str) and c.tag == f"{{{self.msgs}}}{child}"]
        limit = ASYNC_RECORD_LIMITS.get(operation)
        if limit is not None and len(items) > limit:
            raise SoapError(
                FaultElement.EXCEEDED_RECORD_COUNT,
                "MAX_RCRDS_EXCEEDED",
                f"{operation} accepts at most {limit} records per job; this one has {len(items)}.",
            )
        if not items:
            raise SoapError(
                FaultElement.UNEXPECTED_ERROR,
                "USER_ERROR",
                f"{operation} needs at least one {child} element.",
            )
        job = _Job(self._new_id(), operation, request, items, self._clock())
        with self._lock:
            self._drop_expired()
            self._jobs[job.job_id] = job
            while len(self._jobs) > _MAX_JOBS:
                self._jobs.popitem(last=False)
            self._queue.append(job)
            self._start_worker()
            self._lock.notify_all()
        return self._status_response(f"{operation}Response", job)

    def _new_id(self) -> str:
        account = self._settings().account.passport_id
        stamp = time.strftime("%m%d%Y%H%M%S", time.gmtime())
        return f"ASYNCWEBSERVICES_{account}_{stamp}{secrets.randbelow(10**9):09d}_{secrets.token_hex(4)}"

    # ------------------------------------------------------------------------------------ asking

    def check(self, request: SoapRequest) -> etree._Element:
        """``checkAsyncStatus``: the job's status, percent complete and estimated remaining seconds."""
        job = self._job(self._text(request, "jobId"))
        return self._status_response("checkAsyncStatusResponse", job)

    def result(self, request: SoapRequest) -> etree._Element:
        """``getAsyncResult``: one page of a finished job's results."""
        job = self._job(self._text(request, "jobId"))
        with self._lock:
            status, results, nsmap = job.status, list(job.results), dict(job.nsmap)
        if status not in _DONE:
            raise SoapError(
                FaultElement.ASYNC,
                "JOB_NOT_COMPLETE",
                f"The job {job.job_id} has not finished (status {status}); check its status first.",
            )
        page_text = self._text(request, "pageIndex")
        # The result's xsi:type and the records' own need their prefixes declared where the answer starts.
        declared: dict[str | None, str] = {None: self.msgs}
        declared.update(nsmap)
        declared.update(platformMsgs=self.msgs, platformCore=self.core)
        response = etree.Element(f"{{{self.msgs}}}getAsyncResultResponse", nsmap=declared)  # type: ignore[arg-type]
        sync_name = _SYNC[job.operation][0]
        result_type = f"{job.operation[:1].upper()}{job.operation[1:]}Result"
        holder = etree.SubElement(response, f"{{{self.msgs}}}asyncResult")
        holder.set(f"{{{XSI}}}type", f"platformMsgs:{result_type}")
        try:
            page_index = int(page_text)
        except ValueError:
            page_index = 0
        if sync_name == "search":
            self._search_page(holder, results, page_index)
            return response
        wrapper = etree.SubElement(
            holder, f"{{{self.msgs}}}{'readResponseList' if sync_name == 'getList' else 'writeResponseList'}"
        )
        size = self._settings().async_page_size
        pages = max(1, -(-len(results) // size))
        if not 1 <= page_index <= pages:
            self._status(wrapper, "INVALID_PAGE_INDEX", f"Page {page_text} does not exist: {pages} page(s).")
            return response
        self._status(wrapper)
        for item in results[(page_index - 1) * size : page_index * size]:
            wrapper.append(_copy(item))
        return response

    def _search_page(self, holder: etree._Element, pages: list[etree._Element], page_index: int) -> None:
        if 1 <= page_index <= len(pages):
            holder.append(_copy(pages[page_index - 1]))
            return
        result = etree.SubElement(holder, f"{{{self.core}}}searchResult")
        self._status(result, "INVALID_PAGE_INDEX", f"Page {page_index} does not exist: {len(pages)} page(s).")

    def _job(self, job_id: str) -> _Job:
        with self._lock:
            self._drop_expired()
            job = self._jobs.get(job_id)
        if job is None:
            raise SoapError(
                FaultElement.ASYNC,
                "INVALID_JOB_ID",
                f"The job id {job_id!r} is invalid or has expired.",
            )
        return job

    def _text(self, request: SoapRequest, name: str) -> str:
        nodes = request.body.findall(f"{{{self.msgs}}}{name}")
        if len(nodes) != 1:
            raise SoapError(
                FaultElement.UNEXPECTED_ERROR,
                "USER_ERROR",
                f"{request.operation} needs exactly one {name} element, got {len(nodes)}.",
            )
        return (nodes[0].text or "").strip()

    def _drop_expired(self) -> None:
        ttl = self._settings().async_job_ttl
        now = self._clock()
        while self._jobs:
            oldest = next(iter(self._jobs.values()))
            if oldest.submitted + ttl > now:
                break
            self._jobs.popitem(last=False)

    def expire_all(self) -> None:
        """Make every job id expire now (a testing hook); jobs still queued are dropped too."""
        with self._lock:
            self._jobs.clear()
            self._queue.clear()
            self._lock.notify_all()

    def close(self) -> None:
        """Stop the worker (jobs still queued never run)."""
        with self._lock:
            self._closed = True
            self._queue.clear()
            self._lock.notify_all()
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(5.0)

    # ------------------------------------------------------------------------------------ answers

    def _status(self, parent: etree._Element, code: str | None = None, message: str = "") -> None:
        node = etree.SubElement(parent, f"{{{self.core}}}status", isSuccess="false" if code else "true")
        if code:
            detail = etree.SubElement(node, f"{{{self.core}}}statusDetail", type="ERROR")
            etree.SubElement(detail, f"{{{self.core}}}code").text = code
            etree.SubElement(detail, f"{{{self.core}}}message").text = message

    def _status_response(self, name: str, job: _Job) -> etree._Element:
        settings = self._settings()
        with self._lock:
            status, done, total = job.status, job.done, job.total
        per_record = settings.async_record_delay or _NOMINAL_SECONDS_PER_RECORD
        remaining = (total - done) * per_record
        if status == "pending":
            remaining += max(0.0, job.submitted + settings.async_delay - self._clock())
        if status in _DONE:
            remaining = 0.0
        percent = 100.0 if status in _DONE else 100.0 * done / total
        response = response_element(self.version, name)
        result = etree.SubElement(response, f"{{{self.core}}}asyncStatusResult")
        for tag, value in (
            ("jobId", job.job_id),
            ("status", status),
            ("percentCompleted", f"{percent:.1f}"),
            ("estRemainingDuration", f"{remaining:.1f}"),
        ):
            etree.SubElement(result, f"{{{self.core}}}{tag}").text = value
        return response

    # ------------------------------------------------------------------------------------ running

    def _start_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="suitetalk-emulator-async", daemon=True)
            self._worker.start()

    def _next_job(self) -> _Job | None:
        """The next job whose delay has passed, waiting for it; ``None`` when there is nothing left to do."""
        with self._lock:
            while not self._closed and self._queue:
                job = self._queue[0]
                wait = job.submitted + self._settings().async_delay - self._clock()
                if wait <= 0:
                    self._queue.pop(0)
                    job.status = "processing"
                    return job
                # Re-read the delay now and then: a test may shorten it while the job waits.
                self._lock.wait(min(wait, 0.05))
            self._worker = None
            return None

    def _work(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                self._run(job)
            except Exception:  # a job that breaks fails on its own; the queue goes on
                logger.exception("emulator: async job %s failed", job.job_id)
                with self._lock:
                    job.status = "failed"

    def _run(self, job: _Job) -> None:
        sync_name, child = _SYNC[job.operation]
        handler = self._handlers(sync_name)
        if sync_name == "search":
            self._run_search(job, handler)
            return
        failures = 0
        for position, item in enumerate(job.items):
            if position:
                self._pause()
            if self._closed:
                return
            outcome = self._one(job, sync_name, child, item, handler)
            failures += outcome.find(f"{{{self.core}}}status").get("isSuccess") != "true"  # type: ignore[union-attr]
            with self._lock:
                job.results.append(outcome)
                job.done += 1
        with self._lock:
            job.status = "finishedWithErrors" if failures else "finished"

    def _pause(self) -> None:
        """Wait ``async_record_delay`` between records, re-reading it so that a test can shorten it."""
        started = self._clock()
        with self._lock:
            while not self._closed:
                wait = started + self._settings().async_record_delay - self._clock()
                if wait <= 0:
                    return
                self._lock.wait(min(wait, 0.05))

    def _one(
        self, job: _Job, sync_name: str, child: str, item: etree._Element, handler: Handler
    ) -> etree._Element:
        """Run one item through the synchronous operation: its ``writeResponse``/``readResponse``."""
        # The wrapper is made a child of the request's own operation element, so that the item keeps
        # every namespace prefix in scope where it was sent (its xsi:type values use them).
        wrapper = etree.SubElement(job.request.body, f"{{{self.msgs}}}{sync_name}")
        wrapper.append(item)
        inner = "readResponse" if sync_name == "getList" else "writeResponse"
        try:
            response = handler(SoapRequest(body=wrapper, headers=job.request.headers))
        except SoapError as exc:
            # What would have faulted a synchronous request fails this record alone.
            node = etree.Element(f"{{{self.msgs}}}{inner}", nsmap={"platformCore": self.core})
            self._status(node, exc.code, exc.message)
            return node
        finally:
            job.request.body.remove(wrapper)
        job.nsmap.update({k: v for k, v in response.nsmap.items() if k is not None})
        found = response.find(f".//{{{self.msgs}}}{inner}")
        assert found is not None, f"{sync_name} answered no {inner}"
        return found

    def _run_search(self, job: _Job, handler: Handler) -> None:
        wrapper = etree.SubElement(job.request.body, f"{{{self.msgs}}}search")
        wrapper.append(job.items[0])
        try:
            first = handler(SoapRequest(body=wrapper, headers=job.request.headers))
        finally:
            job.request.body.remove(wrapper)
        pages = [self._search_result(job, first)]
        result = pages[0]
        total_pages = int(result.findtext(f"{{{self.core}}}totalPages") or "1")
        search_id = result.findtext(f"{{{self.core}}}searchId")
        more = self._handlers("searchMoreWithId")
        for index in range(2, total_pages + 1):
            if self._closed or search_id is None:
                return
            body = etree.Element(f"{{{self.msgs}}}searchMoreWithId")
            etree.SubElement(body, f"{{{self.msgs}}}searchId").text = search_id
            etree.SubElement(body, f"{{{self.msgs}}}pageIndex").text = str(index)
            page = self._search_result(job, more(SoapRequest(body=body, headers=job.request.headers)))
            pages.append(page)
            with self._lock:
                job.done = index * len(job.items) // total_pages
        failed = result.find(f"{{{self.core}}}status").get("isSuccess") != "true"  # type: ignore[union-attr]
        with self._lock:
            job.results = pages
            job.done = job.total
            job.status = "finishedWithErrors" if failed else "finished"

    def _search_result(self, job: _Job, response: etree._Element) -> etree._Element:
        job.nsmap.update({k: v for k, v in response.nsmap.items() if k is not None})
        found = response.find(f"{{{self.core}}}searchResult")
        assert found is not None, "search answered no searchResult"
        return found


def _copy(element: etree._Element) -> etree._Element:
    """A copy to put in an answer (results are kept for every later ``getAsyncResult``)."""
    copied: etree._Element = etree.fromstring(etree.tostring(element))
    return copied
