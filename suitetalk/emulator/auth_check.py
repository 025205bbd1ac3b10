"""Checking a ``tokenPassport`` as NetSuite does, with the same signature code the client signs with.

A passport passes only if: it is the only authentication in the request (no ``applicationInfo``, no
``passport``, no second ``tokenPassport``); its account is the emulator's account spelt exactly as the
signature needs it (upper-case suffix); consumer key and token are the ones the emulator knows; the
algorithm is HMAC-SHA256; the timestamp is within the window around the emulator's clock; the nonce has
NetSuite's shape; the signature is right; and the nonce was not used before. Every failure gives the same
answer NetSuite gives, ``invalidCredentialsFault`` / ``USER_ERROR`` / "Invalid login attempt.", so the
reason is only in the emulator's own log (and in :attr:`AuthFailure.reason` for tests).

Nonces are remembered only for as long as a passport carrying them could still be accepted (its
timestamp plus the window), so memory stays bounded by the request rate.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable

from lxml import etree

from ..auth import SIGNATURE_ALGORITHM, is_valid_nonce, verify_signature
from ..config import Credentials
from ..faults import INVALID_LOGIN_CODE, INVALID_LOGIN_MESSAGE, FaultElement
from ..namespaces import core_ns, messages_ns
from .soap import SoapError

AMBIGUOUS_MESSAGE = "Ambiguous authentication"
LOGIN_REQUIRED_CODE = "WS_LOG_IN_REQD"
LOGIN_REQUIRED_MESSAGE = "You must log in before performing a web service operation."


class AuthFailure(SoapError):
    """A rejected passport; ``reason`` says why (for logs and tests, never sent to the client)."""

    def __init__(self, reason: str, *, message: str = INVALID_LOGIN_MESSAGE) -> None:
        super().__init__(FaultElement.INVALID_CREDENTIALS, INVALID_LOGIN_CODE, message)
        self.reason = reason


class NonceRegistry:
    """Nonces seen recently, each kept until no passport carrying it could be accepted any more."""

    def __init__(self) -> None:
        self._expiry: dict[tuple[str, str], float] = {}
        self._heap: list[tuple[float, tuple[str, str]]] = []
        self._lock = threading.Lock()

    def claim(self, token: str, nonce: str, *, until: float, now: float) -> bool:
        """Record ``nonce`` for ``token``; False if it is already recorded (a replay)."""
        key = (token, nonce)
        with self._lock:
            self._purge(now)
            if key in self._expiry:
                return False
            self._expiry[key] = until
            heapq.heappush(self._heap, (until, key))
            return True

    def _purge(self, now: float) -> None:
        while self._heap and self._heap[0][0] < now:
            until, key = heapq.heappop(self._heap)
            if self._expiry.get(key) == until:
                del self._expiry[key]

    def __len__(self) -> int:
        return len(self._expiry)


class PassportChecker:
    """Verifies the authentication headers of one request against the emulator's credentials."""

    def __init__(
        self,
        version: str,
        credentials: Callable[[], Credentials],
        window: Callable[[], float],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._msgs = messages_ns(version)
        self._core = core_ns(version)
        self._credentials = credentials
        self._window = window
        self._clock = clock
        self.nonces = NonceRegistry()

    def check(self, headers: dict[str, etree._Element]) -> None:
        """Raise :class:`AuthFailure` (or a login-required :class:`SoapError`) unless the passport is good."""
        passports = [h for tag, h in headers.items() if tag == f"{{{self._msgs}}}tokenPassport"]
        others = [
            tag
            for tag in headers
            if tag
            in (
                f"{{{self._msgs}}}applicationInfo",
                f"{{{self._msgs}}}passport",
                f"{{{self._msgs}}}ssoPassport",
            )
        ]
        if not passports:
            if others:
                raise AuthFailure("only token-based authentication is supported", message=AMBIGUOUS_MESSAGE)
            raise SoapError(FaultElement.INVALID_SESSION, LOGIN_REQUIRED_CODE, LOGIN_REQUIRED_MESSAGE)
        if others:
            raise AuthFailure(f"TBA together with {', '.join(others)}", message=AMBIGUOUS_MESSAGE)
        self._check_passport(passports[0])

    def _text(self, passport: etree._Element, name: str) -> str:
        nodes = passport.findall(f"{{{self._core}}}{name}")
        if len(nodes) != 1:
            raise AuthFailure(f"passport has {len(nodes)} {name} elements")
        return (nodes[0].text or "").strip()

    def _check_passport(self, passport: etree._Element) -> None:
        c = self._credentials()
        account = self._text(passport, "account")
        consumer_key = self._text(passport, "consumerKey")
        token = self._text(passport, "token")
        nonce = self._text(passport, "nonce")
        timestamp_text = self._text(passport, "timestamp")
        signature_node = passport.find(f"{{{self._core}}}signature")
        signature = self._text(passport, "signature")
        algorithm = signature_node.get("algorithm", "") if signature_node is not None else ""

        # Exact match: NetSuite refuses a lower-case sandbox suffix in the passport.
        if account != c.account.passport_id:
            raise AuthFailure(f"account {account!r} is not {c.account.passport_id!r}")
        if consumer_key != c.consumer_key:
            raise AuthFailure("unknown consumer key")
        if token != c.token_id:
            raise AuthFailure("unknown token")
        if algorithm != SIGNATURE_ALGORITHM:
            raise AuthFailure(f"signature algorithm {algorithm!r} is not {SIGNATURE_ALGORITHM}")
        try:
            timestamp = int(timestamp_text)
        except ValueError:
            raise AuthFailure("timestamp is not an integer") from None
        now = self._clock()
        window = self._window()
        if abs(now - timestamp) > window:
            raise AuthFailure(f"timestamp {timestamp} is {now - timestamp:+.0f} s from the server's clock")
        if not is_valid_nonce(nonce):
            raise AuthFailure("nonce is not 6..64 letters and digits")
        if not verify_signature(
            signature,
            account=account,
            consumer_key=consumer_key,
            token_id=token,
            nonce=nonce,
            timestamp=timestamp,
            consumer_secret=c.consumer_secret.get_secret_value(),
            token_secret=c.token_secret.get_secret_value(),
        ):
            raise AuthFailure("signature does not match")
        # Claimed only once the signature is proven, so nobody can burn another client's nonces.
        if not self.nonces.claim(token, nonce, until=timestamp + window + 1, now=now):
            raise AuthFailure("nonce already used")
