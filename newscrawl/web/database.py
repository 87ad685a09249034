"""The web view's database connection: read-only by construction, and a record of the SQL each
page ran (shown under the page, and in its JSON twin).

Read-only is the database's own rule, not the view's good manners: SQLite is opened through a
``mode=ro`` URI (the library refuses every write), PostgreSQL sessions start with
``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`` (the server refuses every write), so a
bug in the view, or a crafted request, cannot change the store.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, event, inspect
from sqlalchemy.engine import make_url

from newscrawl.store.db import alembic_config, make_engine, mask_url

#: Seconds one statement of the web view may run on PostgreSQL before the server cancels it:
#: a page is a handful of indexed queries; anything longer is a runaway search.
STATEMENT_TIMEOUT = 60


class ViewError(Exception):
    """The database cannot be shown: one line saying what is wrong and what to do."""


def read_only_url(url: str) -> str:
    """``url`` as it must be opened to read only: SQLite through a ``mode=ro`` URI."""
    sa_url = make_url(url)
    if sa_url.get_backend_name() != "sqlite":
        return url
    database = sa_url.database or ""
    if not database or database == ":memory:" or "mode=memory" in database:
        raise ViewError("an in-memory SQLite database holds nothing to show; give the database file")
    if database.startswith("file:"):
        path = database[len("file:"):].split("?", 1)[0]
    else:
        path = database
    if not Path(path).is_file():
        raise ViewError(f"no database at {path} (a crawl or newscrawl ingest creates it); "
                        f"check the path, --db or NEWSCRAWL_DATABASE_URL")
    absolute = quote(str(Path(path).resolve()))
    return f"sqlite:///file:{absolute}?mode=ro&uri=true"


def _read_only_sessions(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    finally:
        cursor.close()
    # Committed, or the rollback that ends the pool's first transaction would undo the SET.
    dbapi_connection.commit()


#: SQLite pages each connection of the view keeps in memory (KiB, SQLite's negative form): the
#: sites page's delays and a search look up rows all over the stories table, which SQLite's
#: default 2 MiB cache reads again from the file on every request.
SQLITE_CACHE_KIB = 65536


def _sqlite_page_cache(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    finally:
        cursor.close()


def open_read_only(url: str) -> Engine:
    """An engine on ``url`` that can only read, after checking that the schema is newscrawl's
    newest (the view's queries name its columns; an older database wants ``newscrawl db upgrade``)."""
    engine_url = read_only_url(url)
    backend = make_url(engine_url).get_backend_name()
    if backend == "postgresql":
        engine = make_engine(engine_url, statement_timeout=STATEMENT_TIMEOUT)
        event.listen(engine, "connect", _read_only_sessions)
    else:
        engine = make_engine(engine_url)
        event.listen(engine, "connect", _sqlite_page_cache)
    try:
        check_schema(engine, url)
    except Exception:
        engine.dispose()
        raise
    return engine


def check_schema(engine: Engine, url: str) -> None:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with engine.connect() as connection:
        if not inspect(connection).has_table("stories"):
            raise ViewError(f"{mask_url(url)} holds no newscrawl tables; crawl or ingest into it first")
        current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if current != head:
        raise ViewError(f"the schema of {mask_url(url)} is at revision {current}, this newscrawl reads "
                        f"{head}: run newscrawl db upgrade --db URL first")


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL statement a page ran, with the values bound to it."""

    sql: str
    parameters: str


_statements: ContextVar[list[Statement] | None] = ContextVar("newscrawl_web_statements", default=None)


def record_statements(engine: Engine) -> None:
    """Note every statement run on ``engine`` while :func:`statements_run` collects them."""

    def before_cursor_execute(_conn, _cursor, statement, parameters, _context, _executemany):
        sink = _statements.get()
        if sink is not None:
            sink.append(Statement(statement.strip(), repr(parameters) if parameters else ""))

    event.listen(engine, "before_cursor_execute", before_cursor_execute)


@contextmanager
def statements_run():
    """The list of statements run, in this thread, inside the ``with`` block."""
    sink: list[Statement] = []
    token = _statements.set(sink)
    try:
        yield sink
    finally:
        _statements.reset(token)


__all__ = ["STATEMENT_TIMEOUT", "Statement", "ViewError", "check_schema", "open_read_only",
           "read_only_url", "record_statements", "statements_run"]
