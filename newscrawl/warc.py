"""WARC files (ISO 28500) -> :class:`~newscrawl.model.Page` objects, one record at a time.

Reads ``.warc`` and ``.warc.gz`` files (a gzip member per record, as every crawler writes them)
with warcio, never holding more than one record's payload in memory. A ``.warc.gz`` compressed
as one gzip stream (``gzip file.warc``), which warcio refuses after its first record, is found
by :func:`single_gzip_stream` and read through a decompressing file instead (slower: a revisit's
original is found by decompressing the file again up to it). Each
``response`` record becomes a page with its target URI, HTTP status and headers, and its
WARC-Date as the fetch time. A ``revisit`` record is resolved to the response it names (by
record id, else by payload digest; a ``server-not-modified`` revisit, a 304, by its URL) when
that response is earlier in the same file; the original
is read again from its offset, so nothing is kept but a table of offsets.

What cannot be an article page comes out as a :class:`WarcSkip` (a page without a body and the
reason): non-HTML content types, ``WARC-Truncated`` records, payloads over the size limit, HTTP
payloads in a content encoding warcio cannot undo or whose encoding is broken. A record that cannot be parsed comes
out as a :class:`WarcError`, and reading goes on at the next record found after it; so does a
record the file ends inside (a cut-off download), whose partial payload is never a page.
"""

from __future__ import annotations

import datetime as dt
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed

from newscrawl.model import Page

WARC_SUFFIXES = (".warc", ".warc.gz")
#: Content types that can hold an article page; the body of any other is not read.
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Encodings that warcio undoes (the stored payload is the decoded body, so they are dropped
#: from the page's headers, with the length that described the encoded bytes).
_TRANSFER_HEADERS = ("content-encoding", "transfer-encoding", "content-length")
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_MAGIC = b"WARC/1."
#: Bytes read at a time while looking for the next record after a broken one.
_SCAN_CHUNK = 1 << 20
_PARSE_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, OSError, ValueError, KeyError,
                 IndexError, TypeError)


class WarcError(ValueError):
    """A record (or a stretch of a file) that cannot be read as WARC."""


@dataclass(frozen=True, slots=True)
class WarcSkip:
    """A response record that is not read as a page: ``page`` has its URL, status, headers and
    fetch time but no body."""

    page: Page
    reason: str


def is_warc(path: str | Path) -> bool:
    """A WARC file by its name (a path, or an http(s) URL's path)."""
    text = str(path)
    if text.startswith(("http://", "https://")):
        from urllib.parse import urlsplit

        text = urlsplit(text).path
    return text.lower().endswith(WARC_SUFFIXES)


def _warc_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _http_info(record) -> tuple[int, list[tuple[str, str]]]:
    http = record.http_headers
    if http is None:
        raise WarcError("no HTTP headers in the record")
    try:
        status = int(http.get_statuscode())
    except (TypeError, ValueError):
        raise WarcError(f"bad HTTP status line {http.statusline!r}") from None
    return status, list(http.headers)


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in headers if key.lower() == name), "")


def _content_type(headers: list[tuple[str, str]]) -> str:
    return _header(headers, "content-type").split(";")[0].strip().lower()


def _read_payload(record, headers: list[tuple[str, str]], max_bytes: int) -> bytes | str:
    """The decoded HTTP payload, or the reason it cannot be had."""
    encoding = _header(headers, "content-encoding").strip().lower()
    # warcio decodes gzip, deflate and (with the brotli package) br; any other encoding would
    # come through still encoded.
    if encoding and encoding != "identity" and encoding not in BufferedReader.DECOMPRESSORS:
        return f"content_encoding:{encoding}"
    try:
        body = record.content_stream().read(max_bytes + 1)
    except _PARSE_ERRORS as exc:
        return f"bad_http_encoding:{type(exc).__name__}"
    if len(body) > max_bytes:
        return "oversize"
    return body


def _bytes_missing(record) -> int:
    """How many bytes of the record's declared ``Content-Length`` the file does not hold.

    warcio ends a record quietly where the file ends, so a file cut off inside a record (an
    interrupted download or copy) would give that record's payload as if it were whole: the
    rest of the record is read here, and a short count means the file stopped inside it.
    """
    raw = record.raw_stream
    if not isinstance(getattr(raw, "limit", None), int):
        return 0
    while raw.limit > 0:
        if not raw.read(min(raw.limit, _SCAN_CHUNK)):
            return raw.limit
    return 0


def single_gzip_stream(path: Path) -> bool:
    """Whether a gzip file holds more than its first WARC record in its first gzip member: a
    whole file compressed as one stream, which record-by-record readers (warcio) refuse after
    the first record. Decompresses the first member up to the end of the first record only."""
    inflate = zlib.decompressobj(wbits=31)
    head = b""
    seen = 0
    end = None
    with path.open("rb") as fh:
        while not inflate.eof:
            chunk = fh.read(1 << 16)
            if not chunk:
                return False  # cut short: the reader reports it
            try:
                data = inflate.decompress(chunk)
            except zlib.error:
                return False
            seen += len(data)
            if end is None:
                head += data[:1 << 16]
                if len(head) > _SCAN_CHUNK:
                    return False  # no header block where one should be: the reader judges it
                split = head.find(b"\r\n\r\n")
                if split >= 0:
                    length = next((line.split(b":", 1)[1].strip() for line in
                                   head[:split].split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), b"")
                    if not length.isdigit():
                        return False
                    end = split + 4 + int(length) + 4  # the block, then CRLF CRLF
            if end is not None and seen > end + 2:
                return True  # the member goes on past the record: one stream
    return False


class _Reader:
    """One WARC file; the iterator restarts after a broken record."""

    def __init__(self, path: Path, max_bytes: int, want=None, progress=None) -> None:
        self.path = path
        self.progress = progress
        self.max_bytes = max_bytes
        self.want = want
        #: Offsets of the response records read so far, by record id and by payload digest.
        self.by_id: dict[str, int] = {}
        self.by_digest: dict[str, int] = {}
        #: The latest response of each URL: what a "server not modified" revisit (a 304 to a
        #: conditional request, with no payload digest) confirms.
        self.by_uri: dict[str, int] = {}
        self._offset_of_current = 0
        with path.open("rb") as fh:
            self.magic = _GZIP_MAGIC if fh.read(3) == _GZIP_MAGIC else _WARC_MAGIC
        #: A whole file gzip-compressed as one stream (not a member per record): read through a
        #: decompressing file, whose offsets are those of the uncompressed WARC.
        self.single_stream = self.magic == _GZIP_MAGIC and single_gzip_stream(path)
        if self.single_stream:
            self.magic = _WARC_MAGIC

    def open(self):
        if self.single_stream:
            import gzip

            return gzip.open(self.path, "rb")
        return self.path.open("rb")

    def _next_start(self, fh, after: int) -> int | None:
        """Offset of the next place a record may start, after ``after``."""
        fh.seek(after + 1)
        tail = b""
        while True:
            pos = fh.tell() - len(tail)
            chunk = fh.read(_SCAN_CHUNK)
            if not chunk:
                return None
            data = tail + chunk
            found = data.find(self.magic)
            if found >= 0:
                return pos + found
            tail = data[-(len(self.magic) - 1):]

    def __iter__(self) -> Iterator[Page | WarcSkip | WarcError]:
        with self.open() as fh:
            start = 0
            while True:
                fh.seek(start)
                iterator = ArchiveIterator(fh)
                last = start
                try:
                    for record in iterator:
                        # The record's own offset (get_record_offset() would read it to its end).
                        last = iterator.offset
                        self._offset_of_current = last
                        item = self._item(record)
                        if self.progress is not None:
                            # Bytes of the file on disk (one gzip stream: of the compressed file).
                            self.progress(getattr(fh, "fileobj", fh).tell())
                        if item is not None:
                            yield item
                    return
                except _PARSE_ERRORS as exc:
                    yield WarcError(f"broken WARC data after byte {last} "
                                    f"({type(exc).__name__}: {str(exc)[:80]!r}); "
                                    f"read on from the next record")
                    resume = self._next_start(fh, last)
                    if resume is None:
                        return
                    start = resume

    def _item(self, record) -> Page | WarcSkip | WarcError | None:
        kind = record.rec_type
        if kind not in ("response", "revisit"):
            return None
        head = record.rec_headers
        url = head.get_header("WARC-Target-URI")
        if not url:
            return WarcError(f"a {kind} record without WARC-Target-URI")
        url = url.strip("<>")
        when = _warc_date(head.get_header("WARC-Date"))
        if self.want is not None and not self.want(url, when):
            if kind == "response":
                self._remember(head)  # a later revisit may be wanted
            return None
        try:
            status, headers = _http_info(record)
        except WarcError as exc:
            return WarcError(f"{url}: {exc}")
        if kind == "revisit":
            return self._revisit(record, url, status, headers, when)
        return self._response(record, url, status, headers, when)

    def _page(self, url, status, headers, when, body: bytes = b"") -> Page:
        if body:
            headers = [(k, v) for k, v in headers if k.lower() not in _TRANSFER_HEADERS]
        return Page.build(url, body, headers, status, when)

    def _response(self, record, url, status, headers, when, *, remember: bool = True):
        head = record.rec_headers
        if remember:
            self._remember(head)
        truncated = head.get_header("WARC-Truncated")
        if truncated:
            return WarcSkip(self._page(url, status, headers, when), f"warc_truncated:{truncated}")
        ctype = _content_type(headers)
        if ctype and not ctype.startswith(HTML_TYPES):
            return WarcSkip(self._page(url, status, headers, when), f"content_type:{ctype}")
        body = _read_payload(record, headers, self.max_bytes)
        if isinstance(body, str):
            return WarcSkip(self._page(url, status, headers, when), body)
        missing = _bytes_missing(record)
        if missing:
            return WarcError(f"{url}: the file ends {missing} bytes before the end of this record "
                             f"(cut off): not read")
        return self._page(url, status, headers, when, body)

    def _remember(self, head) -> None:
        offset = self._offset_of_current
        if head.get_header("WARC-Record-ID"):
            self.by_id[head.get_header("WARC-Record-ID")] = offset
        if head.get_header("WARC-Payload-Digest"):
            self.by_digest[head.get_header("WARC-Payload-Digest")] = offset
        self.by_uri[(head.get_header("WARC-Target-URI") or "").strip("<>")] = offset

    def _revisit(self, record, url, status, headers, when):
        head = record.rec_headers
        offset = self.by_id.get(head.get_header("WARC-Refers-To") or "")
        if offset is None:
            offset = self.by_digest.get(head.get_header("WARC-Payload-Digest") or "")
        if offset is None and "server-not-modified" in (head.get_header("WARC-Profile") or ""):
            refers = (head.get_header("WARC-Refers-To-Target-URI") or url).strip("<>")
            offset = self.by_uri.get(refers)
        if offset is None:
            return WarcSkip(self._page(url, status, headers, when), "revisit_original_not_in_file")
        with self.open() as other:
            other.seek(offset)
            try:
                original = next(iter(ArchiveIterator(other)))
                o_status, o_headers = _http_info(original)
            except (*_PARSE_ERRORS, StopIteration, WarcError):
                return WarcSkip(self._page(url, status, headers, when),
                                "revisit_original_unreadable")
            # A revisit keeps its own HTTP headers when it has a full set; a 304 answer keeps
            # the original's status and headers (its own say only "not modified").
            if status == 304 or not headers:
                status, headers = o_status, o_headers
            item = self._response(original, url, status, headers, when, remember=False)
        return item


def _coalesced(items: Iterator[Page | WarcSkip | WarcError]) -> Iterator[Page | WarcSkip | WarcError]:
    """Errors with no good record between them are one broken stretch: one error (the first,
    with how many more followed), so a damaged region is one line, not one per restart."""
    pending: WarcError | None = None
    more = 0
    for item in items:
        if isinstance(item, WarcError):
            if pending is None:
                pending = item
            else:
                more += 1
            continue
        if pending is not None:
            yield WarcError(f"{pending}" + (f" (and {more} more problems before the next "
                                             f"readable record)" if more else ""))
            pending, more = None, 0
        yield item
    if pending is not None:
        yield WarcError(f"{pending}" + (f" (and {more} more problems)" if more else ""))


def iter_warc(path: str | Path, max_bytes: int,
              want: Callable[[str, dt.datetime | None], bool] | None = None,
              progress: Callable[[int], None] | None = None,
              ) -> Iterator[Page | WarcSkip | WarcError]:
    """Pages, skipped responses and errors of one WARC file, in file order. ``want(url, date)``
    False passes a record over before its payload is read (filters on site and date);
    ``progress(offset)`` is told how far into the file reading is, after each record."""
    path = Path(path)
    if os.path.getsize(path) == 0:
        return iter(())
    return _coalesced(iter(_Reader(path, max_bytes, want, progress)))


#: Bytes copied at a time while a WARC file is downloaded.
_DOWNLOAD_CHUNK = 1 << 20
#: A download slower than this many bytes a second over a whole ``timeout`` is given up: a WARC
#: file may rightly take an hour, but a server that sends a byte now and then (each read
#: arriving within the socket's timeout) would otherwise hold the ingest for ever.
DOWNLOAD_MIN_RATE = 1024


def download(url: str, target: Path, timeout: float = 60.0,
             on_size: Callable[[int], None] | None = None,
             min_rate: float = DOWNLOAD_MIN_RATE) -> int:
    """Stream the WARC file at ``url`` into ``target``, a chunk at a time (a 1 GB file takes a
    chunk of memory); its size. ``on_size`` is told the size the server announces, if any.
    Raises :class:`WarcError` with a one-line reason when the download fails, is cut short, or
    brings fewer than ``min_rate`` bytes a second over any ``timeout`` seconds."""
    import http.client
    import time
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "newscrawl (WARC ingest)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, \
                target.open("wb") as out:
            announced = response.headers.get("Content-Length")
            if announced and announced.isdigit() and on_size is not None:
                on_size(int(announced))
            window_start, window_bytes = time.monotonic(), 0
            while chunk := response.read1(_DOWNLOAD_CHUNK):
                out.write(chunk)
                window_bytes += len(chunk)
                elapsed = time.monotonic() - window_start
                if elapsed >= timeout:
                    if window_bytes < min_rate * elapsed:
                        raise WarcError(f"cannot download: {window_bytes} bytes in the last "
                                        f"{elapsed:.0f} s (slower than {min_rate:g} bytes a second)")
                    window_start, window_bytes = time.monotonic(), 0
            size = out.tell()
    except urllib.error.HTTPError as exc:
        raise WarcError(f"cannot download: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise WarcError(f"cannot download: {exc.reason}") from None
    except (OSError, http.client.HTTPException) as exc:
        raise WarcError(f"cannot download: {type(exc).__name__}: {exc}") from None
    if announced and announced.isdigit() and size != int(announced):
        raise WarcError(f"cannot download: {size} of {announced} bytes received")
    return size


def read_paths_list(path: str | Path) -> list[str]:
    """The entries of a ``warc.paths``-style list (one path a line; ``.gz`` lists too).
    Relative paths are taken from the list's folder."""
    import gzip

    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        lines = [line.strip() for line in fh]
    return [line if line.startswith(("http://", "https://")) or Path(line).is_absolute()
            else str(path.parent / line) for line in lines if line and not line.startswith("#")]


__all__ = ["HTML_TYPES", "WARC_SUFFIXES", "WarcError", "WarcSkip", "download", "is_warc",
           "iter_warc", "read_paths_list"]
