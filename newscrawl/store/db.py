"""Database connection: which URL, engine set-up, schema migrations.

``open_database()`` is the one call most code needs: it resolves the URL, creates the engine,
brings the schema to the newest Alembic revision (once per URL and process) and returns a
``sessionmaker``. The Alembic migrations live inside the package (:data:`MIGRATIONS_DIR`,
``newscrawl/store/migrations``), so an installed newscrawl upgrades its databases without a
source tree; ``alembic.ini`` at the top of a checkout points there for developers.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from newscrawl.store.concurrency import (ADVISORY_NAMESPACE, LOCK_WAIT, Deadline, is_locked,
                                         track_connections)
from newscrawl.store.errors import DatabaseUnavailable, mask_url

DEFAULT_DATABASE_URL = "sqlite:///newscrawl.db"
ENV_VAR = "NEWSCRAWL_DATABASE_URL"
SETTINGS_KEY = "NEWSCRAWL_DATABASE_URL"
#: Seconds a SQLite connection waits for another writer's lock before failing.
SQLITE_BUSY_TIMEOUT = LOCK_WAIT
#: A SQLite database file at least this large is a large store: its connections keep
#: :data:`LARGE_STORE_CACHE_KIB` of pages in memory instead of SQLite's default 2 MiB.
LARGE_STORE_BYTES = 1 << 30
#: The page cache of a large store's connections. A new story looks up and inserts hundreds of
#: index rows; past ~100,000 stories the indexes' inner pages no longer fit the default cache and
#: are read again for every row. Below :data:`LARGE_STORE_BYTES` the default cache serves as well
#: and a crawl's memory stays flat (docs/measurements.md, "The store's page cache").
LARGE_STORE_CACHE_KIB = 64 * 1024
#: Seconds a PostgreSQL connection attempt may take before the server counts as unavailable.
PG_CONNECT_TIMEOUT = 10
#: TCP keepalive and user timeout of every PostgreSQL connection (libpq parameters). A server
#: whose host vanished without a reset (a cut network, a frozen VM) would otherwise hold an idle
#: pooled connection, or one with unacknowledged data, for the OS's defaults (hours of idle,
#: then many minutes of retransmissions). Probes are answered by the server's kernel, so a long query of a
#: live server is never cut by them; a long ``newscrawl db`` command keeps working.
PG_TCP_OPTIONS = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
                  "keepalives_count": 3, "tcp_user_timeout": 60_000}


def database_url(explicit: str | None = None, settings: Mapping[str, Any] | Any = None) -> str:
    """The database URL: ``explicit`` > env ``NEWSCRAWL_DATABASE_URL`` > Scrapy setting
    ``NEWSCRAWL_DATABASE_URL`` > :data:`DEFAULT_DATABASE_URL`."""
    if explicit:
        return explicit
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    if settings is not None:
        value = settings.get(SETTINGS_KEY)
        if value:
            return str(value)
    return DEFAULT_DATABASE_URL


def _sqlite_setup(busy_timeout: float):
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            # WAL: readers (the CLI, the crawl's revisit look-ups) never wait for the writer nor
            # block it, and a writer waits only for another writer. The mode is stored in the
            # file, so this is a no-op after the first connection. WAL needs shared memory
            # beside the file (-wal, -shm): every process must run on the machine that holds
            # the file; on a network file system, with writers on several machines, SQLite's
            # locking is not safe in either mode - use PostgreSQL there.
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:  # locked by another writer: keep the current mode
                pass
            # In WAL mode NORMAL syncs the log at checkpoints, not at every commit: a commit
            # survives the process dying; a power cut can lose the last commits (pages a
            # crawl downloads again) but never corrupts the file. FULL's sync per commit was
            # the largest single cost of storing a page (docs/measurements.md).
            # (In a rollback journal NORMAL could corrupt on a power cut: left at FULL there.)
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                cursor.execute("PRAGMA synchronous=NORMAL")
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            if pages * cursor.execute("PRAGMA page_size").fetchone()[0] >= LARGE_STORE_BYTES:
                cursor.execute(f"PRAGMA cache_size=-{LARGE_STORE_CACHE_KIB}")
        finally:
            cursor.close()

    return on_connect


def make_engine(url: str | None = None, *, lock_timeout: float | None = None,
                statement_timeout: float | None = None,
                connect_timeout: float = PG_CONNECT_TIMEOUT, **kwargs: Any) -> Engine:
    """An engine for ``url`` (resolved by :func:`database_url`).

    SQLite: foreign keys enforced, WAL mode, and a busy timeout (``lock_timeout``, default
    :data:`SQLITE_BUSY_TIMEOUT`) on every connection; ``statement_timeout`` has no SQLite
    equivalent: a :class:`~newscrawl.store.concurrency.Deadline` interrupts its statements. PostgreSQL: ``connect_timeout``, TCP
    keepalives and user timeout (:data:`PG_TCP_OPTIONS`), and, when given, the server's
    ``lock_timeout`` and ``statement_timeout`` (seconds). The connections of both are tracked so
    that a :class:`~newscrawl.store.concurrency.Deadline` can cut them. Other databases: connections
    are pinged before use so a restarted server does not break a long crawl.
    """
    url = database_url(url)
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        busy = SQLITE_BUSY_TIMEOUT if lock_timeout is None else lock_timeout
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("timeout", busy)
        engine = create_engine(sa_url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_setup(busy))
        track_connections(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if sa_url.get_backend_name() == "postgresql":
        connect_args = dict(kwargs.pop("connect_args", {}))
        # A server whose host drops packets would otherwise hold each connection attempt for
        # the OS's TCP timeout (minutes): the store pipeline must notice an outage quickly to
        # spool items (newscrawl/crawl/spool.py).
        if "connect_timeout" not in sa_url.query:
            connect_args.setdefault("connect_timeout", max(1, round(connect_timeout)))
        for key, value in PG_TCP_OPTIONS.items():
            if key not in sa_url.query:
                connect_args.setdefault(key, value)
        server_options = [f"-c {name}={int(seconds * 1000)}" for name, seconds in
                          (("lock_timeout", lock_timeout), ("statement_timeout", statement_timeout))
                          if seconds]
        if server_options:
            # Added to the URL's own options (a search_path...), which connect_args would replace.
            given = sa_url.query.get("options")
            given = " ".join(given) if isinstance(given, tuple) else given
            connect_args["options"] = " ".join(filter(None, [given, *server_options]))
        kwargs["connect_args"] = connect_args
        engine = create_engine(sa_url, **kwargs)
        track_connections(engine)
        return engine
    return create_engine(sa_url, **kwargs)


#: The Alembic script folder (``env.py``, ``versions/``), shipped inside the package.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Any = None):
    """An Alembic ``Config`` for this project; ``connection`` is handed to ``env.py``."""
    from alembic.config import Config

    # No ini file: everything env.py needs is set here, and an installed package has none.
    # stdout explicitly: Config's default is the sys.stdout of the moment alembic was imported,
    # which may be long closed (a test's capture, a daemon's redirected stream).
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _engine(engine_or_url: Engine | str | None) -> tuple[Engine, bool]:
    if isinstance(engine_or_url, Engine):
        return engine_or_url, False
    return make_engine(engine_or_url), True


def _run_migration(command_name: str, engine_or_url: Engine | str | None, revision: str) -> None:
    from alembic import command

    engine, owned = _engine(engine_or_url)
    try:
        with _connect(engine) as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # SQLite's way to change a table (rebuild, drop, rename) is only safe with
                # foreign keys off: dropping a referenced table would delete, or cascade into,
                # the rows that reference it. Off before the transaction (a no-op inside one),
                # checked before the commit, on again for the pooled connection.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            try:
                try:
                    _lock_migrations(connection)
                except DBAPIError as exc:
                    # Another process holds the write lock past the busy timeout: for a crawl
                    # that is an outage (it spools), for a command a one-line error.
                    if is_locked(exc):
                        raise DatabaseUnavailable(
                            engine.url.render_as_string(hide_password=False), exc) from exc
                    raise
                getattr(command, command_name)(alembic_config(connection), revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise RuntimeError(f"migration left a broken foreign key: {tuple(broken)}")
                connection.commit()
            finally:
                if sqlite:
                    connection.rollback()
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    finally:
        if owned:
            engine.dispose()


#: Advisory lock key (in newscrawl's namespace, see newscrawl.store.concurrency) held while
#: migrating a PostgreSQL database.
MIGRATION_LOCK_KEY = -1


def _lock_migrations(connection) -> None:
    """Hold the database's migration lock until the migration transaction ends.

    Several crawler processes started at once against a new database each migrate it on
    opening; without a lock they all see "no tables" and all run CREATE TABLE, and all but one
    fail. With it the others wait, then find the schema at head and do nothing. PostgreSQL: a
    transaction-level advisory lock; SQLite: the database write lock (BEGIN IMMEDIATE)."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"),
                           {"ns": ADVISORY_NAMESPACE, "key": MIGRATION_LOCK_KEY})
    elif dialect == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade(engine_or_url: Engine | str | None = None, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (the newest by default) on that engine's connection."""
    _run_migration("upgrade", engine_or_url, revision)


def downgrade(engine_or_url: Engine | str | None = None, revision: str = "base") -> None:
    """Migrate the database down to ``revision`` (everything dropped by default)."""
    _run_migration("downgrade", engine_or_url, revision)


def _connect(engine: Engine):
    try:
        return engine.connect()
    except (OperationalError, DBAPIError) as exc:
        url = engine.url.render_as_string(hide_password=False)
        raise DatabaseUnavailable(url, exc) from exc


_REVISION_RE = re.compile(r"^(down_revision|revision)\b[^=\n]*=\s*(?:[\"']([^\"'\n]+)[\"']|None)\s*$",
                          re.MULTILINE)


@functools.cache
def packaged_head() -> str | None:
    """The newest revision of the migrations shipped in :data:`MIGRATIONS_DIR`, read from their
    files' ``revision``/``down_revision`` lines; None when they do not make one plain chain to a
    single head (a merge, a line not of that form): then only Alembic can tell."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict((key, value) for key, value in _REVISION_RE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found or "down_revision" not in found or not found["revision"]:
            return None
        revisions.add(found["revision"])
        if found["down_revision"]:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 and parents <= revisions else None


def at_head(engine: Engine) -> bool:
    """Whether the database already stands at :func:`packaged_head`: one look at its
    ``alembic_version`` table, instead of importing Alembic and loading its environment and
    every migration's module only to find nothing to do (what every command that opens a
    database would otherwise pay). False whenever Alembic must decide: a new database, an older
    or unknown revision, several heads."""
    head = packaged_head()
    if head is None:
        return False
    with _connect(engine) as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows == [head]


_upgraded: set[str] = set()
_upgrade_lock = threading.Lock()


def open_database(url: str | None = None, *, settings: Any = None, migrate: bool = True,
                  timeout: float | None = None, **engine_options: Any) -> sessionmaker[Session]:
    """A ``sessionmaker`` bound to a new engine for the resolved URL (``engine_options`` go to
    :func:`make_engine`).

    The schema is upgraded to the newest revision the first time a URL is opened in this
    process. Raises :class:`DatabaseUnavailable` when the server cannot be reached - or, with
    ``timeout``, gives no answer within that many seconds (a :class:`Deadline` cuts it).
    """
    resolved = database_url(url, settings)
    engine = make_engine(resolved, **engine_options)
    deadline = Deadline(engine, timeout).start() if timeout is not None else None
    try:
        if migrate:
            with _upgrade_lock:
                if resolved not in _upgraded:
                    if not at_head(engine):
                        upgrade(engine)
                    _upgraded.add(resolved)
        else:
            _connect(engine).close()
    except (OperationalError, DBAPIError) as exc:
        if deadline is not None and deadline.expired:
            raise DatabaseUnavailable(resolved, TimeoutError(f"no answer within {timeout:g} s")) from exc
        raise
    finally:
        if deadline is not None:
            deadline.stop()
    return sessionmaker(bind=engine, expire_on_commit=False)


__all__ = [
    "DEFAULT_DATABASE_URL", "DatabaseUnavailable", "MIGRATIONS_DIR", "alembic_config",
    "database_url", "downgrade", "make_engine", "mask_url", "open_database", "upgrade",
]
