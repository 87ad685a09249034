"""The scheduler queue of a process without Redis: a queue per site, least busy site first,
counting the requests that wait in the middlewares for a site slot.

Scrapy's default queue (``DownloaderAwarePriorityQueue``) counts a site's requests from the
moment they reach the site's download slot (``Slot.active``), after the middlewares; requests
waiting in :class:`~newscrawl.crawl.politeness.slots.SharedConcurrencyMiddleware` for a site
slot, or for robots.txt, are not counted. The engine takes up to ``CONCURRENT_REQUESTS``
requests into the downloader, so a few sites with many queued requests would fill it with
requests that wait for their site's slots while other sites' requests, which could be sent at
once, stay in the queue. :class:`SiteAwarePriorityQueue` counts those, and skips a site with its
limit plus ``NEWSCRAWL_SITE_QUEUE_AHEAD`` requests in the downloader (``None`` when every queued
site is: the engine asks again as each download ends), as
:class:`~newscrawl.crawl.shared.frontier.SlotAwareQueue` does with a Redis frontier.

Why one request ahead: it waits in the middleware and takes a freed slot at once. With none
ahead, the next request has to come through the engine and every middleware first, each step a
turn of the event loop, which also runs the stages; on slow sites that leaves the limit's slots
idle part of the time (docs/measurements.md, "Crawl: figures behind its settings").
"""

from __future__ import annotations

from collections import Counter

from scrapy.pqueues import DownloaderAwarePriorityQueue, DownloaderInterface

from newscrawl.crawl import settings as defaults
from newscrawl.crawl.politeness.slots import site_limits


class _SiteLoad(DownloaderInterface):
    """The downloader's load per site as :class:`SiteAwarePriorityQueue` counts it."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.concurrency, self.per_site = site_limits(crawler.settings)
        self.ahead = crawler.settings.getint("NEWSCRAWL_SITE_QUEUE_AHEAD",
                                             defaults.NEWSCRAWL_SITE_QUEUE_AHEAD)

    def stats(self, possible_slots) -> list[tuple[int, str]]:
        """(requests in the downloader, site) of the sites that may have one more."""
        load = Counter(self.downloader.get_slot_key(r) for r in self.downloader.active)
        return [(load[slot], slot) for slot in possible_slots
                if load[slot] < self.per_site.get(slot, self.concurrency) + self.ahead]


class SiteAwarePriorityQueue(DownloaderAwarePriorityQueue):
    """Scrapy's default scheduler queue (a queue per site, the least busy site first) for a
    process without Redis, counting a site's requests anywhere in the downloader and holding
    back a site's requests while the downloader has its limit of them.

    Same on-disk state as Scrapy's (a ``JOBDIR`` resumes with either). Module docstring: why.
    """

    def __init__(self, crawler, downstream_queue_cls, key, slot_startprios=None, *,
                 start_queue_cls=None) -> None:
        super().__init__(crawler, downstream_queue_cls, key, slot_startprios,
                         start_queue_cls=start_queue_cls)
        self._downloader_interface = _SiteLoad(crawler)


__all__ = ["SiteAwarePriorityQueue"]
