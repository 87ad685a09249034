"""The ``news`` spider, run as ``scrapy crawl news`` subprocesses (the most faithful way).

Items are collected by ``tests/crawl/collect.py`` (url/status/source/discovery per line)
instead of the real pipelines. Each crawl runs against saved sites, either through the
ReplayDownloaderMiddleware (``NEWSCRAWL_REPLAY_DIR``) or over real HTTP through
:class:`~newscrawl.testing.LoopbackSiteServer` acting as the ``http_proxy``.

A tiny two-source site built here pins the exact behaviour (dedup across feed and sitemap,
robots.txt rules and Sitemap: lines, sitemap index -> gzip'ed sitemap and Google News
sitemap, off-site links, 404/410 articles); the shared sample fixtures are checked for the
one property other engineers rely on: every article URL their feeds/sitemaps list is crawled
exactly once.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from protego import Protego

from newscrawl.crawl.discovery import parse_feed, parse_sitemap, sitemaps_from_robots
from newscrawl.crawl.replay import SavedSites, save_case
from newscrawl.crawl.sources import load_sources
from newscrawl.testing import LoopbackSiteServer

REPO = Path(__file__).resolve().parents[2]  # where scrapy.cfg is
FIXTURES = REPO / "fixtures"
N = "http://news.example"
W = "http://wire.example"

HTML = "<!doctype html><html><head><title>{t}</title></head><body><p>{t}</p></body></html>"
H_HTML = {"Content-Type": "text/html; charset=utf-8"}
H_XML = {"Content-Type": "application/xml"}


def html(title: str) -> bytes:
    return HTML.format(t=title).encode()


def build_tiny_sites(root: Path) -> Path:
    """Two sources in the fixtures layout; returns the sources TOML path."""
    sites = root / "sites"
    # news.example: RSS feed + robots.txt -> sitemap index -> gzip'ed sitemap + news sitemap.
    save_case(sites, f"{N}/robots.txt",
              b"User-agent: *\nDisallow: /private/\nSitemap: http://news.example/sitemap_index.xml\n",
              headers={"Content-Type": "text/plain"})
    save_case(sites, f"{N}/rss.xml", f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>News</title>
<item><title>One</title><link>{N}/a/1</link><pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate></item>
<item><title>Two</title><link>{N}/a/2</link></item>
<item><title>Gone</title><link>{N}/a/gone</link></item>
<item><title>Never saved</title><link>{N}/a/missing</link></item>
<item><title>Elsewhere</title><link>http://other.example/x</link></item>
<item><title>One again</title><link>{N}/a/1#comments</link></item>
</channel></rss>""".encode(), headers={"Content-Type": "application/rss+xml"})
    save_case(sites, f"{N}/sitemap_index.xml", f"""<?xml version="1.0"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{N}/sitemap-1.xml.gz</loc></sitemap>
<sitemap><loc>{N}/sitemap-news.xml</loc></sitemap>
<sitemap><loc>http://other.example/sitemap.xml</loc></sitemap>
</sitemapindex>""".encode(), headers=H_XML)
    save_case(sites, f"{N}/sitemap-1.xml.gz", gzip.compress(f"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{N}/a/1</loc><lastmod>2024-03-05</lastmod></url>
<url><loc>{N}/a/3</loc></url>
<url><loc>{N}/private/p</loc></url>
</urlset>""".encode()), headers={"Content-Type": "application/x-gzip"})
    save_case(sites, f"{N}/sitemap-news.xml", f"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{N}/a/4</loc><news:news><news:publication><news:name>News</news:name></news:publication>
<news:publication_date>2024-03-07T09:00:00Z</news:publication_date><news:title>Four</news:title></news:news></url>
</urlset>""".encode(), headers=H_XML)
    for path in ("/a/1", "/a/2", "/a/3", "/a/4", "/private/p"):
        save_case(sites, f"{N}{path}", html(path), headers=H_HTML)
    save_case(sites, f"{N}/a/gone", b"gone", status=410, headers={"Content-Type": "text/plain"})
    save_case(sites, "http://other.example/x", html("offsite"), headers=H_HTML)
    # wire.example: Atom feed (relative link) + RSS 1.0 feed; no robots.txt saved (-> 404).
    save_case(sites, f"{W}/atom.xml", f"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>
<entry><title>S1</title><link href="{W}/s/1"/><updated>2024-03-05T00:00:00Z</updated></entry>
<entry><title>S2</title><link rel="alternate" href="/s/2"/></entry>
</feed>""".encode(), headers={"Content-Type": "application/atom+xml"})
    save_case(sites, f"{W}/index.rdf", f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="{W}/"><title>Wire</title><link>{W}/</link></channel>
<item rdf:about="{W}/s/3"><title>S3</title><link>{W}/s/3</link></item>
</rdf:RDF>""".encode(), headers={"Content-Type": "application/rdf+xml"})
    for path in ("/s/1", "/s/2", "/s/3"):
        save_case(sites, f"{W}{path}", html(path), headers=H_HTML)
    toml = root / "sources.toml"
    toml.write_text(f"""
[[sources]]
name = "News"
feeds = ["{N}/rss.xml"]
sitemaps = ["{N}/robots.txt"]

[[sources]]
name = "Wire"
feeds = ["{W}/atom.xml", "{W}/index.rdf"]
""", encoding="utf-8")
    return toml


TINY_EXPECTED = {
    f"{N}/a/1": 200, f"{N}/a/2": 200, f"{N}/a/3": 200, f"{N}/a/4": 200,
    f"{N}/a/gone": 410, f"{N}/a/missing": 404,  # gone pages are items too (status kept)
    f"{W}/s/1": 200, f"{W}/s/2": 200, f"{W}/s/3": 200,
}


def run_crawl(tmp_path: Path, *spider_args: str, replay_dir: Path | None = None,
              proxy: str | None = None) -> tuple[list[dict], str]:
    """Run ``scrapy crawl news`` from the repo root; return (collected items, log)."""
    out = tmp_path / f"items-{len(list(tmp_path.glob('items-*')))}.jsonl"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", *spider_args,
           "-s", 'ITEM_PIPELINES={"tests.crawl.collect.CollectPipeline": 1}',
           "-s", f"NEWSCRAWL_COLLECT_PATH={out}",
           # Politeness delays only slow tests down; the server is ours.
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]
    if replay_dir is not None:
        cmd += ["-s", f"NEWSCRAWL_REPLAY_DIR={replay_dir}"]
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    if proxy is not None:
        env["http_proxy"] = proxy
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert "Traceback" not in log, log[-4000:]
    items = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return items, log


def stat(log: str, name: str) -> int | None:
    m = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(m.group(1)) if m else None


def assert_once(items: list[dict]) -> dict[str, dict]:
    counts = Counter(i["url"] for i in items)
    assert [u for u, c in counts.items() if c > 1] == []
    return {i["url"]: i for i in items}


@pytest.fixture
def tiny(tmp_path):
    return build_tiny_sites(tmp_path / "site")


@pytest.mark.crawl
def test_replay_crawl_of_tiny_sites(tmp_path, tiny):
    items, log = run_crawl(tmp_path, "-a", f"sources={tiny}", replay_dir=tiny.parent / "sites")
    by_url = assert_once(items)
    assert {u: i["status"] for u, i in by_url.items()} == TINY_EXPECTED
    one = by_url[f"{N}/a/1"]
    assert one["source"] == "News" and one["body_len"] == len(html("/a/1"))
    assert one["discovery"] == {"via": "feed", "from": f"{N}/rss.xml", "title": "One",
                                "published": "2024-03-05T10:00:00+00:00"}
    assert one["content_type"] == "text/html; charset=utf-8"
    assert one["fetched_at"].endswith("+00:00")
    assert by_url[f"{N}/a/4"]["discovery"] == {
        "via": "sitemap", "from": f"{N}/sitemap-news.xml", "title": "Four",
        "published": "2024-03-07T09:00:00+00:00"}
    assert by_url[f"{W}/s/2"]["source"] == "Wire"
    assert stat(log, "newscrawl/discovery/feeds") == 3
    assert stat(log, "newscrawl/discovery/sitemaps") == 4  # robots, index, gz, news
    assert stat(log, "newscrawl/discovery/article_urls") == 10  # incl. robots-blocked /private/p
    assert stat(log, "newscrawl/discovery/offsite") == 2  # other.example article + sitemap
    assert stat(log, "newscrawl/discovery/duplicates") == 2  # /a/1#comments, /a/1 in sitemap
    assert stat(log, "newscrawl/discovery/parse_errors") is None
    assert stat(log, "newscrawl/replay/misses") >= 1  # /a/missing, wire robots.txt
    assert stat(log, "robotstxt/forbidden") == 1  # robots rules apply under replay


@pytest.mark.crawl
def test_loopback_proxy_crawl_matches_replay(tmp_path, tiny):
    with LoopbackSiteServer(tiny.parent / "sites") as server:
        items, log = run_crawl(tmp_path, "-a", f"sources={tiny}", proxy=server.proxy_url)
        fetched = Counter(server.requests)
    by_url = assert_once(items)
    assert {u: i["status"] for u, i in by_url.items()} == TINY_EXPECTED
    for url in TINY_EXPECTED:
        assert fetched[url] == 1, (url, fetched)
    assert fetched[f"{N}/private/p"] == 0  # disallowed by robots.txt
    assert fetched["http://other.example/x"] == 0
    assert stat(log, "newscrawl/replay/hits") is None  # replay off: this went over HTTP


@pytest.mark.crawl
def test_one_off_feeds_and_robots_sitemaps(tmp_path, tiny):
    sites = tiny.parent / "sites"
    items, _ = run_crawl(tmp_path, "-a", f"feeds={W}/atom.xml,{W}/index.rdf", replay_dir=sites)
    by_url = assert_once(items)
    assert set(by_url) == {f"{W}/s/1", f"{W}/s/2", f"{W}/s/3"}
    assert {i["source"] for i in items} == {"wire.example"}

    items, _ = run_crawl(tmp_path, "-a", f"sitemaps={N}/robots.txt", replay_dir=sites)
    by_url = assert_once(items)
    assert set(by_url) == {f"{N}/a/1", f"{N}/a/3", f"{N}/a/4"}
    assert all(i["discovery"]["via"] == "sitemap" for i in items)


@pytest.mark.crawl
def test_bad_arguments_fail_clearly(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nname = "x"\nfeeds = ["nope"]\n')
    proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sources={bad}"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "not an absolute http(s) URL" in proc.stderr + proc.stdout


# ------------------------------------------------------------------ the shared sample fixtures

def listed_article_urls(sources_path: Path, sites: SavedSites) -> dict[str, str]:
    """Article URL -> source name for every URL the sources' feeds/sitemaps list.

    Walks the saved documents with the discovery parsers (following robots.txt and sitemap
    indexes), keeps URLs on the source's domains that robots.txt allows: what a correct crawl
    must fetch.
    """
    from scrapy.utils.url import url_is_from_any_domain

    def robots_ok(url: str) -> bool:
        host = url.split("/")[2]
        saved = sites.get(f"http://{host}/robots.txt")
        if saved is None or saved.status != 200:
            return True
        return Protego.parse(saved.body.decode("utf-8", "replace")).can_fetch(url, "newscrawl")

    out: dict[str, str] = {}
    for source in load_sources(sources_path):
        def ok(url: str, source=source) -> bool:
            return url_is_from_any_domain(url, source.allowed_domains) and robots_ok(url)

        todo = [(u, "feed") for u in source.feeds] + [(u, "sitemap") for u in source.sitemaps]
        seen: set[str] = set()
        while todo:
            url, kind = todo.pop()
            saved = sites.get(url)
            if url in seen or saved is None or saved.status != 200:
                continue
            seen.add(url)
            body = saved.body
            if kind == "sitemap" and url.endswith("/robots.txt"):
                todo += [(u, "sitemap") for u in sitemaps_from_robots(body, url) if ok(u)]
                continue
            doc = parse_sitemap(body, url) if kind == "sitemap" else None
            if doc is not None and doc.kind == "sitemapindex":
                todo += [(u, "sitemap") for u in doc.urls if ok(u)]
            elif doc is not None and doc.kind == "urlset":
                out.update({u: source.name for u in doc.urls if ok(u)})
            else:
                out.update({e.url: source.name for e in parse_feed(body, url) if ok(e.url)})
    return out


needs_fixtures = pytest.mark.skipif(
    not (FIXTURES / "sample_sources.toml").exists() or not (FIXTURES / "sites").is_dir(),
    reason="sample fixtures not written yet")


@needs_fixtures
@pytest.mark.crawl
def test_sample_fixtures_replay_crawls_every_listed_article_once(tmp_path):
    sources_path = FIXTURES / "sample_sources.toml"
    listed = listed_article_urls(sources_path, SavedSites(FIXTURES / "sites"))
    assert listed, "the sample sources list no article URLs"
    items, _ = run_crawl(tmp_path, "-a", f"sources={sources_path}", replay_dir=FIXTURES / "sites")
    by_url = assert_once(items)
    missing = set(listed) - set(by_url)
    assert not missing, f"listed but not crawled: {sorted(missing)}"
    for url, source in listed.items():
        assert by_url[url]["source"] == source


@needs_fixtures
@pytest.mark.crawl
def test_sample_fixtures_over_loopback_proxy(tmp_path):
    sources_path = FIXTURES / "sample_sources.toml"
    sites = SavedSites(FIXTURES / "sites")
    listed = listed_article_urls(sources_path, sites)
    with LoopbackSiteServer(sites) as server:
        items, _ = run_crawl(tmp_path, "-a", f"sources={sources_path}", proxy=server.proxy_url)
        fetched = Counter(server.requests)
    by_url = assert_once(items)
    assert set(listed) <= set(by_url)
    for url in listed:
        assert fetched[url] == 1, (url, fetched[url])


# ------------------------------------------------------------------ in-process callback checks
# Fast checks of the spider's callbacks on hand-made responses (no crawl, no subprocess).

def _spider(**kwargs):
    from scrapy.utils.test import get_crawler

    from newscrawl.crawl.spiders.news import NewsSpider

    crawler = get_crawler(NewsSpider)
    spider = NewsSpider.from_crawler(crawler, **kwargs)
    crawler.stats.open_spider()
    return spider, crawler.stats


def _xml(url: str, body: bytes, status: int = 200):
    from scrapy.http import XmlResponse
    return XmlResponse(url=url, body=body, status=status)


async def _collect(agen):
    return [r async for r in agen]


def test_start_requests_every_feed_and_sitemap():
    import asyncio
    spider, _ = _spider(feeds=f"{W}/atom.xml", sitemaps=f"{N}/robots.txt,{N}/sitemap.xml")
    requests = asyncio.run(_collect(spider.start()))
    assert [(r.url, r.callback.__name__) for r in requests] == [
        (f"{W}/atom.xml", "parse_feed"),
        (f"{N}/robots.txt", "parse_sitemap"),
        (f"{N}/sitemap.xml", "parse_sitemap"),
    ]
    assert not any(r.dont_filter for r in requests)  # the dupefilter stays in charge


def test_parse_feed_filters_offsite_and_duplicates():
    spider, stats = _spider(feeds=f"{N}/rss.xml")
    body = f"""<rss><channel>
<item><link>{N}/a/1</link><title>One</title></item>
<item><link>http://sub.news.example/a/2</link></item>
<item><link>http://other.example/x</link></item>
<item><link>{N}/a/1?</link></item></channel></rss>""".encode()
    requests = list(spider.parse_feed(_xml(f"{N}/rss.xml", body), source="news.example"))
    assert [r.url for r in requests] == [f"{N}/a/1", "http://sub.news.example/a/2"]
    assert requests[0].cb_kwargs == {"source": "news.example", "discovery": {
        "via": "feed", "from": f"{N}/rss.xml", "title": "One", "published": None}}
    assert stats.get_value("newscrawl/discovery/offsite") == 1
    assert stats.get_value("newscrawl/discovery/duplicates") == 1
    assert stats.get_value("newscrawl/discovery/article_urls") == 2


def test_parse_sitemap_counts_errors_and_skips_error_statuses():
    spider, stats = _spider(sitemaps=f"{N}/sitemap.xml")
    assert list(spider.parse_sitemap(_xml(f"{N}/sitemap.xml", b"garbage"), source="news.example")) == []
    assert stats.get_value("newscrawl/discovery/parse_errors") == 1
    assert list(spider.parse_sitemap(_xml(f"{N}/sitemap.xml", b"", status=404),
                                     source="news.example")) == []
    assert stats.get_value("newscrawl/discovery/fetch_errors") == 1


def test_sitemap_that_is_a_feed_is_read_as_a_feed():
    spider, stats = _spider(sitemaps=f"{N}/sitemap.xml")
    body = f"<rss><channel><item><link>{N}/a/1</link></item></channel></rss>".encode()
    (request,) = spider.parse_sitemap(_xml(f"{N}/sitemap.xml", body), source="news.example")
    assert request.url == f"{N}/a/1" and request.cb_kwargs["discovery"]["via"] == "feed"
    assert stats.get_value("newscrawl/discovery/feeds") == 1


def test_parse_article_yields_raw_page_item_even_for_gone_pages():
    from scrapy.http import HtmlResponse, Response

    from newscrawl.crawl.items import PageItem
    spider, _ = _spider(feeds=f"{N}/rss.xml")
    info = {"via": "feed", "from": f"{N}/rss.xml", "title": "T", "published": None}
    raw = "<p>Caf\u00e9</p>".encode("cp1252")
    (item,) = spider.parse_article(HtmlResponse(
        url=f"{N}/a/1", body=raw, headers={"Content-Type": "text/html; charset=windows-1252",
                                           "X-Two": ["a", "b"]}), source="S", discovery=info)
    assert isinstance(item, PageItem)
    assert item.body == raw and item.status == 200 and item.source == "S"
    assert item.headers["content-type"] == "text/html; charset=windows-1252"
    assert item.headers["x-two"] == "a, b"
    assert item.fetched_at.tzinfo is not None and item.discovery == info
    (gone,) = spider.parse_article(Response(url=f"{N}/a/2", status=410), source="S", discovery=info)
    assert gone.status == 410 and gone.body == b""
