"""A crawl told to stop twice (Ctrl-C or SIGTERM sent again: Scrapy's forced stop) ends
promptly even when its store is stuck, loses nothing the next run does not recover, and leaves
the database readable (newscrawl/crawl/pipelines.py ``on_forced_stop``)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import pytest
from sqlalchemy import func, select

from newscrawl.crawl.pipelines import FORCED_STOP_GRACE
from newscrawl.store.models import Fetch
from newscrawl.testing import LoopbackSiteServer

from evaluation.wiresite import build_wire_network
from .test_incremental import REPO, Store, crawl, crawl_command

pytestmark = pytest.mark.crawl

#: Generous: the failure condition, not a timing asserted (the process ends itself after
#: FORCED_STOP_GRACE seconds at most; a stuck one would wait out the lock timeout below).
EXIT_LIMIT = FORCED_STOP_GRACE + 50
#: Longer than the test waits: a store waiting for the lock waits out the test.
LOCK_TIMEOUT = 600


def _stored(db_path) -> int:
    """Fetches stored so far (0 before the crawl has made its tables)."""
    con = sqlite3.connect(db_path, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM fetches WHERE outcome LIKE 'stored%'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def _session(sid: int) -> list[str]:
    """The command lines of the processes left in session ``sid``."""
    found = subprocess.run(["pgrep", "-a", "-s", str(sid)], capture_output=True, text=True)
    return found.stdout.splitlines()


@pytest.mark.parametrize("workers", [2, 0])
def test_a_second_signal_ends_a_crawl_whose_store_is_stuck_and_the_next_run_stores_the_rest(
        tmp_path, workers):
    network = build_wire_network(tmp_path / "net", stories=16, sites=4)
    db_path = tmp_path / "store.db"
    database_url = f"sqlite:///{db_path}"
    settings = (f"NEWSCRAWL_STAGE_WORKERS={workers}", f"NEWSCRAWL_SPOOL_DIR={tmp_path / 'spool'}",
                f"NEWSCRAWL_DATABASE_LOCK_TIMEOUT={LOCK_TIMEOUT}",
                f"NEWSCRAWL_DATABASE_TIMEOUT={LOCK_TIMEOUT}")
    with LoopbackSiteServer(network.root) as server:
        for url in network.article_urls:
            server.fault(url, "delay", seconds=0.5)
        cmd, env = crawl_command(tmp_path, network.sources, database_url, server.proxy_url,
                                 *settings)
        log_path = tmp_path / "crawl.log"
        with log_path.open("w") as out:
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            lock = None
            try:
                deadline = time.monotonic() + 180
                while not (db_path.exists() and _stored(db_path) >= 2):
                    assert proc.poll() is None and time.monotonic() < deadline, (
                        log_path.read_text()[-3000:])
                    time.sleep(0.2)
                # Another process holds the database's write lock: the store waits on it (as on
                # a busy server) and the items fetched meanwhile queue behind it.
                lock = sqlite3.connect(db_path, isolation_level=None)
                lock.execute("BEGIN IMMEDIATE")
                time.sleep(2)
                assert proc.poll() is None, "the crawl ended before it was stopped"
                proc.send_signal(signal.SIGTERM)  # graceful: it waits for the store
                time.sleep(1)
                proc.send_signal(signal.SIGTERM)  # forced
                proc.wait(timeout=EXIT_LIMIT)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                if lock is not None:
                    lock.rollback()
                    lock.close()
    log = log_path.read_text()
    assert "forcing unclean shutdown" in log, log[-4000:]
    # No stage worker (nor their fork server) outlives the crawl for long.
    deadline = time.monotonic() + 30
    while _session(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _session(proc.pid)
    # The database is whole and readable.
    with sqlite3.connect(db_path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    first = Store(database_url).scalar(select(func.count()).select_from(Fetch))
    assert first < len(network.article_urls)
    # The next run completes, and with it every article is stored: what the stopped run had
    # spooled is replayed, what it had not stored is fetched.
    with LoopbackSiteServer(network.root) as server:
        crawl(tmp_path, network.sources, database_url, server.proxy_url, *settings)
    stored = {url for url, outcome in Store(database_url).rows(select(Fetch.url, Fetch.outcome))
              if outcome.startswith("stored_")}
    assert set(network.article_urls) <= stored
