"""What changed between two versions of a story, as data a page (or a JSON reader) can draw.

Paragraph by paragraph, like ``newscrawl story KEY --diff``: kept, only in A, only in B, and
changed paragraphs with their words marked, so a spun copy reads as its word swaps.
"""

from __future__ import annotations

from difflib import SequenceMatcher

#: Two paragraphs at the same place are one paragraph edited (shown word by word) when at least
#: this share of their words match; below it they are shown as one removed and one added.
SAME_PARAGRAPH = 0.5


def paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split("\n") if p.strip()]


def word_changes(a: str, b: str) -> list[dict[str, str]]:
    """``a`` to ``b`` as runs of words: ``{"op": "equal"|"delete"|"insert", "text": ...}``."""
    wa, wb = a.split(), b.split()
    out: list[dict[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op == "equal":
            out.append({"op": "equal", "text": " ".join(wa[i1:i2])})
            continue
        if i2 > i1:
            out.append({"op": "delete", "text": " ".join(wa[i1:i2])})
        if j2 > j1:
            out.append({"op": "insert", "text": " ".join(wb[j1:j2])})
    return out


def text_changes(a: str | None, b: str | None) -> list[dict]:
    """Paragraphs of ``a`` to ``b``: ``{"op": "equal"|"delete"|"insert", "text"}`` or
    ``{"op": "change", "words": word_changes(...)}``."""
    pa, pb = paragraphs(a), paragraphs(b)
    out: list[dict] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, pa, pb, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend({"op": "equal", "text": p} for p in pa[i1:i2])
            continue
        old, new = pa[i1:i2], pb[j1:j2]
        paired = min(len(old), len(new)) if op == "replace" else 0
        for p, q in zip(old[:paired], new[:paired]):
            if SequenceMatcher(None, p.split(), q.split(), autojunk=False).ratio() >= SAME_PARAGRAPH:
                out.append({"op": "change", "words": word_changes(p, q)})
            else:
                out.extend([{"op": "delete", "text": p}, {"op": "insert", "text": q}])
        out.extend({"op": "delete", "text": p} for p in old[paired:])
        out.extend({"op": "insert", "text": q} for q in new[paired:])
    return out


__all__ = ["SAME_PARAGRAPH", "paragraphs", "text_changes", "word_changes"]
