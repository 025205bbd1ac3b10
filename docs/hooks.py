"""mkdocs hook: the docstrings' Sphinx roles (:class:`~suitetalk.X`) rendered as plain code names.

The docstrings are written for both ``help()`` and this site; mkdocstrings renders them as Markdown, which
leaves a role's name in front of its code span. This strips the role and, as Sphinx does for ``~``, keeps
only the last part of a dotted name.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|mod|exc|data|obj):<code>(~?)([^<]+)</code>")


def _name(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if tilde else target}</code>"


def on_page_content(html: str, **kwargs: Any) -> str:
    return _ROLE.sub(_name, html)
