"""Saved pages -> :class:`~newscrawl.model.Page` objects, for ``newscrawl ingest``.

Accepted inputs: ``.html``/``.htm``/``.html.gz`` files, saved-response case folders (an
``info.json`` with url/status/headers beside a ``body.*`` file: the fixture layout, which keeps
the HTTP headers a saved HTML file has lost), WARC files (``.warc``, ``.warc.gz``: each response
record a page, read by :mod:`newscrawl.warc`) and ``warc.paths``-style lists of WARC files
(``*.paths``, ``*.paths.gz``). Folders are searched recursively. Inside a folder,
a symlink that leads out of it is refused (one error line), so ingesting a folder received from
elsewhere reads nothing but that folder; files named on the command line are read as given.

A saved HTML file has no URL of its own: it is taken from the page's canonical link, else its
``og:url``, else the file's ``file://`` URL, so the same article saved twice is one URL.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from newscrawl.crawl.settings import DOWNLOAD_MAXSIZE
from newscrawl.model import ArticleRecord, Page, site_of
from newscrawl.warc import WarcError, WarcSkip, download, is_warc, iter_warc, read_paths_list

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
#: Lists of WARC files, one a line (Common Crawl's ``warc.paths.gz``).
PATHS_SUFFIXES = (".paths", ".paths.gz")
_CANONICAL_RE = re.compile(
    rb"<link\b[^>]*\brel=[\"']?canonical[\"']?[^>]*>|<meta\b[^>]*\bproperty=[\"']?og:url[\"']?[^>]*>",
    re.IGNORECASE,
)
_HREF_RE = re.compile(rb"\b(?:href|content)=[\"']([^\"'>\s]+)", re.IGNORECASE)


class IngestError(ValueError):
    """A path that cannot be read as a saved page."""


def url_from_html(body: bytes) -> str | None:
    """Canonical link, else og:url, from the raw bytes (ASCII markup: no decoding needed)."""
    found: dict[str, str] = {}
    for match in _CANONICAL_RE.finditer(body[:256 * 1024]):
        tag = match.group(0)
        href = _HREF_RE.search(tag)
        if href:
            kind = "canonical" if b"canonical" in tag.lower() else "og"
            found.setdefault(kind, href.group(1).decode("ascii", "replace"))
    url = found.get("canonical") or found.get("og")
    return url if url and url.startswith(("http://", "https://")) else None


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)


def _inside(path: Path, root: Path) -> Path:
    """``path``, unless it is a symlink leading out of ``root``: a saved folder from elsewhere
    must not make ingest read (and store) any file of this machine."""
    if path.resolve().is_relative_to(root.resolve()):
        return path
    raise IngestError(f"{path}: a symlink out of {root}; not read")


def read_case(folder: Path) -> Page:
    info = json.loads(_inside(folder / "info.json", folder).read_text(encoding="utf-8"))
    bodies = sorted(folder.glob("body.*"))
    if not bodies:
        raise IngestError(f"{folder}: info.json without a body.* file")
    body = _inside(bodies[0], folder)
    return Page.build(info["url"], body.read_bytes(), info.get("headers"),
                      info.get("status", 200), _mtime(body))


def read_html_inside(path: Path, root: Path) -> Page:
    """A saved page found in the folder ``root`` (a module-level function: ``--jobs`` sends
    inputs to other processes)."""
    return read_html_file(_inside(path, root))


def read_html_file(path: Path) -> Page:
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise IngestError(f"{path}: bad gzip data ({exc})") from exc
    url = url_from_html(raw) or path.resolve().as_uri()
    return Page.build(url, raw, None, 200, _mtime(path))


@dataclass(frozen=True, slots=True)
class Ignored:
    """A file inside a given folder that is not a saved page, and why it was passed over."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


#: Why a file in a folder is passed over (said to the user for each such file).
NOT_A_PAGE = "not a saved page (.html, .htm, .html.gz, .warc, .warc.gz, or a folder with info.json)"
NOT_A_FILE = "not a regular file (a named pipe, a device, a socket) or a link to nothing"


@dataclass(frozen=True, slots=True)
class WarcInput:
    """A WARC file found by :func:`find_inputs`: many pages, read by :func:`iter_input`.
    ``path`` is a local file, or an http(s) URL (a str) downloaded when it is read."""

    path: Path | str

    @property
    def is_url(self) -> bool:
        return isinstance(self.path, str)

    @property
    def location(self) -> str:
        """What names the file among processes and runs: its URL, or its absolute path."""
        return self.path if isinstance(self.path, str) else str(Path(self.path).absolute())

    @property
    def size(self) -> int | None:
        """Bytes, known for a local file (a URL's when its download starts)."""
        if isinstance(self.path, str):
            return None
        try:
            return self.path.stat().st_size
        except OSError:
            return None


@contextmanager
def local_warc(entry: WarcInput, folder: str | Path | None = None,
               on_size: Callable[[int], None] | None = None) -> Iterator[WarcInput]:
    """``entry`` as a local file: itself, or its URL downloaded into a temporary file in
    ``folder`` (the system's temporary folder by default), removed afterwards. Raises
    :class:`IngestError` when the download fails."""
    if not entry.is_url:
        yield entry
        return
    suffix = ".warc.gz" if entry.location.lower().split("?")[0].endswith(".gz") else ".warc"
    handle, name = tempfile.mkstemp(prefix="newscrawl-", suffix=suffix, dir=folder)
    os.close(handle)
    target = Path(name)
    try:
        try:
            download(entry.location, target, on_size=on_size)
        except WarcError as exc:
            raise IngestError(f"{entry.location}: {exc}") from None
        yield WarcInput(target)
    finally:
        target.unlink(missing_ok=True)


#: One input found: a saved-response folder or an HTML file with its reader, or a WARC file.
Input = tuple[Callable[[Path], Page], Path] | WarcInput


def _paths_list(path: Path) -> list[Input | IngestError]:
    try:
        entries = read_paths_list(path)
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        return [IngestError(f"{path}: cannot read the list ({type(exc).__name__}: {exc})")]
    found: list[Input | IngestError] = []
    for entry in entries:
        if not is_warc(entry):
            found.append(IngestError(f"{entry}: not a .warc or .warc.gz file (in {path})"))
        elif entry.startswith(("http://", "https://")):
            found.append(WarcInput(entry))
        elif not Path(entry).is_file():
            found.append(IngestError(f"{entry}: no such file (in {path})"))
        else:
            found.append(WarcInput(Path(entry)))
    return found


def find_inputs(paths: Iterable[str | Path]) -> list[Input | IngestError | Ignored]:
    """Everything the given files and folders hold, in order, before any is read (so that
    the total is known): inputs to read, paths that do not exist, and files passed over."""
    found: list[Input | IngestError | Ignored] = []
    for raw_path in paths:
        if str(raw_path).startswith(("http://", "https://")):
            if is_warc(raw_path):
                found.append(WarcInput(str(raw_path)))
            elif str(raw_path).lower().split("?")[0].endswith(PATHS_SUFFIXES):
                found.append(IngestError(f"{raw_path}: download the list first; its entries "
                                         f"may be URLs"))
            else:
                found.append(IngestError(f"{raw_path}: a URL that is not a .warc or .warc.gz file"))
            continue
        path = Path(raw_path)
        if path.is_dir():
            if (path / "info.json").is_file():
                found.append((read_case, path))
                continue
            for child in sorted(path.rglob("*")):
                if child.name == "info.json":
                    found.append((read_case, child.parent))
                elif child.is_dir() or (child.parent / "info.json").exists():
                    continue  # a folder, or a body.* file read with its info.json
                elif not child.is_file():
                    # Said, not passed over in silence: a pipe would block its reader, and a
                    # dangling link is a page the user may think was read.
                    found.append(Ignored(child, NOT_A_FILE))
                elif child.name.lower().endswith(HTML_SUFFIXES):
                    found.append((partial(read_html_inside, root=path), child))
                elif is_warc(child):
                    try:
                        found.append(WarcInput(_inside(child, path)))
                    except IngestError as exc:
                        found.append(exc)
                else:
                    found.append(Ignored(child, NOT_A_PAGE))
        elif path.is_file() and is_warc(path):
            found.append(WarcInput(path))
        elif path.is_file() and path.name.lower().endswith(PATHS_SUFFIXES):
            found.extend(_paths_list(path))
        elif path.is_file():
            found.append((read_html_file, path))
        elif path.exists() or path.is_symlink():
            found.append(IngestError(f"{path}: {NOT_A_FILE}"))
        else:
            found.append(IngestError(f"{path}: no such file or folder"))
    return found


def read_input(entry: Input) -> Page | IngestError:
    """The page of one single-page input of :func:`find_inputs`, or why it cannot be read."""
    reader, path = entry
    return _safe(reader, path)


@dataclass(slots=True)
class Filters:
    """Which pages ``newscrawl ingest`` keeps (all, by default): a month of CC-NEWS narrowed to
    the outlets, languages and dates a user follows. ``rejected`` counts what was left out."""

    #: Sites as :func:`~newscrawl.model.site_of` gives them; their subdomains belong to them.
    sites: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    since: dt.datetime | None = None
    #: Exclusive: pages fetched before it.
    until: dt.datetime | None = None
    rejected: int = 0

    def wants(self, url: str, when: dt.datetime | None) -> bool:
        """Site and date: decided before a WARC record's payload is read."""
        keep = True
        if self.sites:
            site = site_of(url)
            keep = any(site == s or site.endswith("." + s) for s in self.sites)
        if keep and (self.since or self.until):
            # A page without a date cannot be shown to be in the range.
            keep = when is not None and not (self.since and when < self.since) \
                and not (self.until and when >= self.until)
        self.rejected += not keep
        return keep

    def wants_record(self, record: ArticleRecord) -> bool:
        """Language: known only once the stages ran; pages that are not articles are kept
        (their fetch is recorded with its reason)."""
        keep = not self.languages or not record.is_article or record.language in self.languages
        self.rejected += not keep
        return keep


def iter_input(entry: Input, filters: Filters | None = None,
               progress: Callable[[int], None] | None = None,
               ) -> Iterator[Page | WarcSkip | IngestError]:
    """Everything one input of :func:`find_inputs` holds: its page(s), the WARC responses that
    are recorded only with a reason (:class:`~newscrawl.warc.WarcSkip`), and what cannot be
    read, less what ``filters`` leave out by site and date. A WARC file is streamed record by
    record (``progress(offset)`` after each: :func:`~newscrawl.warc.iter_warc`); a WARC URL is
    downloaded first (:func:`local_warc`)."""
    if isinstance(entry, WarcInput) and entry.is_url:
        try:
            with local_warc(entry) as local:
                yield from iter_input(local, filters, progress)
        except IngestError as exc:
            yield exc
        return
    if not isinstance(entry, WarcInput):
        page = read_input(entry)
        if filters is None or isinstance(page, IngestError) or filters.wants(page.url,
                                                                             page.fetched_at):
            yield page
        return
    try:
        for item in iter_warc(entry.path, DOWNLOAD_MAXSIZE, filters and filters.wants, progress):
            if isinstance(item, WarcError):
                yield IngestError(f"{entry.path}: {item}")
            else:
                yield item
    except OSError as exc:
        yield IngestError(f"{entry.path}: {type(exc).__name__}: {exc}")


def page_record(item: Page | WarcSkip) -> tuple[Page, ArticleRecord]:
    """The page to store and its record: the stages' for a page, the skip reason for a WARC
    response that is recorded only as a fetch."""
    # Imported here: a command whose stages run in worker processes stores what they made
    # without importing every stage and its libraries itself.
    from newscrawl.stages.process import run_steps, start

    if isinstance(item, WarcSkip):
        record = start(item.page).record
        record.skip_reason = item.reason
        return item.page, record
    return item, run_steps(item).record


def iter_pages(paths: Iterable[str | Path]) -> Iterator[Page | IngestError]:
    """Pages in the given files and folders; unreadable ones come as IngestError values
    (files passed over as not pages are left out: :func:`find_inputs` lists them)."""
    for entry in find_inputs(paths):
        if isinstance(entry, tuple | WarcInput):
            for item in iter_input(entry):
                if not isinstance(item, WarcSkip):
                    yield item
        elif isinstance(entry, IngestError):
            yield entry


def store_ingested(make_session, page: Page, record: ArticleRecord, also=None):
    """Store one saved page and its record in a transaction of its own (retried on conflicts
    with concurrent writers: another ingest, a crawl). A page the database refuses is recorded
    as a ``failed`` fetch with its reason (:mod:`newscrawl.store.refusals`), so the files after
    it are still stored; raises :class:`~newscrawl.store.refusals.StoreRefused` when even that
    record fails. ``also(session)`` runs in the same transaction (a WARC file's position, so
    that the record and its count are committed together)."""
    from newscrawl.store.refusals import store_or_record_refusal, store_refused
    from newscrawl.store.repository import store_page

    def together(store):
        def work(session, *args):
            outcome = store(session, *args)
            if also is not None:
                also(session)
            return outcome
        return work

    return store_or_record_refusal(
        make_session, together(lambda session: store_page(session, page, record, source="ingest")),
        together(lambda session, reason: store_refused(session, page, reason, source="ingest")),
        url=page.url)


def _safe(reader, path: Path) -> Page | IngestError:
    try:
        return reader(path)
    except IngestError as exc:
        return exc
    except (OSError, ValueError, KeyError) as exc:
        return IngestError(f"{path}: {type(exc).__name__}: {exc}")
