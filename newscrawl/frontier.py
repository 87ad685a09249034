"""Moved to :mod:`newscrawl.crawl.shared`; this alias goes in the next release."""

from newscrawl.crawl.shared.addon import RedisFrontier
from newscrawl.crawl.shared.frontier import SharedScheduler, SlotAwareQueue
from newscrawl.crawl.shared.keys import redis_url
from newscrawl.moved import warn_moved

__all__ = ["RedisFrontier", "SharedScheduler", "SlotAwareQueue", "redis_url"]

warn_moved("newscrawl.frontier", "newscrawl.crawl.shared (addon, frontier, keys)")
