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
from pathlib import Path
from typing import Any

from newscrawl.crawl import codings
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
    now and then would hold a per-read timeout for ever); a body shorter than its
    ``Content-Length``, or an answer giving two different lengths, is an error rather than a
    shorter page; a gzip, deflate, br or zstd body (a server may compress although asked not
    to) is decoded within ``max_size`` as the crawl's article downloads are, and a compressed
    stream cut off before its end is an error too.
    """
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept-Encoding": "identity"})
    try:
        # A fresh opener reads the proxy settings of the environment as it is now; urlopen's
        # module-wide opener keeps the ones of its first call for the life of the process.
        response = urllib.request.build_opener().open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code in (301, 302, 303, 307, 308):
            if not (exc.headers.get("Location") or exc.headers.get("URI")):
                raise FetchError(f"cannot fetch {url}: a {exc.code} redirect without a Location "
                                 f"header") from exc
            # urllib gave up following them: a loop
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
        except http.client.IncompleteRead as exc:
            raise FetchError(f"cannot fetch {url}: the body ended early (the connection closed "
                             f"inside it, or its chunked framing is broken)") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"cannot fetch {url}: {exc or type(exc).__name__}") from exc
        body = b"".join(chunks)
        if len(body) > max_size:
            raise FetchError(f"{url}: the page is larger than the crawl's limit of {max_size} bytes")
        headers = list(response.headers.items())
        lengths = {v.strip() for value in response.headers.get_all("Content-Length", [])
                   for v in value.split(",")}
        if len(lengths) > 1:
            # Which one frames the body cannot be known (RFC 9112 6.3); the reader took the first.
            raise FetchError(f"cannot fetch {url}: the answer gives different lengths "
                             f"(Content-Length: {', '.join(sorted(lengths, key=lambda v: (len(v), v)))})")
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


def _decoded(url: str, body: bytes, headers: list[tuple[str, str]],
             max_size: int) -> tuple[bytes, list[tuple[str, str]]]:
    """The body with its gzip, deflate, br or zstd coding undone, at most ``max_size`` bytes
    and the whole stream, and the headers without the ones that described the coded bytes.
    Any other coding is left as it came (the stages record what they make of it)."""
    coding = next((v.strip().lower() for k, v in headers if k.lower() == "content-encoding"), "")
    if coding not in codings.CODINGS or not body:
        return body, headers
    kept = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length")]
    try:
        return codings.decode(body, coding, max_size), kept
    except codings.TooLarge:
        raise FetchError(f"{url}: the page is larger than the crawl's limit of {max_size} bytes "
                         f"once decompressed") from None
    except codings.Truncated as exc:
        # What a cut-off stream decodes to is the start of the page, not the page.
        raise FetchError(f"cannot fetch {url}: the {coding} body is cut off (its compressed "
                         f"data ends before the end of the stream)") from exc
    except codings.CodingError as exc:
        raise FetchError(f"cannot fetch {url}: the body is not valid {coding} data") from exc
    except ImportError:
        raise FetchError(f"cannot fetch {url}: the body is {_LIBRARY[coding][0]}-compressed "
                         f"(Content-Encoding: {coding}); install the {_LIBRARY[coding][1]} package "
                         f"to decode it") from None
    except TypeError as exc:  # a brotli older than the output limit (1.2)
        raise FetchError(f"cannot fetch {url}: the installed brotli cannot decode within a "
                         f"size limit; version 1.2 or later is needed") from exc


#: For a coding whose library may be missing: what it is called, the package to install.
_LIBRARY = {"br": ("brotli", "brotli"), "zstd": ("zstd", "backports.zstd")}


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
