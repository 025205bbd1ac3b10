"""Profiles: one script, sandbox or production by a single word."""

from __future__ import annotations

from pathlib import Path

import pytest

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
