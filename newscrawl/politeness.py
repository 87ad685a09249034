"""Moved to :mod:`newscrawl.crawl.politeness`; this alias goes in the next release."""

from newscrawl.crawl.politeness import (
    SharedConcurrencyMiddleware,
    SharedPacingMiddleware,
    SharedRobotsTxtMiddleware,
    SiteAwarePriorityQueue,
)
from newscrawl.moved import warn_moved

__all__ = ["SharedConcurrencyMiddleware", "SharedPacingMiddleware", "SharedRobotsTxtMiddleware",
           "SiteAwarePriorityQueue"]

warn_moved("newscrawl.politeness", "newscrawl.crawl.politeness")
