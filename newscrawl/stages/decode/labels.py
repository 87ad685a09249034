"""Charset labels -> Python codecs, BOMs, and decoding with replacement: the decode stage's own.

The decode stage used to take these from :mod:`w3lib.encoding`. w3lib 2.6 rebuilt those
functions on another package and changed their answers (``gbk`` -> ``gbk`` instead of
``gb18030``, ``iso-2022-kr`` -> the WHATWG ``replacement`` encoding, ``utf-32`` and every
DOS/EBCDIC/Mac code page -> no encoding, a UTF-32LE BOM read as UTF-16LE, ``to_unicode`` with the
WHATWG decoders), and it registers codecs Python lacks (``replacement``, ``x-user-defined``) in
the process-wide codec registry. So that a page decodes the same whichever w3lib is installed,
the stage owns them here; none of them consults ``codecs.lookup``'s registered search functions,
only Python's own ``encodings`` package.

Label semantics (what :func:`resolve_label` answers), decided per difference with w3lib 2.6:

- Python's aliases name the codec (``latin1`` -> ``latin_1``), then the table below applies
  the browsers' supersets: the label a page declares names the encoding its server's software
  wrote, which browsers read with the superset (latin-1/ascii -> cp1252, iso-8859-9 -> cp1254,
  Shift_JIS -> cp932, EUC-KR -> cp949, Big5 -> big5hkscs, TIS-620 -> cp874).
- gb2312/gbk -> gb18030, not 2.6's gbk: gb18030 decodes every GBK byte sequence the same and
  also the four-byte sequences of characters GBK lacks (rare names, minority scripts), which a
  page declaring gb2312 or gbk may hold.
- iso-2022-kr and hz -> Python's codecs, not WHATWG's ``replacement`` (which decodes a whole
  page to one U+FFFD, a defence for browsers against script smuggled in escape sequences;
  the stages only read text, so the page is decoded).
- utf-16/utf-32 and their variants -> Python's codecs (2.6: utf-16 -> utf-16-le, utf-32 ->
  none); a BOM-less wide page is sniffed from its markup before any label is used.
- DOS, EBCDIC, Mac and other code pages Python knows -> their codecs (2.6: none): a declared
  cp852 page is read as cp852.
- utf-7, codecs that are not text encodings (base64, zlib, rot13) and labels Python does not
  know -> ``None``: the declaration is ignored, as browsers ignore an unknown label.
- A ``<meta>`` or XML declaration of UTF-16 or UTF-32 reads as UTF-8 (the Encoding Standard's
  rule): the declaration was found in bytes that read as ASCII, so they are not UTF-16/32; a
  UTF-8 page declaring utf-16 would otherwise decode to CJK-looking garbage.
"""

from __future__ import annotations

import codecs
import encodings
import re
from functools import lru_cache

#: Python codec (after its aliases) -> the codec browsers read that label's pages with.
BROWSER_SUPERSETS = {
    "ascii": "cp1252",
    "latin_1": "cp1252",
    "iso8859_9": "cp1254",
    "iso8859_11": "cp874",
    "tis_620": "cp874",
    "windows_874": "cp874",
    "win_874": "cp874",
    "gb2312": "gb18030",
    "gb_2312_80": "gb18030",
    "gbk": "gb18030",
    "zh_cn": "gb18030",
    "big5": "big5hkscs",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "windows_31j": "cp932",
    "win_31j": "cp932",
    "x_sjis": "cp932",
    "win_1251": "cp1251",
    "macintosh": "mac_roman",
}

def _labels(codec: str, *labels: str) -> dict[str, str]:
    return {encodings.normalize_encoding(label).lower(): codec for label in labels}


#: Labels of the WHATWG Encoding Standard that Python's aliases do not know, -> the codec (the
#: browsers' supersets below then apply). Pages in the wild declare them (``x-gbk``,
#: ``windows-949``, ``x-mac-roman``); without them the declaration would be ignored and the
#: page's encoding guessed.
ENCODING_STANDARD_LABELS = {
    **_labels("utf-8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"),
    **_labels("cp1252", "iso88591", "x-cp1252"),
    **{encodings.normalize_encoding(f"iso8859{n}"): f"iso8859_{n}"
       for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)},
    **_labels("iso8859_4", "csisolatin4"),
    **_labels("iso8859_6", "csiso88596e", "csiso88596i", "iso-8859-6-e", "iso-8859-6-i"),
    **_labels("iso8859_8", "csiso88598e", "csiso88598i", "iso-8859-8-e", "iso-8859-8-i",
              "visual", "logical"),
    **_labels("iso8859_10", "csisolatin6", "iso-ir-157", "l6", "latin6"),
    **_labels("iso8859_15", "csisolatin9"),
    **_labels("koi8_r", "koi", "koi8", "koi8_r"),
    **_labels("koi8_u", "koi8-ru"),
    **_labels("mac_roman", "csmacintosh", "mac", "x-mac-roman"),
    **_labels("mac_cyrillic", "x-mac-cyrillic", "x-mac-ukrainian"),
    **_labels("cp874", "dos-874"),
    **{f"x_cp125{n}": f"cp125{n}" for n in range(9)},
    **_labels("gb18030", "x-gbk", "csgb2312", "csiso58gb231280", "gb_2312"),
    **_labels("big5hkscs", "cn-big5", "csbig5", "x-x-big5"),
    **_labels("euc_jp", "x-euc-jp", "cseucpkdfmtjapanese"),
    **_labels("cp949", "windows-949", "cseuckr", "csksc56011987", "iso-ir-149", "ks_c_5601-1989",
              "ksc_5601"),
    **_labels("utf-16-le", "unicode", "ucs-2", "csunicode", "iso-10646-ucs-2", "unicodefeff"),
    **_labels("utf-16-be", "unicodefffe"),
}

#: Codecs Python has that no label may select: UTF-7 re-spells "<" and ">" in ASCII letters, so
#: a page declaring it could turn inert text into markup; browsers dropped it.
REFUSED = frozenset({"utf-7"})


@lru_cache(maxsize=512)
def resolve_label(label: str | None) -> str | None:
    """The Python codec name a page declaring ``label`` is read with, or ``None`` when the
    label names no text encoding Python has (the declaration is then ignored)."""
    if not label:
        return None
    normalized = encodings.normalize_encoding(label).lower()
    normalized = ENCODING_STANDARD_LABELS.get(normalized, normalized)
    name = encodings.aliases.aliases.get(normalized, normalized)
    # Python's own codecs only: another package's codecs registered with ``codecs.register``
    # would make the answer depend on what else the process imported.
    info = encodings.search_function(BROWSER_SUPERSETS.get(name, name))
    if info is None or not getattr(info, "_is_text_encoding", True) or info.name in REFUSED:
        return None
    return info.name


_WIDE_UNICODE = ("utf-16", "utf-32")


def resolve_declared_label(label: str | None) -> str | None:
    """:func:`resolve_label` for a label found in the page's own markup: UTF-16/32 read as UTF-8
    (bytes in which an ASCII declaration was found are not UTF-16/32)."""
    name = resolve_label(label)
    return "utf-8" if name is not None and name.startswith(_WIDE_UNICODE) else name


# One parameter of a Content-Type header: a name and a token or quoted-string value. A quoted
# value is consumed whole, so a "charset=" written inside it is not a parameter of its own.
_PARAMETER_RE = re.compile(
    r"""(?:^|;)[ \t]*(?P<name>[^\s;=]+)=
        (?:"(?P<quoted>[^"\\]*(?:\\.[^"\\]*)*)"(?![^\s;,]) | (?P<token>[^;,\s]*))""",
    re.VERBOSE,
)
_LABEL_RE = re.compile(r"[\w-]+")


def header_charset_label(content_type: str | None) -> str | None:
    """The charset label of a Content-Type header, unresolved (its first well-formed one)."""
    if not content_type or "charset" not in content_type.lower():
        return None
    for match in _PARAMETER_RE.finditer(content_type):
        if match.group("name").lower() != "charset":
            continue
        value = match.group("quoted")
        if value is None:
            value = match.group("token")
        if _LABEL_RE.fullmatch(value):
            return value
    return None


@lru_cache(maxsize=256)  # a crawl sees a handful of distinct Content-Type values
def header_encoding(content_type: str | None) -> str | None:
    """The encoding a Content-Type header declares, resolved (``None``: none, or unknown)."""
    return resolve_label(header_charset_label(content_type))


# An attribute of a tag: name, then an optional double-quoted, single-quoted or bare value.
_ATTRIBUTE_RE = re.compile(r"""(?P<name>[^\s<>/=]+)(?:\s*=\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>[^\s"'>]*)))?""")
# The pragma attribute however spelled, and its content-type value however spelled.
_HTTP_EQUIV = frozenset({"http-equiv", "http_equiv", "httpequiv"})
_CONTENT_TYPE_RE = re.compile(r"content[-_ ]?type", re.IGNORECASE)
_CONTENT_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?\s*(?P<label>[\w-]+)""", re.IGNORECASE)
_TAG_START_RE = re.compile(r"<\s*(?:(?P<meta>meta)(?=[\s/])|(?P<xml>\?xml)\s)", re.IGNORECASE)


def _attributes(text: str):
    for match in _ATTRIBUTE_RE.finditer(text):
        if match.lastindex is None or match.lastindex == 1:
            continue  # an attribute without a value
        value = match.group("double") or match.group("single") or match.group("bare") or ""
        yield match.group("name").lower(), value


def _leading_label(value: str) -> str | None:
    match = _LABEL_RE.match(value.lstrip())
    return match.group() if match else None


def tag_charset_label(tag: bytes | str) -> str | None:
    """The charset label one ``<meta>`` tag or XML declaration declares, unresolved.

    As the HTML prescan: a ``charset`` attribute, or a ``charset=`` inside a ``content``
    attribute when the tag also carries the ``http-equiv`` content-type pragma; for XML, the
    ``encoding`` pseudo-attribute."""
    text = tag.decode("latin-1") if isinstance(tag, bytes) else tag
    start = _TAG_START_RE.match(text)
    if start is None:
        return None
    rest = text[start.end():]
    end = min((i for i in (rest.find("<"), rest.find(">")) if i >= 0), default=len(rest))
    attributes = rest[:end]
    if start.group("xml"):
        return next((label for name, value in _attributes(attributes)
                     if name == "encoding" and (label := _leading_label(value))), None)
    pragma = False
    content_label = None
    for name, value in _attributes(attributes):
        if name == "charset":
            if label := _leading_label(value):
                return label
        elif name == "content":
            if content_label is None and (match := _CONTENT_CHARSET_RE.search(value)):
                content_label = match.group("label")
        elif name in _HTTP_EQUIV and _CONTENT_TYPE_RE.search(value):
            pragma = True
    return content_label if pragma else None


#: Byte-order marks, longest first (a UTF-32LE BOM starts with the UTF-16LE one).
BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF8, "utf-8"),
)


def read_bom(body: bytes) -> tuple[str, bytes] | tuple[None, None]:
    """(encoding, BOM) when ``body`` starts with a byte-order mark, else (None, None)."""
    if body[:1] in (b"\x00", b"\xfe", b"\xff", b"\xef"):
        for bom, encoding in BOMS:
            if body.startswith(bom):
                return encoding, bom
    return None, None


def _gb18030_lead_0x80(error: UnicodeError) -> tuple[str, int]:
    # The browsers' GB18030 decoder reads a lone 0x80 as the euro sign (GBK's cp936 did);
    # Python's codec rejects it.
    if isinstance(error, UnicodeDecodeError) and error.object[error.start] == 0x80:
        return "\u20ac", error.start + 1
    return "\ufffd", getattr(error, "end", 0)


codecs.register_error("newscrawl_gb18030", _gb18030_lead_0x80)


def to_text(body: bytes, encoding: str) -> str:
    """``body`` decoded with ``encoding`` (a resolved codec name), U+FFFD for undecodable bytes."""
    # Every name of gb18030 contains "18030": the common case skips the codec lookup.
    errors = "newscrawl_gb18030" if "18030" in encoding and codecs.lookup(encoding).name == "gb18030" else "replace"
    return body.decode(encoding, errors)
