"""Repair stage: undo mojibake in extracted text blocks, and record every repair.

ftfy does the general work, configured never to touch legitimate text: no HTML unescaping (the
text is already unescaped; a literal "&amp;" in an article is content), no quote uncurling, no
width folding or ligature splitting (those change characters that were not broken). Output is
NFC.

What ftfy cannot undo is mojibake that lost a byte on the way: an em dash (UTF-8 ``E2 80 94``)
read as cp1252 gives ``â€”``; sites that then drop the ``€`` and straighten the ``”`` leave
``â"``. No decoder can recover it, but where the residue stands alone between spaces (a
dateline "CITY â" The ...", or "word â" word") the intended character is unambiguously a dash: a
lone "â" token is not a word in any language written with that letter. Such residue is repaired
and recorded as ``lost_byte_dash``. The closing curly quote loses its last byte the same way
(``E2 80 9D``: 0x9D is undefined in cp1252, so sites drop it), leaving ``â€`` -- which ftfy, seeing
a following space, reads as a dagger "†" (``E2 80 A0``). After an opening "“" that is still open in
the same block, a "†" or "â€" glued to the end of a word can only be the closing quote: it is
restored and recorded as ``lost_byte_quote``. Other leftovers of the pattern are only flagged
(``mojibake_residue``), never guessed.

Soft hyphens (U+00AD) are removed and recorded as ``soft_hyphen``: a soft hyphen is an invisible
hint where a renderer may break a word, not part of it. Left in, "Bundes\u00adregierung" is another
word than "Bundesregierung" to full-text search, to the language detector and to the story
fingerprint, so one site that hyphenates for narrow screens and another that does not would store
different words for the same text. Other invisible characters stay: a zero-width (non-)joiner
shapes Persian and Indic words, a zero-width space separates Thai words.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

import ftfy

from newscrawl.model import Block, Repair

FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    uncurl_quotes=False,
    fix_character_width=False,
    fix_latin_ligatures=False,
    fix_line_breaks=False,
    normalization="NFC",
    explain=False,
)

# "â" with what may remain of the other two bytes of a UTF-8 dash, standing alone between spaces.
# At least one remnant byte (the "€" or the straightened quote) must be there: a bare "â" between
# spaces is only flagged.
_LOST_DASH_RE = re.compile(r'(?<=\s)â(?:€["”“\u0080-\u009f]?|["”“\u0080-\u009f])(?=\s)')
# Any other cp1252 reading of a UTF-8 lead byte E2 followed by a C1/cp1252 continuation: flagged.
_RESIDUE_RE = re.compile(r"â€[\"”“™˜œ\u0080-\u009f]?|Ã[\u0080-\u00bf]|(?<=\s)â(?=\s)")
# A closing quote that lost its last byte, after a still-open opening quote in the same block.
# ftfy takes the space after "â€" for the dagger's third byte (0xA0), so a "†" glued to the next
# word also stands for quote + space.
_LOST_CLOSING_QUOTE_RE = re.compile(r"(“[^“”\n]{0,400}?[^\s“”])(?:â€|†)(?=(\w)|[\s.,;:!?)\]]|$)")
MAX_EXAMPLES = 3
SOFT_HYPHEN = "\u00ad"


# Below this length a range is left to difflib's own search (cheap there, and exact by definition).
_ANCHOR_MIN_RANGE = 64
# Windows shorter than this occur too often in natural text to be a cheap anchor.
_ANCHOR_MIN_WINDOW = 8


def _common_prefix_len(a: str, i: int, b: str, j: int, n: int) -> int:
    """Length of the longest common prefix of a[i:i+n] and b[j:j+n] (slices compared in C)."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[i : i + mid] == b[j : j + mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix_len(a: str, i: int, b: str, j: int, n: int) -> int:
    """Length of the longest common suffix of a[i-n:i] and b[j-n:j]."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[i - mid : i] == b[j - mid : j]:
            lo = mid
        else:
            hi = mid - 1
    return lo


class AnchoredMatcher(difflib.SequenceMatcher):
    """``SequenceMatcher`` (no junk, no autojunk) whose longest-match search is anchored.

    difflib's search compares every character of one range with every equal character of the
    other: quadratic on a long block that ftfy changed throughout. This one returns the same
    match -- the longest, then the leftmost in ``a``, then the leftmost in ``b``, as
    ``find_longest_match`` documents -- so the opcodes are difflib's own. Cut ``a`` into windows of
    ``h`` characters at every h-th position: any match of at least 2h-1 characters contains a
    whole window, so finding each window in ``b`` (``str.find``) and growing every occurrence to
    its maximal match finds every match that long. When the longest found is that long it is the
    answer, ties included; otherwise ``h`` is halved, and below a few characters (where windows
    are no longer rare) difflib's own search decides.
    """

    def find_longest_match(self, alo: int = 0, ahi: int | None = None, blo: int = 0,
                           bhi: int | None = None) -> difflib.Match:
        a, b = self.a, self.b
        ahi = len(a) if ahi is None else ahi
        bhi = len(b) if bhi is None else bhi
        h = min(ahi - alo, bhi - blo) // 2
        if isinstance(a, str) and isinstance(b, str) and 2 * h >= _ANCHOR_MIN_RANGE:
            while h >= _ANCHOR_MIN_WINDOW:
                k, i, j = self._anchored(alo, ahi, blo, bhi, h)
                if k >= 2 * h - 1:
                    return difflib.Match(i, j, k)
                h //= 2
        return super().find_longest_match(alo, ahi, blo, bhi)

    def _anchored(self, alo: int, ahi: int, blo: int, bhi: int, h: int) -> tuple[int, int, int]:
        a, b = self.a, self.b
        best = (0, alo, blo)
        # Per diagonal (i - j), where the last maximal match found on it ends in ``a``: a window
        # inside it lies on the same match.
        reach: dict[int, int] = {}
        for t in range(alo, ahi - h + 1, h):
            window = a[t : t + h]
            j = b.find(window, blo, bhi)
            while j >= 0:
                if reach.get(t - j, alo) <= t:
                    left = _common_suffix_len(a, t, b, j, min(t - alo, j - blo))
                    right = _common_prefix_len(a, t + h, b, j + h, min(ahi - t - h, bhi - j - h))
                    reach[t - j] = t + h + right
                    k, i0, j0 = left + h + right, t - left, j - left
                    if k > best[0] or (k == best[0] and (i0, j0) < (best[1], best[2])):
                        best = (k, i0, j0)
                j = b.find(window, j + 1, bhi)
        return best


#: A text at least this long whose characters are mostly non-ASCII (:data:`RUN_DIFF_NON_ASCII_SHARE`)
#: has its changes found between runs, not characters (:func:`changed_spans`).
RUN_DIFF_MIN_CHARS = 4000
RUN_DIFF_NON_ASCII_SHARE = 0.5
_RUN_RE = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]+")


def changed_spans(before: str, after: str) -> list[str]:
    """Each change from ``before`` to ``after`` (difflib's opcodes), with 12 characters around it.

    A long text written mostly in non-ASCII characters that ftfy re-decoded throughout (a CJK
    page's UTF-8 read as cp1252) shares only its ASCII runs (digits, Latin words) with the fixed
    text, and a character diff of the two costs time that grows much faster than the text (minutes
    for one page of a few tens of thousands of characters). There the changes are found between
    maximal runs of ASCII and of non-ASCII characters, each run compared whole: the same changes
    where a changed run is all non-ASCII, as such a text's are, found in time near its length.
    """
    if len(before) >= RUN_DIFF_MIN_CHARS and _non_ascii_share(before) > RUN_DIFF_NON_ASCII_SHARE:
        return _changed_runs(before, after)
    matcher = AnchoredMatcher(None, before, after, autojunk=False)
    return [before[max(0, i1 - 12) : i2 + 12] for tag, i1, i2, _, _ in matcher.get_opcodes()
            if tag != "equal"]


def _non_ascii_share(text: str) -> float:
    return 1.0 - len(text.encode("ascii", "ignore")) / len(text) if text else 0.0


def _changed_runs(before: str, after: str) -> list[str]:
    runs = [(m.start(), m.end()) for m in _RUN_RE.finditer(before)]
    matcher = difflib.SequenceMatcher(None, [before[i:j] for i, j in runs], _RUN_RE.findall(after))
    spans = []
    for tag, r1, r2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        start = runs[r1][0] if r1 < len(runs) else len(before)
        end = runs[r2 - 1][1] if r2 > r1 else start
        spans.append(before[max(0, start - 12) : end + 12])
    return spans


#: Typographic characters that no mojibake is made of: curly quotes, en and em dashes, the
#: ellipsis and the no-break space. Mojibake is a multi-byte UTF-8 sequence read in a single-byte
#: encoding, so it always holds the reading of a *lead* byte (0xC2-0xF4) followed by the reading of
#: a *continuation* byte (0x80-0xBF). In cp1252 and Latin-1 these characters are continuation
#: bytes only (0x85, 0x91-0x97, 0xA0); in MacRoman lead bytes only (0xC9-0xCA, 0xD0-0xD5); in the
#: other encodings ftfy tries they are not single bytes at all. A text whose non-ASCII characters
#: are all of these therefore holds no mojibake, and ftfy (its other fixes being off or about
#: characters outside this set) would return it unchanged: the stage skips it, as it skips ASCII.
#: Most non-ASCII blocks of English news are of this kind.
_TYPOGRAPHIC = str.maketrans("", "", "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0")


def _first_positions(text: str, char: str, n: int) -> list[int]:
    positions: list[int] = []
    i = text.find(char)
    while i >= 0 and len(positions) < n:
        positions.append(i)
        i = text.find(char, i + 1)
    return positions


def repair_text(text: str) -> tuple[str, list[Repair]]:
    """Repaired text and the repairs made (empty list when the text was clean)."""
    repairs: list[Repair] = []
    if text.isascii() or text.translate(_TYPOGRAPHIC).isascii():
        # Mojibake needs non-ASCII characters other than these, and every ftfy fix that could
        # touch ASCII text (entities, line breaks) is switched off: nothing to do.
        return text, repairs
    fixed = ftfy.fix_text(text, FTFY_CONFIG)
    if fixed != text:
        spans = changed_spans(text, fixed)
        repairs.append(Repair("repair", "mojibake", len(spans), tuple(spans[:MAX_EXAMPLES])))
    dashes = [m.group(0) for m in _LOST_DASH_RE.finditer(fixed)]
    if dashes:
        examples = tuple(m.string[max(0, m.start() - 12) : m.end() + 12]
                         for m in list(_LOST_DASH_RE.finditer(fixed))[:MAX_EXAMPLES])
        fixed = _LOST_DASH_RE.sub("\u2014", fixed)
        repairs.append(Repair("repair", "lost_byte_dash", len(dashes), examples))
    quotes = list(_LOST_CLOSING_QUOTE_RE.finditer(fixed))
    if quotes:
        examples = tuple(m.group(0)[-24:] for m in quotes[:MAX_EXAMPLES])
        fixed = _LOST_CLOSING_QUOTE_RE.sub(lambda m: m.group(1) + ("” " if m.group(2) else "”"), fixed)
        repairs.append(Repair("repair", "lost_byte_quote", len(quotes), examples))
    # After ftfy: a soft hyphen's own mojibake ("Â" + U+00AD) becomes a soft hyphen first.
    soft = fixed.count(SOFT_HYPHEN)
    if soft:
        examples = tuple(fixed[max(0, i - 12) : i + 12].replace(SOFT_HYPHEN, "&shy;")
                         for i in _first_positions(fixed, SOFT_HYPHEN, MAX_EXAMPLES))
        fixed = fixed.replace(SOFT_HYPHEN, "")
        repairs.append(Repair("repair", "soft_hyphen", soft, examples))
    residue = list(_RESIDUE_RE.finditer(fixed))
    if residue:
        repairs.append(Repair("repair", "mojibake_residue", len(residue),
                              tuple(m.string[max(0, m.start() - 12) : m.end() + 12]
                                    for m in residue[:MAX_EXAMPLES])))
    return unicodedata.normalize("NFC", fixed), repairs


def merge_repairs(repairs: list[Repair]) -> list[Repair]:
    """One Repair per (stage, kind) with counts added and the first examples kept."""
    merged: dict[tuple[str, str], Repair] = {}
    for r in repairs:
        key = (r.stage, r.kind)
        if key in merged:
            old = merged[key]
            merged[key] = Repair(r.stage, r.kind, old.count + r.count,
                                 (old.examples + r.examples)[:MAX_EXAMPLES])
        else:
            merged[key] = r
    return list(merged.values())


def repair_blocks(blocks: list[Block]) -> tuple[list[Block], list[Repair]]:
    out: list[Block] = []
    repairs: list[Repair] = []
    for block in blocks:
        fixed, block_repairs = repair_text(block.text)
        out.append(block.with_text(fixed) if fixed != block.text else block)
        repairs.extend(block_repairs)
    return out, merge_repairs(repairs)
