"""A site on an explicit port, crawled directly (no proxy), the way a real deployment sees it.

The other crawl tests reach fixture hosts (``gazette.example``) through the loopback server
acting as a proxy, so every URL has the default port. Here the feed, robots.txt, sitemap and
articles live at ``http://127.0.0.1:PORT/...`` and ``scrapy crawl news`` connects to that
address itself: the source's allowed domains must match ``host:port`` URLs, and another port
on the same host is another site unless the source names it under ``domains``.
"""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from newscrawl.store.models import Fetch, Version
from newscrawl.testing import LoopbackSiteServer

from evaluation.newsroom import ARTICLES, H_HTML, H_XML, LATER, page
from .test_incremental import Store, crawl, stat


def _feed(base: str, urls: dict[str, str]) -> bytes:
    items = "".join(f"<item><title>{html.escape(title)}</title><link>{url}</link>"
                    f"<pubDate>Sat, 10 Jan 2026 08:00:00 GMT</pubDate></item>\n"
                    for url, title in urls.items())
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Port Gazette</title>"
            f"<link>{base}/</link>\n{items}</channel></rss>").encode()


def _sitemap(urls: list[str]) -> bytes:
    locs = "".join(f"<url><loc>{u}</loc><lastmod>2026-01-10</lastmod></url>\n" for u in urls)
    return ("<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>\n"
            f"{locs}</urlset>").encode()


def _serve(server: LoopbackSiteServer, slug: str, story: tuple[str, list[str]]) -> str:
    url = f"{server.base_url}/news/{slug}"
    server.put(url, page(*story), headers=H_HTML)
    return url


@pytest.mark.crawl
def test_site_on_an_explicit_port_is_crawled_and_other_ports_stay_off_site(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    (tmp_path / "empty").mkdir()
    with LoopbackSiteServer(tmp_path / "empty") as site, \
            LoopbackSiteServer(tmp_path / "empty") as named, \
            LoopbackSiteServer(tmp_path / "empty") as other:
        base = site.base_url  # http://127.0.0.1:PORT, served directly (Host: 127.0.0.1:PORT)
        slugs = list(ARTICLES)
        in_feed = {_serve(site, s, ARTICLES[s]): ARTICLES[s][0] for s in slugs[:3]}
        in_sitemap = [_serve(site, s, ARTICLES[s]) for s in slugs[3:]]
        # Same host, other ports: one the source names under `domains`, one it does not.
        named_url = _serve(named, "lighthouse-keeper", LATER["lighthouse-keeper"])
        other_url = _serve(other, "cycle-path", LATER["cycle-path"])
        in_feed[named_url] = LATER["lighthouse-keeper"][0]
        in_feed[other_url] = LATER["cycle-path"][0]
        site.put(f"{base}/rss.xml", _feed(base, in_feed),
                 headers={"Content-Type": "application/rss+xml"})
        site.put(f"{base}/robots.txt", f"User-agent: *\nSitemap: {base}/sitemap.xml\n".encode(),
                 headers={"Content-Type": "text/plain"})
        site.put(f"{base}/sitemap.xml", _sitemap(in_sitemap), headers=H_XML)
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[sources]]\nname = "Port Gazette"\nfeeds = ["{base}/rss.xml"]\n'
                           f'sitemaps = ["{base}/robots.txt"]\n'
                           f'domains = ["127.0.0.1:{named.port}"]\n', encoding="utf-8")

        log = crawl(tmp_path, sources, database_url, None)

        assert f"{base}/rss.xml" in site.requests and f"{base}/sitemap.xml" in site.requests
        assert other.requests == []  # another port of the same host is another site
        assert named.requests.count(named_url) == 1
    assert stat(log, "newscrawl/discovery/article_urls") == len(ARTICLES) + 1
    assert stat(log, "newscrawl/discovery/offsite") == 1
    store = Store(database_url)
    stored = {u for (u,) in store.rows(select(Version.url))}
    assert stored == {*in_feed, *in_sitemap} - {other_url}
    assert store.scalar(select(func.count()).select_from(Fetch)) == len(ARTICLES) + 1
