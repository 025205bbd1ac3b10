"""Users' own failure scenarios: rules that make matching records fail or succeed with warnings.

Seen from a bare zeep client (raw answers validated against NetSuite's 2023_2 XSDs) and from the project's
client, through ``Emulator.add_rule``, the pytest marker and ``suitetalk emulator --rules FILE``."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from emulator_support import Session, session
from lxml import etree
from test_cli_support import run
from test_cli_surface import emulator_process
from xsd_helpers import assert_valid, body_payload, bundle_schema

from suitetalk import Client, ClientConfig, Credentials, Preferences, RecordError
from suitetalk.emulator import Emulator
from suitetalk.emulator.rules import Rule, load_rules
from suitetalk.emulator.storage import RecordNotFound

BAD_NAME = {
    "record_type": "customer",
    "when": {"companyName": ("startsWith", "Bad")},
    "code": "INVALID_FLD_VALUE",
    "message": "Company names may not start with Bad.",
}


@pytest.fixture(scope="module")
def s() -> Iterator[Session]:
    with session(Emulator(version="2023_2")) as sess:
        yield sess


@pytest.fixture(autouse=True)
def no_rules(s: Session) -> Iterator[None]:
    s.emulator.clear_rules()
    yield
    s.emulator.clear_rules()


@pytest.fixture(scope="module")
def real_schema(netsuite_bundle: Path) -> etree.XMLSchema:
    return bundle_schema(netsuite_bundle / "xsd")  # the key test_records and test_results compile under


def uid() -> str:
    return secrets.token_hex(4)


def outcomes(s: Session, real_schema: etree.XMLSchema) -> list[tuple[bool, list[tuple[str, str, str]]]]:
    """(isSuccess, [(type, code, message)...]) per writeResponse of the last answer, validated first."""
    payload = body_payload(s.last_response)
    assert_valid(real_schema, payload)
    found = []
    for response in payload.iter(f"{{{s.msgs}}}writeResponse"):
        status = response.find(f"{{{s.core}}}status")
        assert status is not None
        details = [
            (
                d.get("type", ""),
                d.findtext(f"{{{s.core}}}code") or "",
                d.findtext(f"{{{s.core}}}message") or "",
            )
            for d in status.findall(f"{{{s.core}}}statusDetail")
        ]
        found.append((status.get("isSuccess") == "true", details))
    return found


def stored_name(s: Session, external_id: str) -> str | None:
    try:
        record = s.emulator.store.get("customer", external_id=external_id)
    except RecordNotFound:
        return None
    root = etree.fromstring(record.body)
    return next((el.text for el in root.iter() if etree.QName(el).localname == "companyName"), None)


def test_matching_records_fail_with_every_matching_detail_and_others_are_written(
    s: Session, real_schema: etree.XMLSchema
) -> None:
    s.emulator.add_rule(**BAD_NAME)
    s.emulator.add_rule(
        "customer",
        when={"companyName": ("contains", "Co")},
        code="INVALID_FLD_VALUE",
        message="Co?",
        type="WARN",
    )
    s.emulator.add_rule("customer", when={"email": "x@bad.example"}, code="INVALID_FLD", message="Bad email.")
    ids = [f"r-{uid()}" for _ in range(4)]
    s.call(
        "addList",
        record=[
            s.record("customer", companyName="Bad Co", externalId=ids[0]),
            s.record("customer", companyName="Good Co", externalId=ids[1]),
            s.record("customer", companyName="Bad", email="x@bad.example", externalId=ids[2]),
            s.record("customer", companyName="Plain", externalId=ids[3]),
        ],
    )
    bad_message = BAD_NAME["message"]
    assert outcomes(s, real_schema) == [
        (False, [("ERROR", "INVALID_FLD_VALUE", bad_message), ("WARN", "INVALID_FLD_VALUE", "Co?")]),
        (True, [("WARN", "INVALID_FLD_VALUE", "Co?")]),
        (False, [("ERROR", "INVALID_FLD_VALUE", bad_message), ("ERROR", "INVALID_FLD", "Bad email.")]),
        (True, []),
    ]
    assert [stored_name(s, i) for i in ids] == [None, "Good Co", None, "Plain"]
    failed = body_payload(s.last_response).find(f".//{{{s.msgs}}}baseRef")
    assert failed is not None
    assert (failed.get("externalId"), failed.get("type")) == (ids[0], "customer")


def test_warning_as_error_makes_a_warning_fail_the_record(s: Session, real_schema: etree.XMLSchema) -> None:
    s.emulator.add_rule(
        "customer",
        when={"companyName": ("contains", "Odd")},
        code="INVALID_FLD_VALUE",
        message="Odd.",
        type="WARN",
    )
    external_id = f"w-{uid()}"
    prefs = s.client.get_element(f"{{{s.msgs}}}preferences")(warningAsError=True)
    s.call(
        "add",
        record=s.record("customer", companyName="Odd Ltd", externalId=external_id),
        _headers={"preferences": prefs},
    )
    assert outcomes(s, real_schema) == [(False, [("ERROR", "INVALID_FLD_VALUE", "Odd.")])]
    assert stored_name(s, external_id) is None
    s.call("add", record=s.record("customer", companyName="Odd Ltd", externalId=external_id))
    assert outcomes(s, real_schema) == [(True, [("WARN", "INVALID_FLD_VALUE", "Odd.")])]
    assert stored_name(s, external_id) == "Odd Ltd"


def test_updates_and_upserts_are_judged_on_the_record_as_it_would_be_stored(
    s: Session, real_schema: etree.XMLSchema
) -> None:
    external_id = f"u-{uid()}"
    s.call("add", record=s.record("customer", companyName="Bad Start", externalId=external_id))
    s.emulator.add_rule(**BAD_NAME)
    # The stored name already matches: an update that leaves it fails, one that changes it is written.
    s.call("update", record=s.record("customer", externalId=external_id, phone="555"))
    assert outcomes(s, real_schema)[0][0] is False
    s.call("upsert", record=s.record("customer", externalId=external_id, companyName="Better"))
    assert outcomes(s, real_schema) == [(True, [])]
    s.call("update", record=s.record("customer", externalId=external_id, companyName="Bad Again"))
    assert outcomes(s, real_schema)[0][0] is False
    assert stored_name(s, external_id) == "Better"


def test_deletes_only_when_told_and_rules_can_be_cleared(s: Session, real_schema: etree.XMLSchema) -> None:
    external_id = f"d-{uid()}"
    s.call("add", record=s.record("customer", companyName="Keep Me", externalId=external_id))
    s.emulator.add_rule(
        "customer",
        when={"companyName": "keep me"},
        code="INSUFFICIENT_PERMISSION",
        message="Kept.",
        operations=["delete"],
    )
    s.call("update", record=s.record("customer", externalId=external_id, companyName="Keep Me"))
    assert outcomes(s, real_schema) == [(True, [])]  # the rule is for deletes only
    s.call("delete", baseRef=s.ref("customer", external_id=external_id))
    assert outcomes(s, real_schema) == [(False, [("ERROR", "INSUFFICIENT_PERMISSION", "Kept.")])]
    assert stored_name(s, external_id) == "Keep Me"
    s.emulator.clear_rules()
    assert s.emulator.rules == ()
    s.call("delete", baseRef=s.ref("customer", external_id=external_id))
    assert outcomes(s, real_schema) == [(True, [])]


def test_conditions_on_references_custom_fields_checkboxes_and_external_ids(
    s: Session, real_schema: etree.XMLSchema
) -> None:
    customer = s.call("add", record=s.record("customer", companyName=f"Buyer {uid()}")).body.writeResponse
    buyer = customer.baseRef.internalId
    s.emulator.add_rule("salesOrder", when={"entity": buyer}, code="INVALID_KEY_OR_REF", message="On hold.")
    s.emulator.add_rule(
        "customer",
        when={"custentity_tier": ("is", "gold"), "isInactive": True},
        code="INVALID_FLD_VALUE",
        message="No inactive gold.",
    )
    s.emulator.add_rule(
        "customer",
        when={"externalId": ("startsWith", "LEGACY-")},
        code="INVALID_FLD_VALUE",
        message="Legacy.",
    )
    s.call("add", record=s.record("salesOrder", entity=s.ref("customer", buyer)))
    assert outcomes(s, real_schema) == [(False, [("ERROR", "INVALID_KEY_OR_REF", "On hold.")])]

    def tier(value: str) -> Any:
        field = s.core_type("StringCustomFieldRef")(scriptId="custentity_tier", value=value)
        return s.core_type("CustomFieldList")(customField=[field])

    s.call(
        "addList",
        record=[
            s.record("customer", companyName="A", isInactive=True, customFieldList=tier("gold")),
            s.record("customer", companyName="B", isInactive=False, customFieldList=tier("gold")),
            s.record("customer", companyName="C", externalId=f"LEGACY-{uid()}"),
        ],
    )
    assert [ok for ok, _ in outcomes(s, real_schema)] == [False, True, False]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"record_type": "nothing"}, "no record type 'nothing'"),
        ({"code": "NOT_A_NETSUITE_CODE"}, "not one of NetSuite's status detail codes"),
        ({"when": {"noSuchField": "x"}}, "no field 'noSuchField'"),
        ({"when": {"companyName": ("greaterThan", 3)}}, "expected one of contains"),
        ({"when": {"addressbookList": "x"}}, "conditions apply to text, number"),
    ],
)
def test_rules_that_cannot_apply_are_refused_and_nothing_changes(
    s: Session, rule: dict[str, Any], message: str
) -> None:
    s.emulator.add_rule(**BAD_NAME)
    with pytest.raises(ValueError, match=message):
        s.emulator.add_rule(**{**BAD_NAME, **rule})
    assert s.emulator.rules == (Rule(**BAD_NAME),)


def test_rules_are_checked_when_the_emulator_starts() -> None:
    emulator = Emulator(rules=[{**BAD_NAME, "when": {"noSuchField": 1}}])
    with pytest.raises(ValueError, match="no field 'noSuchField'"):
        emulator.start()
    assert not emulator.running


def test_a_rule_needs_its_code_and_message() -> None:
    with pytest.raises(ValueError, match="message"):
        Emulator(rules=[{"record_type": "customer", "code": "INVALID_FLD_VALUE"}])
    with pytest.raises(ValueError, match="operations"):
        Rule(**BAD_NAME, operations=["merge"])


@pytest.mark.suitetalk_emulator(
    rules=[
        BAD_NAME,
        {
            **BAD_NAME,
            "type": "WARN",
            "code": "INVALID_FLD_VALUE",
            "message": "Odd.",
            "when": {"phone": "000"},
        },
    ]
)
def test_the_client_sees_rule_failures_and_warnings(suitetalk_client: Client) -> None:
    results = suitetalk_client.add_list(
        [{"companyName": "Bad Ltd", "external_id": "B-1"}, {"companyName": "Fine Ltd", "phone": "000"}],
        record_type="customer",
    )
    assert [r.success for r in results] == [False, True]
    assert [(d.code, d.message) for d in results[0].errors] == [("INVALID_FLD_VALUE", BAD_NAME["message"])]
    assert (results[0].external_id, results[0].record_type) == ("B-1", "customer")
    assert [(d.code, d.message) for d in results[1].warnings] == [("INVALID_FLD_VALUE", "Odd.")]
    with pytest.raises(RecordError) as info:
        suitetalk_client.add("customer", companyName="Bad Again")
    assert info.value.code == "INVALID_FLD_VALUE"
    strict = Preferences(warning_as_error=True)
    with pytest.raises(RecordError, match="Odd"):
        suitetalk_client.add("customer", companyName="Fine Too", phone="000", preferences=strict)


def test_rules_files_in_json_and_toml(tmp_path: Path) -> None:
    as_json = tmp_path / "rules.json"
    as_json.write_text(json.dumps({"rules": [BAD_NAME]}), encoding="utf-8")
    as_toml = tmp_path / "rules.toml"
    as_toml.write_text(
        "[[rules]]\n"
        'record_type = "customer"\n'
        'code = "INVALID_FLD_VALUE"\n'
        'message = "Company names may not start with Bad."\n'
        'when = { companyName = ["startsWith", "Bad"] }\n',
        encoding="utf-8",
    )
    assert (
        load_rules(as_json)
        == load_rules(as_toml)
        == (Rule(**{**BAD_NAME, "when": {"companyName": ["startsWith", "Bad"]}}),)
    )
    broken = tmp_path / "broken.json"
    broken.write_text('[{"record_type": "customer", "code": "INVALID_FLD_VALUE"}]', encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken.json: rule 1: message: Field required"):
        load_rules(broken)
    other = tmp_path / "rules.yaml"
    other.write_text("rules: []", encoding="utf-8")
    with pytest.raises(ValueError, match=r"\.json or \.toml"):
        load_rules(other)


def test_the_emulator_command_refuses_a_rules_file_that_cannot_apply(tmp_path: Path) -> None:
    rules = tmp_path / "failures.json"
    rules.write_text(json.dumps([{**BAD_NAME, "when": {"noSuchField": "x"}}]), encoding="utf-8")
    result = run(["emulator", "--rules", str(rules)])
    assert result.exit_code == 2
    assert "no field 'noSuchField'" in result.output
    rules.write_text("{not json", encoding="utf-8")
    result = run(["emulator", "--rules", str(rules)])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output


def test_the_emulator_command_takes_a_rules_file(tmp_path: Path) -> None:
    rules = tmp_path / "failures.toml"
    rules.write_text(
        '[[rules]]\nrecord_type = "customer"\ncode = "INVALID_FLD_VALUE"\nmessage = "No."\n'
        'type = "ERROR"\nwhen = { companyName = ["startsWith", "Bad"] }\n',
        encoding="utf-8",
    )
    with emulator_process(tmp_path, "--rules", str(rules)) as (_, exports):
        credentials = Credentials(
            account=exports["NETSUITE_ACCOUNT"],
            consumer_key=exports["NETSUITE_CONSUMER_KEY"],
            consumer_secret=exports["NETSUITE_CONSUMER_SECRET"],
            token_id=exports["NETSUITE_TOKEN_ID"],
            token_secret=exports["NETSUITE_TOKEN_SECRET"],
        )
        config = ClientConfig(endpoint=exports["SUITETALK_ENDPOINT"], version=exports["SUITETALK_VERSION"])
        with Client(credentials, config) as client:
            results = client.add_list(
                [{"companyName": "Bad"}, {"companyName": "Good"}], record_type="customer"
            )
    assert [(r.success, [d.message for d in r.errors]) for r in results] == [(False, ["No."]), (True, [])]
