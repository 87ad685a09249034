"""A real HTTP server for saved sites, so tests can crawl over actual sockets.

:class:`LoopbackSiteServer` serves a :class:`~newscrawl.replay.SavedSites` directory from
127.0.0.1 on a free port. It acts as an **HTTP proxy**: the fixture hosts
(``http://<host>.example/...``) resolve nowhere, so the crawler is pointed at the server with
``http_proxy=http://127.0.0.1:PORT`` and sends absolute URLs in the request line
(``GET http://news.example/a HTTP/1.1``), which the server looks up. The plain form
(``GET /a`` with a ``Host`` header) works too. Unknown URLs get a 404, like a real site.

Where :class:`~newscrawl.replay.ReplayDownloaderMiddleware` short-cuts Scrapy's downloader,
this exercises all of it (HTTP client, proxy middleware, connection handling); together they
check that an offline run and a networked run crawl the same pages. Every request is logged
in :attr:`LoopbackSiteServer.requests` so tests can count fetches.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from newscrawl.replay import SavedSites

__all__ = ["LoopbackSiteServer"]

# Framing headers are recomputed for the bytes actually sent; hop-by-hop ones never forwarded.
_SKIP_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive",
                 "proxy-connection", "upgrade"}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as real sites and Scrapy's client expect

    def _url(self) -> str:
        if urlsplit(self.path).scheme in ("http", "https"):  # proxy form: absolute URL
            return self.path
        host = self.headers.get("Host", "localhost")
        return f"http://{host}{self.path}"

    def _serve(self, with_body: bool) -> None:
        url = self._url()
        saved = self.server.sites.get(url)
        with self.server.lock:
            self.server.log.append(url)
        if saved is None:
            status, headers, body = 404, [("Content-Type", "text/plain")], b"not found\n"
        else:
            status, headers, body = saved.status, saved.header_pairs(), saved.body
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _SKIP_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._serve(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(with_body=False)

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass  # keep test output clean; the request log is in server.log


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung keep-alive connection must not block interpreter exit

    def __init__(self, address, sites: SavedSites, log: list[str], lock: threading.Lock):
        super().__init__(address, _Handler)
        self.sites = sites
        self.log = log
        self.lock = lock


class LoopbackSiteServer:
    """Serve saved sites over HTTP on 127.0.0.1 (see module docstring).

    Use as a context manager, or call :meth:`start` / :meth:`stop`::

        with LoopbackSiteServer("fixtures/sites") as server:
            env = {**os.environ, "http_proxy": server.proxy_url}
            ...
            assert server.requests.count("http://news.example/a") == 1
    """

    def __init__(self, root: str | Path | SavedSites, host: str = "127.0.0.1", port: int = 0):
        self.sites = root if isinstance(root, SavedSites) else SavedSites(root)
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # Owned here, not by the socket server, so the log is still readable after stop().
        self._log: list[str] = []
        self._lock = threading.Lock()

    def start(self) -> LoopbackSiteServer:
        if self._server is not None:
            return self
        self._server = _Server(self._address, self.sites, self._log, self._lock)
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
    def requests(self) -> list[str]:
        """URLs requested so far, in order (a copy; safe to read while serving)."""
        with self._lock:
            return list(self._log)
