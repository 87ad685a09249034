"""``INSERT ... ON CONFLICT DO NOTHING`` on every dialect the store runs on.

Rows that concurrent writers may add at the same moment (a site, a raw page, a story's bands, a
merge two processes prove at once) are inserted against their unique key and silently kept
once. The writers of :mod:`newscrawl.store.repository`, :mod:`newscrawl.store.matching` and the
backfills all insert them through :func:`insert_ignore`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session

from newscrawl.store.models import StoryBand, StoryEventTerm, StoryWordBand


def insert_ignore(session: Session, model: type, values: dict | list[dict],
                  conflict: list[str], *, returning=None):
    """Insert ``values`` into ``model``'s table unless a row with the same ``conflict`` columns
    exists: ``INSERT ... ON CONFLICT DO NOTHING`` where the dialect has it (SQLite,
    PostgreSQL), else a lookup and an insert in a savepoint.

    ``values`` may be a list of rows (one executemany of a single statement). ``returning``: a
    column of a single row to return when the row was inserted (None when it was kept out),
    which saves reading back the id of a new row."""
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        stmt = _insert_ignore_statement(dialect, model.__table__, tuple(conflict),
                                        None if returning is None else returning.key)
        if isinstance(values, list):
            # executemany with one cached statement (SQLAlchemy batches it into multi-row
            # INSERTs itself): a VALUES clause built per call costs more to compile than the
            # insert takes (docs/measurements.md, "Store: figures behind its design").
            if values:
                session.execute(stmt, values)
        elif returning is not None:
            return session.execute(stmt, values).scalar()
        else:
            session.execute(stmt, values)
        return None
    if isinstance(values, list):
        for row in values:
            insert_ignore(session, model, row, conflict)
        return None
    exists = session.execute(
        select(model.id).where(*[getattr(model, c) == values[c] for c in conflict])
    ).first()
    if exists is None:
        with session.begin_nested():
            row = model(**values)
            session.add(row)
        return getattr(row, returning.key) if returning is not None else None
    return None


@lru_cache(maxsize=64)
def _insert_ignore_statement(dialect: str, table: Table, conflict: tuple[str, ...],
                             returning: str | None = None):
    # Built once per table and key, the row given as parameters: a statement built (and its
    # cache key computed) on every insert costs SQLAlchemy more than the insert takes.
    # On the Table, not the mapped class: the ORM bulk-insert path costs more than the INSERT.
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    stmt = insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    return stmt.returning(table.c[returning]) if returning is not None else stmt


def insert_band_rows(session: Session, story_id: int, bands: Sequence[tuple[int, int]]) -> None:
    """Insert the ``story_bands`` rows ``(band, hash)`` of story ``story_id`` in one statement,
    keeping a row that exists already (``ON CONFLICT DO NOTHING`` on the primary key).

    A story has hundreds of band rows and every new story inserts them: PostgreSQL takes them as
    two arrays in one statement (one round trip, one plan), SQLite as one ``executemany`` of its
    driver (no round trips to save, and its per-row cost below a multi-row ``VALUES`` clause's
    binding); the ORM's per-row parameter processing is left out of both."""
    if not bands:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(_PG_BAND_INSERT, {"story_id": story_id, "bands": [b for b, _ in bands],
                                          "hashes": [h for _, h in bands]})
    elif dialect == "sqlite":
        _sqlite_executemany(session, _SQLITE_BAND_INSERT, [(band, hash_, story_id) for band, hash_ in bands])
    else:
        insert_ignore(session, StoryBand,
                      [{"band": b, "hash": h, "story_id": story_id} for b, h in bands],
                      ["band", "hash", "story_id"])


def insert_word_band_rows(session: Session, story_id: int, day: int,
                          bands: Sequence[tuple[int, int]]) -> None:
    """Insert the ``story_word_bands`` rows ``(band, hash)`` of story ``story_id`` of day
    ``day``, keeping a row that exists already; on SQLite one ``executemany`` of its driver, as
    :func:`insert_band_rows`."""
    if not bands:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_executemany(session, _SQLITE_WORD_BAND_INSERT,
                            [(band, hash_, day, story_id) for band, hash_ in bands])
    elif dialect == "postgresql":
        session.execute(_PG_WORD_BAND_INSERT, {"story_id": story_id, "day": day,
                                               "bands": [b for b, _ in bands],
                                               "hashes": [h for _, h in bands]})
    else:
        insert_ignore(session, StoryWordBand,
                      [{"band": b, "hash": h, "day": day, "story_id": story_id} for b, h in bands],
                      ["band", "hash", "day", "story_id"])


def insert_event_term_rows(session: Session, story_id: int, terms: Sequence[str],
                           published_day: int | None, seen_day: int | None) -> None:
    """Insert the ``story_event_terms`` rows of story ``story_id``, one a term, with its days:
    on PostgreSQL as one array in one statement, on SQLite one ``executemany`` of its driver
    (as :func:`insert_band_rows`); a plain insert, as the story is new."""
    if not terms:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(_PG_TERM_INSERT, {"story_id": story_id, "terms": list(terms),
                                          "published_day": published_day, "seen_day": seen_day})
    elif dialect == "sqlite":
        _sqlite_executemany(session, _SQLITE_TERM_INSERT,
                            [(term, story_id, published_day, seen_day) for term in terms])
    else:
        session.execute(StoryEventTerm.__table__.insert(),
                        [{"term": term, "story_id": story_id, "published_day": published_day,
                          "seen_day": seen_day} for term in terms])


def _sqlite_executemany(session: Session, sql: str, rows: list[tuple]) -> None:
    # On the driver's cursor: SQLAlchemy's executemany processes every row's parameters first,
    # which for a story's hundreds of integer rows costs more than SQLite takes to insert them.
    cursor = session.connection().connection.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


_PG_BAND_INSERT = text(
    "INSERT INTO story_bands (band, hash, story_id) "
    "SELECT b, h, :story_id FROM unnest(CAST(:bands AS smallint[]), CAST(:hashes AS bigint[])) "
    "AS rows(b, h) ON CONFLICT (band, hash, story_id) DO NOTHING")
_PG_WORD_BAND_INSERT = text(
    "INSERT INTO story_word_bands (band, hash, day, story_id) "
    "SELECT b, h, :day, :story_id FROM unnest(CAST(:bands AS smallint[]), CAST(:hashes AS bigint[])) "
    "AS rows(b, h) ON CONFLICT (band, hash, day, story_id) DO NOTHING")
_PG_TERM_INSERT = text(
    "INSERT INTO story_event_terms (term, story_id, published_day, seen_day) "
    "SELECT t, :story_id, CAST(:published_day AS integer), CAST(:seen_day AS integer) "
    "FROM unnest(CAST(:terms AS varchar[])) AS rows(t)")
_SQLITE_TERM_INSERT = ("INSERT INTO story_event_terms (term, story_id, published_day, seen_day) "
                       "VALUES (?, ?, ?, ?)")
_SQLITE_BAND_INSERT = ("INSERT INTO story_bands (band, hash, story_id) VALUES (?, ?, ?) "
                       "ON CONFLICT (band, hash, story_id) DO NOTHING")
_SQLITE_WORD_BAND_INSERT = ("INSERT INTO story_word_bands (band, hash, day, story_id) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT (band, hash, day, story_id) DO NOTHING")


__all__ = ["insert_band_rows", "insert_event_term_rows", "insert_ignore", "insert_word_band_rows"]
