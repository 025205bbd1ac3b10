"""Faults are classified by element and code, never by message text."""

from __future__ import annotations

import pytest

from suitetalk.errors import (
    AuthenticationError,
    ConcurrencyLimitError,
    InvalidVersionError,
    PermissionDeniedError,
    RequestLimitError,
    ServerError,
    classify_fault,
)
from suitetalk.faults import CONCURRENCY_CODES


@pytest.mark.parametrize(
    ("element", "code", "expected"),
    [
        ("invalidCredentialsFault", "USER_ERROR", AuthenticationError),
        ("invalidAccountFault", "INVALID_ACCT", AuthenticationError),
        ("invalidSessionFault", "SESSION_TIMED_OUT", AuthenticationError),
        ("insufficientPermissionFault", "INSUFFICIENT_PERMISSION", PermissionDeniedError),
        ("invalidVersionFault", "INVALID_VERSION", InvalidVersionError),
        ("exceededConcurrentRequestLimitFault", "WS_REQUEST_BLOCKED", ConcurrencyLimitError),
        ("exceededRequestLimitFault", "WS_CONCUR_SESSION_DISALLWD", ConcurrencyLimitError),
        ("exceededRequestLimitFault", "EXCEEDED_REQUEST_LIMIT", RequestLimitError),
        ("exceededRecordCountFault", "EXCEEDED_RECORD_COUNT", RequestLimitError),
        ("exceededRequestSizeFault", "EXCEEDED_REQUEST_SIZE", RequestLimitError),
        ("exceededUsageLimitFault", "EXCEEDED_USAGE_LIMIT", RequestLimitError),
        ("unexpectedErrorFault", "UNEXPECTED_ERROR", ServerError),
        ("somethingNewFault", "NEW_CODE", ServerError),
        (None, None, ServerError),
    ],
)
def test_classification_by_element_and_code(element: str | None, code: str | None, expected: type) -> None:
    error = classify_fault(element, code, "whatever text", operation="get", ns_id="WEBSERVICES_1_2")
    assert type(error) is expected
    assert error.operation == "get"
    assert error.code == code
    assert error.ns_id == "WEBSERVICES_1_2"
    assert error.retryable is (expected is ConcurrencyLimitError)


@pytest.mark.parametrize("code", sorted(CONCURRENCY_CODES))
def test_every_concurrency_code_is_retryable_whatever_the_element(code: str) -> None:
    assert classify_fault("unexpectedErrorFault", code, "").retryable


def test_message_text_does_not_drive_classification() -> None:
    error = classify_fault(
        "unexpectedErrorFault", "UNEXPECTED_ERROR", "Invalid login attempt. Request blocked."
    )
    assert type(error) is ServerError


def test_authentication_error_lists_the_usual_causes_and_carries_context() -> None:
    error = classify_fault(
        "invalidCredentialsFault",
        "USER_ERROR",
        "Invalid login attempt.",
        operation="add",
        ns_id="WEBSERVICES_X",
    )
    text = str(error)
    assert "Invalid login attempt." in text
    assert "upper case" in text
    assert "sandbox refresh" in text
    assert "clock" in text
    assert "nsId=WEBSERVICES_X" in text
    assert error.ns_message == "Invalid login attempt."
