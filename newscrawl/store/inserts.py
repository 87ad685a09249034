"""``INSERT ... ON CONFLICT DO NOTHING`` on every dialect the store runs on.

Rows that concurrent writers may add at the same moment (a site, a raw page, a story's bands, a
merge two processes prove at once) are inserted against their unique key and silently kept
once. The writers of :mod:`newscrawl.store.repository`, :mod:`newscrawl.store.matching` and the
backfills all insert them through :func:`insert_ignore`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: type, values: dict | list[dict],
                  conflict: list[str]) -> None:
    """Insert ``values`` into ``model``'s table unless a row with the same ``conflict`` columns
    exists: ``INSERT ... ON CONFLICT DO NOTHING`` where the dialect has it (SQLite,
    PostgreSQL), else a lookup and an insert in a savepoint.

    ``values`` may be a list of rows (one executemany of a single statement)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        insert = None
    if insert is not None:
        # On the Table, not the mapped class: the ORM bulk-insert path costs more than the INSERT.
        stmt = insert(model.__table__).on_conflict_do_nothing(index_elements=conflict)
        if isinstance(values, list):
            # executemany with one cached statement (SQLAlchemy batches it into multi-row
            # INSERTs itself): a VALUES clause built per call costs more to compile than the
            # insert takes (docs/measurements.md, "Store: figures behind its design").
            if values:
                session.execute(stmt, values)
        else:
            session.execute(stmt.values(**values))
        return
    if isinstance(values, list):
        for row in values:
            insert_ignore(session, model, row, conflict)
        return
    exists = session.execute(
        select(model.id).where(*[getattr(model, c) == values[c] for c in conflict])
    ).first()
    if exists is None:
        with session.begin_nested():
            session.add(model(**values))


__all__ = ["insert_ignore"]
