"""The Scrapy item that flows through the pipelines.

The spider fills the response part (raw bytes and response info, nothing decoded); each
pipeline stage stores its output in the ``stages`` slot under its own name and the final record
in ``record``. Stages read only what earlier stages wrote, never the reverse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from newscrawl.model import ArticleRecord, Page


@dataclass
class PageItem:
    url: str
    body: bytes
    # None when no response came at all (see ``error``).
    status: int | None = 200
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: dt.datetime | None = None
    # Name of the configured source (sources TOML) the page was found through, if any.
    source: str | None = None
    # How it was found: {"via": "feed"|"sitemap"|"url", "from": feed/sitemap URL, "title": ..., "published": ...}
    discovery: dict[str, Any] = field(default_factory=dict)
    # Stage outputs, keyed by stage name ("decode", "extract", ...).
    stages: dict[str, Any] = field(default_factory=dict)
    record: ArticleRecord | None = None
    # The URL requested, when redirects ended at ``url``.
    requested_url: str | None = None
    # Why the download produced no page (timeout, http_status_503, data_loss, ...); the stages
    # skip such items and the store records a ``failed`` fetch with this reason.
    error: str | None = None

    def to_page(self) -> Page:
        return Page.build(self.url, self.body, self.headers, self.status, self.fetched_at)

    def export_dict(self) -> dict[str, Any]:
        """The page as a feed export writes it (newscrawl/crawl/exporters.py): the response
        facts and the normalized record, never the raw bytes. A page the stages did not reach
        (a failed download, a 304) has the response facts alone."""
        record = self.record.to_output() if self.record is not None else {}
        return {
            "url": self.url,
            "requested_url": self.requested_url,
            "status": self.status,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at is not None else None,
            "source": self.source,
            "discovery": dict(self.discovery),
            "error": self.error,
            **{key: value for key, value in record.items() if key != "url"},
        }
