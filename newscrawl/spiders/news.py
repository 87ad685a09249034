"""The ``news`` spider: discover article URLs from feeds and sitemaps, fetch each once.

Usage::

    scrapy crawl news -a sources=sources.toml
    scrapy crawl news -a feeds=http://a.example/rss.xml,http://b.example/atom.xml
    scrapy crawl news -a sitemaps=http://a.example/robots.txt

Flow: :meth:`NewsSpider.start` requests every feed and sitemap of every source. Feeds are parsed
with :func:`~newscrawl.discovery.parse_feed`; sitemaps with
:func:`~newscrawl.discovery.parse_sitemap` (indexes are followed, a ``robots.txt`` yields its
``Sitemap:`` lines, and a "sitemap" that turns out to be a feed is read as one). Each article
URL inside the source's allowed domains is requested once; every article response - including
404/410, so the store can record that a page is gone - becomes a :class:`~newscrawl.items.PageItem`
carrying the raw bytes. Decoding and extraction are the pipelines' business, not the spider's.

Dedup: the spider remembers the canonical form of every article URL it has scheduled, so a URL
listed in a feed *and* a sitemap is requested once and keeps the first discovery info; Scrapy's
request dupefilter (on by default, never bypassed here) is the backstop for everything else,
including sitemap-index loops.

Stats (``newscrawl/discovery/...``): ``feeds`` and ``sitemaps`` (documents parsed),
``article_urls`` (unique article URLs scheduled), ``duplicates`` (repeat sightings),
``offsite`` (links outside the source's domains, ignored), ``parse_errors`` (unusable or damaged
documents) and ``fetch_errors`` (feeds/sitemaps that answered with an error status).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.utils.url import url_is_from_any_domain
from w3lib.url import canonicalize_url

from newscrawl import discovery
from newscrawl.items import PageItem
from newscrawl.page import normalize_headers
from newscrawl.sources import Source, sources_from_args

logger = logging.getLogger(__name__)

STATS = "newscrawl/discovery"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _is_robots(url: str) -> bool:
    return urlsplit(url).path.rstrip("/").lower().endswith("/robots.txt")


class NewsSpider(scrapy.Spider):
    name = "news"
    # No allowed_domains: each source has its own, checked per link in _allowed() (one global
    # list would let source A's feed pull in source B's articles, and could not be counted).

    def __init__(self, sources: str | None = None, feeds: str | None = None,
                 sitemaps: str | None = None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Fail at start-up, with the file/entry named, rather than crawl nothing.
        self.sources: dict[str, Source] = {
            s.name: s for s in sources_from_args(sources=sources, feeds=feeds, sitemaps=sitemaps)}
        self._seen_articles: set[str] = set()

    # -------------------------------------------------------------- helpers

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"{STATS}/{key}", count)

    def _allowed(self, url: str, source: Source) -> bool:
        return url_is_from_any_domain(url, source.allowed_domains)

    def _discovery_request(self, url: str, source: Source, kind: str) -> scrapy.Request:
        callback = self.parse_feed if kind == "feed" else self.parse_sitemap
        return scrapy.Request(url, callback=callback, cb_kwargs={"source": source.name},
                              errback=self.discovery_failed)

    def _article_request(self, url: str, source: Source, info: dict[str, Any]):
        """A request for an article URL, or None if off-site or already scheduled."""
        if not self._allowed(url, source):
            self._inc("offsite")
            logger.debug("Off-site link ignored (source %r): %s", source.name, url)
            return None
        key = canonicalize_url(url, keep_fragments=False)
        if key in self._seen_articles:
            self._inc("duplicates")
            return None
        self._seen_articles.add(key)
        self._inc("article_urls")
        return scrapy.Request(url, callback=self.parse_article,
                              cb_kwargs={"source": source.name, "discovery": info})

    def _usable(self, response: Response, what: str) -> bool:
        # 404/410 reach callbacks (HTTPERROR_ALLOWED_CODES, for articles); a feed or sitemap
        # answering so has nothing to discover.
        if response.status != 200:
            self._inc("fetch_errors")
            logger.warning("%s %s answered HTTP %d; skipped", what, response.url, response.status)
            return False
        return True

    # -------------------------------------------------------------- callbacks

    async def start(self):
        for source in self.sources.values():
            for url in source.feeds:
                yield self._discovery_request(url, source, "feed")
            for url in source.sitemaps:
                yield self._discovery_request(url, source, "sitemap")

    def parse(self, response: Response, **kwargs: Any):
        # Not used: every request names its callback. Defined so a stray request is harmless.
        return None

    def parse_feed(self, response: Response, source: str):
        if not self._usable(response, "Feed"):
            return
        src = self.sources[source]
        entries = discovery.parse_feed(response.body, response.url)
        self._inc("feeds")
        if entries.error:
            self._inc("parse_errors")
            logger.warning("Feed %s: %s (%d entries)", response.url, entries.error, len(entries))
        for entry in entries:
            info = {"via": "feed", "from": response.url, "title": entry.title,
                    "published": _iso(entry.published or entry.updated)}
            if (request := self._article_request(entry.url, src, info)) is not None:
                yield request

    def parse_sitemap(self, response: Response, source: str):
        if not self._usable(response, "Sitemap"):
            return
        src = self.sources[source]
        if _is_robots(response.url):
            self._inc("sitemaps")
            urls = discovery.sitemaps_from_robots(response.body, response.url)
            if not urls:
                logger.warning("robots.txt %s lists no Sitemap: lines", response.url)
            yield from self._follow_sitemaps(urls, src)
            return
        doc = discovery.parse_sitemap(response.body, response.url)
        if doc.kind is None and discovery.parse_feed(response.body, response.url).kind is not None:
            # Google accepts RSS/Atom as sitemaps, so publishers list them as such.
            yield from self.parse_feed(response, source)
            return
        self._inc("sitemaps")
        if doc.error:
            self._inc("parse_errors")
            logger.warning("Sitemap %s: %s (%d entries)", response.url, doc.error, len(doc.entries))
        if doc.kind == "sitemapindex":
            yield from self._follow_sitemaps(doc.urls, src)
            return
        for entry in doc.entries:
            info = {"via": "sitemap", "from": response.url, "title": entry.news_title,
                    "published": _iso(entry.news_published or entry.lastmod)}
            if (request := self._article_request(entry.loc, src, info)) is not None:
                yield request

    def _follow_sitemaps(self, urls: list[str], source: Source):
        for url in urls:
            # Child sitemaps stay within the source's domains too (add others via `domains`).
            if not self._allowed(url, source):
                self._inc("offsite")
                logger.info("Off-site sitemap ignored (source %r): %s", source.name, url)
                continue
            yield self._discovery_request(url, source, "sitemap")

    def parse_article(self, response: Response, source: str, discovery: dict[str, Any]):
        # Raw bytes and response info only: decoding is the DecodePipeline's job. A 404/410
        # still becomes an item (status kept) so the store can record the page as gone.
        yield PageItem(
            url=response.url,
            body=response.body,
            status=response.status,
            headers=normalize_headers(response.headers.items()),
            fetched_at=dt.datetime.now(dt.UTC),
            source=source,
            discovery=dict(discovery),
        )

    def discovery_failed(self, failure):
        self._inc("fetch_errors")
        logger.warning("Discovery request failed: %s", failure.getErrorMessage() if hasattr(
            failure, "getErrorMessage") else failure)
