"""What the stages produce: the normalized record of one page.

Every stage adds its part and nothing reaches back: decode sets ``encoding*``, extract sets the
text and metadata, repair/language/clean rewrite ``body`` and append to ``repairs``, fingerprint
sets ``fingerprint``. :func:`newscrawl.process_page` returns an :class:`ArticleRecord`; the store
turns it into a story version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Repair:
    """One thing a stage repaired or removed, kept on the version so analysts can audit it.

    ``stage`` names the stage (decode, repair, language, clean), ``kind`` what was done
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
    """Text identity of a body (see :mod:`newscrawl.fingerprint`).

    ``body_hash``: SHA-256 of the normalized body (two bodies that differ only in whitespace,
    case or punctuation share it). ``bands``: one LSH band hash per band of the MinHash signature,
    what the store indexes to find candidate stories without scanning them all.
    """

    body_hash: str
    bands: tuple[int, ...]


@dataclass(slots=True)
class ArticleRecord:
    url: str
    site: str
    title: str | None = None
    body: str = ""
    language: str | None = None
    language_confidence: float | None = None
    chrome_languages: list[str] = field(default_factory=list)
    encoding: str | None = None
    encoding_source: str | None = None
    encoding_conflict: str | None = None
    published_at: dt.datetime | None = None
    published_source: str | None = None
    modified_at: dt.datetime | None = None
    modified_source: str | None = None
    authors: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    site_name: str | None = None
    section: str | None = None
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
