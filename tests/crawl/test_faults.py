"""Faults over real HTTP: every one handled, counted, and recorded in ``fetches`` with its reason.

One crawl of ``faulty.example`` (served by :class:`~newscrawl.testing.LoopbackSiteServer` with
its fault injection) into a real store, then a second run to check what the incremental crawl
retries (failures) and what it leaves alone (gone pages, PDFs, images, binaries).
"""

from __future__ import annotations

import gzip
from collections import Counter

import pytest
from sqlalchemy import select

from newscrawl.crawl.faults import failure_reason, is_non_article_type, retry_delay
from newscrawl.crawl.replay import save_case
from newscrawl.store.models import Fetch
from newscrawl.testing import LoopbackSiteServer

from evaluation import newsroom
from .test_incremental import Store, crawl, stat

F = "http://faulty.example"
H_HTML = {"Content-Type": "text/html; charset=utf-8"}

# Article slug -> (outcome, reason) the store must record after the first crawl.
EXPECTED = {
    "fine": ("stored_new_story", None),
    "flaky": ("stored_new_story", None),  # 503 once, then served: a retry got it
    "dead": ("failed", "http_status_503"),  # 503 on every try
    "slow": ("failed", "timeout"),
    "gone": ("skipped", "http_status_410"),
    "missing": ("skipped", "http_status_404"),
    "report.pdf": ("skipped", "content_type:application/pdf"),
    "photo": ("skipped", "content_type:image/jpeg"),
    "binary": ("skipped", None),  # sniffed: reason starts with not_text
    "huge": ("failed", "oversize"),
    "huge-gzip": ("failed", "oversize"),  # small on the wire, too big once decompressed
    "loop": ("failed", "redirect_loop"),
    "bad-gzip": ("failed", "bad_content_encoding"),
    "truncated": ("failed", "data_loss"),
    "from-broken-feed": ("stored_new_story", None),
}
GONE = {"gone", "missing", "report.pdf", "photo", "binary"}
# Failed, but a retry would only download DOWNLOAD_MAXSIZE again: revisited like gone pages.
OVERSIZE = {"huge", "huge-gzip"}
MAXSIZE = 60_000


def art(slug: str) -> str:
    return f"{F}/a/{slug}"


def build_faulty_site(root):
    sites = root / "sites"
    items = "".join(f"<item><link>{art(s)}</link></item>" for s in EXPECTED
                    if s != "from-broken-feed")
    save_case(sites, f"{F}/rss.xml", f"<rss><channel>{items}</channel></rss>".encode(),
              headers={"Content-Type": "application/rss+xml"})
    # A feed cut off mid-document: the item before the cut is still found.
    save_case(sites, f"{F}/broken.xml",
              f"<?xml version='1.0'?><rss><channel><item><link>{art('from-broken-feed')}</link>"
              f"</item><item><link>{F}/a/cut".encode(), headers={"Content-Type": "application/xml"})
    save_case(sites, f"{F}/sitemap.xml", b"<urlset><url><loc>\x00\xff garbage",
              headers={"Content-Type": "application/xml"})
    save_case(sites, f"{F}/sitemap-empty.xml", b"", headers={"Content-Type": "application/xml"})
    texts = list(newsroom.ARTICLES.values()) + list(newsroom.LATER.values())
    for slug, (title, paragraphs) in zip(("fine", "flaky", "dead", "slow", "loop", "bad-gzip",
                                          "truncated", "from-broken-feed"), texts, strict=False):
        save_case(sites, art(slug), newsroom.page(title, paragraphs), headers=H_HTML)
    save_case(sites, art("gone"), b"gone for good", status=410, headers={"Content-Type": "text/plain"})
    save_case(sites, art("report.pdf"), b"%PDF-1.7\n" + bytes(range(256)) * 400,
              headers={"Content-Type": "application/pdf"})
    save_case(sites, art("photo"), b"\xff\xd8\xff\xe0" + bytes(range(256)) * 400,
              headers={"Content-Type": "image/jpeg"})
    # Labelled HTML, but a PNG: only sniffing the bytes can tell.
    save_case(sites, art("binary"), b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
              headers={"Content-Type": "text/html"})
    filler = "<p>" + "padding words for a page far too large to be an article " * 30 + "</p>\n"
    huge = ("<html><body>" + filler * (MAXSIZE // len(filler) * 2) + "</body></html>").encode()
    save_case(sites, art("huge"), huge, headers=H_HTML)
    save_case(sites, art("huge-gzip"), gzip.compress(huge * 4),
              headers={**H_HTML, "Content-Encoding": "gzip"})
    toml = root / "sources.toml"
    toml.write_text(f'[[sources]]\nname = "Faulty"\nfeeds = ["{F}/rss.xml", "{F}/broken.xml"]\n'
                    f'sitemaps = ["{F}/sitemap.xml", "{F}/sitemap-empty.xml"]\n', encoding="utf-8")
    return toml


def outcomes(store: Store) -> dict[str, tuple[str, str | None]]:
    """Latest (outcome, reason) per article slug, by the URL the crawler asked for."""
    out = {}
    for url, requested, outcome, reason in store.rows(
            select(Fetch.url, Fetch.requested_url, Fetch.outcome, Fetch.reason).order_by(Fetch.id)):
        out[(requested or url).removeprefix(f"{F}/a/")] = (outcome, reason)
    return out


@pytest.mark.crawl
def test_every_fault_is_handled_and_recorded(tmp_path, database_url):
    sources = build_faulty_site(tmp_path / "site")
    store = Store(database_url)
    # Three seconds, not one: a loaded machine (CI beside other work) may take over a second to
    # answer a page that is not meant to time out.
    settings = ("DOWNLOAD_TIMEOUT=3", f"DOWNLOAD_MAXSIZE={MAXSIZE}", "DOWNLOAD_WARNSIZE=0",
                "NEWSCRAWL_RETRY_BACKOFF_BASE=0.1", "REDIRECT_MAX_TIMES=5")
    with LoopbackSiteServer(tmp_path / "site" / "sites") as server:
        # One failure, not two: Twisted may resend a request once on a fresh connection when a
        # kept-alive one was closed under it, which would spend a retry.
        server.fault(art("flaky"), "fail_first", times=1, status=503)
        server.fault(art("dead"), "fail_first", times=99, status=503)
        # Longer than all three tries together: a late answer on a connection the client pooled
        # again could otherwise be read as the answer to a retry.
        server.fault(art("slow"), "delay", seconds=30)
        server.fault(art("loop"), "redirect", to=f"{F}/a/loop-b")
        server.fault(f"{F}/a/loop-b", "redirect", to=art("loop"))
        server.fault(art("bad-gzip"), "bad_gzip")
        server.fault(art("truncated"), "truncate")

        log = crawl(tmp_path, sources, database_url, server.proxy_url, *settings)
        got = outcomes(store)
        for slug, (outcome, reason) in EXPECTED.items():
            assert slug in got, (slug, sorted(got))
            if slug == "binary":
                assert got[slug][0] == "skipped" and got[slug][1].startswith("not_text"), got[slug]
            else:
                assert got[slug] == (outcome, reason), (slug, log[-3000:])
        requests = Counter(server.requests)
        assert all("\ufffd" not in u and "%EF%BF%BD" not in u for u in requests)  # junk sitemap
        # Retried (RETRY_TIMES=2); exact counts vary with the client's connection reuse.
        assert requests[art("flaky")] >= 2 and requests[art("dead")] >= 2
        assert stat(log, "newscrawl/fetch/stopped_non_article") == 2  # the PDF and the JPEG
        assert stat(log, "newscrawl/fetch/retry_backoff") >= 3
        assert stat(log, "newscrawl/discovery/parse_errors") == 3  # broken feed, 2 sitemaps
        for reason in ("http_status_503", "timeout", "oversize", "redirect_loop",
                       "bad_content_encoding", "data_loss"):
            assert stat(log, f"newscrawl/fetch/failed/{reason}"), reason
        assert "Summary (finished" in log

        # Next run, everything due: failures are tried again; gone pages, non-HTML and
        # oversize pages are not.
        server.clear_log()
        log = crawl(tmp_path, sources, database_url, server.proxy_url, *settings,
                    "NEWSCRAWL_REVISIT_AFTER=0")
        requested = {u.removeprefix(f"{F}/a/") for u in server.requests if u.startswith(f"{F}/a/")}
        assert not requested & GONE
        assert not requested & OVERSIZE
        assert {"dead", "slow", "loop", "bad-gzip", "truncated", "fine"} <= requested
        assert stat(log, "newscrawl/incremental/gone") >= len(GONE | OVERSIZE)


def test_failure_reasons_of_scrapy_exceptions():
    from scrapy.exceptions import (
        DownloadCancelledError,
        DownloadTimeoutError,
        IgnoreRequest,
        ResponseDataLossError,
    )
    from twisted.python.failure import Failure

    from newscrawl.crawl.incremental import NotDue

    def reason(exc):
        return failure_reason(Failure(exc))

    assert reason(DownloadTimeoutError("took longer")) == "timeout"
    assert reason(ResponseDataLossError()) == "data_loss"
    assert reason(DownloadCancelledError("Expected to receive 9 bytes which is larger than "
                                         "download max size (5)")) == "oversize"
    assert reason(IgnoreRequest("max redirections reached")) == "redirect_loop"
    assert reason(IgnoreRequest("Forbidden by robots.txt")) == "robots_forbidden"
    assert reason(NotDue("not_due", "http://x")) == "not_due"
    assert reason(gzip.BadGzipFile("Not a gzipped file")) == "bad_content_encoding"
    assert reason(KeyError("x")) == "error:KeyError"


def test_non_article_types_and_backoff():
    assert is_non_article_type("application/pdf") and is_non_article_type(b"image/png; q=1")
    assert not is_non_article_type("text/html") and not is_non_article_type(None)
    assert not is_non_article_type("application/octet-stream")  # sniffed instead
    assert [retry_delay(n, 2.0, 60.0) for n in (1, 2, 3, 6)] == [2.0, 4.0, 8.0, 60.0]
    assert retry_delay(1, 2.0, 60.0, retry_after=30) == 30.0
    assert retry_delay(1, 2.0, 60.0, retry_after=3600) == 60.0


@pytest.mark.crawl
def test_retry_after_beyond_the_longest_pause_gives_up_at_once(tmp_path, database_url):
    """A Retry-After past NEWSCRAWL_RETRY_BACKOFF_MAX (seconds or an HTTP date) spends no retry;
    one within it is still waited for and retried."""
    import email.utils
    import time

    slugs = ("far-seconds", "far-date", "near", "near-dead")
    sites = tmp_path / "site" / "sites"
    items = "".join(f"<item><link>{art(s)}</link></item>" for s in slugs)
    save_case(sites, f"{F}/rss.xml", f"<rss><channel>{items}</channel></rss>".encode(),
              headers={"Content-Type": "application/rss+xml"})
    texts = list(newsroom.ARTICLES.values())
    for slug, (title, paragraphs) in zip(slugs, texts, strict=False):
        save_case(sites, art(slug), newsroom.page(title, paragraphs), headers=H_HTML)
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[sources]]\nname = "Faulty"\nfeeds = ["{F}/rss.xml"]\n', encoding="utf-8")
    store = Store(database_url)
    with LoopbackSiteServer(sites) as server:
        server.fault(art("far-seconds"), "fail_first", times=99, status=429, retry_after="3600")
        server.fault(art("far-date"), "fail_first", times=99, status=503,
                     retry_after=email.utils.formatdate(time.time() + 3600, usegmt=True))
        server.fault(art("near"), "fail_first", times=1, status=429, retry_after="1")
        server.fault(art("near-dead"), "fail_first", times=99, status=503, retry_after="1")
        log = crawl(tmp_path, sources, database_url, server.proxy_url,
                    "NEWSCRAWL_RETRY_BACKOFF_BASE=0.1", "NEWSCRAWL_RETRY_BACKOFF_MAX=2",
                    "RETRY_TIMES=3")
        got = outcomes(store)
        assert got["far-seconds"] == ("failed", "http_status_429"), log[-3000:]
        assert got["far-date"] == ("failed", "http_status_503"), log[-3000:]
        assert got["near"] == ("stored_new_story", None), log[-3000:]
        assert got["near-dead"] == ("failed", "http_status_503"), log[-3000:]
        requests = Counter(server.requests)
        # Four tries each without the rule (RETRY_TIMES=3); at most one resend of the first
        # (a kept-alive connection closed under the client) is tolerated.
        assert requests[art("far-seconds")] <= 2 and requests[art("far-date")] <= 2, requests
        assert requests[art("near-dead")] >= 4, requests
        assert stat(log, "newscrawl/fetch/retry_after_too_far") == 2
        # The Retry-After within the limit was waited for before the retry.
        near = [e.arrived_at for e in server.exchanges if e.url == art("near")]
        assert len(near) >= 2 and near[-1] - near[0] >= 0.9, near


def gzip_bomb(head: bytes, inflated: int) -> bytes:
    """``head``, then comment lines up to ``inflated`` bytes, gzip-compressed (a few hundred KiB)."""
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = (b"# " + b"x" * 97 + b"\n") * 10_000
    parts = [packer.compress(head)]
    parts += [packer.compress(block) for _ in range(inflated // len(block))]
    return b"".join(parts) + packer.flush()


@pytest.mark.crawl
def test_compressed_article_cut_off_and_robots_txt_gzip_bomb(tmp_path, database_url):
    """An article whose gzip or br stream stops before its end (the transport complete: the
    server sent all it announced) fails as ``truncated_content_encoding`` instead of being
    stored as its first part; a gzip robots.txt that inflates to 100 MB is read only up to
    NEWSCRAWL_ROBOTSTXT_MAXSIZE, and its rules apply (past DOWNLOAD_MAXSIZE it meant "allow
    all")."""
    try:
        import brotli
    except ImportError:
        import brotlicffi as brotli

    slugs = ("cut-gzip", "cut-br", "whole-gzip", "forbidden")
    sites = tmp_path / "site" / "sites"
    items = "".join(f"<item><link>{art(s)}</link></item>" for s in slugs)
    save_case(sites, f"{F}/rss.xml", f"<rss><channel>{items}</channel></rss>".encode(),
              headers={"Content-Type": "application/rss+xml"})
    pages = {slug: newsroom.page(title, paragraphs) for slug, (title, paragraphs)
             in zip(slugs, newsroom.ARTICLES.values(), strict=False)}
    for slug, body, coding in (("cut-gzip", gzip.compress(pages["cut-gzip"])[:-40], "gzip"),
                               ("cut-br", brotli.compress(pages["cut-br"])[:-40], "br"),
                               ("whole-gzip", gzip.compress(pages["whole-gzip"]), "gzip"),
                               ("forbidden", pages["forbidden"], None)):
        save_case(sites, art(slug), body,
                  headers={**H_HTML, **({"Content-Encoding": coding} if coding else {})})
    save_case(sites, f"{F}/robots.txt",
              gzip_bomb(b"User-agent: *\nDisallow: /a/forbidden\n", 100 * 2**20),
              headers={"Content-Type": "text/plain", "Content-Encoding": "gzip"})
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[sources]]\nname = "Faulty"\nfeeds = ["{F}/rss.xml"]\n', encoding="utf-8")
    store = Store(database_url)
    with LoopbackSiteServer(sites) as server:
        log = crawl(tmp_path, sources, database_url, server.proxy_url, "RETRY_TIMES=0")
        asked = {u.removeprefix(f"{F}/a/") for u in server.requests if u.startswith(f"{F}/a/")}
    got = outcomes(store)
    assert got["cut-gzip"] == ("failed", "truncated_content_encoding"), log[-3000:]
    assert got["cut-br"] == ("failed", "truncated_content_encoding"), log[-3000:]
    assert got["whole-gzip"] == ("stored_new_story", None), log[-3000:]
    assert stat(log, "newscrawl/fetch/failed/truncated_content_encoding") == 2
    assert "forbidden" not in asked, log[-3000:]
    assert stat(log, "newscrawl/robotstxt/cut") == 1


@pytest.mark.crawl
def test_a_header_block_or_chunked_body_without_end(tmp_path, database_url):
    """A server that sends header lines without end fails the download once the status line
    and headers pass 256 KiB, instead of filling the crawler's memory until the timeout; a 1xx
    answer before the real one, and ordinary answers, are read as before. A chunked body
    without end fails as ``oversize`` at DOWNLOAD_MAXSIZE (not ``cancelled``, which is
    retried every run)."""
    from tests.e2e.test_commands import RawServer

    def endless_headers(conn) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        n = 0
        while True:
            conn.sendall(b"".join(b"X-Filler-%d: %s\r\n" % (n + k, b"v" * 50) for k in range(1000)))
            n += 1000

    def endless_chunks(conn) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"<p>" + b"a" * 16_000 + b"</p>"
        while True:
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    def answer(body: bytes, content_type: str = "text/html; charset=utf-8") -> bytes:
        return (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                f"Connection: close\r\n\r\n").encode() + body

    texts = list(newsroom.ARTICLES.values())
    routes = {"/robots.txt": b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
              "/a/endless-headers": endless_headers,
              "/a/endless-chunks": endless_chunks,
              "/a/fine": answer(newsroom.page(*texts[0])),
              "/a/after-continue": b"HTTP/1.1 100 Continue\r\n\r\n" + answer(newsroom.page(*texts[1]))}
    with RawServer(routes) as server:
        items = "".join(f"<item><link>{server.url}{p}</link></item>" for p in routes
                        if p.startswith("/a/"))
        routes["/rss.xml"] = answer(f"<rss><channel>{items}</channel></rss>".encode(),
                                    "application/rss+xml")
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[sources]]\nname = "Endless"\nfeeds = ["{server.url}/rss.xml"]\n',
                           encoding="utf-8")
        log = crawl(tmp_path, sources, database_url, None, "RETRY_TIMES=0", "DOWNLOAD_TIMEOUT=20",
                    "DOWNLOAD_MAXSIZE=300000", "DOWNLOAD_WARNSIZE=0")
    got = {url.removeprefix(server.url): (outcome, reason) for url, outcome, reason
           in Store(database_url).rows(select(Fetch.url, Fetch.outcome, Fetch.reason))}
    assert got["/a/endless-headers"] == ("failed", "download_failed"), log[-3000:]
    assert "header block larger than 262144 bytes" in log
    assert got["/a/endless-chunks"] == ("failed", "oversize"), log[-3000:]
    assert got["/a/fine"] == ("stored_new_story", None), log[-3000:]
    assert got["/a/after-continue"] == ("stored_new_story", None), log[-3000:]
