"""The data that flows through newscrawl: a page in, blocks between the stages, a record out.

* :class:`Page` - one downloaded page exactly as it came off the wire: raw body bytes and the
  response info (URL, status, headers, time of fetch). Scrapy responses, saved fixture cases,
  ``newscrawl ingest`` files all become a ``Page``, so the stages never depend on where a page
  came from; decode is the first stage to look inside the bytes.
* :class:`Block` - one paragraph, heading, list, quote or table of an article, as extracted, with
  what later stages need to judge it without going back to the HTML (the kind of element, how
  much of its text was link text: a paragraph that is all link is an inline related headline).
* :class:`ArticleMetadata` - what a page says about its article besides the text (title, dates
  with their sources, authors, canonical URL, site name, section): the one list of those fields,
  which the extract stage's result and the record both build on.
* :class:`ArticleRecord` - what the stages produce for one page. Every stage adds its part and
  nothing reaches back: decode sets ``encoding*``, extract the text and metadata, repair,
  language and clean rewrite ``body`` and append :class:`Repair` entries, fingerprint sets
  :class:`Fingerprint`. The store turns a record into a story version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit


# --- the page ---------------------------------------------------------------------------------

def site_of(url: str) -> str:
    """The site a URL belongs to: its host, lower-cased, without a leading ``www.`` (a site
    serves the same articles with and without it, and analysts count it as one site)."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def normalize_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
) -> dict[str, str]:
    """Header names lower-cased, repeated headers joined by ``", "`` (RFC 9110 field combination).

    Values that arrive as bytes (Scrapy keeps them so) are decoded as latin-1, the only lossless
    choice for arbitrary header bytes.
    """
    if headers is None:
        return {}
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in items:
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, bytes):
                v = v.decode("latin-1")
            key = name.strip().lower()
            out[key] = f"{out[key]}, {v}" if key in out else str(v)
    return out


@dataclass(frozen=True, slots=True)
class Page:
    """One fetched (or saved) page: raw bytes plus response info."""

    url: str
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: dt.datetime | None = None

    @classmethod
    def build(
        cls,
        url: str,
        body: bytes,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        status: int = 200,
        fetched_at: dt.datetime | None = None,
    ) -> Page:
        return cls(
            url=url,
            body=bytes(body),
            status=int(status),
            headers=normalize_headers(headers),
            fetched_at=fetched_at,
        )

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


# --- blocks -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Block:
    text: str
    #: p | head | list | quote | table | code
    kind: str = "p"
    #: Share of the text's characters that were inside links (0..1).
    link_ratio: float = 0.0

    def with_text(self, text: str) -> Block:
        return Block(text, self.kind, self.link_ratio)


# --- the record -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Repair:
    """One thing a stage repaired or removed, kept on the version so analysts can audit it.

    ``stage`` names the stage (decode, repair, language, clean; ``store`` for what the store
    removed on the way in), ``kind`` what was done
    (e.g. ``mojibake``, ``lost_byte_dash``, ``ad_marker``, ``foreign_chrome``), ``count`` how many
    times, and ``examples`` up to a few short samples of the text affected (before the change).
    """

    stage: str
    kind: str
    count: int = 1
    examples: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "kind": self.kind, "count": self.count,
                "examples": list(self.examples)}


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Text identity of a body (see :mod:`newscrawl.stages.fingerprint`).

    ``body_hash``: SHA-256 of the normalized body (two bodies that differ only in whitespace,
    case or punctuation share it). ``bands``: one LSH band hash per band of the MinHash signature,
    what the store indexes to find candidate stories without scanning them all.
    """

    body_hash: str
    bands: tuple[int, ...]


@dataclass(slots=True, kw_only=True)
class ArticleMetadata:
    """What a page says about its article besides the text, each date with where it came from.

    The one list of these fields: :class:`~newscrawl.stages.extract.Extracted` (what the extract
    stage reads) and :class:`ArticleRecord` (what is kept) both build on it, and the extract step
    passes them on with :meth:`metadata_values`. Keyword-only, so that a class built on it keeps
    its own positional fields.
    """

    title: str | None = None
    published_at: dt.datetime | None = None
    #: Where ``published_at`` came from: ``json-ld``, ``meta:<name>`` or ``htmldate``.
    published_source: str | None = None
    modified_at: dt.datetime | None = None
    #: Where ``modified_at`` came from: ``json-ld`` or ``meta:<name>``.
    modified_source: str | None = None
    authors: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    site_name: str | None = None
    section: str | None = None

    def metadata_values(self) -> dict[str, Any]:
        """The :class:`ArticleMetadata` fields by name (lists copied, never shared)."""
        return {name: _copied(getattr(self, name)) for name in METADATA_FIELDS}


#: The names of :class:`ArticleMetadata`'s fields, in order.
METADATA_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ArticleMetadata))


def _copied(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


@dataclass(slots=True)
class ArticleRecord(ArticleMetadata):
    """What the stages produce for one page (see the module docstring); the metadata fields come
    from :class:`ArticleMetadata` and are passed by keyword."""

    url: str
    site: str
    body: str = ""
    language: str | None = None
    language_confidence: float | None = None
    chrome_languages: list[str] = field(default_factory=list)
    encoding: str | None = None
    encoding_source: str | None = None
    encoding_conflict: str | None = None
    #: Wire services / original publishers credited: [{"name": ..., "evidence": ...}].
    wire: list[dict[str, str]] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    fingerprint: Fingerprint | None = None
    # Why this page is not stored as a story version (empty body, not HTML, ...); None for an article.
    skip_reason: str | None = None

    @property
    def is_article(self) -> bool:
        return self.skip_reason is None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["repairs"] = [r.to_dict() for r in self.repairs]
        for key in ("published_at", "modified_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        if self.fingerprint is not None:
            data["fingerprint"] = {"body_hash": self.fingerprint.body_hash,
                                   "bands": list(self.fingerprint.bands)}
        return data

    def to_output(self) -> dict[str, Any]:
        """The record as the commands and feed exports write it: :meth:`to_dict` with the
        fingerprint reduced to its body hash (the LSH bands are the store's index, not data)."""
        data = self.to_dict()
        if self.fingerprint is not None:
            data["fingerprint"] = {"body_hash": self.fingerprint.body_hash}
        return data
