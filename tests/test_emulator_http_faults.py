"""Injected HTTP-level faults (gateway error pages, HTML with 200, redirects, truncated answers), seen from
plain ``requests`` posting signed SOAP envelopes that zeep builds: what the wire carries, what was
executed, what the counters say, and that a seed replays the same faults."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import urllib3
from emulator_support import Session, session
from lxml import etree

from suitetalk.emulator import Emulator, EmulatorSettings, Stats
from suitetalk.emulator.injection import FaultInjector
from suitetalk.emulator.storage import RecordNotFound

HTTP_FAULTS = {
    "error_page_rate": 0.0,
    "error_page_statuses": (429, 500, 502, 503, 504),
    "error_page_bodies": ("html",),
    "error_page_after_commit": 0.5,
    "html_ok_rate": 0.0,
    "redirect_rate": 0.0,
    "redirect_statuses": (301, 302, 307, 308),
    "truncated_response_rate": 0.0,
    "seed": None,
}


@pytest.fixture(scope="module")
def s() -> Iterator[Session]:
    with session(Emulator(version="2023_2")) as sess:
        yield sess


@pytest.fixture(autouse=True)
def calm(s: Session) -> Iterator[None]:
    s.emulator.configure(**HTTP_FAULTS)
    s.emulator.reset_stats()
    yield
    s.emulator.configure(**HTTP_FAULTS)


def post(s: Session, operation: str, *, follow: bool = False, **kwargs: Any) -> requests.Response:
    """POST a signed ``operation`` envelope with requests; the body is read (a cut one raises)."""
    message = s.client.create_message(
        s.service, operation, _soapheaders={"tokenPassport": s.passport()}, **kwargs
    )
    return requests.post(
        s.emulator.service_url,
        data=etree.tostring(message),
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": operation},
        allow_redirects=follow,
        timeout=30,
    )


def add_customer(s: Session, external_id: str) -> requests.Response:
    return post(s, "add", record=s.record("customer", entityId=external_id, externalId=external_id))


def stored(s: Session, external_id: str) -> bool:
    try:
        s.emulator.store.get("customer", external_id=external_id)
    except RecordNotFound:
        return False
    return True


def new_id() -> str:
    return f"http-{secrets.token_hex(4)}"


def test_the_store_lookup_used_here_sees_what_an_add_wrote(s: Session) -> None:
    external_id = new_id()
    assert not stored(s, external_id)
    assert add_customer(s, external_id).status_code == 200
    assert stored(s, external_id)


@pytest.mark.parametrize("status", [429, 503])
def test_429_and_503_pages_come_before_the_request_is_executed(s: Session, status: int) -> None:
    s.emulator.configure(error_page_rate=1.0, error_page_statuses=(status,), error_page_after_commit=1.0)
    external_id = new_id()
    answer = add_customer(s, external_id)
    assert answer.status_code == status
    assert answer.headers["Content-Type"].startswith("text/html")
    assert answer.text.startswith("<!DOCTYPE html>")
    assert str(status) in answer.text
    assert not stored(s, external_id)
    stats = s.emulator.stats
    assert stats.error_pages == {status: 1}
    assert stats.error_pages_after_commit == 0
    assert stats.operations == {}


@pytest.mark.parametrize("status", [500, 502, 504])
def test_500_502_504_pages_come_before_or_after_the_commit_as_told(s: Session, status: int) -> None:
    s.emulator.configure(error_page_rate=1.0, error_page_statuses=(status,), error_page_bodies=("text",))
    s.emulator.configure(error_page_after_commit=0.0)
    before = new_id()
    answer = add_customer(s, before)
    assert (answer.status_code, answer.headers["Content-Type"]) == (status, "text/plain; charset=utf-8")
    assert not answer.text.lstrip().startswith("<")
    assert not stored(s, before)
    assert s.emulator.stats.error_pages_after_commit == 0

    s.emulator.configure(error_page_after_commit=1.0)
    after = new_id()
    assert add_customer(s, after).status_code == status
    assert stored(s, after)
    stats = s.emulator.stats
    assert stats.error_pages == {status: 2}
    assert stats.error_pages_after_commit == 1
    assert stats.operations == {"add": 1}


def test_a_page_drawn_after_the_commit_hides_a_fault_and_counts_as_not_executed(s: Session) -> None:
    s.emulator.configure(error_page_rate=1.0, error_page_statuses=(504,), error_page_after_commit=1.0)
    answer = requests.post(s.emulator.service_url, data=b"<not-soap/>", timeout=30)
    assert answer.status_code == 504
    stats = s.emulator.stats
    assert stats.error_pages == {504: 1}
    assert stats.error_pages_after_commit == 0


def test_error_pages_after_the_commit_follow_the_seeded_chance(s: Session) -> None:
    s.emulator.configure(error_page_rate=1.0, error_page_statuses=(502,), error_page_after_commit=0.5, seed=3)
    ids = [new_id() for _ in range(40)]
    for external_id in ids:
        assert add_customer(s, external_id).status_code == 502
    written = sum(stored(s, external_id) for external_id in ids)
    assert s.emulator.stats.error_pages_after_commit == written
    assert 0 < written < 40


def test_an_html_page_with_status_200_is_not_executed(s: Session) -> None:
    s.emulator.configure(html_ok_rate=1.0)
    external_id = new_id()
    answer = add_customer(s, external_id)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    assert answer.text.startswith("<!DOCTYPE html>")
    assert not stored(s, external_id)
    assert s.emulator.stats.html_pages == 1


def test_a_redirect_points_to_loopback_and_following_it_executes_nothing(s: Session) -> None:
    s.emulator.configure(redirect_rate=1.0, seed=11)
    seen = set()
    for _ in range(12):
        external_id = new_id()
        answer = add_customer(s, external_id)
        seen.add(answer.status_code)
        assert answer.headers["Location"].startswith(s.emulator.base_url + "/moved/services/")
        assert not stored(s, external_id)
    assert seen == {301, 302, 307, 308}
    assert s.emulator.stats.redirects == 12
    assert s.emulator.stats.redirects_followed == 0

    s.emulator.configure(redirect_statuses=(307,))
    external_id = new_id()
    followed = post(
        s, "add", follow=True, record=s.record("customer", entityId=external_id, externalId=external_id)
    )
    assert followed.status_code == 404
    assert not stored(s, external_id)
    assert s.emulator.stats.redirects_followed == 1


def test_a_redirect_can_point_where_the_test_says(s: Session) -> None:
    s.emulator.configure(
        redirect_rate=1.0, redirect_statuses=(302,), redirect_location="http://127.0.0.2:9/x"
    )
    try:
        assert post(s, "getServerTime").headers["Location"] == "http://127.0.0.2:9/x"
    finally:
        s.emulator.configure(redirect_location=None)
    with pytest.raises(ValueError, match="absolute http"):
        s.emulator.configure(redirect_location="/relative")


def test_a_truncated_answer_is_executed_and_cut_mid_body(s: Session) -> None:
    s.emulator.configure(truncated_response_rate=1.0)
    external_id = new_id()
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        add_customer(s, external_id)
    assert stored(s, external_id)
    stats = s.emulator.stats
    assert stats.truncated_responses == 1
    assert stats.operations == {"add": 1}


def test_a_truncated_answer_announces_more_than_it_sends(s: Session) -> None:
    s.emulator.configure(truncated_response_rate=1.0)
    message = s.client.create_message(
        s.service, "getServerTime", _soapheaders={"tokenPassport": s.passport()}
    )
    answer = requests.post(
        s.emulator.service_url,
        data=etree.tostring(message),
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "getServerTime"},
        stream=True,
        timeout=30,
    )
    announced = int(answer.headers["Content-Length"])
    received = bytearray()

    def read_all() -> None:
        while chunk := answer.raw.read(1024, decode_content=False):
            received.extend(chunk)

    with pytest.raises(urllib3.exceptions.ProtocolError, match="IncompleteRead"):
        read_all()
    assert 0 < len(received) < announced
    assert received.startswith(b"<?xml") or received.startswith(b"<soapenv")


def _outcome(s: Session) -> str:
    try:
        answer = post(s, "getServerTime")
    except requests.exceptions.ChunkedEncodingError:
        return "truncated"
    kind = answer.headers.get("Content-Type", "").split(";")[0]
    return f"{answer.status_code} {kind}"


def test_the_same_seed_replays_the_same_http_faults(s: Session) -> None:
    rates = {
        "error_page_rate": 0.25,
        "error_page_bodies": ("html", "text"),
        "html_ok_rate": 0.1,
        "redirect_rate": 0.1,
        "truncated_response_rate": 0.1,
    }

    def run(seed: int) -> list[str]:
        s.emulator.configure(seed=seed, **rates)
        return [_outcome(s) for _ in range(40)]

    first = run(21)
    assert run(21) == first
    kinds = set(first)
    assert {"200 text/xml", "truncated", "200 text/html"} <= kinds
    assert any(k.startswith(("301", "302", "307", "308")) for k in kinds)
    assert any(k.endswith("text/plain") for k in kinds)
    assert any(k[:3] in {"429", "500"} for k in kinds)
    assert run(22) != first


def _four(settings: EmulatorSettings, seed: int, n: int) -> list[tuple[bool, bool, float, bool]]:
    injector = FaultInjector(seed)
    plans = [injector.plan(settings) for _ in range(n)]
    return [(p.drop_connection, p.concurrency_fault, p.delay, p.lose_response) for p in plans]


def test_the_four_original_decisions_are_unchanged_for_a_seed() -> None:
    base = {
        "seed": 5,
        "drop_connection_rate": 0.2,
        "concurrency_fault_rate": 0.3,
        "latency": 0.1,
        "latency_jitter": 0.2,
        "lose_response_rate": 0.25,
    }
    # What the injector decided before HTTP faults existed: four numbers per request from Random(seed).
    rng = random.Random(5)
    expected = []
    for _ in range(60):
        drop, concurrency, jitter, lose = (rng.random() for _ in range(4))
        expected.append((drop < 0.2, concurrency < 0.3, 0.1 + jitter * 0.2, lose < 0.25))
    quiet = EmulatorSettings(**base)
    noisy = EmulatorSettings(
        **base, error_page_rate=0.5, html_ok_rate=0.3, redirect_rate=0.3, truncated_response_rate=0.4
    )
    assert _four(quiet, 5, 60) == expected
    assert _four(noisy, 5, 60) == expected


def test_one_http_fault_rate_does_not_shift_the_others() -> None:
    def plans(**rates: float) -> list[Any]:
        injector = FaultInjector(9)
        settings = EmulatorSettings(seed=9, redirect_rate=0.3, truncated_response_rate=0.3, **rates)
        return [injector.plan(settings) for _ in range(80)]

    alone = plans()
    with_pages = plans(error_page_rate=0.5, html_ok_rate=0.5)
    assert [p.redirect for p in alone] == [p.redirect for p in with_pages]
    assert [p.truncate_at for p in alone] == [p.truncate_at for p in with_pages]
    assert any(p.error_page for p in with_pages)
    assert any(p.html_ok for p in with_pages)
    assert all(0 < (p.truncate_at or 0.5) < 1 for p in alone)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"error_page_statuses": (404,)}, "one or more of 429, 500, 502, 503, 504"),
        ({"error_page_statuses": ()}, "one or more of"),
        ({"redirect_statuses": (303,)}, "one or more of 301, 302, 307, 308"),
        ({"error_page_bodies": ("json",)}, "html"),
        ({"error_page_bodies": ()}, "at least one"),
        ({"error_page_rate": 1.5}, "less than or equal to 1"),
        ({"error_page_after_commit": -0.1}, "greater than or equal to 0"),
        ({"truncated_response_rate": 2}, "less than or equal to 1"),
    ],
)
def test_http_fault_settings_are_checked(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EmulatorSettings(**settings)


def test_stats_snapshots_do_not_share_their_tables(s: Session) -> None:
    s.emulator.configure(error_page_rate=1.0, error_page_statuses=(503,))
    post(s, "getServerTime")
    snapshot: Stats = s.emulator.stats
    post(s, "getServerTime")
    assert snapshot.error_pages == {503: 1}
    assert s.emulator.stats.error_pages == {503: 2}


@pytest.mark.suitetalk_emulator(error_page_rate=1.0, error_page_statuses=[504], error_page_after_commit=0.0)
def test_the_pytest_marker_takes_the_http_fault_settings(suitetalk_emulator: Emulator) -> None:
    answer = requests.post(suitetalk_emulator.service_url, data=b"<x/>", timeout=30)
    assert answer.status_code == 504
    assert suitetalk_emulator.stats.error_pages == {504: 1}
