"""Scheduled runs with a fixed ``JOBDIR``, as the README's cron and systemd set-ups use, and a
run killed with SIGKILL: every run re-reads the feeds and sitemaps, and nothing listed is lost.

Real ``scrapy crawl news`` subprocesses against the *Harbour Gazette* (``evaluation/newsroom.py``)
on a loopback server, into SQLite.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter

import pytest
from sqlalchemy import select

from newscrawl.store.models import Fetch, Listing, Version
from newscrawl.testing import LoopbackSiteServer

from evaluation import newsroom
from evaluation.newsroom import ARTICLES, HOST, LATER, url_of
from .test_incremental import REPO, Store, article_exchanges, crawl, crawl_command, stat


def versions_by_url(store: Store) -> Counter:
    return Counter(u for (u,) in store.rows(select(Version.url)))


def run_and_kill(tmp_path, sources, database_url: str, proxy: str, settings: list[str],
                 reached, failure: str) -> int:
    """Starts a crawl that fetches one page of the site at a time and kills it with SIGKILL (no
    clean-up code runs) once ``reached()`` holds; returns its exit status. The run's log is
    ``killed.log``; it fails with ``failure`` if the run ends or 120 s pass first."""
    cmd, env = crawl_command(tmp_path, sources, database_url, proxy, "DOWNLOAD_TIMEOUT=120",
                             "CONCURRENT_REQUESTS_PER_DOMAIN=1", "NEWSCRAWL_SITE_QUEUE_AHEAD=0",
                             *settings)
    killed_log = tmp_path / "killed.log"
    with killed_log.open("w") as out:
        killed = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while not reached():
                assert time.monotonic() < deadline and killed.poll() is None, (
                    failure, killed_log.read_text()[-3000:])
                time.sleep(0.1)
        finally:
            killed.send_signal(signal.SIGKILL)
            killed.wait(timeout=30)
    return killed.returncode


@pytest.mark.crawl
def test_three_scheduled_runs_with_one_jobdir_each_store_what_was_published(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    sources = newsroom.build_site(tmp_path / "site")
    jobdir = tmp_path / "job"
    store = Store(database_url)
    later = list(LATER)
    with LoopbackSiteServer(tmp_path / "site" / "sites") as server:
        run = lambda: crawl(tmp_path, sources, database_url, server.proxy_url,  # noqa: E731
                            f"JOBDIR={jobdir}")
        log = run()
        assert versions_by_url(store) == Counter({url_of(s): 1 for s in ARTICLES})
        published: list[str] = []
        for batch in (later[:1], later[1:]):
            server.clear_log()
            server.put(f"{HOST}/rss.xml", newsroom.feed(
                [*batch, *published, *newsroom.FIRST_FEED], {**ARTICLES, **LATER}),
                headers={"Content-Type": "application/rss+xml"})
            for slug in batch:
                server.put(url_of(slug), newsroom.page(*LATER[slug]), headers=newsroom.H_HTML)
            published += batch
            log = run()
            # Every run reads the feed and the sitemaps again ...
            assert server.requests.count(f"{HOST}/rss.xml") == 1, log[-3000:]
            assert server.requests.count(f"{HOST}/sitemap-articles.xml") == 1
            # (the feed's draft link too, which robots.txt forbids)
            assert stat(log, "newscrawl/discovery/article_urls") == len(ARTICLES) + len(published) + 1
            # ... stores what was published since, and leaves the known articles alone.
            assert sorted(e.url for e in article_exchanges(server)) == sorted(map(url_of, batch))
            assert versions_by_url(store) == Counter(
                {url_of(s): 1 for s in [*ARTICLES, *published]})
            assert stat(log, "newscrawl/incremental/new") == len(batch)
            assert stat(log, "newscrawl/incremental/not_due") == len(ARTICLES) + len(published) \
                - len(batch)


@pytest.mark.crawl
@pytest.mark.parametrize("earlier", ["finished", "paused", "finished-no-jobdir"])
def test_a_run_killed_mid_way_loses_nothing_on_restart(tmp_path, earlier):
    """``earlier`` is how the run before the killed one ended: finished, or paused gracefully
    with requests left in the job directory's queue (the killed run resumes them)."""
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    sources = newsroom.build_site(tmp_path / "site")
    job = [] if earlier.endswith("no-jobdir") else [f"JOBDIR={tmp_path / 'job'}"]
    store = Store(database_url)
    with LoopbackSiteServer(tmp_path / "site" / "sites") as server:
        if earlier == "paused":
            # Articles answer slowly, so the first one is stored (and the spider closes) while
            # the others still wait in the queue: fetching does not wait for the store.
            for slug in ARTICLES:
                server.fault(url_of(slug), "delay", seconds=5)
            log = crawl(tmp_path, sources, database_url, server.proxy_url, *job,
                        "CONCURRENT_REQUESTS=1", "CLOSESPIDER_ITEMCOUNT=1")
            for slug in ARTICLES:
                server.clear_fault(url_of(slug))
            assert "Closing spider (closespider_itemcount)" in log
            assert len(versions_by_url(store)) < len(ARTICLES)
        else:
            crawl(tmp_path, sources, database_url, server.proxy_url, *job)
        # The site publishes three articles; they answer only after a minute. The killed run
        # sends one request at a time to the site, so the kill lands while one of them is in
        # flight and the rest (articles, sitemaps) wait in the queue - on disk with JOBDIR.
        server.put(f"{HOST}/rss.xml", newsroom.feed([*LATER, *newsroom.FIRST_FEED],
                                                    {**ARTICLES, **LATER}),
                   headers={"Content-Type": "application/rss+xml"})
        for slug in LATER:
            server.put(url_of(slug), newsroom.page(*LATER[slug]), headers=newsroom.H_HTML)
        # (and with an earlier run paused, the articles it left queued)
        slow = [url_of(s) for s in [*ARTICLES, *LATER]
                if url_of(s) not in versions_by_url(store)]
        for url in slow:
            server.fault(url, "delay", seconds=60)
        server.clear_log()
        returncode = run_and_kill(tmp_path, sources, database_url, server.proxy_url, job,
                                  lambda: set(slow) & set(server.requests),
                                  "the run never reached the slow pages")
        assert returncode == -signal.SIGKILL
        stored_before = set(versions_by_url(store))
        assert not set(slow) & stored_before

        for url in slow:
            server.clear_fault(url)
        server.clear_log()
        log = crawl(tmp_path, sources, database_url, server.proxy_url, *job)
        assert server.requests.count(f"{HOST}/rss.xml") == 1, log[-3000:]
        # Every listed article is stored, once; those stored before the kill are not due again.
        everything = {url_of(s) for s in [*ARTICLES, *LATER]}
        assert versions_by_url(store) == Counter(dict.fromkeys(everything, 1))
        assert {e.url for e in article_exchanges(server)} == everything - stored_before
        assert {u for (u,) in store.rows(select(Fetch.url))} == everything
    if job:  # the killed run's queue is not resumed: its index was stale
        assert "Resuming crawl" not in log
        assert "was left by a run that did not stop cleanly" in log


@pytest.mark.crawl
def test_articles_a_killed_run_listed_are_fetched_after_the_feed_dropped_them(tmp_path):
    """The listings table is the memory of what was listed: a run killed after reading the feed
    owes its articles to the next run, which fetches them though no feed lists them any more."""
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    sources = newsroom.build_site(tmp_path / "site")
    store = Store(database_url)
    with LoopbackSiteServer(tmp_path / "site" / "sites") as server:
        crawl(tmp_path, sources, database_url, server.proxy_url)
        # Three new articles in the feed; they answer only after a minute.
        server.put(f"{HOST}/rss.xml", newsroom.feed([*LATER, *newsroom.FIRST_FEED],
                                                    {**ARTICLES, **LATER}),
                   headers={"Content-Type": "application/rss+xml"})
        new = [url_of(s) for s in LATER]
        for slug in LATER:
            server.put(url_of(slug), newsroom.page(*LATER[slug]), headers=newsroom.H_HTML)
            server.fault(url_of(slug), "delay", seconds=60)
        # Killed once the feed was read and its articles listed, before any is fetched.
        returncode = run_and_kill(
            tmp_path, sources, database_url, server.proxy_url, [],
            lambda: set(new) <= {u for (u,) in store.rows(select(Listing.url))},
            "the run never listed the new articles")
        assert returncode == -signal.SIGKILL
        assert not set(new) & set(versions_by_url(store))
        # The feed drops them (a busy front page) before the next run; nothing lists them now.
        server.put(f"{HOST}/rss.xml", newsroom.feed(newsroom.FIRST_FEED, ARTICLES),
                   headers={"Content-Type": "application/rss+xml"})
        for url in new:
            server.clear_fault(url)
        server.clear_log()
        log = crawl(tmp_path, sources, database_url, server.proxy_url)
        # The new articles are owed; an old one may be owed too when the kill came between its
        # listing and its "not due" decision: that is taken up and decided again, not fetched.
        assert (stat(log, "newscrawl/discovery/resumed") or 0) >= len(new), log[-3000:]
        assert sorted(e.url for e in article_exchanges(server)) == sorted(new)
        assert versions_by_url(store) == Counter({url_of(s): 1 for s in [*ARTICLES, *LATER]})
        # Owed no more: the run after takes nothing up.
        server.clear_log()
        log = crawl(tmp_path, sources, database_url, server.proxy_url)
        assert stat(log, "newscrawl/discovery/resumed") is None
        assert not article_exchanges(server)
