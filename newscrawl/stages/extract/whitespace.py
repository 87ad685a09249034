"""Whitespace as a reader sees it: a run of spaces, tabs and line breaks is one space.

Shared by every reader of the page (metadata, body candidates, the page tree, flattened blocks),
so that a text compares equal whichever of them produced it.
"""

from __future__ import annotations

import re

#: A run of whitespace, read as one space.
WHITESPACE_RE = re.compile(r"\s+")


def normalized_text(text: str | None) -> str | None:
    """``text`` with each run of whitespace made one space, stripped; None when nothing is left."""
    text = WHITESPACE_RE.sub(" ", text or "").strip()
    return text or None
