"""``newscrawl fetch URL|FILE``: one page through every stage, printed, nothing stored.

A URL is fetched with one plain GET that says who it is (the crawl's ``USER_AGENT``) and stops
at the crawl's size limit (``DOWNLOAD_MAXSIZE``), both from :mod:`newscrawl.crawl.settings`. It
is one request a person asked for, like a browser's, so robots.txt is not consulted and there
is no pacing; the crawler does both. A FILE (or a saved-response folder) is read as
``newscrawl ingest`` reads it.
"""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
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
    """The page at ``url`` (an error status is a page too: the stages record it)."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept-Encoding": "identity"})
    try:
        # A fresh opener reads the proxy settings of the environment as it is now; urlopen's
        # module-wide opener keeps the ones of its first call for the life of the process.
        response = urllib.request.build_opener().open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        response = exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise FetchError(f"cannot fetch {url}: {reason}") from exc
    with response:
        try:
            body = response.read(max_size + 1)
        except OSError as exc:
            raise FetchError(f"cannot fetch {url}: {exc}") from exc
        if len(body) > max_size:
            raise FetchError(f"{url}: the page is larger than the crawl's limit of {max_size} bytes")
        status = response.status if hasattr(response, "status") else response.code
        return Page.build(response.geturl() or url, body, list(response.headers.items()), status,
                          dt.datetime.now(dt.UTC))


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
