"""Shared fixtures.

Conformance tests need NetSuite's full WSDL bundle (it is NetSuite's file and is never copied into the
project). It is found through ``SUITETALK_NETSUITE_WSDL`` (a folder holding ``netsuite.wsdl``), else beside
the checkout at ``../shared/wsdl/2023_2``. Where it is absent the tests skip with that reason, unless
``SUITETALK_REQUIRE_CONFORMANCE=1`` (set by ``.ci/run``), in which case its absence is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
NETSUITE_VERSION = "2023_2"


def _bundle_dir() -> Path | None:
    configured = os.environ.get("SUITETALK_NETSUITE_WSDL")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared" / "wsdl" / NETSUITE_VERSION
    return candidate if (candidate / "netsuite.wsdl").is_file() else None


@pytest.fixture(scope="session")
def netsuite_bundle() -> Path:
    """Folder of NetSuite's full 2023_2 bundle (``netsuite.wsdl`` and ``xsd/``)."""
    found = _bundle_dir()
    if found is None:
        reason = (
            "NetSuite's 2023_2 WSDL bundle not found: set SUITETALK_NETSUITE_WSDL to the folder holding "
            "netsuite.wsdl to run the conformance tests"
        )
        if os.environ.get("SUITETALK_REQUIRE_CONFORMANCE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found
