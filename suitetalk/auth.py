"""Token-based authentication: the signature, the nonce and the ``tokenPassport`` SOAP header.

NetSuite's TBA passport is single-use: every request, retries included, needs a new nonce and timestamp
and therefore a new signature. The client builds one per attempt with :class:`PassportBuilder`; the
emulator checks it with :func:`verify_signature`, the same code path in reverse.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lxml import etree

from .errors import InputError
from .namespaces import core_ns, messages_ns

if TYPE_CHECKING:
    from .config import Credentials

#: The only algorithm NetSuite still accepts (HMAC-SHA1 support ended with 2023.1).
SIGNATURE_ALGORITHM = "HMAC-SHA256"

NONCE_ALPHABET = string.ascii_letters + string.digits
_ALPHABET_SIZE = len(NONCE_ALPHABET)
#: The largest multiple of the alphabet's size that a byte can hold: bytes from it up are redrawn.
_UNBIASED = 256 - 256 % _ALPHABET_SIZE
#: NetSuite accepts 6..64 alphanumeric characters; 32 from ``secrets`` is ~190 bits of entropy.
DEFAULT_NONCE_LENGTH = 32
MIN_NONCE_LENGTH = 20
MAX_NONCE_LENGTH = 64


def _base_string(account: str, consumer_key: str, token_id: str, nonce: str, timestamp: int | str) -> bytes:
    return "&".join((account, consumer_key, token_id, nonce, str(int(timestamp)))).encode("utf-8")


def compute_signature(
    account: str,
    consumer_key: str,
    token_id: str,
    nonce: str,
    timestamp: int | str,
    consumer_secret: str,
    token_secret: str,
) -> str:
    """The HMAC-SHA256 passport signature, standard base64 with padding.

    Base string ``account&consumerKey&tokenId&nonce&timestamp``, key ``consumerSecret&tokenSecret``.
    ``account`` must already be in passport form (``1234567_SB1``).
    """
    key = f"{consumer_secret}&{token_secret}".encode()
    digest = hmac.new(key, _base_string(account, consumer_key, token_id, nonce, timestamp), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode("ascii")


def verify_signature(
    signature: str,
    *,
    account: str,
    consumer_key: str,
    token_id: str,
    nonce: str,
    timestamp: int | str,
    consumer_secret: str,
    token_secret: str,
) -> bool:
    """True if ``signature`` is the one these inputs give; compared in constant time."""
    expected = compute_signature(
        account, consumer_key, token_id, nonce, timestamp, consumer_secret, token_secret
    )
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))


def new_nonce(length: int = DEFAULT_NONCE_LENGTH) -> str:
    """A nonce of ``length`` alphanumeric characters from a cryptographically secure source."""
    if not MIN_NONCE_LENGTH <= length <= MAX_NONCE_LENGTH:
        raise InputError(f"nonce length must be {MIN_NONCE_LENGTH}..{MAX_NONCE_LENGTH}, got {length}")
    # One draw from the system's source for the whole nonce (secrets.choice per character makes a system
    # call each, and each lets another thread take the interpreter lock in the middle of a bulk write).
    # Bytes of 248 and above are dropped, so that every character is equally likely (248 = 4 x 62).
    chars: list[str] = []
    while len(chars) < length:
        chars.extend(
            NONCE_ALPHABET[b % _ALPHABET_SIZE] for b in secrets.token_bytes(length + 8) if b < _UNBIASED
        )
    return "".join(chars[:length])


def is_valid_nonce(nonce: str) -> bool:
    """The shape NetSuite accepts: 6 to 64 ASCII letters and digits."""
    return 6 <= len(nonce) <= MAX_NONCE_LENGTH and all(c in NONCE_ALPHABET for c in nonce)


@dataclass(frozen=True)
class TokenPassport:
    """One signed passport. ``signature`` is not a secret (it is single-use), but is kept out of ``repr``."""

    account: str
    consumer_key: str
    token: str
    nonce: str
    timestamp: int
    signature: str = field(repr=False)
    algorithm: str = SIGNATURE_ALGORITHM

    def to_zeep(self) -> dict[str, Any]:
        """The value zeep expects for the ``tokenPassport`` header element."""
        return {
            "account": self.account,
            "consumerKey": self.consumer_key,
            "token": self.token,
            "nonce": self.nonce,
            "timestamp": self.timestamp,
            "signature": {"_value_1": self.signature, "algorithm": self.algorithm},
        }

    def to_element(self, version: str) -> etree._Element:
        """The ``tokenPassport`` header element (messages namespace, children in core namespace)."""
        core = core_ns(version)
        root = etree.Element(f"{{{messages_ns(version)}}}tokenPassport", nsmap={"platformCore": core})
        for name, value in (
            ("account", self.account),
            ("consumerKey", self.consumer_key),
            ("token", self.token),
            ("nonce", self.nonce),
            ("timestamp", str(self.timestamp)),
        ):
            etree.SubElement(root, f"{{{core}}}{name}").text = value
        sig = etree.SubElement(root, f"{{{core}}}signature", algorithm=self.algorithm)
        sig.text = self.signature
        return root


class PassportBuilder:
    """Builds a fresh, signed :class:`TokenPassport` for each request.

    ``clock`` returns Unix time in seconds; inject one in tests or to correct a known clock skew.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        clock: Callable[[], float] = time.time,
        nonce_length: int = DEFAULT_NONCE_LENGTH,
    ) -> None:
        if not MIN_NONCE_LENGTH <= nonce_length <= MAX_NONCE_LENGTH:
            raise InputError(
                f"nonce_length must be {MIN_NONCE_LENGTH}..{MAX_NONCE_LENGTH}, got {nonce_length}"
            )
        self._credentials = credentials
        self._clock = clock
        self._nonce_length = nonce_length

    def __repr__(self) -> str:
        return f"PassportBuilder(account={self._credentials.account.passport_id!r})"

    def build(self) -> TokenPassport:
        c = self._credentials
        account = c.account.passport_id
        nonce = new_nonce(self._nonce_length)
        timestamp = int(self._clock())
        signature = compute_signature(
            account,
            c.consumer_key,
            c.token_id,
            nonce,
            timestamp,
            c.consumer_secret.get_secret_value(),
            c.token_secret.get_secret_value(),
        )
        return TokenPassport(account, c.consumer_key, c.token_id, nonce, timestamp, signature)
