"""Accounts, credentials and client configuration: what users type, and what they are told if wrong."""

from __future__ import annotations

import logging

import pytest

from suitetalk.config import Account, ClientConfig, ConfigError, Credentials, Environment, SearchPreferences

GOOD_ACCOUNTS = [
    # typed, passport form, host form, environment, sandbox number
    ("1234567", "1234567", "1234567", Environment.PRODUCTION, None),
    ("1234567_SB1", "1234567_SB1", "1234567-sb1", Environment.SANDBOX, 1),
    ("1234567_sb1", "1234567_SB1", "1234567-sb1", Environment.SANDBOX, 1),
    ("1234567-SB2", "1234567_SB2", "1234567-sb2", Environment.SANDBOX, 2),
    ("1234567-sb12", "1234567_SB12", "1234567-sb12", Environment.SANDBOX, 12),
    ("  1234567_SB1\n", "1234567_SB1", "1234567-sb1", Environment.SANDBOX, 1),
    ("1234567_RP", "1234567_RP", "1234567-rp", Environment.RELEASE_PREVIEW, None),
    ("1234567-rp", "1234567_RP", "1234567-rp", Environment.RELEASE_PREVIEW, None),
    ("TSTDRV1234567", "TSTDRV1234567", "tstdrv1234567", Environment.TEST_DRIVE, None),
    ("tstdrv1234567_sb1", "TSTDRV1234567_SB1", "tstdrv1234567-sb1", Environment.SANDBOX, 1),
]

BAD_ACCOUNTS = [
    "",
    "   ",
    "1234567_SB",
    "1234567_SB0",
    "1234567_XY1",
    "1234567__SB1",
    "1234567 SB1",
    "https://1234567.suitetalk.api.netsuite.com",
    "1234567.app",
    "ACME",
    "1234567_sb1_sb2",
    "12-34",
]


@pytest.mark.parametrize(("typed", "passport", "host", "environment", "number"), GOOD_ACCOUNTS)
def test_accepted_account_forms(
    typed: str, passport: str, host: str, environment: Environment, number: int | None
) -> None:
    account = Account.parse(typed)
    assert account.passport_id == passport
    assert account.host_id == host
    assert account.environment is environment
    assert account.is_sandbox is (environment is Environment.SANDBOX)
    assert account.is_production is (environment is Environment.PRODUCTION)
    assert account.sandbox_number == number
    assert str(account) == passport


@pytest.mark.parametrize("typed", BAD_ACCOUNTS)
def test_rejected_account_forms_show_the_accepted_forms(typed: str) -> None:
    with pytest.raises(ValueError, match="accepted forms: 1234567 \\(production\\), 1234567_SB1"):
        Account.parse(typed)


def _creds(**overrides: str) -> Credentials:
    values = {
        "account": "1234567_sb1",
        "consumer_key": "ck0123456789abcdef",
        "consumer_secret": "CONSUMER-SECRET-VALUE",
        "token_id": "tk0123456789abcdef",
        "token_secret": "TOKEN-SECRET-VALUE",
    }
    values.update(overrides)
    return Credentials(**values)  # type: ignore[arg-type]


def test_copy_paste_whitespace_is_stripped() -> None:
    creds = _creds(consumer_secret="  CONSUMER-SECRET-VALUE\n", token_id="tk0123456789abcdef\r\n")
    assert creds.consumer_secret.get_secret_value() == "CONSUMER-SECRET-VALUE"
    assert creds.token_id == "tk0123456789abcdef"
    assert creds.account.passport_id == "1234567_SB1"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("consumer_secret", "", "consumer_secret is empty"),
        ("token_secret", " \n", "token_secret is empty"),
        ("consumer_key", "ck01 2345", "consumer_key contains whitespace"),
        ("token_secret", "TOKEN SECRET", "token_secret contains whitespace"),
    ],
)
def test_bad_secret_shapes_are_named_without_showing_the_value(field: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        _creds(**{field: value})
    assert expected in str(info.value)
    if value.strip():
        assert value not in str(info.value)


def test_secrets_never_shown_in_repr_str_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    creds = _creds()
    secrets = ("CONSUMER-SECRET-VALUE", "TOKEN-SECRET-VALUE")
    logger = logging.getLogger("suitetalk.test")
    with caplog.at_level(logging.DEBUG):
        logger.debug("credentials %s", creds)
        logger.debug("credentials %r", creds)
        logger.debug("dump %s", creds.model_dump())
    for text in (repr(creds), str(creds), caplog.text, f"{creds}", str(creds.model_dump())):
        for secret in secrets:
            assert secret not in text
    with pytest.raises(ConfigError) as info:
        Credentials(
            account="not an account!",
            consumer_key="ck",
            consumer_secret="CONSUMER-SECRET-VALUE",
            token_id="tk",
            token_secret="TOKEN-SECRET-VALUE",
        )
    for secret in secrets:
        assert secret not in str(info.value)


def test_from_env_reads_all_five_and_names_missing_ones() -> None:
    env = {
        "NETSUITE_ACCOUNT": "1234567-sb2",
        "NETSUITE_CONSUMER_KEY": "ck0123456789",
        "NETSUITE_CONSUMER_SECRET": "cs0123456789",
        "NETSUITE_TOKEN_ID": "tk0123456789",
        "NETSUITE_TOKEN_SECRET": "ts0123456789",
    }
    creds = Credentials.from_env(env)
    assert creds.account.passport_id == "1234567_SB2"
    assert creds.token_secret.get_secret_value() == "ts0123456789"
    partial = {k: v for k, v in env.items() if k not in ("NETSUITE_TOKEN_ID", "NETSUITE_CONSUMER_SECRET")}
    with pytest.raises(ConfigError) as info:
        Credentials.from_env(partial)
    assert "NETSUITE_CONSUMER_SECRET" in str(info.value)
    assert "NETSUITE_TOKEN_ID" in str(info.value)
    assert "NETSUITE_ACCOUNT" not in str(info.value)


def test_client_config_defaults_and_validation() -> None:
    config = ClientConfig()
    assert config.version == "2025_2"
    assert config.endpoint is None
    assert ClientConfig(endpoint="http://127.0.0.1:8080/").endpoint == "http://127.0.0.1:8080"
    assert ClientConfig(endpoint="http://localhost:1").endpoint == "http://localhost:1"
    assert ClientConfig(endpoint="http://[::1]:9").endpoint == "http://[::1]:9"
    assert ClientConfig(endpoint="https://proxy.example.com").endpoint == "https://proxy.example.com"
    with pytest.raises(ConfigError, match="plain http on a non-loopback host"):
        ClientConfig(endpoint="http://proxy.example.com")
    with pytest.raises(ConfigError, match="absolute http"):
        ClientConfig(endpoint="ftp://127.0.0.1")
    for bad in ("2025", "2025_3", "25_1", "v2025_2", "2025.2"):
        with pytest.raises(ConfigError, match="YYYY_N"):
            ClientConfig(version=bad)
    with pytest.raises(ConfigError):
        SearchPreferences(page_size=4)
    with pytest.raises(ConfigError):
        SearchPreferences(page_size=1001)


def test_preference_headers_use_netsuite_camel_case() -> None:
    from suitetalk.config import Preferences

    prefs = Preferences(warning_as_error=True, run_server_suite_script_and_trigger_workflows=False)
    assert prefs.to_header() == {"warningAsError": True, "runServerSuiteScriptAndTriggerWorkflows": False}
    assert SearchPreferences(page_size=50).to_header() == {
        "bodyFieldsOnly": True,
        "returnSearchColumns": True,
        "pageSize": 50,
    }
    with pytest.raises(ConfigError):
        Preferences(warningAsError=True)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"concurrancy": 5}, "concurrancy: unknown setting (did you mean 'concurrency'?)"),
        ({"retry": {"max_attemps": 3}}, "retry.max_attemps: unknown setting (did you mean 'max_attempts'"),
        ({"zzz": 1}, "zzz: unknown setting (known settings: version, endpoint,"),
        ({"concurrency": 0}, "concurrency: must be at least 1"),
        ({"concurrency": "many"}, "concurrency: must be a whole number, got str"),
        ({"read_timeout": 0}, "read_timeout: must be more than 0"),
        (
            {"version": "2025.2"},
            "version: invalid endpoint version '2025.2': expected NetSuite's YYYY_N form",
        ),
        ({"search_preferences": {"page_size": 2000}}, "search_preferences.page_size: must be at most 1000"),
    ],
)
def test_config_errors_speak_the_projects_words(settings: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        ClientConfig(**settings)  # type: ignore[arg-type]
    text = str(info.value)
    assert expected in text
    for pydantic_words in ("Value error,", "Extra inputs are not permitted", "Input should", "pydantic"):
        assert pydantic_words not in text


def test_account_errors_name_the_account_not_pydantic_internals() -> None:
    with pytest.raises(ConfigError) as info:
        Credentials(account="ACME", consumer_key="ck", consumer_secret="cs", token_id="tk", token_secret="ts")
    text = str(info.value)
    assert text.startswith("Credentials: account: 'ACME' is not a NetSuite account id")
    assert "passport_id" not in text


def test_test_drive_accounts_are_not_production() -> None:
    account = Account.parse("tstdrv2345678")
    assert account.environment is Environment.TEST_DRIVE
    assert account.is_test_drive
    assert not account.is_production
    assert not account.is_sandbox
    assert account.passport_id == "TSTDRV2345678"
