"""Saved sites: loading (SavedSites), the replay downloader middleware and the loopback server."""

from __future__ import annotations

import gzip
import http.client
import json
import urllib.error
import urllib.request

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from newscrawl.crawl.replay import ReplayDownloaderMiddleware, SavedSites, save_case
from newscrawl.testing import LoopbackSiteServer

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><item><link>http://a.example/x?b=2&amp;a=1</link></item></channel></rss>'
HTML = "<html><head><title>Caf\u00e9</title></head><body>Caf\u00e9</body></html>".encode("cp1252")


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "sites"
    save_case(root, "http://a.example/rss.xml", RSS, headers={"Content-Type": "application/rss+xml"})
    save_case(root, "http://a.example/x?b=2&a=1", HTML,
              headers={"Content-Type": "text/html; charset=windows-1252", "Set-Cookie": ["a=1", "b=2"]})
    save_case(root, "http://a.example/gone", b"Gone", status=410, headers={"Content-Type": "text/plain"})
    save_case(root, "http://a.example/moved", b"", status=301, headers={"Location": "http://a.example/gone"})
    save_case(root, "http://a.example/sitemap.xml.gz", gzip.compress(b"<urlset/>"),
              headers={"Content-Type": "application/x-gzip"})
    return root


def test_saved_sites_loads_layout_and_canonicalizes(site):
    sites = SavedSites(site)
    assert len(sites) == 5
    saved = sites.get("http://a.example/x?a=1&b=2#frag")  # other query order, fragment
    assert saved is not None and saved.body == HTML and saved.status == 200
    assert saved.headers["Set-Cookie"] == ["a=1", "b=2"]
    assert "http://A.EXAMPLE/rss.xml" in sites
    assert sites.get("http://a.example/nope") is None


def test_saved_sites_duplicates_first_wins(tmp_path):
    save_case(tmp_path, "http://a.example/s", b"v1", case="a-v1")
    save_case(tmp_path, "http://a.example/s", b"v2", case="b-v2")
    sites = SavedSites(tmp_path)
    assert sites.get("http://a.example/s").body == b"v1"
    assert [u for u, _ in sites.duplicates] == ["http://a.example/s"]


def test_saved_sites_bad_info(tmp_path):
    (tmp_path / "h" / "c").mkdir(parents=True)
    (tmp_path / "h" / "c" / "info.json").write_text(json.dumps({"status": 200}))
    with pytest.raises(ValueError, match="info.json"):
        SavedSites(tmp_path)
    with pytest.raises(FileNotFoundError):
        SavedSites(tmp_path / "missing")


def test_middleware_off_without_setting():
    with pytest.raises(NotConfigured):
        ReplayDownloaderMiddleware.from_crawler(get_crawler(settings_dict={}))


def _middleware(site):
    crawler = get_crawler(settings_dict={"NEWSCRAWL_REPLAY_DIR": str(site)})
    crawler.stats.open_spider()
    return ReplayDownloaderMiddleware.from_crawler(crawler), crawler.stats


def test_middleware_replays_bytes_status_and_response_class(site):
    mw, stats = _middleware(site)
    feed = mw.process_request(Request("http://a.example/rss.xml"))
    assert isinstance(feed, XmlResponse) and feed.body == RSS and feed.status == 200
    page = mw.process_request(Request("http://a.example/x?a=1&b=2"))
    assert isinstance(page, HtmlResponse) and page.body == HTML
    assert page.encoding == "cp1252"  # headers were replayed, so Scrapy sees the charset
    assert page.headers.getlist("Set-Cookie") == [b"a=1", b"b=2"]
    assert page.url == "http://a.example/x?a=1&b=2"  # the URL as requested
    gone = mw.process_request(Request("http://a.example/gone"))
    assert isinstance(gone, TextResponse) and gone.status == 410
    moved = mw.process_request(Request("http://a.example/moved"))
    assert moved.status == 301 and moved.headers["Location"] == b"http://a.example/gone"
    miss = mw.process_request(Request("http://a.example/unknown"))
    assert miss.status == 404 and miss.body == b""
    assert stats.get_value("newscrawl/replay/hits") == 4
    assert stats.get_value("newscrawl/replay/misses") == 1


def _opener(proxy_url):
    return urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy_url}))


def test_loopback_server_as_proxy(site):
    with LoopbackSiteServer(site) as server:
        opener = _opener(server.proxy_url)
        with opener.open("http://a.example/rss.xml", timeout=5) as r:
            assert r.status == 200 and r.read() == RSS
            assert r.headers["Content-Type"] == "application/rss+xml"
        with opener.open("http://a.example/x?b=2&a=1", timeout=5) as r:
            assert r.read() == HTML
            assert r.headers.get_all("Set-Cookie") == ["a=1", "b=2"]
        with opener.open("http://a.example/sitemap.xml.gz", timeout=5) as r:
            assert gzip.decompress(r.read()) == b"<urlset/>"  # bytes as saved, not re-encoded
        with pytest.raises(urllib.error.HTTPError) as err:
            opener.open("http://a.example/gone", timeout=5)
        assert err.value.code == 410
        with pytest.raises(urllib.error.HTTPError) as err:
            opener.open("http://a.example/unknown", timeout=5)
        assert err.value.code == 404
        log = server.requests
    assert log == ["http://a.example/rss.xml", "http://a.example/x?b=2&a=1",
                   "http://a.example/sitemap.xml.gz", "http://a.example/gone",
                   "http://a.example/unknown"]
    assert server.requests == log  # still readable after stop


def test_loopback_server_plain_host_form(site):
    with LoopbackSiteServer(site) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        # Two requests on one keep-alive connection.
        for _ in range(2):
            conn.request("GET", "/rss.xml", headers={"Host": "a.example"})
            resp = conn.getresponse()
            assert resp.status == 200 and resp.read() == RSS
        conn.request("HEAD", "/rss.xml", headers={"Host": "a.example"})
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read() == b""
        assert resp.headers["Content-Length"] == str(len(RSS))
        conn.close()
        assert server.requests == ["http://a.example/rss.xml"] * 3


def test_saved_sites_read_from_a_warc_file(tmp_path):
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from newscrawl.crawl.replay import SavedSites

    path = tmp_path / "crawl.warc.gz"
    page = b"<html><body><p>The harbour reopened.</p></body></html>"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, body, headers in (
                ("http://site.example/a", gzip.compress(page),
                 [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                  ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]),
                ("http://site.example/robots.txt", b"User-agent: *\n",
                 [("Content-Type", "text/plain")])):
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body),
                http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")))
        writer.write_record(writer.create_warc_record(
            "http://site.example/a", "request", payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders("GET /a HTTP/1.1", [("Host", "site.example")],
                                          is_http_request=True)))
    for sites in (SavedSites(path), SavedSites(tmp_path)):  # the file, or a folder holding it
        saved = sites.get("http://site.example/a")
        assert saved.body == page and saved.status == 200
        assert "Content-Encoding" not in saved.headers and saved.headers["Set-Cookie"] == ["a=1", "b=2"]
        assert len(sites) == 2
    (tmp_path / "junk.warc.gz").write_bytes(b"\x1f\x8b\x08 not really")
    with pytest.raises(ValueError, match="junk.warc.gz: not readable as WARC"):
        SavedSites(tmp_path)
