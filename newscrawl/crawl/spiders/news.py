"""The ``news`` spider: discover article URLs from feeds and sitemaps, fetch each once.

Usage::

    scrapy crawl news -a sources=sources.toml
    scrapy crawl news -a feeds=http://a.example/rss.xml,http://b.example/atom.xml
    scrapy crawl news -a sitemaps=http://a.example/robots.txt

Flow: :meth:`NewsSpider.start` requests every feed and sitemap of every source. Feeds are parsed
with :func:`~newscrawl.crawl.discovery.parse_feed`; sitemaps with
:func:`~newscrawl.crawl.discovery.parse_sitemap` (indexes are followed, a ``robots.txt`` yields its
``Sitemap:`` lines, and a "sitemap" that turns out to be a feed is read as one). Each article
URL inside the source's allowed domains is requested once; every article response - including
404/410, so the store can record that a page is gone - becomes a :class:`~newscrawl.crawl.items.PageItem`
carrying the raw bytes. Decoding and extraction are the pipelines' business, not the spider's.

Dedup: the spider remembers the canonical form of every article URL it has scheduled, so a URL
listed in a feed *and* a sitemap is requested once and keeps the first discovery info; the
request dupefilter (never bypassed here) is the backstop for everything else, including
sitemap-index loops. Both remember one run only, also with ``JOBDIR``
(:mod:`newscrawl.crawl.jobdir`): every run reads the feeds and sitemaps again, and the fetch
history decides which listed articles to request (:mod:`newscrawl.crawl.incremental`).

Off-site: a link is followed when :func:`~newscrawl.crawl.sources.url_in_domains` puts it on
one of its source's allowed domains (host names, and the port where the source names one).

Stats (``newscrawl/discovery/...``): ``feeds`` and ``sitemaps`` (documents parsed),
``article_urls`` (unique article URLs scheduled), ``resumed`` (of those, the ones an earlier
run listed and never fetched: the ``listings`` table, see :mod:`newscrawl.crawl.incremental`),
``duplicates`` (repeat sightings),
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
from w3lib.url import canonicalize_url

from newscrawl.crawl import discovery
from newscrawl.crawl.faults import failure_reason
from newscrawl.crawl.incremental import META_KEY, IncrementalMiddleware
from newscrawl.crawl.items import PageItem
from newscrawl.model import normalize_headers
from newscrawl.crawl.sources import Source, sources_from_args, url_in_domains
from newscrawl.store.listings import Listed

logger = logging.getLogger(__name__)


class SpiderArgumentError(ValueError):
    """Bad spider arguments (a sources file that cannot be read, an unknown key, a feed that is
    not a URL); :meth:`NewsSpider.from_crawler` logs it as one line."""


class _ReportedStartError(logging.Filter):
    """Drops asyncio's "Task exception was never retrieved" report of a
    :class:`SpiderArgumentError`: Scrapy's crawler task re-raises the spider's start-up error
    for asyncio to log, which prints two tracebacks under a message already logged as one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], SpiderArgumentError))

STATS = "newscrawl/discovery"
FETCH_STATS = "newscrawl/fetch"


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
        try:
            listed = sources_from_args(sources=sources, feeds=feeds, sitemaps=sitemaps)
        except ValueError as exc:
            raise SpiderArgumentError(str(exc)) from None
        self.sources: dict[str, Source] = {s.name: s for s in listed}
        # Canonical article URL -> the incremental info of its scheduled request (see below).
        self._seen_articles: dict[str, dict[str, Any]] = {}
        # Article URLs listed by the document being parsed, for the listings table.
        self._listed: list[Listed] = []

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        try:
            return super().from_crawler(crawler, *args, **kwargs)
        except SpiderArgumentError as exc:
            # Scrapy then ends with exit status 1 and nothing crawled ("bootstrap failed").
            logger.error("%s", exc)
            asyncio_log = logging.getLogger("asyncio")
            if not any(isinstance(f, _ReportedStartError) for f in asyncio_log.filters):
                asyncio_log.addFilter(_ReportedStartError())
            raise

    @property
    def crawl_identity(self) -> str:
        """What makes two runs "the same crawl" for the overlap lock (newscrawl/crawl/run.py)."""
        return repr(sorted((s.name, s.feeds, s.sitemaps) for s in self.sources.values()))

    # -------------------------------------------------------------- helpers

    def _inc(self, key: str, count: int = 1, stats: str = STATS) -> None:
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"{stats}/{key}", count)

    def _allowed(self, url: str, source: Source) -> bool:
        return url_in_domains(url, source.allowed_domains)

    def allows(self, url: str, source: str) -> bool:
        """Whether ``url`` lies inside the allowed domains of the source named ``source``.

        Asked for every redirect and meta-refresh hop (newscrawl/crawl/safety.py)."""
        src = self.sources.get(source)
        return src is not None and self._allowed(url, src)

    def _discovery_request(self, url: str, source: Source, kind: str) -> scrapy.Request:
        callback = self.parse_feed if kind == "feed" else self.parse_sitemap
        return scrapy.Request(url, callback=callback, cb_kwargs={"source": source.name},
                              errback=self.discovery_failed)

    def _article_request(self, url: str, source: Source, info: dict[str, Any],
                         updated: dt.datetime | None = None, *, resumed: bool = False):
        """A request for an article URL, or None if off-site or already scheduled.

        ``updated`` is the entry's modification date (Atom ``updated``, sitemap ``lastmod``):
        the incremental middleware requests a known URL at once when it is newer than the last
        download. ``resumed``: the URL comes from the listings an earlier run left (not listed
        again by this run, so not recorded again).
        """
        if not self._allowed(url, source):
            self._inc("offsite")
            logger.debug("Off-site link ignored (source %r): %s", source.name, url)
            return None
        key = canonicalize_url(url, keep_fragments=False)
        if (scheduled := self._seen_articles.get(key)) is not None:
            self._inc("duplicates")
            # A later sighting (the sitemap after the feed) may be the one that says "updated".
            # The scheduled request shares this dict until it is decided, so the newest date
            # still counts; a request already on disk (JOBDIR) keeps the first one.
            newer = _iso(updated)
            if newer and (scheduled["updated"] is None or
                          discovery.parse_date(scheduled["updated"]) < updated):
                scheduled["updated"] = newer
            return None
        incremental = {"updated": _iso(updated), "published": info.get("published")}
        self._seen_articles[key] = incremental
        self._inc("article_urls")
        if not resumed:
            self._listed.append(Listed(url, source.name, dt.datetime.now(dt.UTC),
                                       {**info, "updated": _iso(updated)}))
        return scrapy.Request(url, callback=self.parse_article, errback=self.article_failed,
                              cb_kwargs={"source": source.name, "discovery": info},
                              meta={META_KEY: incremental})

    def _usable(self, response: Response, what: str) -> bool:
        # 404/410 reach callbacks (HTTPERROR_ALLOWED_CODES, for articles); a feed or sitemap
        # answering so has nothing to discover.
        if response.status != 200:
            self._inc("fetch_errors")
            logger.warning("%s %s answered HTTP %d; skipped", what, response.url, response.status)
            return False
        return True

    # -------------------------------------------------------------- callbacks

    def _revisits(self) -> IncrementalMiddleware | None:
        """The incremental middleware, keeper of the listings (None: no store, or it is off)."""
        if getattr(self, "crawler", None) is None:
            return None
        try:
            return self.crawler.get_downloader_middleware(IncrementalMiddleware)
        except RuntimeError:  # no engine: the spider runs outside a crawl (tests)
            return None

    def _record_listed(self) -> None:
        listed, self._listed = self._listed, []
        revisits = self._revisits()
        if listed and revisits is not None:
            revisits.record_listed(listed)

    async def start(self):
        for source in self.sources.values():
            for url in source.feeds:
                yield self._discovery_request(url, source, "feed")
            for url in source.sitemaps:
                yield self._discovery_request(url, source, "sitemap")
        # What earlier runs listed and never fetched (a run killed mid-way): requested again,
        # whether or not the feeds still list it (newscrawl/store/listings.py). The incremental
        # middleware decides about each as about any listed URL.
        revisits = self._revisits()
        if revisits is None:
            return
        for listed in await revisits.pending_listings():
            source = self.sources.get(listed.source or "")
            if source is None:  # its source is no longer configured
                continue
            info = {k: v for k, v in listed.discovery.items() if k != "updated"}
            request = self._article_request(listed.url, source, info,
                                            discovery.parse_date(listed.discovery.get("updated")),
                                            resumed=True)
            if request is not None:
                self._inc("resumed")
                yield request

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
            if (request := self._article_request(entry.url, src, info, entry.updated)) is not None:
                yield request
        self._record_listed()

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
            if (request := self._article_request(entry.loc, src, info, entry.lastmod)) is not None:
                yield request
        self._record_listed()

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
        # still becomes an item (status kept) so the store can record the page as gone; a 304
        # (the incremental middleware asked conditionally) so it can record "unchanged".
        if response.status == 304:
            self._inc("not_modified", stats=FETCH_STATS)
        request = response.request  # None for a response built by hand (tests)
        redirects = (request.meta.get("redirect_urls") if request is not None else None) or []
        yield PageItem(
            url=response.url,
            requested_url=redirects[0] if redirects else None,
            body=response.body,
            status=response.status,
            headers=normalize_headers(response.headers.items()),
            fetched_at=dt.datetime.now(dt.UTC),
            source=source,
            discovery=dict(discovery),
        )

    def article_failed(self, failure):
        """An article request that produced no usable response: recorded with its reason.

        Requests the incremental middleware chose not to send (:class:`NotDue`) and those
        robots.txt forbids were never downloads, so they are only counted.
        """
        request = failure.request
        reason = failure_reason(failure)
        if reason in ("not_due", "robots_forbidden"):
            # Decided against: the listing is not owed - unless this is a repeat of a request
            # still on its way.
            revisits = self._revisits()
            if revisits is not None and getattr(failure.value, "why", None) != "repeat":
                revisits.forget(request.url)
            return
        self._inc(f"failed/{reason.split(':')[0]}", stats=FETCH_STATS)
        logger.warning("Article %s failed: %s", request.url, reason)
        response = getattr(failure.value, "response", None)
        redirects = request.meta.get("redirect_urls") or []
        yield PageItem(
            url=request.url,
            requested_url=redirects[0] if redirects else None,
            body=b"",
            status=response.status if response is not None else None,
            headers=normalize_headers(response.headers.items()) if response is not None else {},
            fetched_at=dt.datetime.now(dt.UTC),
            source=request.cb_kwargs.get("source"),
            discovery=dict(request.cb_kwargs.get("discovery") or {}),
            error=reason,
        )

    def discovery_failed(self, failure):
        self._inc("fetch_errors")
        logger.warning("Discovery request failed: %s", failure.getErrorMessage() if hasattr(
            failure, "getErrorMessage") else failure)
