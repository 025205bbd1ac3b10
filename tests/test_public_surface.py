"""The public surface: every name in __all__ resolves, and importing the package stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import suitetalk


def test_every_public_name_resolves() -> None:
    for name in suitetalk.__all__:
        assert getattr(suitetalk, name) is not None, name


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        _ = suitetalk.NoSuchThing  # type: ignore[attr-defined]


def test_all_lists_exactly_the_exports() -> None:
    assert sorted(suitetalk.__all__) == sorted([*suitetalk._EXPORTS, "__version__"])


def test_import_does_not_load_the_command_line_or_the_emulator() -> None:
    code = (
        "import sys, suitetalk; from suitetalk import Client; "
        "names = ('click', 'rich', 'suitetalk.emulator', 'suitetalk.cli', 'werkzeug'); "
        "heavy = [m for m in names if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
