"""A real HTTP server for saved sites, so tests can crawl over actual sockets.

:class:`LoopbackSiteServer` serves a :class:`~newscrawl.crawl.replay.SavedSites` directory from
127.0.0.1 on a free port. It acts as an **HTTP proxy**: the fixture hosts
(``http://<host>.example/...``) resolve nowhere, so the crawler is pointed at the server with
``http_proxy=http://127.0.0.1:PORT`` and sends absolute URLs in the request line
(``GET http://news.example/a HTTP/1.1``), which the server looks up. The plain form
(``GET /a`` with a ``Host`` header) works too. Unknown URLs get a 404, like a real site.

Where :class:`~newscrawl.crawl.replay.ReplayDownloaderMiddleware` short-cuts Scrapy's downloader,
this exercises all of it (HTTP client, proxy middleware, connection handling); together they
check that an offline run and a networked run crawl the same pages. Every request is logged
in :attr:`LoopbackSiteServer.requests` (URLs, on arrival) and
:attr:`LoopbackSiteServer.exchanges` (URL, request headers, status, body bytes sent, arrival
time; on answer) so tests can count fetches and bytes and measure the spacing of requests;
:attr:`LoopbackSiteServer.peak_in_flight` is the most requests each site had in progress at once
(arrived, not yet answered), the site's view of a crawler's concurrency.

Behaving like a real news site across runs:

* **Validators and conditional GET.** Every 200 answer carries an ``ETag`` (a hash of the body,
  unless the saved headers give one) and a ``Last-Modified`` (the saved header, else the time
  the server started serving that body). ``If-None-Match`` is answered 304 when an entity tag
  matches (weak comparison, ``*``); otherwise ``If-Modified-Since`` is answered 304 when the page
  has not changed since; per RFC 9110, ``If-Modified-Since`` is ignored when ``If-None-Match``
  is present. Switch off with ``validators=False`` (a server that ignores them).
* **Edits.** :meth:`LoopbackSiteServer.put` replaces or adds a page while serving (an edited
  article, a feed with new entries); its ``Last-Modified`` moves at least one second past the
  previous one, because HTTP dates have one-second resolution.
* **Faults.** :meth:`LoopbackSiteServer.fault` makes one URL misbehave: ``fail_first`` (the first
  *n* requests get a 5xx, with ``Retry-After: 0`` or the given *retry_after*), ``delay`` (answer
  after *seconds*: a timeout), ``truncate`` (announce
  more bytes than are sent, then close), ``bad_gzip`` (``Content-Encoding: gzip`` on bytes that
  are not gzip), ``redirect`` (to another URL, e.g. in a loop). Content faults (404/410, PDF,
  image, binary, oversize, malformed feeds) are simply saved responses.
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from newscrawl.crawl.replay import SavedResponse, SavedSites, url_key

__all__ = ["Exchange", "LoopbackSiteServer"]

# Framing headers are recomputed for the bytes actually sent; hop-by-hop ones never forwarded.
_SKIP_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive",
                 "proxy-connection", "upgrade"}
FAULTS = ("fail_first", "delay", "truncate", "bad_gzip", "redirect")


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request the server answered."""

    url: str
    request_headers: dict[str, str]
    status: int
    body_bytes: int  # body bytes actually sent
    #: When the request arrived (``time.monotonic()`` of the server): the site's view of the
    #: spacing between requests, whoever sent them.
    arrived_at: float = 0.0


@dataclass(slots=True)
class _Fault:
    kind: str
    params: dict
    hits: int = 0


@dataclass(slots=True)
class _State:
    sites: SavedSites
    lock: threading.Lock = field(default_factory=threading.Lock)
    log: list[Exchange] = field(default_factory=list)
    arrivals: list[str] = field(default_factory=list)  # URLs as requests arrive (answered or not)
    overrides: dict[str, SavedResponse | None] = field(default_factory=dict)
    modified: dict[str, float] = field(default_factory=dict)  # url key -> Last-Modified (epoch s)
    faults: dict[str, _Fault] = field(default_factory=dict)
    in_flight: dict[str, int] = field(default_factory=dict)  # site (netloc) -> requests in progress
    peak: dict[str, int] = field(default_factory=dict)  # site -> most in progress at once
    validators: bool = True
    started: float = field(default_factory=lambda: float(int(time.time())))

    def lookup(self, url: str) -> SavedResponse | None:
        key = url_key(url)
        if key in self.overrides:
            return self.overrides[key]
        return self.sites.get(url)


def _etag(saved: SavedResponse) -> str:
    given = next((v for k, v in saved.header_pairs() if k.lower() == "etag"), None)
    return given or '"' + hashlib.sha256(saved.body).hexdigest()[:20] + '"'


def _last_modified(saved: SavedResponse, state: _State, url: str) -> str:
    given = next((v for k, v in saved.header_pairs() if k.lower() == "last-modified"), None)
    if given:
        return given
    return email.utils.formatdate(state.modified.get(url_key(url), state.started), usegmt=True)


def _tags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def not_modified(request_headers, etag: str, last_modified: str) -> bool:
    """RFC 9110 section 13.1: If-None-Match (weak comparison) wins over If-Modified-Since."""
    inm = request_headers.get("If-None-Match")
    if inm is not None:
        return "*" in _tags(inm) or etag.removeprefix("W/") in _tags(inm)
    ims = request_headers.get("If-Modified-Since")
    if ims:
        try:
            since = email.utils.parsedate_to_datetime(ims)
            modified = email.utils.parsedate_to_datetime(last_modified)
        except (TypeError, ValueError):
            return False  # an unparseable date is ignored, as the RFC says
        return modified <= since
    return False


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as real sites and Scrapy's client expect

    def _url(self) -> str:
        if urlsplit(self.path).scheme in ("http", "https"):  # proxy form: absolute URL
            return self.path
        host = self.headers.get("Host", "localhost")
        return f"http://{host}{self.path}"

    def _log(self, url: str, status: int, sent: int) -> None:
        state = self.server.state
        with state.lock:
            state.log.append(Exchange(url, dict(self.headers.items()), status, sent,
                                      getattr(self, "arrived_at", 0.0)))

    def _answer(self, url: str, status: int, headers, body: bytes, with_body: bool, *,
                content_length: int | None = None) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _SKIP_HEADERS:
                self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body) if content_length is None
                                                   else content_length))
        self.end_headers()
        sent = 0
        if with_body and status != 304:
            self.wfile.write(body)
            sent = len(body)
        self._log(url, status, sent)

    def _serve(self, with_body: bool) -> None:
        self.arrived_at = time.monotonic()
        url = self._url()
        site = urlsplit(url).netloc
        state = self.server.state
        with state.lock:
            state.in_flight[site] = state.in_flight.get(site, 0) + 1
            state.peak[site] = max(state.peak.get(site, 0), state.in_flight[site])
        try:
            self._serve_url(url, with_body)
        finally:
            with state.lock:
                state.in_flight[site] -= 1

    def _serve_url(self, url: str, with_body: bool) -> None:
        state = self.server.state
        with state.lock:
            state.arrivals.append(url)
            fault = state.faults.get(url_key(url))
            if fault is not None:
                fault.hits += 1
            saved = state.lookup(url)
        if fault is not None and self._fault(url, fault, with_body):
            return
        if saved is None:
            self._answer(url, 404, [("Content-Type", "text/plain")], b"not found\n", with_body)
            return
        headers = saved.header_pairs()
        if saved.status == 200 and state.validators:
            etag, modified = _etag(saved), _last_modified(saved, state, url)
            names = {k.lower() for k, _ in headers}
            headers += [(k, v) for k, v in (("ETag", etag), ("Last-Modified", modified))
                        if k.lower() not in names]
            if not_modified(self.headers, etag, modified):
                keep = {"etag", "last-modified", "cache-control", "expires", "vary", "date"}
                self._answer(url, 304, [(k, v) for k, v in headers if k.lower() in keep], b"",
                             with_body)
                return
        if fault is not None and fault.kind == "truncate":
            # Announce the whole body, send half of it, hang up: a connection cut mid-transfer.
            self._answer(url, saved.status, headers, saved.body[: len(saved.body) // 2],
                         with_body, content_length=len(saved.body))
            self.close_connection = True
            return
        if fault is not None and fault.kind == "bad_gzip":
            headers = [(k, v) for k, v in headers if k.lower() != "content-encoding"]
            headers.append(("Content-Encoding", "gzip"))
            self._answer(url, saved.status, headers, b"\x1f\x8b\x08 this is not deflate data",
                         with_body)
            return
        self._answer(url, saved.status, headers, saved.body, with_body)

    def _fault(self, url: str, fault: _Fault, with_body: bool) -> bool:
        """Answer a fault that replaces the page entirely; False if the page is still served."""
        params = fault.params
        if fault.kind == "fail_first" and fault.hits <= params.get("times", 1):
            status = params.get("status", 503)
            retry_after = str(params.get("retry_after", "0"))
            self._answer(url, status,
                         [("Content-Type", "text/plain"), ("Retry-After", retry_after)],
                         b"temporarily unavailable\n", with_body)
            return True
        if fault.kind == "delay":
            time.sleep(params.get("seconds", 5.0))
            return False
        if fault.kind == "redirect":
            self._answer(url, params.get("status", 302), [("Location", params["to"])], b"",
                         with_body)
            return True
        return False

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._serve(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(with_body=False)

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass  # keep test output clean; the request log is in server.exchanges


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung keep-alive connection must not block interpreter exit
    block_on_close = False  # a delayed (timeout) answer must not hold up stop()

    def __init__(self, address, state: _State):
        super().__init__(address, _Handler)
        self.state = state

    def handle_error(self, request, client_address) -> None:
        import sys

        # A client that gave up (a timeout fault, a cancelled oversize download) is expected.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class LoopbackSiteServer:
    """Serve saved sites over HTTP on 127.0.0.1 (see module docstring).

    Use as a context manager, or call :meth:`start` / :meth:`stop`::

        with LoopbackSiteServer("fixtures/sites") as server:
            env = {**os.environ, "http_proxy": server.proxy_url}
            ...
            assert server.requests.count("http://news.example/a") == 1
    """

    def __init__(self, root: str | Path | SavedSites, host: str = "127.0.0.1", port: int = 0,
                 *, validators: bool = True):
        sites = root if isinstance(root, SavedSites) else SavedSites(root)
        self.sites = sites
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # Owned here, not by the socket server, so the log is still readable after stop().
        self._state = _State(sites=sites, validators=validators)

    def start(self) -> LoopbackSiteServer:
        if self._server is not None:
            return self
        self._server = _Server(self._address, self._state)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="LoopbackSiteServer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> LoopbackSiteServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ changing the site

    def put(self, url: str, body: bytes, *, status: int = 200,
            headers: dict[str, str] | None = None) -> None:
        """Serve ``body`` at ``url`` from now on (an edit, or a new page)."""
        saved = SavedResponse(url=url, status=status, headers=dict(headers or {}), body=body)
        state = self._state
        with state.lock:
            key = url_key(url)
            previous = state.modified.get(key, state.started)
            state.overrides[key] = saved
            state.modified[key] = max(float(int(time.time())), previous + 1.0)

    def remove(self, url: str) -> None:
        """Answer 404 at ``url`` from now on."""
        with self._state.lock:
            self._state.overrides[url_key(url)] = None

    def clear_fault(self, url: str) -> None:
        """Serve ``url`` normally again (requests already held by a ``delay`` stay held)."""
        with self._state.lock:
            self._state.faults.pop(url_key(url), None)

    def fault(self, url: str, kind: str, **params) -> None:
        """Make ``url`` misbehave (kinds in the module docstring)."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULTS)}")
        if kind == "redirect" and "to" not in params:
            raise ValueError("a redirect fault needs to=URL")
        with self._state.lock:
            self._state.faults[url_key(url)] = _Fault(kind, dict(params))

    # ------------------------------------------------------------------ what happened

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # The same address serves as proxy (absolute-URL requests) and as a plain server.
    proxy_url = base_url

    @property
    def exchanges(self) -> list[Exchange]:
        """Requests answered so far, in order (a copy; safe to read while serving)."""
        with self._state.lock:
            return list(self._state.log)

    @property
    def requests(self) -> list[str]:
        """URLs requested so far, in order of arrival (also those never answered: a client
        that timed out on a ``delay`` fault)."""
        with self._state.lock:
            return list(self._state.arrivals)

    @property
    def peak_in_flight(self) -> dict[str, int]:
        """The most requests each site (netloc) had in progress at once: from a request's
        arrival until its answer was sent (a client that hung up on a delayed answer counts
        until the server gives up on it)."""
        with self._state.lock:
            return dict(self._state.peak)

    def clear_log(self) -> None:
        with self._state.lock:
            self._state.log.clear()
            self._state.arrivals.clear()
            self._state.peak = {site: n for site, n in self._state.in_flight.items() if n}
