"""A shared crawl frontier on Redis: several crawler processes, one queue, each request once.

Switched on by setting ``NEWSCRAWL_REDIS_URL`` (environment or Scrapy setting; scrapy-redis'
own ``REDIS_URL`` works too): the :class:`~newscrawl.crawl.shared.addon.RedisFrontier` add-on
(``ADDONS`` in :mod:`newscrawl.crawl.settings`) then puts the scheduler here
(:class:`SharedScheduler`, scrapy-redis' with two additions) and scrapy-redis' request
dupefilter in place of Scrapy's, so every ``scrapy crawl news`` process pointed at the same
Redis and database - on one machine or many - pulls from one request queue and never requests
what another already has. Without the setting nothing changes (a single process with Scrapy's
own scheduler).

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
  seconds, then closes with the reason ``finished``. Scrapy's engine looks at an
  idle crawl's scheduler every 5 s; an idle process here has it look every 0.5 s, so it takes
  up work queued by the others at once and ends 0-0.5 s after the timeout. scrapy-redis' own
  ``SCHEDULER_IDLE_BEFORE_CLOSE`` is not used: it blocks on the queue inside the reactor.
* **A queue per site, the least busy site first** (:class:`SlotAwareQueue`), as Scrapy's own
  default (``DownloaderAwarePriorityQueue``) does in memory: scrapy-redis' single sorted set,
  scored by priority alone, hands out equal-priority requests grouped by site; Scrapy's engine
  takes up to ``CONCURRENT_REQUESTS`` of them while only a few per site may be in flight, so the
  rest wait in one site's slot while other sites idle, and the processes together crawl slow
  sites slower than one process alone (docs/measurements.md, "Crawl: figures behind its
  settings"). Here each download
  slot (site) has its own sorted set; a process pops from the slot with the fewest requests in
  its own downloader, and never from a site it already has ``CONCURRENT_REQUESTS_PER_DOMAIN``
  requests for (in its middlewares - e.g. waiting for a paced slot - queued or transferring):
  those it could not send now, and another process can. Scrapy's engine asks again as soon as
  one of its downloads ends. Push and pop are Lua scripts (atomic: a request is handed to exactly one
  process), and a counter kept by the same scripts answers "how many are waiting" in one call.
* **Keys**: all under ``NEWSCRAWL_REDIS_PREFIX``, listed in :mod:`newscrawl.crawl.shared.keys`.
* **A run is over when every process waits on an empty queue.** Each process that is idle
  (nothing in flight, nothing queued) is in the run's set of idle workers until it pops a
  request again (it leaves the set *before* popping, so a newcomer never sees an empty queue and
  only idle workers while a request is on its way). A process that starts while every live
  worker is idle and the queue is empty - a scheduled run started while the last one waits out
  its idle timeout - begins a **new run** (fresh dupefilter: it reads the feeds again), and the
  idle processes take their share of its requests; a process that starts while any worker is
  busy joins the run under way (its feeds were read by this run already).
* **Politeness is shared** (:mod:`newscrawl.crawl.politeness`, put in place by the add-on):
  robots.txt fetched once per site and run, one request rate and one concurrency limit per site
  across the processes (Redis leases that lapse when their process dies: :mod:`newscrawl.crawl.shared.leases`).
* **The per-machine overlap lock is off** (``NEWSCRAWL_LOCK = False``, :mod:`newscrawl.crawl.run`):
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
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.misc import load_object
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from newscrawl.crawl import settings as defaults
from newscrawl.crawl.shared.keys import crawl_prefix, robots_key, workers_key

logger = logging.getLogger(__name__)

#: A worker that has not beaten its heartbeat for this long is taken to be dead.
WORKER_STALE_AFTER = 120.0
#: Seconds between two heartbeats of a worker.
HEARTBEAT_EVERY = 10.0
#: Seconds between two looks at the shared queue by an idle process (Scrapy's own: 5 s).
IDLE_POLL = 0.5
STATS = "newscrawl/frontier"

# How many requests wait under KEYS[3], whatever scrapy-redis queue class keeps them there.
_WAITING = """
local function waiting(key)
  local kind = redis.call('TYPE', key).ok
  if kind == 'string' then return tonumber(redis.call('GET', key)) or 0 end
  if kind == 'zset' then return redis.call('ZCARD', key) end
  if kind == 'list' then return redis.call('LLEN', key) end
  return 0
end
"""
# KEYS: workers, dupefilter, the queue's counter, the idle workers, the robots.txt copies;
# ARGV: worker id, now, stale-before.
# Returns "fresh" (a new run: dupefilter, idle set and robots.txt copies started anew), "resume"
# (first worker, requests left by an interrupted run) or "join" (other workers are running).
_JOIN = _WAITING + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local workers = redis.call('ZRANGE', KEYS[1], 0, -1)
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local queued = waiting(KEYS[3])
if #workers > 0 then
  if queued > 0 then return 'join' end
  for _, worker in ipairs(workers) do
    if redis.call('SISMEMBER', KEYS[4], worker) == 0 then return 'join' end
  end
  -- Every live worker is waiting out its idle timeout on an empty queue: that run is over.
end
if #workers == 0 and queued > 0 then return 'resume' end
redis.call('DEL', KEYS[2], KEYS[4], KEYS[5])
return 'fresh'
"""
# KEYS: as for _JOIN; ARGV: worker id, stale-before.
# Returns the live workers left; the last one out deletes the dupefilter, idle set and robots.txt
# copies (the run is over), unless requests are still queued (the run was stopped, not finished:
# it resumes).
_LEAVE = _WAITING + """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local left = redis.call('ZCARD', KEYS[1])
if left == 0 and waiting(KEYS[3]) == 0 then redis.call('DEL', KEYS[2], KEYS[4], KEYS[5]) end
return left
"""


# KEYS: the slot's sorted set, the set of slots, the counter; ARGV: score, request, slot.
_PUSH = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return redis.call('INCR', KEYS[3])
"""
# KEYS: as for _PUSH; ARGV: slot. The request, or nil when the slot is empty.
_POP = """
local got = redis.call('ZPOPMIN', KEYS[1])
if #got == 0 then
  redis.call('SREM', KEYS[2], ARGV[1])
  return false
end
if redis.call('DECR', KEYS[3]) <= 0 then redis.call('DEL', KEYS[3]) end
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return got[1]
"""


class SlotAwareQueue(Base):
    """A Redis priority queue per download slot; pops from the least busy one (module docstring)."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.count_key = f"{self.key}:count"
        self.slots_key = f"{self.key}:slots"
        self._push = server.register_script(_PUSH)
        self._pop = server.register_script(_POP)

    def _slot_key(self, slot: str) -> str:
        return f"{self.key}:slot:{slot}"

    def _downloader(self):
        engine = getattr(getattr(self.spider, "crawler", None), "engine", None)
        return getattr(engine, "downloader", None)

    def _slot_of(self, request) -> str:
        downloader = self._downloader()
        if downloader is not None:
            return downloader.get_slot_key(request)
        return urlsplit(request.url).hostname or ""

    def _load(self) -> tuple[Counter, Callable[[str], int]]:
        """Requests per site in this process's downloader (its middlewares, the site's queue,
        transferring), and how many it may have per site (the download slot's concurrency)."""
        downloader = self._downloader()
        if downloader is None:
            return Counter(), lambda slot: 1 << 30
        load = Counter(downloader.get_slot_key(r) for r in getattr(downloader, "active", ()))
        default = getattr(downloader, "domain_concurrency", 0) or (1 << 30)

        def room(slot: str) -> int:
            known = downloader.slots.get(slot)
            return getattr(known, "concurrency", default) or default

        return load, room

    def __len__(self) -> int:
        return int(self.server.get(self.count_key) or 0)

    def push(self, request) -> None:
        slot = self._slot_of(request)
        self._push(keys=[self._slot_key(slot), self.slots_key, self.count_key],
                   args=[-request.priority, self._encode_request(request), slot])

    def pop(self, timeout=0):
        slots = [m.decode() if isinstance(m, bytes) else m
                 for m in self.server.smembers(self.slots_key)]
        if not slots:
            return None
        load, room = self._load()
        random.shuffle(slots)  # ties between equally busy slots: no slot always first
        slots.sort(key=lambda s: load[s])
        for slot in slots:
            if load[slot] >= room(slot):
                break  # this process cannot send to this site (nor the busier ones) now
            data = self._pop(keys=[self._slot_key(slot), self.slots_key, self.count_key],
                             args=[slot])
            if data:
                return self._decode_request(data)
        return None

    def clear(self) -> None:
        slots = self.server.smembers(self.slots_key)
        keys = [self._slot_key(m.decode() if isinstance(m, bytes) else m) for m in slots]
        self.server.delete(self.count_key, self.slots_key, *keys)


class SharedScheduler(Scheduler):
    """scrapy-redis' scheduler with a per-run dupefilter and an idle timeout (module docstring)."""

    def __init__(self, *args: Any,
                 idle_timeout: float = float(defaults.NEWSCRAWL_REDIS_IDLE_TIMEOUT),
                 workers_key_template: str = workers_key(defaults.NEWSCRAWL_REDIS_PREFIX, "%(spider)s"),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.idle_timeout = idle_timeout
        self.workers_key_template = workers_key_template
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.idle_since: float | None = None
        self._last_beat = 0.0
        self.workers_key = ""
        self.robots_key_template = robots_key(defaults.NEWSCRAWL_REDIS_PREFIX, "%(spider)s")
        self.robots_key = ""
        self.idle_marked = False
        self.crawler = None
        self._idle_poll = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        prefix = crawl_prefix(settings)
        # scrapy-redis builds from settings; the two extra parameters are set afterwards.
        instance = super().from_crawler(crawler)
        instance.idle_timeout = settings.getfloat("NEWSCRAWL_REDIS_IDLE_TIMEOUT",
                                                  defaults.NEWSCRAWL_REDIS_IDLE_TIMEOUT)
        instance.workers_key_template = workers_key(prefix, "%(spider)s")
        instance.robots_key_template = robots_key(prefix, "%(spider)s")
        instance.crawler = crawler
        crawler.signals.connect(instance.spider_idle, signal=signals.spider_idle)
        return instance

    @property
    def idle_key(self) -> str:
        return f"{self.workers_key}:idle"

    def _keys(self) -> list[str]:
        # The counter of SlotAwareQueue; scrapy-redis' own queues keep everything in .key.
        return [self.workers_key, self.df.key, getattr(self.queue, "count_key", self.queue.key),
                self.idle_key, self.robots_key]

    def open(self, spider):
        # scrapy-redis' open(), restated without its ``spider.log()`` call (deprecated in Scrapy
        # 2.14+); "Resuming crawl" is logged below instead.
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key % {"spider": spider.name},
            serializer=self.serializer)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        self.workers_key = self.workers_key_template % {"spider": spider.name}
        self.robots_key = self.robots_key_template % {"spider": spider.name}
        now = time.time()
        how = self.server.eval(_JOIN, 5, *self._keys(), self.worker_id, now,
                               now - WORKER_STALE_AFTER)
        how = how.decode() if isinstance(how, bytes) else how
        self._last_beat = now
        logger.info("Shared frontier at %s: %s (queue %s, %d requests waiting)",
                    _mask(self.server), {"fresh": "new run", "resume": "resuming an interrupted run",
                                         "join": "joining a running crawl"}[how],
                    self.queue.key, len(self.queue))
        if how == "resume":
            logger.info("Resuming crawl (%d requests scheduled)", len(self.queue))
        if self.stats is not None:
            self.stats.set_value(f"{STATS}/joined", how)

    def close(self, reason):
        self._stop_idle_poll()
        left = self.server.eval(_LEAVE, 5, *self._keys(), self.worker_id,
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

    def _mark_idle(self, idle: bool) -> None:
        if idle:
            self.server.sadd(self.idle_key, self.worker_id)
        else:
            self.server.srem(self.idle_key, self.worker_id)
        self.idle_marked = idle

    def next_request(self):
        self._beat()
        # An idle worker says it is busy *before* it pops: a process joining in between sees
        # either the request still queued or this worker busy, never an empty, idle run.
        was_idle = self.idle_marked
        if was_idle:
            self._mark_idle(False)
        request = self.queue.pop(0)  # never blocking: this runs in the reactor thread
        if request is None and was_idle:
            self._mark_idle(True)
        if request is not None:
            self.idle_since = None
            self._stop_idle_poll()
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
        # Idle on an empty queue: a process starting now begins a new run (module docstring).
        self._mark_idle(True)
        self._start_idle_poll()
        if now - self.idle_since < self.idle_timeout:
            raise DontCloseSpider


    # Scrapy's engine looks at the scheduler of an idle crawl every 5 s only: a process whose own
    # feeds were already read by another would sit out the first 5 s of every run while the
    # others queue work. While idle it asks the engine to look every IDLE_POLL seconds.
    def _start_idle_poll(self) -> None:
        if self._idle_poll is None and self._engine_nextcall() is not None:
            self._idle_poll = LoopingCall(self._poke_engine)
            self._idle_poll.start(IDLE_POLL, now=False)

    def _stop_idle_poll(self) -> None:
        if self._idle_poll is not None:
            if self._idle_poll.running:
                self._idle_poll.stop()
            self._idle_poll = None

    def _engine_nextcall(self):
        # The engine's own "process the scheduler now" call (private to Scrapy: without it, the
        # 5 s heartbeat is all there is).
        engine = getattr(self.crawler, "engine", None)
        return getattr(getattr(engine, "_slot", None), "nextcall", None)

    def _poke_engine(self) -> None:
        nextcall = self._engine_nextcall()
        if nextcall is not None:
            nextcall.schedule()


def _mask(server) -> str:
    kwargs = server.connection_pool.connection_kwargs
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


__all__ = ["STATS", "SharedScheduler", "SlotAwareQueue"]
