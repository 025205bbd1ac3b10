"""NetSuite's fault vocabulary, shared by the client (to classify) and the emulator (to answer).

A request that fails as a whole comes back as a SOAP fault whose detail holds one element from the faults
namespace, with a ``code`` and a ``message``. Classification is by that element and code, never by the
message text, which NetSuite words differently from release to release.
"""

from __future__ import annotations

import enum


class FaultElement(str, enum.Enum):
    """Local names of the fault detail elements, in ``urn:faults_<ver>.platform.webservices.netsuite.com``."""

    INSUFFICIENT_PERMISSION = "insufficientPermissionFault"
    INVALID_ACCOUNT = "invalidAccountFault"
    INVALID_CREDENTIALS = "invalidCredentialsFault"
    INVALID_SESSION = "invalidSessionFault"
    INVALID_VERSION = "invalidVersionFault"
    EXCEEDED_CONCURRENT_REQUEST_LIMIT = "exceededConcurrentRequestLimitFault"
    EXCEEDED_REQUEST_LIMIT = "exceededRequestLimitFault"
    EXCEEDED_USAGE_LIMIT = "exceededUsageLimitFault"
    EXCEEDED_RECORD_COUNT = "exceededRecordCountFault"
    EXCEEDED_REQUEST_SIZE = "exceededRequestSizeFault"
    UNEXPECTED_ERROR = "unexpectedErrorFault"
    ASYNC = "asyncFault"


#: faultcode NetSuite puts on every fault it raises on purpose.
USER_EXCEPTION_FAULTCODE = "soapenv:Server.userException"

#: Codes that mean "too many requests at once: the request was not executed, try again later".
CONCURRENCY_CODES = frozenset(
    {
        "WS_REQUEST_BLOCKED",
        "WS_CONCUR_SESSION_DISALLWD",
        "EXCEEDED_MAX_CONCUR_RQST",
        "CONCURRENCY_LIMIT_EXCEEDED",
        "WS_EXCEEDED_CONCUR_USERS_ALLWD",
    }
)

CONCURRENT_REQUEST_BLOCKED_CODE = "WS_REQUEST_BLOCKED"
CONCURRENT_REQUEST_BLOCKED_MESSAGE = "SuiteTalk concurrent request limit exceeded. Request blocked."
INVALID_LOGIN_CODE = "USER_ERROR"
INVALID_LOGIN_MESSAGE = "Invalid login attempt."
#: Status code of an expired or unknown search id in ``searchMoreWithId``.
INVALID_SEARCH_ID_CODE = "INVALID_JOB_ID"
