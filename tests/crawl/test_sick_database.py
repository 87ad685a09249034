"""A locked or hung database neither stops the crawl nor loses a page.

Real conditions: a crawl (``scrapy crawl news`` subprocess, real pipelines) of a loopback site
while another process holds SQLite's write lock, or while PostgreSQL, behind a
:class:`~newscrawl.testing.tcpproxy.TcpProxy`, stops answering without a reset (the proxy's
blackhole). Some article pages are held back by the server, so they arrive only once the
database is sick. What is asserted: the crawl fetches every article and ends while the database
is still sick (it was not frozen; the bound is generous), the pages it could not store are in
the disk spool, and a later run, with the database well again, stores every article.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from newscrawl.store.db import open_database
from newscrawl.store.models import Version
from newscrawl.testing import LoopbackSiteServer
from newscrawl.testing.tcpproxy import TcpProxy

from evaluation import newsroom
from evaluation.newsroom import ARTICLES, url_of
from .test_incremental import REPO, Store, crawl, crawl_command, stat

#: Articles the server holds back until the database has become sick; the others come first.
HELD = ["library-roof", "market-hall", "rowing-club"]
#: Seconds the held articles wait: long enough for the test to make the database sick.
HOLD = 8
#: A crawl of five articles ends in seconds; one still running after this is frozen.
CRAWL_BOUND = 150
#: Short database bounds keep the test brief; the defaults are longer (crawl/settings.py).
SICK_SETTINGS = ("NEWSCRAWL_DATABASE_LOCK_TIMEOUT=1", "NEWSCRAWL_DATABASE_TIMEOUT=3",
                 "NEWSCRAWL_DATABASE_CONNECT_TIMEOUT=2", "NEWSCRAWL_SPOOL_RETRY_INTERVAL=2")


def start_crawl(tmp_path: Path, sources: Path, database_url: str, proxy: str,
                *settings: str) -> subprocess.Popen:
    cmd, env = crawl_command(tmp_path, sources, database_url, proxy, *settings)
    log = (tmp_path / "sick-crawl.log").open("w")  # a file: nobody reads a pipe meanwhile
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                            text=True)


def wait_for(condition, what: str, proc: subprocess.Popen, tmp_path: Path, bound: float = 90):
    deadline = time.monotonic() + bound
    while not condition():
        assert proc.poll() is None, (f"the crawl ended before {what}",
                                     (tmp_path / "sick-crawl.log").read_text()[-4000:])
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.1)


def finish(proc: subprocess.Popen, tmp_path: Path) -> str:
    try:
        proc.wait(timeout=CRAWL_BOUND)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("the crawl was still running with the database sick: frozen\n"
                    + (tmp_path / "sick-crawl.log").read_text()[-4000:])
    log = (tmp_path / "sick-crawl.log").read_text()
    assert proc.returncode == 0, log[-6000:]
    assert "Traceback" not in log, log[-6000:]
    return log


def versions(store: Store) -> int:
    return store.scalar(select(func.count()).select_from(Version))


@pytest.mark.crawl
def test_a_crawl_goes_on_while_another_process_holds_the_sqlite_lock(tmp_path):
    db_path = tmp_path / "store.db"
    database_url = f"sqlite:///{db_path}"
    open_database(database_url).kw["bind"].dispose()  # the schema, before anyone locks it
    sources = newsroom.build_site(tmp_path / "site")
    spool = f"NEWSCRAWL_SPOOL_DIR={tmp_path / 'spool'}"
    store = Store(database_url)
    with LoopbackSiteServer(tmp_path / "site" / "sites") as server:
        for slug in HELD:
            server.fault(url_of(slug), "delay", seconds=HOLD)
        proc = start_crawl(tmp_path, sources, database_url, server.proxy_url, spool,
                           *SICK_SETTINGS)
        holder = None
        try:
            wait_for(lambda: versions(store) >= 1, "stored a page", proc, tmp_path)
            # Another process takes the write lock and keeps it past the busy timeout and the
            # retries (a long command, a stuck client).
            holder = subprocess.Popen(
                [sys.executable, "-c",
                 "import sqlite3, sys\n"
                 f"c = sqlite3.connect({str(db_path)!r}, timeout=60, isolation_level=None)\n"
                 "c.execute('BEGIN IMMEDIATE')\nprint('locked', flush=True)\nsys.stdin.readline()\n"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            assert holder.stdout.readline().strip() == "locked"
            stored_before = versions(store)
            log = finish(proc, tmp_path)
            assert holder.poll() is None  # the lock was held until the crawl ended
        finally:
            if proc.poll() is None:
                proc.kill()
            if holder is not None:
                holder.communicate("\n", timeout=30)  # releases the lock
        # Every held article was fetched while the lock was held; none stored, all spooled.
        assert {url_of(s) for s in HELD} <= set(server.requests)
        assert stored_before < len(ARTICLES)
        assert versions(store) == stored_before
        assert stat(log, "newscrawl/spool/pending") >= len(ARTICLES) - stored_before
        # The lock is gone: the next run stores them, nothing lost.
        server.fault(url_of(HELD[0]), "delay", seconds=0)
        log = crawl(tmp_path, sources, database_url, server.proxy_url, spool)
    assert stat(log, "newscrawl/spool/replayed") >= len(ARTICLES) - stored_before
    assert versions(store) == len(ARTICLES)
    assert not list((tmp_path / "spool").rglob("*.jsonl"))


@pytest.mark.crawl
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_crawl_goes_on_while_postgresql_stops_answering(database_url, tmp_path):
    real = make_url(database_url)
    proxy = TcpProxy((real.host, real.port or 5432)).start()
    proxied = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    sources = newsroom.build_site(tmp_path / "site")
    spool = f"NEWSCRAWL_SPOOL_DIR={tmp_path / 'spool'}"
    open_database(database_url).kw["bind"].dispose()  # the schema
    store = Store(database_url)  # straight to the server, past the proxy
    try:
        with LoopbackSiteServer(tmp_path / "site" / "sites") as server:
            for slug in HELD:
                server.fault(url_of(slug), "delay", seconds=HOLD)
            proc = start_crawl(tmp_path, sources, proxied, server.proxy_url, spool,
                               *SICK_SETTINGS)
            try:
                wait_for(lambda: versions(store) >= 1, "stored a page", proc, tmp_path)
                # The network to the server goes silent: no reset, no answer, connections open.
                proxy.blackhole()
                stored_before = versions(store)
                log = finish(proc, tmp_path)
            finally:
                if proc.poll() is None:
                    proc.kill()
            assert {url_of(s) for s in HELD} <= set(server.requests)
            assert stored_before < len(ARTICLES)
            assert stat(log, "newscrawl/spool/spooled") >= 1
            spooled = stat(log, "newscrawl/spool/pending")
            assert spooled >= 1
            # The network heals: the next run stores what was spooled, nothing lost.
            proxy.forward()
            log = crawl(tmp_path, sources, proxied, server.proxy_url, spool)
        assert stat(log, "newscrawl/spool/replayed") >= spooled
        assert versions(store) == len(ARTICLES)
        assert not list((tmp_path / "spool").rglob("*.jsonl"))
    finally:
        proxy.stop()
        store.engine.dispose()


@pytest.mark.crawl
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_crawl_starts_fetching_while_postgresql_gives_no_answer(database_url, tmp_path):
    """PostgreSQL silent from the start (connections accepted, nothing answered): the crawl
    reads its feeds while every opening of the database (the store's, the revisit look-ups')
    still waits, none of them on the reactor thread; once the network heals, everything is
    stored."""
    real = make_url(database_url)
    proxy = TcpProxy((real.host, real.port or 5432)).start()
    proxied = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    sources = newsroom.build_site(tmp_path / "site")
    open_database(database_url).kw["bind"].dispose()  # the schema
    store = Store(database_url)
    try:
        with LoopbackSiteServer(tmp_path / "site" / "sites") as server:
            proxy.blackhole()
            # A connect timeout far beyond what the feed needs: the database stays silent
            # until the test heals it, and no opening gives up before.
            proc = start_crawl(tmp_path, sources, proxied, server.proxy_url,
                               f"NEWSCRAWL_SPOOL_DIR={tmp_path / 'spool'}",
                               "NEWSCRAWL_DATABASE_CONNECT_TIMEOUT=120",
                               "NEWSCRAWL_DATABASE_TIMEOUT=150")
            try:
                # The feed is read, and the database openings are under way, held silent.
                wait_for(lambda: f"{newsroom.HOST}/rss.xml" in server.requests
                         and proxy.connections >= 1, "read the feed", proc, tmp_path)
                log = (tmp_path / "sick-crawl.log").read_text()
                assert "navailable" not in log and "could not be opened" not in log, log[-3000:]
                proxy.forward()
                log = finish(proc, tmp_path)
            finally:
                if proc.poll() is None:
                    proc.kill()
        assert versions(store) == len(ARTICLES)
        assert stat(log, "newscrawl/spool/spooled") is None
    finally:
        proxy.stop()
        store.engine.dispose()


@pytest.mark.crawl
def test_a_crawl_started_while_another_process_locks_sqlite_even_for_readers(tmp_path):
    """Another process holds SQLite in exclusive locking mode from before the crawl starts, so
    every call of the crawl - opening, revisit look-ups, listings, stores - meets a lock that
    is never released: each gives up after its bounded wait, the crawl fetches every article
    and spools it, and the next run stores them all."""
    db_path = tmp_path / "store.db"
    database_url = f"sqlite:///{db_path}"
    open_database(database_url).kw["bind"].dispose()  # the schema
    sources = newsroom.build_site(tmp_path / "site")
    spool = f"NEWSCRAWL_SPOOL_DIR={tmp_path / 'spool'}"
    store = Store(database_url)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys\n"
         f"c = sqlite3.connect({str(db_path)!r}, timeout=60, isolation_level=None)\n"
         "c.execute('PRAGMA locking_mode=EXCLUSIVE')\nc.execute('BEGIN IMMEDIATE')\n"
         "c.execute('SELECT count(*) FROM fetches').fetchall()\n"
         "print('locked', flush=True)\nsys.stdin.readline()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with LoopbackSiteServer(tmp_path / "site" / "sites") as server:
            proc = start_crawl(tmp_path, sources, database_url, server.proxy_url, spool,
                               *SICK_SETTINGS)
            try:
                log = finish(proc, tmp_path)
            finally:
                if proc.poll() is None:
                    proc.kill()
            assert holder.poll() is None  # the lock was held all along
            assert {url_of(s) for s in ARTICLES} <= set(server.requests)
            assert stat(log, "newscrawl/spool/pending") == len(ARTICLES)
            assert stat(log, "newscrawl/incremental/history_unavailable") >= 1
            holder.communicate("\n", timeout=30)  # the lock is released
            log = crawl(tmp_path, sources, database_url, server.proxy_url, spool)
    finally:
        if holder.poll() is None:
            holder.kill()
    assert stat(log, "newscrawl/spool/replayed") >= len(ARTICLES)
    assert versions(store) == len(ARTICLES)
    assert not list((tmp_path / "spool").rglob("*.jsonl"))
