"""Decode stage: raw bytes -> text, with the encoding used and where it came from.

Order of evidence, as browsers do it, plus verification (pages lie about their encoding):

1. a byte-order mark decides outright (source ``bom``);
2. declarations: the HTTP ``Content-Type`` charset (``header``) and the ``<meta>``/XML
   declaration anywhere in the ``<head>`` (``meta``; not only the first 4 KB, as w3lib scans:
   portal pages often put it later). Labels are resolved the way browsers do (latin-1/ascii ->
   cp1252, gb2312/gbk -> gb18030) by the stage's own table in :mod:`.labels`, not w3lib's
   (whose answers changed in 2.6; the reasons per label are there);
3. a declaration is *verified by decoding*: a page declared as a single-byte Western encoding
   (or not declared) whose bytes are valid UTF-8 with non-ASCII content is UTF-8 (source
   ``corrected``) -- the chance that cp1252 text happens to be valid UTF-8 is negligible for real
   text. A declaration that fails to decode cleanly loses to one that does; when several decode
   cleanly and disagree, charset-normalizer restricted to those candidates chooses;
4. nothing declared: valid UTF-8 is UTF-8; otherwise charset-normalizer detects (``detected``);
   cp1252 is the last resort (``fallback``), as in browsers.

Binary bodies (images, PDFs, archives) are reported with :class:`NotText`, never decoded into
garbage. The text keeps U+FFFD for undecodable bytes; their number is reported.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

from newscrawl.stages.decode.alphabets import best_spelling
from newscrawl.stages.decode.cjk import browser_japanese, east_asian_readings, japanese_reading
from newscrawl.stages.decode.labels import (
    header_encoding,
    read_bom,
    resolve_declared_label,
    resolve_label,
    tag_charset_label,
    to_text,
)

#: How much of the page is searched for a meta/XML declaration when no </head> is found.
DECLARATION_SCAN_BYTES = 64 * 1024
#: Single-byte encodings that valid-UTF-8 evidence overrides (they decode any byte sequence, so
#: their "success" proves nothing).
_UTF8_OVERRIDABLE = {"cp1252", "latin_1", "iso8859_15", "ascii", "mac_roman"}

_META_RE = re.compile(rb"<meta\b[^>]*charset[^>]*>|<\?xml\b[^>]*\?>", re.IGNORECASE)
_HEAD_END_RE = re.compile(rb"</head\s*>|<body\b", re.IGNORECASE)
# Magic numbers of common binary formats served where HTML was expected.
_BINARY_MAGIC = (
    b"%PDF-", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04",
    b"\x1f\x8b", b"BZh", b"\x7fELF", b"RIFF", b"OggS", b"ID3", b"\x00\x00\x01\x00",
)


# UTF-8 sequences of accented letters, punctuation and symbols as they look read as cp1252.
_MOJIBAKE_RE = re.compile("[ÂÃ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]|â€")
#: A page is taken as double-encoded when at least this many such sequences appear and they are
#: most of its non-ASCII text (a page *about* mojibake quotes a few among correct letters).
DOUBLE_ENCODING_MIN_SEQUENCES = 3
DOUBLE_ENCODING_MIN_SHARE = 0.5


def undo_double_encoding(text: str) -> tuple[str, int]:
    """A whole page that was UTF-8, read as cp1252 and saved again as UTF-8 (scrapers do this),
    restored by reversing the round trip -- only when the reversal is clean for the whole page.
    Returns (text, number of sequences repaired); (text, 0) when it is not double-encoded."""
    if "Ã" not in text and "â€" not in text and "Â" not in text:
        return text, 0  # substring tests in C: the common case costs microseconds
    found = _MOJIBAKE_RE.findall(text)
    if len(found) < DOUBLE_ENCODING_MIN_SEQUENCES:
        return text, 0
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if sum(len(m) for m in found) < DOUBLE_ENCODING_MIN_SHARE * non_ascii:
        return text, 0
    import ftfy.bad_codecs  # noqa: F401  (registers "sloppy-windows-1252": all 256 bytes map)

    try:
        restored = text.encode("sloppy-windows-1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text, 0
    return restored, len(found)


class NotText(ValueError):
    """The body is not text in any encoding (binary content)."""


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    #: bom | header | meta | corrected | detected | fallback | empty
    source: str
    declared_header: str | None = None
    declared_meta: str | None = None
    #: A note when declarations disagreed or were wrong, e.g. "header=cp1252 meta=utf-8 -> utf-8".
    conflict: str | None = None
    replacement_count: int = 0
    #: Mojibake sequences undone because the whole page was double-encoded (0: it was not).
    double_encoding_repairs: int = 0


def codec_name(encoding: str) -> str:
    """Python's canonical codec name (``'UTF8'`` -> ``'utf-8'``, ``'GBK'`` -> ``'gbk'``)."""
    return codecs.lookup(encoding).name


def declared_meta_encoding(body: bytes) -> str | None:
    """The first meta/XML charset declaration in the head (whole head, not just 4 KB)."""
    end = _HEAD_END_RE.search(body, 0, DECLARATION_SCAN_BYTES)
    head = body[: end.start() if end else DECLARATION_SCAN_BYTES]
    for match in _META_RE.finditer(head):
        encoding = resolve_declared_label(tag_charset_label(match.group(0)))
        if encoding:
            return encoding
    return None


def looks_binary(body: bytes) -> bool:
    head = body[:1024]
    if head.startswith(_BINARY_MAGIC):
        return True
    # NUL bytes do not occur in text except in UTF-16/32, which a BOM announces.
    return b"\x00" in head and read_bom(body)[0] is None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decodes_cleanly(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _detect(body: bytes, candidates: list[str] | None = None) -> str | None:
    best = _best_match(body, candidates)
    return resolve_label(best.encoding) if best is not None else None


def _best_match(body: bytes, candidates: list[str] | None = None):
    kwargs = {"cp_isolation": candidates} if candidates else {}
    return charset_normalizer.from_bytes(body, **kwargs).best()


# Escape sequences that switch an ISO-2022 stream into a double-byte set: the text is 7-bit
# (it passes for ASCII) but is Japanese or Korean.
_ISO2022_KR = b"\x1b$)C"
_ISO2022_JP = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(I", b"\x1b$(D")


def sniff_iso2022(body: bytes) -> str | None:
    if b"\x1b" not in body:
        return None
    if _ISO2022_KR in body:
        return "iso2022_kr"
    if any(seq in body for seq in _ISO2022_JP):
        return "iso2022_jp"
    return None


_MARKUP_START_RE = re.compile(r"<(?:!doctype|html|head|\?xml|meta|body|title)", re.IGNORECASE)


def sniff_utf16_32(body: bytes) -> str | None:
    """UTF-16/32 without a BOM: the encoding in which the page's opening markup reads as markup.

    Only bodies with NUL bytes near the start are tried (ASCII markup in UTF-16/32 has them)."""
    head = body[:1024]
    if b"\x00" not in head[:64]:
        return None
    for encoding in ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"):
        width = 4 if "32" in encoding else 2
        try:
            text = head[: len(head) - len(head) % width].decode(encoding)
        except UnicodeDecodeError:
            continue
        if _MARKUP_START_RE.search(text[:200]):
            return encoding
    return None


#: Chaos margin (charset-normalizer's mess ratio, 0..1) by which detection must beat a Western
#: single-byte declaration to replace it: such a declaration decodes any bytes, so only the
#: result's quality can show it is wrong (a GBK page served as iso-8859-1 reads as "Ã¤Â½" soup).
CHAOS_MARGIN = 0.05


#: Single-byte encodings of Latin-script text (as :func:`codec_name` spells them). A page
#: declared or detected as one of them may really be in another: they all decode any byte, so
#: only the alphabet the result is spelled in can tell (see :mod:`newscrawl.stages.decode.alphabets`).
LATIN_SINGLE_BYTE = frozenset(codec_name(label) for label in (
    "cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1254", "iso8859_9", "cp1257",
    "iso8859_4", "iso8859_13", "iso8859_10", "iso8859_16", "iso8859_3", "cp1258", "cp775",
    "cp850", "cp852", "cp437", "hp_roman8", "mac_roman", "mac_latin2", "mac_iceland",
))
#: The Latin single-byte encodings the web actually uses, tried against one another (in this
#: order of preference on ties): Western, Central European (both), Turkish, Baltic, Vietnamese.
WEB_LATIN = tuple(codec_name(label) for label in ("cp1252", "cp1250", "iso8859_2", "cp1254", "cp1257", "cp1258"))


#: Cyrillic single-byte code pages and their variants that share the Russian letters' bytes and
#: differ in another language's letters (Kazakh, Ukrainian): the variant whose reading spells a
#: language wins over the incumbent by alphabet, as among the Latin encodings. Code pages with
#: other layouts (koi8-r against cp1251) are not tried: their misreadings are Cyrillic letters
#: too, which an alphabet cannot tell; that is the detector's part.
CYRILLIC_VARIANTS = {codec_name(k): tuple(codec_name(v) for v in vs) for k, vs in {
    "cp1251": ("kz1048", "ptcp154"), "kz1048": ("cp1251", "ptcp154"), "ptcp154": ("cp1251", "kz1048"),
    "koi8_r": ("koi8_u",), "koi8_u": ("koi8_r",),
}.items()}


def respell(body: bytes, encoding: str, declared: bool = True) -> str:
    """``encoding`` itself, or the web Latin single-byte encoding whose decoding of ``body``
    spells a language clearly better (:func:`newscrawl.stages.decode.alphabets.best_spelling`). Encodings
    outside :data:`LATIN_SINGLE_BYTE` are returned unchanged.

    A declared encoding is the incumbent that others must beat. A *detected* one is not: on
    Latin-script text the detector's answers scatter over look-alike code pages (cp1250,
    cp775, hp-roman8, cp1258 for plain French or Finnish pages, measured on
    ../shared/data/charsets), so cp1252 -- what browsers fall back to -- is the incumbent and
    the detector's answer one more challenger."""
    encoding = codec_name(encoding)
    if encoding in CYRILLIC_VARIANTS:
        challengers: tuple[str, ...] = CYRILLIC_VARIANTS[encoding]
        incumbent = encoding
    elif encoding in LATIN_SINGLE_BYTE:
        challengers = (*WEB_LATIN, encoding)
        incumbent = encoding if declared else "cp1252"
    else:
        return encoding
    candidates = {incumbent: body.decode(incumbent, "replace")}
    for other in challengers:
        if other not in candidates:
            try:
                candidates[other] = body.decode(other)
            except UnicodeDecodeError:
                continue  # a byte this encoding leaves undefined: not the page's encoding
    return codec_name(best_spelling(candidates, incumbent))


def east_asian_encoding(body: bytes, encoding: str) -> str:
    """``encoding``, or the East Asian encoding the page is really in (:mod:`newscrawl.stages.decode.cjk`): a
    Latin single-byte reading loses to East Asian readings of the bytes (charset-normalizer
    chooses among several), a Chinese reading full of kana to a Japanese encoding, and a
    Japanese codec to the one browsers use for its label."""
    if encoding in LATIN_SINGLE_BYTE:
        readings = east_asian_readings(body)
        if not readings:
            return encoding
        chosen = readings[0] if len(readings) == 1 else (_detect(body, readings) or readings[0])
        encoding = chosen if chosen in readings else readings[0]
    encoding = japanese_reading(body, encoding) or encoding
    return browser_japanese(body, encoding)


def _choose(body: bytes, header: str | None, meta: str | None) -> tuple[str, str, str | None]:
    """(encoding, source, conflict note) from the declarations and the bytes themselves."""
    encoding, source, conflict = _choose_declared_or_detected(body, header, meta)
    if body.isascii() or source not in ("header", "meta", "detected", "fallback", "corrected"):
        return encoding, source, conflict
    east_asian = east_asian_encoding(body, encoding)
    if east_asian != encoding:
        declared = " ".join(f"{s}={e}" for s, e in (("header", header), ("meta", meta)) if e)
        if not declared:
            return east_asian, "detected", None
        return east_asian, "corrected", f"{declared} -> {east_asian}"
    respelled = respell(body, encoding, declared=source in ("header", "meta"))
    if respelled == encoding:
        return encoding, source, conflict
    declared = " ".join(f"{s}={e}" for s, e in (("header", header), ("meta", meta)) if e)
    if not declared:
        return respelled, "detected", None
    return respelled, "corrected", f"{declared} -> {respelled}"


def _choose_declared_or_detected(body: bytes, header: str | None, meta: str | None) -> tuple[str, str, str | None]:
    declared = [(src, enc) for src, enc in (("header", header), ("meta", meta)) if enc]
    non_ascii = not body.isascii()
    utf8 = non_ascii and _is_utf8(body)
    if not declared:
        if not non_ascii or utf8:
            return "utf-8", "detected", None
        detected = _detect(body)
        if detected:
            return detected, "detected", None
        return "cp1252", "fallback", None

    distinct = {enc for _, enc in declared}
    first_src, first_enc = declared[0]
    note = " ".join(f"{src}={enc}" for src, enc in declared) if len(distinct) > 1 else None

    if utf8 and "utf-8" not in distinct and distinct <= _UTF8_OVERRIDABLE:
        return "utf-8", "corrected", f"{' '.join(f'{s}={e}' for s, e in declared)} -> utf-8"
    if utf8 and "utf-8" in distinct:
        src = next(s for s, e in declared if e == "utf-8")
        return "utf-8", src, f"{note} -> utf-8" if note else None
    if non_ascii and not utf8 and distinct <= _UTF8_OVERRIDABLE:
        # Only Western single-byte declarations, and bytes that are not UTF-8: check them
        # against detection, by how much sense each decoding makes.
        declared_match = _best_match(body, sorted(distinct))
        detected = _best_match(body)
        if detected is not None and resolve_label(detected.encoding) not in distinct and (
                declared_match is None or detected.chaos + CHAOS_MARGIN < declared_match.chaos):
            encoding = resolve_label(detected.encoding)
            return encoding, "corrected", f"{' '.join(f'{s}={e}' for s, e in declared)} -> {encoding}"
    clean = [(src, enc) for src, enc in declared if _decodes_cleanly(body, enc)]
    if len({enc for _, enc in clean}) == 1:
        src, enc = clean[0]
        if note or (src, enc) != (first_src, first_enc):
            return enc, src, f"{note or f'{first_src}={first_enc}'} -> {enc}"
        return enc, src, None
    if len(clean) > 1:
        # Several declarations decode without error: let the bytes choose among them.
        encs = sorted({enc for _, enc in clean})
        best = _detect(body, encs) or clean[0][1]
        src = next((s for s, e in clean if e == best), clean[0][0])
        return best, src, f"{note} -> {best}"
    # No declaration decodes cleanly: they are wrong. Detect freely among all encodings.
    detected = _detect(body)
    if detected and _decodes_cleanly(body, detected):
        return detected, "detected", f"{' '.join(f'{s}={e}' for s, e in declared)} -> {detected}"
    return first_enc, first_src, f"{first_src}={first_enc} does not decode cleanly"


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML (or XML) body. Raises :class:`NotText` for binary content."""
    if not body:
        return Decoded(text="", encoding="utf-8", source="empty")
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        text = to_text(body[len(bom):], bom_encoding)
        return Decoded(text=text, encoding=codec_name(bom_encoding), source="bom",
                       replacement_count=text.count("\ufffd"))
    header = header_encoding(content_type) if content_type else None
    wide = header if header and header.startswith(("utf-16", "utf-32")) else sniff_utf16_32(body)
    if wide:
        text = to_text(body, wide)
        return Decoded(text=text, encoding=wide, source="header" if wide == header else "detected",
                       declared_header=header, replacement_count=text.count("\ufffd"))
    if looks_binary(body):
        raise NotText("binary content (magic number or NUL bytes)")
    meta = declared_meta_encoding(body)
    iso2022 = sniff_iso2022(body) if body.isascii() else None
    if iso2022 and iso2022 not in (header, meta):
        # 7-bit escape-coded text passes for ASCII under any declaration.
        text = to_text(body, iso2022)
        note = f"header={header} meta={meta} -> {iso2022}" if header or meta else None
        return Decoded(text=text, encoding=iso2022, source="detected" if not note else "corrected",
                       declared_header=header, declared_meta=meta, conflict=note,
                       replacement_count=text.count("\ufffd"))
    encoding, source, conflict = _choose(body, header, meta)
    text = to_text(body, encoding)
    text, undone = undo_double_encoding(text) if encoding == "utf-8" else (text, 0)
    return Decoded(
        text=text,
        encoding=encoding,
        source=source,
        declared_header=header,
        declared_meta=meta,
        conflict=conflict,
        replacement_count=text.count("\ufffd"),
        double_encoding_repairs=undone,
    )
