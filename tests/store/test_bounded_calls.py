"""Every database call is bounded: a held lock and a silent server count as unavailable.

Real conditions: a second SQLite connection holding the write lock; PostgreSQL behind a
:class:`~newscrawl.testing.tcpproxy.TcpProxy` that stops passing bytes on (its blackhole).
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from newscrawl.store.concurrency import is_unavailable, run_transaction
from newscrawl.store.db import make_engine, open_database
from newscrawl.store.errors import DatabaseUnavailable
from newscrawl.testing.tcpproxy import TcpProxy


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_a_sqlite_lock_held_past_the_lock_wait_is_unavailable(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    make_session = open_database(url, lock_timeout=0.5)
    run_transaction(make_session, lambda s: s.execute(text("CREATE TABLE probe (x INTEGER)")))
    holder = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer keeps the lock
    attempts = []

    def work(session):
        attempts.append(1)
        session.execute(text("INSERT INTO probe VALUES (1)"))

    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            run_transaction(make_session, work, lock_wait=0.5)
        assert is_unavailable(caught.value)
        assert "database is locked" in str(caught.value)
        assert len(attempts) == 1  # the wait was spent: not six more of them
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    run_transaction(make_session, work, lock_wait=0.5)  # free again: stored
    make_session.kw["bind"].dispose()


#: A real statement that runs for many minutes: a recursive count to ten billion.
ENDLESS = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000000) "
           "SELECT count(*) FROM n")


def test_a_sqlite_statement_outlasting_the_deadline_is_interrupted_and_unavailable(tmp_path):
    import threading

    make_session = open_database(f"sqlite:///{tmp_path / 'x.db'}", timeout=2)
    outcome = []

    def call():
        try:
            run_transaction(make_session, lambda s: s.execute(text(ENDLESS)).scalar(), timeout=1)
        except Exception as exc:  # what the caller sees
            outcome.append(exc)

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(60)  # bounded: without the deadline the count runs for many minutes
    assert not worker.is_alive(), "the statement was not stopped"
    assert len(outcome) == 1 and isinstance(outcome[0], DatabaseUnavailable), outcome
    assert is_unavailable(outcome[0]) and "no answer within 1 s" in str(outcome[0])
    # The connection was interrupted, not broken: the next call works.
    assert run_transaction(make_session, lambda s: s.execute(text("SELECT 2")).scalar(),
                           timeout=1) == 2
    make_session.kw["bind"].dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_postgresql_server_that_stops_answering_is_cut_and_unavailable(database_url):
    real = make_url(database_url)
    proxy = TcpProxy((real.host, real.port or 5432)).start()
    proxied = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        make_session = open_database(proxied, connect_timeout=2, timeout=3)
        engine = make_session.kw["bind"]
        run_transaction(make_session, lambda s: s.execute(text("SELECT 1")), timeout=3)
        proxy.blackhole()  # connections stay open; nothing comes back
        with pytest.raises(DatabaseUnavailable) as caught:
            run_transaction(make_session, lambda s: s.execute(text("SELECT 1")).scalar(),
                            timeout=3)
        assert is_unavailable(caught.value)
        # A new connection through the silent network: the connect timeout ends it, and that
        # counts as unavailable too.
        fresh = make_engine(proxied, connect_timeout=2)
        with pytest.raises(Exception) as caught:
            fresh.connect()
        assert is_unavailable(caught.value)
        fresh.dispose()
        proxy.forward()  # healed: the same sessionmaker works again
        assert run_transaction(make_session, lambda s: s.execute(text("SELECT 2")).scalar(),
                               timeout=3) == 2
        engine.dispose()
    finally:
        proxy.stop()
