"""``newscrawl fetch URL|FILE``: one page through every stage, printed, nothing stored.

A URL is fetched with one plain GET that says who it is (the crawl's ``USER_AGENT``) and stops
at the crawl's size limit (``DOWNLOAD_MAXSIZE``), both from :mod:`newscrawl.crawl.settings`. It
is one request a person asked for, like a browser's, so robots.txt is not consulted and there
is no pacing; the crawler does both. A FILE (or a saved-response folder) is read as
``newscrawl ingest`` reads it.
"""

from __future__ import annotations

import datetime as dt
import http.client
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from typing import Any

from newscrawl.crawl import settings as crawl_settings
from newscrawl.ingest import IngestError, read_case, read_html_file
from newscrawl.model import Page
from newscrawl.stages.process import run_steps

#: Seconds the GET may take, as long as the crawl lets a download take.
TIMEOUT = crawl_settings.DOWNLOAD_TIMEOUT


class FetchError(ValueError):
    """The page could not be had (the message says why, in one line)."""


def is_url(target: str) -> bool:
    return target.lower().startswith(("http://", "https://"))


def download(url: str, *, timeout: float = TIMEOUT,
             max_size: int = crawl_settings.DOWNLOAD_MAXSIZE,
             user_agent: str = crawl_settings.USER_AGENT) -> Page:
    """The page at ``url`` (an error status is a page too: the stages record it).

    As the crawl's downloader: the whole download ends by ``timeout`` (a server sending a byte
    now and then would hold a per-read timeout for ever), a body shorter than its
    ``Content-Length`` is an error rather than a shorter page, and a gzip, deflate or (with
    ``brotli`` or ``brotlicffi`` installed, as the crawl) br body is decoded within ``max_size``
    (a server may compress although asked not to).
    """
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept-Encoding": "identity"})
    try:
        # A fresh opener reads the proxy settings of the environment as it is now; urlopen's
        # module-wide opener keeps the ones of its first call for the life of the process.
        response = urllib.request.build_opener().open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code in (301, 302, 303, 307, 308):  # urllib gave up following them: a loop
            first = (str(exc.reason).strip().splitlines() or ["redirect loop"])[0]
            raise FetchError(f"cannot fetch {url}: {first}") from exc
        response = exc
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise FetchError(f"cannot fetch {url}: {reason or type(exc).__name__}") from exc
    with response:
        chunks: list[bytes] = []
        size = 0
        try:
            while size <= max_size:
                if time.monotonic() > deadline:
                    raise FetchError(f"cannot fetch {url}: the download took longer than "
                                     f"{timeout:g} seconds")
                chunk = response.read1(min(_CHUNK, max_size + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"cannot fetch {url}: {exc or type(exc).__name__}") from exc
        body = b"".join(chunks)
        if len(body) > max_size:
            raise FetchError(f"{url}: the page is larger than the crawl's limit of {max_size} bytes")
        headers = list(response.headers.items())
        declared = response.headers.get("Content-Length", "")
        if declared.strip().isdigit() and len(body) < int(declared):
            raise FetchError(f"cannot fetch {url}: the connection ended after {len(body)} of "
                             f"{int(declared)} bytes")
        body, headers = _decoded(url, body, headers, max_size)
        status = response.status if hasattr(response, "status") else response.code
        return Page.build(response.geturl() or url, body, headers, status,
                          dt.datetime.now(dt.UTC))


#: Bytes read at a time, between two looks at the clock.
_CHUNK = 1 << 16
#: The content codings undone here (zlib window bits: gzip's header, zlib's, raw deflate).
_DECODERS = {"gzip": (16 + zlib.MAX_WBITS,), "x-gzip": (16 + zlib.MAX_WBITS,),
             "deflate": (zlib.MAX_WBITS, -zlib.MAX_WBITS)}


def _too_large(url: str, max_size: int) -> FetchError:
    return FetchError(f"{url}: the page is larger than the crawl's limit of {max_size} bytes "
                      f"once decompressed")


def _unbrotli(url: str, body: bytes, max_size: int) -> bytes:
    """A br body decoded at most ``max_size`` bytes far, with the library the crawl's
    downloader (Scrapy) uses when one is installed."""
    try:
        import brotli
    except ImportError:
        try:
            import brotlicffi as brotli
        except ImportError:
            raise FetchError(f"cannot fetch {url}: the body is brotli-compressed (Content-Encoding: "
                             f"br); install the brotli package to decode it") from None
    decoder = brotli.Decompressor()
    out = bytearray()
    data = body
    try:
        while True:
            # Bounded output per call, so a small body that inflates to gigabytes is stopped
            # at the limit instead of being held in memory whole.
            chunk = decoder.process(data, output_buffer_limit=_CHUNK)
            data = b""
            out += chunk
            if len(out) > max_size:
                raise _too_large(url, max_size)
            if not chunk or decoder.is_finished():
                return bytes(out)
    except brotli.error as exc:
        raise FetchError(f"cannot fetch {url}: the body is not valid br data") from exc
    except TypeError as exc:  # a library older than the output limit (brotli 1.2)
        raise FetchError(f"cannot fetch {url}: the installed {brotli.__name__} cannot decode "
                         f"within a size limit; version 1.2 or later is needed") from exc


def _decoded(url: str, body: bytes, headers: list[tuple[str, str]],
             max_size: int) -> tuple[bytes, list[tuple[str, str]]]:
    """The body with its gzip, deflate or br coding undone, at most ``max_size`` bytes, and
    the headers without the ones that described the coded bytes. Any other coding is left as
    it came (the stages record what they make of it)."""
    coding = next((v.strip().lower() for k, v in headers if k.lower() == "content-encoding"), "")
    kept = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length")]
    if coding == "br" and body:
        return _unbrotli(url, body, max_size), kept
    if coding not in _DECODERS or not body:
        return body, headers
    for wbits in _DECODERS[coding]:
        decoder = zlib.decompressobj(wbits)
        try:
            out = decoder.decompress(body, max_size + 1)
        except zlib.error:
            continue
        if len(out) > max_size or decoder.unconsumed_tail:
            raise _too_large(url, max_size)
        return out, kept
    raise FetchError(f"cannot fetch {url}: the body is not valid {coding} data")


def read_path(target: str) -> Page:
    path = Path(target)
    try:
        if path.is_dir() and (path / "info.json").is_file():
            return read_case(path)
        if path.is_file():
            return read_html_file(path)
    except (IngestError, OSError, ValueError, KeyError) as exc:
        raise FetchError(f"cannot read {target}: {exc}") from exc
    raise FetchError(f"{target}: no such file, saved-response folder or http(s) URL")


def fetch_record(target: str) -> dict[str, Any]:
    """The normalized record of the page at ``target`` (URL or path), as printed."""
    page = download(target) if is_url(target) else read_path(target)
    record = run_steps(page).record
    return {"url": page.url, "status": page.status, **{k: v for k, v in record.to_output().items() if k != "url"}}


__all__ = ["FetchError", "download", "fetch_record", "is_url", "read_path"]
