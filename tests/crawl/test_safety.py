"""Where the crawl may go, over real HTTP: redirects stay on the source, private addresses refused.

The site is served by :class:`~newscrawl.testing.LoopbackSiteServer` as an HTTP proxy for
``news.example``; a second real server on another port of 127.0.0.1 plays the place a hostile
page points at (the crawler host's own services, a metadata endpoint). ``no_proxy=127.0.0.1``
sends requests for it straight there, as they would go without a proxy.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from newscrawl.crawl import settings as project_settings
from newscrawl.crawl.replay import save_case
from newscrawl.crawl.safety import is_public_address, mask_credentials
from newscrawl.store.models import Fetch, Version
from newscrawl.testing import LoopbackSiteServer

from evaluation import newsroom
from .test_incremental import Store, stat

REPO = Path(__file__).resolve().parents[2]
N = "http://news.example"
H_HTML = {"Content-Type": "text/html; charset=utf-8"}
SECRET = "The vault combination is kept in the cellar of the old mill"


class Target:
    """A real HTTP server on a random port that records what it was asked and answers an article."""

    def __init__(self) -> None:
        paths = self.paths = []
        title, paragraphs = list(newsroom.LATER.values())[0]
        body = newsroom.page(title, [SECRET + ", the keeper said.", *paragraphs])

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server naming)
                paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Target:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def run(tmp_path: Path, sources: Path, database_url: str, *settings: str,
        proxy: str | None = None, bypass: str | None = None) -> str:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sources={sources}",
           "-s", f"NEWSCRAWL_DATABASE_URL={database_url}", "-s", f"NEWSCRAWL_LOCK_DIR={tmp_path / 'locks'}",
           "-s", f"NEWSCRAWL_SPOOL_DIR={tmp_path / 'spool'}", "-s", "AUTOTHROTTLE_ENABLED=False",
           "-s", "DOWNLOAD_DELAY=0", "-s", "NEWSCRAWL_RETRY_BACKOFF_BASE=0.1"]
    for setting in settings:
        cmd += ["-s", setting]
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
           and not k.startswith("NEWSCRAWL_")}
    if proxy:
        env["http_proxy"] = proxy
    if bypass:
        env["no_proxy"] = bypass
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    log = proc.stdout + proc.stderr
    (tmp_path / f"crawl-{len(list(tmp_path.glob('crawl-*.log')))}.log").write_text(log)
    assert proc.returncode == 0, log[-6000:]
    assert "Traceback" not in log, log[-6000:]
    return log


def reasons(store: Store) -> dict[str, tuple[str, str | None]]:
    """(outcome, reason) of the latest fetch per requested URL."""
    out = {}
    for url, requested, outcome, reason in store.rows(
            select(Fetch.url, Fetch.requested_url, Fetch.outcome, Fetch.reason).order_by(Fetch.id)):
        out[requested or url] = (outcome, reason)
    return out


def stored_texts(store: Store) -> str:
    return "\n".join(t or "" for (t,) in store.rows(select(Version.body)))


def write_sources(root: Path, name: str, feed: str, domains: list[str] | None = None) -> Path:
    toml = root / "sources.toml"
    extra = f"domains = {domains!r}\n".replace("'", '"') if domains else ""
    toml.write_text(f'[[sources]]\nname = "{name}"\nfeeds = ["{feed}"]\n{extra}', encoding="utf-8")
    return toml


def article(n: int, extra_head: str = "") -> bytes:
    """The ``n``-th article of the Harbour Gazette, with ``extra_head`` in its <head>."""
    body = newsroom.page(*list(newsroom.ARTICLES.values())[n])
    return body.replace(b"<head>", b"<head>" + extra_head.encode(), 1)


def test_the_address_rule():
    refused = ["127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254",
               "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "fc00::1",
               "fd00:ec2::254", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::1", "::"]
    allowed = ["93.184.215.14", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
    for text in refused:
        assert not is_public_address(ipaddress.ip_address(text)), text
    for text in allowed:
        assert is_public_address(ipaddress.ip_address(text)), text


def test_passwords_in_urls_are_masked():
    line = "Crawled (200) <GET http://reader:s3cret@news.example/rss.xml> (referer: None)"
    assert mask_credentials(line) == "Crawled (200) <GET http://reader:***@news.example/rss.xml> (referer: None)"
    assert mask_credentials("http://news.example/a?x=1@2") == "http://news.example/a?x=1@2"
    assert mask_credentials("mailto and ratio 3:4@home") == "mailto and ratio 3:4@home"


@pytest.mark.crawl
def test_redirects_and_refreshes_off_the_source_are_refused_and_recorded(tmp_path):
    sites = tmp_path / "sites"
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store(database_url)
    with Target() as target:
        elsewhere = f"http://127.0.0.1:{target.port}"
        slugs = ("fine", "moved", "refresh", "moved-home")
        items = "".join(f"<item><link>{N}/a/{s}</link></item>" for s in slugs)
        save_case(sites, f"{N}/rss.xml", f"<rss><channel>{items}</channel></rss>".encode(),
                  headers={"Content-Type": "application/rss+xml"})
        save_case(sites, f"{N}/a/fine", article(0), headers=H_HTML)
        save_case(sites, f"{N}/a/refresh", article(
            1, f'<meta http-equiv="refresh" content="0; url={elsewhere}/memo-2">'),
            headers=H_HTML)
        save_case(sites, f"{N}/a/home", article(2), headers=H_HTML)
        sources = write_sources(tmp_path, "News", f"{N}/rss.xml")
        with LoopbackSiteServer(sites) as server:
            server.fault(f"{N}/a/moved", "redirect", to=f"{elsewhere}/memo-1")
            server.fault(f"{N}/a/moved-home", "redirect", to=f"{N}/a/home")  # on-site: followed
            # Private addresses allowed: only the redirect rule stands between the crawl and
            # the target.
            log = run(tmp_path, sources, database_url, "NEWSCRAWL_ALLOW_PRIVATE_ADDRESSES=True",
                      proxy=server.proxy_url, bypass="127.0.0.1")

    assert target.paths == [], log[-4000:]
    assert SECRET not in stored_texts(store)
    got = reasons(store)
    assert got[f"{N}/a/moved"] == ("failed", "offsite_redirect:127.0.0.1")
    assert got[f"{N}/a/refresh"] == ("failed", "offsite_refresh:127.0.0.1")
    assert got[f"{N}/a/fine"] == ("stored_new_story", None)
    assert got[f"{N}/a/moved-home"] == ("stored_new_story", None)
    assert stat(log, "newscrawl/safety/offsite_redirect") == 1
    assert stat(log, "newscrawl/safety/offsite_refresh") == 1


@pytest.mark.crawl
def test_private_address_literals_are_refused_and_recorded(tmp_path):
    """A source whose domains name private addresses (or a feed listing them) gets nothing from them."""
    sites = tmp_path / "sites"
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store(database_url)
    hosts = {"metadata": "http://169.254.169.254", "loopback": "http://127.0.0.1",
             "private": "http://10.1.2.3"}
    items = "".join(f"<item><link>{h}/latest/{name}</link></item>" for name, h in hosts.items())
    save_case(sites, f"{N}/rss.xml", f"<rss><channel>{items}</channel></rss>".encode(),
              headers={"Content-Type": "application/rss+xml"})
    for i, (name, host) in enumerate(hosts.items()):
        save_case(sites, f"{host}/latest/{name}", article(i), headers=H_HTML)
    domains = ["169.254.169.254", "127.0.0.1", "10.1.2.3"]
    sources = write_sources(tmp_path, "News", f"{N}/rss.xml", domains)
    with LoopbackSiteServer(sites) as server:
        # Every request goes through the proxy, which would answer all of them.
        log = run(tmp_path, sources, database_url, proxy=server.proxy_url)
        asked = [u for u in server.requests if "/latest/" in u]

    assert asked == [], log[-4000:]
    got = reasons(store)
    assert got["http://169.254.169.254/latest/metadata"] == ("failed", "blocked_address:169.254.169.254")
    assert got["http://127.0.0.1/latest/loopback"] == ("failed", "blocked_address:127.0.0.1")
    assert got["http://10.1.2.3/latest/private"] == ("failed", "blocked_address:10.1.2.3")
    assert stat(log, "newscrawl/safety/blocked_address") == 3


@pytest.mark.crawl
@pytest.mark.parametrize("layer", ["middleware", "resolver only"])
def test_a_name_resolving_to_loopback_is_never_connected_to(tmp_path, layer):
    """``localhost`` resolves to 127.0.0.1: refused after resolution, by the middleware's lookup
    (recorded as blocked_address) and, with the middleware off, by the resolver at connect time."""
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    middlewares = {**project_settings.DOWNLOADER_MIDDLEWARES, "newscrawl.crawl.safety.SafetyMiddleware": None}
    settings = [] if layer == "middleware" else [f"DOWNLOADER_MIDDLEWARES={json.dumps(middlewares)}"]
    with Target() as target:
        sources = write_sources(tmp_path, "Local", f"http://localhost:{target.port}/rss.xml")
        log = run(tmp_path, sources, database_url, *settings)
        assert target.paths == [], log[-4000:]
        if layer == "middleware":
            assert stat(log, "newscrawl/safety/blocked_address") == 1
            assert "localhost is 127.0.0.1, not a public address" in log
        else:
            assert "resolves to 127.0.0.1, not a public address" in log or \
                "DNS lookup failed" in log, log[-4000:]
        # The same crawl with the opt-in reaches the server.
        run(tmp_path, sources, database_url, *settings, "NEWSCRAWL_ALLOW_PRIVATE_ADDRESSES=True")
        assert "/rss.xml" in target.paths


@pytest.mark.crawl
def test_a_password_in_a_feed_url_never_reaches_the_log(tmp_path):
    sites = tmp_path / "sites"
    save_case(sites, f"{N}/rss.xml", f"<rss><channel><item><link>{N}/a/fine</link></item>"
              "</channel></rss>".encode(), headers={"Content-Type": "application/rss+xml"})
    save_case(sites, f"{N}/a/fine", article(0), headers=H_HTML)
    sources = write_sources(tmp_path, "News", "http://reader:hunter2-secret@news.example/rss.xml")
    with LoopbackSiteServer(sites) as server:
        log = run(tmp_path, sources, f"sqlite:///{tmp_path / 'store.db'}", "LOG_LEVEL=DEBUG",
                  proxy=server.proxy_url)
    assert "reader:***@news.example/rss.xml" in log  # the URL is logged, masked
    assert "hunter2-secret" not in log
