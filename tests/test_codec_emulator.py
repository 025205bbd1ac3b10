"""The codec on the emulator's real answers (compact schema and NetSuite's full 2023_2 bundle): each answer
the client read with the codec reads the same with zeep, and each request the codec wrote is valid against
NetSuite's XSDs. A record read by the codec goes back through update and upsert.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from codec_strategies import same_value
from lxml import etree
from xsd_helpers import assert_valid, body_payload, bundle_schema
from zeep.plugins import HistoryPlugin

from suitetalk import ClientConfig, RetryPolicy
from suitetalk.client import Client
from suitetalk.codec import CodecValue
from suitetalk.emulator import Emulator
from suitetalk.namespaces import SOAP_ENV
from suitetalk.records import to_plain


@pytest.fixture(scope="module", params=["compact", "full-2023_2"])
def emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    settings: dict[str, object] = {"version": "2023_2"}
    if request.param != "compact":
        bundle: Path = request.getfixturevalue("netsuite_bundle")
        settings["schema_dir"] = bundle
    with Emulator(**settings) as running:  # type: ignore[arg-type]
        yield running


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> Iterator[tuple[Client, HistoryPlugin]]:
    config = ClientConfig(
        endpoint=emulator.base_url,
        version=emulator.version,
        retry=RetryPolicy(initial_wait=0.001, max_wait=0.01),
    )
    with Client(emulator.credentials, config) as bound:
        history = HistoryPlugin(maxlen=1)
        bound.zeep.plugins.append(history)
        yield bound, history


def _zeep_reading(client: Client, operation: str, envelope: etree._Element) -> Any:
    """zeep's reading (the client's settings) of a whole answer, as the codec's reply body."""
    result = client.service._binding.get(operation).process_reply(envelope)
    return getattr(result, "body", result)


def _check_last(client: Client, history: HistoryPlugin, operation: str, netsuite_bundle: Path | None) -> Any:
    received = history.last_received["envelope"]
    body = received.find(f"{{{SOAP_ENV}}}Body")[0]
    codec_body = client.codec.reader.read(body)
    assert isinstance(codec_body, CodecValue)
    same_value(_zeep_reading(client, operation, received), codec_body)
    if netsuite_bundle is not None:
        assert_valid(bundle_schema(netsuite_bundle), body_payload(history.last_sent["envelope"]))
    return codec_body


def test_answers_read_as_zeep_reads_and_requests_are_valid(
    client: tuple[Client, HistoryPlugin], netsuite_bundle: Path
) -> None:
    c, history = client
    records = [
        c.record(
            "customer",
            companyName=f"Codec {i}",
            external_id=f"CODEC-{i}",
            email=f"c{i}@codec.test",
            isPerson=False,
            creditLimit=1000.5 + i,
            custom_fields={"custentity_tier": "gold", "custentity_score": i, "custentity_vip": True},
        )
        for i in range(12)
    ]
    results = c.upsert_list(records)
    assert all(r.success for r in results)
    _check_last(c, history, "upsertList", netsuite_bundle)

    ids = [r.internal_id for r in results]
    record = c.get("customer", ids[0])
    assert isinstance(record, CodecValue)
    assert record.companyName == "Codec 0"
    assert record.creditLimit == 1000.5
    _check_last(c, history, "get", netsuite_bundle)

    read = c.get_list(ids[:5], record_type="customer")
    assert [r.record.companyName for r in read] == [f"Codec {i}" for i in range(5)]
    _check_last(c, history, "getList", netsuite_bundle)

    search = c.search("customer", {"email": ("contains", "@codec.test")}, page_size=5)
    found = [to_plain(r) for r in search]
    assert sorted(f["companyName"] for f in found) == sorted(f"Codec {i}" for i in range(12))
    _check_last(c, history, "searchMoreWithId", netsuite_bundle)

    rows = list(c.search("customer", {"email": ("contains", "@codec.test")}, columns=["entityId", "email"]))
    assert len(rows) == 12
    _check_last(c, history, "search", netsuite_bundle)

    # A record read by the codec goes back as it is: changed, through update and upsert.
    record.phone = "555-0199"
    assert c.update(record).success
    _check_last(c, history, "update", netsuite_bundle)
    assert c.get("customer", ids[0]).phone == "555-0199"
    again = c.get("customer", ids[1])
    again.comments = "upserted back"
    assert c.upsert(again).success
    _check_last(c, history, "upsert", netsuite_bundle)
    assert c.get("customer", external_id="CODEC-1").comments == "upserted back"

    assert all(r.success for r in c.delete_list(ids[-2:], record_type="customer"))
    _check_last(c, history, "deleteList", netsuite_bundle)


def test_a_bad_value_is_refused_before_sending(client: tuple[Client, HistoryPlugin]) -> None:
    from suitetalk.records import RecordDataError

    c, history = client
    added = c.upsert("customer", companyName="Refused", external_id="CODEC-REFUSED")
    record = c.get("customer", added.internal_id)
    sent_before = history.last_sent
    record.isPerson = "maybe"
    with pytest.raises(RecordDataError, match=r"update\.record\.isPerson: expected a boolean"):
        c.update(record)
    record.isPerson = None
    record.companyNmae = "a misspelt field is refused, not dropped"
    with pytest.raises(RecordDataError, match=r"Customer has no field 'companyNmae'"):
        c.update(record)
    assert history.last_sent is sent_before  # nothing was sent
