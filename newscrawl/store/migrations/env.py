"""Alembic environment of the newscrawl store.

Connection: the one handed over in ``config.attributes["connection"]`` (what
:func:`newscrawl.store.db.upgrade` does, so migrations run on the caller's engine), else a new
engine for :func:`newscrawl.store.db.database_url` (``NEWSCRAWL_DATABASE_URL`` or the default).
SQLite gets ``render_as_batch`` (it cannot ALTER most things in place); types are compared.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from newscrawl.store.db import database_url, make_engine
from newscrawl.store.models import Base

config = context.config
target_metadata = Base.metadata

# Configure logging only when run from the alembic command line: when a program (or a test)
# hands over its connection it has its own logging, which fileConfig would clobber.
if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


#: Objects migrations create that the models do not declare: SQLite's full-text table (and the
#: shadow tables FTS5 makes for it) and PostgreSQL's search index on an expression (revision 0013).
UNDECLARED = ("versions_fts", "ix_versions_search")


def _declared(name, type_, _parent_names) -> bool:
    if type_ == "table":
        return not (name or "").startswith(UNDECLARED[0])
    if type_ == "index":
        return name not in UNDECLARED
    return True


def _configure(connection=None, url=None) -> None:
    dialect = connection.dialect.name if connection is not None else url.split(":", 1)[0]
    opts = dict(
        target_metadata=target_metadata,
        compare_type=True,
        include_name=_declared,
        render_as_batch=dialect.startswith("sqlite"),
    )
    if connection is not None:
        context.configure(connection=connection, **opts)
    else:
        context.configure(url=url, literal_binds=True,
                          dialect_opts={"paramstyle": "named"}, **opts)


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or database_url()
    _configure(url=url)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or database_url()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
