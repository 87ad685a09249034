"""The WARC files of ``newscrawl ingest``, shared by every ingest process on one database.

Each file (a local path or an http(s) URL, as the process found it) is a row of
``ingest_files`` (:class:`~newscrawl.store.models.IngestFile`). Every process given a list adds
the files it lacks (:func:`register`), then takes them one at a time (:func:`claim_next`):

* **PostgreSQL:** the next ``pending`` file, or a ``claimed`` one whose lease has run out, is
  selected ``FOR UPDATE SKIP LOCKED``, so processes on any number of machines each take a
  different file without waiting on each other;
* **SQLite:** there is no row lock; the claim is a conditional ``UPDATE`` (still pending, or
  its lease run out) whose row count says whether this process won it, under SQLite's one
  writer at a time. Several processes on one machine share a list the same way; other
  machines cannot reach a SQLite file.

A claim holds a lease (``lease_until``) that a thread renews while the file is read
(:class:`FileClaim`); a process that is killed stops renewing it, and once it has run out any
process given the file takes it up again. Lease times are the database server's clock
(PostgreSQL's ``now()``), so machines whose clocks disagree still agree on leases.

``position`` counts the records of the file stored so far. It is advanced by
:meth:`FileClaim.record_stored` *inside the transaction that stores each record*, and only while
the claim is still this process's: a record is stored and counted together or not at all, so a
file taken up again goes on after its last stored record, and each record is stored once
however often its file is taken up.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from newscrawl.store.concurrency import run_transaction
from newscrawl.store.models import (
    FILE_CLAIMED,
    FILE_DONE,
    FILE_FAILED,
    FILE_PENDING,
    IngestFile,
)

logger = logging.getLogger(__name__)

#: Seconds a claim holds without being renewed: a process dead this long loses its file.
DEFAULT_LEASE = 120.0
#: Ids looked at per claim query (a list of thousands of files is taken window by window).
_WINDOW = 500


class LeaseLost(RuntimeError):
    """The file was taken up by another process: this process's lease had run out."""


def db_now(session: Session) -> dt.datetime:
    """The time by the database server's clock (PostgreSQL), else this machine's (SQLite, which
    only processes of this machine can open)."""
    if session.get_bind().dialect.name == "postgresql":
        value = session.scalar(select(func.now()))
        return value.astimezone(dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc)


def register(make_session: Callable[[], Session], files: Sequence[tuple[str, int | None]],
             ) -> list[int]:
    """The ids of ``files`` ((location, size in bytes or None)), added as ``pending`` when the
    table does not have them yet (other processes may be adding the same list at the same
    time); in the order given."""

    def work(session: Session) -> dict[str, int]:
        now = db_now(session)
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        ids: dict[str, int] = {}
        for start in range(0, len(files), _WINDOW):
            chunk = files[start:start + _WINDOW]
            session.execute(
                dialect_insert(IngestFile).on_conflict_do_nothing(index_elements=["location"]),
                [{"location": location, "size": size, "state": FILE_PENDING, "attempts": 0,
                  "position": 0, "added_at": now, "counts": {}} for location, size in chunk])
            ids.update((row.location, row.id) for row in session.execute(
                select(IngestFile.location, IngestFile.id).where(
                    IngestFile.location.in_([location for location, _ in chunk]))))
        return ids

    by_location = run_transaction(make_session, work)
    return [by_location[location] for location, _ in files]


def requeue(make_session: Callable[[], Session], ids: Iterable[int]) -> int:
    """Make done and failed files pending again, from their first record (``--again``); the
    number requeued. Files being read by a live process are left to it."""
    ids = list(ids)

    def work(session: Session) -> int:
        count = 0
        for start in range(0, len(ids), _WINDOW):
            count += session.execute(
                update(IngestFile)
                .where(IngestFile.id.in_(ids[start:start + _WINDOW]),
                       IngestFile.state.in_((FILE_DONE, FILE_FAILED)))
                .values(state=FILE_PENDING, position=0, claim=None, lease_until=None,
                        finished_at=None, message=None, counts={})).rowcount
        return count

    return run_transaction(make_session, work)


def _claimable(now: dt.datetime):
    return or_(IngestFile.state == FILE_PENDING,
               and_(IngestFile.state == FILE_CLAIMED, IngestFile.lease_until < now))


def claim_token() -> str:
    """A name for one claim: which machine and process hold it, and a random part that tells two
    claims of one process apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Claimed:
    """A file this process has claimed, as the claim found it."""

    id: int
    location: str
    claim: str
    position: int
    attempts: int
    size: int | None


def claim_next(make_session: Callable[[], Session], ids: Sequence[int], lease: float,
               ) -> Claimed | None:
    """Claim the first claimable file among ``ids`` (module docstring), or None when none is."""
    token = claim_token()

    def work(session: Session) -> Claimed | None:
        now = db_now(session)
        for start in range(0, len(ids), _WINDOW):
            window = ids[start:start + _WINDOW]
            while True:
                row = session.execute(
                    select(IngestFile.id, IngestFile.location, IngestFile.position,
                           IngestFile.attempts, IngestFile.size)
                    .where(IngestFile.id.in_(window), _claimable(now))
                    .order_by(IngestFile.id).limit(1)
                    .with_for_update(skip_locked=True)).first()
                if row is None:
                    break
                won = session.execute(
                    update(IngestFile)
                    .where(IngestFile.id == row.id, _claimable(now))
                    .values(state=FILE_CLAIMED, claim=token,
                            lease_until=now + dt.timedelta(seconds=lease),
                            attempts=IngestFile.attempts + 1,
                            started_at=func.coalesce(IngestFile.started_at, now),
                            message=None)).rowcount
                if won:
                    return Claimed(row.id, row.location, token, row.position, row.attempts + 1,
                                   row.size)
        return None

    return run_transaction(make_session, work)


def held_elsewhere(make_session: Callable[[], Session], ids: Sequence[int]) -> float | None:
    """Seconds until the first live lease among ``ids`` runs out (other processes are reading
    those files), or None when no file of ``ids`` is claimed."""

    def work(session: Session) -> float | None:
        now = db_now(session)
        first = None
        for start in range(0, len(ids), _WINDOW):
            until = session.scalar(select(func.min(IngestFile.lease_until)).where(
                IngestFile.id.in_(ids[start:start + _WINDOW]), IngestFile.state == FILE_CLAIMED))
            if until is not None:
                until = until if until.tzinfo else until.replace(tzinfo=dt.timezone.utc)
                first = until if first is None else min(first, until)
        return None if first is None else max(0.0, (first - now).total_seconds())

    return run_transaction(make_session, work)


@dataclass
class FileClaim:
    """A claimed file while this process reads it: the lease renewed by a thread (every third of
    the lease), progress recorded with each stored record, the end written by :meth:`finish`.
    Use it as a context manager (the renewing thread runs inside it)."""

    make_session: Callable[[], Session]
    file: Claimed
    lease: float
    lost: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _advance: Any = None

    def __enter__(self) -> FileClaim:
        self._thread = threading.Thread(target=self._renew, name=f"lease-{self.file.id}",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _mine(self):
        return and_(IngestFile.id == self.file.id, IngestFile.claim == self.file.claim,
                    IngestFile.state == FILE_CLAIMED)

    def _renew(self) -> None:
        while not self._stop.wait(self.lease / 3):
            def work(session: Session) -> int:
                until = db_now(session) + dt.timedelta(seconds=self.lease)
                return session.execute(update(IngestFile).where(self._mine())
                                       .values(lease_until=until)).rowcount
            try:
                if not run_transaction(self.make_session, work):
                    self.lost.set()
                    return
            except Exception as exc:  # noqa: BLE001 - a failed renewal is retried next time
                logger.warning("Could not renew the lease of %s: %s", self.file.location, exc)

    def record_stored(self, session: Session, position: int) -> None:
        """Inside the transaction storing a record: the file's position becomes ``position``;
        raises :class:`LeaseLost` (which rolls the store back) when the claim is not ours."""
        if self._advance is None:  # built once: this runs for every record of the file
            self._advance = (update(IngestFile).where(self._mine())
                             .values(position=bindparam("position")))
        done = session.execute(self._advance, {"position": position}).rowcount
        if not done:
            self.lost.set()
            raise LeaseLost(f"{self.file.location}: taken up by another process "
                            f"(this process's lease ran out)")

    def finish(self, counts: dict[str, int], *, failed: str | None = None,
               position: int | None = None) -> bool:
        """``done`` (or ``failed`` with its reason), with the outcome counts of this claim added
        to the file's; False when the claim was no longer ours."""

        def work(session: Session) -> int:
            row = session.execute(select(IngestFile.counts).where(self._mine())).first()
            if row is None:
                return 0
            total = dict(row.counts or {})
            for key, value in counts.items():
                total[key] = total.get(key, 0) + value
            values = {"state": FILE_FAILED if failed else FILE_DONE, "counts": total,
                      "finished_at": db_now(session), "lease_until": None, "message": failed}
            if position is not None:
                values["position"] = position
            return session.execute(update(IngestFile).where(self._mine()).values(**values)).rowcount

        return bool(run_transaction(self.make_session, work))

    def release(self, counts: dict[str, int]) -> None:
        """Back to ``pending`` at its position (an interrupted run): the next run goes on
        from there."""

        def work(session: Session) -> None:
            row = session.execute(select(IngestFile.counts).where(self._mine())).first()
            if row is None:
                return
            total = dict(row.counts or {})
            for key, value in counts.items():
                total[key] = total.get(key, 0) + value
            session.execute(update(IngestFile).where(self._mine()).values(
                state=FILE_PENDING, claim=None, lease_until=None, counts=total,
                message="interrupted"))

        run_transaction(self.make_session, work)


@dataclass(frozen=True)
class FileStatus:
    location: str
    state: str
    size: int | None
    position: int
    attempts: int
    claim: str | None
    lease_until: dt.datetime | None
    finished_at: dt.datetime | None
    counts: dict[str, int]
    message: str | None


def file_status(session: Session) -> list[FileStatus]:
    """Every file of the table, in the order they were added."""
    rows = session.scalars(select(IngestFile).order_by(IngestFile.id))
    return [FileStatus(r.location, r.state, r.size, r.position, r.attempts, r.claim,
                       r.lease_until, r.finished_at, dict(r.counts or {}), r.message)
            for r in rows]


__all__ = ["DEFAULT_LEASE", "Claimed", "FileClaim", "FileStatus", "LeaseLost", "claim_next",
           "claim_token", "db_now", "file_status", "held_elsewhere", "register", "requeue"]
