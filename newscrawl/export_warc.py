"""``newscrawl export --format warc``: the downloads the store kept, written as a WARC file.

Each fetch with stored bytes becomes a ``response`` record (its URL, fetch time as WARC-Date, HTTP
status, the headers of the raw page's first download, the bytes), so a database can be archived
or moved in the standard format and read back by ``newscrawl ingest`` (or any WARC tool). The
store keeps each distinct body once; later fetches of the same bytes are ``revisit`` records
(identical payload digest) referring to the first, which a reader resolves within the file. The
captures come grouped by raw page (:func:`newscrawl.store.queries.iter_captures`), so the record
a revisit refers to is the one just written: nothing is held but the last response's identity.

The bytes stored are those the stages read: the HTTP client had already undone any content or
transfer encoding, so the headers that described it (and the encoded length) are left out.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
from collections.abc import Callable, Iterable
from http.client import responses as REASONS
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.store.queries import Capture

#: Headers of the encoded transfer, which no longer describe the stored (decoded) bytes.
_ENCODING_HEADERS = ("content-encoding", "transfer-encoding", "content-length")


def _date(when: dt.datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _http(capture: Capture) -> StatusAndHeaders:
    status = capture.status or 200
    headers = [(name, value) for name, value in capture.headers.items()
               if name.lower() not in _ENCODING_HEADERS]
    return StatusAndHeaders(f"{status} {REASONS.get(status, 'Unknown')}", headers,
                            protocol="HTTP/1.1")


def write_warc(captures: Iterable[Capture], stream: BinaryIO, info: dict[str, str],
               name: str = "newscrawl-export.warc.gz",
               progress: Callable[[int], None] | None = None) -> int:
    """Write ``captures`` to ``stream`` as gzip WARC 1.1 (a ``warcinfo`` record first, with
    ``info``); the number of captures written. ``progress`` is told the count after each."""
    writer = WARCWriter(stream, gzip=True, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record(name, info))
    last: tuple[int, str, str, str, str] | None = None  # raw page, record id, uri, date, digest
    count = 0
    for capture in captures:
        date = _date(capture.fetched_at)
        if last is not None and last[0] == capture.raw_page_id:
            record = writer.create_revisit_record(
                capture.url, last[4], last[2], last[3], http_headers=_http(capture),
                warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": last[1]})
        else:
            body = gzip.decompress(capture.content)
            record = writer.create_warc_record(capture.url, "response",
                                               payload=io.BytesIO(body),
                                               http_headers=_http(capture),
                                               warc_headers_dict={"WARC-Date": date})
        writer.write_record(record)
        if record.rec_type == "response":
            head = record.rec_headers
            last = (capture.raw_page_id, head.get_header("WARC-Record-ID"), capture.url, date,
                    head.get_header("WARC-Payload-Digest"))
        count += 1
        if progress is not None:
            progress(count)
    return count


__all__ = ["write_warc"]
