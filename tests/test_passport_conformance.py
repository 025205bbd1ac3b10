"""The tokenPassport header validates against NetSuite's real 2023_2 schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from suitetalk.auth import PassportBuilder
from suitetalk.config import Credentials


@pytest.fixture(scope="module")
def messages_schema(netsuite_bundle: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(netsuite_bundle / "xsd" / "platform.messages.xsd")))


def test_passport_header_validates_against_real_core_schema(messages_schema: etree.XMLSchema) -> None:
    creds = Credentials(
        account="1234567_sb1",
        consumer_key="ck0123456789",
        consumer_secret="cs0123456789",
        token_id="tk0123456789",
        token_secret="ts0123456789",
    )
    element = PassportBuilder(creds).build().to_element("2023_2")
    assert messages_schema.validate(element), messages_schema.error_log
    core = "urn:core_2023_2.platform.webservices.netsuite.com"
    assert [etree.QName(child).localname for child in element] == [
        "account",
        "consumerKey",
        "token",
        "nonce",
        "timestamp",
        "signature",
    ]
    assert element.find(f"{{{core}}}signature").get("algorithm") == "HMAC-SHA256"
    assert element.findtext(f"{{{core}}}account") == "1234567_SB1"


def test_a_passport_missing_its_algorithm_is_invalid(messages_schema: etree.XMLSchema) -> None:
    """Guards the test above: the schema really checks the passport's shape."""
    creds = Credentials(
        account="1234567",
        consumer_key="ck0123456789",
        consumer_secret="cs0123456789",
        token_id="tk0123456789",
        token_secret="ts0123456789",
    )
    element = PassportBuilder(creds).build().to_element("2023_2")
    del element[-1].attrib["algorithm"]
    assert not messages_schema.validate(element)
