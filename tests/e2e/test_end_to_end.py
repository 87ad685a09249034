"""The whole path on the sample sites, into SQLite and PostgreSQL.

* ``newscrawl ingest`` over the saved cases;
* a real ``scrapy crawl news`` subprocess over HTTP, the sample sites served by a loopback
  server the test starts (acting as the crawler's HTTP proxy), with every pipeline on;
* the README's offline main job (replayed responses).

Each must store the six copies of the wire story under one story key, the independent report of
the same event under another, every other story under its own, with clean bodies; and the two
routes must agree.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from sqlalchemy import text

from newscrawl.cli import main as cli_main
from newscrawl.store.db import make_engine
from newscrawl.testing import LoopbackSiteServer
from evaluation.samples import (REPO, SITES, SOURCES, assert_clean_bodies, assert_event_grouping,
                           assert_story_grouping, label_by_url)


def query(url: str, sql: str) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql)).all()]
    finally:
        engine.dispose()


def stored(url: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    rows = query(url, "SELECT story_key, url, body FROM story_versions")
    return [(r[0], r[1]) for r in rows], [(r[1], r[2]) for r in rows]


def stories_by_pages(keys: list[tuple[str, str]]) -> set[frozenset[str]]:
    """Each story as the set of its versions' URLs."""
    pages: dict[str, set[str]] = {}
    for key, url in keys:
        pages.setdefault(key, set()).add(url)
    return {frozenset(urls) for urls in pages.values()}


def fetch_outcomes(url: str) -> dict[str, int]:
    return dict(query(url, "SELECT outcome, COUNT(*) FROM fetches GROUP BY outcome"))


def crawl(database_url: str, *settings: str, proxy: str | None = None) -> str:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sources={SOURCES}",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", *settings]
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    env["NEWSCRAWL_DATABASE_URL"] = database_url
    if proxy:
        env["http_proxy"] = proxy
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert "Traceback" not in log, log[-4000:]
    return log


def stat(log: str, name: str) -> int:
    m = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(m.group(1)) if m else 0


def test_ingest_groups_stories(database_url, capsys):
    assert cli_main(["ingest", str(SITES), "--db", database_url]) == 0
    keys, bodies = stored(database_url)
    assert_story_grouping(keys)
    assert_clean_bodies(bodies)
    assert_event_grouping(query(database_url, "SELECT event_id, url FROM story_versions"))
    # Ingesting the same pages again stores nothing new.
    assert cli_main(["ingest", str(SITES), "--db", database_url, "-q"]) == 0
    assert sorted(stored(database_url)[0]) == sorted(keys)
    assert "unchanged" in capsys.readouterr().out
    assert cli_main(["stories", "--db", database_url]) == 0
    listing = capsys.readouterr().out
    labels = label_by_url()
    wire_key = next(k for k, u in keys if labels[u] == "wire")
    assert re.search(rf"{wire_key}\s+6\s+6\s", listing), listing
    assert cli_main(["story", wire_key, "--db", database_url]) == 0
    assert capsys.readouterr().out.count("repairs:") == 6


@pytest.mark.crawl
def test_crawl_over_loopback_http(database_url):
    with LoopbackSiteServer(SITES) as server:
        log = crawl(database_url, proxy=server.proxy_url)
        served = list(server.requests)
    keys, bodies = stored(database_url)
    assert_story_grouping(keys)
    assert_clean_bodies(bodies)
    assert_event_grouping(query(database_url, "SELECT event_id, url FROM story_versions"))
    assert stat(log, "newscrawl/store/stored_new_story") == len({k for k, _ in keys})
    assert stat(log, "newscrawl/decode/source/corrected") + stat(log, "newscrawl/decode/source/meta") >= 1
    assert stat(log, "newscrawl/decode/conflict") >= 1  # the page served with a wrong charset
    assert stat(log, "newscrawl/clean/ad_marker") >= 1
    assert stat(log, "newscrawl/repair/lost_byte_dash") == 1
    article_urls = {u for _, u in keys}
    assert all(served.count(u) == 1 for u in article_urls)
    outcomes = fetch_outcomes(database_url)
    assert outcomes.get("stored_new_story", 0) + outcomes.get("stored_new_version", 0) == len(keys)


@pytest.mark.crawl
def test_offline_main_job_matches_ingest(tmp_path):
    crawled, ingested = f"sqlite:///{tmp_path / 'crawl.db'}", f"sqlite:///{tmp_path / 'ingest.db'}"
    crawl(crawled, "-s", f"NEWSCRAWL_REPLAY_DIR={SITES}")
    assert cli_main(["ingest", str(SITES), "--db", ingested, "-q"]) == 0
    crawl_keys, crawl_bodies = stored(crawled)
    ingest_keys, ingest_bodies = stored(ingested)
    assert_story_grouping(crawl_keys)
    # Same stages, same text, same stories, whichever route a page took. A story's key is its
    # first stored copy's, and which copy a crawl stores first depends on the order downloads
    # and revisit look-ups finish in (threads), so the stories are compared by their pages.
    assert stories_by_pages(crawl_keys) == stories_by_pages(ingest_keys)
    assert sorted(crawl_bodies) == sorted(ingest_bodies)
