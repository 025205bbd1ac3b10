"""Every kind of emulator response validated with lxml against NetSuite's REAL 2023_2 XSDs.

The emulator runs on version 2023_2 twice: on the project's compact schema and on NetSuite's full bundle.
A scenario exercises each operation, successes, per-record failures and faults; the raw response
documents are captured from zeep's history and each body (and header) element is validated on its own.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import zeep
from emulator_support import SCHEMAS, Session, advanced_customer_search, emulator_for, session
from lxml import etree

from suitetalk.namespaces import SOAP_ENV, XSD


@pytest.fixture(scope="module")
def real_schema(netsuite_bundle: Path) -> etree.XMLSchema:
    """NetSuite's own XSDs (every file of the 2023_2 bundle), loaded from where they lie."""
    imports = []
    for path in sorted((netsuite_bundle / "xsd").glob("*.xsd")):
        namespace = etree.parse(str(path)).getroot().get("targetNamespace")
        imports.append(f'<xsd:import namespace="{namespace}" schemaLocation="{path.resolve().as_uri()}"/>')
    wrapper = f'<xsd:schema xmlns:xsd="{XSD}">{"".join(imports)}</xsd:schema>'
    return etree.XMLSchema(etree.fromstring(wrapper.encode()))


@pytest.fixture(scope="module", params=SCHEMAS)
def s(request: pytest.FixtureRequest) -> Iterator[Session]:
    with session(emulator_for(request.param, request)) as sess:
        sess.history.maxlen = 1
        yield sess


class Recorder:
    """Calls operations and keeps each raw response document."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.responses: list[tuple[str, etree._Element]] = []

    def __call__(self, label: str, operation: str, **kwargs: Any) -> Any:
        try:
            result = self.s.call(operation, **kwargs)
        except zeep.exceptions.Fault:
            result = None
        self.responses.append((label, self.s.last_response))
        return result


def scenario(s: Session) -> list[tuple[str, etree._Element]]:
    call = Recorder(s)
    tag = secrets.token_hex(4)
    string_ref = s.core_type("StringCustomFieldRef")(scriptId="custentity_tier", value="gold")
    custom = s.core_type("CustomFieldList")(customField=[string_ref])
    customer = s.record(
        "customer",
        entityId=f"C {tag}",
        companyName=tag,
        email="a@b.example",
        externalId=f"c-{tag}",
        isInactive=False,
        customFieldList=custom,
    )
    added = call("add", "add", record=customer).body.writeResponse.baseRef
    call(
        "addList with a failure",
        "addList",
        record=[
            s.record("customer", entityId=f"D {tag}", companyName=tag),
            s.record("customer", entityId=f"E {tag}", externalId=f"c-{tag}"),
        ],
    )
    call("get", "get", baseRef=s.ref("customer", added.internalId))
    call("get missing", "get", baseRef=s.ref("customer", "999999999"))
    call("getList", "getList", baseRef=[s.ref("customer", added.internalId), s.ref("customer", "999999998")])
    call(
        "update",
        "update",
        record=s.record(
            "customer",
            internalId=added.internalId,
            phone="555",
            nullFieldList=s.core_type("NullField")(name=["email"]),
        ),
    )
    call("updateList", "updateList", record=[s.record("customer", internalId="999999999", phone="1")])
    call("upsert", "upsert", record=s.record("customer", externalId=f"u-{tag}", entityId=f"U {tag}"))
    call("upsertList", "upsertList", record=[s.record("customer", entityId="no external id")])
    item_type = s.emulator.bundle.schema.record_types["salesOrder"].by_name["itemList"].type
    item_list = s.client.get_type(f"{{{item_type[0]}}}{item_type[1]}")
    line_type = s.client.get_type(f"{{{item_type[0]}}}SalesOrderItem")
    order = s.record(
        "salesOrder",
        entity=s.ref("customer", added.internalId),
        tranDate=datetime.now(timezone.utc),
        memo=tag,
        itemList=item_list(item=[line_type(description="line 1", quantity=2.0, rate=5.0)]),
    )
    call("add salesOrder", "add", record=order)
    call(
        "add salesOrder with a bad reference",
        "add",
        record=s.record("salesOrder", entity=s.ref("customer", "999999999")),
    )
    prefs = s.client.get_element(f"{{{s.msgs}}}searchPreferences")
    basic = s.search_basic("CustomerSearchBasic", companyName=s.string_field(tag))
    first = call("search", "search", searchRecord=basic, _headers={"searchPreferences": prefs(pageSize=5)})
    call("searchMoreWithId", "searchMoreWithId", searchId=first.body.searchResult.searchId, pageIndex=1)
    txn = s.search_basic("TransactionSearchBasic", memo=s.string_field(tag))
    call(
        "transaction search, full records",
        "search",
        searchRecord=txn,
        _headers={"searchPreferences": prefs(bodyFieldsOnly=False)},
    )
    advanced = call("advanced search", "search", searchRecord=advanced_customer_search(s, tag))
    call(
        "advanced searchMoreWithId",
        "searchMoreWithId",
        searchId=advanced.body.searchResult.searchId,
        pageIndex=1,
    )
    # Shapes the emulator computes and answers as NetSuite does (fidelity).
    colour = s.emulator.add_list_value(f"customlist_conf_{tag}", "Blue")
    select = s.core_type("SelectCustomFieldRef")(
        scriptId="custentity_colour", value=s.core_type("ListOrRecordRef")(internalId=colour)
    )
    book_qn = s.emulator.bundle.schema.record_types["customer"].by_name["addressbookList"].type
    entry_qn = s.emulator.bundle.schema.all_elements(book_qn)[0][1]
    book = s.client.get_type(f"{{{book_qn[0]}}}{book_qn[1]}")
    entry = s.client.get_type(f"{{{entry_qn[0]}}}{entry_qn[1]}")
    rich = call(
        "add customer with lists, address book and custom list value",
        "add",
        record=s.record(
            "customer",
            entityId=f"Rich {tag}",
            companyName=tag,
            terms=s.ref("term", "2"),
            subsidiary=s.core_type("RecordRef")(internalId="1"),
            addressbookList=book(addressbook=[entry(defaultBilling=True, label="HQ")]),
            customFieldList=s.core_type("CustomFieldList")(customField=[select, string_ref]),
        ),
    ).body.writeResponse.baseRef
    call(
        "add contact of the customer",
        "add",
        record=s.record(
            "contact",
            entityId=f"Ann {tag}",
            email="ann@x.example",
            company=s.ref("customer", rich.internalId),
        ),
    )
    call("get computed customer", "get", baseRef=s.ref("customer", rich.internalId))
    call("add duplicate entity", "add", record=s.record("customer", entityId=f"Rich {tag}"))
    call(
        "add bad list reference",
        "add",
        record=s.record("customer", entityId=f"X {tag}", terms=s.ref("term", "999")),
    )
    call(
        "getSelectValue of a list",
        "getSelectValue",
        fieldDescription=s.core_type("GetSelectValueFieldDescription")(recordType="customer", field="terms"),
        pageIndex=1,
    )
    call(
        "search with a join criterion, records named",
        "search",
        searchRecord=s.client.get_type(
            f"{{{s.emulator.bundle.schema.record_types['customer'].namespace}}}CustomerSearch"
        )(
            basic=s.search_basic("CustomerSearchBasic", companyName=s.string_field(tag)),
            contactJoin=s.search_basic("ContactSearchBasic", email=s.string_field("ann@", "startsWith")),
        ),
    )
    rel = s.emulator.bundle.schema.record_types["customer"].namespace
    common = s.core.replace("urn:core_", "urn:common_")
    s.emulator.define_saved_search(
        "customer",
        script_id=f"customsearch_conf_{tag}",
        criteria={"companyName": tag},
        columns=["entityId", "internalId", "contactJoin.email", "contactJoin.entityId"],
    )
    call(
        "saved search with join columns",
        "search",
        searchRecord=s.client.get_type(f"{{{rel}}}CustomerSearchAdvanced")(
            savedSearchScriptId=f"customsearch_conf_{tag}"
        ),
    )
    call(
        "getSavedSearch",
        "getSavedSearch",
        record=s.core_type("GetSavedSearchRecord")(searchType="customer"),
    )
    call(
        "unknown saved search",
        "search",
        searchRecord=s.client.get_type(f"{{{rel}}}CustomerSearchAdvanced")(
            savedSearchScriptId="customsearch_none"
        ),
    )
    row_basic = s.client.get_type(f"{{{common}}}CustomerSearchRowBasic")
    if "billCity" in dict(row_basic.elements):
        column = s.core_type("SearchColumnStringField")
        call(
            "address columns",
            "search",
            searchRecord=s.client.get_type(f"{{{rel}}}CustomerSearchAdvanced")(
                criteria=s.client.get_type(f"{{{rel}}}CustomerSearch")(
                    basic=s.search_basic("CustomerSearchBasic", companyName=s.string_field(tag))
                ),
                columns=s.client.get_type(f"{{{rel}}}CustomerSearchRow")(
                    basic=row_basic(
                        billCity=column(),
                        addressLabel=column(),
                        isDefaultBilling=s.core_type("SearchColumnBooleanField")(),
                    )
                ),
            ),
        )
    s.emulator.expire_searches()
    call(
        "searchMoreWithId expired", "searchMoreWithId", searchId=first.body.searchResult.searchId, pageIndex=2
    )
    call(
        "search failure",
        "search",
        searchRecord=s.search_basic(
            "TransactionSearchBasic", mainLine=s.core_type("SearchBooleanField")(searchValue=True)
        ),
    )
    call("delete", "delete", baseRef=s.ref("customer", added.internalId))
    call("delete named customer", "delete", baseRef=s.ref("customer", rich.internalId))
    call("deleteList", "deleteList", baseRef=[s.ref("customer", added.internalId)])
    since = datetime.now(timezone.utc) - timedelta(minutes=5)
    call(
        "getDeleted",
        "getDeleted",
        pageIndex=1,
        getDeletedFilter=s.core_type("GetDeletedFilter")(
            deletedDate=s.core_type("SearchDateField")(operator="after", searchValue=since)
        ),
    )
    call("getServerTime", "getServerTime")
    call("getAccountGovernanceInfo", "getAccountGovernanceInfo")
    call("getIntegrationGovernanceInfo", "getIntegrationGovernanceInfo")
    s.service.getDataCenterUrls(account=s.emulator.account.passport_id)
    call.responses.append(("getDataCenterUrls", s.last_response))
    # Faults
    call("record count fault", "getList", baseRef=[s.ref("customer", str(i)) for i in range(1, 1002)])
    call(
        "unimplemented operation fault",
        "getCustomizationId",
        customizationType=s.core_type("CustomizationType")(getCustomizationType="customRecordType"),
        includeInactives=False,
    )
    s.emulator.configure(concurrency_fault_rate=1.0)
    call("concurrency fault", "getServerTime")
    s.emulator.configure(concurrency_fault_rate=0.0)
    with pytest.raises(zeep.exceptions.Fault):
        s.service.getServerTime(_soapheaders={"tokenPassport": {**s.passport(), "token": "unknown"}})
    call.responses.append(("invalid credentials fault", s.last_response))
    return call.responses


def test_every_response_is_valid_against_netsuites_xsds(s: Session, real_schema: etree.XMLSchema) -> None:
    problems: list[str] = []
    checked: set[str] = set()
    for label, envelope in scenario(s):
        assert envelope.tag == f"{{{SOAP_ENV}}}Envelope"
        body = envelope.find(f"{{{SOAP_ENV}}}Body")
        assert body is not None, label
        assert len(body) == 1, label
        content = body[0]
        parts: list[etree._Element]
        if content.tag == f"{{{SOAP_ENV}}}Fault":
            detail = content.find("detail")
            assert detail is not None, label
            parts = [el for el in detail if etree.QName(el).namespace.startswith("urn:faults_")]
            assert len(parts) == 1, label
            assert envelope.find(f"{{{SOAP_ENV}}}Header") is None, (
                f"{label}: NetSuite's faults have no header"
            )
        else:
            header = envelope.find(f"{{{SOAP_ENV}}}Header")
            assert header is not None, f"{label}: documentInfo header missing"
            assert len(header) == 1, label
            parts = [header[0], content]
        for part in parts:
            document = etree.fromstring(etree.tostring(part))
            checked.add(etree.QName(document).localname)
            if not real_schema.validate(document):
                problems.append(f"{label}: {real_schema.error_log.last_error}")
    assert not problems, "\n".join(problems)
    expected = {
        "documentInfo",
        "addResponse",
        "addListResponse",
        "getResponse",
        "getListResponse",
        "updateResponse",
        "updateListResponse",
        "upsertResponse",
        "upsertListResponse",
        "deleteResponse",
        "deleteListResponse",
        "searchResponse",
        "searchMoreWithIdResponse",
        "getDeletedResponse",
        "getServerTimeResponse",
        "getAccountGovernanceInfoResponse",
        "getIntegrationGovernanceInfoResponse",
        "getDataCenterUrlsResponse",
        "getSavedSearchResponse",
        "getSelectValueResponse",
        "exceededRecordCountFault",
        "unexpectedErrorFault",
        "exceededConcurrentRequestLimitFault",
        "invalidCredentialsFault",
    }
    assert expected <= checked, expected - checked
