"""``--verbose``: the SOAP envelopes on stderr, with the passport and secrets redacted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from test_cli_support import run, running, use_emulator

from suitetalk import Client, ClientConfig
from suitetalk.cli.verbose import REDACTED, redact

SECRET_VALUE = "hunter2-do-not-show"


def test_verbose_shows_envelopes_without_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with running() as emulator:
        config = ClientConfig(endpoint=emulator.base_url, version=emulator.version)
        with Client(emulator.credentials, config) as client:
            added = client.add(
                "customer",
                external_id="V-1",
                companyName="Visible Name Ltd",
                custom_fields={"custentity_api_token": SECRET_VALUE, "custentity_colour": "teal"},
            )
        use_emulator(monkeypatch, tmp_path, emulator)
        result = run(["get", "customer", added.internal_id, "--verbose"])
        assert result.exit_code == 0, result.stderr
        credentials = emulator.credentials
    log = result.stderr
    assert ">>> request get" in log
    assert "<<< response get" in log
    assert "tokenPassport" in log
    for part in ("consumerKey", "token", "nonce", "signature"):
        assert re.search(rf":{part}[^>]*>\[redacted\]<", log), f"{part} is not redacted"
    assert f">{credentials.account.passport_id}<" in log
    assert "Visible Name Ltd" in log
    assert "teal" in log
    assert "custentity_api_token" in log
    for hidden in (
        SECRET_VALUE,
        credentials.consumer_key,
        credentials.token_id,
        credentials.consumer_secret.get_secret_value(),
        credentials.token_secret.get_secret_value(),
    ):
        assert hidden not in log
    # The data itself is not redacted on stdout: the record is the user's own.
    assert SECRET_VALUE in result.stdout


def _element(xml: str) -> etree._Element:
    return etree.fromstring(xml)


def test_redact_hides_passport_parts_and_password_like_fields() -> None:
    envelope = _element(
        """<Envelope xmlns:c="urn:core">
        <Header><tokenPassport><c:account>1234567_SB1</c:account><c:consumerKey>S-ck</c:consumerKey>
          <c:token>S-tk</c:token><c:nonce>S-nn</c:nonce><c:timestamp>1700000000</c:timestamp>
          <c:signature algorithm="HMAC-SHA256">S-sig</c:signature></tokenPassport></Header>
        <Body><record apiKey="S-key" name="kept"><password>S-pw1</password><password2>S-pw2</password2>
          <clientSecret>S-cs</clientSecret><email>kept@example.com</email>
          <customField scriptId="custentity_secret_answer"><value>S-blue</value></customField>
        </record></Body></Envelope>"""
    )
    text = etree.tostring(redact(envelope), encoding="unicode")
    assert "S-" not in text  # every secret value above starts so
    for kept in ("1234567_SB1", "1700000000", "HMAC-SHA256", "kept@example.com", "custentity_secret_answer"):
        assert kept in text
    assert text.count(REDACTED) == 9


def test_redact_leaves_the_envelope_it_is_given_untouched() -> None:
    envelope = _element("<Envelope><password>pw</password></Envelope>")
    redact(envelope)
    assert envelope.findtext("password") == "pw"
