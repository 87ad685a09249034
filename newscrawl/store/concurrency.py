"""Several processes writing one database: placement locks, retries, and telling "busy" from "down".

Several crawler processes (one Redis frontier, one PostgreSQL database) and concurrent
``newscrawl ingest`` runs store pages at the same time. Most of a store is already safe under
concurrency by itself: sites, raw pages and story merges are written with ``INSERT ... ON
CONFLICT DO NOTHING`` against their unique constraints (``sites.host``, ``raw_pages.sha256``,
``story_merges (story_id, merged_story_id)``), story bands by their primary key
``(band, hash, story_id)``. What is not is the *decision* where a text belongs
(:func:`newscrawl.store.matching.place`): it reads (is this text, or a similar one, already
stored?) and then writes (a new story). Two processes storing copies of one wire story at the
same moment would both read "nothing yet" and both create a story. Design decisions:

* **Placement locks, per LSH band.** Before placing a text, a transaction takes a lock on each
  of its LSH bands, on its body hash and on its URL (:func:`placement_lock_keys`), held until
  commit. Two texts can only ever end up in one story if they share a band (that is how the
  lookup finds candidates), the same body hash or the same URL - so any two transactions whose
  outcome depends on each other share a lock and run one after the other, and the second sees
  the first's committed story. Unrelated texts share no lock and are stored in parallel: one
  global lock would serialize every store of every process.
  Keys are folded to 32 bits; a collision only makes two unrelated stores wait for each other.
* **PostgreSQL: transaction-level advisory locks** (``pg_advisory_xact_lock``), taken in one
  statement in ascending key order (so two transactions never wait on each other in a cycle),
  released by commit or rollback - also when a process dies, since the server drops its session.
  Statements run at READ COMMITTED, so once a lock is granted the next read sees what the
  previous holder committed.
* **SQLite: the database write lock** (``BEGIN IMMEDIATE``): SQLite has one writer at a time
  anyway; taking the write lock *before* the placement reads makes read-then-write atomic.
  (pysqlite would otherwise start the transaction only at the first INSERT, after the reads.)
* **Retries** (:func:`run_transaction`): what the locks do not cover - a serialization failure,
  a deadlock the server broke, a unique violation from a race nothing locks (two different
  texts whose story keys collide, two new sites at once outside the ON CONFLICT paths), SQLite's
  "database is locked" past its busy timeout - rolls back and runs the whole unit of work again
  in a fresh transaction, up to :data:`RETRY_ATTEMPTS` times with a short randomized pause (two
  processes that collided once should not collide again in lockstep).
* **Down is not busy** (:func:`is_unavailable`): a refused connection or a server that went
  away is not retried here; the caller spools the item (:mod:`newscrawl.crawl.spool`).
* **Locked too long is down** (``lock_wait``): each attempt already waits for a lock another
  process holds (SQLite's busy timeout, PostgreSQL's ``lock_timeout``); a lock error that came
  after such a wait, or that is still there after the retries, is raised as
  :class:`~newscrawl.store.errors.DatabaseUnavailable`. Another process holding the write lock
  for minutes (a long ``newscrawl db`` command, a stuck client) is an outage for the crawl, which
  spools the item rather than waiting on, or dropping it.
* **A server that stops answering is down** (``timeout``, :class:`Deadline`): a network cut
  without a reset leaves a query waiting for an answer that never comes, and no server-side
  timeout can end it (the server never saw the query). A watchdog thread shuts the sockets of
  the engine's PostgreSQL connections when one unit of work outlasts ``timeout``; the waiting
  call then fails as a lost connection, in the thread that made it, which keeps the order of the
  caller's work and its one outcome per item (stored, or spooled).
* **SQLite is bounded the same way.** Its waits for another process's lock end with its busy
  timeout (``lock_wait``; SQLite's interrupt does not reach into that wait), and a statement
  still running when the deadline passes (a query over a huge table, a slow disk) is stopped
  with SQLite's own ``interrupt()``; an interrupted statement counts as unavailable, like a
  cut PostgreSQL connection.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import logging
import math
import os
import random
import socket
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from newscrawl.model import Fingerprint
from newscrawl.store.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: First key of the two-key advisory locks: newscrawl's namespace ("nc"), so newscrawl's locks
#: never collide with another application's advisory locks on the same server.
ADVISORY_NAMESPACE = 0x6E63
#: Attempts of one unit of work before the error is raised.
RETRY_ATTEMPTS = 6
#: Upper bound of the random pause before attempt n: n * this (seconds).
RETRY_PAUSE = 0.05
#: Seconds a transaction waits for a lock another holds (SQLite's busy timeout; PostgreSQL's
#: lock_timeout where the caller sets one) before the database counts as unavailable.
LOCK_WAIT = 30
#: Seconds between two cuts once a Deadline has passed (a reconnect made meanwhile is cut too).
RECUT_INTERVAL = 1.0

#: PostgreSQL SQLSTATEs worth another attempt: serialization_failure, deadlock_detected,
#: unique_violation, lock_not_available.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "23505", "55P03"})
#: SQLSTATE classes that mean the server cannot be used now: connection exceptions (08),
#: operator intervention (57: shutdown, cannot connect now).
UNAVAILABLE_SQLSTATE_CLASSES = ("08", "57")


def _fold(data: bytes) -> int:
    """A signed 32-bit key (the int4 of a two-key advisory lock) from ``data``."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=4).digest(), "big", signed=True)


def placement_lock_keys(fp: Fingerprint, url: str) -> list[int]:
    """The lock keys of storing text ``fp`` at ``url``: one per band, body hash and URL."""
    keys = {_fold(f"b{i}:{h}".encode()) for i, h in enumerate(fp.bands)}
    keys.add(_fold(b"h:" + fp.body_hash.encode()))
    keys.add(_fold(b"u:" + url.encode("utf-8", "surrogatepass")))
    return sorted(keys)


def lock_placement(session: Session, keys: Iterable[int] | Callable[[], Iterable[int]]) -> None:
    """Hold the placement locks ``keys`` until the session's transaction ends (module docstring).

    ``keys`` may be a function giving them: called only where locks are taken by key
    (PostgreSQL); SQLite locks the whole database and a page's hundreds of keys would be
    computed for nothing."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        ordered = sorted(set(keys() if callable(keys) else keys))
        if ordered:
            # The sort happens in the subquery, so the locks are taken in key order.
            session.execute(
                text("SELECT pg_advisory_xact_lock(:ns, k) FROM "
                     "(SELECT DISTINCT k FROM unnest(CAST(:keys AS integer[])) AS k ORDER BY k) AS s"),
                {"ns": ADVISORY_NAMESPACE, "keys": ordered})
    elif dialect == "sqlite":
        dbapi_connection = session.connection().connection.dbapi_connection
        # An earlier INSERT/UPDATE in this transaction already holds the write lock.
        if not dbapi_connection.in_transaction:
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot be reached (rather than a conflict or a bug)."""
    if isinstance(exc, DatabaseUnavailable):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    module = type(orig).__module__ if orig is not None else ""
    if module.startswith("psycopg"):
        state = _sqlstate(exc)
        # A failed connect carries no SQLSTATE; a lost or refused one is class 08 or 57.
        # Subclasses count: a connect that timed out is psycopg's ConnectionTimeout.
        operational = any(cls.__name__ == "OperationalError" for cls in type(orig).__mro__)
        return operational and (
            state is None or state.startswith(UNAVAILABLE_SQLSTATE_CLASSES))
    if module.startswith("sqlite3"):
        message = str(orig).lower()
        # "interrupted": a Deadline stopped the statement (cut_connections).
        return ("unable to open database" in message or "disk i/o error" in message
                or message == "interrupted")
    return False


def is_locked(exc: BaseException) -> bool:
    """True when ``exc`` says another transaction holds a lock this one waited for in vain."""
    if not isinstance(exc, DBAPIError):
        return False
    if _sqlstate(exc) == "55P03":  # lock_not_available: PostgreSQL's lock_timeout
        return True
    message = str(exc.orig).lower()
    return "database is locked" in message or "database table is locked" in message


def is_retryable(exc: BaseException) -> bool:
    """True for conflicts between concurrent writers that another attempt resolves."""
    if not isinstance(exc, DBAPIError) or is_unavailable(exc):
        return False
    state = _sqlstate(exc)
    if state is not None:
        return state in RETRYABLE_SQLSTATES
    message = str(exc.orig).lower()
    return "database is locked" in message or "unique constraint failed" in message


def run_transaction(make_session: Callable[[], Session], work: Callable[[Session], T], *,
                    attempts: int = RETRY_ATTEMPTS, on_retry: Callable[[BaseException], None] | None = None,
                    lock_wait: float = LOCK_WAIT, timeout: float | None = None) -> T:
    """Run ``work(session)`` in a fresh session and commit; on a retryable conflict roll back and
    run it again (see the module docstring). Other errors, and the last conflict, are raised.

    A lock error after ``lock_wait`` / 2 seconds in all, or on the last attempt, is raised as
    :class:`DatabaseUnavailable` (the lock wait of one attempt was spent: another process holds
    the lock). ``timeout``: seconds the whole call may take before the engine's connections are
    cut (:class:`Deadline`); the call then raises :class:`DatabaseUnavailable`.
    """
    started = time.monotonic()
    deadline: Deadline | None = None
    try:
        for attempt in range(1, attempts + 1):
            with make_session() as session:
                if timeout is not None and deadline is None:
                    deadline = Deadline(session.get_bind(), timeout).start()
                try:
                    result = work(session)
                    session.commit()
                    return result
                except DBAPIError as exc:
                    _rollback(session)
                    url = session.get_bind().url.render_as_string(hide_password=False)
                    if deadline is not None and deadline.expired:
                        raise DatabaseUnavailable(url, TimeoutError(
                            f"no answer within {timeout:g} s")) from exc
                    if is_locked(exc) and (attempt == attempts
                                           or time.monotonic() - started >= lock_wait / 2):
                        raise DatabaseUnavailable(url, exc) from exc
                    if attempt == attempts or not is_retryable(exc):
                        raise
                    logger.debug("Store conflict (attempt %d of %d), retrying: %s", attempt,
                                 attempts, str(exc.orig).splitlines()[0] if exc.orig else exc)
                    if on_retry is not None:
                        on_retry(exc)
            time.sleep(random.uniform(0, RETRY_PAUSE * attempt))
    finally:
        if deadline is not None:
            deadline.stop()
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _rollback(session: Session) -> None:
    # On a cut or lost connection the rollback fails too; the pool discards the connection, and
    # the error that matters is the one being handled.
    try:
        session.rollback()
    except DBAPIError:
        pass


# ---------------------------------------------------------------------- connections that hang

_live: weakref.WeakKeyDictionary[Engine, weakref.WeakSet] = weakref.WeakKeyDictionary()
_live_lock = threading.Lock()
#: SQLite connections of each engine, until the pool closes them.
_held: weakref.WeakKeyDictionary[Engine, set] = weakref.WeakKeyDictionary()


def track_connections(engine: Engine) -> None:
    """Remember the engine's PostgreSQL and SQLite connections so that a :class:`Deadline` can
    cut them."""
    live: weakref.WeakSet = weakref.WeakSet()
    with _live_lock:
        _live[engine] = live

    def connected(dbapi_connection: Any, _record: Any) -> None:
        if getattr(dbapi_connection, "pgconn", None) is not None:  # psycopg 3
            with _live_lock:
                live.add(dbapi_connection)
        elif isinstance(dbapi_connection, sqlite3.Connection):
            # Not weakly referenceable: held until the pool closes it.
            with _live_lock:
                held.add(dbapi_connection)

    def closed(dbapi_connection: Any, *_: Any) -> None:
        with _live_lock:
            held.discard(dbapi_connection)

    held: set = set()
    with _live_lock:
        _held[engine] = held
    event.listen(engine, "connect", connected)
    event.listen(engine, "close", closed)
    event.listen(engine, "close_detached", closed)


def cut_connections(engine: Engine) -> int:
    """Stop what the engine's open connections are doing; returns how many were cut.

    PostgreSQL: their sockets are shut, and a call waiting on one of them wakes at once with
    "server closed the connection". Only the socket is shut, not closed: its descriptor stays
    the connection's, which the pool then discards as lost. SQLite: the running statement of
    each is interrupted (``interrupted``); the connection stays usable.
    """
    with _live_lock:
        connections = [*_live.get(engine, ()), *_held.get(engine, ())]
    cut = 0
    for connection in connections:
        if isinstance(connection, sqlite3.Connection):
            try:
                connection.interrupt()
                cut += 1
            except sqlite3.ProgrammingError:  # closed meanwhile
                pass
            continue
        try:
            if connection.closed:
                continue
            fd = connection.pgconn.socket
            sock = socket.socket(fileno=os.dup(fd))
        except Exception:  # closed meanwhile
            continue
        try:
            sock.shutdown(socket.SHUT_RDWR)
            cut += 1
        except OSError:
            pass
        finally:
            sock.close()  # the duplicate only
    return cut


class Deadline:
    """A watchdog: cuts the engine's connections once ``seconds`` pass before :meth:`stop`, and
    again every :data:`RECUT_INTERVAL` until then (so a connection opened meanwhile cannot hang
    the caller either). PostgreSQL and SQLite engines made by
    :func:`~newscrawl.store.db.make_engine` (module docstring); others are not watched.

    Every deadline of the process is watched by one long-lived thread (:class:`_Watchdog`): a
    store runs one unit of work per page, and a thread started and woken per unit cost the
    crawler's process more than the watching itself."""

    def __init__(self, engine: Engine, seconds: float) -> None:
        self.engine = engine
        self.seconds = seconds
        self.expired = False
        self.stopped = False
        #: The watchdog's entry ``[due, order, deadline]``; stop() clears its deadline.
        self._entry: list | None = None

    def start(self) -> Deadline:
        if self.engine.dialect.name in ("postgresql", "sqlite"):
            _watchdog.watch(self, time.monotonic() + self.seconds)
        return self

    def stop(self) -> None:
        self.stopped = True
        entry = self._entry
        if entry is not None:
            # Let go of the engine at once; the watchdog drops the entry when it next looks.
            entry[2] = None

    def __enter__(self) -> Deadline:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _fire(self) -> None:
        """The deadline passed (again): cut the engine's connections."""
        if not self.expired:
            logger.warning("Database gave no answer within %g s: cutting its connections",
                           self.seconds)
        self.expired = True
        cut_connections(self.engine)


class _Watchdog:
    """One daemon thread watching every started :class:`Deadline` of the process, due times in
    a heap. Starting a deadline pushes an entry, and wakes the thread only when the new entry
    is due before the time it sleeps until; stopping one only marks its entry, and the thread
    drops marked entries from the top of the heap whenever it wakes - so units of work that
    end in time cost neither a thread nor a wake-up each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._heap: list[list] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        #: When the thread wakes next by itself (monotonic seconds; inf: when told).
        self._wakes_at = math.inf

    def watch(self, deadline: Deadline, due: float) -> None:
        entry = [due, next(self._order), deadline]
        with self._lock:
            deadline._entry = entry
            heapq.heappush(self._heap, entry)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="newscrawl-deadline")
                self._thread.start()
            elif due < self._wakes_at:
                self._changed.notify()

    def _run(self) -> None:
        heap = self._heap
        with self._lock:
            while True:
                while heap and heap[0][2] is None:  # stopped
                    heapq.heappop(heap)
                now = time.monotonic()
                if heap and heap[0][0] <= now:
                    entry = heapq.heappop(heap)
                    deadline = entry[2]
                    if deadline is None:  # stopped since the look above
                        continue
                    # Cut outside the lock: starting and stopping other deadlines goes on.
                    self._wakes_at = -math.inf
                    self._lock.release()
                    try:
                        if not deadline.stopped:
                            deadline._fire()
                    except Exception:  # the watchdog must outlive one failed cut
                        logger.exception("Cutting the database's connections failed")
                    finally:
                        self._lock.acquire()
                    if entry[2] is not None:  # not stopped meanwhile: cut again later
                        entry[0] = time.monotonic() + RECUT_INTERVAL
                        heapq.heappush(heap, entry)
                    continue
                self._wakes_at = heap[0][0] if heap else math.inf
                self._changed.wait(heap[0][0] - now if heap else None)
                self._wakes_at = -math.inf

    def _after_fork(self) -> None:
        # A forked child has none of the parent's threads: the next deadline starts its own.
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._heap = []
        self._thread = None
        self._wakes_at = math.inf


_watchdog = _Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_watchdog._after_fork)


__all__ = ["ADVISORY_NAMESPACE", "LOCK_WAIT", "RETRY_ATTEMPTS", "Deadline", "cut_connections",
           "is_locked", "is_retryable", "is_unavailable", "lock_placement", "placement_lock_keys",
           "run_transaction", "track_connections"]
