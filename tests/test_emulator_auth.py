"""Token passports checked as NetSuite checks them; every failure answered with NetSuite's fault."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
import zeep
from emulator_support import SCHEMAS, Session, emulator_for, fault_parts, session
from zeep.plugins import HistoryPlugin

from suitetalk.auth import PassportBuilder, compute_signature, new_nonce
from suitetalk.config import Credentials
from suitetalk.emulator import Emulator
from suitetalk.faults import INVALID_LOGIN_CODE, INVALID_LOGIN_MESSAGE, USER_EXCEPTION_FAULTCODE


@pytest.fixture(scope="module", params=SCHEMAS)
def s(request: pytest.FixtureRequest) -> Iterator[Session]:
    with session(emulator_for(request.param, request)) as sess:
        yield sess


def server_time(s: Session, passport: dict[str, Any], **headers: Any) -> Any:
    return s.service.getServerTime(_soapheaders={"tokenPassport": passport, **headers})


def assert_invalid_login(s: Session, passport: dict[str, Any], **headers: Any) -> zeep.exceptions.Fault:
    with pytest.raises(zeep.exceptions.Fault) as caught:
        server_time(s, passport, **headers)
    fault = caught.value
    assert fault.code == USER_EXCEPTION_FAULTCODE
    element, code, message = fault_parts(fault, s.faults)
    assert (element, code) == ("invalidCredentialsFault", INVALID_LOGIN_CODE)
    if not headers:
        assert message == INVALID_LOGIN_MESSAGE
    assert s.history.last_received["http_headers"].get("Set-Cookie") is None
    return fault


def other_credentials(s: Session, **changes: str) -> Credentials:
    c = s.emulator.credentials
    values = {
        "account": c.account.passport_id,
        "consumer_key": c.consumer_key,
        "consumer_secret": c.consumer_secret.get_secret_value(),
        "token_id": c.token_id,
        "token_secret": c.token_secret.get_secret_value(),
    }
    return Credentials(**{**values, **changes})


def test_a_correct_passport_is_accepted(s: Session) -> None:
    assert server_time(s, s.passport()).body.getServerTimeResult.status.isSuccess


def test_wrong_signature(s: Session) -> None:
    passport = s.passport()
    signature = passport["signature"]["_value_1"]
    passport["signature"]["_value_1"] = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert_invalid_login(s, passport)


def test_wrong_secret_gives_a_wrong_signature(s: Session) -> None:
    assert_invalid_login(
        s, s.passport(PassportBuilder(other_credentials(s, token_secret=secrets.token_hex(32))))
    )


def test_unknown_token(s: Session) -> None:
    credentials = other_credentials(s, token_id=secrets.token_hex(32))
    assert_invalid_login(s, s.passport(PassportBuilder(credentials)))


def test_unknown_consumer_key(s: Session) -> None:
    credentials = other_credentials(s, consumer_key=secrets.token_hex(32))
    assert_invalid_login(s, s.passport(PassportBuilder(credentials)))


def test_wrong_account(s: Session) -> None:
    assert_invalid_login(s, s.passport(PassportBuilder(other_credentials(s, account="7654321"))))


def test_replayed_nonce(s: Session) -> None:
    passport = s.passport()
    assert server_time(s, dict(passport)).body.getServerTimeResult.status.isSuccess
    assert_invalid_login(s, dict(passport))


def test_reused_nonce_with_a_new_timestamp(s: Session) -> None:
    c = s.emulator.credentials
    nonce = new_nonce()

    def signed(timestamp: int) -> dict[str, Any]:
        signature = compute_signature(
            c.account.passport_id,
            c.consumer_key,
            c.token_id,
            nonce,
            timestamp,
            c.consumer_secret.get_secret_value(),
            c.token_secret.get_secret_value(),
        )
        return {
            "account": c.account.passport_id,
            "consumerKey": c.consumer_key,
            "token": c.token_id,
            "nonce": nonce,
            "timestamp": timestamp,
            "signature": {"_value_1": signature, "algorithm": "HMAC-SHA256"},
        }

    now = int(time.time())
    assert server_time(s, signed(now - 1)).body.getServerTimeResult.status.isSuccess
    assert_invalid_login(s, signed(now))


# A few seconds beyond the 300 s window: the passport's timestamp is whole seconds (truncated), so 301 s ahead
# could arrive as 300.x s ahead of the emulator's clock, inside the window.
@pytest.mark.parametrize("offset", [-305, 305])
def test_timestamp_outside_the_window(s: Session, offset: int) -> None:
    builder = PassportBuilder(s.emulator.credentials, clock=lambda: time.time() + offset)
    assert_invalid_login(s, s.passport(builder))


def test_the_window_is_configurable(s: Session) -> None:
    builder = PassportBuilder(s.emulator.credentials, clock=lambda: time.time() - 60)
    assert server_time(s, s.passport(builder)).body.getServerTimeResult.status.isSuccess
    s.emulator.configure(timestamp_window=30)
    try:
        assert_invalid_login(s, s.passport(builder))
    finally:
        s.emulator.configure(timestamp_window=300)


def test_hmac_sha1_is_refused(s: Session) -> None:
    passport = s.passport()
    passport["signature"]["algorithm"] = "HMAC-SHA1"
    assert_invalid_login(s, passport)


def test_application_info_with_tba_is_ambiguous(s: Session) -> None:
    app_info = s.client.get_element(f"{{{s.msgs}}}applicationInfo")(applicationId="ABC-123")
    fault = assert_invalid_login(s, s.passport(), applicationInfo=app_info)
    assert fault_parts(fault, s.faults)[2] == "Ambiguous authentication"


def test_no_passport_is_refused(s: Session) -> None:
    with pytest.raises(zeep.exceptions.Fault) as caught:
        s.service.getServerTime()
    element, code, _ = fault_parts(caught.value, s.faults)
    assert (element, code) == ("invalidSessionFault", "WS_LOG_IN_REQD")


def test_cookies_are_ignored_and_never_set(s: Session) -> None:
    s.client.transport.session.cookies.set("JSESSIONID", "abc123")
    try:
        assert server_time(s, s.passport()).body.getServerTimeResult.status.isSuccess
        assert s.history.last_sent["http_headers"] is not None
        assert "Set-Cookie" not in s.history.last_received["http_headers"]
    finally:
        s.client.transport.session.cookies.clear()


def test_sandbox_account_suffix_must_be_upper_case() -> None:
    with Emulator(account="1234567_sb1") as emulator:
        assert emulator.account.passport_id == "1234567_SB1"
        sess = Session(emulator, zeep.Client(emulator.wsdl_url), HistoryPlugin())
        assert server_time(sess, sess.passport()).body.getServerTimeResult.status.isSuccess
        c = emulator.credentials
        nonce, timestamp = new_nonce(), int(time.time())
        secrets_ = (c.consumer_secret.get_secret_value(), c.token_secret.get_secret_value())
        lower = "1234567_sb1"
        passport = {
            "account": lower,
            "consumerKey": c.consumer_key,
            "token": c.token_id,
            "nonce": nonce,
            "timestamp": timestamp,
            "signature": {
                "_value_1": compute_signature(lower, c.consumer_key, c.token_id, nonce, timestamp, *secrets_),
                "algorithm": "HMAC-SHA256",
            },
        }
        with pytest.raises(zeep.exceptions.Fault) as caught:
            server_time(sess, passport)
        assert fault_parts(caught.value, sess.faults)[1] == INVALID_LOGIN_CODE
        assert emulator.stats.auth_failures == 1
