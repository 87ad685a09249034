"""The stages in worker processes: one pool for ``newscrawl ingest`` and for the crawl.

:func:`stage_pool` starts the pool both use; :func:`staged_record` is what a crawl's worker runs
on one page (an ingest's runs :func:`newscrawl.ingest.page_record`). Nothing here knows of
Scrapy or of the store: the caller hands pages in and records come back.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from newscrawl.model import ArticleRecord, Page
from newscrawl.stages.memo import Precomputed

__all__ = ["TRIM_EVERY", "Staged", "stage_pool", "staged_record", "stop_fork_server", "trim_heap",
           "usable_cores"]

#: Tasks (pages) a stage worker runs between two hand-backs of the C allocator's free memory
#: (:func:`trim_heap`). A large page's parse leaves glibc holding the memory it freed, so a
#: worker's RSS would follow the largest pages met so far rather than what it holds. One trim
#: costs a small fraction of one page's stages, so once every so many pages is lost in a
#: crawl's CPU; every page would pay it, and the freed pages' faults, for little more.
TRIM_EVERY = 100


def usable_cores() -> int:
    """The cores this process may run on (its affinity, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def stage_pool(workers: int, *, ignore_interrupt: bool = False, warm_dates: bool = True,
               forkserver: bool = False, preload: tuple[str, ...] = ()) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes for the stages, started when the first page is submitted.

    Spawned, not forked from the caller: a forked worker would share the parent's database
    connections, its reactor and its sockets. Each worker ends when the process that started it
    is gone (a ``kill -9``), and loads what the stages' first page would otherwise pay for
    (:func:`~newscrawl.stages.process.warm_up`): the language models, which every page needs,
    and - unless ``warm_dates`` is False - the date parser's locale data, which only a page
    whose date is found nowhere but in its text needs (few news articles do), and
    which costs each worker seconds of CPU. A crawl warms it (its pages must never wait on one
    another); an ingest leaves it to the page that asks. ``ignore_interrupt``: the workers
    ignore Ctrl-C (SIGINT reaches the whole process group), so the parent decides what happens
    to the pages in flight - a crawl finishes them on its graceful shutdown.

    ``forkserver``: the imports and the warm-up (of the dates as ``warm_dates`` says) are done
    once, in a fork server (multiprocessing's: a process of its own, spawned clean, that has no
    threads, connections or sockets of the caller), which also imports the modules of
    ``preload`` (the module of the function the pages are sent to); each worker is forked from
    it already warm, in
    milliseconds, instead of every worker paying the same seconds of CPU. Where fork is missing
    (not POSIX) the workers are spawned as above. Starting the first worker waits for the
    server to be warm: a caller that must not stall (a reactor) submits its first tasks from
    another thread.
    """
    import multiprocessing

    method = "forkserver" if forkserver and "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # One fork server per process (multiprocessing's), started by the first worker: what it
        # preloads is set before then; a server already running keeps what it has.
        warmed = "newscrawl.stages.warmed" if warm_dates else "newscrawl.stages.warmed_stages"
        context.set_forkserver_preload([warmed, *preload])
    return _StagePool(workers, mp_context=context, initializer=_start_worker,
                      initargs=(ignore_interrupt, warm_dates), ignore_interrupt=ignore_interrupt)


def stop_fork_server() -> None:
    """End this process's fork server of stage workers (:func:`stage_pool` with ``forkserver``)
    once its pools are shut down, and reap it; nothing when none runs. Else it lives, holding the
    warmed stages' memory, until this process exits (and its CPU time is never counted in this
    process's children's). Ended, not waited for: a worker still exiting keeps it running."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    stop = getattr(server, "_stop", None)  # multiprocessing's own clean-up, not public
    if pid is None or stop is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
    stop()


class _StagePool(ProcessPoolExecutor):
    def __init__(self, *args, ignore_interrupt: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ignore_interrupt = ignore_interrupt

    def submit(self, fn, /, *args, **kwargs):
        # Every task runs through run_task, which trims the worker's heap every TRIM_EVERY.
        args = (fn, *args)
        fn = run_task
        if not self.ignore_interrupt or not hasattr(signal, "pthread_sigmask"):
            return super().submit(fn, *args, **kwargs)
        # A worker is started by a submit: SIGINT stays blocked in it until it ignores it,
        # or a Ctrl-C while it starts would end it before it could (a blocked mask, unlike a
        # handler, is inherited across the new interpreter's exec).
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return super().submit(fn, *args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


#: Tasks this worker has run (run_task); each forked worker starts from the server's 0.
_tasks = 0


def run_task(fn, /, *args, **kwargs):
    """``fn(*args, **kwargs)`` in a stage worker (what every task of :func:`stage_pool` runs),
    then, every :data:`TRIM_EVERY` tasks, :func:`trim_heap`."""
    global _tasks
    try:
        return fn(*args, **kwargs)
    finally:
        _tasks += 1
        if _tasks % TRIM_EVERY == 0:
            trim_heap()


def trim_heap() -> bool:
    """Hand the C allocator's free memory back to the system: glibc's ``malloc_trim(0)``, which
    releases the free pages of every arena, not only the top of the heap. False, doing nothing,
    where the C library has no ``malloc_trim`` (not glibc, not Linux)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@functools.cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None)  # this process's own symbols, its C library's among them
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)  # glibc's; musl and others have none
    if trim is not None:
        trim.argtypes = [ctypes.c_size_t]
        trim.restype = ctypes.c_int
    return trim


def _start_worker(ignore_interrupt: bool, warm_dates: bool = True) -> None:
    if ignore_interrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C that came meanwhile is dropped
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _exit_with_parent()
    from newscrawl.stages.process import warm_up

    warm_up(dates=warm_dates)  # a worker forked warm finds all loaded: it only freezes its own


def _exit_with_parent() -> None:
    """In a stage worker: end when the process that started the pool is gone. A killed parent
    (kill -9, an ingest whose claim was lost) would otherwise leave its workers waiting for
    pages forever: each holds both ends of the pool's queue, so none of them ever reads an end
    of input. multiprocessing gives each worker the reading end of a pipe whose other end only
    that process holds (``parent_process()``'s sentinel): it reads as ended when the parent
    dies, whether the worker was spawned by it or forked by its fork server."""
    import multiprocessing
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@dataclass(frozen=True, slots=True)
class Staged:
    """What the stages made of one page in a worker: its record, the stage that set its
    ``skip_reason`` (None: none did), which the crawl's per-stage counts need, and what the
    store will compute from them, when the worker computed it ahead (newscrawl.stages.memo)."""

    record: ArticleRecord
    skipped_at: str | None
    precomputed: Precomputed | None = None


def staged_record(page: Page) -> Staged:
    """Every stage on ``page`` (:data:`~newscrawl.stages.process.STEPS`), in a worker."""
    # Imported here, not with this module: the process that starts the pool (an ingest's
    # command, the crawl's) need not import every stage and its libraries; a worker has them.
    from newscrawl.stages.process import STEPS, run_step, start

    work = start(page)
    skipped_at = None
    for step in STEPS:
        run_step(step, work)
        if skipped_at is None and work.skipped:
            skipped_at = step.__name__.removeprefix("step_")
    return Staged(work.record, skipped_at)
