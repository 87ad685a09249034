"""East Asian multi-byte encodings: telling a Chinese, Japanese or Korean page from a misreading.

Three mistakes the decode stage's other evidence cannot see (measured on
../shared/data/charsets, figures in docs/measurements.md):

* **A CJK page read as a Latin single-byte encoding** (no declaration and a detector that
  answered cp1252, or a page served with the commonest lie, ``iso-8859-1``): single-byte
  encodings decode any bytes, so nothing fails. :func:`east_asian_readings` asks the East Asian
  encodings instead: one whose *strict* decoding succeeds and reads as East Asian text wins.
  Reading as East Asian text means: nearly all non-ASCII characters are Han, kana, Hangul or
  CJK punctuation, and almost none sits glued to an ASCII letter. The second test is what
  separates a real CJK page from Latin text that happens to decode (a cp1252 "Straße" read as
  GBK turns "ße" into one Han character inside a Latin word; CJK text runs on its own).
* **A Japanese page read as a Chinese encoding** (EUC-JP and GB2312 share their byte layout,
  and GB2312 even has the kana): :func:`japanese_reading`. Chinese text holds no kana; a
  "Chinese" reading in which kana are a fair share of the characters is Japanese.
* **Japanese read with a codec browsers do not use**: every Shift_JIS label means windows-31j
  (cp932) to a browser and every EUC-JP label EUC-JP (WHATWG Encoding); a detector answers
  their JIS X 0213 cousins, which read some characters differently. Pages are written for
  browsers.
"""

from __future__ import annotations

from newscrawl.stages.unicode_ranges import HAN, KANA

#: East Asian multi-byte encodings tried against a Latin single-byte reading (Python codec names).
EAST_ASIAN = ("gb18030", "big5", "cp932", "euc_jp", "euc_kr")
#: Chinese encodings whose reading may be a Japanese page's (see japanese_reading).
CHINESE = frozenset({"gb18030", "gbk", "gb2312", "big5", "big5hkscs"})
#: Japanese codecs a detector may answer, and the one browsers decode each label as (WHATWG
#: Encoding: every Shift_JIS label is windows-31j, every EUC-JP label EUC-JP).
BROWSER_JAPANESE = {"shift_jis": "cp932", "shift_jis_2004": "cp932", "shift_jisx0213": "cp932",
                    "euc_jis_2004": "euc_jp", "euc_jisx0213": "euc_jp"}

#: A reading counts when it has at least this many East Asian characters (two or three
#: accented letters of a Latin page can decode as anything)...
MIN_EAST_ASIAN_CHARS = 20
#: ...they are at least this share of its non-ASCII characters...
MIN_EAST_ASIAN_SHARE = 0.8
#: ...and at most this share of them touch an ASCII letter.
MAX_GLUED_SHARE = 0.15
#: Kana make up at least this share of a Japanese text's East Asian characters: Japanese pages
#: have at least this much, Chinese ones none (figures in docs/measurements.md).
MIN_KANA_SHARE = 0.2


# Kana and Han as the language stage counts them, unpacked: this runs on every character.
((_KANA_FIRST, _KANA_LAST),) = KANA
(_EXT_A_FIRST, _EXT_A_LAST), (_UNIFIED_FIRST, _UNIFIED_LAST), (_COMPAT_FIRST, _COMPAT_LAST) = HAN


def _kind(ch: str) -> str | None:
    code = ord(ch)
    if _KANA_FIRST <= code <= _KANA_LAST:
        return "kana"
    if _UNIFIED_FIRST <= code <= _UNIFIED_LAST or _EXT_A_FIRST <= code <= _EXT_A_LAST \
            or _COMPAT_FIRST <= code <= _COMPAT_LAST:
        return "han"
    # Hangul differs from unicode_ranges.HANGUL on purpose: a reading is judged by the characters
    # a Korean encoding produces, which include the compatibility jamo (EUC-KR encodes them) and
    # only the assigned syllables (to U+D7A3); the language stage counts letters of words.
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF:
        return "punctuation"
    return None


def reading_figures(text: str) -> tuple[int, float, float, float]:
    """(East Asian characters, their share of the non-ASCII characters, share of them touching
    an ASCII letter, kana share of them) of a decoded text."""
    non_ascii = east = glued = kana = 0
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch.isascii():
            continue
        non_ascii += 1
        kind = _kind(ch)
        if kind is None:
            continue
        east += 1
        kana += kind == "kana"
        if (i > 0 and text[i - 1].isascii() and text[i - 1].isalpha()) or (
                i < last and text[i + 1].isascii() and text[i + 1].isalpha()):
            glued += 1
    if not east:
        return 0, 0.0, 0.0, 0.0
    return east, east / non_ascii, glued / east, kana / east


def reads_as_east_asian(text: str) -> bool:
    east, share, glued, _ = reading_figures(text)
    return east >= MIN_EAST_ASIAN_CHARS and share >= MIN_EAST_ASIAN_SHARE and glued <= MAX_GLUED_SHARE


def east_asian_readings(body: bytes) -> list[str]:
    """The East Asian encodings whose strict decoding of ``body`` reads as East Asian text."""
    found = []
    for encoding in EAST_ASIAN:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        if reads_as_east_asian(text):
            found.append(encoding)
    return found


def japanese_reading(body: bytes, encoding: str) -> str | None:
    """A Japanese encoding for a page that ``encoding`` (a Chinese one) reads with a fair share
    of kana, or None."""
    if encoding not in CHINESE:
        return None
    east, _, _, kana = reading_figures(body.decode(encoding, "replace"))
    if east < MIN_EAST_ASIAN_CHARS or kana < MIN_KANA_SHARE:
        return None
    for japanese in ("euc_jp", "cp932"):
        try:
            body.decode(japanese)
        except UnicodeDecodeError:
            continue
        return japanese
    return None


def browser_japanese(body: bytes, encoding: str) -> str:
    """The codec browsers use for ``encoding``'s label (:data:`BROWSER_JAPANESE`) when it decodes
    the page, else ``encoding``."""
    browser = BROWSER_JAPANESE.get(encoding)
    if browser is None:
        return encoding
    try:
        body.decode(browser)
    except UnicodeDecodeError:
        return encoding
    return browser
