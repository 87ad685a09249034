"""What a crawl listed and still owes: article URLs chosen for download, until their fetch.

The fetch history (:mod:`.fetches`) records a download only once it happened, so it cannot tell
the next run what a run that was killed (``kill -9``, OOM, a power cut) had listed but not yet
downloaded; if the feed had dropped those articles by then, they were never fetched. The
``listings`` table is that memory, as Nutch's CrawlDb keeps its unfetched URLs:

* **Recorded when listed**: every article URL a feed or sitemap lists is upserted
  (:func:`record_listings`, one statement per document) with the time it was listed.
* **Owed until fetched**: a listing is *pending* while no fetch of its URL (as the final or the
  requested URL) is recorded at or after ``listed_at``; a failed download is a fetch too, and
  the fetch history then decides about a retry, as for any known URL.
* **Forgotten when not wanted**: a listed URL the incremental crawl decides not to request
  (not due, gone) or robots.txt forbids is forgotten (:func:`forget_listings`) - unless listed
  again since: ``listed_at`` is compared with the time of that decision.
* **Taken up at the next start**: :func:`take_pending` returns the pending listings (oldest
  first) after deleting those a fetch has settled and those older than :data:`MAX_AGE`, which
  a crawl has had every chance to fetch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, exists, or_, select, update
from sqlalchemy.orm import Session

from newscrawl.store.models import Fetch, Listing, url_hash, utc

#: A listing still pending after this long is dropped: thirty days of runs did not fetch it.
MAX_AGE = dt.timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Listed:
    """One listed article URL: where it was found and what the listing said."""

    url: str
    source: str | None
    listed_at: dt.datetime
    discovery: Mapping[str, Any]


def _insert(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        return None
    return insert


def record_listings(session: Session, listed: Iterable[Listed]) -> int:
    """Upsert ``listed`` (one row per URL: the latest listing wins); returns how many.
    Flushes, never commits."""
    rows = {}
    for item in listed:  # one row per URL in one statement (ON CONFLICT cannot see its own rows)
        rows[url_hash(item.url)] = {"url": item.url, "url_hash": url_hash(item.url),
                                    "source": item.source, "listed_at": utc(item.listed_at),
                                    "discovery": dict(item.discovery)}
    if not rows:
        return 0
    insert = _insert(session)
    if insert is None:  # another dialect: one row at a time
        for row in rows.values():
            updated = session.execute(update(Listing).where(Listing.url_hash == row["url_hash"])
                                      .values(**row)).rowcount
            if not updated:
                session.add(Listing(**row))
        session.flush()
        return len(rows)
    stmt = insert(Listing.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=["url_hash"],
        set_={"source": stmt.excluded.source, "listed_at": stmt.excluded.listed_at,
              "discovery": stmt.excluded.discovery})
    session.execute(stmt, list(rows.values()))
    return len(rows)


def forget_listings(session: Session, decisions: Iterable[tuple[str, dt.datetime]]) -> int:
    """Forget the listing of each ``(url, decided_at)`` made at or before ``decided_at`` (the
    crawl decided then not to request it); a listing made since stays. Returns how many were
    deleted."""
    rows = [{"h": url_hash(url), "t": utc(decided_at)} for url, decided_at in decisions]
    if not rows:
        return 0
    table = Listing.__table__
    stmt = delete(table).where(table.c.url_hash == bindparam("h"),
                               table.c.listed_at <= bindparam("t"))
    # Core, not ORM: an executemany DELETE (one statement for every pair).
    result = session.connection().execute(stmt, rows)
    return result.rowcount or 0


def _fetched_since_listed():
    return exists().where(or_(Fetch.url == Listing.url, Fetch.requested_url == Listing.url),
                          Fetch.fetched_at >= Listing.listed_at)


def take_pending(session: Session, now: dt.datetime | None = None,
                 max_age: dt.timedelta = MAX_AGE) -> list[Listed]:
    """The pending listings, oldest first, once the settled and the too old are deleted.
    Flushes, never commits."""
    now = utc(now) or dt.datetime.now(dt.UTC)
    session.execute(delete(Listing).where(or_(Listing.listed_at < now - max_age,
                                              _fetched_since_listed()))
                    .execution_options(synchronize_session=False))
    rows = session.execute(select(Listing).order_by(Listing.listed_at, Listing.id)).scalars()
    return [Listed(r.url, r.source, utc(r.listed_at), dict(r.discovery or {})) for r in rows]


__all__ = ["MAX_AGE", "Listed", "forget_listings", "record_listings", "take_pending"]
