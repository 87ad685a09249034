"""Offline crawling: serve saved responses instead of the network.

Saved sites use the fixtures layout, one directory per response (a *case*)::

    <root>/<host>/<case>/info.json   {"url": ..., "status": 200, "headers": {...}}
    <root>/<host>/<case>/body.<ext>  the raw response bytes, exactly as served

:class:`SavedSites` loads such a tree (walking it for ``info.json`` files, so the nesting is
free) into a URL -> :class:`SavedResponse` map. :class:`ReplayDownloaderMiddleware` answers
every Scrapy request from it, and :class:`newscrawl.testing.LoopbackSiteServer` serves the same
map over real HTTP. URLs are compared after :func:`w3lib.url.canonicalize_url` (query argument
order, percent-encoding case, fragments) so equivalent spellings hit the same case.

The middleware sits at the *end* of the downloader middleware chain (just before the download
handlers, where the network would be): robots.txt, the user agent, retries, redirects,
decompression and the downloader stats all run exactly as in a live crawl, and robots.txt
requests - which go through the same chain - are replayed too. An unknown URL gets a 404
like a real site would give, so a crawl of saved sites never leaks onto the network.

WARC files are saved sites too: ``NEWSCRAWL_REPLAY_DIR`` may name a ``.warc``/``.warc.gz`` file,
or a folder holding some (beside or instead of cases); each ``response`` record is a saved
response, so a crawl written with ``NEWSCRAWL_WARC_DIR`` (or any crawler's WARC) can be crawled
again offline.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from w3lib.url import canonicalize_url

from newscrawl.warc import is_warc

__all__ = ["ReplayDownloaderMiddleware", "SavedResponse", "SavedSites", "save_case"]

logger = logging.getLogger(__name__)


def url_key(url: str) -> str:
    """Lookup key of a URL: canonical form without the fragment (never sent to a server)."""
    return canonicalize_url(url, keep_fragments=False)


@dataclass(frozen=True, slots=True)
class SavedResponse:
    url: str
    status: int
    # Header name -> value, or list of values for a repeated header (e.g. Set-Cookie).
    headers: dict[str, str | list[str]]
    body: bytes
    path: Path | None = field(default=None, compare=False)

    def header_pairs(self) -> list[tuple[str, str]]:
        out = []
        for name, value in self.headers.items():
            for v in value if isinstance(value, list) else [value]:
                out.append((name, str(v)))
        return out


class SavedSites:
    """URL -> saved response, loaded from a directory tree in the fixtures layout.

    If two cases save the same URL (e.g. two versions of a story), the first in sorted path
    order is served and the clash is listed in :attr:`duplicates`: a replay can serve only one
    version of a URL, and a deterministic choice keeps runs reproducible.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._by_key: dict[str, SavedResponse] = {}
        self.duplicates: list[tuple[str, Path]] = []
        if self.root.is_file() and is_warc(self.root):
            self._load_warc(self.root)
            return
        if not self.root.is_dir():
            raise FileNotFoundError(f"saved sites directory not found: {self.root}")
        for info_path in sorted(self.root.rglob("info.json")):
            self._add(self._load_case(info_path))
        for path in sorted(p for p in self.root.rglob("*") if p.is_file() and is_warc(p)):
            self._load_warc(path)

    def _add(self, saved: SavedResponse) -> None:
        key = url_key(saved.url)
        if key in self._by_key:
            self.duplicates.append((saved.url, saved.path))
            return
        self._by_key[key] = saved

    def _load_warc(self, path: Path) -> None:
        """The ``response`` records of a WARC file (a crawl's NEWSCRAWL_WARC_DIR, CC-NEWS...),
        each a saved response; revisits and requests are passed over. The payload is kept
        decoded (chunks joined, gzip undone), so the headers of those encodings are dropped."""
        from warcio.archiveiterator import ArchiveIterator

        try:
            with path.open("rb") as fh:
                for record in ArchiveIterator(fh):
                    if record.rec_type != "response" or record.http_headers is None:
                        continue
                    url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<>")
                    status = record.http_headers.get_statuscode()
                    if not url or not status or not status.isdigit():
                        continue
                    headers: dict[str, str | list[str]] = {}
                    for name, value in record.http_headers.headers:
                        if name.lower() in _WARC_ENCODING_HEADERS:
                            continue
                        if name in headers:
                            old = headers[name]
                            headers[name] = [*old, value] if isinstance(old, list) else [old, value]
                        else:
                            headers[name] = value
                    self._add(SavedResponse(url, int(status), headers,
                                            record.content_stream().read(), path))
        except Exception as exc:  # noqa: BLE001 - warcio raises several kinds; one line for each
            raise ValueError(f"{path}: not readable as WARC ({type(exc).__name__}: "
                             f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''})") from exc

    @staticmethod
    def _load_case(info_path: Path) -> SavedResponse:
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
            url = info["url"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{info_path}: bad info.json: {e}") from e
        bodies = sorted(info_path.parent.glob("body*"))
        body = bodies[0].read_bytes() if bodies else b""
        headers = info.get("headers") or {}
        if not isinstance(headers, Mapping):
            raise ValueError(f"{info_path}: 'headers' must be an object")
        return SavedResponse(
            url=url,
            status=int(info.get("status", 200)),
            headers={str(k): (list(map(str, v)) if isinstance(v, list) else str(v))
                     for k, v in headers.items()},
            body=body,
            path=info_path.parent,
        )

    def get(self, url: str) -> SavedResponse | None:
        return self._by_key.get(url_key(url))

    def __contains__(self, url: str) -> bool:
        return url_key(url) in self._by_key

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self):
        return iter(self._by_key.values())

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self._by_key.values()]


#: Headers of encodings undone when a WARC payload is read.
_WARC_ENCODING_HEADERS = ("content-encoding", "transfer-encoding", "content-length")

_EXT_BY_TYPE = (("html", "html"), ("xml", "xml"), ("json", "json"), ("gzip", "gz"), ("text/plain", "txt"))


def save_case(root: str | Path, url: str, body: bytes, status: int = 200,
              headers: Mapping[str, str | list[str]] | None = None,
              case: str | None = None) -> Path:
    """Write one response in the fixtures layout (the inverse of :class:`SavedSites`).

    Used to build small sites in tests and to record responses. ``case`` defaults to a slug of
    the URL path. Returns the case directory.
    """
    parts = urlsplit(url)
    if case is None:
        path = parts.path + (f"_{parts.query}" if parts.query else "")
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", path.strip("/"))
        case = slug or "index"
    case_dir = Path(root) / (parts.hostname or "unknown") / case
    case_dir.mkdir(parents=True, exist_ok=False)
    headers = dict(headers or {})
    ctype = next((str(v) for k, v in headers.items() if k.lower() == "content-type"), "")
    ext = next((e for needle, e in _EXT_BY_TYPE if needle in ctype.lower()), "bin")
    (case_dir / f"body.{ext}").write_bytes(body)
    info = {"url": url, "status": status, "headers": headers}
    (case_dir / "info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return case_dir


def build_response(request, saved: SavedResponse | None) -> Response:
    """The Scrapy response a live fetch of ``request`` would have given, from saved bytes.

    The class (HtmlResponse, XmlResponse, TextResponse...) is chosen the way the real download
    handler does, from headers, URL and body, so callbacks see what they would see live.
    """
    if saved is None:
        return Response(url=request.url, status=404, body=b"", request=request, flags=["replay"])
    headers = Headers(saved.header_pairs())
    cls = responsetypes.from_args(headers=headers, url=request.url, body=saved.body)
    return cls(url=request.url, status=saved.status, headers=headers, body=saved.body,
               request=request, flags=["replay"])


class ReplayDownloaderMiddleware:
    """Answer requests from :class:`SavedSites` (setting ``NEWSCRAWL_REPLAY_DIR``); off otherwise.

    Stats: ``newscrawl/replay/hits`` and ``newscrawl/replay/misses`` (URLs not saved, which got
    a 404).
    """

    def __init__(self, sites: SavedSites, stats=None):
        self.sites = sites
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        root = crawler.settings.get("NEWSCRAWL_REPLAY_DIR")
        if not root:
            # A live crawl: no message, so Scrapy does not warn about it on every run.
            raise NotConfigured
        sites = SavedSites(root)
        logger.info("Replaying %d saved responses from %s", len(sites), root)
        for url, path in sites.duplicates:
            logger.warning("Replay: %s saved more than once; ignoring %s", url, path)
        return cls(sites, crawler.stats)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newscrawl/replay/{key}")

    def process_request(self, request):
        saved = self.sites.get(request.url)
        if saved is None:
            self._inc("misses")
            logger.debug("Replay miss (404): %s", request.url)
        else:
            self._inc("hits")
        return build_response(request, saved)
