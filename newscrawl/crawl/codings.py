"""Content codings (gzip, deflate, br, zstd) undone within a size limit, and cut-off streams told apart.

Scrapy's decoders hand back whatever a cut-off stream decoded to (its gzip reader is lenient on
purpose), and :mod:`zlib` does the same without a word: a compressed body that stops mid-stream
- the server's compressor died, a cache stored half a file with a correct ``Content-Length`` -
reads as a shorter page. For an article that is a bogus edit of its story, so the crawl's
article downloads (:mod:`newscrawl.crawl.compression`) and ``newscrawl fetch`` decode with
:func:`decode`, which raises :class:`Truncated` for a stream that never reaches its end.
:func:`decode_prefix` is for the robots.txt, whose first bytes are all that is read anyway.

Pure functions over bytes: no Scrapy, no network. brotli (or brotlicffi) and zstd are imported
when a body needs them.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

__all__ = ["CODINGS", "CodingError", "TooLarge", "Truncated", "decode", "decode_prefix"]

#: The codings undone here (names as in ``Content-Encoding``, lower case).
CODINGS = ("gzip", "x-gzip", "deflate", "br", "zstd")
#: Output bytes asked of a decoder at a time, so a bomb is stopped near the limit.
_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"


class CodingError(ValueError):
    """The body is not valid data of its coding. ``reason``: the fetch's failure reason."""

    reason = "bad_content_encoding"


class Truncated(CodingError):
    """The compressed stream stops before its end: part of the page is missing."""

    reason = "truncated_content_encoding"


class TooLarge(ValueError):
    """The decoded body passed the size limit (``size``: bytes decoded when it stopped)."""

    def __init__(self, size: int, max_size: int) -> None:
        super().__init__(f"more than {max_size} bytes once decompressed")
        self.size = size
        self.max_size = max_size


def decode(body: bytes, coding: str, max_size: int) -> bytes:
    """``body`` with ``coding`` undone: at most ``max_size`` bytes (0: no limit), the whole stream.

    Raises :class:`TooLarge`, :class:`Truncated` (the stream stops before its end) or
    :class:`CodingError` (not data of that coding). An empty body stays empty (a 304 or a HEAD
    answer carries the header without a body)."""
    out = bytearray()
    for chunk in _chunks(body, coding):
        out += chunk
        if max_size and len(out) > max_size:
            raise TooLarge(len(out), max_size)
    return bytes(out)


def decode_prefix(body: bytes, coding: str, limit: int) -> tuple[bytes, bool]:
    """The first bytes of ``body`` decoded, at most ``limit + 1`` (so a caller can tell the
    limit was passed), and whether that is the whole stream. A stream that stops before its
    end gives what it decoded; data that is not of the coding raises :class:`CodingError`."""
    out = bytearray()
    try:
        for chunk in _chunks(body, coding):
            out += chunk
            if len(out) > limit:
                return bytes(out[:limit + 1]), False
    except Truncated:
        return bytes(out), False
    return bytes(out), True


def _chunks(body: bytes, coding: str) -> Iterator[bytes]:
    coding = coding.strip().lower()
    if not body:
        return
    if coding in ("gzip", "x-gzip"):
        yield from _zlib(body, 16 + zlib.MAX_WBITS, coding, members=True)
    elif coding == "deflate":
        # zlib-wrapped as the RFC says, or raw deflate as some servers send it.
        try:
            first = zlib.decompressobj().decompress(body[:64], 1)
        except zlib.error:
            first = None
        yield from _zlib(body, zlib.MAX_WBITS if first is not None else -zlib.MAX_WBITS, coding)
    elif coding == "br":
        yield from _brotli(body)
    elif coding == "zstd":
        yield from _zstd(body)
    else:
        raise CodingError(f"unknown coding {coding!r}")


def _zlib(body: bytes, wbits: int, coding: str, members: bool = False) -> Iterator[bytes]:
    data = body
    while True:
        decoder = zlib.decompressobj(wbits)
        while not decoder.eof:
            try:
                chunk = decoder.decompress(data, _CHUNK)
            except zlib.error as exc:
                raise CodingError(f"not valid {coding} data ({exc})") from exc
            data = decoder.unconsumed_tail
            if chunk:
                yield chunk
            elif not data:
                raise Truncated(f"the {coding} data ends before its end")
        data = decoder.unused_data
        # gzip allows several members one after the other; anything else after the end
        # (padding, a stray newline) is not part of the body.
        if not (members and data.startswith(_GZIP_MAGIC)):
            return


def _brotli(body: bytes) -> Iterator[bytes]:
    try:
        import brotli
    except ImportError:
        import brotlicffi as brotli  # ImportError of both: the caller says what to install
    decoder = brotli.Decompressor()
    data = body
    while True:
        try:
            chunk = decoder.process(data, output_buffer_limit=_CHUNK)
        except brotli.error as exc:
            raise CodingError("not valid br data") from exc
        data = b""
        if chunk:
            yield chunk
        if decoder.is_finished():
            return
        if not chunk:
            raise Truncated("the br data ends before its end")


def _zstd(body: bytes) -> Iterator[bytes]:
    try:
        from compression import zstd  # Python 3.14
    except ImportError:
        from backports import zstd  # what Scrapy installs before 3.14
    data = body
    while True:
        decoder = zstd.ZstdDecompressor()
        while not decoder.eof:
            try:
                chunk = decoder.decompress(data, _CHUNK)
            except zstd.ZstdError as exc:
                raise CodingError(f"not valid zstd data ({exc})") from exc
            data = b""
            if chunk:
                yield chunk
            elif decoder.needs_input:
                raise Truncated("the zstd data ends before its end")
        data = decoder.unused_data
        if not data:  # or the next frame
            return
