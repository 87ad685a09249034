"""Politeness towards the sites crawled: robots.txt, pacing, per-site concurrency, the queue.

Scrapy's politeness is per process: its robots.txt middleware keeps a site's parsed robots.txt
in the process's memory, and a site's download delay and concurrency are counted by the
process's own downloader. With N processes on one Redis frontier a site would have its
robots.txt fetched N times per crawl and be hit N times as hard. So:

* :mod:`.robots` - a robots.txt that answers 5xx or not at all disallows its site for the run
  (RFC 9309); with Redis, fetched once per site and run and shared;
* :mod:`.pacing` - one request rate per site across the processes;
* :mod:`.slots` - at most the per-site limit of requests in flight: across the processes (leases
  in Redis), or in one process without Redis (in memory, where Scrapy's downloader alone lets
  bursts through);
* :mod:`.queue` - the scheduler queue of a process without Redis, which sees the requests that
  wait for a site slot.

The shared robots.txt and pacing are put in place by the
:class:`~newscrawl.crawl.shared.addon.RedisFrontier` add-on, only when a Redis URL is set; without
one Scrapy's own pacing is unchanged. The strict robots.txt middleware, the concurrency
middleware and the queue are in :mod:`newscrawl.crawl.settings`.
"""

from newscrawl.crawl.politeness.pacing import SharedPacingMiddleware
from newscrawl.crawl.politeness.queue import SiteAwarePriorityQueue
from newscrawl.crawl.politeness.robots import SharedRobotsTxtMiddleware, StrictRobotsTxtMiddleware
from newscrawl.crawl.politeness.slots import LocalSlots, SharedConcurrencyMiddleware, SiteSlots

__all__ = ["LocalSlots", "SharedConcurrencyMiddleware", "SharedPacingMiddleware",
           "SharedRobotsTxtMiddleware", "SiteAwarePriorityQueue", "SiteSlots",
           "StrictRobotsTxtMiddleware"]
