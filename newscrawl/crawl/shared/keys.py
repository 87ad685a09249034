"""Where a shared crawl lives in Redis: the server's URL and the name of every key.

Both sides of a shared crawl read these - the frontier (:mod:`newscrawl.crawl.shared.frontier`)
and the shared politeness (:mod:`newscrawl.crawl.politeness`) - so they sit here, beneath both,
and import neither.

The Redis URL is ``NEWSCRAWL_REDIS_URL`` (scrapy-redis' own ``REDIS_URL`` works too), from the
environment first, else the Scrapy settings; without one the crawl is a single process with
Scrapy's own scheduler and no Redis at all.

Keys, all under the crawl's prefix (``NEWSCRAWL_REDIS_PREFIX``). Crawls of *different* sources
sharing one Redis need different prefixes; processes of the same crawl must share one.

* ``<prefix>:<spider>:requests`` - the request queue (``:count``, ``:slots``, ``:slot:<site>``:
  a sorted set per site, :class:`~newscrawl.crawl.shared.frontier.SlotAwareQueue`);
* ``<prefix>:<spider>:dupefilter`` - the fingerprints of the requests of the run;
* ``<prefix>:<spider>:workers`` - the processes of the run (``:idle``: those waiting on an
  empty queue);
* ``<prefix>:<spider>:robots`` - the run's copies of the sites' robots.txt (``:lock:<site>``:
  the lock of one site's download);
* ``<prefix>:pace:<site>`` - the site's next allowed request time;
* ``<prefix>:inflight:<site>`` - the site's slots in use (``:line``, ``:asked``: the requests
  waiting for one; :mod:`newscrawl.crawl.shared.leases`).
"""

from __future__ import annotations

import os
from typing import Any

from newscrawl.crawl import settings as defaults

#: Where the Redis URL is looked up, in this order (environment first, then the settings).
URL_SETTINGS = ("NEWSCRAWL_REDIS_URL", "REDIS_URL")


def redis_url(settings: Any = None) -> str | None:
    """``NEWSCRAWL_REDIS_URL`` or ``REDIS_URL``, from the environment, else the settings."""
    for name in URL_SETTINGS:
        if os.environ.get(name):
            return os.environ[name]
    if settings is not None:
        for name in URL_SETTINGS:
            if settings.get(name):
                return str(settings.get(name))
    return None


def connect(url: str):
    """A Redis client for ``url`` (redis-py is imported only when a shared crawl needs it)."""
    import redis

    return redis.Redis.from_url(url)


def crawl_prefix(settings: Any) -> str:
    """The crawl's key prefix: ``NEWSCRAWL_REDIS_PREFIX``."""
    return ((settings.get("NEWSCRAWL_REDIS_PREFIX") if settings is not None else None)
            or defaults.NEWSCRAWL_REDIS_PREFIX)


def requests_key(prefix: str, spider: str) -> str:
    """The request queue of a spider's run (scrapy-redis' ``SCHEDULER_QUEUE_KEY``)."""
    return f"{prefix}:{spider}:requests"


def dupefilter_key(prefix: str, spider: str) -> str:
    """The request fingerprints of a spider's run (scrapy-redis' ``SCHEDULER_DUPEFILTER_KEY``)."""
    return f"{prefix}:{spider}:dupefilter"


def workers_key(prefix: str, spider: str) -> str:
    """The processes of a spider's run, scored by their last heartbeat."""
    return f"{prefix}:{spider}:workers"


def robots_key(prefix: str, spider: str) -> str:
    """The hash of the run's robots.txt copies (:mod:`newscrawl.crawl.politeness.robots`)."""
    return f"{prefix}:{spider}:robots"


def robots_lock_key(hash_key: str, netloc: str) -> str:
    """The lock of one site's robots.txt download, next to the run's copies (``hash_key``)."""
    return f"{hash_key}:lock:{netloc}"


def pace_key(prefix: str, site: str) -> str:
    """A site's next allowed request time (:mod:`newscrawl.crawl.politeness.pacing`)."""
    return f"{prefix}:pace:{site}"


def inflight_key(prefix: str, site: str) -> str:
    """A site's slots in use (:mod:`newscrawl.crawl.politeness.slots`)."""
    return f"{prefix}:inflight:{site}"


__all__ = ["URL_SETTINGS", "connect", "crawl_prefix", "dupefilter_key", "inflight_key",
           "pace_key", "redis_url", "requests_key", "robots_key", "robots_lock_key", "workers_key"]
