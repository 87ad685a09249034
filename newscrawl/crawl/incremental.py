"""Incremental crawling: which known article URLs to request again, and conditionally.

A scheduled crawl re-reads every feed and sitemap on every run (that is how new articles are
found), so it sees the same article URLs again and again. :class:`IncrementalMiddleware`, a
downloader middleware, decides for each article request - using the ``fetches`` table as the
crawl's memory (:mod:`newscrawl.store.fetches`) - whether to send it, and adds
``If-None-Match`` / ``If-Modified-Since`` so that an unchanged page costs a bodiless 304.

The decision (:meth:`RevisitPolicy.decide`), in order:

1. **new** - never fetched: request.
2. **retry** - the last attempt failed (no response, 5xx after retries, timeout, truncated,
   robots.txt unreachable...), other than the refusals under **gone**:
   request; nothing of the page is held, so there is nothing to wait for.
3. **updated** - the feed/sitemap entry carries a modification date (Atom ``updated``, sitemap
   ``lastmod``) later than our last download: request now, whatever the schedule.
4. **gone** - the last answer said the page is not an article and will not become one (404/410,
   a PDF, an image, binary bytes), or the download was stopped for good reason that a retry
   would meet again (over ``DOWNLOAD_MAXSIZE``, a redirect off the source's domains, a private
   address): request again only after ``NEWSCRAWL_GONE_REVISIT_AFTER``
   (a week), even when ``NEWSCRAWL_REVISIT_AFTER`` is 0, because "every run" is about
   catching edits of articles, and re-downloading a dead link or a PDF every few minutes catches
   nothing.
5. **due** / **not_due** - otherwise the page is requested when its last download is older than
   the revisit interval: ``NEWSCRAWL_REVISIT_AFTER`` seconds when set (``0`` = every run), else
   by the article's age: a quarter of the age, at least 15 minutes and at most 30 days; 6 hours
   when the age is unknown. News is edited most in its first hours (corrections, developing
   stories) and almost never after a few weeks, so the check frequency follows the edit
   likelihood; a quarter keeps a day-old story checked every 6 hours and a month-old one weekly.
   The age is the stored version's publication date, else the date the feed/sitemap gives.

So an entry already known and not updated is not requested again until its revisit is due; when
it is, the request is conditional and an unchanged page answers 304 (recorded as ``unchanged``,
reason ``not_modified``, nothing stored). Servers that ignore validators answer 200 with the
same bytes; the store then finds the same text and records ``unchanged`` too (only the transfer
is wasted).

Why a downloader middleware: it sees every article request exactly when the downloader is about
to send it (after JOBDIR persistence and the dupefilter, so a resumed job re-decides on resume),
retries and redirects keep the conditional headers it set, and a skipped request is an
:class:`~scrapy.exceptions.IgnoreRequest` (:class:`NotDue`) the spider's errback can tell from a
failure. Feeds, sitemaps and robots.txt are left alone: only requests that carry the spider's
:data:`META_KEY` are considered. Feeds are *not* fetched conditionally: a 304 on a feed would
hide the entries whose revisit fell due since the last run.

**Once per run**: a URL decided once in a run is not decided again in it (``repeat``, not
requested). A run resumed from ``JOBDIR`` has the stopped run's queued requests *and* re-reads
the feeds (:mod:`newscrawl.crawl.jobdir`: the duplicate filter's memory lasts one run), so
the same article can come twice; the second must not download it again while the first is
still in flight, before the store has recorded it.

The middleware is off (``NotConfigured``) when ``NEWSCRAWL_INCREMENTAL`` is false or the store
pipeline is not enabled: without the store there is no memory to consult.

**Listings**: the middleware also keeps the ``listings`` table (:mod:`newscrawl.store.listings`)
for the spider: the article URLs each feed or sitemap lists are recorded as it is read, those
decided against (not due, gone, forbidden by robots.txt) forgotten, and at the start of a run the
ones still owed - listed by a run that was killed before fetching them - are handed back to the
spider, which requests them whether or not a feed still lists them. All of it on the look-up
threads, bounded like the look-ups; a database that does not answer only costs the listings.

**Off the reactor**: the database is opened on a look-up thread too (the first look-ups wait for
it), so a database that hangs at start holds no download that does not need it.

Stats (``newscrawl/incremental/...``): ``new``, ``retry``, ``updated``, ``due`` (requested),
``not_due``, ``gone``, ``repeat`` (not requested), ``conditional`` (requests sent with
validators), ``not_modified`` (304 answers), ``history_unavailable`` (look-ups the database did
not answer), ``listings_unavailable`` / ``listings_errors`` (listings not written or read).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from twisted.python.threadable import isInIOThread
from w3lib.url import canonicalize_url

from newscrawl.crawl import settings as defaults
from newscrawl.crawl.discovery import parse_date
from newscrawl.store.fetches import FetchHistory

logger = logging.getLogger(__name__)

__all__ = ["META_KEY", "PREVIOUS_FETCH_KEY", "Decision", "IncrementalMiddleware", "NotDue", "RevisitPolicy"]

#: Request meta key the spider sets on article requests: ``{"updated": iso|None,
#: "published": iso|None}`` from the feed/sitemap entry. Plain strings, so JOBDIR can pickle it.
META_KEY = "newscrawl_article"
#: Set once the middleware has decided, so a retry or redirect of the request is not re-decided.
DECIDED_KEY = "newscrawl_decided"
#: Request meta: when the capture a conditional request asks about was fetched (WARC-Date form).
PREVIOUS_FETCH_KEY = "newscrawl_previous_fetch"

STATS = "newscrawl/incremental"

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0

#: ``fetches.reason`` prefixes meaning "not an article, and it will not turn into one".
GONE_REASONS = ("http_status_404", "http_status_410", "content_type:", "not_text:", "empty_body")
#: ``fetches.reason`` prefixes of failed downloads that the next run would only repeat: the page
#: is too big (a re-download costs DOWNLOAD_MAXSIZE for nothing) or newscrawl refused to follow.
REFUSED_REASONS = ("oversize", "offsite_redirect:", "offsite_refresh:", "blocked_address:")


class NotDue(IgnoreRequest):
    """A known article URL whose revisit is not due: not requested this run. ``why`` is the
    decision (``not_due``, ``gone``, ``repeat``)."""

    def __init__(self, why: str, url: str) -> None:
        super().__init__(f"{why}: {url}")
        self.why = why


@dataclass(frozen=True, slots=True)
class Decision:
    fetch: bool
    why: str  # new | retry | updated | gone | due | not_due
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RevisitPolicy:
    """When to request a known article URL again (see the module docstring for the rules)."""

    revisit_after: float | None = defaults.NEWSCRAWL_REVISIT_AFTER  # None = by article age
    gone_revisit_after: float = float(defaults.NEWSCRAWL_GONE_REVISIT_AFTER)
    age_fraction: float = 0.25
    min_interval: float = 15 * MINUTE
    max_interval: float = 30 * DAY
    unknown_age_interval: float = 6 * HOUR

    def interval(self, published: dt.datetime | None, now: dt.datetime) -> float:
        """Seconds after its last download at which an article is due again."""
        if self.revisit_after is not None:
            return self.revisit_after
        if published is None:
            return self.unknown_age_interval
        age = max((now - published).total_seconds(), 0.0)
        return min(max(age * self.age_fraction, self.min_interval), self.max_interval)

    @staticmethod
    def is_gone(history: FetchHistory) -> bool:
        reason = history.reason or ""
        if history.failed:
            return reason.startswith(REFUSED_REASONS)
        return history.outcome == "skipped" and reason.startswith(GONE_REASONS)

    def decide(self, history: FetchHistory | None, now: dt.datetime, *,
               entry_updated: dt.datetime | None = None,
               entry_published: dt.datetime | None = None) -> Decision:
        if history is None:
            return Decision(True, "new")
        if history.failed and not self.is_gone(history):
            return Decision(True, "retry", conditional_headers(history))
        since = (now - history.fetched_at).total_seconds()
        if entry_updated is not None and entry_updated > history.fetched_at:
            return Decision(True, "updated", conditional_headers(history))
        if self.is_gone(history):
            return Decision(since >= self.gone_revisit_after, "gone")
        published = history.published_at or entry_published
        if since >= self.interval(published, now):
            return Decision(True, "due", conditional_headers(history))
        return Decision(False, "not_due")


def conditional_headers(history: FetchHistory) -> tuple[tuple[str, str], ...]:
    """If-None-Match / If-Modified-Since for the text held (none if the server gave no validators)."""
    out = []
    if history.etag:
        out.append(("If-None-Match", history.etag))
    if history.last_modified:
        out.append(("If-Modified-Since", history.last_modified))
    return tuple(out)


def _setting_seconds(settings, name: str, default: float | None) -> float | None:
    value = settings.get(name)
    if value is None or value == "":
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of seconds, got {value!r}") from None
    if seconds < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return seconds


def store_enabled(settings) -> bool:
    """Whether the crawl writes to the store (so there is a memory of earlier runs)."""
    pipelines = settings.getwithbase("ITEM_PIPELINES")
    return (settings.getbool("NEWSCRAWL_STORE_ENABLED", defaults.NEWSCRAWL_STORE_ENABLED)
            and any(str(path).endswith("StorePipeline") and order is not None
                    for path, order in pipelines.items()))


#: Seconds the listings of URLs decided against are gathered before one statement forgets them.
FORGET_DELAY = 2.0
#: Threads doing revisit look-ups at once (each a short read; more only queue on the database).
LOOKUP_THREADS = 4

class IncrementalMiddleware:
    """Downloader middleware: the revisit decision and conditional headers (module docstring)."""

    def __init__(self, database_url: str, policy: RevisitPolicy, stats: Any = None,
                 options: dict[str, float] | None = None,
                 retry_interval: float = float(defaults.NEWSCRAWL_SPOOL_RETRY_INTERVAL)) -> None:
        from newscrawl.crawl.pipelines import store_options

        self.database_url = database_url
        self.policy = policy
        self.stats = stats
        self.sessionmaker = None
        self.options = store_options(None) if options is None else options
        self.retry_interval = retry_interval
        #: monotonic time of the last look-up the database did not answer (None: it answers).
        self._failed_at: float | None = None
        self._open_lock = threading.Lock()
        #: Threads of the look-ups while the spider runs (None: look-ups run in the caller).
        self._pool = None
        # Canonical URLs decided this run (module docstring, "once per run").
        self.decided: set[str] = set()
        #: (URL, when) of listed URLs decided against, not yet written (forget()).
        self._forgotten: list[tuple[str, dt.datetime]] = []
        self._flush_call = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("NEWSCRAWL_INCREMENTAL", defaults.NEWSCRAWL_INCREMENTAL):
            raise NotConfigured("NEWSCRAWL_INCREMENTAL is off")
        if not store_enabled(settings):
            raise NotConfigured("the store pipeline is off: no memory of earlier fetches")
        from newscrawl.store.db import database_url

        policy = RevisitPolicy(
            revisit_after=_setting_seconds(settings, "NEWSCRAWL_REVISIT_AFTER",
                                           defaults.NEWSCRAWL_REVISIT_AFTER),
            gone_revisit_after=_setting_seconds(settings, "NEWSCRAWL_GONE_REVISIT_AFTER",
                                                float(defaults.NEWSCRAWL_GONE_REVISIT_AFTER)),
        )
        from newscrawl.crawl.pipelines import store_options

        middleware = cls(database_url(settings=settings), policy, crawler.stats,
                         options=store_options(settings),
                         retry_interval=settings.getfloat("NEWSCRAWL_SPOOL_RETRY_INTERVAL",
                                                          defaults.NEWSCRAWL_SPOOL_RETRY_INTERVAL))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _start_pool(self) -> None:
        from twisted.internet import reactor
        from twisted.python.threadpool import ThreadPool

        # Its own threads, not the reactor's pool: look-ups waiting on a hung database must not
        # hold up what else uses that pool (Scrapy resolves host names there).
        self._pool = ThreadPool(minthreads=0, maxthreads=LOOKUP_THREADS, name="newscrawl-revisit")
        self._pool.start()
        reactor.addSystemEventTrigger("during", "shutdown", self.spider_closed)

    def spider_closed(self) -> None:
        self._flush_forgotten()  # queued before the pool stops, which lets queued work finish
        pool, self._pool = self._pool, None
        if pool is not None and pool.started:
            pool.stop()

    def spider_opened(self) -> None:
        self._start_pool()
        # On a look-up thread, not here: spider_opened runs on the reactor thread, and a database
        # that does not answer (a partition, a lock) would hold every download until its
        # timeouts. The first look-ups wait for this opening (the lock in _open), nothing else.
        self._pool.callInThread(self._open_at_start)
        every = ("every run" if self.policy.revisit_after == 0 else
                 f"after {self.policy.revisit_after:g} s" if self.policy.revisit_after is not None
                 else "by article age")
        logger.info("Incremental crawl: known articles revisited %s, conditionally", every)

    def _open_at_start(self) -> None:
        from newscrawl.store.concurrency import is_unavailable

        try:
            self._open()
        except Exception as exc:
            if not is_unavailable(exc):
                logger.error("Incremental crawl: the database could not be opened: %s",
                             str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
                return
            self._failed_at = time.monotonic()
            logger.warning("Incremental crawl: database unavailable, fetching every listed article"
                           " until it is back (%s)", str(exc).splitlines()[0])

    def _open(self):
        with self._open_lock:
            return self._open_locked()

    def _open_locked(self):
        if self.sessionmaker is None:
            from newscrawl.store.db import open_database

            self.sessionmaker = open_database(
                self.database_url, timeout=self.options["timeout"],
                lock_timeout=self.options["lock_timeout"],
                statement_timeout=self.options["timeout"],
                connect_timeout=self.options["connect_timeout"])
        return self.sessionmaker

    # ------------------------------------------------- listings (newscrawl.store.listings)

    def _in_pool(self, function, *args) -> None:
        """Run ``function`` on a look-up thread (here when there are none: tests)."""
        if self._pool is not None:
            self._pool.callInThread(function, *args)
        else:
            function(*args)

    def _transaction(self, what: str, work, default=None):
        """``work(session)`` in a bounded transaction; on any error, logged and ``default``:
        the listings are a help to the next run, never a reason to stop this one."""
        from newscrawl.store.concurrency import is_unavailable, run_transaction

        if self._failed_at is not None and time.monotonic() - self._failed_at < self.retry_interval:
            self._inc("listings_unavailable")
            return default
        try:
            return run_transaction(self._open(), work, lock_wait=self.options["lock_timeout"],
                                   timeout=self.options["timeout"])
        except Exception as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            if is_unavailable(exc):
                self._inc("listings_unavailable")
                logger.debug("Listings: %s skipped, database unavailable: %s", what, message)
            else:
                self._inc("listings_errors")
                logger.error("Listings: %s failed: %s", what, message)
            return default

    def record_listed(self, listed) -> None:
        """Remember article URLs a feed or sitemap just listed (``Listed`` rows), on a look-up
        thread: a run killed before fetching them leaves them to the next."""
        from newscrawl.store.listings import record_listings

        listed = list(listed)
        if listed:
            self._in_pool(lambda: self._transaction(
                "recording", lambda session: record_listings(session, listed)))

    def forget(self, url: str) -> None:
        """The crawl decided not to request ``url`` (not due, gone, robots.txt): its listing is
        not owed. Batched: written within :data:`FORGET_DELAY` seconds, in one statement."""
        self._forgotten.append((url, dt.datetime.now(dt.UTC)))
        if self._pool is None:
            self._flush_forgotten()
        elif self._flush_call is None:
            from twisted.internet import reactor

            self._flush_call = reactor.callLater(FORGET_DELAY, self._flush_forgotten)

    def _flush_forgotten(self) -> None:
        from newscrawl.store.listings import forget_listings

        call, self._flush_call = self._flush_call, None
        if call is not None and call.active():
            call.cancel()
        batch, self._forgotten = self._forgotten, []
        if batch:
            self._in_pool(lambda: self._transaction(
                "forgetting", lambda session: forget_listings(session, batch)))

    async def pending_listings(self) -> list:
        """The listings earlier runs still owe (``Listed`` rows, oldest first); none when the
        database does not answer. Read on a look-up thread."""
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.threads import deferToThreadPool

        from newscrawl.store.listings import take_pending

        def take() -> list:
            return self._transaction("reading", take_pending, default=[])

        if self._pool is None:
            return take()
        return await maybe_deferred_to_future(deferToThreadPool(reactor, self._pool, take))

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            if self._pool is None or isInIOThread():
                self.stats.inc_value(f"{STATS}/{key}")
            else:  # a look-up thread; Scrapy's stats are a plain dict read on the reactor thread
                from twisted.internet import reactor

                reactor.callFromThread(self.stats.inc_value, f"{STATS}/{key}")

    def history(self, url: str) -> FetchHistory | None:
        """What the store knows of ``url``; None when unknown - or when the database is down:
        a crawl during an outage fetches every listed article (unconditionally), since a
        needless download costs less than a missed edit, and the store pipeline spools the
        pages until the database is back (``newscrawl/incremental/history_unavailable``).
        After a look-up the database did not answer, the next ``NEWSCRAWL_SPOOL_RETRY_INTERVAL``
        seconds do not ask it (each would wait for the same timeout)."""
        from newscrawl.store.concurrency import Deadline, is_unavailable
        from newscrawl.store.errors import DatabaseUnavailable
        from newscrawl.store.fetches import fetch_history

        if self._failed_at is not None and time.monotonic() - self._failed_at < self.retry_interval:
            self._inc("history_unavailable")
            return None
        try:
            make_session = self._open()
            with Deadline(make_session.kw["bind"], self.options["timeout"]).start() as deadline:
                try:
                    with make_session() as session:
                        history = fetch_history(session, url)
                except Exception as exc:
                    if deadline.expired:
                        raise DatabaseUnavailable(self.database_url, exc) from exc
                    raise
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            self._failed_at = time.monotonic()
            self._inc("history_unavailable")
            return None
        self._failed_at = None
        return history

    async def process_request(self, request):
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.threads import deferToThreadPool

        info = request.meta.get(META_KEY)
        if info is None or request.meta.get(DECIDED_KEY):
            return None
        # Before the look-up, which may wait on a thread: a repeat arriving meanwhile is one.
        key = canonicalize_url(request.url, keep_fragments=False)
        if key in self.decided:
            self._inc("repeat")
            raise NotDue("repeat", request.url)
        self.decided.add(key)
        # The look-up runs on a thread: a slow or hung database delays only the requests
        # waiting for their decision, never the reactor (feeds, other downloads).
        if self._pool is not None:
            history = await maybe_deferred_to_future(
                deferToThreadPool(reactor, self._pool, self.history, request.url))
        else:
            history = self.history(request.url)
        now = dt.datetime.now(dt.UTC)
        decision = self.policy.decide(
            history, now,
            entry_updated=parse_date(info.get("updated")),
            entry_published=parse_date(info.get("published")))
        self._inc(decision.why)
        if not decision.fetch:
            raise NotDue(decision.why, request.url)
        request.meta[DECIDED_KEY] = decision.why
        if decision.headers and history is not None:
            # The capture a 304 confirms (the WARC writer's revisit record refers to it).
            request.meta[PREVIOUS_FETCH_KEY] = history.fetched_at.astimezone(
                dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for name, value in decision.headers:
            request.headers.setdefault(name, value)
        if decision.headers:
            self._inc("conditional")
        return None

    def process_response(self, request, response):
        if response.status == 304 and META_KEY in request.meta:
            self._inc("not_modified")
        return response
