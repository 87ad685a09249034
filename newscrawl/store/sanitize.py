"""Text the databases can hold, the same in SQLite and PostgreSQL: control characters out.

PostgreSQL refuses a NUL character in a text column and ``\\u0000`` in a JSONB value, where
SQLite stores both; neither driver can encode a lone surrogate (``"\\ud83d"``: half an emoji
escape in a page's JSON-LD) as UTF-8. So that a page stores the same in both, and is never
refused for such a character, every text the store writes passes :func:`clean_text` on its
way in: C0 and C1 control characters (Unicode category Cc) are removed except tab and line
feed, a carriage return becomes a line feed, and a lone surrogate becomes U+FFFD (the mark of
lost text, as the decode stage uses it).

This is done where a record enters the store (:func:`clean_record`, called by
``store_page`` and ``store_text``) rather than as a last stage, because every writer passes
the store and not every one passes the stages - a record built by hand, a reprocessed page -
and because the store also writes what is not in the record and may hold the same characters:
the URL of a saved response, response headers, a download's error text. What the stages
return (``process_page``) stays what the page said; what the store keeps is what both
databases can hold. A record whose text was changed keeps a :class:`~newscrawl.model.Repair`
(stage ``store``, kind ``control_chars``) with the count and a few examples, the removed
characters shown as ``<U+0000>``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from newscrawl.model import ArticleRecord, Repair

#: Category Cc but tab and line feed, and lone surrogates.
_UNWANTED_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
#: Characters of an example kept on each side of the first removed character.
EXAMPLE_CONTEXT = 20
#: Examples kept on the repair (as the stages keep a few).
MAX_EXAMPLES = 3


def _replacement(match: re.Match[str]) -> str:
    char = match.group(0)
    if char == "\r":
        return "\n"
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"
    return ""


def clean_text(text: str) -> str:
    """``text`` without the characters the databases cannot hold alike (module docstring)."""
    if not _UNWANTED_RE.search(text):
        return text
    return _UNWANTED_RE.sub(_replacement, text.replace("\r\n", "\n"))


def _shown(text: str) -> str:
    """``text`` with its unwanted characters written out (``<U+0000>``): an example to store."""
    return _UNWANTED_RE.sub(lambda m: f"<U+{ord(m.group(0)):04X}>", text)


def clean_value(value: Any) -> Any:
    """Strings, and the strings inside lists and dicts (JSON columns), cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        return type(value)(clean_value(v) for v in value)
    if isinstance(value, Mapping):
        return {clean_text(k) if isinstance(k, str) else k: clean_value(v) for k, v in value.items()}
    return value


def clean_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return clean_value(dict(headers))


def _count(value: Any) -> tuple[int, list[str]]:
    """(unwanted characters in ``value``'s strings, examples of where they are)."""
    if isinstance(value, str):
        found = list(_UNWANTED_RE.finditer(value))
        if not found:
            return 0, []
        start = found[0].start()
        example = _shown(value[max(0, start - EXAMPLE_CONTEXT):start + EXAMPLE_CONTEXT + 1])
        return len(found), [example]
    if isinstance(value, list | tuple):
        total, examples = 0, []
        for v in value:
            n, ex = _count(v)
            total, examples = total + n, examples + ex
        return total, examples
    if isinstance(value, Mapping):
        return _count(list(value.keys()) + list(value.values()))
    return 0, []


#: Record fields that never hold page text (numbers, the fingerprint, the repairs themselves).
_NOT_TEXT = frozenset({"fingerprint", "repairs", "language_confidence", "published_at", "modified_at"})


def clean_record(record: ArticleRecord) -> ArticleRecord:
    """``record``, or when a text of it holds characters :func:`clean_text` removes, a copy with
    every text cleaned, a ``store``/``control_chars`` repair added and the fingerprint dropped
    if the body changed (the store computes it again, so ``body_hash`` is that of the body
    stored). The record given is never changed."""
    changes: dict[str, Any] = {}
    count, examples = 0, []
    for field in dataclasses.fields(record):
        if field.name in _NOT_TEXT:
            continue
        value = getattr(record, field.name)
        n, ex = _count(value)
        if n:
            changes[field.name] = clean_value(value)
            count, examples = count + n, examples + ex
    repairs = [Repair(r.stage, r.kind, r.count, tuple(clean_text(e) for e in r.examples))
               for r in record.repairs]
    if repairs != record.repairs:
        changes["repairs"] = repairs
    if not changes:
        return record
    if count:
        changes["repairs"] = [*changes.get("repairs", record.repairs),
                              Repair("store", "control_chars", count, tuple(examples[:MAX_EXAMPLES]))]
    if "body" in changes:
        changes["fingerprint"] = None
    return dataclasses.replace(record, **changes)


__all__ = ["clean_headers", "clean_record", "clean_text", "clean_value"]
