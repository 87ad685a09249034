"""The Scrapy add-on that turns a crawl into a shared one when a Redis URL is set.

:class:`RedisFrontier` is in ``ADDONS`` (:mod:`newscrawl.crawl.settings`) and does nothing
without a Redis URL (:func:`~newscrawl.crawl.shared.keys.redis_url`): a single process keeps
Scrapy's own scheduler. With one it puts in place

* the shared frontier (:mod:`newscrawl.crawl.shared.frontier`): its scheduler and per-site
  queue, scrapy-redis' dupefilter, kept between processes (``SCHEDULER_PERSIST``) and under the
  crawl's keys (:mod:`newscrawl.crawl.shared.keys`);
* the shared politeness (:mod:`newscrawl.crawl.politeness`): robots.txt once per site and run
  in place of the local robots.txt middleware (unless that is switched off), one concurrency
  limit and one request rate per site across the processes, and no local delay jitter to push
  a request off its shared slot;
* ``NEWSCRAWL_LOCK = False``: processes of a shared crawl join it instead of stopping each other.

It sits above both rooms it wires together; neither imports it.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object

from newscrawl.crawl.politeness.pacing import SharedPacingMiddleware
from newscrawl.crawl.politeness.robots import SharedRobotsTxtMiddleware, StrictRobotsTxtMiddleware
from newscrawl.crawl.politeness.slots import SharedConcurrencyMiddleware
from newscrawl.crawl.shared.keys import crawl_prefix, dupefilter_key, redis_url, requests_key

#: Where the shared pacing sits in the downloader chain: after everything that may drop or
#: change a request (robots.txt 100, revisit decision 120, retries 550, redirects 600, stats 850),
#: before the offline replay (950), which stands where the network would be.
PACING_ORDER = 900
#: The shared per-site concurrency sits just before the pacing: a request waits for a slot to
#: send in, then for its turn in the site's pace.
CONCURRENCY_ORDER = 890


class RedisFrontier:
    """Scrapy add-on: the shared frontier when a Redis URL is configured (module docstring)."""

    def update_settings(self, settings) -> None:
        url = redis_url(settings)
        if not url:
            raise NotConfigured  # no Redis URL: Scrapy's own scheduler, silently
        prefix = crawl_prefix(settings)
        settings.set("REDIS_URL", url, priority="addon")
        # Scheduler and dupefilter at "project" priority: the settings module names newscrawl's
        # own there (newscrawl/crawl/jobdir.py), above an add-on's (the lock below, same reason).
        settings.set("SCHEDULER", "newscrawl.crawl.shared.frontier.SharedScheduler",
                     priority="project")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="project")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        settings.set("SCHEDULER_QUEUE_CLASS", "newscrawl.crawl.shared.frontier.SlotAwareQueue",
                     priority="addon")
        settings.set("SCHEDULER_QUEUE_KEY", requests_key(prefix, "%(spider)s"), priority="addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", dupefilter_key(prefix, "%(spider)s"),
                     priority="addon")
        # The settings module holds the lock's default (True) at "project" priority, above an
        # add-on's, so it is switched off at that priority; a value given on the command line
        # (-s) or by the spider still wins.
        settings.set("NEWSCRAWL_LOCK", False, priority="project")
        # Politeness shared by the processes (newscrawl/crawl/politeness/): robots.txt once per
        # site and run, one concurrency limit and one request rate per site; no local jitter to
        # push a request off its slot.
        # In place of the strict local middleware (newscrawl's settings) or Scrapy's (others').
        robots_order = (_component_order(settings, "DOWNLOADER_MIDDLEWARES", StrictRobotsTxtMiddleware)
                        or _component_order(settings, "DOWNLOADER_MIDDLEWARES", RobotsTxtMiddleware))
        if robots_order is not None:  # unless switched off in the settings
            for local in (RobotsTxtMiddleware, StrictRobotsTxtMiddleware):
                settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", local, None)
            settings.set_in_component_priority_dict(
                "DOWNLOADER_MIDDLEWARES", SharedRobotsTxtMiddleware, robots_order)
        settings.set_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", SharedConcurrencyMiddleware, CONCURRENCY_ORDER)
        settings.set_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", SharedPacingMiddleware, PACING_ORDER)
        settings.set("DOWNLOAD_DELAY_JITTER", 0.0, priority="addon")


def _component_order(settings, name: str, cls: type) -> int | None:
    """The order of ``cls`` in the component dict ``name`` (the project's, else Scrapy's base)."""
    for dict_name in (name, f"{name}_BASE"):
        for key, order in settings.getdict(dict_name).items():
            if (load_object(key) if isinstance(key, str) else key) is cls:
                return order
    return None


__all__ = ["CONCURRENCY_ORDER", "PACING_ORDER", "RedisFrontier"]
