"""suitetalk: a Python client for NetSuite SuiteTalk SOAP web services.

The names in ``__all__`` are the public surface; everything else may change between releases.
"""

from __future__ import annotations

from .auth import PassportBuilder, TokenPassport, compute_signature, verify_signature
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
    AuthenticationError,
    ConcurrencyLimitError,
    FaultError,
    InvalidVersionError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RecordError,
    RecordNotFoundError,
    RequestLimitError,
    SearchExpiredError,
    ServerError,
    ServiceUnavailableError,
    SuiteTalkError,
    TransportError,
)
from .profiles import Profile, load_profile

__version__ = "0.1.0"

__all__ = [
    "Account",
    "AuthenticationError",
    "ClientConfig",
    "ConcurrencyLimitError",
    "ConfigError",
    "Credentials",
    "Environment",
    "FaultError",
    "InvalidVersionError",
    "OutcomeUnknownError",
    "PassportBuilder",
    "PermissionDeniedError",
    "Preferences",
    "Profile",
    "RecordError",
    "RecordNotFoundError",
    "RequestLimitError",
    "RetryPolicy",
    "SearchExpiredError",
    "SearchPreferences",
    "ServerError",
    "ServiceUnavailableError",
    "SuiteTalkError",
    "TokenPassport",
    "TransportError",
    "__version__",
    "compute_signature",
    "load_profile",
    "verify_signature",
]
