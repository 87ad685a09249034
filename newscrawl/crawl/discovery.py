"""Finding article URLs: pure parsers for feeds, sitemaps and robots.txt.

Everything takes the raw response bytes plus the URL they came from (for relative links) and
returns plain data; nothing here touches the network or Scrapy, so the spider stays a thin
driver and these can be tested on bytes.

Parsing is deliberately forgiving and deliberately safe:

* lxml with ``recover=True`` salvages what it can from broken XML (real feeds are often
  truncated or contain stray HTML entities); the parser's complaints are reported in ``error``.
* No entity expansion, no DTD loading, no network, no huge trees: a hostile feed can neither
  read local files (XXE) nor blow up memory (billion laughs).
* A document that cannot be used at all (not XML, wrong root element, bad gzip) gives an empty
  result plus an ``error`` string - never an exception - so one bad feed never stops a crawl.
* Elements are matched by *local name*, ignoring namespaces: feeds in the wild mix up RSS 0.9x,
  RSS 1.0 and Atom namespaces, and the local names are unambiguous within each format.

Dates become timezone-aware datetimes (UTC assumed when the feed gives no offset) or ``None``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

__all__ = [
    "FeedEntries",
    "FeedEntry",
    "SitemapDoc",
    "SitemapEntry",
    "parse_date",
    "parse_feed",
    "parse_sitemap",
    "sitemaps_from_robots",
    "sniff_kind",
]

# The sitemap protocol caps an uncompressed sitemap at 50 MB; a little slack on top.
MAX_UNCOMPRESSED = 64 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item of an RSS/Atom feed."""

    url: str
    title: str | None = None
    published: dt.datetime | None = None
    updated: dt.datetime | None = None


class FeedEntries(list):
    """The entries of a feed: a plain ``list[FeedEntry]`` plus what kind of feed it was
    (``'rss'``, ``'rdf'``, ``'atom'`` or ``None``) and the parse ``error`` (``None`` if clean).

    A list subclass so callers that only want the entries can treat it as a list.
    """

    def __init__(self, entries=(), kind: str | None = None, error: str | None = None):
        super().__init__(entries)
        self.kind = kind
        self.error = error

    def __repr__(self) -> str:
        return f"FeedEntries({list.__repr__(self)}, kind={self.kind!r}, error={self.error!r})"


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One ``<url>`` (of a urlset) or ``<sitemap>`` (of an index).

    ``news_title`` / ``news_published`` come from the Google News extension
    (``<news:news><news:title>``, ``<news:publication_date>``) when present.
    """

    loc: str
    lastmod: dt.datetime | None = None
    news_title: str | None = None
    news_published: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class SitemapDoc:
    """A parsed sitemap: ``kind`` is ``'urlset'``, ``'sitemapindex'`` or ``None`` (unusable)."""

    kind: str | None
    entries: tuple[SitemapEntry, ...] = ()
    error: str | None = None

    @property
    def urls(self) -> list[str]:
        return [e.loc for e in self.entries]


# ---------------------------------------------------------------------------- helpers

def _parser() -> etree.XMLParser:
    # A fresh parser per document: its error_log is per-parser, and parsers are not thread-safe.
    return etree.XMLParser(
        recover=True,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _gunzip(body: bytes, max_size: int | None = None) -> bytes:
    """Decompress gzip with a size cap (a gzip bomb raises ValueError instead of eating RAM)."""
    max_size = MAX_UNCOMPRESSED if max_size is None else max_size
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(body, max_size + 1)
    if len(out) > max_size or d.unconsumed_tail:
        raise ValueError(f"decompressed size exceeds {max_size} bytes")
    return out


def _parse_xml(body: bytes) -> tuple[etree._Element | None, str | None]:
    """Parse bytes (gunzipping if needed); return (root or None, error text or None)."""
    if not body:
        return None, "empty document"
    if body[:2] == _GZIP_MAGIC:
        try:
            body = _gunzip(body)
        except (zlib.error, ValueError, EOFError) as e:
            return None, f"bad gzip data: {e}"
    # Whitespace before the XML declaration is a fatal error for libxml2 and common in the wild,
    # also after a UTF-8 byte order mark (which says no more than the default encoding).
    body = body.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    parser = _parser()
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as e:  # recover=True still raises on some hopeless inputs
        return None, f"XML syntax error: {e}"
    except (ValueError, TypeError) as e:
        return None, f"unparseable document: {e}"
    errors = [err for err in parser.error_log if err.level >= etree.ErrorLevels.ERROR]
    detail = f"line {errors[0].line}: {errors[0].message.strip()}" if errors else None
    if root is None:
        return None, f"not an XML document ({detail})" if detail else "not an XML document"
    return root, f"XML error (recovered what was readable): {detail}" if detail else None


def _local(el) -> str:
    tag = el.tag
    if not isinstance(tag, str):  # comments, PIs, entity references
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _children(el, name: str):
    return [c for c in el if _local(c) == name]


def _child(el, name: str):
    for c in el:
        if _local(c) == name:
            return c
    return None


def _text(el) -> str | None:
    if el is None:
        return None
    text = "".join(t for t in el.itertext() if isinstance(t, str))
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


def _child_text(el, *names: str) -> str | None:
    """Text of the first child (by local name, in ``names`` order) that has any text.

    Looking past empty matches matters: RSS items often carry an empty ``<atom:link/>`` next
    to the real ``<link>``.
    """
    for name in names:
        for c in _children(el, name):
            t = _text(c)
            if t:
                return t
    return None


_JUNK_IN_URL = re.compile("[\x00-\x1f\x7f\ufffd]")


def _abs_url(href: str | None, base: str) -> str | None:
    if not href:
        return None
    href = href.strip()
    if _JUNK_IN_URL.search(href):
        # Control characters or U+FFFD: bytes of a damaged document that the forgiving parser
        # read as text, not a link anyone published.
        return None
    url = urljoin(base, href) if base else href
    # Only web links are article candidates (no mailto:, javascript:, relative junk w/o base).
    return url if urlsplit(url).scheme in ("http", "https") else None


_W3C_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def parse_date(value: str | None) -> dt.datetime | None:
    """RFC 822 (RSS) or ISO 8601/W3C (Atom, sitemaps) date -> aware datetime, else ``None``.

    Dates without an offset are taken as UTC: the protocols say they should carry one, and a
    consistent guess beats dropping the date.
    """
    if not value:
        return None
    value = value.strip()
    if not value:
        return None
    parsed: dt.datetime | None = None
    if _W3C_DATE.match(value):  # "2024", "2024-05", "2024-05-06"
        parts = [int(p) for p in value.split("-")] + [1, 1]
        try:
            parsed = dt.datetime(parts[0], parts[1], parts[2])
        except ValueError:
            return None
    else:
        iso = value.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", value) else value
        try:
            parsed = dt.datetime.fromisoformat(iso)
        except ValueError:
            try:
                parsed = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


# ---------------------------------------------------------------------------- feeds

def sniff_kind(root) -> str | None:
    """Kind of an XML document by root element: rss, rdf, atom, urlset, sitemapindex or None."""
    name = _local(root)
    return {"rss": "rss", "rdf": "rdf", "feed": "atom", "urlset": "urlset",
            "sitemapindex": "sitemapindex"}.get(name)


def _rss_item(item, base: str) -> FeedEntry | None:
    url = _abs_url(_child_text(item, "link"), base)
    if url is None:
        # RSS allows items without <link>; a permalink guid is the article URL then.
        guid = _child(item, "guid")
        if guid is not None and (guid.get("isPermaLink") or "true").lower() != "false":
            url = _abs_url(_text(guid), base)
    if url is None:
        return None
    published = parse_date(_child_text(item, "pubdate", "date", "published", "issued"))
    updated = parse_date(_child_text(item, "updated", "modified"))
    return FeedEntry(url=url, title=_child_text(item, "title"), published=published, updated=updated)


def _atom_entry(entry, base: str) -> FeedEntry | None:
    # xml:base on the entry (or inherited) overrides the response URL for relative hrefs.
    entry_base = entry.base or base
    href = None
    for link in _children(entry, "link"):
        rel = (link.get("rel") or "alternate").strip().lower()
        if rel == "alternate" and (link.get("type") or "text/html").lower() in (
                "text/html", "application/xhtml+xml"):
            href = link.get("href")
            break
        if rel == "alternate" and href is None:
            href = link.get("href")
    url = _abs_url(href, entry_base)
    if url is None:
        return None
    return FeedEntry(
        url=url,
        title=_child_text(entry, "title"),
        published=parse_date(_child_text(entry, "published", "issued", "created")),
        updated=parse_date(_child_text(entry, "updated", "modified")),
    )


def parse_feed(body: bytes, base_url: str = "") -> FeedEntries:
    """Entries of an RSS 2.0 / RSS 0.9x, RSS 1.0 (RDF) or Atom feed, in document order.

    Returns :class:`FeedEntries` (a list) whose ``error`` says why it is empty or what was
    recovered from; entries without a usable http(s) link are skipped.
    """
    root, error = _parse_xml(body)
    if root is None:
        return FeedEntries(error=error)
    kind = sniff_kind(root)
    if kind == "rss":
        channel = _child(root, "channel")
        # Items normally sit in <channel>; some feeds put them at the top level.
        items = _children(channel, "item") if channel is not None else []
        items = items or _children(root, "item")
        entries = [_rss_item(i, base_url) for i in items]
    elif kind == "rdf":
        entries = [_rss_item(i, base_url) for i in _children(root, "item")]
    elif kind == "atom":
        base = root.base or base_url
        entries = [_atom_entry(e, base) for e in _children(root, "entry")]
    else:
        return FeedEntries(error=f"not a feed: root element <{_local(root) or '?'}>")
    return FeedEntries([e for e in entries if e is not None], kind=kind, error=error)


# ---------------------------------------------------------------------------- sitemaps

def _sitemap_entry(el, base: str) -> SitemapEntry | None:
    loc = _abs_url(_child_text(el, "loc"), base)
    if loc is None:
        return None
    news = _child(el, "news")
    return SitemapEntry(
        loc=loc,
        lastmod=parse_date(_child_text(el, "lastmod")),
        news_title=_child_text(news, "title") if news is not None else None,
        news_published=parse_date(_child_text(news, "publication_date")) if news is not None else None,
    )


def parse_sitemap(body: bytes, base_url: str = "") -> SitemapDoc:
    """A sitemap (``<urlset>``) or sitemap index (``<sitemapindex>``), plain or gzip'ed.

    ``loc`` values are resolved against ``base_url`` (the protocol wants absolute URLs; being
    lenient costs nothing). Anything else gives ``SitemapDoc(kind=None, error=...)``.
    """
    root, error = _parse_xml(body)
    if root is None:
        return SitemapDoc(kind=None, error=error)
    kind = sniff_kind(root)
    if kind not in ("urlset", "sitemapindex"):
        return SitemapDoc(kind=None, error=f"not a sitemap: root element <{_local(root) or '?'}>")
    child = "url" if kind == "urlset" else "sitemap"
    entries: dict[str, SitemapEntry] = {}
    for el in _children(root, child):
        entry = _sitemap_entry(el, base_url)
        # Drop repeats (first one wins) but keep document order.
        if entry is not None and entry.loc not in entries:
            entries[entry.loc] = entry
    return SitemapDoc(kind=kind, entries=tuple(entries.values()), error=error)


def sitemaps_from_robots(body: bytes, base_url: str = "") -> list[str]:
    """``Sitemap:`` URLs of a robots.txt (any case, anywhere in the file; relative ones resolved)."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body)
    out: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == "sitemap":
            url = _abs_url(value.strip(), base_url)
            if url and url not in out:
                out.append(url)
    return out
