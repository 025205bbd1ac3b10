"""The exception hierarchy, and the classification of NetSuite faults into it.

Classification uses the fault detail element and its ``code`` only; NetSuite's message text is carried
along for people to read, never matched. Every error carries the operation, the code, NetSuite's message
and NetSuite's request id (``ns_id``) where there is one, and never a secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .faults import CONCURRENCY_CODES, FaultElement


class SuiteTalkError(Exception):
    """Base class of every error this library raises about a request.

    Attributes: ``operation`` (SOAP operation name), ``code`` (NetSuite's fault or status code),
    ``ns_message`` (NetSuite's own message), ``ns_id`` (NetSuite's request id, to quote to support).
    """

    #: Whether sending the same request again may succeed without changing anything.
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        code: str | None = None,
        ns_message: str | None = None,
        ns_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.code = code
        self.ns_message = ns_message
        self.ns_id = ns_id
        #: How many attempts were made, when the retry policy gave up on this error.
        self.attempts: int | None = None

    def __str__(self) -> str:
        text = super().__str__()
        context = [
            f"{k}={v}"
            for k, v in (("operation", self.operation), ("code", self.code), ("nsId", self.ns_id))
            if v
        ]
        return f"{text} [{', '.join(context)}]" if context else text


class FaultError(SuiteTalkError):
    """NetSuite refused the whole request with a SOAP fault."""

    def __init__(self, message: str, *, fault: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        #: Local name of the fault detail element, e.g. ``invalidCredentialsFault``.
        self.fault = fault


AUTHENTICATION_CAUSES = (
    "the account id must carry its environment suffix in upper case (1234567_SB1, not 1234567_sb1)",
    "tokens are per account: production tokens do not work on a sandbox, and a sandbox's tokens must be "
    "recreated after every sandbox refresh",
    "the consumer key/secret must be those of the integration record (token-based authentication enabled) "
    "and the token id/secret those of an access token for that integration, user and role",
    "the token's role needs the 'Web Services' and 'Log in using Access Tokens' permissions",
    "the Token-Based Authentication feature must be enabled on the account",
    "this machine's clock must be right to within a few minutes (the passport carries a timestamp)",
)


class AuthenticationError(FaultError):
    """NetSuite rejected the token passport (``Invalid login attempt.``). Never retried."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        causes = "\n".join(f"  - {cause}" for cause in AUTHENTICATION_CAUSES)
        super().__init__(f"{message}\nUsual causes:\n{causes}", **kwargs)


class PermissionDeniedError(FaultError):
    """The role lacks a permission the operation needs (``insufficientPermissionFault``). Never retried."""


class InvalidVersionError(FaultError):
    """The endpoint version is not supported by this account (``invalidVersionFault``)."""


class ConcurrencyLimitError(FaultError):
    """Too many requests in flight for the account or integration; the request was not executed."""

    retryable = True


class RequestLimitError(FaultError):
    """A limit on the request itself: usage, record count or size. Retrying the same request will not help."""


class ServerError(FaultError):
    """``unexpectedErrorFault``, ``asyncFault`` or a fault the library does not know."""


class RecordError(SuiteTalkError):
    """A single record's operation failed; ``details`` holds every status detail NetSuite returned."""

    def __init__(self, message: str, *, details: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.details = tuple(details)


class RecordNotFoundError(RecordError):
    """The record does not exist (``RCRD_DSNT_EXIST``)."""


class SearchExpiredError(RecordError):
    """A search id is no longer valid (``INVALID_JOB_ID``): ids expire 15 minutes after the search started."""


class TransportError(SuiteTalkError):
    """The request did not get a SOAP answer: connection, time-out or HTTP-level failure."""


class ServiceUnavailableError(TransportError):
    """HTTP 429 or 503, or a refused connection: the request was not executed, so retrying is safe."""

    retryable = True


class RedirectError(TransportError):
    """The endpoint answered with a redirect (HTTP 3xx). Never followed, never retried.

    Following it would send the signed passport and the records to another address, possibly over plain
    http. NetSuite's service answers SOAP requests directly: a redirect means a wrong endpoint or something
    in between (a proxy, a captive portal). ``location`` is where it pointed. The request was not executed.
    """

    def __init__(self, message: str, *, location: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.location = location


#: ``code`` of :class:`OutcomeUnknownError` and of the results it fails.
OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"


class OutcomeUnknownError(TransportError):
    """The request was sent but its response was lost; NetSuite may or may not have executed it.

    Raised instead of retrying when repeating the request could duplicate records (``add`` without external
    ids). ``records`` lists what was in the request, so the caller can check and resend what is missing.
    Its ``code`` is ``OUTCOME_UNKNOWN``.
    """

    def __init__(self, message: str, *, records: Sequence[Any] = (), **kwargs: Any) -> None:
        kwargs.setdefault("code", OUTCOME_UNKNOWN)
        super().__init__(message, **kwargs)
        self.records = tuple(records)


class LostResponse(TransportError):
    """The request was sent but no usable answer came back: NetSuite may have executed it.

    A read time-out, a connection closed after sending, a gateway's 502/504, an answer that is not SOAP or
    does not answer what was sent. Raised by the transport inside an attempt; the retry controller either
    retries it (when repeating the request is harmless) or turns it into :class:`OutcomeUnknownError`, so
    callers of the client never see it. ``repeatable`` is false where sending again cannot help (the answer
    was larger than the client accepts).
    """

    def __init__(self, reason: str = "no response", *, repeatable: bool = True, **kwargs: Any) -> None:
        super().__init__(f"the response was lost after the request was sent: {reason}", **kwargs)
        #: What happened on the wire, e.g. ``read timed out`` (never a header or a body).
        self.reason = reason
        self.repeatable = repeatable


_BY_ELEMENT: dict[str, type[FaultError]] = {
    FaultElement.INVALID_CREDENTIALS: AuthenticationError,
    FaultElement.INVALID_ACCOUNT: AuthenticationError,
    FaultElement.INVALID_SESSION: AuthenticationError,
    FaultElement.INSUFFICIENT_PERMISSION: PermissionDeniedError,
    FaultElement.INVALID_VERSION: InvalidVersionError,
    FaultElement.EXCEEDED_CONCURRENT_REQUEST_LIMIT: ConcurrencyLimitError,
    FaultElement.EXCEEDED_REQUEST_LIMIT: RequestLimitError,
    FaultElement.EXCEEDED_USAGE_LIMIT: RequestLimitError,
    FaultElement.EXCEEDED_RECORD_COUNT: RequestLimitError,
    FaultElement.EXCEEDED_REQUEST_SIZE: RequestLimitError,
    FaultElement.UNEXPECTED_ERROR: ServerError,
    FaultElement.ASYNC: ServerError,
}


def fault_class(fault: str | None, code: str | None) -> type[FaultError]:
    """The exception class for a fault element local name and code.

    A concurrency code wins over the element: NetSuite reports the session limit as
    ``exceededRequestLimitFault`` with ``WS_CONCUR_SESSION_DISALLWD``, which is as retryable as
    ``WS_REQUEST_BLOCKED``.
    """
    if code in CONCURRENCY_CODES:
        return ConcurrencyLimitError
    return _BY_ELEMENT.get(fault or "", ServerError)


def classify_fault(
    fault: str | None,
    code: str | None,
    ns_message: str | None,
    *,
    operation: str | None = None,
    ns_id: str | None = None,
) -> FaultError:
    """Build the typed error for a SOAP fault from its detail element, code and message."""
    cls = fault_class(fault, code)
    text = f"NetSuite refused {operation or 'the request'}: {ns_message or fault or 'SOAP fault'}"
    return cls(text, fault=fault, operation=operation, code=code, ns_message=ns_message, ns_id=ns_id)


class InputError(SuiteTalkError, ValueError):
    """Bad input, found before anything is sent: says what was wrong and what is expected.

    Also a ``ValueError``, so that code written for the standard library's convention still catches it.
    The configuration, record data and search criteria errors derive from it.
    """


class ClientClosedError(SuiteTalkError, RuntimeError):
    """An operation was called on a :class:`~suitetalk.Client` after ``close()`` (or its ``with`` block)."""


class AsyncJobError(SuiteTalkError):
    """An asynchronous job cannot be followed or read; ``job_id`` says which."""

    def __init__(self, message: str, *, job_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.job_id = job_id


class AsyncJobExpiredError(AsyncJobError):
    """NetSuite does not know the job id (``INVALID_JOB_ID``): mistyped, of another account, or expired."""


class AsyncJobNotCompleteError(AsyncJobError):
    """The job's results were asked for before it finished (``JOB_NOT_COMPLETE``)."""


class AsyncJobTimeoutError(AsyncJobError):
    """``wait()`` gave up before the job finished; the job goes on in NetSuite and can be waited for again."""


class ChangesError(InputError):
    """Incremental sync misused: a watermark that is not one, or read before the changes were all seen."""


class LimiterError(SuiteTalkError):
    """The shared concurrency limiter cannot be used (bad URL, ``redis`` not installed). Never retried.

    Messages name the limiter's URL without its password.
    """


class LimiterUnavailableError(LimiterError):
    """Redis, which holds the shared concurrency budget, could not be reached at start, or was lost for
    longer than the limiter waits for it. No request was sent over the budget meanwhile."""
