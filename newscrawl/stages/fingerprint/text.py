"""What identifies a text: its stable part, normalized tokens, word shingles and the body hash.

Normalization folds case, Unicode compatibility forms and punctuation, so a re-encoded,
re-punctuated or re-wrapped copy has the same :attr:`~newscrawl.model.Fingerprint.body_hash`.
CJK text has no spaces, so each CJK character is a token of its own. Blocks that change between
two downloads of an unchanged article (a date line, a share count) are left out first
(:func:`stable_text`), so such a change never makes a new version.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

#: Word n-gram length of the shingles. 3 keeps phrases (spinning must change one word in three to
#: destroy them) while two unrelated texts share almost none.
SHINGLE_SIZE = 3

_CJK = (
    r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
)
_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W_]+", re.UNICODE)
#: An apostrophe between two word characters. Written apostrophe first (the word character before
#: it checked by a lookbehind over both) so that the regex engine scans for the apostrophe
#: instead of trying a lookbehind at every character: same matches, a fraction of the time.
_INNER_APOSTROPHE_RE = re.compile(r"['\u2019](?<=\w.)(?=\w)", re.DOTALL)

# Blocks that change between two downloads of an unchanged article: a date or time line, a
# relative time, a reading time, a count of shares/comments/views/likes. The clean stage removes
# plain date lines; these rules cover what it leaves, so such a change never makes a new version.
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
VOLATILE_BLOCK_RE = re.compile(
    r"^(?:(?:published|updated|posted|modified|last updated|last modified)\s*(?:on|at)?\s*:?\s*)?"
    r"(?:"
    # a date (and time) in any of the usual orders, or a bare time
    rf"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})"
    r"(?:[,\s|T-]+(?:at\s+)?\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\s*(?:[a-z]{2,5}|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?\s*(?:[a-z]{2,5})?"
    # "3 hours ago", "an hour ago", "yesterday"
    r"|(?:\d+|an?|one)\s+(?:sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|days?|weeks?|months?)\s+ago|just now|yesterday"
    # "4 min read", "1.2K shares", "37 comments", "12,045 views"
    r"|\d[\d.,]*\s*[km]?\s+(?:min(?:ute)?s?\s+read|shares?|comments?|views?|likes?|reads?|reactions?|responses?)"
    r")[\s.|·•]*$",
    re.IGNORECASE,
)
# Volatile blocks are short: a long paragraph that happens to match is article text.
VOLATILE_BLOCK_MAX_CHARS = 80


def stable_text(body: str) -> str:
    """``body`` without its volatile blocks (see :data:`VOLATILE_BLOCK_RE`).

    A block is a paragraph or a line. What is left is what identifies a text: its hash and
    shingles are computed from it, so a changed share count or date line is not a new version.
    """
    kept = []
    for block in re.split(r"\n+", body):
        stripped = block.strip()
        if stripped and len(stripped) <= VOLATILE_BLOCK_MAX_CHARS and VOLATILE_BLOCK_RE.match(stripped):
            continue
        kept.append(block)
    return "\n".join(kept)


def tokens(text: str) -> list[str]:
    """Normalized word tokens: NFKC, case-folded, punctuation dropped, CJK split per character."""
    text = unicodedata.normalize("NFKC", text).casefold()
    # Apostrophes inside words ("don't", "Iraq's") join rather than split the word, so a copy with
    # straight and one with curly apostrophes tokenize the same.
    text = _INNER_APOSTROPHE_RE.sub("", text)
    return _TOKEN_RE.findall(text)


@lru_cache(maxsize=1)
def stable_tokens(body: str) -> tuple[str, ...]:
    """``tokens(stable_text(body))``, as a tuple, the last body's kept: the fingerprint stage,
    then the store's verification hashes and word signature (computed ahead in the same stage
    worker) each read the tokens of one body, and tokenising is most of what each costs. One
    entry: the calls for one page come together, and a huge page's tokens are held no longer
    than until the next page's."""
    return tuple(tokens(stable_text(body)))


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[str]:
    """Word ``size``-grams of ``text``'s stable part."""
    return shingles_of(tokens(stable_text(text)), size)


def shingles_of(toks: list, size: int = SHINGLE_SIZE, joiner=" ") -> set:
    """Word ``size``-grams of a token list (one shingle of all of them when there are fewer);
    ``joiner`` b" " for tokens given as bytes."""
    if len(toks) < size:
        return {joiner.join(toks)} if toks else set()
    if size == 3:
        # The usual size, as a zip of three offset lists: no slice a shingle.
        return set(map(joiner.join, zip(toks, toks[1:], toks[2:])))
    return {joiner.join(toks[i : i + size]) for i in range(len(toks) - size + 1)}


def body_hash(text: str) -> str:
    """SHA-256 of ``text``'s stable part, normalized."""
    return hash_of(tokens(stable_text(text)))


def hash_of(toks: list[str]) -> str:
    """SHA-256 of a token list, the tokens joined by spaces."""
    return hash_of_joined(" ".join(toks).encode("utf-8"))


def hash_of_joined(joined: bytes) -> str:
    """:func:`hash_of` of tokens already joined by spaces and UTF-8 encoded."""
    return hashlib.sha256(joined).hexdigest()
