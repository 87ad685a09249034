"""A mis-framed response on a kept-alive connection, over a real socket: what is stored says so.

The server is a raw TCP server on a random port (the crawl's HTTP proxy for ``news.example``, as
a shared front end would be). It answers the feed with a ``Content-Length`` shorter than what it
sends: the surplus is a whole second response, an article of another site (its canonical URL
on ``wire.example``), and it reaches the crawler after the crawler's next request on that
connection -- so the crawler reads it as the answer to that request. Twisted's HTTP/1.1 client
drops surplus bytes that arrive with the response and closes a connection that receives bytes
while idle, but bytes arriving after the next request was sent are that request's response to
any HTTP/1.1 client. What newscrawl promises is that such a page is never a version under the
requested URL without the ``canonical_elsewhere`` repair naming the other site.
"""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from newscrawl.store.models import Fetch, Version

from evaluation import newsroom
from .test_incremental import Store
from .test_safety import run, write_sources

N = "http://news.example"
ARTICLES = list(newsroom.ARTICLES.values())
SMUGGLED_TITLE, _ = ARTICLES[2]


def _with_canonical(page: bytes, url: str) -> bytes:
    return page.replace(b"<head>", f'<head><link rel="canonical" href="{url}">'.encode(), 1)


def response(body: bytes, ctype: str = "text/html; charset=utf-8", status: str = "200 OK") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
            .encode() + body)


class MisframingServer:
    """A keep-alive HTTP/1.1 server on a raw socket whose feed response is mis-framed."""

    def __init__(self, surplus_with_response: bool = False) -> None:
        #: True: the surplus goes out in the same write as the feed response; False: it is held
        #: until the next request arrives on that connection.
        self.surplus_with_response = surplus_with_response
        self.pages = {
            "/a/first": newsroom.page(*ARTICLES[0]),
            "/a/second": newsroom.page(*ARTICLES[1]),
        }
        items = "".join(f"<item><link>{N}{path}</link></item>" for path in self.pages)
        self.feed = f"<rss><channel>{items}</channel></rss>".encode()
        self.smuggled = response(_with_canonical(newsroom.page(*ARTICLES[2]), "https://wire.example/stories/3"))
        self.requests: list[str] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.closing = False
        self.connections = 0

    def __enter__(self) -> MisframingServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.closing = True
        self.sock.close()

    def _accept(self) -> None:
        while not self.closing:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffered, surplus = b"", b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buffered:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffered += data
                head, buffered = buffered.split(b"\r\n\r\n", 1)
                path = urlsplit(head.split(b" ")[1].decode()).path
                self.requests.append(path)
                # What the last response sent past its Content-Length arrives now, ahead of the
                # answer to this request.
                out, surplus = surplus, b""
                if path == "/rss.xml":
                    out += response(self.feed, "application/rss+xml")
                    surplus = self.smuggled
                    if self.surplus_with_response:
                        out, surplus = out + surplus, b""
                elif path in self.pages:
                    out += response(self.pages[path])
                else:
                    out += response(b"not here", "text/plain", "404 Not Found")
                conn.sendall(out)


@pytest.mark.crawl
def test_a_smuggled_response_is_never_stored_unflagged_under_the_requested_url(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store(database_url)
    sources = write_sources(tmp_path, "News", f"{N}/rss.xml")
    with MisframingServer() as server:
        log = run(tmp_path, sources, database_url, "NEWSCRAWL_ALLOW_PRIVATE_ADDRESSES=True",
                  "CONCURRENT_REQUESTS_PER_DOMAIN=1", proxy=f"http://127.0.0.1:{server.port}")

    assert "/a/first" in server.requests and "/a/second" in server.requests, log[-4000:]
    versions = store.rows(select(Version.url, Version.title, Version.repairs))
    flagged = {url: [r for r in repairs if r["kind"] == "canonical_elsewhere"] for url, _, repairs in versions}
    by_title = {title: url for url, title, _ in versions}
    # The surplus was taken as the answer to the next article request: the trap worked...
    assert SMUGGLED_TITLE in by_title, (versions, log[-4000:])
    # ...and what is stored under that URL says the page belongs to another site.
    assert by_title[SMUGGLED_TITLE] in (f"{N}/a/first", f"{N}/a/second")
    assert [r["examples"] for r in flagged[by_title[SMUGGLED_TITLE]]] == [["wire.example"]]
    # The other article is its own site's page and carries no flag.
    (other,) = [url for title, url in by_title.items() if title != SMUGGLED_TITLE]
    assert flagged[other] == []
    outcomes = dict(store.rows(select(Fetch.url, Fetch.outcome)))
    assert outcomes[by_title[SMUGGLED_TITLE]].startswith("stored"), outcomes


@pytest.mark.crawl
def test_surplus_bytes_that_come_with_a_response_are_dropped(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store(database_url)
    sources = write_sources(tmp_path, "News", f"{N}/rss.xml")
    with MisframingServer(surplus_with_response=True) as server:
        log = run(tmp_path, sources, database_url, "NEWSCRAWL_ALLOW_PRIVATE_ADDRESSES=True",
                  "CONCURRENT_REQUESTS_PER_DOMAIN=1", proxy=f"http://127.0.0.1:{server.port}")
    titles = {title: repairs for title, repairs in store.rows(select(Version.title, Version.repairs))}
    assert set(titles) == {ARTICLES[0][0], ARTICLES[1][0]}, log[-4000:]
    assert not any(r["kind"] == "canonical_elsewhere" for repairs in titles.values() for r in repairs)


@pytest.mark.crawl
def test_with_connection_close_a_smuggled_response_answers_no_request(tmp_path):
    """NEWSCRAWL_CONNECTION_CLOSE: each request on a connection of its own (the server here
    ignores ``Connection: close`` and would go on), so the surplus is never read."""
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store(database_url)
    sources = write_sources(tmp_path, "News", f"{N}/rss.xml")
    with MisframingServer() as server:
        log = run(tmp_path, sources, database_url, "NEWSCRAWL_ALLOW_PRIVATE_ADDRESSES=True",
                  "CONCURRENT_REQUESTS_PER_DOMAIN=1", "NEWSCRAWL_CONNECTION_CLOSE=True",
                  proxy=f"http://127.0.0.1:{server.port}")
    assert "/a/first" in server.requests and "/a/second" in server.requests, log[-4000:]
    assert server.connections == len(server.requests)  # one request per connection
    titles = {url: title for url, title in store.rows(select(Version.url, Version.title))}
    assert titles == {f"{N}/a/first": ARTICLES[0][0], f"{N}/a/second": ARTICLES[1][0]}
