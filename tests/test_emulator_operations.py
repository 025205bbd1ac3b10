"""Every implemented operation, driven by a bare zeep client, on the compact schema and the full bundle."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import zeep
from emulator_support import SCHEMAS, Session, advanced_customer_search, emulator_for, fault_parts, session


@pytest.fixture(scope="module", params=SCHEMAS)
def s(request: pytest.FixtureRequest) -> Iterator[Session]:
    with session(emulator_for(request.param, request, concurrency_limit=7)) as sess:
        yield sess


def uid() -> str:
    return secrets.token_hex(6)


def add_customer(s: Session, **values: Any) -> Any:
    values.setdefault("entityId", f"Customer {uid()}")
    result = s.call("add", record=s.record("customer", **values))
    assert result.body.writeResponse.status.isSuccess, result.body.writeResponse.status
    return result.body.writeResponse.baseRef


def status_codes(status: Any) -> list[str]:
    return [d.code for d in status.statusDetail]


# ------------------------------------------------------------------------------------------------ writes


def test_add_then_get_returns_the_record_with_ids_and_dates(s: Session) -> None:
    external_id = f"ext-{uid()}"
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    ref = add_customer(s, companyName="Acme Inc", email="ap@acme.example", externalId=external_id)
    assert ref.type == "customer"
    assert ref.externalId == external_id
    assert ref.internalId.isdigit()

    result = s.call("get", baseRef=s.ref("customer", internal_id=ref.internalId))
    read = result.body.readResponse
    assert read.status.isSuccess
    record = read.record
    assert (record.internalId, record.externalId) == (ref.internalId, external_id)
    assert record.companyName == "Acme Inc"
    assert record.email == "ap@acme.example"
    assert record.dateCreated >= before
    assert record.lastModifiedDate >= record.dateCreated
    assert result.header.documentInfo.nsId.startswith(f"WEBSERVICES_{s.emulator.account.passport_id}_")

    by_external = s.call("get", baseRef=s.ref("customer", external_id=external_id)).body.readResponse
    assert by_external.record.internalId == ref.internalId


def test_get_of_a_missing_record_is_rcrd_dsnt_exist(s: Session) -> None:
    read = s.call("get", baseRef=s.ref("customer", internal_id="987654321")).body.readResponse
    assert read.status.isSuccess is False
    assert status_codes(read.status) == ["RCRD_DSNT_EXIST"]


def test_add_list_partly_succeeds_on_a_duplicate_external_id(s: Session) -> None:
    taken = f"dup-{uid()}"
    add_customer(s, externalId=taken)
    records = [
        s.record("customer", entityId=f"A {uid()}", externalId=f"a-{uid()}"),
        s.record("customer", entityId=f"B {uid()}", externalId=taken),
        s.record("customer", entityId=f"C {uid()}"),
    ]
    result = s.call("addList", record=records).body.writeResponseList
    outcomes = result.writeResponse
    assert [o.status.isSuccess for o in outcomes] == [True, False, True]
    assert status_codes(outcomes[1].status) == ["DUP_RCRD"]
    # NetSuite echoes the reference it was sent on a failed write: type and ids as sent, no internal id.
    assert (outcomes[1].baseRef.type, outcomes[1].baseRef.externalId) == ("customer", taken)
    assert outcomes[1].baseRef.internalId is None
    got = s.call(
        "getList",
        baseRef=[s.ref("customer", internal_id=o.baseRef.internalId) for o in (outcomes[0], outcomes[2])],
    )
    assert [r.record.entityId for r in got.body.readResponseList.readResponse] == [
        records[0].entityId,
        records[2].entityId,
    ]


def test_get_list_reports_each_record(s: Session) -> None:
    ref = add_customer(s)
    refs = [s.ref("customer", internal_id=ref.internalId), s.ref("customer", internal_id="999999999")]
    reads = s.call("getList", baseRef=refs).body.readResponseList.readResponse
    assert [r.status.isSuccess for r in reads] == [True, False]
    assert reads[0].record.internalId == ref.internalId
    assert status_codes(reads[1].status) == ["RCRD_DSNT_EXIST"]


def test_update_merges_fields_and_null_field_list_clears(s: Session) -> None:
    ref = add_customer(s, companyName="Old Name", email="old@example.com", phone="555-0100")
    created = s.call("get", baseRef=s.ref("customer", internal_id=ref.internalId)).body.readResponse.record
    change = s.record(
        "customer",
        internalId=ref.internalId,
        companyName="New Name",
        nullFieldList=s.core_type("NullField")(name=["phone"]),
    )
    outcome = s.call("update", record=change).body.writeResponse
    assert outcome.status.isSuccess
    record = s.call("get", baseRef=s.ref("customer", internal_id=ref.internalId)).body.readResponse.record
    assert record.companyName == "New Name"
    assert record.email == "old@example.com"  # not sent: kept
    assert record.phone is None  # in nullFieldList: cleared
    assert record.dateCreated == created.dateCreated
    assert record.lastModifiedDate >= created.lastModifiedDate


def test_update_list_reports_missing_records(s: Session) -> None:
    ref = add_customer(s)
    records = [
        s.record("customer", internalId=ref.internalId, comments="updated"),
        s.record("customer", internalId="999999999", comments="nobody"),
    ]
    outcomes = s.call("updateList", record=records).body.writeResponseList.writeResponse
    assert [o.status.isSuccess for o in outcomes] == [True, False]
    assert status_codes(outcomes[1].status) == ["RCRD_DSNT_EXIST"]


def test_upsert_creates_then_updates_by_external_id(s: Session) -> None:
    external_id = f"up-{uid()}"
    first = s.call("upsert", record=s.record("customer", externalId=external_id, entityId="First")).body
    second = s.call("upsert", record=s.record("customer", externalId=external_id, comments="again")).body
    assert first.writeResponse.baseRef.internalId == second.writeResponse.baseRef.internalId
    record = s.call("get", baseRef=s.ref("customer", external_id=external_id)).body.readResponse.record
    assert (record.entityId, record.comments) == ("First", "again")


def test_upsert_list_needs_external_ids(s: Session) -> None:
    records = [
        s.record("customer", externalId=f"ul-{uid()}", entityId="ok"),
        s.record("customer", entityId="no external id"),
    ]
    outcomes = s.call("upsertList", record=records).body.writeResponseList.writeResponse
    assert [o.status.isSuccess for o in outcomes] == [True, False]
    assert status_codes(outcomes[1].status) == ["EXTERNALID_REQD"]


def test_delete_and_delete_list_then_get_deleted(s: Session) -> None:
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    refs = [add_customer(s, externalId=f"del-{uid()}") for _ in range(3)]
    one = s.call("delete", baseRef=s.ref("customer", internal_id=refs[0].internalId)).body.writeResponse
    assert one.status.isSuccess
    assert one.baseRef.internalId == refs[0].internalId
    listed = s.call(
        "deleteList",
        baseRef=[
            s.ref("customer", internal_id=refs[1].internalId),
            s.ref("customer", internal_id=refs[0].internalId),
        ],
    ).body.writeResponseList.writeResponse
    assert [o.status.isSuccess for o in listed] == [True, False]
    assert status_codes(listed[1].status) == ["RCRD_DSNT_EXIST"]
    gone = s.call("get", baseRef=s.ref("customer", internal_id=refs[0].internalId)).body.readResponse
    assert status_codes(gone.status) == ["RCRD_DSNT_EXIST"]

    deleted_filter = s.core_type("GetDeletedFilter")(
        deletedDate=s.core_type("SearchDateField")(operator="after", searchValue=start),
        type=s.core_type("SearchEnumMultiSelectField")(operator="anyOf", searchValue=["customer"]),
    )
    result = s.call("getDeleted", getDeletedFilter=deleted_filter, pageIndex=1).body.getDeletedResult
    assert result.status.isSuccess
    found = {d.record.internalId for d in result.deletedRecordList.deletedRecord}
    assert {refs[0].internalId, refs[1].internalId} <= found
    assert refs[2].internalId not in found
    assert all(d.deletedDate >= start for d in result.deletedRecordList.deletedRecord)


def test_references_to_missing_records_are_invalid_key_or_ref(s: Session) -> None:
    customer = add_customer(s)
    good = s.record("salesOrder", entity=s.ref("customer", internal_id=customer.internalId), memo="ok")
    bad = s.record("salesOrder", entity=s.core_type("RecordRef")(internalId="999999999"), memo="bad")
    outcomes = s.call("addList", record=[good, bad]).body.writeResponseList.writeResponse
    assert [o.status.isSuccess for o in outcomes] == [True, False]
    assert status_codes(outcomes[1].status) == ["INVALID_KEY_OR_REF"]
    assert outcomes[0].baseRef.type == "salesOrder"


def test_a_record_in_a_list_may_refer_to_one_added_before_it(s: Session) -> None:
    external_id = f"cust-{uid()}"
    records = [
        s.record("customer", entityId=f"X {uid()}", externalId=external_id),
        s.record("salesOrder", entity=s.core_type("RecordRef")(externalId=external_id, type="customer")),
    ]
    outcomes = s.call("addList", record=records).body.writeResponseList.writeResponse
    assert [o.status.isSuccess for o in outcomes] == [True, True]
    order = s.call("get", baseRef=s.ref("salesOrder", internal_id=outcomes[1].baseRef.internalId)).body
    assert order.readResponse.record.entity.internalId == outcomes[0].baseRef.internalId


def test_too_many_records_is_exceeded_record_count_fault(s: Session) -> None:
    refs = [s.ref("customer", internal_id=str(i)) for i in range(1, 202)]
    with pytest.raises(zeep.exceptions.Fault) as caught:
        s.call("deleteList", baseRef=refs)
    assert fault_parts(caught.value, s.faults)[0] == "exceededRecordCountFault"


# ------------------------------------------------------------------------------------------------ search


def test_search_by_criteria_on_the_record_fields(s: Session) -> None:
    tag = uid()
    alpha = add_customer(s, companyName=f"{tag} Alpha", email=f"alpha@{tag}.example", isInactive=False)
    beta = add_customer(s, companyName=f"{tag} Beta", email=f"beta@{tag}.example", isInactive=True)
    gamma = add_customer(s, companyName=f"{tag} Gamma", isInactive=False)

    def names(**criteria: Any) -> list[str]:
        basic = s.search_basic(
            "CustomerSearchBasic", companyName=s.string_field(tag, "startsWith"), **criteria
        )
        result = s.call("search", searchRecord=basic).body.searchResult
        assert result.status.isSuccess, result.status
        return sorted(r.companyName for r in (result.recordList.record if result.recordList else []))

    assert names() == [f"{tag} Alpha", f"{tag} Beta", f"{tag} Gamma"]
    assert names(email=s.string_field("beta@", "startsWith")) == [f"{tag} Beta"]
    assert names(email=s.string_field("", "empty")) == [f"{tag} Gamma"]
    assert names(email=s.string_field("alpha", "doesNotContain")) == [f"{tag} Beta", f"{tag} Gamma"]
    assert names(email=s.string_field(f"ALPHA@{tag}.EXAMPLE", "isNot")) == [f"{tag} Beta", f"{tag} Gamma"]
    assert names(isInactive=s.core_type("SearchBooleanField")(searchValue=True)) == [f"{tag} Beta"]
    number = s.core_type("SearchLongField")
    above = number(operator="greaterThan", searchValue=int(alpha.internalId))
    assert names(internalIdNumber=above) == [f"{tag} Beta", f"{tag} Gamma"]
    within = number(operator="between", searchValue=int(alpha.internalId), searchValue2=int(beta.internalId))
    assert names(internalIdNumber=within) == [f"{tag} Alpha", f"{tag} Beta"]
    assert names(internalIdNumber=number(operator="equalTo", searchValue=int(gamma.internalId))) == [
        f"{tag} Gamma"
    ]
    today = s.core_type("SearchDateField")(operator="within", predefinedSearchValue="today")
    assert len(names(dateCreated=today)) == 3
    long_ago = s.core_type("SearchDateField")(
        operator="before", searchValue=datetime(2000, 1, 1, tzinfo=timezone.utc)
    )
    assert names(dateCreated=long_ago) == []
    assert (
        len(
            names(
                lastModifiedDate=s.core_type("SearchDateField")(
                    operator="onOrAfter", searchValue=long_ago.searchValue
                )
            )
        )
        == 3
    )


def test_search_by_internal_and_external_ids(s: Session) -> None:
    a = add_customer(s, externalId=f"sx-{uid()}")
    b = add_customer(s, externalId=f"sx-{uid()}")
    multi = s.core_type("SearchMultiSelectField")
    by_internal = s.search_basic(
        "CustomerSearchBasic",
        internalId=multi(operator="anyOf", searchValue=[s.ref("customer", a.internalId)]),
    )
    result = s.call("search", searchRecord=by_internal).body.searchResult
    assert [r.internalId for r in result.recordList.record] == [a.internalId]
    by_external = s.search_basic(
        "CustomerSearchBasic",
        externalId=multi(operator="anyOf", searchValue=[s.core_type("RecordRef")(externalId=b.externalId)]),
    )
    result = s.call("search", searchRecord=by_external).body.searchResult
    assert [r.internalId for r in result.recordList.record] == [b.internalId]


def test_search_on_a_record_reference(s: Session) -> None:
    customer = add_customer(s)
    other = add_customer(s)
    memo = uid()
    for entity in (customer, customer, other):
        s.call("add", record=s.record("salesOrder", entity=s.ref("customer", entity.internalId), memo=memo))
    multi = s.core_type("SearchMultiSelectField")
    basic = s.search_basic(
        "TransactionSearchBasic",
        type=s.core_type("SearchEnumMultiSelectField")(operator="anyOf", searchValue=["_salesOrder"]),
        entity=multi(operator="anyOf", searchValue=[s.ref("customer", customer.internalId)]),
        memo=s.string_field(memo),
    )
    result = s.call("search", searchRecord=basic).body.searchResult
    assert result.totalRecords == 2
    assert {r.entity.internalId for r in result.recordList.record} == {customer.internalId}


def test_joined_search_form_with_a_basic_element(s: Session) -> None:
    tag = uid()
    add_customer(s, companyName=f"{tag} joined")
    info = s.emulator.bundle.schema.record_types["customer"]
    search_type = s.client.get_type(f"{{{info.namespace}}}CustomerSearch")
    search = search_type(
        basic=s.search_basic("CustomerSearchBasic", companyName=s.string_field(tag, "contains"))
    )
    result = s.call("search", searchRecord=search).body.searchResult
    assert [r.companyName for r in result.recordList.record] == [f"{tag} joined"]


def test_search_on_an_unsupported_field_fails_clearly(s: Session) -> None:
    # A criterion on transaction lines, not on any transaction record's body fields.
    main_line = s.core_type("SearchBooleanField")(searchValue=True)
    basic = s.search_basic("TransactionSearchBasic", mainLine=main_line)
    result = s.call("search", searchRecord=basic).body.searchResult
    assert result.status.isSuccess is False
    assert status_codes(result.status) == ["INVALID_SEARCH_FIELD_NAME"]
    assert "mainLine" in result.status.statusDetail[0].message


def test_search_pages_with_search_more_with_id(s: Session) -> None:
    tag = uid()
    records = [s.record("customer", entityId=f"{tag}-{i:02d}", companyName=tag) for i in range(12)]
    assert all(
        o.status.isSuccess for o in s.call("addList", record=records).body.writeResponseList.writeResponse
    )
    prefs = s.client.get_element(f"{{{s.msgs}}}searchPreferences")
    basic = s.search_basic("CustomerSearchBasic", companyName=s.string_field(tag))
    first = s.call(
        "search", searchRecord=basic, _headers={"searchPreferences": prefs(pageSize=5)}
    ).body.searchResult
    assert (first.totalRecords, first.pageSize, first.totalPages, first.pageIndex) == (12, 5, 3, 1)
    seen = [r.entityId for r in first.recordList.record]
    for page in (2, 3):
        more = s.call(
            "searchMoreWithId",
            searchId=first.searchId,
            pageIndex=page,
            _headers={"searchPreferences": prefs(pageSize=5)},
        ).body.searchResult
        assert more.status.isSuccess
        assert more.pageIndex == page
        seen += [r.entityId for r in more.recordList.record]
    assert sorted(seen) == [f"{tag}-{i:02d}" for i in range(12)]


def test_page_size_outside_5_to_1000_is_refused(s: Session) -> None:
    prefs = s.client.get_element(f"{{{s.msgs}}}searchPreferences")
    basic = s.search_basic("CustomerSearchBasic", companyName=s.string_field("x"))
    result = s.call("search", searchRecord=basic, _headers={"searchPreferences": prefs(pageSize=4)}).body
    assert status_codes(result.searchResult.status) == ["INVALID_SEARCH_PAGE_SIZE"]


def test_expired_search_id_is_invalid_job_id(s: Session) -> None:
    basic = s.search_basic("CustomerSearchBasic", companyName=s.string_field(uid()))
    first = s.call("search", searchRecord=basic).body.searchResult
    s.emulator.expire_searches()
    more = s.call("searchMoreWithId", searchId=first.searchId, pageIndex=1).body.searchResult
    assert more.status.isSuccess is False
    assert status_codes(more.status) == ["INVALID_JOB_ID"]


# ------------------------------------------------------------------------------------------------ others


def test_get_server_time(s: Session) -> None:
    result = s.call("getServerTime").body.getServerTimeResult
    assert result.status.isSuccess
    assert abs(result.serverTime - datetime.now(timezone.utc)) < timedelta(seconds=30)


def test_governance_info_reports_the_configured_limit(s: Session) -> None:
    account = s.call("getAccountGovernanceInfo").body.getAccountGovernanceInfoResult
    integration = s.call("getIntegrationGovernanceInfo").body.getIntegrationGovernanceInfoResult
    assert account.accountConcurrencyLimit == 7
    assert integration.integrationConcurrencyLimit == 7
    assert integration.limitType == "_account"


def test_data_center_urls_point_at_the_emulator_without_a_passport(s: Session) -> None:
    result = s.service.getDataCenterUrls(account=s.emulator.account.passport_id).body.getDataCenterUrlsResult
    assert result.status.isSuccess
    assert result.dataCenterUrls.webservicesDomain == s.emulator.base_url


def test_an_operation_the_emulator_does_not_implement_is_a_clear_fault(s: Session) -> None:
    with pytest.raises(zeep.exceptions.Fault) as caught:
        s.call(
            "getCustomizationId",
            customizationType=s.core_type("CustomizationType")(getCustomizationType="customRecordType"),
            includeInactives=False,
        )
    element, _, message = fault_parts(caught.value, s.faults)
    assert element == "unexpectedErrorFault"
    assert "getCustomizationId" in message
    # ... and the emulator keeps serving.
    assert s.call("getServerTime").body.getServerTimeResult.status.isSuccess


# ----------------------------------------------------------------------------- custom fields, sublists


def custom_fields(s: Session, **values: Any) -> Any:
    refs = []
    for script_id, value in values.items():
        kind = {bool: "BooleanCustomFieldRef", int: "LongCustomFieldRef", str: "StringCustomFieldRef"}[
            type(value)
        ]
        refs.append(s.core_type(kind)(scriptId=script_id, value=value))
    return s.core_type("CustomFieldList")(customField=refs)


def custom_values(record: Any) -> dict[str, Any]:
    return {cf.scriptId: cf.value for cf in record.customFieldList.customField}


def test_custom_fields_merge_by_script_id_and_can_be_searched(s: Session) -> None:
    tier = f"tier-{uid()}"
    ref = add_customer(s, customFieldList=custom_fields(s, custentity_tier=tier, custentity_vip=True))
    change = s.record(
        "customer",
        internalId=ref.internalId,
        customFieldList=custom_fields(s, custentity_score=42),
        nullFieldList=s.core_type("NullField")(name=["custentity_vip"]),
    )
    assert s.call("update", record=change).body.writeResponse.status.isSuccess
    record = s.call("get", baseRef=s.ref("customer", ref.internalId)).body.readResponse.record
    assert custom_values(record) == {"custentity_tier": tier, "custentity_score": 42}

    criterion = s.core_type("SearchStringCustomField")(
        scriptId="custentity_tier", operator="is", searchValue=tier
    )
    basic = s.search_basic(
        "CustomerSearchBasic", customFieldList=s.core_type("SearchCustomFieldList")(customField=[criterion])
    )
    result = s.call("search", searchRecord=basic).body.searchResult
    assert [r.internalId for r in result.recordList.record] == [ref.internalId]


def sales_order_lines(s: Session, *lines: tuple[str, int | None]) -> Any:
    list_type = s.emulator.bundle.schema.record_types["salesOrder"].by_name["itemList"].type
    item_list = s.client.get_type(f"{{{list_type[0]}}}{list_type[1]}")
    line = s.client.get_type(f"{{{list_type[0]}}}SalesOrderItem")
    return item_list(item=[line(description=d, line=n, quantity=1.0) for d, n in lines])


def test_sublists_are_replaced_or_merged_by_line_and_left_out_of_body_field_searches(s: Session) -> None:
    customer = add_customer(s)
    memo = uid()
    order = s.record(
        "salesOrder",
        entity=s.ref("customer", customer.internalId),
        memo=memo,
        itemList=sales_order_lines(s, ("first", 1), ("second", 2)),
    )
    ref = s.call("add", record=order).body.writeResponse.baseRef

    def lines() -> list[str]:
        record = s.call("get", baseRef=s.ref("salesOrder", ref.internalId)).body.readResponse.record
        return [item.description for item in record.itemList.item]

    merge = sales_order_lines(s, ("second, changed", 2), ("third", None))
    merge.replaceAll = False
    s.call("update", record=s.record("salesOrder", internalId=ref.internalId, itemList=merge))
    assert lines() == ["first", "second, changed", "third"]
    s.call(
        "update",
        record=s.record("salesOrder", internalId=ref.internalId, itemList=sales_order_lines(s, ("only", 1))),
    )
    assert lines() == ["only"]

    prefs = s.client.get_element(f"{{{s.msgs}}}searchPreferences")
    basic = s.search_basic("TransactionSearchBasic", memo=s.string_field(memo))
    body_only = s.call("search", searchRecord=basic).body.searchResult.recordList.record[0]
    assert body_only.itemList is None
    assert body_only.memo == memo
    full = s.call("search", searchRecord=basic, _headers={"searchPreferences": prefs(bodyFieldsOnly=False)})
    assert [i.description for i in full.body.searchResult.recordList.record[0].itemList.item] == ["only"]


def test_update_with_both_ids_changes_the_external_id(s: Session) -> None:
    ref = add_customer(s, externalId=f"old-{uid()}")
    new_external_id = f"new-{uid()}"
    outcome = s.call(
        "update", record=s.record("customer", internalId=ref.internalId, externalId=new_external_id)
    ).body.writeResponse
    assert outcome.baseRef.externalId == new_external_id
    record = s.call("get", baseRef=s.ref("customer", external_id=new_external_id)).body.readResponse.record
    assert record.internalId == ref.internalId
    old = s.call("get", baseRef=s.ref("customer", external_id=ref.externalId)).body.readResponse
    assert status_codes(old.status) == ["RCRD_DSNT_EXIST"]


def test_custom_records_are_named_by_custom_record_refs(s: Session) -> None:
    type_id = "17"
    name = f"Widget {uid()}"
    record = s.record("customRecord", name=name, recType=s.core_type("RecordRef")(internalId=type_id))
    ref = s.call("add", record=record).body.writeResponse.baseRef
    assert ref.typeId == type_id
    custom_ref = s.core_type("CustomRecordRef")(internalId=ref.internalId, typeId=type_id)
    got = s.call("get", baseRef=custom_ref).body.readResponse.record
    assert (got.name, got.recType.internalId) == (name, type_id)
    assert got.created is not None
    basic = s.search_basic(
        "CustomRecordSearchBasic",
        recType=s.core_type("RecordRef")(internalId=type_id),
        name=s.string_field(name),
    )
    result = s.call("search", searchRecord=basic).body.searchResult
    assert [r.internalId for r in result.recordList.record] == [ref.internalId]


def test_item_search_selects_item_types(s: Session) -> None:
    code = f"SKU-{uid()}"
    for record_type in ("inventoryItem", "nonInventorySaleItem"):
        s.call("add", record=s.record(record_type, itemId=f"{code}-{record_type}"))
    enum = s.core_type("SearchEnumMultiSelectField")

    def found(*types: str) -> list[str]:
        criteria: dict[str, Any] = {"itemId": s.string_field(code, "startsWith")}
        if types:
            criteria["type"] = enum(operator="anyOf", searchValue=list(types))
        result = s.call(
            "search", searchRecord=s.search_basic("ItemSearchBasic", **criteria)
        ).body.searchResult
        return sorted(r.itemId for r in result.recordList.record)

    assert found() == [f"{code}-inventoryItem", f"{code}-nonInventorySaleItem"]
    assert found("_inventoryItem") == [f"{code}-inventoryItem"]
    assert found("_nonInventoryItem") == [f"{code}-nonInventorySaleItem"]


def test_advanced_search_returns_the_columns_asked_for(s: Session) -> None:
    tag = uid()
    a = add_customer(
        s,
        companyName=f"{tag} A",
        email="a@example.com",
        customFieldList=custom_fields(s, custentity_tier="gold"),
    )
    b = add_customer(s, companyName=f"{tag} B", isInactive=True)
    prefs = s.client.get_element(f"{{{s.msgs}}}searchPreferences")
    result = s.call(
        "search",
        searchRecord=advanced_customer_search(s, tag),
        _headers={"searchPreferences": prefs(pageSize=5)},
    ).body.searchResult
    assert result.status.isSuccess
    assert result.recordList is None
    rows = [row.basic for row in result.searchRowList.searchRow]
    assert [r.companyName[0].searchValue for r in rows] == [f"{tag} A", f"{tag} B"]
    assert [r.internalId[0].searchValue.internalId for r in rows] == [a.internalId, b.internalId]
    assert [r.isInactive[0].searchValue for r in rows] == [False, True]
    assert rows[0].email[0].searchValue == "a@example.com"
    assert not rows[1].email  # no value: no column, as in NetSuite
    assert rows[0].customFieldList.customField[0].searchValue == "gold"
    assert rows[0].dateCreated[0].searchValue <= datetime.now(timezone.utc)

    again = s.call("searchMoreWithId", searchId=result.searchId, pageIndex=1).body.searchResult
    assert [row.basic.companyName[0].searchValue for row in again.searchRowList.searchRow] == [
        f"{tag} A",
        f"{tag} B",
    ]
    records = s.call(
        "searchMoreWithId",
        searchId=result.searchId,
        pageIndex=1,
        _headers={"searchPreferences": prefs(returnSearchColumns=False)},
    ).body.searchResult
    assert [r.companyName for r in records.recordList.record] == [f"{tag} A", f"{tag} B"]
