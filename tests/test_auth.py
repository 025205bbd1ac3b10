"""The token passport: signature vector, nonce quality, single-use passports."""

from __future__ import annotations

import string
from collections import Counter

from suitetalk.auth import (
    SIGNATURE_ALGORITHM,
    PassportBuilder,
    compute_signature,
    is_valid_nonce,
    new_nonce,
    verify_signature,
)
from suitetalk.config import Credentials

# NetSuite's published example inputs (design.md §4).
VECTOR = {
    "account": "1234567",
    "consumer_key": "71cc02b731f05895561ef0862d71553a3ac99498a947c3b7beaf4a1e4a29f7c4",
    "token_id": "89e08d9767c5ac85b374415725567d05b54ecf0960ad2470894a52f741020d82",
    "nonce": "6obMKq0tmY8ylVOdEkA1",
    "timestamp": 1439829974,
    "consumer_secret": "7278da58caf07f5c336301a601203d10a58e948efa280f0618e25fcee1ef2abd",
    "token_secret": "060cd9ab3ffbbe1e3d3918e90165ffd37ab12acc76b4691046e2d29c7d7674c2",
}
EXPECTED = "FCghIZqXNetuZY8ILWOFH0ucdfzQOmAuL+q+kF21zPs="


def test_signature_matches_netsuite_vector() -> None:
    assert compute_signature(**VECTOR) == EXPECTED


def test_verifier_accepts_the_vector_and_rejects_any_change() -> None:
    assert verify_signature(EXPECTED, **VECTOR)
    assert not verify_signature(EXPECTED.replace("F", "G", 1), **VECTOR)
    assert not verify_signature(EXPECTED, **{**VECTOR, "account": "1234567_SB1"})
    assert not verify_signature(EXPECTED, **{**VECTOR, "timestamp": VECTOR["timestamp"] + 1})
    assert not verify_signature("", **VECTOR)
    assert not verify_signature("non-ascii-ü", **VECTOR)


def _credentials(account: str = "1234567_sb1") -> Credentials:
    return Credentials(
        account=account,
        consumer_key=VECTOR["consumer_key"],
        consumer_secret=VECTOR["consumer_secret"],
        token_id=VECTOR["token_id"],
        token_secret=VECTOR["token_secret"],
    )


def test_passport_is_signed_for_the_passport_form_of_the_account() -> None:
    passport = PassportBuilder(_credentials("1234567-sb1"), clock=lambda: 1439829974.9).build()
    assert passport.account == "1234567_SB1"
    assert passport.timestamp == 1439829974
    assert passport.algorithm == SIGNATURE_ALGORITHM == "HMAC-SHA256"
    assert verify_signature(
        passport.signature,
        account="1234567_SB1",
        consumer_key=VECTOR["consumer_key"],
        token_id=VECTOR["token_id"],
        nonce=passport.nonce,
        timestamp=1439829974,
        consumer_secret=VECTOR["consumer_secret"],
        token_secret=VECTOR["token_secret"],
    )


def test_nonces_are_long_alphanumeric_and_unique_over_100000_passports() -> None:
    builder = PassportBuilder(_credentials())
    alphabet = set(string.ascii_letters + string.digits)
    nonces = set()
    for _ in range(100_000):
        nonce = builder.build().nonce
        assert len(nonce) >= 20
        assert set(nonce) <= alphabet
        nonces.add(nonce)
    assert len(nonces) == 100_000


def test_every_nonce_character_is_equally_likely() -> None:
    """No character favoured (a byte taken modulo 62 would favour eight of them by about a fifth)."""
    counts = Counter("".join(new_nonce(64) for _ in range(10_000)))
    expected = 10_000 * 64 / 62
    assert set(counts) == set(string.ascii_letters + string.digits)
    assert all(abs(n - expected) < 0.06 * expected for n in counts.values()), counts.most_common(3)


def test_nonce_shape_checks() -> None:
    assert is_valid_nonce(new_nonce(20))
    assert is_valid_nonce("6obMKq")
    assert not is_valid_nonce("abc12")
    assert not is_valid_nonce("a" * 65)
    assert not is_valid_nonce("abc-def-ghi")


def test_passport_repr_hides_signature() -> None:
    passport = PassportBuilder(_credentials()).build()
    assert passport.signature not in repr(passport)
    assert passport.nonce in repr(passport)  # the repr is there to debug with; only the signature is kept out
