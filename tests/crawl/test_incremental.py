"""Incremental re-crawls over real HTTP, into a real store.

``scrapy crawl news`` runs as a subprocess with the real pipelines against the *Harbour Gazette*
(``evaluation/newsroom.py``) served by :class:`~newscrawl.testing.LoopbackSiteServer`, which
answers conditional requests with 304 and lets the test edit the site between runs. Every run
writes into the same database (SQLite and PostgreSQL), exactly as scheduled runs do.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from newscrawl.store.models import Fetch, Story, Version
from newscrawl.testing import LoopbackSiteServer

from evaluation import newsroom
from evaluation.newsroom import ARTICLES, HOST, LATER, url_of

REPO = Path(__file__).resolve().parents[2]
ARTICLE_PREFIX = f"{HOST}/news/"


def crawl_command(tmp_path: Path, sources: Path, database_url: str, proxy: str | None,
                  *settings: str) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of one ``scrapy crawl news`` run of a test: the real
    pipelines into ``database_url``, no politeness delays (the server is ours), through
    ``proxy`` (None: the sources name loopback servers directly, which opts in to private
    addresses: newscrawl/crawl/safety.py refuses them otherwise)."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sources={sources}",
           "-s", f"NEWSCRAWL_DATABASE_URL={database_url}",
           "-s", f"NEWSCRAWL_LOCK_DIR={tmp_path / 'locks'}",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]
    if proxy is None:
        cmd += ["-s", "NEWSCRAWL_ALLOW_PRIVATE_ADDRESSES=True"]
    for setting in settings:
        cmd += ["-s", setting]
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
           and k != "NEWSCRAWL_DATABASE_URL"}
    if proxy is not None:
        env["http_proxy"] = proxy
    return cmd, env


def crawl(tmp_path: Path, sources: Path, database_url: str, proxy: str | None, *settings: str,
          expect_ok: bool = True) -> str:
    """One scheduled run: ``scrapy crawl news`` with the real pipelines; returns the log.

    ``proxy`` is the loopback server standing in for the fixture hosts; None = no proxy (the
    sources name real addresses, e.g. ``127.0.0.1:PORT``)."""
    cmd, env = crawl_command(tmp_path, sources, database_url, proxy, *settings)
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    log = proc.stdout + proc.stderr
    # Kept beside the test's files: the first thing to read when a crawl test fails.
    (tmp_path / f"crawl-{len(list(tmp_path.glob('crawl-*.log')))}.log").write_text(log)
    if expect_ok:
        assert proc.returncode == 0, log[-6000:]
        assert "Traceback" not in log, log[-6000:]
    return log


def stat(log: str, name: str) -> int | None:
    m = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(m.group(1)) if m else None


def article_exchanges(server: LoopbackSiteServer):
    return [e for e in server.exchanges if e.url.startswith(ARTICLE_PREFIX)]


class Store:
    def __init__(self, url: str):
        self.engine = create_engine(url, poolclass=NullPool)

    def scalar(self, stmt):
        with Session(self.engine) as session:
            return session.execute(stmt).scalar()

    def rows(self, stmt):
        with Session(self.engine) as session:
            return session.execute(stmt).all()

    def fetch_outcomes(self, after: int = 0) -> Counter:
        return Counter((o, r) for o, r in self.rows(
            select(Fetch.outcome, Fetch.reason).where(Fetch.id > after)))

    def last_fetch_id(self) -> int:
        return self.scalar(select(func.max(Fetch.id))) or 0

    def story_key_of(self, url: str) -> set[str]:
        return {k for (k,) in self.rows(
            select(Story.key).join(Version, Version.story_id == Story.id).where(Version.url == url))}


@pytest.mark.crawl
def test_incremental_recrawls_store_only_what_changed(tmp_path, database_url):
    sources = newsroom.build_site(tmp_path / "site")
    store = Store(database_url)
    with LoopbackSiteServer(tmp_path / "site" / "sites") as server:
        run = lambda *s: crawl(tmp_path, sources, database_url, server.proxy_url, *s)  # noqa: E731

        # 1. First crawl: every article stored, each once; robots.txt's Disallow obeyed.
        log = run()
        assert store.fetch_outcomes() == Counter({("stored_new_story", None): len(ARTICLES)})
        assert store.scalar(select(func.count()).select_from(Version)) == len(ARTICLES)
        fetched = Counter(e.url for e in article_exchanges(server))
        assert fetched == Counter({url_of(s): 1 for s in ARTICLES})
        assert f"{HOST}/drafts/x" not in server.requests
        assert stat(log, "newscrawl/incremental/new") == len(ARTICLES)
        assert "Summary (finished" in log
        keys_before = {slug: store.story_key_of(url_of(slug)) for slug in ARTICLES}

        # 2. Immediate re-crawl, every article due: all answered 304, nothing stored, no body.
        server.clear_log()
        mark = store.last_fetch_id()
        log = run("NEWSCRAWL_REVISIT_AFTER=0")
        exchanges = article_exchanges(server)
        assert sorted(e.url for e in exchanges) == sorted(url_of(s) for s in ARTICLES)
        assert all(e.status == 304 and e.body_bytes == 0 for e in exchanges), exchanges
        assert all("If-None-Match" in e.request_headers and "If-Modified-Since" in e.request_headers
                   for e in exchanges)
        assert store.fetch_outcomes(mark) == Counter({("unchanged", "not_modified"): len(ARTICLES)})
        assert store.scalar(select(func.count()).select_from(Version)) == len(ARTICLES)
        assert stat(log, "newscrawl/incremental/not_modified") == len(ARTICLES)
        # The 304 bumps the version it confirms.
        assert set(store.rows(select(Version.fetch_count))) == {(2,)}

        # 3. The site edits two articles and publishes three: exactly five new versions.
        for slug in newsroom.EDITS:
            server.put(url_of(slug), newsroom.edited(slug), headers=newsroom.H_HTML)
        everything = {**ARTICLES, **LATER}
        for slug, (title, paragraphs) in LATER.items():
            server.put(url_of(slug), newsroom.page(title, paragraphs), headers=newsroom.H_HTML)
        server.put(f"{HOST}/rss.xml", newsroom.feed(
            ["lighthouse-keeper", "cycle-path", *newsroom.FIRST_FEED], everything),
            headers={"Content-Type": "application/rss+xml"})
        server.put(f"{HOST}/sitemap-news.xml", newsroom.news_sitemap(
            ["choir-competition", *newsroom.FIRST_NEWS], everything), headers=newsroom.H_XML)
        server.clear_log()
        mark = store.last_fetch_id()
        log = run("NEWSCRAWL_REVISIT_AFTER=0")
        assert store.fetch_outcomes(mark) == Counter({
            ("stored_new_story", None): len(LATER),
            ("stored_new_version", None): len(newsroom.EDITS),
            ("unchanged", "not_modified"): len(ARTICLES) - len(newsroom.EDITS),
        })
        assert store.scalar(select(func.count()).select_from(Version)) == len(ARTICLES) + 5
        for slug in newsroom.EDITS:  # the edits went under their existing story keys
            assert store.story_key_of(url_of(slug)) == keys_before[slug]
            assert len(store.rows(select(Version.id).where(Version.url == url_of(slug)))) == 2
        bodies = {e.url: e.body_bytes for e in article_exchanges(server)}
        unchanged = set(ARTICLES) - set(newsroom.EDITS)
        assert all(bodies[url_of(s)] == 0 for s in unchanged)
        assert all(bodies[url_of(s)] > 0 for s in [*newsroom.EDITS, *LATER])

        # 4. Default policy (revisit by article age): nothing is due a minute later, so no article
        #    is requested at all - except the one whose sitemap entry says it was updated.
        server.put(f"{HOST}/sitemap-articles.xml", newsroom.sitemap(
            newsroom.FIRST_SITEMAP,
            {"market-hall": (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).isoformat()}),
            headers=newsroom.H_XML)
        server.clear_log()
        mark = store.last_fetch_id()
        log = run()
        assert [e.url for e in article_exchanges(server)] == [url_of("market-hall")]
        assert article_exchanges(server)[0].status == 304
        assert stat(log, "newscrawl/incremental/updated") == 1
        assert stat(log, "newscrawl/incremental/not_due") == len(everything) - 1
        assert store.fetch_outcomes(mark) == Counter({("unchanged", "not_modified"): 1})
        assert "Progress:" not in log or "not due" in log


@pytest.mark.crawl
def test_server_ignoring_validators_costs_bodies_but_stores_nothing(tmp_path, database_url):
    """A server that never answers 304: the re-crawl downloads, the store finds the same text."""
    sources = newsroom.build_site(tmp_path / "site")
    store = Store(database_url)
    with LoopbackSiteServer(tmp_path / "site" / "sites", validators=False) as server:
        crawl(tmp_path, sources, database_url, server.proxy_url)
        mark = store.last_fetch_id()
        server.clear_log()
        crawl(tmp_path, sources, database_url, server.proxy_url, "NEWSCRAWL_REVISIT_AFTER=0")
        assert all(e.status == 200 for e in article_exchanges(server))
        assert not any("If-None-Match" in e.request_headers for e in article_exchanges(server))
    assert store.fetch_outcomes(mark) == Counter({("unchanged", None): len(ARTICLES)})
    assert store.scalar(select(func.count()).select_from(Version)) == len(ARTICLES)
