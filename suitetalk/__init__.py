"""suitetalk: a Python client for NetSuite SuiteTalk SOAP web services.

The names in ``__all__`` are the public surface; everything else may change between releases. They are
imported on first use (PEP 562), so that ``import suitetalk`` stays cheap for scripts that need only part
of the package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "Client": "client",
    "LIST_LIMITS": "client",
    "PassportBuilder": "auth",
    "TokenPassport": "auth",
    "compute_signature": "auth",
    "verify_signature": "auth",
    "Account": "config",
    "ClientConfig": "config",
    "ConfigError": "config",
    "Credentials": "config",
    "Environment": "config",
    "Preferences": "config",
    "RetryPolicy": "config",
    "SearchPreferences": "config",
    "Profile": "profiles",
    "load_profile": "profiles",
    "RecordRef": "records",
    "RecordDataError": "records",
    "UnknownRecordTypeError": "records",
    "UnknownFieldError": "records",
    "ReadResult": "results",
    "StatusDetail": "results",
    "WriteResult": "results",
    "SearchPage": "search",
    "SearchResults": "search",
    "CriteriaError": "search",
    "AuthenticationError": "errors",
    "ClientClosedError": "errors",
    "InputError": "errors",
    "ConcurrencyLimitError": "errors",
    "FaultError": "errors",
    "InvalidVersionError": "errors",
    "LimiterError": "errors",
    "LimiterUnavailableError": "errors",
    "OutcomeUnknownError": "errors",
    "PermissionDeniedError": "errors",
    "RecordError": "errors",
    "RecordNotFoundError": "errors",
    "RedirectError": "errors",
    "RequestLimitError": "errors",
    "SearchExpiredError": "errors",
    "ServerError": "errors",
    "ServiceUnavailableError": "errors",
    "SuiteTalkError": "errors",
    "TransportError": "errors",
    "AsyncJobError": "errors",
    "AsyncJobExpiredError": "errors",
    "AsyncJobNotCompleteError": "errors",
    "AsyncJobTimeoutError": "errors",
    "ChangesError": "errors",
    "AsyncJob": "jobs",
    "JobStatus": "jobs",
    "Change": "changes",
    "Changes": "changes",
}

__all__ = [
    "LIST_LIMITS",
    "Account",
    "AsyncJob",
    "AsyncJobError",
    "AsyncJobExpiredError",
    "AsyncJobNotCompleteError",
    "AsyncJobTimeoutError",
    "AuthenticationError",
    "Change",
    "Changes",
    "ChangesError",
    "Client",
    "ClientClosedError",
    "ClientConfig",
    "ConcurrencyLimitError",
    "ConfigError",
    "Credentials",
    "CriteriaError",
    "Environment",
    "FaultError",
    "InputError",
    "InvalidVersionError",
    "JobStatus",
    "LimiterError",
    "LimiterUnavailableError",
    "OutcomeUnknownError",
    "PassportBuilder",
    "PermissionDeniedError",
    "Preferences",
    "Profile",
    "ReadResult",
    "RecordDataError",
    "RecordError",
    "RecordNotFoundError",
    "RecordRef",
    "RedirectError",
    "RequestLimitError",
    "RetryPolicy",
    "SearchExpiredError",
    "SearchPage",
    "SearchPreferences",
    "SearchResults",
    "ServerError",
    "ServiceUnavailableError",
    "StatusDetail",
    "SuiteTalkError",
    "TokenPassport",
    "TransportError",
    "UnknownFieldError",
    "UnknownRecordTypeError",
    "WriteResult",
    "__version__",
    "compute_signature",
    "load_profile",
    "verify_signature",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'suitetalk' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from .auth import PassportBuilder, TokenPassport, compute_signature, verify_signature
    from .changes import Change, Changes
    from .client import LIST_LIMITS, Client
    from .config import (
        Account,
        ClientConfig,
        ConfigError,
        Credentials,
        Environment,
        Preferences,
        RetryPolicy,
        SearchPreferences,
    )
    from .errors import (
        AsyncJobError,
        AsyncJobExpiredError,
        AsyncJobNotCompleteError,
        AsyncJobTimeoutError,
        AuthenticationError,
        ChangesError,
        ClientClosedError,
        ConcurrencyLimitError,
        FaultError,
        InputError,
        InvalidVersionError,
        LimiterError,
        LimiterUnavailableError,
        OutcomeUnknownError,
        PermissionDeniedError,
        RecordError,
        RecordNotFoundError,
        RedirectError,
        RequestLimitError,
        SearchExpiredError,
        ServerError,
        ServiceUnavailableError,
        SuiteTalkError,
        TransportError,
    )
    from .jobs import AsyncJob, JobStatus
    from .profiles import Profile, load_profile
    from .records import RecordDataError, RecordRef, UnknownFieldError, UnknownRecordTypeError
    from .results import ReadResult, StatusDetail, WriteResult
    from .search import CriteriaError, SearchPage, SearchResults
