"""A crawl's WARC output on a re-crawl: the 304 answers to its conditional requests are written
as ``revisit`` records (profile server-not-modified), by a real ``scrapy crawl news`` against a
loopback server that answers conditional requests with 304."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from warcio.archiveiterator import ArchiveIterator

from newscrawl.crawl.warcwriter import NOT_MODIFIED_PROFILE
from newscrawl.testing import LoopbackSiteServer
from tests.crawl.test_incremental import ARTICLES, article_exchanges, crawl, stat, url_of

from evaluation import newsroom


def records(folder):
    out = []
    for path in sorted(folder.iterdir()):
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                out.append((record.rec_type, record.rec_headers,
                            record.http_headers and record.http_headers.get_statuscode()))
    return out


def when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.crawl
def test_not_modified_answers_are_revisit_records(tmp_path):
    db = f"sqlite:///{tmp_path / 'crawl.db'}"
    sources = newsroom.build_site(tmp_path / "site")
    first, second = tmp_path / "warc1", tmp_path / "warc2"
    with LoopbackSiteServer(tmp_path / "site" / "sites") as server:
        crawl(tmp_path, sources, db, server.proxy_url, f"NEWSCRAWL_WARC_DIR={first}")
        server.clear_log()
        log = crawl(tmp_path, sources, db, server.proxy_url, f"NEWSCRAWL_WARC_DIR={second}",
                    "NEWSCRAWL_REVISIT_AFTER=0")
        assert {e.status for e in article_exchanges(server)} == {304}
    articles = {url_of(slug) for slug in ARTICLES}

    captured = {head.get_header("WARC-Target-URI"): when(head.get_header("WARC-Date"))
                for kind, head, _ in records(first) if kind == "response"}
    revisits = [(head, status) for kind, head, status in records(second) if kind == "revisit"]
    assert {head.get_header("WARC-Target-URI") for head, _ in revisits} == articles
    assert stat(log, "newscrawl/warc/revisits") == len(articles)
    for head, status in revisits:
        url = head.get_header("WARC-Target-URI")
        assert status == "304"
        assert head.get_header("WARC-Profile") == NOT_MODIFIED_PROFILE
        assert head.get_header("WARC-Refers-To-Target-URI") == url
        # It refers to the time the crawl stored the capture it confirms: the first run's
        # fetch of that URL (written a moment after the response's WARC-Date).
        refers = when(head.get_header("WARC-Refers-To-Date"))
        assert captured[url] <= refers < when(head.get_header("WARC-Date"))
        assert (refers - captured[url]).total_seconds() < 60
    # No article is a response record of the second run: nothing was downloaded again.
    assert not articles & {head.get_header("WARC-Target-URI")
                           for kind, head, _ in records(second) if kind == "response"}
