"""The ``newscrawl`` command: crawl, ingest saved pages, list, show, diff and export stories, upkeep.

    newscrawl crawl --sources FILE | --feed URL... | --sitemap URL... | --sample [--db URL]
                    [-s NAME=VALUE...] [--replay-dir DIR] [--warc DIR]
                                             run the news spider with newscrawl's settings,
                                             from any directory (no scrapy.cfg needed); --sample:
                                             the bundled sample sites, offline
    newscrawl fetch URL|FILE                 one page's normalized record as JSON; nothing stored
    newscrawl ingest PATH... [--db URL]      store saved pages through the same stages as a crawl
    newscrawl stories [--db URL]             stories with their version and site counts
    newscrawl events [--all] [--db URL]      events with the stories (different texts) reporting them
    newscrawl export [--format jsonl|csv|parquet|warc] [--output FILE]
                                             story versions, written as they are read; with
                                             warc, the stored downloads as a WARC file
    newscrawl story KEY [--db URL]           one story's versions (site, URL, seen, derivation)
    newscrawl story KEY --diff [A [B]]       what changed between two versions (ids as listed;
                                             default: the first version and the latest)
    newscrawl reprocess [--since DATE] [--site HOST] [--db URL]
                                             run the stages again over the stored raw pages;
                                             new versions only where the text changed
    newscrawl serve [--db URL] [--host 127.0.0.1] [--port 8000]
                                             a read-only web view of stories, versions,
                                             events and sites (each page also as JSON)
    newscrawl db upgrade [--db URL]          migrate the database to the newest schema
    newscrawl db backfill [--db URL]         fill in what a database written by an older
                                             newscrawl lacks, computed from the stored texts:
                                             how versions derive from each other and how
                                             similar they are, the events of stories, and the
                                             band rows of signature blocks stories lack

``stories``, ``events`` and ``export`` take ``--limit N``, ``--site HOST`` and ``--since DATE``;
``stories`` and ``events`` print JSON with ``--json``.

The database URL comes from ``--db``, else ``NEWSCRAWL_DATABASE_URL``, else ``sqlite:///newscrawl.db``.
Exit status: 0 on success, 1 when some inputs were skipped with an error, 2 on a usage or
database error: one line on stderr that says what is wrong and what to do (``--debug`` adds
the traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

from newscrawl.model import Page
from newscrawl.ingest import (Filters, IngestError, Ignored, WarcInput, find_inputs, iter_input,
                              page_record)
from newscrawl.warc import is_warc
from newscrawl.stages.workers import usable_cores

#: Seconds a WARC file's claim holds unrenewed (newscrawl.store.ingest_files.DEFAULT_LEASE, not
#: imported here: the store loads only when a command needs it).
DEFAULT_LEASE = 120.0

#: Titles longer than this are cut with an ellipsis in listings (a cut without one reads as data).
TITLE_WIDTH = 80

#: Control characters (C0, DEL, C1) and bidirectional overrides: page text that would move the
#: cursor, recolour or retitle the terminal, or reorder what is shown.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """``text`` safe to print: control characters shown escaped (``\x1b``), never sent raw."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], "" if text is None else str(text))


class CommandError(Exception):
    """A user error: printed as one line (what is wrong, what to do), exit status 2."""


#: The database URLs newscrawl can store to, for the messages.
URL_FORMS = "sqlite:///PATH (sqlite:////abs/path) or postgresql+psycopg://USER@HOST/DB"


def checked_url(url: str | None) -> str:
    """The resolved database URL, or a CommandError that says how to write it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from newscrawl.store.db import database_url, mask_url

    resolved = database_url(url)
    try:
        sa_url = make_url(resolved)
    except ArgumentError:
        raise CommandError(f"not a database URL: {mask_url(resolved)!r}; use {URL_FORMS}") from None
    backend = sa_url.get_backend_name()
    if backend == "postgres" or (backend == "postgresql" and sa_url.get_driver_name() != "psycopg"):
        raise CommandError(f"database URL {mask_url(resolved)!r}: newscrawl talks to PostgreSQL "
                           f"through psycopg 3; use postgresql+psycopg://USER@HOST/DB")
    if backend not in ("sqlite", "postgresql"):
        raise CommandError(f"newscrawl stores to SQLite or PostgreSQL, not {backend!r}; use {URL_FORMS}")
    if backend == "sqlite" and sa_url.database and not sa_url.database.startswith("file:") \
            and sa_url.database != ":memory:" and not Path(sa_url.database).parent.is_dir():
        raise CommandError(f"no folder {str(Path(sa_url.database).parent)!r} for the SQLite database "
                           f"of {mask_url(resolved)!r}; create it or fix the path")
    return resolved


def _sessionmaker(url: str | None, *, read: bool = False):
    """A sessionmaker on the database; ``read``: a command that only reads, which must not
    create a SQLite file where a mistyped path points."""
    from sqlalchemy.engine import make_url

    from newscrawl.store.db import open_database

    resolved = checked_url(url)
    sa_url = make_url(resolved)
    if read and sa_url.get_backend_name() == "sqlite" and sa_url.database \
            and sa_url.database != ":memory:" and not sa_url.database.startswith("file:") \
            and not Path(sa_url.database).exists():
        raise CommandError(f"no database at {sa_url.database} (a crawl or newscrawl ingest creates "
                           f"it); check the path, --db or NEWSCRAWL_DATABASE_URL")
    return open_database(resolved)


class Progress:
    """A carriage-return line on a terminal: done/total, rate, time left. Nothing when stderr
    is not a terminal (a log or a pipe wants the summary, not a line redrawn per page)."""

    #: Seconds between two redraws: often enough to look alive, rarely enough to cost nothing.
    INTERVAL = 0.2

    def __init__(self, total: int, what: str, stream=None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.active = total > 0 and self.stream.isatty()
        self.total, self.what = total, what
        self.done = 0
        self.started = time.monotonic()
        self._drawn = 0.0
        self._width = 0

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        left = max(self.total - self.done, 0) / rate if rate > 0 else None
        eta = "--" if left is None else (f"{int(left // 3600)}h{int(left % 3600 // 60):02d}m"
                                         if left >= 3600 else
                                         f"{int(left // 60)}m{int(left % 60):02d}s" if left >= 60
                                         else f"{int(left)}s")
        if self.what == "bytes":  # WARC files: read by the byte, shown in the total's unit
            scale, unit = next((s, u) for s, u in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB"), (1, "B"))
                               if self.total >= s or s == 1)
            return (f"{self.done / scale:,.1f}/{self.total / scale:,.1f} {unit}  "
                    f"{rate / 1e6:.2f} MB/s  {eta} left")
        return f"{self.done}/{self.total} {self.what}  {rate:.1f}/s  {eta} left"

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.active and (now - self._drawn >= self.INTERVAL or self.done >= self.total):
            self._drawn = now
            text = self.line()
            self.stream.write("\r" + text.ljust(self._width))
            self.stream.flush()
            self._width = len(text)

    def clear(self) -> None:
        if self.active and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def cmd_ingest(args: argparse.Namespace) -> int:
    if args.status:
        return _ingest_status(args)
    if not args.paths:
        raise CommandError("give the files, folders or warc.paths lists to ingest (or --status)")
    inputs = find_inputs(args.paths)
    pages = [entry for entry in inputs if isinstance(entry, tuple)]
    warcs = [entry for entry in inputs if isinstance(entry, WarcInput)]
    ignored = [entry for entry in inputs if isinstance(entry, Ignored)]
    missing = [entry for entry in inputs if isinstance(entry, IngestError)]
    for entry in ignored:
        print(f"ignored: {printable(entry)}", file=sys.stderr)
    for entry in missing:
        print(f"error: {printable(entry)}", file=sys.stderr)
    if not pages and not warcs:
        raise CommandError(f"no pages to ingest in {' '.join(map(str, args.paths))} (give .html, .htm, "
                           f".html.gz, .warc or .warc.gz files, saved-response folders, or folders "
                           f"holding them)")
    filters = _ingest_filters(args)
    checked_url(args.db)  # a mistyped URL is one error line before any work starts
    tally = _Tally(errors=len(missing))
    jobs = args.jobs or usable_cores()
    if not warcs:
        # No more workers than pages: the pool's fork server and each worker cost seconds of
        # CPU before their first page, which a page or two run in this process do not.
        jobs = min(jobs, len(pages))
    with _Stages(jobs) as stages:
        # The workers import and warm up on the other cores while this process opens the
        # database (a new one is made here, once: its migrations take a second or two).
        stages.start()
        _SESSIONS[args.db] = ingest_sessions(args.db)
        if pages:
            _ingest_pages(pages, args, filters, tally, stages)
        if warcs:
            _ingest_warc_files(warcs, args, filters, tally, stages)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(tally.outcomes.items())) or "nothing"
    filtered = f"; {filters.rejected} filtered out" if filters.rejected else ""
    print(f"ingested: {summary}; {tally.errors} unreadable; {len(ignored)} ignored (not pages){filtered}"
          + (f"; {tally.refused} refused by the database" if tally.refused else "")
          + (f"; {tally.already} WARC file{'' if tally.already == 1 else 's'} already ingested "
             f"(--again ingests {'it' if tally.already == 1 else 'them'} again)"
             if tally.already else ""))
    return 1 if tally.errors or tally.refused else 0


class _Tally:
    """What an ingest run did, added up over its inputs."""

    def __init__(self, errors: int = 0) -> None:
        self.outcomes: Counter = Counter()
        self.errors = errors
        self.refused = 0
        self.already = 0


class _Stages:
    """The stages of the pages an ingest reads (:func:`_process_page`): in ``jobs`` worker
    processes, or in this process when ``jobs`` is 1. :meth:`records` hands the records back in
    input order, so the command stores what one process would have stored, ids and story keys
    included, while the workers run ahead. At most :data:`AHEAD_PER_WORKER` pages per worker,
    and :data:`AHEAD_BYTES` of raw pages in all, wait in flight, so a large WARC file is never
    held in memory."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool = None
        self._starting = None

    def __enter__(self) -> _Stages:
        if self.jobs > 1:
            from newscrawl.stages.workers import stage_pool

            # Forked from one fork server that imports and warms the stages up once, instead of
            # every worker spawned doing it on its own (and the store's modules, which the
            # workers' values computed ahead need). The date parser's data is loaded by the
            # page that needs it, if any does.
            self.pool = stage_pool(self.jobs, warm_dates=False, forkserver=True,
                                   preload=(_process_page.__module__, "newscrawl.store.precompute"))
        return self

    def start(self) -> None:
        """Start every worker now rather than at the first page, from a thread: the first one
        waits for the fork server to be warm, which this process need not wait for."""
        if self.pool is not None:
            import threading

            self._starting = threading.Thread(target=self._start_workers, daemon=True,
                                              name="ingest-workers-start")
            self._starting.start()

    def _start_workers(self) -> None:
        try:
            for _ in range(self.jobs):
                self.pool.submit(os.getpid)
        except Exception:  # noqa: BLE001 - a pool that cannot start fails the first page's submit
            pass

    def _started(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None

    def __exit__(self, kind, *exc) -> None:
        if self.pool is not None:
            from newscrawl.stages.workers import stop_fork_server

            # On an error or Ctrl-C the pages still in flight are dropped, not waited for. A
            # start still under way ends with the shutdown: no worker is submitted after it.
            self.pool.shutdown(wait=kind is None, cancel_futures=kind is not None)
            self._started()
            # Ended and reaped here: its CPU time is this process's children's, as the
            # spawned workers' was.
            stop_fork_server()

    def records(self, items):
        """``(item, page, record, precomputed)`` for each item of ``items`` in their order; an
        :class:`IngestError` comes back as ``(error, None, None, None)``. ``precomputed``: what
        the store will compute from the page and record, computed ahead by the worker
        (newscrawl.store.precompute; None without workers)."""
        from collections import deque

        if self.pool is None:
            for item in items:
                if isinstance(item, IngestError):
                    yield item, None, None, None
                else:
                    yield item, *page_record(item), None
            return
        self._started()
        pending: deque = deque()
        held = 0  # bytes of the raw pages in flight
        for item in items:
            if isinstance(item, IngestError):
                pending.append((item, None, 0))
            else:
                size = len(_page_of(item).body)
                pending.append((item, self.pool.submit(_process_page, item), size))
                held += size
            while len(pending) >= AHEAD_PER_WORKER * self.jobs or (
                    held > AHEAD_BYTES and len(pending) > self.jobs):
                done, future, size = pending.popleft()
                held -= size
                yield _settled(done, future)
        while pending:
            done, future, _ = pending.popleft()
            yield _settled(done, future)


#: Pages a stage worker may be ahead of the storing process. The records are stored in input
#: order, so one slow page (many times most pages' time) holds the storing of
#: every page after it: the other workers go on with the pages after it only as far as this
#: lets them, then wait for it too.
AHEAD_PER_WORKER = 16
#: The raw pages in flight, in bytes, beyond which no more are sent than one a worker: a file
#: of large pages is not held many at a time.
AHEAD_BYTES = 64 * 1024 * 1024


def _page_of(item) -> Page:
    # An item is a page or a WARC skip (which holds its page).
    return item if isinstance(item, Page) else item.page


def _settled(item, future):
    if future is None:
        return item, None, None, None
    return item, _page_of(item), *future.result()


def _ingest_stream(items, make_session, filters: Filters, quiet: bool, progress: Progress,
                   tally: _Tally, stages: _Stages, claim=None, counts: Counter | None = None) -> None:
    """Store the records of ``items`` (what :func:`~newscrawl.ingest.iter_input` yields) in
    their order and print a line for each. With a ``claim`` (a WARC file of
    newscrawl.store.ingest_files), the items before its position are passed over and each
    stored record writes its position in the same transaction. ``counts``: the outcomes of
    these items, added to as they are stored."""
    counts = Counter() if counts is None else counts
    start = claim.file.position if claim is not None else 0
    # Positions count every item read, so the skipped ones are counted but not staged.
    numbered = ((index, item) for index, item in enumerate(items) if index >= start)
    from collections import deque

    indexes: deque = deque()

    def staged():
        for index, item in numbered:
            indexes.append(index)
            yield item

    for item, page, record, precomputed in stages.records(staged()):
        index = indexes.popleft()
        if claim is not None and claim.lost.is_set():
            from newscrawl.store.ingest_files import LeaseLost

            raise LeaseLost(f"{claim.file.location}: taken up by another process")
        if page is None:
            progress.clear()
            print(f"error: {printable(item)}", file=sys.stderr, flush=True)
            tally.errors += 1
            continue
        if not filters.wants_record(record):
            continue
        also = None if claim is None else (
            lambda session, position=index + 1: claim.record_stored(session, position))
        outcome, not_taken = _store_and_print(make_session, page, record, quiet, progress, also,
                                              precomputed)
        if outcome is not None:
            counts[outcome] += 1
            tally.outcomes[outcome] += 1
        tally.refused += not_taken


def _ingest_pages(pages: list, args: argparse.Namespace, filters: Filters, tally: _Tally,
                  stages: _Stages) -> None:
    """Saved pages (HTML files, case folders): one page each."""
    progress = Progress(len(pages), "pages")

    def items():
        for entry in pages:
            yield from iter_input(entry, filters)
            progress.advance()

    _ingest_stream(items(), _SESSIONS[args.db], filters, args.quiet, progress, tally, stages)
    progress.clear()


def _ingest_warc_files(warcs: list[WarcInput], args: argparse.Namespace, filters: Filters,
                       tally: _Tally, stages: _Stages) -> None:
    """WARC files through the database's list of files (newscrawl.store.ingest_files): this
    process claims the next file not yet done and feeds its records to the stage workers, until
    none is left. Every ingest given the same files (another process, on any machine) claims
    from the same list, so each file is read once - several files at once come from several
    ``newscrawl ingest`` processes - and a file whose process died is taken up again after the
    last record it stored."""
    from newscrawl.ingest import local_warc
    from newscrawl.store.ingest_files import (FileClaim, LeaseLost, claim_next, file_status,
                                              held_elsewhere, register, requeue)

    make_session = _SESSIONS[args.db]
    registered = register(make_session, [(w.location, w.size) for w in warcs])
    location = dict(zip(registered, (w.location for w in warcs), strict=True))
    ids = list(location)  # in the order given, each file once
    if args.again:
        requeue(make_session, ids)
    with make_session() as session:
        rows = {row.location: row for row in file_status(session)}
    done = {i for i in ids if rows[location[i]].state == "done"}
    tally.already = len(done)
    if not args.quiet:
        for file_id in ids:
            if file_id in done:
                print(f"already ingested: {printable(location[file_id])}", file=sys.stderr)
    todo = [i for i in ids if i not in done]
    if not todo:
        return
    progress = Progress(sum(rows[location[i]].size or 0 for i in todo), "bytes")
    while True:
        file = claim_next(make_session, todo, args.lease)
        if file is None:
            wait = held_elsewhere(make_session, todo)
            if wait is None:
                break
            time.sleep(min(wait + 0.2, 5.0))
            continue
        entry = WarcInput(file.location if file.location.startswith(("http://", "https://"))
                          else Path(file.location))
        if file.position and not args.quiet:
            progress.clear()
            print(f"resumed: {printable(file.location)} after record {file.position}",
                  file=sys.stderr, flush=True)
        with FileClaim(make_session, file, args.lease) as claim:
            counts: Counter = Counter()
            try:
                with local_warc(entry) as local:
                    _ingest_stream(iter_input(local, filters, _ReadOffsets(progress.advance)),
                                   make_session, filters, args.quiet, progress, tally, stages,
                                   claim=claim, counts=counts)
            except IngestError as exc:  # the download failed
                progress.clear()
                print(f"error: {printable(exc)}", file=sys.stderr, flush=True)
                tally.errors += 1
                claim.finish({}, failed=str(exc))
                continue
            except LeaseLost as exc:
                progress.clear()
                print(f"error: {printable(exc)}", file=sys.stderr, flush=True)
                continue
            except KeyboardInterrupt:
                claim.release(counts)
                raise
            claim.finish(dict(counts))
    progress.clear()


class _ReadOffsets:
    """Offsets into the file being read -> bytes read in all, told to ``sink``."""

    def __init__(self, sink) -> None:
        self.sink = sink
        self.last = 0

    def __call__(self, offset: int) -> None:
        if offset > self.last:
            self.sink(offset - self.last)
            self.last = offset


def _store_and_print(make_session, page, record, quiet: bool, progress: Progress | None,
                     also=None, precomputed=None) -> tuple[str | None, int]:
    """Store one page and its record (``also(session)`` in the same transaction) and print its
    line; returns the outcome (None when not even a failed fetch could be recorded) and 1 when
    the database refused the page, else 0. ``precomputed``: values the store would compute,
    computed ahead by a worker (newscrawl.stages.memo)."""
    from newscrawl.ingest import store_ingested
    from newscrawl.stages.memo import primed
    from newscrawl.store.refusals import StoreRefused

    try:
        with primed(precomputed):
            outcome = store_ingested(make_session, page, record, also)
    except StoreRefused as exc:
        if progress is not None:
            progress.clear()
        print(f"error: {printable(page.url)}: {printable(exc)}", file=sys.stderr, flush=True)
        return None, 1
    detail = outcome.story_key or outcome.reason or record.skip_reason or ""
    if not quiet:
        if progress is not None:
            progress.clear()
        print(f"{outcome.outcome:20s} {detail:18s} {printable(page.url)}", flush=True)
    return outcome.outcome, int(outcome.reason is not None)


def _ingest_status(args: argparse.Namespace) -> int:
    """``newscrawl ingest --status``: the WARC files of the database's list, and their state."""
    from newscrawl.store.ingest_files import file_status

    make_session = _sessionmaker(args.db, read=True)
    with make_session() as session:
        files = file_status(session)
    states = Counter(f.state for f in files)
    print(f"{len(files)} WARC file{'' if len(files) == 1 else 's'}: "
          + ", ".join(f"{states[s]} {s}" for s in ("done", "claimed", "pending", "failed")))
    for f in files:
        size = f"{f.size / 1e6:,.1f} MB" if f.size is not None else "size unknown"
        if f.state == "claimed":
            detail = f"by {f.claim}, lease until {f.lease_until:%Y-%m-%d %H:%M:%S}Z"
        elif f.state == "failed" or f.message:
            detail = f.message or ""
        else:
            detail = ", ".join(f"{n} {k}" for k, n in sorted(f.counts.items()))
        print(f"{f.state:8s} {f.position:>9,d} records  {size:>12s}  {printable(f.location)}"
              + (f"  ({printable(detail)})" if detail else ""))
    return 0


#: Session factories of this process by database URL (one engine for all inputs of a run).
_SESSIONS: dict = {}


def ingest_sessions(url: str | None):
    """The session factory ``newscrawl ingest`` stores with (:func:`_asynchronous_commits`)."""
    return _asynchronous_commits(_sessionmaker(url))


def _asynchronous_commits(make_session):
    """``make_session``, whose PostgreSQL connections commit without waiting for the server to
    write its log to disk (``synchronous_commit`` off, PostgreSQL's setting for bulk loads):
    an ingest commits once a page, and that wait (a disk flush each) was most of a commit. A
    server that crashes may lose the last fraction of a second of commits, never a part of one,
    and never its consistency: a page and its WARC file's position are one transaction, so an
    ingest run again (or resumed) stores what was lost. SQLite: as it is (WAL, synchronous
    NORMAL, already without a flush a commit)."""
    from sqlalchemy import event

    engine = make_session.kw["bind"]
    if engine.dialect.name != "postgresql":
        return make_session

    def asynchronous(dbapi_connection, _record) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # a SET in a transaction rolled back would not hold
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
        finally:
            dbapi_connection.autocommit = autocommit

    event.listen(engine, "connect", asynchronous)
    engine.dispose()  # the connection that opened (or migrated) the database is not reused
    return make_session


def _process_page(item):
    """The record of one page (or WARC skip), and what the store will compute from them
    (newscrawl.store.precompute), in an ingest worker: the storing process, which every page
    goes through one after the other, is left with the database work."""
    from newscrawl.store.precompute import store_precomputed

    page, record = page_record(item)
    return record, store_precomputed(page, record)


def _ingest_filters(args: argparse.Namespace) -> Filters:
    from newscrawl.crawl.sources import load_sources
    from newscrawl.model import site_of

    sites = {site_of(f"http://{host.strip()}/") for host in args.site or ()}
    if args.sources:
        try:
            sources = load_sources(args.sources)
        except (OSError, ValueError) as exc:
            raise CommandError(f"--sources {args.sources}: {exc}") from None
        sites |= {site_of(f"http://{domain}/") for source in sources
                  for domain in source.allowed_domains}
    if args.since and args.until and args.until <= args.since:
        raise CommandError("--until must be after --since")
    return Filters(sites=frozenset(sites), since=args.since, until=args.until,
                   languages=frozenset(lang.strip().lower() for lang in args.language or ()))


def _json_out(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2,
                     default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))


def _story_json(s) -> dict:
    return {"key": s.key, "title": s.title, "language": s.language, "versions": s.version_count,
            "sites": s.site_count, "first_seen_at": s.first_seen_at}


def print_stories(make_session, *, limit: int | None = None, site: str | None = None,
                  since=None, as_json: bool = False) -> None:
    from newscrawl.store.queries import list_stories

    with make_session() as session:
        stories = list_stories(session, limit=limit, site=site, since=since)
    if as_json:
        _json_out([_story_json(s) for s in stories])
        return
    print(f"{len(stories)} stories")
    print(f"{'key':16s}  {'versions':>8s}  {'sites':>5s}  {'lang':4s}  title")
    for s in stories:
        title = printable(s.title)
        title = title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1] + "…"
        print(f"{s.key:16s}  {s.version_count:8d}  {s.site_count:5d}  {s.language or '-':4s}  {title}")


def cmd_stories(args: argparse.Namespace) -> int:
    print_stories(_sessionmaker(args.db, read=True), limit=args.limit, site=args.site,
                  since=args.since, as_json=args.json)
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    from newscrawl.store.queries import list_events

    with _sessionmaker(args.db, read=True)() as session:
        events = list_events(session, min_stories=1 if args.all else 2, limit=args.limit,
                             site=args.site, since=args.since)
    if args.json:
        _json_out([{"id": e.id, "title": e.title, "first_seen_at": e.first_seen_at, "sites": e.site_count,
                    "size": len(e.stories), "first_day": e.first_day, "last_day": e.last_day,
                    "span_days": e.span_days,
                    "stories": [_story_json(s) for s in e.stories]} for e in events])
        return 0
    print(f"{len(events)} event{'' if len(events) == 1 else 's'}"
          + ("" if args.all else " reported by more than one story"))
    for event in events:
        span = ("no dated story" if event.first_day is None else
                f"{event.first_day.isoformat()} to {event.last_day.isoformat()} ({event.span_days} days)"
                if event.span_days else f"{event.first_day.isoformat()}")
        print(f"event {event.id}: {len(event.stories)} stories on {event.site_count} sites, {span}, "
              f"first seen {event.first_seen_at.isoformat(timespec='seconds')}")
        for s in event.stories:
            title = printable(s.title)
            title = title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1] + "…"
            noun = "version " if s.version_count == 1 else "versions"
            print(f"  {s.key:16s}  {s.version_count:3d} {noun}  {title}")
    return 0


def cmd_story(args: argparse.Namespace) -> int:
    from newscrawl.store.queries import story_detail

    with _sessionmaker(args.db, read=True)() as session:
        detail = story_detail(session, args.key)
        if detail is None:
            print(f"no story with key {args.key!r}", file=sys.stderr)
            return 2
        if args.diff is not None:
            return print_diff(session, detail, args.diff)
    print(f"story {detail.key}: {printable(detail.title)}")
    print(f"{detail.version_count} versions on {len(detail.sites)} sites")
    if detail.same_event:
        print(f"event {detail.event_id}, also reported by: "
              + "; ".join(f"{key} ({printable(title)})" for key, title in detail.same_event))
    for m in detail.merged_with:
        print(f"same story as {m.other_key} (proved by v{m.evidence_version_id}, containment"
              f" {m.similarity:.2f}, {m.recorded_at.isoformat(timespec='seconds')})")
    for v in detail.versions:
        repairs = ", ".join(f"{r['kind']}×{r['count']}" for r in v.repairs) or "-"
        first = v.first_fetched_at.isoformat(timespec="seconds")
        last = v.last_fetched_at.isoformat(timespec="seconds")
        mark = "*" if v.is_canonical else " "
        derivation = v.derivation or "-"
        similarity = f" {v.similarity:.2f}" if v.similarity is not None and not v.is_canonical else ""
        print(f"{mark} v{v.id:<5d} {v.site:28s} {v.language or '-':3s} first {first} last {last}"
              f"  {derivation}{similarity}")
        print(f"         {printable(v.url)}")
        print(f"         repairs: {repairs}")
    return 0


def _version_id(text: str) -> int | None:
    text = text.strip().lower().removeprefix("v")
    return int(text) if text.isdigit() else None


def print_diff(session, detail, wanted: list[str]) -> int:
    """Print what changed between two versions of ``detail`` (see :func:`text_diff`)."""
    from newscrawl.store.queries import version_texts

    if len(wanted) > 2:
        print("--diff takes at most two version ids", file=sys.stderr)
        return 2
    ids = [_version_id(w) for w in wanted]
    if None in ids:
        print(f"not a version id: {wanted[ids.index(None)]!r} (use the ids listed, e.g. v12)",
              file=sys.stderr)
        return 2
    first = detail.canonical_version_id or detail.versions[0].id
    if not ids:
        ids = [first, detail.versions[-1].id]
    elif len(ids) == 1:
        ids = [first, ids[0]]
    versions = version_texts(session, detail.key, ids)
    missing = [i for i in ids if i not in versions]
    if missing:
        print(f"story {detail.key} has no version v{missing[0]}", file=sys.stderr)
        return 2
    a, b = versions[ids[0]], versions[ids[1]]
    summary = {v.id: v for v in detail.versions}
    for v in (a, b):
        s = summary[v.id]
        print(f"v{v.id} (#{s.number}, {s.derivation or '-'}) {s.site} {printable(v.url)}")
    print()
    for line in text_diff(a.body, b.body):
        print(printable(line))
    return 0


def text_diff(a: str, b: str) -> list[str]:
    """Paragraph by paragraph: "  " kept, "- " only in A, "+ " only in B, and "~ " for a changed
    paragraph with its words marked ``[-old-]{+new+}`` (a spun paragraph reads as its swaps)."""
    from difflib import SequenceMatcher

    pa = [p.strip() for p in a.split("\n") if p.strip()]
    pb = [p.strip() for p in b.split("\n") if p.strip()]
    if pa == pb:
        return ["(no change in the text)"]
    out: list[str] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, pa, pb, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(f"  {p}" for p in pa[i1:i2])
            continue
        old, new = pa[i1:i2], pb[j1:j2]
        paired = min(len(old), len(new)) if op == "replace" else 0
        for p, q in zip(old[:paired], new[:paired]):
            if SequenceMatcher(None, p.split(), q.split(), autojunk=False).ratio() >= 0.5:
                out.append(f"~ {word_diff(p, q)}")
            else:
                out.extend([f"- {p}", f"+ {q}"])
        out.extend(f"- {p}" for p in old[paired:])
        out.extend(f"+ {q}" for q in new[paired:])
    return out


def word_diff(a: str, b: str) -> str:
    from difflib import SequenceMatcher

    wa, wb = a.split(), b.split()
    parts: list[str] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op == "equal":
            parts.extend(wa[i1:i2])
            continue
        if i2 > i1:
            parts.append("[-" + " ".join(wa[i1:i2]) + "-]")
        if j2 > j1:
            parts.append("{+" + " ".join(wb[j1:j2]) + "+}")
    return " ".join(parts)


def parse_since(text: str):
    """``--since``: an ISO date or date-time; without a zone it is UTC."""
    import datetime as dt

    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date: {text!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def cmd_reprocess(args: argparse.Namespace) -> int:
    from newscrawl.store.maintenance.reprocess import UNCHANGED, reprocess

    def progress(outcome: str, raw_page_id: int, url: str, detail: str | None) -> None:
        if not args.quiet and outcome != UNCHANGED:
            print(f"{outcome:12s} {detail or '':18s} {printable(url)}")

    result = reprocess(_sessionmaker(args.db), since=args.since, site=args.site,
                       progress=progress)
    for raw_page_id, url, error in result.errors:
        print(f"error: raw page {raw_page_id} ({printable(url)}): {error}", file=sys.stderr)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(result.counts.items())) or "nothing"
    print(f"reprocessed {result.pages} raw pages: {summary} (reprocess run {result.run_id})")
    return 1 if result.errors else 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from newscrawl.crawl.launch import (SAMPLE_SITES, SAMPLE_SOURCES, CrawlFailed, crawl_settings, run_news,
                                        spider_arguments)
    from newscrawl.store.db import ENV_VAR

    if args.sample:
        if args.sources or args.feed or args.sitemap or args.replay_dir:
            raise CommandError("--sample crawls the bundled sample sites: leave out --sources, --feed, "
                               "--sitemap and --replay-dir")
        args.sources, args.replay_dir = str(SAMPLE_SOURCES), str(SAMPLE_SITES)
    if not (args.sources or args.feed or args.sitemap):
        raise CommandError("nothing to crawl: give --sources FILE, --feed URL, --sitemap URL or --sample")
    overrides: dict[str, str] = {}
    for pair in args.set or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"-s takes NAME=VALUE, not {pair!r} (e.g. -s LOG_LEVEL=WARNING)")
        overrides[name.strip()] = value
    if args.replay_dir is not None:
        replay = Path(args.replay_dir)
        if not replay.is_dir() and not (replay.is_file() and is_warc(replay)):
            raise CommandError(f"--replay-dir {args.replay_dir}: no such folder or WARC file (the "
                               f"saved sites, one folder per host as in fixtures/sites, or WARC "
                               f"files)")
        overrides["NEWSCRAWL_REPLAY_DIR"] = str(replay.resolve())
    if args.warc is not None:
        if Path(args.warc).exists() and not Path(args.warc).is_dir():
            raise CommandError(f"--warc {args.warc}: not a folder (WARC files are written into it)")
        overrides["NEWSCRAWL_WARC_DIR"] = str(Path(args.warc).resolve())
    url = checked_url(args.db or overrides.get("NEWSCRAWL_DATABASE_URL"))
    if args.db is not None:
        # The environment comes before the settings wherever the crawl resolves the URL
        # (newscrawl/store/db.py), so --db is passed to it there.
        os.environ[ENV_VAR] = url
    try:
        arguments = spider_arguments(args.sources, args.feed, args.sitemap)
    except ValueError as exc:
        raise CommandError(str(exc).replace("-a sources=PATH", "--sources FILE")) from exc
    try:
        return run_news(crawl_settings(overrides), arguments)
    except CrawlFailed as exc:
        # Scrapy's own settings fail with Python's words ("could not convert string to float"):
        # the -s value the message quotes names the setting.
        named = [f"-s {name}={value}" for name, value in overrides.items()
                 if name not in str(exc) and value and repr(value) in str(exc)]
        raise CommandError(f"the crawl could not run: {exc}"
                           + (f" ({', '.join(named)})" if named else "")) from exc


def cmd_fetch(args: argparse.Namespace) -> int:
    from newscrawl.fetch import FetchError, fetch_record

    try:
        record = fetch_record(args.target)
    except FetchError as exc:
        raise CommandError(str(exc)) from exc
    _json_out(record)
    return 0


def _output_files(output: str) -> tuple[Path, Path | None]:
    """``--output``: the file an export ends in, and the file it is written into first (None:
    straight into it).

    A regular file is written beside itself and renamed at the end, so an export that fails
    half-way leaves no half file under the name a later step reads. A device or a named pipe
    (``/dev/stdout``, ``mkfifo``) is written into: renaming over it would replace it with a
    regular file. A symbolic link is followed, so the file it names is written, not the link.
    """
    target = Path(output)
    if target.is_dir():
        raise CommandError(f"--output {output}: a folder; give the name of a file in it")
    if target.exists() and not target.is_file():
        return target, None
    if target.is_symlink():
        target = target.resolve()
    if not target.parent.is_dir():
        raise CommandError(f"--output {output}: no folder {str(target.parent)!r}; create it first")
    return target, target.with_name(target.name + ".part")


def _open_output(output: str, path: Path, mode: str):
    try:
        if "b" in mode:
            return open(path, mode)  # noqa: SIM115
        return open(path, mode, encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:
        raise CommandError(f"--output {output}: cannot write {str(path)!r}: "
                           f"{exc.strerror or exc}") from exc


def cmd_export(args: argparse.Namespace) -> int:
    from newscrawl.export import MissingPyarrow, write_parquet, write_rows
    from newscrawl.store.queries import EXPORT_COLUMNS, count_export_rows, iter_export_rows

    make_session = _sessionmaker(args.db, read=True)
    suffix = Path(args.output).suffix.lower() if args.output else ""
    fmt = args.format or {".csv": "csv", ".parquet": "parquet"}.get(suffix, "jsonl")
    target = Path(args.output) if args.output else None
    if fmt == "parquet":
        if target is None:
            raise CommandError("--format parquet writes a file: give --output FILE.parquet")
        try:
            from newscrawl.export import parquet_schema
            parquet_schema(EXPORT_COLUMNS)
        except MissingPyarrow as exc:
            raise CommandError(str(exc)) from None
    partial = None
    if target is not None:
        target, partial = _output_files(args.output)
    if fmt == "warc" or (args.format is None and args.output
                         and args.output.lower().endswith((".warc", ".warc.gz"))):
        return _export_warc(args, make_session, target, partial)
    stream = None
    if fmt != "parquet":
        stream = (_open_output(args.output, partial or target, "w") if target is not None
                  else sys.stdout)
    filters = {"site": args.site, "since": args.since}
    try:
        with make_session() as session:
            # Counted only when a progress line will show it (stderr on a terminal).
            progress = Progress(count_export_rows(session, **filters, limit=args.limit)
                                if sys.stderr.isatty() else 0, "versions")
            rows = iter_export_rows(session, **filters, limit=args.limit)
            if fmt == "parquet":
                count = write_parquet(rows, partial or target, EXPORT_COLUMNS, progress=lambda n: progress.advance())
            else:
                count = write_rows(rows, stream, fmt, EXPORT_COLUMNS, progress=lambda n: progress.advance())
            progress.clear()
    except BaseException:
        if target is not None and stream is not None:
            stream.close()
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise
    if target is not None and stream is not None:
        stream.close()
    if partial is not None:
        partial.replace(target)
    print(f"exported {count} story version{'' if count == 1 else 's'}"
          f"{' to ' + str(target) if target else ''} ({fmt})", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from newscrawl.web import DEFAULT_HOST, DEFAULT_PORT, ViewError, serve

    host = DEFAULT_HOST if args.host is None else args.host
    port = DEFAULT_PORT if args.port is None else args.port
    try:
        serve(checked_url(args.db), host=host, port=port)
    except ViewError as exc:
        raise CommandError(str(exc)) from None
    return 0


def add_serve_command(add) -> None:
    # The defaults live in newscrawl.web (imported only to serve: it brings the web framework).
    p = add("serve", cmd_serve, "a read-only web view of stories, versions, events and sites")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=port_number, help="port to listen on (default 8000; 0: any free port)")


def _export_warc(args: argparse.Namespace, make_session, target: Path | None,
                 partial: Path | None) -> int:
    """``export --format warc``: every download the store kept, as gzip WARC (newscrawl.export_warc)."""
    from newscrawl.export_warc import write_warc
    from newscrawl.store.queries import iter_captures

    if target is None and sys.stdout.isatty():
        raise CommandError("a WARC file is binary: give --output FILE.warc.gz (or redirect it)")
    info = {"software": f"newscrawl/{package_version()}", "format": "WARC File Format 1.1",
            "description": "downloads stored by newscrawl, exported with newscrawl export"}
    info.update({name: str(value) for name, value in
                 (("site", args.site), ("since", args.since), ("limit", args.limit)) if value})
    stream = (_open_output(args.output, partial or target, "wb") if target is not None
              else sys.stdout.buffer)
    try:
        with make_session() as session:
            count = write_warc(iter_captures(session, site=args.site, since=args.since,
                                             limit=args.limit),
                               stream, info, name=target.name if target else "stdout.warc.gz")
    except BaseException:
        if target is not None:
            stream.close()
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise
    if target is not None:
        stream.close()
    else:
        stream.flush()
    if partial is not None:
        partial.replace(target)
    print(f"exported {count} download{'' if count == 1 else 's'}"
          f"{' to ' + str(target) if target else ''} (warc)", file=sys.stderr)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from newscrawl.store.db import mask_url, upgrade

    url = checked_url(args.db)
    upgrade(url)
    print(f"database at head: {mask_url(url)}")
    return 0


def cmd_db_backfill(args: argparse.Namespace) -> int:
    from newscrawl.store.maintenance.backfill import (
        backfill_bands,
        backfill_derivations,
        backfill_features,
    )

    def progress(version_id: int, outcome: str) -> None:
        if not args.quiet:
            print(f"version {version_id}: {outcome}")

    def band_progress(story_id: int, outcome: list[int] | str) -> None:
        if not args.quiet:
            added = (outcome if isinstance(outcome, str)
                     else "bands of block " + ", ".join(map(str, outcome)) + " added")
            print(f"story {story_id}: {added}")

    sessions = _sessionmaker(args.db)
    result = backfill_derivations(sessions, progress=progress)
    for version_id, reason in result.left:
        print(f"left: version {version_id}: {reason}", file=sys.stderr)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(result.counts.items()))
    print(f"backfilled {result.filled} versions{': ' + summary if summary else ''};"
          f" {len(result.left)} left without")
    bands = backfill_bands(sessions, progress=band_progress)
    for story_id, reason in bands.left:
        print(f"left: story {story_id}: {reason}", file=sys.stderr)
    blocks = ", ".join(f"{n} of block {k}" for k, n in sorted(bands.rows.items()))
    print(f"re-banded {bands.stories} {'story' if bands.stories == 1 else 'stories'}: {bands.added} band rows added"
          f"{' (' + blocks + ')' if blocks else ''}; {len(bands.left)} left without")
    features = backfill_features(sessions, progress=None if args.quiet else
                                 lambda story_id, what: print(f"story {story_id}: {what}"))
    for story_id, reason in features.left:
        print(f"left: story {story_id}: {reason}", file=sys.stderr)
    print(f"verification features added to {features.features} stories, word bands to"
          f" {features.word_bands}; {len(features.left)} left without")
    if features.words_counted:
        print(f"word counts rebuilt from {features.words_counted} stories' word sets")
    linked = _link_events(sessions, args.quiet)
    print(f"linked {linked} {'story' if linked == 1 else 'stories'} to events")
    return 1 if result.left or bands.left or features.left else 0


def _link_events(sessions, quiet: bool) -> int:
    """Events for the stories stored before events existed (newscrawl.store.events)."""
    from newscrawl.store.maintenance.backfill import backfill_events

    def progress(key: str, event_id: int) -> None:
        if not quiet:
            print(f"story {key}: event {event_id}")

    return backfill_events(sessions, progress=progress)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newscrawl")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


#: What ``newscrawl --help`` says first and last.
DESCRIPTION = ("Crawl news sites and store each story once, with every version of it (each site's "
               "copy, each later edit), clean and comparable; then list, show, diff and export them.")
EPILOG = ("Start with: newscrawl crawl --sample (the bundled sample sites, offline), then newscrawl "
          "stories. The database is --db URL, else $NEWSCRAWL_DATABASE_URL, else "
          "sqlite:///newscrawl.db. Each command has --help.")


class _Parser(argparse.ArgumentParser):
    """Argument errors as one line, like every other user error (the usage is one --help away)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="newscrawl", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"newscrawl {package_version()}")
    common = _Parser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="on an error, print the traceback too")
    parser.add_argument("--debug", action="store_true", help="on an error, print the traceback too")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help: str, db: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, parents=[common])
        if db:
            p.add_argument("--db", help="database URL (default: $NEWSCRAWL_DATABASE_URL or sqlite:///newscrawl.db)")
        p.set_defaults(func=func)
        return p

    def filters(p: argparse.ArgumentParser, what: str, since: str) -> None:
        p.add_argument("--limit", type=positive_int, metavar="N", help=f"at most N {what}")
        p.add_argument("--site", metavar="HOST", help=f"only {what} with a version on this site (host name)")
        p.add_argument("--since", type=parse_since, metavar="DATE",
                       help=f"only {what} {since} at or after DATE (ISO date or date-time, UTC)")

    p = add("crawl", cmd_crawl, "crawl news sites (feeds, sitemaps) into the database, from any directory")
    p.add_argument("--sources", metavar="FILE", help="sources file (TOML, [[sources]] tables)")
    p.add_argument("--feed", action="append", metavar="URL", help="a feed to crawl (repeatable)")
    p.add_argument("--sitemap", action="append", metavar="URL",
                   help="a sitemap, sitemap index or robots.txt to crawl (repeatable)")
    p.add_argument("-s", "--set", action="append", metavar="NAME=VALUE",
                   help="a Scrapy or NEWSCRAWL_* setting for this run (repeatable)")
    p.add_argument("--replay-dir", metavar="DIR",
                   help="crawl these saved sites (case folders, WARC files) instead of the network (NEWSCRAWL_REPLAY_DIR)")
    p.add_argument("--sample", action="store_true",
                   help="crawl the sample sites that ship with newscrawl, offline (saved responses)")
    p.add_argument("--warc", metavar="DIR",
                   help="write every request and response as gzip WARC files in DIR "
                        "(NEWSCRAWL_WARC_DIR)")
    p = add("fetch", cmd_fetch, "print one page's normalized record as JSON (nothing stored)", db=False)
    p.add_argument("target", metavar="URL|FILE",
                   help="an http(s) URL, a saved .html/.htm/.html.gz file or a saved-response folder")
    p = add("ingest", cmd_ingest, "store saved pages (.html, .htm, .html.gz, case folders, "
                                   ".warc, .warc.gz, warc.paths lists)")
    p.add_argument("paths", nargs="*")
    p.add_argument("--status", action="store_true",
                   help="list the WARC files of the database: done, being read (by which "
                        "process), pending, failed")
    p.add_argument("--again", action="store_true",
                   help="read WARC files the database lists as done again (without it they "
                        "are passed over: a second run resumes the first)")
    p.add_argument("--lease", type=positive_float, default=DEFAULT_LEASE, metavar="SECONDS",
                   help=f"a WARC file whose process stops renewing its claim this long is taken "
                        f"up by another (default {DEFAULT_LEASE:g})")
    p.add_argument("-q", "--quiet", action="store_true", help="only the summary line")
    p.add_argument("-j", "--jobs", type=positive_int, default=None, metavar="N",
                   help="N worker processes running the stages of the pages; stored in input order "
                        "(default: one per core this process may use; never more than the pages given, "
                        "unless WARC files are read). Several WARC files are read "
                        "at once by several ingests given the same files")
    p.add_argument("--site", action="append", metavar="HOST",
                   help="only pages of this site and its subdomains (repeatable)")
    p.add_argument("--sources", metavar="FILE",
                   help="only pages of these sources' domains (a sources file of newscrawl crawl)")
    p.add_argument("--language", action="append", metavar="CODE",
                   help="only articles in this language (ISO 639-1, repeatable)")
    p.add_argument("--since", type=parse_since, metavar="DATE",
                   help="only pages fetched (WARC-Date) at or after DATE (ISO date or date-time, UTC)")
    p.add_argument("--until", type=parse_since, metavar="DATE",
                   help="only pages fetched before DATE (ISO date or date-time, UTC)")
    p = add("stories", cmd_stories, "list stories with version counts")
    filters(p, "stories", "first seen")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p = add("events", cmd_events, "list events reported by several stories (different texts)")
    p.add_argument("--all", action="store_true", help="also events reported by one story")
    filters(p, "events", "first seen")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p = add("story", cmd_story, "show one story's versions, or --diff two of them")
    p.add_argument("key")
    p.add_argument("--diff", nargs="*", metavar="VERSION",
                   help="what changed between versions A and B (default: the first and the "
                        "latest; one id: the first and that one)")
    p = add("export", cmd_export, "write story versions as JSON Lines, CSV or Parquet, or the "
                                  "stored downloads as WARC")
    p.add_argument("--format", choices=("jsonl", "csv", "parquet", "warc"),
                   help="jsonl (default), csv or parquet (the default when --output ends in .csv, "
                        ".parquet; parquet needs pyarrow: pip install 'newscrawl[parquet]'): story "
                        "versions; warc (the default for .warc.gz): every download the store "
                        "kept, its bytes and headers, as gzip WARC")
    p.add_argument("--output", "-o", metavar="FILE", help="write here (default: standard output)")
    filters(p, "versions", "first fetched")
    p = add("reprocess", cmd_reprocess,
            "run the stages again over stored raw pages; new versions where the text changed")
    p.add_argument("--since", type=parse_since, metavar="DATE",
                   help="only pages downloaded at or after DATE (ISO date or date-time, UTC)")
    p.add_argument("--site", metavar="HOST", help="only pages of this site (host name)")
    p.add_argument("-q", "--quiet", action="store_true", help="only the summary line")
    add_serve_command(add)
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    p = db_sub.add_parser("upgrade", help="migrate the database to the newest schema", parents=[common])
    p.add_argument("--db")
    p.set_defaults(func=cmd_db_upgrade)
    p = db_sub.add_parser("backfill", help="fill in what a database written by an older newscrawl "
                                           "lacks (how versions derive from each other and their "
                                           "similarity, events of stories, band rows of signature "
                                           "blocks), computed from the stored texts", parents=[common])
    p.add_argument("--db")
    p.add_argument("-q", "--quiet", action="store_true", help="only the summary line")
    p.set_defaults(func=cmd_db_backfill)
    return parser


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return value


def port_number(text: str) -> int:
    # The socket layer takes a port modulo 65536: 99999 would listen on 34463 without a word.
    if not text.strip().isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0 to 65535): {text!r}")
    return int(text)


def positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def _error(message: str) -> int:
    print(f"newscrawl: {message}", file=sys.stderr)
    return 2


def _drop_stdout() -> None:
    """Point stdout at the null device: further writes to it, including the interpreter's
    flush at exit, would fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from newscrawl.store.db import DatabaseUnavailable

    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        code = args.func(args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return code
    except BrokenPipeError:
        # The reader went away (``newscrawl story KEY | head``): what it wanted is written.
        _drop_stdout()
        return 0
    except KeyboardInterrupt:
        print("newscrawl: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if debug:
            import traceback

            traceback.print_exc()
        if isinstance(exc, CommandError):
            return _error(str(exc))
        if isinstance(exc, DatabaseUnavailable):
            return _error(f"{exc} ({exc.hint})")
        if isinstance(exc, SQLAlchemyError):
            first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
            return _error(f"database error: {first} (--debug shows the traceback)")
        if isinstance(exc, OSError):
            # The system refused a read or a write (a full disk, stdout on a full device):
            # what was left in stdout's buffer would fail again at exit, after this line.
            _drop_stdout()
            return _error(f"{exc} (--debug shows the traceback)")
        raise


if __name__ == "__main__":
    raise SystemExit(main())
