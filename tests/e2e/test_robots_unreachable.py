"""A robots.txt that answers 5xx or times out holds its site back for the run (RFC 9309),
locally and shared.

The feed lives on ``feeds.example``; its articles on ``news.example``, whose robots.txt answers
503 on every try. No article may be fetched, and each is recorded as a failed fetch saying why,
so the next run tries again. With a Redis URL the shared middleware must do the same from the
copy it stores for the other processes.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from newscrawl.crawl.replay import save_case
from newscrawl.store.models import Fetch
from newscrawl.testing import LoopbackSiteServer

from evaluation import newsroom
from tests.crawl.test_incremental import Store, stat
from tests.crawl.test_safety import run

FEEDS, NEWS = "http://feeds.example", "http://news.example"


@pytest.mark.crawl
@pytest.mark.parametrize("shared, fault", [(False, "503"), (True, "503"), (False, "timeout")],
                         ids=["local", "shared", "local-timeout"])
def test_a_robots_txt_answering_503_means_disallow_all(tmp_path, shared, fault, request):
    sites = tmp_path / "sites"
    slugs = list(newsroom.ARTICLES)[:3]
    items = "".join(f"<item><link>{NEWS}/a/{s}</link></item>" for s in slugs)
    save_case(sites, f"{FEEDS}/rss.xml", f"<rss><channel>{items}</channel></rss>".encode(),
              headers={"Content-Type": "application/rss+xml"})
    for slug in slugs:
        save_case(sites, f"{NEWS}/a/{slug}", newsroom.page(*newsroom.ARTICLES[slug]),
                  headers={"Content-Type": "text/html; charset=utf-8"})
    save_case(sites, f"{NEWS}/robots.txt", b"User-agent: *\nAllow: /\n",
              headers={"Content-Type": "text/plain"})
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[sources]]\nname = "News"\nfeeds = ["{FEEDS}/rss.xml"]\n'
                       f'domains = ["news.example"]\n', encoding="utf-8")
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    settings = ["NEWSCRAWL_RETRY_BACKOFF_BASE=0.1"]
    if shared:
        redis = request.getfixturevalue("redis_frontier")
        settings += [f"NEWSCRAWL_REDIS_URL={redis.url}", f"NEWSCRAWL_REDIS_PREFIX={redis.prefix}",
                     "NEWSCRAWL_REDIS_IDLE_TIMEOUT=1"]
    why = "http_status_503"
    if fault == "timeout":  # a robots.txt that never answers, on every try
        settings += ["DOWNLOAD_TIMEOUT=2", "RETRY_TIMES=1"]
        why = "timeout"
    with LoopbackSiteServer(sites) as server:
        if fault == "timeout":
            server.fault(f"{NEWS}/robots.txt", "delay", seconds=30)
        else:
            server.fault(f"{NEWS}/robots.txt", "fail_first", times=99, status=503)
        log = run(tmp_path, sources, database_url, *settings, proxy=server.proxy_url)
        asked = [u for u in server.requests if u.startswith(f"{NEWS}/a/")]
        robots_asked = [u for u in server.requests if u == f"{NEWS}/robots.txt"]

    assert asked == [], log[-4000:]
    assert len(robots_asked) >= 2  # retried, as any 5xx
    rows = Store(database_url).rows(select(Fetch.url, Fetch.outcome, Fetch.reason))
    assert sorted(rows) == sorted((f"{NEWS}/a/{s}", "failed", f"robots_unreachable:{why}")
                                  for s in slugs)
    assert stat(log, "newscrawl/robotstxt/unreachable") == 1
    assert stat(log, "newscrawl/robotstxt/held_back") == len(slugs)
    assert f"robots.txt of news.example unreachable ({why})" in log
    if shared:
        assert stat(log, "newscrawl/robotstxt/fetched") == 2  # feeds.example, news.example
