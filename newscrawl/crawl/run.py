"""Scheduled runs: a lock against overlapping runs, a progress line every minute, a summary.

Both are Scrapy extensions (``EXTENSIONS`` in :mod:`newscrawl.crawl.settings`).

:class:`CrawlLock` - cron starts a run every few minutes; when one run takes longer than the
interval, the next must not crawl the same sites into the same database at the same time
(double requests to the sites, two writers racing on the same stories, and - with ``JOBDIR`` -
two processes writing one request queue, which corrupts it). Design decisions:

* **An OS file lock** (``fcntl.flock``) on ``<NEWSCRAWL_LOCK_DIR>/newscrawl-<spider>-<id>.lock``,
  not a PID file: the kernel drops the lock when the process dies however it dies (``kill -9``,
  OOM, reboot), so there is never a stale lock to clean up by hand. The file itself is left in
  place (deleting a lock file races with a process that has just opened it); it holds the
  holder's pid and start time, for the message.
* **"The same crawl"** is the same spider, the same spider arguments (for ``news``: the sources,
  feeds and sitemaps crawled) and the same database; its id is a hash of those. Two crawls of
  different sources may run side by side.
* **Taken while the extensions are built**, i.e. before the scheduler opens ``JOBDIR``: a run
  that finds the lock taken drops ``JOBDIR`` for itself (so it never touches the running job's
  queue) and closes the spider at ``spider_opened`` with the reason ``already_running`` before
  any request is made. Scrapy then exits normally (status 0): an overlapping scheduled run is
  an expected event, not an error; the log says which process holds the lock.
* The lock is per machine (the lock directory's file system). Runs on several hosts against
  one database need a scheduler that runs one at a time - or a shared Redis frontier
  (:mod:`newscrawl.crawl.shared`), where concurrent processes are the point and this lock is off.
* Off with ``NEWSCRAWL_LOCK = False``; unavailable (with a warning) where ``fcntl`` is missing.

:class:`CrawlProgress` logs, every ``NEWSCRAWL_PROGRESS_INTERVAL`` seconds (0 = off), one
line of what the run has done so far, and at the end one summary line with the finish reason
and the time taken. The figures are read from the ``newscrawl/...`` stats, so the log and the
final stats dump always agree::

    Progress: 212 responses, 31 stored (12 new stories), 40 unchanged (38 not modified), 3 skipped, 950 not due, 1 error
    Summary (finished, 4m02s): 1 250 article URLs listed; 212 responses, 31 stored ...
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.statscollectors import MemoryStatsCollector

from newscrawl.crawl import settings as defaults

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

logger = logging.getLogger(__name__)

__all__ = ["CrawlLock", "CrawlProgress", "crawl_counts", "format_counts"]

ALREADY_RUNNING = "already_running"


def _crawl_identity(crawler) -> str:
    from newscrawl.store.db import database_url, mask_url

    spider = crawler.spider
    parts = {
        "spider": spider.name,
        "args": getattr(spider, "crawl_identity", None) or "",
        "database": mask_url(database_url(settings=crawler.settings)),
    }
    return json.dumps(parts, sort_keys=True)


class CrawlLock:
    """Extension: one run at a time of the same crawl (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file = None
        self.held = False
        self.holder = ""

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("NEWSCRAWL_LOCK", defaults.NEWSCRAWL_LOCK):
            raise NotConfigured("NEWSCRAWL_LOCK is off")
        if fcntl is None:  # pragma: no cover
            logger.warning("No fcntl on this platform: overlapping runs are not prevented")
            raise NotConfigured("fcntl unavailable")
        directory = Path(settings.get("NEWSCRAWL_LOCK_DIR") or tempfile.gettempdir())
        identity = _crawl_identity(crawler)
        digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
        lock = cls(directory / f"newscrawl-{crawler.spider.name}-{digest}.lock")
        if not lock.acquire():
            logger.warning(
                "Another run of this crawl is still going (%s); this run exits without crawling. "
                "Lock file: %s", lock.holder or "holder unknown", lock.path)
            if settings.get("JOBDIR"):
                # Never open the running job's request queue (see the module docstring).
                settings.set("JOBDIR", None, priority="cmdline")
        crawler.signals.connect(lock.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(lock.release, signal=signals.engine_stopped)
        return lock

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the run
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # BlockingIOError: another process holds it
            handle.seek(0)
            self.holder = handle.read().strip()
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        handle.write(f"pid {os.getpid()}, started {started}\n")
        handle.flush()
        self._file = handle
        self.held = True
        return True

    def spider_opened(self, spider=None) -> None:
        if not self.held:
            raise CloseSpider(ALREADY_RUNNING)

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
            self.held = False


def _value(stats: Any, key: str) -> int:
    return int(stats.get_value(key, 0) or 0)


def crawl_counts(stats: Any) -> dict[str, int]:
    """What a run has done so far, from its stats."""
    store = "newscrawl/store/"
    return {
        "responses": _value(stats, "response_received_count"),
        "stored": _value(stats, store + "stored_new_story") + _value(stats, store + "stored_new_version"),
        "new_stories": _value(stats, store + "stored_new_story"),
        "unchanged": _value(stats, store + "unchanged"),
        "not_modified": _value(stats, "newscrawl/incremental/not_modified"),
        "skipped": _value(stats, store + "skipped"),
        "not_due": _value(stats, "newscrawl/incremental/not_due")
        + _value(stats, "newscrawl/incremental/gone"),
        "errors": _value(stats, store + "failed") + _value(stats, "newscrawl/discovery/fetch_errors")
        + _value(stats, "newscrawl/discovery/parse_errors") + _value(stats, "log_count/ERROR"),
        "article_urls": _value(stats, "newscrawl/discovery/article_urls"),
    }


def format_counts(counts: dict[str, int]) -> str:
    errors = counts["errors"]
    return (f"{counts['responses']} responses, {counts['stored']} stored "
            f"({counts['new_stories']} new stories), {counts['unchanged']} unchanged "
            f"({counts['not_modified']} not modified), {counts['skipped']} skipped, "
            f"{counts['not_due']} not due, {errors} error{'' if errors == 1 else 's'}")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


class CrawlProgress:
    """Extension: a progress line every interval and a summary at the end (module docstring)."""

    def __init__(self, stats: Any, interval: float) -> None:
        self.stats = stats
        self.interval = interval
        self.task = None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("NEWSCRAWL_PROGRESS_INTERVAL",
                                             defaults.NEWSCRAWL_PROGRESS_INTERVAL)
        if interval <= 0:
            raise NotConfigured("NEWSCRAWL_PROGRESS_INTERVAL is 0")
        ext = cls(crawler.stats, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider=None) -> None:
        from scrapy.utils.asyncio import create_looping_call

        self.started = time.monotonic()
        self.task = create_looping_call(self.log_progress)
        self.task.start(self.interval, now=False)

    def log_progress(self) -> None:
        logger.info("Progress: %s", format_counts(crawl_counts(self.stats)))

    def spider_closed(self, spider=None, reason: str = "finished") -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        counts = crawl_counts(self.stats)
        logger.info("Summary (%s, %s): %d article URLs listed; %s", reason,
                    _duration(time.monotonic() - self.started), counts["article_urls"],
                    format_counts(counts))


class StatsCollector(MemoryStatsCollector):
    """Scrapy's in-memory stats collector (``STATS_CLASS``), without the attribute hook Scrapy
    2.19 puts on every stats collector: each attribute read (``inc_value``, and its own
    ``_stats`` inside it) went through a ``__getattribute__`` that builds a name and catches an
    ``AttributeError``, to warn about a ``spider`` argument nobody here passes. A crawl counts
    some twenty stats a page, and that hook was a tenth of the reactor's CPU
    (docs/measurements.md). The stats and their methods are Scrapy's."""

    __getattribute__ = object.__getattribute__
