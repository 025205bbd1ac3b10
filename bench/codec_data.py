"""Realistic NetSuite answers for the codec benchmarks: customers with 59 body fields and 6 custom fields.

The fields are taken from the ``Customer`` type of the schema map in a fixed order (strings, flags, amounts,
dates and references, as a real account returns them), with an address book of one address and six custom
fields of mixed kinds; about 82 elements per customer.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

from suitetalk.codec.schema_map import SchemaMap

BODY_FIELDS = 59
CUSTOM_FIELDS = (
    ("custentity_tier", "StringCustomFieldRef", "gold"),
    ("custentity_score", "LongCustomFieldRef", "42"),
    ("custentity_vip", "BooleanCustomFieldRef", "true"),
    ("custentity_margin", "DoubleCustomFieldRef", "12.75"),
    ("custentity_since", "DateCustomFieldRef", "2021-03-04T00:00:00.000-08:00"),
    ("custentity_region", "SelectCustomFieldRef", None),
)


def _value(kind: str, rng: random.Random, i: int) -> str:
    if kind == "bool":
        return rng.choice(["true", "false"])
    if kind == "int":
        return str(rng.randint(0, 10**6))
    if kind == "float":
        return f"{rng.uniform(0, 10**5):.2f}"
    if kind == "datetime":
        moment = datetime(2020, 1, 1) + timedelta(seconds=rng.randint(0, 10**8))
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000-08:00")
    return f"value {i} {rng.randint(0, 10**6)}"


def customer_fields(schema: SchemaMap, version: str) -> list[tuple[str, str, str | None]]:
    """The 59 body fields used: (name, kind, enumeration key)."""
    customer = schema.type(f"{{urn:relationships_{version}.lists.webservices.netsuite.com}}Customer")
    skip = {"nullFieldList", "customFieldList", "addressbookList", "customForm"}
    chosen = []
    for element in customer.elements:
        if element.name in skip or element.repeats:
            continue
        if element.simple or element.kind.endswith("}RecordRef"):
            chosen.append((element.name, element.kind, element.enum))
        if len(chosen) == BODY_FIELDS:
            break
    return chosen


def customer_xml(schema: SchemaMap, version: str, i: int, rng: random.Random, tag: str = "record") -> str:
    rel = "listRel"
    core = "platformCore"
    parts = [f'<{tag} xsi:type="{rel}:Customer" internalId="{1000 + i}" externalId="CUST-{i}">']
    for name, kind, enum in customer_fields(schema, version):
        if kind.endswith("}RecordRef"):
            parts.append(
                f'<{rel}:{name} internalId="{rng.randint(1, 500)}"><{core}:name>{escape(name)} '
                f"{rng.randint(1, 99)}</{core}:name></{rel}:{name}>"
            )
            continue
        if enum is not None:
            values = sorted(schema.enumeration(enum) or ["_x"])
            text = values[i % len(values)]
        else:
            text = _value(kind, rng, i)
        parts.append(f"<{rel}:{name}>{escape(text)}</{rel}:{name}>")
    parts.append(
        f'<{rel}:addressbookList><{rel}:addressbook internalId="{i}"><{rel}:defaultBilling>true'
        f"</{rel}:defaultBilling><{rel}:label>Main</{rel}:label></{rel}:addressbook></{rel}:addressbookList>"
    )
    parts.append(f"<{rel}:customFieldList>")
    for script_id, ref_type, text in CUSTOM_FIELDS:
        if text is None:
            value = (
                f'<{core}:value internalId="{rng.randint(1, 9)}" typeId="7">'
                f"<{core}:name>North</{core}:name></{core}:value>"
            )
        else:
            value = f"<{core}:value>{text}</{core}:value>"
        parts.append(
            f'<{core}:customField xsi:type="{core}:{ref_type}" scriptId="{script_id}" '
            f'internalId="{100 + len(script_id)}">{value}</{core}:customField>'
        )
    parts.append(f"</{rel}:customFieldList></{tag}>")
    return "".join(parts)


def _namespaces(version: str) -> str:
    return (
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns:platformCore="urn:core_{version}.platform.webservices.netsuite.com" '
        f'xmlns:platformMsgs="urn:messages_{version}.platform.webservices.netsuite.com" '
        f'xmlns:listRel="urn:relationships_{version}.lists.webservices.netsuite.com"'
    )


def _envelope(version: str, body: str) -> bytes:
    header = (
        "<soapenv:Header><platformMsgs:documentInfo><platformMsgs:nsId>WEBSERVICES_BENCH</platformMsgs:nsId>"
        "</platformMsgs:documentInfo></soapenv:Header>"
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope {_namespaces(version)}>{header}'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


def search_page(schema: SchemaMap, version: str, records: int = 1000, seed: int = 1) -> bytes:
    """A ``searchMoreWithIdResponse`` holding ``records`` customers (page 2 of 20)."""
    rng = random.Random(seed)
    rows = "".join(customer_xml(schema, version, i, rng, "platformCore:record") for i in range(records))
    body = (
        "<platformMsgs:searchMoreWithIdResponse><platformCore:searchResult>"
        '<platformCore:status isSuccess="true"/>'
        f"<platformCore:totalRecords>{records * 20}</platformCore:totalRecords>"
        f"<platformCore:pageSize>{records}</platformCore:pageSize>"
        "<platformCore:totalPages>20</platformCore:totalPages>"
        "<platformCore:pageIndex>2</platformCore:pageIndex>"
        "<platformCore:searchId>WEBSERVICES_BENCH_SEARCH</platformCore:searchId>"
        f"<platformCore:recordList>{rows}</platformCore:recordList>"
        "</platformCore:searchResult></platformMsgs:searchMoreWithIdResponse>"
    )
    return _envelope(version, body)


def get_answer(schema: SchemaMap, version: str, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    record = customer_xml(schema, version, 1, rng, "platformMsgs:record")
    body = (
        "<platformMsgs:getResponse><platformMsgs:readResponse>"
        f'<platformCore:status isSuccess="true"/>{record}'
        "</platformMsgs:readResponse></platformMsgs:getResponse>"
    )
    return _envelope(version, body)


def upsert_list_answer(version: str, records: int = 100) -> bytes:
    items = "".join(
        '<platformMsgs:writeResponse><platformCore:status isSuccess="true"/>'
        f'<platformMsgs:baseRef xsi:type="platformCore:RecordRef" internalId="{1000 + i}" externalId="B-{i}" '
        'type="customer"/></platformMsgs:writeResponse>'
        for i in range(records)
    )
    body = (
        "<platformMsgs:upsertListResponse><platformMsgs:writeResponseList>"
        '<platformCore:status isSuccess="true"/>'
        f"{items}</platformMsgs:writeResponseList></platformMsgs:upsertListResponse>"
    )
    return _envelope(version, body)
