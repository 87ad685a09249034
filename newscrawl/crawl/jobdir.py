"""Scheduled runs into one ``JOBDIR``: nothing filtered across runs, no queue left by a crash.

Scrapy's ``JOBDIR`` is made for one long crawl that may be paused and resumed. newscrawl runs
the same crawl again and again (the README's cron and systemd set-ups), and Scrapy's job
directory then loses articles in two ways:

* **Its duplicate filter remembers every request for ever** (``requests.seen``): the second
  run finds its feed and sitemap requests "seen" and lists nothing; and an article request
  queued but never downloaded before a ``kill -9`` is filtered on every later run, so the
  article is never fetched.
* **Its disk queue survives only a clean stop**: the queue's index (``active.json``) is written
  when the scheduler closes, the queue files as requests come and go. After a ``kill -9`` the
  files no longer match the last index; when that index came from a paused run, every later
  run fails at start-up (``struct.error`` reading a truncated queue file).

The design, and why: **the database's fetch history is the crawl's memory between runs** (as
Nutch's CrawlDb is), because it records a download only once it happened - it cannot hold a
"seen" that was never fetched. So:

* :class:`RunDupeFilter` keeps request fingerprints in memory only, with or without
  ``JOBDIR``: within a run a URL is requested once (sitemap-index loops end); every run
  re-reads the feeds and sitemaps, and
  :class:`~newscrawl.crawl.incremental.IncrementalMiddleware` requests what was never fetched
  (also what a killed run had queued or in flight) and what is due.
* :class:`CrashSafeScheduler` resumes a queue only if the run that wrote it closed cleanly. It
  takes the index away when it opens the queue and Scrapy writes it back on close; a job
  directory without an index therefore holds the leftovers of a run that was killed (or never
  ran), and they are deleted before Scrapy reads them. The requests lost with them are found
  again in the feeds and sitemaps by the next run, and in the ``listings`` table
  (:mod:`newscrawl.store.listings`) when a feed no longer lists them.

``JOBDIR`` is thus optional for scheduled runs: with it, a run stopped gracefully (``SIGINT``,
``systemctl stop``) hands its queue to the next, which also keeps articles that have left the
feeds meanwhile; a queued request the re-read feeds list again is requested once (the
incremental middleware drops the second: ``newscrawl/incremental/repeat``). Without it nothing
else changes. With a shared frontier on Redis, scrapy-redis' scheduler and dupefilter take these
classes' places (:mod:`newscrawl.crawl.shared.addon`; their dupefilter too lives for one run).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from scrapy.core.scheduler import Scheduler
from scrapy.dupefilters import RFPDupeFilter

logger = logging.getLogger(__name__)

__all__ = ["CrashSafeScheduler", "RunDupeFilter"]

#: The file in which Scrapy's scheduler keeps its disk queue's index (written on close).
QUEUE_INDEX = "active.json"


class RunDupeFilter(RFPDupeFilter):
    """Scrapy's request duplicate filter, never read from or written to ``JOBDIR``."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls(None, crawler.settings.getbool("DUPEFILTER_DEBUG"),
                   fingerprinter=crawler.request_fingerprinter)


class CrashSafeScheduler(Scheduler):
    """Scrapy's scheduler, resuming a ``JOBDIR`` queue only after a clean stop (module docstring)."""

    def open(self, spider):
        queue_dir = Path(self.dqdir) if self.dqdir else None
        if queue_dir is not None:
            index = queue_dir / QUEUE_INDEX
            leftovers = [p for p in queue_dir.iterdir() if p.name != QUEUE_INDEX]
            if not index.exists() and leftovers:
                logger.warning("JOBDIR queue %s was left by a run that did not stop cleanly; "
                               "deleted (this run finds its requests again in the feeds)",
                               queue_dir)
                for path in leftovers:
                    if path.is_dir():
                        shutil.rmtree(path)
                    else:
                        path.unlink()
        result = super().open(spider)
        if queue_dir is not None:
            # The queue's state now lives in this process; close() writes the index back.
            (queue_dir / QUEUE_INDEX).unlink(missing_ok=True)
        return result
