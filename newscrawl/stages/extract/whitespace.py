"""Whitespace as a reader sees it: a run of spaces, tabs and line breaks is one space.

Shared by every reader of the page (metadata, body candidates, the page tree, flattened blocks),
so that a text compares equal whichever of them produced it.
"""

from __future__ import annotations

import re

#: A run of whitespace, read as one space.
WHITESPACE_RE = re.compile(r"\s+")


def collapsed(text: str) -> str:
    """``text`` with each run of whitespace made one space, stripped: what
    ``WHITESPACE_RE.sub(" ", text).strip()`` gives (``\\s`` in a pattern and ``str.split`` know the
    same whitespace characters), at a fraction of the cost. It runs on every text block of every
    page, where the pattern replaces each space between two words with a space."""
    return " ".join(text.split())


def normalized_text(text: str | None) -> str | None:
    """``text`` with each run of whitespace made one space, stripped; None when nothing is left."""
    return collapsed(text or "") or None
