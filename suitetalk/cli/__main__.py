"""``python -m suitetalk.cli``: the same as the ``suitetalk`` command."""

from __future__ import annotations

from . import main

if __name__ == "__main__":
    main()
