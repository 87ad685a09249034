"""A shared crawl frontier on Redis: several crawler processes, one queue, each request once.

Switched on by setting ``NEWSCRAWL_REDIS_URL`` (environment or Scrapy setting; scrapy-redis'
own ``REDIS_URL`` works too): the :class:`RedisFrontier` add-on (``ADDONS`` in
:mod:`newscrawl.settings`) then puts scrapy-redis' scheduler and request dupefilter in place of
Scrapy's, so every ``scrapy crawl news`` process pointed at the same Redis and database - on
one machine or many - pulls from one request queue and never requests what another already
has. Without the setting nothing changes (a single process with Scrapy's own scheduler).

Design decisions:

* **scrapy-redis, not a home-made queue**: its priority queue (a sorted set, pop = one
  MULTI/EXEC) and set-based dupefilter (``SADD`` answers "seen before" atomically) are what the
  frontier needs. Its scheduler works with Scrapy 2.14+ unchanged (Scrapy checks a scheduler by
  its methods, and scrapy-redis' request (de)serialization uses ``Request.to_dict`` /
  ``request_from_dict``); only the two behaviours below are added, in a subclass.
* **The dupefilter lives for one run, shared by all its processes.** scrapy-redis either
  clears queue and dupefilter when *a* process closes (``SCHEDULER_PERSIST = False``: the first
  process to finish would wipe what the others still rely on, and they would fetch again what
  it had fetched) or never (``True``: the next scheduled run would never read the feeds again).
  So newscrawl keeps them (persist) and registers each process in a Redis sorted set of
  workers (scored by a heartbeat): the first process of a run (no live worker) starts a fresh
  dupefilter, the last one to leave deletes it. Both checks are one Lua script each, atomic in
  Redis, so two processes starting together cannot both think they are first. A worker whose
  heartbeat is older than :data:`WORKER_STALE_AFTER` (killed, host lost) no longer counts.
  A first process that finds requests left in the queue (a run that was killed) resumes that
  run - queue *and* dupefilter, like ``JOBDIR`` (``Resuming crawl`` in the log).
* **The crawl ends when the frontier drains.** A process with nothing to do while others are
  still parsing feeds would otherwise close at once and leave them the rest; it waits instead
  until the shared queue has stayed empty (and it idle) for ``NEWSCRAWL_REDIS_IDLE_TIMEOUT``
  seconds (default 10), then closes with the reason ``finished``. Scrapy checks for idleness
  every 5 s, so a process ends 0-5 s after the timeout. scrapy-redis' own
  ``SCHEDULER_IDLE_BEFORE_CLOSE`` is not used: it blocks on the queue inside the reactor.
* **Sites interleaved in the queue** (:class:`SpreadPriorityQueue`): scrapy-redis' priority
  queue is a sorted set scored by priority alone, so requests of equal priority come out in
  the order of their serialized bytes - grouped by site. Scrapy's engine pulls up to
  ``CONCURRENT_REQUESTS`` of them, and with at most 2 in flight per site the rest wait in one
  site's slot while other sites idle (measured: a crawl of four slow sites ran at 0.65x the
  single-process scheduler's rate). A random fraction below 1 added to the score keeps the
  priority order and draws equal-priority requests in random order, i.e. spread over sites.
* **Keys**: ``<NEWSCRAWL_REDIS_PREFIX>:<spider>:requests`` / ``:dupefilter`` / ``:workers``,
  prefix ``newscrawl`` by default. Crawls of *different* sources sharing one Redis need
  different prefixes; processes of the same crawl must share one.
* **The per-machine overlap lock is off** (``NEWSCRAWL_LOCK = False``, :mod:`newscrawl.run`):
  with a shared frontier a second process joins the crawl, which is the point; ``JOBDIR`` is
  ignored (the queue is in Redis).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
import uuid
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

logger = logging.getLogger(__name__)

URL_SETTINGS = ("NEWSCRAWL_REDIS_URL", "REDIS_URL")
DEFAULT_PREFIX = "newscrawl"
DEFAULT_IDLE_TIMEOUT = 10.0
#: A worker that has not beaten its heartbeat for this long is taken to be dead.
WORKER_STALE_AFTER = 120.0
#: Seconds between two heartbeats of a worker.
HEARTBEAT_EVERY = 10.0
STATS = "newscrawl/frontier"

# KEYS: workers, dupefilter, queue; ARGV: worker id, now, stale-before.
# Returns "fresh" (a new run: dupefilter started anew), "resume" (first worker, requests left
# by an interrupted run) or "join" (other workers are running).
_JOIN = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local others = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
if others > 0 then return 'join' end
if redis.call('EXISTS', KEYS[3]) == 1 then return 'resume' end
redis.call('DEL', KEYS[2])
return 'fresh'
"""
# KEYS: workers, dupefilter, queue; ARGV: worker id, stale-before.
# Returns the live workers left; the last one out deletes the dupefilter (the run is over),
# unless requests are still queued (the run was stopped, not finished: it resumes).
_LEAVE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local left = redis.call('ZCARD', KEYS[1])
if left == 0 and redis.call('EXISTS', KEYS[3]) == 0 then redis.call('DEL', KEYS[2]) end
return left
"""


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


class RedisFrontier:
    """Scrapy add-on: the shared frontier when a Redis URL is configured (module docstring)."""

    def update_settings(self, settings) -> None:
        url = redis_url(settings)
        if not url:
            raise NotConfigured  # no Redis URL: Scrapy's own scheduler, silently
        prefix = settings.get("NEWSCRAWL_REDIS_PREFIX") or DEFAULT_PREFIX
        settings.set("REDIS_URL", url, priority="addon")
        settings.set("SCHEDULER", "newscrawl.frontier.SharedScheduler", priority="addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        settings.set("SCHEDULER_QUEUE_CLASS", "newscrawl.frontier.SpreadPriorityQueue",
                     priority="addon")
        settings.set("SCHEDULER_QUEUE_KEY", f"{prefix}:%(spider)s:requests", priority="addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", f"{prefix}:%(spider)s:dupefilter", priority="addon")
        settings.set("NEWSCRAWL_LOCK", False, priority="addon")


class SpreadPriorityQueue(PriorityQueue):
    """scrapy-redis' priority queue, equal priorities drawn at random (module docstring)."""

    def push(self, request) -> None:
        data = self._encode_request(request)
        # Priorities are integers: a fraction in [0, 1) never reorders two of them.
        score = -request.priority + random.random()
        self.server.execute_command("ZADD", self.key, score, data)


class SharedScheduler(Scheduler):
    """scrapy-redis' scheduler with a per-run dupefilter and an idle timeout (module docstring)."""

    def __init__(self, *args: Any, idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
                 workers_key_template: str = f"{DEFAULT_PREFIX}:%(spider)s:workers",
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.idle_timeout = idle_timeout
        self.workers_key_template = workers_key_template
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.idle_since: float | None = None
        self._last_beat = 0.0
        self.workers_key = ""

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        prefix = settings.get("NEWSCRAWL_REDIS_PREFIX") or DEFAULT_PREFIX
        # scrapy-redis builds from settings; the two extra parameters are set afterwards.
        instance = super().from_crawler(crawler)
        instance.idle_timeout = settings.getfloat("NEWSCRAWL_REDIS_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT)
        instance.workers_key_template = f"{prefix}:%(spider)s:workers"
        crawler.signals.connect(instance.spider_idle, signal=signals.spider_idle)
        return instance

    def _keys(self) -> list[str]:
        return [self.workers_key, self.df.key, self.queue.key]

    def open(self, spider):
        super().open(spider)
        self.workers_key = self.workers_key_template % {"spider": spider.name}
        now = time.time()
        how = self.server.eval(_JOIN, 3, *self._keys(), self.worker_id, now,
                               now - WORKER_STALE_AFTER)
        how = how.decode() if isinstance(how, bytes) else how
        self._last_beat = now
        logger.info("Shared frontier at %s: %s (queue %s, %d requests waiting)",
                    _mask(self.server), {"fresh": "new run", "resume": "resuming an interrupted run",
                                         "join": "joining a running crawl"}[how],
                    self.queue.key, len(self.queue))
        if self.stats is not None:
            self.stats.set_value(f"{STATS}/joined", how)

    def close(self, reason):
        left = self.server.eval(_LEAVE, 3, *self._keys(), self.worker_id,
                                time.time() - WORKER_STALE_AFTER)
        logger.info("Left the shared frontier (%s); %d other workers still running", reason, left)
        return super().close(reason)

    def _beat(self) -> None:
        now = time.time()
        if now - self._last_beat >= HEARTBEAT_EVERY:
            self.server.zadd(self.workers_key, {self.worker_id: now})
            self._last_beat = now

    # enqueue_request / next_request are scrapy-redis' own, restated without the ``spider``
    # argument its versions pass to the stats collector, which Scrapy 2.14+ deprecates (a
    # warning per request otherwise). The queue and dupefilter calls are unchanged.
    def enqueue_request(self, request) -> bool:
        self.idle_since = None
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats is not None:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        self._beat()
        request = self.queue.pop(0)  # never blocking: this runs in the reactor thread
        if request is not None:
            self.idle_since = None
            if self.stats is not None:
                self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def spider_idle(self, spider) -> None:
        """Keep the process until the shared queue has been empty for ``idle_timeout`` seconds."""
        self._beat()
        if len(self.queue):
            self.idle_since = None
            raise DontCloseSpider  # another process queued more: the engine pulls it next
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_timeout:
            raise DontCloseSpider


def _mask(server) -> str:
    kwargs = server.connection_pool.connection_kwargs
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


__all__ = ["RedisFrontier", "SharedScheduler", "SpreadPriorityQueue", "redis_url"]
