"""Profiles: one script, sandbox or production by a single word."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suitetalk.config import ConfigError
from suitetalk.profiles import default_profiles_path, list_profiles, load_profile

PROFILES = """
[sandbox]
account = "1234567_sb1"
consumer_key = "ck-sandbox-0001"
consumer_secret = { env = "SB_CONSUMER_SECRET" }
token_id = "tk-sandbox-0001"
token_secret = "ts-sandbox-in-file"
concurrency = 3

[production]
account = "1234567"
consumer_key = "ck-prod-0001"
consumer_secret = "cs-prod-in-file"
token_id = "tk-prod-0001"
token_secret = "ts-prod-in-file"
version = "2024_2"
"""


@pytest.fixture
def profiles_file(tmp_path: Path) -> Path:
    path = tmp_path / "profiles.toml"
    path.write_text(PROFILES)
    return path


def test_profile_chosen_by_argument(profiles_file: Path) -> None:
    env = {"SB_CONSUMER_SECRET": "cs-sandbox-from-env"}
    sandbox = load_profile("sandbox", path=profiles_file, environ=env)
    assert sandbox.credentials.account.passport_id == "1234567_SB1"
    assert sandbox.credentials.consumer_secret.get_secret_value() == "cs-sandbox-from-env"
    assert sandbox.config.concurrency == 3
    assert sandbox.config.version == "2025_2"
    production = load_profile("production", path=profiles_file, environ=env)
    assert production.credentials.account.is_production
    assert production.config.version == "2024_2"


def test_profile_chosen_by_environment_variable(profiles_file: Path) -> None:
    profile = load_profile(path=profiles_file, environ={"SUITETALK_PROFILE": "production"})
    assert profile.name == "production"
    assert profile.credentials.token_id == "tk-prod-0001"


def test_environment_overrides_file_values(profiles_file: Path) -> None:
    env = {"SUITETALK_PROFILE": "production", "NETSUITE_TOKEN_SECRET": "ts-from-ci"}
    profile = load_profile(path=profiles_file, environ=env)
    assert profile.credentials.token_secret.get_secret_value() == "ts-from-ci"
    assert "NETSUITE_TOKEN_SECRET" in profile.source


def test_unknown_profile_names_the_known_ones(profiles_file: Path) -> None:
    with pytest.raises(ConfigError, match=r"'staging' not found .* production, sandbox"):
        load_profile("staging", path=profiles_file, environ={})


def test_missing_env_reference_is_named(profiles_file: Path) -> None:
    with pytest.raises(ConfigError, match="SB_CONSUMER_SECRET, which is not set"):
        load_profile("sandbox", path=profiles_file, environ={})


def test_environment_only_without_a_file(tmp_path: Path) -> None:
    env = {
        "NETSUITE_ACCOUNT": "1234567_SB3",
        "NETSUITE_CONSUMER_KEY": "ck",
        "NETSUITE_CONSUMER_SECRET": "cs",
        "NETSUITE_TOKEN_ID": "tk",
        "NETSUITE_TOKEN_SECRET": "ts",
    }
    profile = load_profile(path=tmp_path / "absent.toml", environ=env)
    assert profile.credentials.account.sandbox_number == 3
    with pytest.raises(ConfigError, match="NETSUITE_TOKEN_SECRET"):
        load_profile(
            path=tmp_path / "absent.toml", environ={k: v for k, v in env.items() if "TOKEN_SECRET" not in k}
        )


def test_invalid_values_are_reported_without_secrets(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        '[x]\naccount="nope!"\nconsumer_key="ck"\nconsumer_secret="VERY-SECRET"\n'
        'token_id="tk"\ntoken_secret="ts"\nversion="2025"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_profile("x", path=path, environ={})
    assert "accepted forms" in str(info.value)
    assert "VERY-SECRET" not in str(info.value)
    path.write_text("[x\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_profile("x", path=path, environ={})


def test_default_location(tmp_path: Path, profiles_file: Path) -> None:
    assert default_profiles_path({"SUITETALK_CONFIG": str(profiles_file)}) == profiles_file
    assert (
        default_profiles_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "suitetalk" / "profiles.toml"
    )
    assert list_profiles(profiles_file) == ["production", "sandbox"]


def test_endpoint_and_version_from_the_environment(profiles_file: Path) -> None:
    env = {"SUITETALK_ENDPOINT": "http://127.0.0.1:8080", "SUITETALK_VERSION": "2023_2"}
    profile = load_profile("production", path=profiles_file, environ=env)
    assert profile.config.endpoint == "http://127.0.0.1:8080"
    assert profile.config.version == "2023_2"
    assert "SUITETALK_ENDPOINT" in profile.source


CREDENTIALS = (
    'account = "1234567"\nconsumer_key = "ck0123456789"\nconsumer_secret = "cs0123456789"\n'
    'token_id = "tk0123456789"\ntoken_secret = "ts0123456789"\n'
)


def test_a_file_without_the_default_table_is_not_called_missing(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text("[sandbox]\n" + CREDENTIALS)
    with pytest.raises(ConfigError) as info:
        load_profile(path=path, environ={})
    text = str(info.value)
    assert f"{path} has no [default] table (profiles there: sandbox)" in text
    assert "no profile file" not in text
    with pytest.raises(ConfigError, match=r"no profile file at .*, and the environment lacks account"):
        load_profile(path=tmp_path / "absent.toml", environ={})
    with pytest.raises(ConfigError, match=r"'prod' not found \(there is no profile file at"):
        load_profile("prod", path=tmp_path / "absent.toml", environ={})


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("consumer_secret = { env = 5 }", "consumer_secret = { env = ... } needs the name of an environment"),
        ('consumer_secret = { env = "" }', "needs the name of an environment variable"),
        ('consumer_secret = { env = "X", default = "y" }', "a value is either written out or { env ="),
        ("consumer_secret = {}", "consumer_secret is a table with no keys"),
        ("consumer_secret = 5", "consumer_secret must be a string"),
        ("account = 1234567", "account id must be a string, got int"),
        ("account = [1]", "account id must be a string, got list"),
        ("concurrency = 1.5", "concurrency: must be a whole number"),
        ("retry = 3", "retry: must be a table of settings"),
        ("retry = { max_attempts = 0 }", "retry.max_attempts: must be at least 1"),
        ("endpoint = 2025-01-01", "endpoint: must be a string, got date"),
        ("concurrancy = 5", "concurrancy: unknown setting (did you mean 'concurrency'?)"),
        ("tokenid = 'x'", "tokenid: unknown setting (did you mean 'token_id'?)"),
    ],
)
def test_every_malformed_value_is_named_exactly(tmp_path: Path, line: str, expected: str) -> None:
    key = line.split(" ", 1)[0]
    body = "\n".join(row for row in CREDENTIALS.splitlines() if not row.startswith(key + " "))
    path = tmp_path / "profiles.toml"
    path.write_text(f"[p]\n{body}\n{line}\n")
    with pytest.raises(ConfigError) as info:
        load_profile("p", path=path, environ={})
    assert expected in str(info.value)
    assert "Value error" not in str(info.value)


def test_environment_overrides_of_account_and_endpoint_are_reported(profiles_file: Path) -> None:
    env = {
        "NETSUITE_ACCOUNT": "7654321_SB2",
        "SUITETALK_ENDPOINT": "http://127.0.0.1:9999",
        "NETSUITE_TOKEN_SECRET": "ts-from-ci",
    }
    profile = load_profile("production", path=profiles_file, environ=env)
    assert profile.credentials.account.passport_id == "7654321_SB2"
    assert [(o.key, o.variable) for o in profile.overrides] == [("account", "NETSUITE_ACCOUNT")]
    notice = profile.overrides[0].notice(profile.name)
    assert (
        notice
        == "NETSUITE_ACCOUNT=7654321_SB2 (environment) overrides account = '1234567' of profile 'production'"
    )
    env = {**env, "NETSUITE_ACCOUNT": "1234567-SB1", "SB_CONSUMER_SECRET": "cs"}
    same = load_profile("sandbox", path=profiles_file, environ=env)
    assert same.overrides == ()  # the same account, spelt differently: nothing to tell


_KEYS = st.sampled_from(
    [
        "account",
        "consumer_key",
        "consumer_secret",
        "token_id",
        "token_secret",
        "version",
        "endpoint",
        "concurrency",
        "retry",
        "read_timeout",
        "wsdl_cache",
        "preferences",
        "env",
        "concurrancy",
    ]
)
_SCALARS = st.one_of(
    st.text(max_size=12), st.integers(), st.floats(), st.booleans(), st.just("1234567_SB1"), st.just("2025_2")
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["env", "max_attempts", "page_size", "x"]), inner, max_size=2),
    ),
    max_leaves=6,
)


def _toml(value: object) -> str:
    """A TOML value (inline); strings as JSON strings, which TOML reads the same (or refuses: also fine)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    table=st.dictionaries(_KEYS, _VALUES, max_size=8),
    environ=st.dictionaries(
        st.sampled_from(
            ["NETSUITE_ACCOUNT", "SUITETALK_ENDPOINT", "SUITETALK_VERSION", "X", "SUITETALK_PROFILE"]
        ),
        st.text(max_size=10),
        max_size=3,
    ),
    header=st.sampled_from(["[p]", "[default]", "p = 1", "[p.retry]", ""]),
)
def test_only_config_errors_ever_leave_the_profile_loader(
    tmp_path: Path, table: dict[str, object], environ: dict[str, str], header: str
) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_text(header + "\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in table.items()))
    for name in ("p", None):
        message = ""
        try:
            load_profile(name, path=path, environ=environ)
        except ConfigError as exc:
            message = str(exc) or "(empty message)"
        assert "Value error" not in message
        assert message != "(empty message)"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=200))
def test_any_bytes_in_the_profile_file_give_a_config_error_at_worst(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bytes.toml"
    path.write_bytes(content)
    with contextlib.suppress(ConfigError):  # anything else fails the test
        load_profile(path=path, environ={})
