"""Scripts: which writing systems a text's letters belong to, read off the code points for free.

Most foreign chrome around a syndicated story is in another *script* (a Chinese portal around an
English story), so the language stage asks the script first and a detector only for what the
script cannot decide.
"""

from __future__ import annotations

import re
from collections import Counter

from newscrawl.stages.unicode_ranges import HAN, HANGUL, KANA, char_class

# Character classes of the scripts that decide a language or a family. Counting with compiled
# regular expressions keeps the per-character loop in C: this runs on every block of every page.
SCRIPT_CLASSES = {
    "Latin": r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff",
    "Greek": r"\u0370-\u03ff",
    "Cyrillic": r"\u0400-\u052f",
    "Hebrew": r"\u0590-\u05ff",
    "Arabic": r"\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff",
    "Devanagari": r"\u0900-\u097f",
    "Thai": r"\u0e00-\u0e7f",
    "Kana": char_class(KANA),
    "Han": char_class(HAN),
    "Hangul": char_class(HANGUL),
}
#: One compiled class per script: matches a single letter of it.
SCRIPT_RES = {name: re.compile(f"[{cls}]") for name, cls in SCRIPT_CLASSES.items()}
_NON_LATIN_RE = re.compile(
    "[" + "".join(cls for name, cls in SCRIPT_CLASSES.items() if name != "Latin") + "]"
)
#: The Latin letters outside ASCII (ASCII ones are counted apart: see :func:`script_counts`).
_LATIN_BEYOND_ASCII_RE = re.compile("[" + SCRIPT_CLASSES["Latin"].removeprefix("A-Za-z") + "]")
_OTHER_SCRIPT_RES = tuple((name, regex) for name, regex in SCRIPT_RES.items() if name != "Latin")
#: Scripts that name one language (Han alone is Chinese; Han with Kana is Japanese).
SCRIPT_LANGUAGE = {"Han": "zh", "Kana": "ja", "Hangul": "ko", "Greek": "el", "Hebrew": "he",
                   "Thai": "th"}
#: Scripts written without spaces between words: their length is counted in characters.
CJK = ("Han", "Kana", "Hangul")
#: A word: a run of letters.
WORD_RE = re.compile(r"[^\W\d_]+")
#: One CJK character carries about as much text as a short word (2-3 Latin letters); counting it
#: that much keeps a Chinese article with English chrome a Chinese article.
SCRIPT_WEIGHT = {"Han": 3, "Kana": 3, "Hangul": 3}

# Invisible format characters (zero-width spaces and joiners, soft hyphens, direction marks, BOM):
# no language has them, but a detector counts them in its n-grams (a run of zero-width spaces
# after a label was enough to make py3langid call an English line with a name Spanish).
_INVISIBLE_RE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def without_invisible(text: str) -> str:
    """The text without invisible format characters (what a detector must not see)."""
    return _INVISIBLE_RE.sub("", text)


def script_counts(text: str) -> Counter:
    """Letters per script, CJK characters weighted (see :data:`SCRIPT_WEIGHT`)."""
    counts: Counter = Counter()
    # ASCII letters are counted on the UTF-8 bytes by deleting them (bytes.translate runs in C
    # at a byte a step; a multi-byte character has no ASCII byte in it). Only the other letters
    # go through the regular expressions, which find nothing ASCII.
    encoded = text.encode("utf-8", "surrogatepass")
    latin = len(encoded) - len(encoded.translate(None, _ASCII_LETTERS))
    if not text.isascii():
        latin += len(_LATIN_BEYOND_ASCII_RE.findall(text))
        if _NON_LATIN_RE.search(text):
            for script, regex in _OTHER_SCRIPT_RES:
                if n := len(regex.findall(text)):
                    counts[script] = n * SCRIPT_WEIGHT.get(script, 1)
    if latin:
        counts["Latin"] = latin
    return counts


def dominant_script(text: str) -> str | None:
    return dominant(script_counts(text))


def dominant(counts: Counter) -> str | None:
    """The script with the most (weighted) letters in ``counts``, Japanese kana and kanji as one."""
    if not counts:
        return None
    if counts.get("Kana") and counts.get("Han"):
        # Japanese mixes kana and kanji; count them as one script.
        counts = Counter(counts)
        counts["Kana"] += counts.pop("Han")
    # The first of the largest, as Counter.most_common(1) answers, without sorting or copying.
    return max(counts, key=counts.__getitem__)


def word_count(text: str, script: str | None) -> int:
    """Words, counting two CJK characters as one word."""
    if script in CJK:
        return len(text) // 2
    return len(WORD_RE.findall(text))


def script_words(text: str, script: str) -> int:
    """Words written in ``script`` (CJK: its characters / 2)."""
    regex = SCRIPT_RES[script]
    if script in CJK:
        return len(regex.findall(text)) // 2
    return sum(1 for w in WORD_RE.findall(text) if regex.match(w))


def foreign_scripts(counts: Counter, article_script: str | None) -> set[str]:
    """The scripts of ``counts`` other than the article's with two letters or more (kanji in a
    Japanese article are the article's)."""
    return {script for script, n in counts.items()
            if script != article_script and not (article_script == "Kana" and script == "Han")
            and n >= 2 * SCRIPT_WEIGHT.get(script, 1)}


def script_regex(scripts: set[str]) -> re.Pattern:
    """One class matching a letter of any of ``scripts``."""
    return re.compile("[" + "".join(SCRIPT_CLASSES[s] for s in sorted(scripts)) + "]")
