"""Scheduled runs: the overlap lock, JOBDIR pause/resume, progress and summary lines."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from newscrawl.crawl.run import CrawlLock, CrawlProgress, crawl_counts, format_counts
from newscrawl.store.models import Fetch, Version
from newscrawl.testing import LoopbackSiteServer

from evaluation import newsroom
from evaluation.newsroom import ARTICLES, HOST, url_of
from .test_incremental import REPO, Store, article_exchanges, crawl, stat


class FakeStats(dict):
    def get_value(self, key, default=None):
        return self.get(key, default)


def test_lock_is_exclusive_and_released(tmp_path):
    first, second = CrawlLock(tmp_path / "x.lock"), CrawlLock(tmp_path / "x.lock")
    assert first.acquire()
    assert not second.acquire()
    assert f"pid {os.getpid()}" in second.holder
    first.release()
    assert second.acquire()
    second.release()


def test_progress_line_and_summary(caplog):
    stats = FakeStats({
        "response_received_count": 40, "newscrawl/store/stored_new_story": 3,
        "newscrawl/store/stored_new_version": 2, "newscrawl/store/unchanged": 9,
        "newscrawl/incremental/not_modified": 8, "newscrawl/store/skipped": 1,
        "newscrawl/incremental/not_due": 100, "newscrawl/incremental/gone": 4,
        "newscrawl/store/failed": 2, "newscrawl/discovery/parse_errors": 1,
        "newscrawl/discovery/article_urls": 121})
    counts = crawl_counts(stats)
    assert counts["stored"] == 5 and counts["not_due"] == 104 and counts["errors"] == 3
    assert format_counts(counts) == ("40 responses, 5 stored (3 new stories), 9 unchanged "
                                     "(8 not modified), 1 skipped, 104 not due, 3 errors")
    progress = CrawlProgress(stats, 60)
    with caplog.at_level(logging.INFO, logger="newscrawl.crawl.run"):
        progress.log_progress()
        progress.spider_closed(reason="finished")
    assert caplog.messages[0] == "Progress: " + format_counts(counts)
    assert caplog.messages[1].startswith("Summary (finished, 0m00s): 121 article URLs listed; 40 ")


@pytest.mark.crawl
def test_overlapping_run_exits_cleanly_and_a_killed_run_leaves_no_stale_lock(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    sources = newsroom.build_site(tmp_path / "site")
    jobdir = tmp_path / "job"
    with LoopbackSiteServer(tmp_path / "site" / "sites") as server:
        # The first run hangs on a slow article for as long as the second needs to start up.
        server.fault(url_of("library-roof"), "delay", seconds=90)
        env = {k: v for k, v in os.environ.items() if k.lower() != "http_proxy"}
        env["http_proxy"] = server.proxy_url
        first_log_path = tmp_path / "first.log"
        # A file, not a pipe: nobody reads a pipe while the run goes on, and a full one blocks it.
        with first_log_path.open("w") as first_out:
            first = subprocess.Popen(
                [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sources={sources}",
                 "-s", f"NEWSCRAWL_DATABASE_URL={database_url}", "-s", f"JOBDIR={jobdir}",
                 "-s", f"NEWSCRAWL_LOCK_DIR={tmp_path / 'locks'}", "-s", "DOWNLOAD_TIMEOUT=120",
                 "-s", "AUTOTHROTTLE_ENABLED=False"],
                cwd=REPO, env=env, stdout=first_out, stderr=subprocess.STDOUT, text=True)
            try:
                deadline = time.monotonic() + 90
                while url_of("library-roof") not in server.requests:
                    assert time.monotonic() < deadline and first.poll() is None, (
                        "first run never reached the slow page", first_log_path.read_text()[-3000:])
                    time.sleep(0.1)
                log = crawl(tmp_path, sources, database_url, server.proxy_url, f"JOBDIR={jobdir}")
                assert first.poll() is None, "the first run ended too early for this test"
                assert "Another run of this crawl is still going (pid" in log, log[-3000:]
                assert stat(log, "downloader/request_count") is None  # it requested nothing
                assert "Closing spider (already_running)" in log
                assert "Resuming crawl" not in log  # it never opened the running job's queue
                # ... nor took the running job's queue for a killed run's leftovers.
                assert "did not stop cleanly" not in log
            finally:
                first.kill()  # kill -9: no clean-up code runs in the first run
                first.wait(timeout=30)
        # The kernel released the dead run's lock: the next run crawls.
        server.fault(url_of("library-roof"), "delay", seconds=0)
        log = crawl(tmp_path, sources, database_url, server.proxy_url)
        assert "already_running" not in log
    store = Store(database_url)
    assert store.scalar(select(func.count()).select_from(Version)) == len(ARTICLES)


@pytest.mark.crawl
def test_jobdir_pause_and_resume_fetches_every_article_once(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    sources = newsroom.build_site(tmp_path / "site")
    jobdir = tmp_path / "job"
    store = Store(database_url)
    with LoopbackSiteServer(tmp_path / "site" / "sites") as server:
        run = lambda *s: crawl(tmp_path, sources, database_url, server.proxy_url,  # noqa: E731
                               f"JOBDIR={jobdir}", "CONCURRENT_REQUESTS=1", *s)
        # Paused after two stored pages (as Ctrl-C would, gracefully): the rest stays queued.
        # Each article answers after a second, so the store (on its own thread, milliseconds a
        # page) has counted two items long before the queue could have been fetched empty.
        for story in ARTICLES:
            server.fault(url_of(story), "delay", seconds=1)
        log = run("CLOSESPIDER_ITEMCOUNT=2")
        assert "Closing spider (closespider_itemcount)" in log
        paused = store.scalar(select(func.count()).select_from(Version))
        assert 2 <= paused < len(ARTICLES)
        for story in ARTICLES:
            server.fault(url_of(story), "delay", seconds=0)
        log = run()
        assert "Resuming crawl" in log
    fetched = Counter(e.url for e in article_exchanges(server))
    assert fetched == Counter({url_of(s): 1 for s in ARTICLES})  # each once, across both runs
    assert store.scalar(select(func.count()).select_from(Version)) == len(ARTICLES)
    # Sitemap-only articles (reached through robots.txt -> index -> sitemap) were among those
    # waiting in the job's queue or fetched before the pause; either way they are stored.
    stored_urls = {u for (u,) in store.rows(select(Fetch.url))}
    assert {url_of("market-hall"), url_of("rowing-club")} <= stored_urls
    assert stat(log, "newscrawl/incremental/new") == len(ARTICLES) - paused
    assert f"{HOST}/drafts/x" not in server.requests
