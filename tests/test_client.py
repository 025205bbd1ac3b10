"""The client against the emulator over real HTTP: every operation, partial failures, pagination, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from suitetalk import (
    AuthenticationError,
    ClientConfig,
    Credentials,
    RecordError,
    RecordNotFoundError,
    RetryPolicy,
    SearchExpiredError,
)
from suitetalk.client import Client
from suitetalk.emulator import Emulator
from suitetalk.records import RecordDataError, RecordRef, UnknownRecordTypeError
from suitetalk.search import CriteriaError

FAST_RETRY = RetryPolicy(initial_wait=0.001, max_wait=0.01)


def make_client(emulator: Emulator, credentials: Credentials | None = None, **config: object) -> Client:
    settings = {"endpoint": emulator.base_url, "version": emulator.version, "retry": FAST_RETRY, **config}
    return Client(credentials or emulator.credentials, ClientConfig(**settings))  # type: ignore[arg-type]


@pytest.fixture(scope="module", params=["compact", "full-2023_2"])
def emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    if request.param == "compact":
        settings: dict[str, object] = {}
    else:
        bundle: Path = request.getfixturevalue("netsuite_bundle")
        settings = {"schema_dir": bundle, "version": "2023_2"}
    with Emulator(**settings) as running:
        yield running


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> Iterator[Client]:
    with make_client(emulator) as bound:
        yield bound


def test_add_get_update_delete_round_trip(client: Client) -> None:
    added = client.add("customer", companyName="Round Trip Ltd", email="rt@example.com", external_id="RT-1")
    assert added.success
    assert added.internal_id
    assert added.record_type == "customer"
    assert added.external_id == "RT-1"
    assert added.ns_id
    assert added.ns_id.startswith("WEBSERVICES_")

    record = client.get("customer", added.internal_id)
    assert record.companyName == "Round Trip Ltd"
    assert client.get("customer", external_id="RT-1").internalId == added.internal_id

    client.update("customer", internal_id=added.internal_id, phone="555-0100", null_fields=["email"])
    updated = client.get("customer", added.internal_id)
    assert updated.phone == "555-0100"
    assert updated.email is None
    assert updated.companyName == "Round Trip Ltd"

    deleted = client.delete("customer", added.internal_id)
    assert deleted.success
    with pytest.raises(RecordNotFoundError) as info:
        client.get("customer", added.internal_id)
    assert info.value.code == "RCRD_DSNT_EXIST"
    assert info.value.operation == "get"
    assert info.value.ns_id


def test_results_convert_to_plain_json_and_back(client: Client) -> None:
    added = client.add(
        "customer",
        companyName="Plain Co",
        external_id="PLAIN-1",
        custom_fields={"custentity_tier": "gold", "custentity_vip": True, "custentity_score": 7},
    )
    record = client.get("customer", added.internal_id)
    plain = client.to_plain(record)
    assert json.loads(json.dumps(plain)) == plain
    assert plain["companyName"] == "Plain Co"
    assert plain["custom_fields"] == {
        "custentity_tier": "gold",
        "custentity_vip": True,
        "custentity_score": 7,
    }
    rebuilt = client.record(
        "customer", {k: v for k, v in plain.items() if k not in ("dateCreated", "lastModifiedDate")}
    )
    assert rebuilt.companyName == "Plain Co"
    assert client.update(rebuilt).success


def test_upsert_creates_then_updates_by_external_id(client: Client) -> None:
    first = client.upsert("customer", companyName="Upsert v1", external_id="UP-1")
    second = client.upsert("customer", companyName="Upsert v2", external_id="UP-1")
    assert first.internal_id == second.internal_id
    assert client.get("customer", external_id="UP-1").companyName == "Upsert v2"
    with pytest.raises(RecordDataError, match="external id"):
        client.upsert("customer", companyName="no external id")


def test_list_operations_split_into_netsuite_limits_and_keep_input_order(
    client: Client, emulator: Emulator
) -> None:
    records = [
        client.record("customer", companyName=f"Bulk {i}", external_id=f"BULK-{i}") for i in range(450)
    ]
    emulator.reset_stats()
    results = client.add_list(records)
    assert [r.external_id for r in results] == [f"BULK-{i}" for i in range(450)]
    assert all(r.success for r in results)
    assert all(r.ns_id and r.ns_id.startswith("WEBSERVICES_") for r in results)
    assert emulator.stats.operations.get("addList") == 3  # 200 + 200 + 50

    fetched = client.get_list([r.internal_id for r in results], record_type="customer")
    assert [f.record.companyName for f in fetched] == [f"Bulk {i}" for i in range(450)]

    updates = [
        client.record("customer", internal_id=r.internal_id, phone=str(i)) for i, r in enumerate(results)
    ]
    emulator.reset_stats()
    assert all(r.success for r in client.update_list(updates))
    assert emulator.stats.operations.get("updateList") == 5  # 100 each

    deleted = client.delete_list([RecordRef(r.internal_id, type="customer") for r in results[:250]])
    assert all(d.success for d in deleted)
    assert len(deleted) == 250


def test_partial_failure_reports_each_record(client: Client) -> None:
    client.add("customer", companyName="Taken", external_id="DUP-1")
    results = client.add_list(
        [
            client.record("customer", companyName="fine 1", external_id="PART-1"),
            client.record("customer", companyName="duplicate", external_id="DUP-1"),
            client.record("customer", companyName="fine 2", external_id="PART-2"),
        ]
    )
    assert [r.success for r in results] == [True, False, True]
    assert results[1].errors
    assert results[1].errors[0].code == "DUP_RCRD"
    with pytest.raises(RecordError) as info:
        results[1].raise_for_status()
    assert info.value.code == "DUP_RCRD"

    reads = client.get_list(
        [results[0].internal_id, "987654321", results[2].internal_id], record_type="customer"
    )
    assert [r.success for r in reads] == [True, False, True]
    assert reads[1].errors[0].code == "RCRD_DSNT_EXIST"

    deletes = client.delete_list(["987654321", results[0].internal_id], record_type="customer")
    assert [d.success for d in deletes] == [False, True]


def test_search_over_2500_records_with_page_size_100_visits_each_once(client: Client) -> None:
    results = client.upsert_list(
        client.record(
            "customer", companyName=f"Pager {i:04d}", external_id=f"PAGE-{i}", email=f"p{i}@pager.test"
        )
        for i in range(2500)
    )
    assert all(r.success for r in results)
    search = client.search(
        "customer",
        {"email": ("contains", "@pager.test")},
        page_size=100,
    )
    seen = [record.externalId for record in search]
    assert len(seen) == 2500
    assert set(seen) == {f"PAGE-{i}" for i in range(2500)}
    assert search.total_records == 2500
    assert search.total_pages == 25
    assert search.page_size == 100

    pages = list(
        client.search(
            "customer", {"email": ("contains", "@pager.test")}, page_size=100, start_page=24
        ).pages()
    )
    assert [p.page_index for p in pages] == [24, 25]
    resumed = client.search_more_with_id(search.search_id, 25, page_size=100)  # type: ignore[arg-type]
    assert resumed.page_index == 25
    assert len(resumed.records) == 100


def test_search_id_expiring_mid_iteration_gives_a_clear_error(client: Client, emulator: Emulator) -> None:
    client.upsert_list(
        client.record("customer", companyName=f"Exp {i}", external_id=f"EXP-{i}") for i in range(30)
    )
    # One page at a time: pages fetched ahead could arrive before the search expires (that case has its own
    # test in test_search_pages.py).
    pages = client.search("customer", {"companyName": ("startsWith", "Exp ")}, page_size=10, prefetch=0)
    iterator = iter(pages)
    for _ in range(10):
        next(iterator)
    emulator.expire_searches()
    with pytest.raises(SearchExpiredError, match="expire 15 minutes") as info:
        next(iterator)
    assert info.value.code == "INVALID_JOB_ID"


def test_search_criteria_kinds(client: Client) -> None:
    added = client.add("customer", companyName="Crit Co", email="crit@example.com", external_id="CRIT-1")
    by_id = list(client.search("customer", {"internalId": ("anyOf", [added.internal_id])}))
    assert [r.externalId for r in by_id] == ["CRIT-1"]
    since = datetime.now(timezone.utc) - timedelta(hours=1)
    recent = {r.externalId for r in client.search("customer", {"dateCreated": ("after", since)})}
    assert "CRIT-1" in recent
    assert not list(
        client.search("customer", {"companyName": "Crit Co", "email": ("isNot", "crit@example.com")})
    )
    with pytest.raises(CriteriaError, match="did you mean"):
        client.search("customer", {"compnyName": "x"})


def test_unknown_record_type_is_refused_before_sending(client: Client, emulator: Emulator) -> None:
    emulator.reset_stats()
    with pytest.raises(UnknownRecordTypeError, match="customer"):
        client.add("custmer", companyName="x")
    with pytest.raises(RecordDataError):
        client.record("customer", companyNmae="x")
    assert emulator.stats.requests == 0


def test_server_time_governance_and_deleted(client: Client) -> None:
    server_time = client.get_server_time()
    assert abs((server_time - datetime.now(timezone.utc)).total_seconds()) < 60
    assert client.get_integration_governance_info()["integrationConcurrencyLimit"] == 5
    assert client.get_account_governance_info()["accountConcurrencyLimit"] >= 5
    gone = client.add("customer", companyName="Gone", external_id="GONE-1")
    client.delete("customer", gone.internal_id)
    deleted = client.get_deleted(["customer"], after=datetime.now(timezone.utc) - timedelta(minutes=5))
    ids = [d.record.internalId for d in deleted.deletedRecordList.deletedRecord]
    assert gone.internal_id in ids


def test_generic_call_reaches_any_operation(client: Client) -> None:
    body = client.call("getServerTime", idempotent=True)
    assert body.getServerTimeResult.status.isSuccess
    with pytest.raises(ValueError, match="no operation"):
        client.call("launchRocket")


def test_invalid_credentials_fail_fast_without_retry(emulator: Emulator) -> None:
    wrong = Credentials(
        account=emulator.account,
        consumer_key=emulator.credentials.consumer_key,
        consumer_secret="not-the-secret",
        token_id=emulator.credentials.token_id,
        token_secret=emulator.credentials.token_secret,
    )
    with make_client(emulator, wrong, concurrency=5) as bad:
        emulator.reset_stats()
        with pytest.raises(AuthenticationError) as info:
            bad.get("customer", 1)
        assert emulator.stats.requests == 1
        assert bad.retry_stats.retries == 0
    text = str(info.value)
    assert "Invalid login attempt." in text
    assert "not-the-secret" not in text
    assert info.value.code == "USER_ERROR"


def test_initialize_an_invoice_from_a_sales_order(client: Client) -> None:
    customer = client.add("customer", companyName="Init Co", external_id="INIT-C")
    item = client.add("inventoryItem", itemId="INIT-W", external_id="INIT-W")
    order = client.add(
        "salesOrder",
        entity=customer.internal_id,
        itemList=[{"item": item.internal_id, "quantity": 3}],
        external_id="INIT-SO",
    )
    invoice = client.initialize("invoice", {"type": "salesOrder", "internal_id": order.internal_id})
    assert invoice.internalId is None
    assert invoice.entity.internalId == customer.internal_id
    assert invoice.createdFrom.internalId == order.internal_id
    assert [(line.item.internalId, line.quantity) for line in invoice.itemList.item] == [
        (item.internal_id, 3)
    ]
    assert client.add(invoice).success


def test_select_values_and_get_all(client: Client) -> None:
    client.add("customer", companyName="Select Me Corp", entityId="Select Me Corp", external_id="SEL-1")
    result = client.get_select_value(
        {
            "recordType": "salesOrder",
            "field": "entity",
            "filter": {"filterValue": "Select Me", "operator": "startsWith"},
        }
    )
    names = [ref.name for ref in result.baseRefList.baseRef]
    assert names == ["Select Me Corp"]
    if "currency" in client.types.names():
        client.add("currency", name="Euro test", symbol="EUR")
        assert "Euro test" in [c.name for c in client.get_all("currency")]
    else:
        with pytest.raises(RecordError) as info:
            client.get_all("currency")
        assert info.value.code == "INVALID_RCRD_TYPE"


def test_attach_and_detach_a_contact(client: Client, emulator: Emulator) -> None:
    customer = client.add("customer", companyName="Attach Co", external_id="ATT-C")
    contact = client.add("contact", entityId="Jane Attach", external_id="ATT-P")
    to = RecordRef(customer.internal_id, type="customer")
    who = RecordRef(contact.internal_id, type="contact")
    assert client.attach(to, who, contact_role=-10).success
    assert [a.record_id for a in emulator.store.attachments("customer", customer.internal_id)] == [
        contact.internal_id
    ]
    assert client.detach(to, who).success
    assert emulator.store.attachments("customer", customer.internal_id) == []


def test_advanced_search_with_columns_returns_rows(client: Client) -> None:
    from suitetalk.search import row_values

    for i in range(12):
        client.upsert(
            "customer",
            companyName=f"Adv Co {i}",
            entityId=f"ADV-{i}",
            email=f"adv{i}@adv.test",
            external_id=f"ADV-{i}",
        )
    search = client.search(
        "customer", {"email": ("contains", "@adv.test")}, columns=["entityId", "email"], page_size=5
    )
    rows = [row_values(row) for row in search]
    assert search.total_records == 12
    assert sorted(row["entityId"] for row in rows) == sorted(f"ADV-{i}" for i in range(12))
    assert all(set(row) == {"entityId", "email"} for row in rows)


def test_joined_and_saved_search_requests_are_netsuites_types(client: Client) -> None:
    joined = client._search_record(
        "customer", {"companyName": "x", "contactJoin.email": ("contains", "@")}, (), None
    )
    assert joined.basic.companyName.searchValue == "x"
    assert joined.contactJoin.email.operator == "contains"
    saved = client._search_record("customer", {}, ["entityId"], "customsearch_active")
    assert saved.savedSearchScriptId == "customsearch_active"
    assert client._search_record("customer", {}, (), "42").savedSearchId == "42"
    with pytest.raises(CriteriaError, match="no join 'contctJoin'; did you mean contactJoin"):
        client.search("customer", {"contctJoin.email": "x"})
    with pytest.raises(CriteriaError, match="no column 'emial'"):
        client.search("customer", columns=["emial"])


class Envelopes:
    """A zeep plugin that keeps every request envelope the client sends."""

    def __init__(self) -> None:
        self.sent: list[object] = []
        self.received: list[object] = []

    def egress(
        self, envelope: object, http_headers: dict[str, str], operation: object, binding_options: object
    ):  # type: ignore[no-untyped-def]
        self.sent.append(envelope)
        return envelope, http_headers

    def ingress(self, envelope: object, http_headers: object, operation: object):  # type: ignore[no-untyped-def]
        self.received.append(envelope)
        return envelope, http_headers

    def header(self, index: int, name: str) -> dict[str, str]:
        element = self.sent[index].find(f".//{{*}}Header/{{*}}{name}")  # type: ignore[attr-defined]
        return {} if element is None else {child.tag.split("}")[1]: child.text for child in element}


def test_preferences_per_client_and_per_call_and_search_preferences_on_every_page(emulator: Emulator) -> None:
    from suitetalk import Preferences, SearchPreferences

    with make_client(emulator, preferences=Preferences(ignore_read_only_fields=True)) as prefs_client:
        plugin = Envelopes()
        prefs_client.zeep.plugins.append(plugin)
        prefs_client.upsert("customer", companyName="Pref", external_id="PREF-1")
        assert plugin.header(-1, "preferences") == {"ignoreReadOnlyFields": "true"}
        prefs_client.upsert(
            "customer",
            companyName="Pref",
            external_id="PREF-1",
            preferences=Preferences(warning_as_error=True),
        )
        assert plugin.header(-1, "preferences") == {"warningAsError": "true"}
        prefs_client.upsert_list(
            [prefs_client.record("customer", companyName=f"SP {i}", external_id=f"SP-{i}") for i in range(12)]
        )
        plugin.sent.clear()
        search = prefs_client.search(
            "customer",
            {"companyName": ("startsWith", "SP ")},
            search_preferences=SearchPreferences(page_size=5, body_fields_only=False),
        )
        assert len(list(search)) == 12
        assert len(plugin.sent) == 3
        for index in range(3):
            assert plugin.header(index, "searchPreferences") == {
                "bodyFieldsOnly": "false",
                "returnSearchColumns": "true",
                "pageSize": "5",
            }


def test_debug_logs_never_show_the_passport(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.DEBUG):
        client.get_server_time()
        client.upsert_list([client.record("customer", companyName="Log", external_id="LOG-1")])
    assert caplog.records, "debug logging was captured"
    assert "tokenPassport" not in caplog.text
    assert client.credentials.consumer_key not in caplog.text
    assert client.credentials.token_id not in caplog.text


def test_plugins_see_every_answer_bulk_writes_included(client: Client) -> None:
    plugin = Envelopes()
    client.zeep.plugins.append(plugin)
    try:
        client.upsert_list([client.record("customer", companyName="Seen", external_id="SEEN-1")])
        client.get("customer", external_id="SEEN-1")
    finally:
        client.zeep.plugins.remove(plugin)
    answers = [envelope.find(".//{*}Body")[0].tag.split("}")[1] for envelope in plugin.received]  # type: ignore[attr-defined]
    assert answers[-2:] == ["upsertListResponse", "getResponse"]
