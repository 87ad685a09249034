"""Scrapy item pipelines: thin wrappers, one per stage, over :mod:`newscrawl.stages.process`.

Each pipeline runs one ``step_*`` function on the item's :class:`~newscrawl.stages.process.Work` and
counts what it did in namespaced stats (``newscrawl/<stage>/...``). Settings are read in
``from_crawler``; ``__init__`` takes plain values, so the pipelines can be built in tests without
a crawler.

With more than one core, :class:`StageWorkersPipeline` runs every stage of an item in a worker
process first (``NEWSCRAWL_STAGE_WORKERS``); the stage pipelines are then left out of the chain
(they would only pass the item on), and only the store runs in the crawler's process.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from scrapy.exceptions import NotConfigured

from newscrawl.crawl import settings as defaults
from newscrawl.stages import process
from newscrawl.stages import language
from newscrawl.crawl.items import PageItem
from newscrawl.store.precompute import staged_for_store

logger = logging.getLogger(__name__)


class _StagePipeline:
    stage: str = ""
    step: Callable[[process.Work], None]

    def __init__(self, stats: Any = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        cls._unless_staged_in_workers(crawler)
        return cls(stats=crawler.stats)

    @staticmethod
    def _unless_staged_in_workers(crawler) -> None:
        """With stage workers every item is staged before it reaches this pipeline, which would
        only pass it on: it is left out of the chain (quietly: nothing is wrong)."""
        if staged_in_workers(crawler.settings):
            raise NotConfigured

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newscrawl/{key}", count)

    def work_of(self, item: PageItem) -> process.Work:
        work = item.stages.get("work")
        if work is None:
            work = process.start(item.to_page())
            item.stages["work"] = work
        return work

    def process_item(self, item: PageItem) -> PageItem:
        if item.error is not None or item.status == 304:
            return item  # no body to process: a failed download or a "not modified" answer
        if STAGED in item.stages:
            return item  # every stage ran in a worker process (StageWorkersPipeline)
        work = self.work_of(item)
        was_skipped = work.skipped
        known = len(work.record.repairs)
        process.run_step(type(self).step, work)
        for repair in work.record.repairs[known:]:
            self._inc(f"{repair.stage}/{repair.kind}", repair.count)
        if work.skipped and not was_skipped:
            self._inc(f"{self.stage}/skipped/{work.record.skip_reason.split(':')[0]}")
        if not work.skipped:
            self.count(work.record)
        item.record = work.record
        return item

    def count(self, record) -> None:
        """Stage-specific stats of a record this stage did not skip; the default counts nothing
        more. From the record alone, so a worker's record is counted the same way."""


class DecodePipeline(_StagePipeline):
    stage = "decode"
    step = staticmethod(process.step_decode)

    def count(self, record) -> None:
        self._inc(f"decode/source/{record.encoding_source}")
        self._inc(f"decode/encoding/{record.encoding}")
        if record.encoding_conflict:
            self._inc("decode/conflict")


class _PreloadingStagePipeline(_StagePipeline):
    """A stage whose data (models, parser tables) is loaded when the spider opens, before the
    first page rather than during it; with stage workers the pipeline is not in the chain and
    that data is theirs (they start warm), so this process does not hold it for nothing."""

    preload_step: Callable[[], None]

    def __init__(self, stats: Any = None, preload: bool = True) -> None:
        super().__init__(stats)
        self.preload = preload

    @classmethod
    def from_crawler(cls, crawler):
        cls._unless_staged_in_workers(crawler)
        return cls(stats=crawler.stats)

    def open_spider(self) -> None:
        if self.preload:
            type(self).preload_step()


class ExtractPipeline(_PreloadingStagePipeline):
    stage = "extract"
    step = staticmethod(process.step_extract)
    # All that a stage worker loads when it starts (process.warm_up: the date parser's locale
    # data, trafilatura's stoplist, the detectors' models, the Public Suffix List, then the
    # collector's freeze), so a one-process crawl's pages get the same head start.
    preload_step = staticmethod(process.warm_up)


class RepairPipeline(_StagePipeline):
    stage = "repair"
    step = staticmethod(process.step_repair)


class LanguagePipeline(_PreloadingStagePipeline):
    stage = "language"
    step = staticmethod(process.step_language)
    preload_step = staticmethod(language.load_models)  # the detectors' models

    def count(self, record) -> None:
        if record.language:
            self._inc(f"language/article/{record.language}")


class CleanPipeline(_StagePipeline):
    stage = "clean"
    step = staticmethod(process.step_clean)


class FingerprintPipeline(_StagePipeline):
    stage = "fingerprint"
    step = staticmethod(process.step_fingerprint)


#: The stage pipelines in their order (ITEM_PIPELINES), one per step of process.STEPS.
STAGE_PIPELINES: tuple[type[_StagePipeline], ...] = (
    DecodePipeline, ExtractPipeline, RepairPipeline, LanguagePipeline, CleanPipeline,
    FingerprintPipeline)
#: Key in ``item.stages`` of what a worker process made of the page (a ``Staged``).
STAGED = "staged"
#: Skip reason of a page whose worker process died on it when it was staged alone; the page is
#: stored all the same (a fetch with this reason and its bytes), so it can be reprocessed.
WORKER_DIED = "stage_worker_died"


def stage_workers(settings: Any) -> int:
    """Worker processes the crawl's stages run in (``NEWSCRAWL_STAGE_WORKERS``; 0 or 1: none)."""
    from newscrawl.stages.workers import usable_cores

    value = settings.get("NEWSCRAWL_STAGE_WORKERS", defaults.NEWSCRAWL_STAGE_WORKERS)
    if value is None or str(value).strip() in ("", "None"):
        return usable_cores()
    try:
        workers = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"NEWSCRAWL_STAGE_WORKERS must be a number of processes, got {value!r}") from None
    if workers < 0:
        raise ValueError(f"NEWSCRAWL_STAGE_WORKERS must be >= 0, got {value!r}")
    return workers


def staged_in_workers(settings: Any) -> bool:
    """Whether the crawl's items are staged in worker processes: more than one asked for
    (:func:`stage_workers`) and a :class:`StageWorkersPipeline` among the item pipelines."""
    from scrapy.utils.conf import build_component_list
    from scrapy.utils.misc import load_object

    if stage_workers(settings) <= 1:
        return False
    for component in build_component_list(settings.getwithbase("ITEM_PIPELINES")):
        component = load_object(component) if isinstance(component, str) else component
        if isinstance(component, type) and issubclass(component, StageWorkersPipeline):
            return True
    return False


class StageWorkersPipeline:
    """Runs every stage of an item in one of ``NEWSCRAWL_STAGE_WORKERS`` worker processes
    (:func:`newscrawl.stages.workers.stage_pool`, the pool ``newscrawl ingest`` uses), so the
    stages use the other cores while the crawler's process fetches and stores. Off (Scrapy's
    ``NotConfigured``) at 0 or 1 worker: the stage pipelines then run in the crawler's process.

    Each page goes to the pool and the reactor goes on fetching; the item comes back with its
    record, counted in the same stats the stage pipelines keep, and those pass it on untouched.
    Items reach the store in the order their stages finish, not the order of their downloads;
    the store places one item at a time, on its own thread, so two copies of one story in
    flight at once are matched as in a crawl of one process (one of them first).

    A worker that dies (killed, out of memory, a crash in a C library) breaks the pool: every
    page the pool held fails with ``BrokenProcessPool``. The pool is started again
    (``newscrawl/stage_workers/restarts``) for the pages to come, and those pages are tried
    again one at a time in a worker of their own (:meth:`_alone`), so the page that kills a
    worker is known: it is stored as a skipped fetch with the reason ``stage_worker_died``
    (``newscrawl/stage_workers/died``), its bytes kept - never lost - and the crawl goes on.
    The workers ignore Ctrl-C: Scrapy's graceful stop finishes the pages in flight, then the
    pool is shut down with the spider. A forced stop (the signal sent twice) does not wait for
    them (:func:`on_forced_stop`): the workers are killed with their pages, which were not
    stored and are fetched again by the next run.
    """

    #: What a worker runs on a page (a module-level function: it is sent by name): the stages,
    #: and what the store will compute from the record (newscrawl.store.precompute), so the
    #: crawler's store thread is left with the database work.
    work = staticmethod(staged_for_store)

    def __init__(self, workers: int, stats: Any = None) -> None:
        from twisted.internet.defer import DeferredLock

        self.workers = workers
        self.stats = stats
        self.pool = None
        #: The pool of one worker that pages of a broken pool are tried again in (_alone).
        self._alone_pool = None
        self._alone_lock = DeferredLock()
        self._counters = [cls(stats) for cls in STAGE_PIPELINES]
        self._memory = None
        #: Every pool started, so a forced stop finds the workers of one being shut down too.
        self._pools: list = []
        self._closed = False
        #: Set by a forced stop: pages are no longer sent to workers.
        self._killed = False

    @classmethod
    def from_crawler(cls, crawler):
        workers = stage_workers(crawler.settings)
        if workers <= 1:
            raise NotConfigured("NEWSCRAWL_STAGE_WORKERS is 0 or 1: the stages run in this process")
        return cls(workers, stats=crawler.stats)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newscrawl/{key}", count)

    #: Seconds between two samples of the workers' memory (``newscrawl/stage_workers/rss_max_mb``:
    #: the most one worker held; the crawler's own is Scrapy's ``memusage/max``).
    MEMORY_INTERVAL = 5.0

    async def open_spider(self) -> None:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import task
        from twisted.internet.threads import deferToThread

        # A crawl that stops without close_spider (a forced stop) leaves no worker behind.
        on_forced_stop(lambda: self._closed, self._kill_workers)
        self._memory = task.LoopingCall(self.sample_memory)
        self._memory.start(self.MEMORY_INTERVAL, now=False)
        # The workers are started and warmed before the first page is fetched, as the stage
        # pipelines load their models before it: pages fetched meanwhile would only wait. Off
        # the reactor: starting the first worker waits for the fork server to import and warm
        # up the stages (seconds of CPU, once), and the reactor keeps turning meanwhile.
        await maybe_deferred_to_future(deferToThread(self._start_workers))

    def _start_workers(self) -> None:
        """Start the pool and each of its workers (in a thread: see open_spider)."""
        import os

        pool = self._start_pool()
        try:
            for future in [pool.submit(os.getpid) for _ in range(self.workers)]:
                future.result()
        except Exception as exc:  # noqa: BLE001 - the first page starts them again
            logger.warning("Stage workers did not start: %r", exc)

    def sample_memory(self) -> None:
        pools = (self.pool, self._alone_pool)
        pids = [pid for pool in pools if pool is not None for pid in getattr(pool, "_processes", None) or ()]
        sizes = [size for size in map(_rss_mb, pids) if size is not None]
        if sizes and self.stats is not None:
            self.stats.max_value("newscrawl/stage_workers/rss_max_mb", round(max(sizes)))

    def _new_pool(self, workers: int):
        """A pool of ``workers`` forked warm from the fork server, which imports the module of
        the function pages are sent to (:func:`newscrawl.stages.workers.stage_pool`)."""
        from newscrawl.stages.workers import stage_pool

        pool = stage_pool(workers, ignore_interrupt=True, forkserver=True,
                          preload=(type(self).work.__module__,))
        # Pools already shut down (a broken one, a finished one-worker pool) are let go.
        self._pools = [p for p in self._pools if getattr(p, "_processes", None) is not None]
        self._pools.append(pool)
        return pool

    def _start_pool(self):
        self.pool = self._new_pool(self.workers)
        return self.pool

    def _stop_pool(self, wait: bool) -> None:
        for name in ("pool", "_alone_pool"):
            pool = getattr(self, name)
            setattr(self, name, None)
            if pool is not None:
                pool.shutdown(wait=wait, cancel_futures=True)

    def _stop_workers(self) -> None:
        from newscrawl.stages.workers import stop_fork_server

        self._stop_pool(True)  # each worker finishes its page
        stop_fork_server()
        self._pools.clear()

    def _kill_workers(self) -> None:
        """A forced stop: the workers end now, their pages with them. Waiting for them would
        hold the exit (Python joins a pool's manager thread, which waits for the pages its
        workers run, and a thread waiting in :meth:`_stop_workers` holds the reactor's thread
        pool), and nothing of theirs is stored."""
        from newscrawl.stages.workers import stop_fork_server

        self._killed = True
        for pool in self._pools:
            for worker in list((getattr(pool, "_processes", None) or {}).values()):
                try:
                    worker.kill()
                except (OSError, ValueError, AttributeError):
                    pass  # already gone, or never started
        self._stop_pool(False)
        for pool in self._pools:
            pool.shutdown(wait=False, cancel_futures=True)
        self._pools.clear()
        stop_fork_server()

    async def close_spider(self) -> None:
        from twisted.internet.threads import deferToThread
        from scrapy.utils.defer import maybe_deferred_to_future

        if self._memory is not None and self._memory.running:
            self.sample_memory()
            self._memory.stop()
        # Waiting for the workers to exit is done off the reactor.
        await maybe_deferred_to_future(deferToThread(self._stop_workers))
        self._closed = True

    async def process_item(self, item: PageItem) -> PageItem:
        if item.error is not None or item.status == 304:
            return item
        from concurrent.futures import CancelledError
        from concurrent.futures.process import BrokenProcessPool

        if self._killed:  # a forced stop: passed on unstaged, the store spools it as it came
            return item
        page = item.to_page()
        pool = self.pool or self._start_pool()
        try:
            staged = await _on_reactor(pool.submit(self.work, page))
        except (BrokenProcessPool, CancelledError):
            if self._killed:  # its worker was killed by a forced stop: as above
                return item
            if self.pool is pool:  # the first of its pages to hear of it starts another
                logger.warning("A stage worker died; starting the stage workers again")
                self._inc("stage_workers/restarts")
                self.pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            staged = await self._alone(item, page)
            if staged is None:
                return item
        self.count(staged)
        item.stages[STAGED] = staged
        item.record = staged.record
        return item

    async def _alone(self, item: PageItem, page) -> Any:
        """The stages of a page that was in a pool when a worker died, in a pool of one worker
        that takes one page at a time: should that worker die too, this page is what killed it,
        and it is stored as skipped (reason ``stage_worker_died``); the other pages of the
        broken pool are done there one by one, each stored as it should be. None: a forced
        stop came meanwhile (the page is passed on unstaged, as in :meth:`process_item`)."""
        from concurrent.futures import CancelledError
        from concurrent.futures.process import BrokenProcessPool

        from scrapy.utils.defer import maybe_deferred_to_future

        from newscrawl.stages.workers import Staged

        await maybe_deferred_to_future(self._alone_lock.acquire())
        try:
            if self._killed:
                return None
            if self._alone_pool is None:
                self._alone_pool = self._new_pool(1)
            try:
                return await _on_reactor(self._alone_pool.submit(self.work, page))
            except (BrokenProcessPool, CancelledError):
                if self._killed:
                    return None
                pool, self._alone_pool = self._alone_pool, None
                if pool is not None:
                    pool.shutdown(wait=False, cancel_futures=True)
        finally:
            self._alone_lock.release()
            if not self._alone_lock.locked and self._alone_pool is not None:
                # Nothing more to try alone: the extra worker is not kept.
                pool, self._alone_pool = self._alone_pool, None
                pool.shutdown(wait=False)
        logger.error("A stage worker died on %s, alone: stored as skipped, reason %s",
                     item.url, WORKER_DIED)
        self._inc("stage_workers/died")
        record = process.start(page).record
        record.skip_reason = WORKER_DIED
        return Staged(record, "stage_workers")

    def count(self, staged) -> None:
        """The stats the stage pipelines would have counted running in this process."""
        record = staged.record
        for repair in record.repairs:
            self._inc(f"{repair.stage}/{repair.kind}", repair.count)
        if staged.skipped_at is not None:
            self._inc(f"{staged.skipped_at}/skipped/{record.skip_reason.split(':')[0]}")
        for counter in self._counters:
            if staged.skipped_at == counter.stage or staged.skipped_at == "stage_workers":
                break
            counter.count(record)


def _rss_mb(pid: int) -> float | None:
    """The resident memory of process ``pid`` in MB (None: gone, or no /proc)."""
    import os

    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


#: Seconds a forced stop waits for the process to end by itself before it is ended: the store's
#: current transaction commits or rolls back and the items queued behind it are spooled, both
#: quick on a working database and disk; past this, something hangs (a database call waiting
#: out its timeouts), and ending the process loses nothing the next run does not recover: a
#: transaction not committed is rolled back, a spool line is fsynced before it counts, the run
#: lock is the kernel's, and a job directory left by an unclean stop is dropped at the next start.
FORCED_STOP_GRACE = 10.0
#: Seconds a forced stop gives the store's current transaction before its database call is cut
#: (the item is then spooled, as in an outage): a store takes well under this on a working
#: database; a longer one is waiting on a lock or a server that does not answer.
FORCED_STOP_STORE_WAIT = 4.0

_forced_exit_armed = False


def on_forced_stop(closed: Callable[[], bool], callback: Callable[[], None]) -> None:
    """Call ``callback`` when the reactor stops before ``closed()`` is true: a forced stop
    (Scrapy's answer to a second Ctrl-C or SIGTERM stops the reactor without closing the
    spider) or a crawl that failed before its spider closed. It runs before the reactor joins its
    threads, so what would make those wait (a pool's workers, the store's queue) is let go
    first; and the process is ended :data:`FORCED_STOP_GRACE` seconds later if it is still up."""
    from twisted.internet import reactor

    def stopping() -> None:
        if closed():
            return
        if not _forced_exit_armed:
            logger.warning("Stopped before the spider closed: pages not yet stored are left "
                           "for the next run")
        try:
            callback()
        finally:
            _arm_forced_exit(FORCED_STOP_GRACE)

    reactor.addSystemEventTrigger("before", "shutdown", stopping)


def _arm_forced_exit(seconds: float) -> None:
    """End the process ``seconds`` from now unless it has ended by then (once per process)."""
    global _forced_exit_armed
    import os
    import sys
    import threading
    import time

    if _forced_exit_armed:
        return
    _forced_exit_armed = True

    def exit_later() -> None:
        time.sleep(seconds)
        try:
            sys.stderr.write(f"newscrawl: still running {seconds:.0f} s after a forced stop; "
                             "exiting now (what was not stored is left for the next run)\n")
            sys.stderr.flush()
        finally:
            os._exit(1)

    threading.Thread(target=exit_later, name="newscrawl-forced-exit", daemon=True).start()


async def _on_reactor(future) -> Any:
    """The result of a ``concurrent.futures`` future, awaited on the reactor thread (its
    callbacks run on the pool's thread: the result is handed over with callFromThread)."""
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import defer, reactor

    deferred: defer.Deferred = defer.Deferred()

    def settle(done) -> None:
        try:
            result = done.result()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting item as is
            reactor.callFromThread(deferred.errback, exc)
        else:
            reactor.callFromThread(deferred.callback, result)

    future.add_done_callback(settle)
    return await maybe_deferred_to_future(deferred)


class _Abandoned(Exception):
    """A spool replay stopped by a forced stop: the entry and the rest stay spooled."""


def store_options(settings: Any) -> dict[str, float]:
    """How long the crawl's database calls may take (seconds), from the Scrapy settings (None:
    the defaults): ``connect_timeout``, ``lock_timeout`` (waiting for another's lock),
    ``timeout`` (one store in all). The store pipeline and the revisit look-ups share them."""
    def get(name: str) -> float:
        default = float(getattr(defaults, name))
        return settings.getfloat(name, default) if settings is not None else default

    return {"connect_timeout": get("NEWSCRAWL_DATABASE_CONNECT_TIMEOUT"),
            "lock_timeout": get("NEWSCRAWL_DATABASE_LOCK_TIMEOUT"),
            "timeout": get("NEWSCRAWL_DATABASE_TIMEOUT")}


class StorePipeline:
    """Stores every item: a fetch row always, a story version for articles.

    Items without a page - a failed download (``item.error``) or a 304 - skip the stages and
    become a ``failed`` fetch or an ``unchanged`` one (reason ``not_modified``).

    Concurrency and outages: each item is one transaction run by
    :func:`~newscrawl.store.concurrency.run_transaction` (conflicts with other processes are
    retried, ``newscrawl/store/retries``). When the database cannot be reached the item goes to
    the disk spool (:mod:`newscrawl.crawl.spool`, ``newscrawl/spool/spooled``) and the crawl goes on;
    for the next ``NEWSCRAWL_SPOOL_RETRY_INTERVAL`` seconds items are spooled without trying
    the database (a dead server would otherwise cost a connection attempt per item). The spool
    is replayed (``newscrawl/spool/replayed``) when the spider opens, as soon as a store
    succeeds again, and when the spider closes; what is still spooled at the end is logged and
    counted (``newscrawl/spool/pending``) and replayed by the next run. A database that is down
    when the crawl starts does not stop it: everything is spooled until it is back.

    Off the reactor: in a crawl, every database call of the pipeline runs on one worker thread
    of its own, so a slow, locked or hung database never stops fetching. One thread, fed in the
    order Scrapy hands items over: items are stored in that order, each exactly once (stored,
    or spooled), and the pipeline's state (outage, spool file) has a single owner. Every call
    is bounded (:func:`store_options`): a lock held longer than ``NEWSCRAWL_DATABASE_LOCK_TIMEOUT``
    or a store taking longer than ``NEWSCRAWL_DATABASE_TIMEOUT`` counts as unavailable, and the
    item is spooled. The synchronous :meth:`open_store`, :meth:`store_or_spool` and
    :meth:`close_store` do the work; the Scrapy hooks hand them to the thread.

    A page the database refuses (:mod:`newscrawl.store.refusals`) is stored as a ``failed`` fetch
    with the reason ``db_error:<class>`` (``newscrawl/store/refused``) and the crawl goes on;
    should even that fail, the item is set aside in the spool's ``rejected.jsonl`` with the
    reason (``newscrawl/spool/rejected``), as replay does with an entry it cannot store.

    A forced stop (:func:`on_forced_stop`) gives the store's current transaction
    :data:`FORCED_STOP_STORE_WAIT` seconds to commit (then cuts it: rolled back, the item is
    spooled) and spools every item queued behind it instead of storing it (a disk append, where
    a store can take far longer on a busy database); a spool replay under way stops at its next
    entry and keeps the rest. The next run stores them.
    """

    def __init__(self, database_url: str, stats: Any = None, spool_root: Any = None,
                 retry_interval: float = float(defaults.NEWSCRAWL_SPOOL_RETRY_INTERVAL),
                 options: dict[str, float] | None = None,
                 event_window_days: int = defaults.NEWSCRAWL_EVENT_WINDOW_DAYS) -> None:
        from newscrawl.crawl.spool import Spool, spool_dir

        self.database_url = database_url
        self.options = store_options(None) if options is None else options
        self.stats = stats
        #: The worker thread's pool while Scrapy runs the pipeline (None: called directly).
        self._pool = None
        self.sessionmaker = None
        self.spool = Spool(spool_dir(spool_root), database_url)
        self.retry_interval = retry_interval
        self.event_window_days = event_window_days
        #: monotonic time of the last failure to reach the database (None: it is up).
        self.down_since: float | None = None
        self._last_attempt = 0.0
        self._spooled_here = 0
        #: Set by a forced stop: items are spooled, not stored (class docstring).
        self.abandoned = False
        self._closed = False
        #: Counts made on the worker thread, for the reactor thread (:meth:`_stat`).
        self._pending_stats: collections.deque = collections.deque()

    @classmethod
    def from_crawler(cls, crawler):
        from newscrawl.crawl.spool import spool_dir
        from newscrawl.store.db import database_url

        settings = crawler.settings
        if not settings.getbool("NEWSCRAWL_STORE_ENABLED", defaults.NEWSCRAWL_STORE_ENABLED):
            raise NotConfigured("NEWSCRAWL_STORE_ENABLED is off")
        return cls(database_url(settings=settings), stats=crawler.stats,
                   spool_root=spool_dir(settings=settings),
                   retry_interval=settings.getfloat("NEWSCRAWL_SPOOL_RETRY_INTERVAL",
                                                    defaults.NEWSCRAWL_SPOOL_RETRY_INTERVAL),
                   options=store_options(settings),
                   event_window_days=settings.getint("NEWSCRAWL_EVENT_WINDOW_DAYS",
                                                     defaults.NEWSCRAWL_EVENT_WINDOW_DAYS))

    def _stat(self, method: str, *args: Any) -> None:
        if self.stats is None:
            return
        if self._pool is not None:
            # Scrapy's stats are a plain dict read on the reactor thread: written there too, when
            # the reactor takes the result of the work that counted them (_in_worker), so that
            # counting costs the reactor no wake-up of its own.
            self._pending_stats.append((method, args))
        else:
            getattr(self.stats, method)(*args)

    def _flush_stats(self) -> None:
        """Apply the counts the worker thread made (on the reactor thread)."""
        pending = self._pending_stats
        while pending:
            method, args = pending.popleft()
            getattr(self.stats, method)(*args)

    def _inc(self, key: str, count: int = 1) -> None:
        if count:
            self._stat("inc_value", f"newscrawl/{key}", count)

    # ------------------------------------------------------------------ database state

    def _connect(self) -> bool:
        """Open the database if not yet open; False (and the outage noted) when it is down."""
        import time

        from newscrawl.store.concurrency import is_unavailable
        from newscrawl.store.db import open_database

        if self.sessionmaker is not None:
            return True
        self._last_attempt = time.monotonic()
        try:
            self.sessionmaker = open_database(
                self.database_url, timeout=self.options["timeout"],
                lock_timeout=self.options["lock_timeout"],
                statement_timeout=self.options["timeout"],
                connect_timeout=self.options["connect_timeout"])
        except Exception as exc:
            if not is_unavailable(exc):
                # Not an outage (a migration this newscrawl cannot run, a permission): spooled
                # all the same, so no page is lost while a person puts it right.
                logger.error("Database could not be opened: %s", str(exc).strip().splitlines()[0]
                             if str(exc).strip() else repr(exc))
            self._went_down(exc)
            return False
        return True

    def _went_down(self, exc: BaseException) -> None:
        import time

        if self.down_since is None:
            logger.warning("Database unavailable, spooling items to %s: %s", self.spool.directory,
                           str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
            self.down_since = time.monotonic()
        self._last_attempt = time.monotonic()

    def _came_back(self) -> None:
        import time

        if self.down_since is not None:
            logger.info("Database available again after %.0f s", time.monotonic() - self.down_since)
            self.down_since = None

    def _skip_database(self) -> bool:
        import time

        return (self.down_since is not None
                and time.monotonic() - self._last_attempt < self.retry_interval)

    # ------------------------------------------------------------------ Scrapy hooks

    async def open_spider(self) -> None:
        from twisted.internet import reactor
        from twisted.python.threadpool import ThreadPool

        pool = ThreadPool(minthreads=1, maxthreads=1, name="newscrawl-store")
        pool.start()
        self._pool = pool
        # A crawl that ends without close_spider (a failed start) must not keep the process up.
        reactor.addSystemEventTrigger("during", "shutdown", self._stop_pool, pool)
        on_forced_stop(lambda: self._closed, self.abandon)
        # Not awaited: the crawl starts fetching while the database opens (a hung one would
        # otherwise hold the start for its timeouts). Items queue behind the opening on the one
        # worker thread, so the order and the one outcome per item stay.
        pool.callInThread(self._open_store_counted)

    async def process_item(self, item: PageItem) -> PageItem:
        return await self._in_worker(self.store_or_spool, item)

    async def close_spider(self) -> None:
        try:
            await self._in_worker(self.close_store)
        finally:
            pool, self._pool = self._pool, None
            self._stop_pool(pool)
            self._closed = True

    def abandon(self) -> None:
        """A forced stop: from now on items are spooled, not stored, and a store still running
        :data:`FORCED_STOP_STORE_WAIT` seconds later is cut short (class docstring)."""
        import threading

        from newscrawl.store.concurrency import cut_connections

        self.abandoned = True
        if self.sessionmaker is not None:
            timer = threading.Timer(FORCED_STOP_STORE_WAIT, cut_connections,
                                    (self.sessionmaker.kw["bind"],))
            timer.daemon = True
            timer.start()

    async def _in_worker(self, function: Callable[..., Any], *args: Any) -> Any:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.threads import deferToThreadPool

        if self._pool is None:
            return function(*args)
        try:
            return await maybe_deferred_to_future(
                deferToThreadPool(reactor, self._pool, function, *args))
        finally:
            self._flush_stats()

    def _open_store_counted(self) -> None:
        """:meth:`open_store` on the worker thread, its counts handed to the reactor after it
        (no item's result may come to take them)."""
        from twisted.internet import reactor

        try:
            self.open_store()
        finally:
            reactor.callFromThread(self._flush_stats)

    @staticmethod
    def _stop_pool(pool) -> None:
        if pool is not None and pool.started:
            pool.stop()

    # ------------------------------------------------------------------ the work (worker thread)

    def open_store(self) -> None:
        if self._connect():
            self.replay_spool()

    def close_store(self) -> None:
        if not self.abandoned and self.spool.pending_files() and self._connect():
            self.replay_spool()
        self.spool.close()
        pending = self.spool.pending_count()
        self._stat("set_value", "newscrawl/spool/pending", pending)
        if pending:
            logger.warning("%d items stay spooled in %s for the next run (database %s)", pending,
                           self.spool.directory, self.spool.database)

    def store_or_spool(self, item: PageItem) -> PageItem:
        from newscrawl.store.concurrency import is_unavailable

        if self.abandoned or self._skip_database() or not self._connect():
            self._spool(item)
            return item
        from newscrawl.store.refusals import StoreRefused

        try:
            outcome = self._store(item)
        except StoreRefused as exc:
            self.spool.reject(self.entry_of_item(item), str(exc))
            self._inc("spool/rejected")
            logger.error("Item %s set aside in %s: %s", item.url, self.spool.rejected_path, exc)
            return item
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            self._went_down(exc)
            self._spool(item)
            return item
        self._came_back()
        item.stages["store"] = outcome
        if self._spooled_here or self.spool.pending_files():
            self.replay_spool()
        return item

    # ------------------------------------------------------------------ storing

    def _store(self, item: PageItem):
        """Store ``item``; a refused one as a failed fetch (class docstring)."""
        from newscrawl.store.refusals import store_or_record_refusal

        outcome = store_or_record_refusal(
            self.sessionmaker, lambda session: self.store_item(session, item, self.event_window_days),
            lambda session, reason: self.store_refused_item(session, item, reason),
            url=item.url, on_retry=lambda exc: self._inc("store/retries"),
            lock_wait=self.options["lock_timeout"], timeout=self.options["timeout"])
        self._inc(f"store/{outcome.outcome}")
        if outcome.reason is not None:
            self._inc("store/refused")
        return outcome

    @staticmethod
    def store_item(session, item: PageItem, event_window_days: int = defaults.NEWSCRAWL_EVENT_WINDOW_DAYS):
        from newscrawl.stages.memo import primed
        from newscrawl.store.fetches import store_not_modified
        from newscrawl.store.repository import store_fetch_only, store_page

        if item.error is not None:  # no response, or an error status after retries
            return store_fetch_only(
                session, item.url, item.status, item.headers, item.fetched_at, item.error,
                source=item.source, requested_url=item.requested_url)
        if item.status == 304:  # the incremental crawl asked conditionally
            return store_not_modified(
                session, item.url, item.headers, item.fetched_at, source=item.source,
                requested_url=item.requested_url)
        staged = item.stages.get(STAGED)
        if staged is not None:
            page = item.to_page()
            # The raw bytes the worker computed from are these (staged_for_store).
            values = staged.precomputed.holding(body=page.body) if staged.precomputed else None
            with primed(values):
                return store_page(session, page, staged.record, source=item.source,
                                  requested_url=item.requested_url,
                                  event_window_days=event_window_days)
        work = item.stages.get("work") or process.run_steps(item.to_page())
        return store_page(session, work.page, work.record, source=item.source,
                          requested_url=item.requested_url, event_window_days=event_window_days)

    @staticmethod
    def store_refused_item(session, item: PageItem, reason: str):
        from newscrawl.store.refusals import store_refused
        from newscrawl.store.repository import store_fetch_only

        if item.error is not None or item.status == 304:
            why = f"{reason} ({item.error})" if item.error else reason
            outcome = store_fetch_only(session, item.url, item.status, item.headers,
                                       item.fetched_at, why, source=item.source,
                                       requested_url=item.requested_url)
            return dataclasses.replace(outcome, reason=reason)
        return store_refused(session, item.to_page(), reason, source=item.source,
                             requested_url=item.requested_url)

    @staticmethod
    def item_of_entry(entry) -> PageItem:
        """The item a spooled entry was made from (its stages run again when stored)."""
        return PageItem(url=entry.url, body=entry.body, status=entry.status,
                        headers=dict(entry.headers), fetched_at=entry.fetched_at,
                        source=entry.source, requested_url=entry.requested_url, error=entry.error)

    @staticmethod
    def entry_of_item(item: PageItem):
        from newscrawl.crawl.spool import KIND_FAILED, KIND_NOT_MODIFIED, KIND_PAGE, SpoolEntry

        kind = (KIND_FAILED if item.error is not None else
                KIND_NOT_MODIFIED if item.status == 304 else KIND_PAGE)
        return SpoolEntry(kind=kind, url=item.url, status=item.status, headers=dict(item.headers),
                          fetched_at=item.fetched_at, body=item.body if kind == KIND_PAGE else b"",
                          source=item.source, requested_url=item.requested_url, error=item.error)

    def _spool(self, item: PageItem) -> None:
        self.spool.append(self.entry_of_item(item))
        self._spooled_here += 1
        self._inc("spool/spooled")

    def replay_spool(self) -> None:
        """Store what the spool holds (see the class docstring)."""
        from newscrawl.store.concurrency import is_unavailable

        def store(entry) -> None:
            if self.abandoned:
                raise _Abandoned
            self._store(self.item_of_entry(entry))

        try:
            result = self.spool.replay(
                store, lambda exc: isinstance(exc, _Abandoned) or is_unavailable(exc))
        except OSError as exc:  # the spool folder itself: the crawl goes on, the spool stays
            logger.error("Spool in %s could not be replayed: %s", self.spool.directory, exc)
            return
        self._inc("spool/replayed", result.replayed)
        self._inc("spool/rejected", result.rejected)
        if result.replayed or result.rejected:
            logger.info("Spool replayed into the database: %d items (%d set aside in %s)",
                        result.replayed, result.rejected, self.spool.rejected_path)
        if result.interrupted and self.abandoned:
            return
        if result.interrupted:
            self._went_down(RuntimeError("database unavailable again during spool replay"))
        else:
            self._spooled_here = 0
