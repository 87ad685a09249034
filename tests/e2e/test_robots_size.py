"""A robots.txt is read up to ``NEWSCRAWL_ROBOTSTXT_MAXSIZE`` (500 KiB, RFC 9309 2.5), locally
and shared: the download stops there, the rules before it apply, a rule past it or cut by it
does not.

The feed lives on ``feeds.example``; its articles on ``news.example``, whose robots.txt (about
2 MB of comment lines) forbids ``/a/early`` at its start, ``/a/cut-rule`` on the line that
crosses the limit and ``/a/late`` at its end.
"""

from __future__ import annotations

import pytest

from newscrawl.crawl import settings as defaults
from newscrawl.crawl.politeness.robots import cut_robots
from newscrawl.crawl.replay import save_case
from newscrawl.testing import LoopbackSiteServer

from evaluation import newsroom
from tests.crawl.test_incremental import stat
from tests.crawl.test_safety import run

FEEDS, NEWS = "http://feeds.example", "http://news.example"
SLUGS = ("early", "cut-rule", "late", "free")
LIMIT = defaults.NEWSCRAWL_ROBOTSTXT_MAXSIZE


def big_robots() -> bytes:
    head = b"User-agent: *\nDisallow: /a/early\n"
    filler = b"# " + b"x" * 97 + b"\n"
    cut_line = b"Disallow: /a/cut-rule\n"
    start = LIMIT - 10  # the line crosses the limit
    body = head + filler * ((start - len(head)) // len(filler))
    body += b"#" * (start - len(body) - 1) + b"\n" + cut_line
    body += filler * 15_000 + b"Disallow: /a/late\n"
    assert body.index(cut_line) == start and len(body) > 3 * LIMIT
    return body


def test_cut_keeps_whole_lines_only():
    assert cut_robots(b"Allow: /\nDisallow: /news/today\n", 20) == b"Allow: /\n"
    assert cut_robots(b"Allow: /\r\nDisallow: /x\r\n", 12) == b"Allow: /\r\n"
    assert cut_robots(b"Disallow: /x\n", 13) == b"Disallow: /x\n"  # fits: unchanged
    assert cut_robots(b"Disallow: /abc", 5) == b""  # no whole line within the limit
    assert cut_robots(b"x" * 100, 0) == b"x" * 100  # 0: no limit of its own


@pytest.mark.crawl
@pytest.mark.parametrize("shared", [False, True], ids=["local", "shared"])
def test_a_robots_txt_past_the_limit_is_read_up_to_it(tmp_path, shared, request):
    sites = tmp_path / "sites"
    items = "".join(f"<item><link>{NEWS}/a/{s}</link></item>" for s in SLUGS)
    save_case(sites, f"{FEEDS}/rss.xml", f"<rss><channel>{items}</channel></rss>".encode(),
              headers={"Content-Type": "application/rss+xml"})
    for slug, (title, paragraphs) in zip(SLUGS, newsroom.ARTICLES.values(), strict=False):
        save_case(sites, f"{NEWS}/a/{slug}", newsroom.page(title, paragraphs),
                  headers={"Content-Type": "text/html; charset=utf-8"})
    robots = big_robots()
    save_case(sites, f"{NEWS}/robots.txt", robots, headers={"Content-Type": "text/plain"})
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[sources]]\nname = "News"\nfeeds = ["{FEEDS}/rss.xml"]\n'
                       f'domains = ["news.example"]\n', encoding="utf-8")
    settings = []
    if shared:
        redis = request.getfixturevalue("redis_frontier")
        settings += [f"NEWSCRAWL_REDIS_URL={redis.url}", f"NEWSCRAWL_REDIS_PREFIX={redis.prefix}",
                     "NEWSCRAWL_REDIS_IDLE_TIMEOUT=1"]
    with LoopbackSiteServer(sites) as server:
        log = run(tmp_path, sources, f"sqlite:///{tmp_path / 'store.db'}", *settings,
                  proxy=server.proxy_url)
        asked = {u.removeprefix(f"{NEWS}/a/") for u in server.requests
                 if u.startswith(f"{NEWS}/a/")}
        robots_asked = [u for u in server.requests if u == f"{NEWS}/robots.txt"]

    assert asked == {"cut-rule", "late", "free"}, log[-4000:]
    assert len(robots_asked) == 1
    assert stat(log, "newscrawl/robotstxt/cut") == 1
    # The download stopped near the limit, not at the end of the file.
    assert stat(log, "downloader/response_bytes") < 2 * LIMIT, log[-4000:]
    assert "robots.txt http://news.example/robots.txt is over NEWSCRAWL_ROBOTSTXT_MAXSIZE" in log
