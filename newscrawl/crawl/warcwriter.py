"""Every response of a crawl written as standard WARC (ISO 28500), when ``NEWSCRAWL_WARC_DIR`` is set.

A downloader middleware placed just above the network (and above offline replay), so it sees
each response as it came: before decompression, redirects and retries act on it (a 3xx and a
5xx that is retried are archived too). Per response, two records: the ``response`` (status
line, headers, body as received; the body is already de-chunked by the HTTP client, so the
``Transfer-Encoding`` header is dropped) with ``WARC-Date``, target URI, IP address where known
and payload digest, and the ``request`` that asked for it, joined by ``WARC-Concurrent-To``.
A 304 answer to a conditional re-fetch is a ``revisit`` record instead (profile
``server-not-modified``, referring to the URL and, where the incremental crawl knows it, the
time of the capture it confirms).

Files are gzip (a member per record, what every WARC reader expects), named
``newscrawl-<UTC start>-<serial>-<pid>.warc.gz`` and written under a ``.open`` suffix that is
taken off when the file is complete: at ``NEWSCRAWL_WARC_MAX_BYTES`` (the next record starts a
new file) and when the crawl ends. Each file starts with a ``warcinfo`` record naming newscrawl
and the crawl's settings (without database or Redis URLs, which may hold passwords).

Stats: ``newscrawl/warc/records``, ``newscrawl/warc/revisits``, ``newscrawl/warc/files``,
``newscrawl/warc/bytes``.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import tempfile
from http.client import responses as REASONS
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.crawl.incremental import PREVIOUS_FETCH_KEY

logger = logging.getLogger(__name__)

#: WARC-Profile of a revisit record for a 304 answer to a conditional request (WARC 1.1, 6.7.2).
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"

#: Setting names whose values are not written into the warcinfo record (credentials).
_SECRET_PARTS = ("URL", "PASSWORD", "TOKEN", "SECRET", "KEY")
#: Scrapy settings worth naming in warcinfo beside the NEWSCRAWL_* ones.
_INFO_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "CONCURRENT_REQUESTS",
                  "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_MAXSIZE", "AUTOTHROTTLE_ENABLED")


def _software() -> str:
    try:
        return f"newscrawl/{version('newscrawl')}"
    except PackageNotFoundError:
        return "newscrawl"


def _header_pairs(headers) -> list[tuple[str, str]]:
    """Scrapy's multi-valued byte headers as (name, value) text pairs, each value its own line."""
    pairs = []
    for name, values in headers.items():
        text = name.decode("latin-1")
        for value in values:
            pairs.append((text, value.decode("latin-1")))
    return pairs


def _warc_date(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class WarcWriterMiddleware:
    """Writes each response and its request as WARC records (see the module's docstring)."""

    def __init__(self, directory: Path, max_bytes: int, info: dict[str, str], stats=None):
        self.directory = directory
        self.max_bytes = max_bytes
        self.info = info
        self.stats = stats
        self.serial = 0
        self._file = None
        self._path: Path | None = None
        self._writer: WARCWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        directory = crawler.settings.get("NEWSCRAWL_WARC_DIR")
        if not directory:
            # Off unless asked for; no message, so Scrapy does not warn about it on every crawl.
            raise NotConfigured
        path = Path(directory).expanduser()
        try:
            path.mkdir(parents=True, exist_ok=True)
            # A folder that exists but takes no files would otherwise fail once per page, in
            # the log only, through a whole crawl that was asked for its WARC files.
            with tempfile.NamedTemporaryFile(dir=path, prefix=".newscrawl-probe-"):
                pass
        except OSError as exc:
            raise ValueError(f"NEWSCRAWL_WARC_DIR {directory}: cannot write WARC files there "
                             f"({exc.strerror or exc})") from exc
        settings = crawler.settings
        info = {"software": _software(), "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                              "warc-format/warc-1.1/"}
        names = sorted(name for name in settings.attributes if name.startswith("NEWSCRAWL_"))
        for name in (*_INFO_SETTINGS, *names):
            if not any(part in name for part in _SECRET_PARTS) or name == "NEWSCRAWL_WARC_DIR":
                info[name] = str(settings.get(name))
        middleware = cls(path, settings.getint("NEWSCRAWL_WARC_MAX_BYTES"), info, crawler.stats)
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        logger.info("Writing WARC files to %s", path)
        return middleware

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newscrawl/warc/{key}", count)

    def _open(self) -> WARCWriter:
        if self._writer is not None:
            return self._writer
        self.serial += 1
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S")
        name = f"newscrawl-{stamp}-{self.serial:05d}-{os.getpid()}.warc.gz"
        self._path = self.directory / name
        self._file = open(self._path.with_name(name + ".open"), "wb")  # noqa: SIM115 - closed in close()
        # WARC 1.1: what the warcinfo record says, and the version whose WARC-Date may carry
        # fractions of a second.
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        self._writer.write_record(self._writer.create_warcinfo_record(name, self.info))
        self._inc("files")
        return self._writer

    def close(self, spider=None) -> None:
        """Finish the open file: closed, then renamed without ``.open``."""
        if self._file is None:
            return
        written = self._file.tell()
        self._file.close()
        self._path.with_name(self._path.name + ".open").rename(self._path)
        self._inc("bytes", written)
        logger.info("WARC file complete: %s (%d bytes)", self._path, written)
        self._file = self._writer = None

    def process_response(self, request, response, spider=None):
        try:
            self.write(request, response)
        except OSError as exc:
            # A full disk must not stop the crawl (nor lose the page: it still goes on to the
            # store); the archive is then incomplete, which the log says.
            logger.error("WARC write failed for %s: %s", response.url, exc)
            self._inc("errors")
        return response

    def write(self, request, response) -> None:
        writer = self._open()
        now = dt.datetime.now(dt.timezone.utc)
        status = f"{response.status} {REASONS.get(response.status, 'Unknown')}"
        headers = [(k, v) for k, v in _header_pairs(response.headers)
                   if k.lower() != "transfer-encoding"]
        warc_headers = {"WARC-Date": _warc_date(now)}
        if getattr(response, "ip_address", None) is not None:
            warc_headers["WARC-IP-Address"] = str(response.ip_address)
        http_headers = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
        if response.status == 304:
            # A conditional re-fetch the server answered "not modified": a revisit of the
            # capture the crawl holds (no payload; when it was fetched, where known).
            warc_headers["WARC-Profile"] = NOT_MODIFIED_PROFILE
            warc_headers["WARC-Refers-To-Target-URI"] = response.url
            previous = request.meta.get(PREVIOUS_FETCH_KEY)
            if previous:
                warc_headers["WARC-Refers-To-Date"] = previous
            record = writer.create_warc_record(response.url, "revisit", http_headers=http_headers,
                                               warc_headers_dict=warc_headers)
            self._inc("revisits")
        else:
            record = writer.create_warc_record(
                response.url, "response", payload=io.BytesIO(response.body),
                http_headers=http_headers, warc_headers_dict=warc_headers)
        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_headers = _header_pairs(request.headers)
        if not any(k.lower() == "host" for k, _ in request_headers):
            request_headers.insert(0, ("Host", parts.netloc))
        request_record = writer.create_warc_record(
            request.url, "request", payload=io.BytesIO(request.body or b""),
            http_headers=StatusAndHeaders(f"{request.method} {target} HTTP/1.1", request_headers,
                                          is_http_request=True),
            warc_headers_dict={"WARC-Date": warc_headers["WARC-Date"],
                               "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID")})
        writer.write_record(record)
        writer.write_record(request_record)
        self._inc("records", 2)
        if self._file.tell() >= self.max_bytes:
            self.close()
