"""The input of every stage: one downloaded page, exactly as it came off the wire.

A :class:`Page` holds the raw body bytes and the response info (URL, status, headers, time of
fetch). Nothing here is decoded or interpreted: the decode stage is the first to look inside the
bytes. Scrapy responses, saved fixture cases and ``newscrawl ingest`` files all become a ``Page``
so that the stages never depend on where a page came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit


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
