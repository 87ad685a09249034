"""Politeness towards the sites crawled: robots.txt, pacing, per-site concurrency, the queue."""

from newscrawl.crawl.politeness.middlewares import (
    SharedConcurrencyMiddleware,
    SharedPacingMiddleware,
    SharedRobotsTxtMiddleware,
    SiteAwarePriorityQueue,
)

__all__ = ["SharedConcurrencyMiddleware", "SharedPacingMiddleware", "SharedRobotsTxtMiddleware",
           "SiteAwarePriorityQueue"]
