"""Text fingerprints: what makes two bodies "the same story".

Two measures, for two jobs:

* **Candidate lookup** (cheap, indexed): a MinHash signature of the body's word 3-gram shingles,
  cut into LSH bands. The store keeps one row per band of a story's first version and asks
  "which stories share any band with this text" -- a few index probes, never a scan. The size
  of the signatures is derived by :func:`signature_blocks` from the Jaccard similarity at which
  a copy must still be found (:data:`CANDIDATE_FLOOR`, low: syndicated copies are often
  *trimmed* -- a lead-only reprint has a low Jaccard similarity with the full story even though
  it is contained in it -- or *spun*: synonym substitution breaks many 3-grams) and the
  probability it must be found with there (:data:`CANDIDATE_TARGET`). More candidates cost only
  their verification, which is exact, so recall is what matters here.

* **Verification** (exact), :func:`match_story`, in two parts:

  - *containment* of word 3-gram sets, ``|A ∩ B| / min(|A|, |B|)``: 1.0 for an exact or trimmed
    copy, high for an edited one, lower for a spun one (a synonym swap breaks every 3-gram that
    holds the word);
  - *anchors*: the names (capitalized words inside a sentence, acronyms) and numbers of a text in
    the order they occur, compared as anchor bigrams (:func:`anchor_shingles`). A spinner's
    thesaurus has no entry for "Ostrander" or "412", so a spun copy keeps its anchors *in order*;
    two outlets' reports of one event share names and numbers too, but not in the same sequence.
    Quoted speech and rare words were considered and left out: spinners reword inside quotes
    (seed 001 does), and telling rare words apart needs a word-frequency list (a dependency)
    while names and numbers are already what a thesaurus lacks.

  The decision (thresholds measured on the evidence corpus, ``python benchmarks/story_evidence.py``
  and docs/measurements.md; figures as of the last run):

  - containment >= :data:`CONTAINMENT_SURE` (0.70): same story. Exact, trimmed and lightly edited
    copies are >= 0.86 (an edit drops or adds a paragraph); no two distinct articles of the 705
    dev articles reach it except one same-URL duplicate (0.98).
  - containment >= :data:`CONTAINMENT_FLOOR` (0.18) *and* anchor containment >=
    :data:`ANCHOR_THRESHOLD` (0.40): same story. Spun copies sit at 0.23-0.85 containment with
    anchor containment 0.44-1.0; the most similar distinct dev articles reach 0.12 containment
    (two reports on the same car-rental survey, anchors 0.41), seeds 000/003/004 (three outlets,
    one event) 0.05-0.07 with anchors <= 0.15. Two terms-and-conditions pages of one shop share
    boilerplate (containment 0.64) but not their anchors (0.24): kept apart.
  - when the smaller text has fewer than :data:`MIN_ANCHORS` anchor bigrams, anchors cannot
    testify and containment >= :data:`SAME_STORY_THRESHOLD` (0.30) decides alone (the value
    the store used before anchors, between spun seeds at 0.39 and independent reports at <= 0.08).

Normalization folds case, Unicode compatibility forms and punctuation, so a re-encoded,
re-punctuated or re-wrapped copy has the same :attr:`Fingerprint.body_hash`. CJK text has no
spaces, so each CJK character is a token of its own.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np
from datasketch import MinHash

from newscrawl.model import Fingerprint

#: Permutations per block. Signatures grow by whole blocks, each block's permutations drawn from
#: its own seed (``MINHASH_SEED + block``), so the hash values -- and the band hashes -- of the
#: first block are the same whatever the number of blocks (see :func:`signature_blocks`).
PERM_BLOCK = 128
#: Fixed seed and permutation scheme: signatures must be comparable across processes, runs and
#: releases, so neither may follow a library default that could change.
MINHASH_SEED = 20261122
MINHASH_SCHEME = "affine64"
#: Word n-gram length of the shingles. 3 keeps phrases (spinning must change one word in three to
#: destroy them) while two unrelated texts share almost none.
SHINGLE_SIZE = 3
#: Containment at or above which two bodies are one story without asking the anchors.
CONTAINMENT_SURE = 0.70
#: Containment below which two bodies are never one story, whatever their anchors.
CONTAINMENT_FLOOR = 0.18
#: Anchor-bigram containment a body between the two containment levels needs.
ANCHOR_THRESHOLD = 0.40
#: Fewer anchor bigrams than this in the smaller text: anchors are not evidence either way.
MIN_ANCHORS = 5
#: Containment that decides alone when anchors cannot (see the module docstring for figures).
SAME_STORY_THRESHOLD = 0.30

_CJK = (
    r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
)
_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W_]+", re.UNICODE)


#: Minimum hash values per band. 2, because a band of one value makes a candidate of every
#: pair that shares one minimum shingle: a distinct pair at Jaccard 0.01 (the 99.9th percentile
#: of distinct dev-article pairs) would be a candidate with probability 0.47 at 64 bands; and 3
#: loses spun copies (at 0.15, 42 bands of 3 find a pair with probability 0.13).
ROWS_PER_BAND = 2
#: The Jaccard similarities (of 3-gram sets: whole text, lead) at which the lookup must still
#: find a copy: the 1st percentile of the heaviest spun copies of the evidence corpus (spun-1.0
#: of 705 dev articles: whole 0.166, lead 0.107), rounded down. The real spun seed pair 001/004
#: sits at 0.146 / 0.108. Verification accepts copies down to about Jaccard 0.10 (containment
#: 0.18 with anchors), so the bands, not the verification, are what limits recall there.
CANDIDATE_FLOOR = (0.15, 0.10)
#: Probability the lookup must reach at :data:`CANDIDATE_FLOOR`.
CANDIDATE_TARGET = 0.98
#: Words of a text's lead, the second signature (see :func:`fingerprint`). 120 words is a
#: wire story's first two or three paragraphs, what every lead-only reprint keeps.
LEAD_TOKENS = 120


def candidate_probability(jaccards: tuple[float, ...], bands: int,
                          rows: int = ROWS_PER_BAND) -> float:
    """Probability that two texts share at least one band (the LSH S-curve), given the Jaccard
    similarity of each signature (whole text, lead) and the bands per signature.

    A band of ``rows`` values matches with probability ``J ** rows``; the signatures' bands are
    taken as independent: ``1 - prod((1 - J ** rows) ** bands)``.
    """
    miss = 1.0
    for j in jaccards:
        miss *= (1.0 - j**rows) ** bands
    return 1.0 - miss


def signature_blocks(floor: tuple[float, ...] = CANDIDATE_FLOOR, target: float = CANDIDATE_TARGET,
                     rows: int = ROWS_PER_BAND, block: int = PERM_BLOCK,
                     max_blocks: int = 8) -> int:
    """The fewest permutation blocks per signature with which a pair at ``floor`` becomes a
    candidate with probability >= ``target``.

    With the defaults: one block (64 bands of 2) reaches 0.877 -- one pair in eight at the floor
    lost, as the seed pair 001/004 (0.881) was when a change of hashing drew other permutations;
    two blocks (128 bands) reach 0.985 (``python benchmarks/lsh_threshold.py`` has the curve).
    """
    for k in range(1, max_blocks + 1):
        if candidate_probability(floor, k * block // rows, rows) >= target:
            return k
    raise ValueError(f"no signature of <= {max_blocks} blocks reaches {target} at {floor}")


#: Permutation blocks per signature, and what follows from them.
SIGNATURE_BLOCKS = signature_blocks()
#: MinHash permutations per signature. 256 keeps a Jaccard estimate within about +/-0.06.
NUM_PERM = SIGNATURE_BLOCKS * PERM_BLOCK
#: Bands per signature per block, and per signature.
BLOCK_BANDS = PERM_BLOCK // ROWS_PER_BAND
NUM_BANDS = SIGNATURE_BLOCKS * BLOCK_BANDS
#: Band hashes per fingerprint: both signatures' bands.
BAND_COUNT = 2 * NUM_BANDS


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
    text = re.sub(r"(?<=\w)['\u2019](?=\w)", "", text)
    return _TOKEN_RE.findall(text)


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[str]:
    return _shingles_of(tokens(stable_text(text)), size)


def _shingles_of(toks: list[str], size: int = SHINGLE_SIZE) -> set[str]:
    if len(toks) < size:
        return {" ".join(toks)} if toks else set()
    return {" ".join(toks[i : i + size]) for i in range(len(toks) - size + 1)}


def body_hash(text: str) -> str:
    return _hash_of(tokens(stable_text(text)))


def _hash_of(toks: list[str]) -> str:
    return hashlib.sha256(" ".join(toks).encode("utf-8")).hexdigest()


def block_permutations(blocks: int = SIGNATURE_BLOCKS) -> np.ndarray:
    """The (a, b) permutation parameters of ``blocks`` blocks, block k drawn from seed
    ``MINHASH_SEED + k``: a signature of more blocks extends one of fewer, value for value."""
    return np.concatenate(
        [MinHash(num_perm=PERM_BLOCK, seed=MINHASH_SEED + k, scheme=MINHASH_SCHEME).permutations
         for k in range(blocks)], axis=1)


@lru_cache(maxsize=1)
def _template() -> MinHash:
    # Building the permutations is the costly part of a MinHash; copy them from one template.
    return MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME,
                   permutations=block_permutations())


def minhash(text: str) -> MinHash:
    return _minhash_of(shingles(text))


def _minhash_of(shingle_set: set[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME,
                permutations=_template().permutations)
    items = [s.encode("utf-8") for s in shingle_set]
    if items:
        m.update_batch(items)
    return m


def band_hashes(values: np.ndarray, *, first_band: int, rows: int = ROWS_PER_BAND) -> list[int]:
    """One signed 64-bit hash (fits a SQL BIGINT) per band of ``rows`` of the hash ``values``,
    band number mixed in: bands are numbered from ``first_band``, so that one (band, hash) index
    serves every signature and block and a lead never matches a whole text by accident."""
    hv = np.asarray(values, dtype=np.uint64)
    out = []
    for b in range(len(hv) // rows):
        chunk = hv[b * rows : (b + 1) * rows].tobytes()
        digest = hashlib.blake2b(struct.pack("<H", first_band + b) + chunk, digest_size=8).digest()
        out.append(struct.unpack("<q", digest)[0])
    return out


def signature_bands(whole: MinHash, lead: MinHash) -> tuple[int, ...]:
    """The :data:`BAND_COUNT` band hashes of a text's two signatures, by band number: for each
    permutation block, the whole text's :data:`BLOCK_BANDS` bands, then the lead's.

    Block 0 is numbered 0-63 (whole) and 64-127 (lead), the layout of the single-block
    signatures stored before there were two blocks: those rows stay valid (a story stored then
    is found by its first block's bands, as it always was), blocks added later only add bands.
    """
    out: list[int] = []
    for k in range(SIGNATURE_BLOCKS):
        for s, m in enumerate((whole, lead)):
            values = m.hashvalues[k * PERM_BLOCK : (k + 1) * PERM_BLOCK]
            out += band_hashes(values, first_band=(2 * k + s) * BLOCK_BANDS)
    return tuple(out)


def block_band_range(block: int) -> range:
    """The band numbers of permutation block ``block`` in :func:`signature_bands`' layout: its
    whole-text bands, then its lead bands (block 0: 0-127, block 1: 128-255). A story's band rows
    with numbers in this range are that block's (``newscrawl db backfill`` adds a block stored
    stories lack)."""
    return range(2 * block * BLOCK_BANDS, 2 * (block + 1) * BLOCK_BANDS)


def fingerprint(body: str) -> Fingerprint:
    """Body hash and :data:`BAND_COUNT` band hashes of two signatures: the whole text's and its
    lead's (see :func:`signature_bands`).

    The lead signature (the first :data:`LEAD_TOKENS` words) is what finds a *trimmed and spun*
    copy: its Jaccard similarity with the whole story is too low for the bands (a lead-only
    reprint of a third of the story, spun so that half its 3-grams change, is at about 0.1,
    where 64 bands of 2 rows find a candidate only half the time; measured: 4 of 80 such copies
    lost), while its lead and the story's lead share half their 3-grams (J ~ 0.33: found with
    probability > 0.999).
    """
    toks = tokens(stable_text(body))  # once, for both the hash and the shingles
    bands = signature_bands(_minhash_of(_shingles_of(toks)),
                            _minhash_of(_shingles_of(toks[:LEAD_TOKENS])))
    return Fingerprint(body_hash=_hash_of(toks), bands=bands)


def containment(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


# One scan finds what anchors need and skips lower-case words inside the regex engine (a word by
# word Python loop cost 14 ms on a 1,000-word article; this costs about 1 ms):
# a sentence end (. ! ? with closing quotes/brackets, before a space) or a line break; a word with
# a digit; a word that starts with a letter that is not a-z (checked for upper case in Python).
_ANCHOR_SCAN_RE = re.compile(
    r"(?P<end>[.!?…][\"'”’)\]]*(?=\s|$)|\n)"
    r"|(?P<num>(?<!\S)\S*\d\S*)"
    r"|(?P<cap>(?<![\w'’-])[^\W\d_a-z][\w'’-]*)"
)
_NUMBER_END_RE = re.compile(r"[.!?…][\"'”’)\]]*$")
_NON_WORD_RE = re.compile(r"[^\w]")
# What may stand between a sentence end and the first word of the next sentence.
_OPENERS = " \t\"'“‘(["


def anchors(text: str) -> list[str]:
    """Names and numbers of ``text`` in the order they occur, normalized (lower case).

    A name is a capitalized word that does not open a sentence or a line, or an acronym (2+
    capitals, wherever it stands); a number is any word with a digit ("412", "2.5", "1,200" ->
    "1200"). CJK text has no case and is left to containment.
    """
    text = stable_text(unicodedata.normalize("NFKC", text))
    out: list[str] = []
    sentence_end = 0  # where the last sentence ended: a capital right after it is grammar
    for m in _ANCHOR_SCAN_RE.finditer(text):
        kind = m.lastgroup
        if kind == "end":
            sentence_end = m.end()
        elif kind == "num":
            word = m.group()
            normalized = _NON_WORD_RE.sub("", word).casefold()
            if normalized:
                out.append(normalized)
            if _NUMBER_END_RE.search(word):
                sentence_end = m.end()
        else:
            word = m.group().rstrip("'’-")
            if len(word) < 2 or not word[0].isupper():
                continue
            opens_sentence = not text[sentence_end:m.start()].strip(_OPENERS)
            if not opens_sentence or (word.isupper() and word.isalpha()):
                # Apostrophes dropped as tokens() does: "Lind’s" and "Lind's" are one anchor.
                out.append(word.replace("’", "").replace("'", "").casefold())
    return out


def anchor_shingles(text: str) -> set[str]:
    """Consecutive anchor pairs: the order of names and numbers, which spinning keeps."""
    seq = anchors(text)
    return {f"{seq[i]} {seq[i + 1]}" for i in range(len(seq) - 1)}


@dataclass(frozen=True, slots=True)
class StoryMatch:
    """How two bodies compare: the figures and the decision (see the module docstring)."""

    containment: float
    anchor_containment: float | None  # None: too few anchors to testify
    same_story: bool


@dataclass(frozen=True, slots=True)
class TextFeatures:
    """What verification needs of one body, computed once and reusable across candidates."""

    shingles: frozenset[str]
    anchor_shingles: frozenset[str]

    @classmethod
    def of(cls, body: str) -> TextFeatures:
        return cls(frozenset(shingles(body)), frozenset(anchor_shingles(body)))


def decide(c: float, a_small: int, anchor_c: float) -> StoryMatch:
    """The same-story decision from containment ``c``, the smaller text's anchor-bigram count
    ``a_small`` and the anchor containment ``anchor_c``."""
    if a_small < MIN_ANCHORS:
        return StoryMatch(c, None, c >= SAME_STORY_THRESHOLD)
    same = c >= CONTAINMENT_SURE or (c >= CONTAINMENT_FLOOR and anchor_c >= ANCHOR_THRESHOLD)
    return StoryMatch(c, anchor_c, same)


def match_features(a: TextFeatures, b: TextFeatures) -> StoryMatch:
    c = containment(a.shingles, b.shingles)
    a_small = min(len(a.anchor_shingles), len(b.anchor_shingles))
    anchor_c = containment(a.anchor_shingles, b.anchor_shingles) if a_small else 0.0
    return decide(c, a_small, anchor_c)


def match_story(a: str, b: str) -> StoryMatch:
    """Compare two bodies: containment, anchors and the same-story decision."""
    return match_features(TextFeatures.of(a), TextFeatures.of(b))


def story_similarity(a: str, b: str) -> float:
    """Containment of word 3-gram sets: 1.0 for an exact or trimmed copy, 0 for unrelated text."""
    return containment(shingles(a), shingles(b))


def same_story(a: str, b: str) -> bool:
    return match_story(a, b).same_story


#: Derivations of a version from its story's first (canonical) version.
DERIVATION_ORIGINAL = "original"  # the first version itself
DERIVATION_EXACT = "exact"  # the same normalized text
DERIVATION_TRIMMED = "trimmed"  # a part of the first version (a lead-only reprint)
DERIVATION_REWORDED = "reworded"  # words swapped inside sentences (spun)
DERIVATION_EDITED = "edited"  # anything else: sentences or paragraphs added, removed, rewritten
DERIVATIONS = (DERIVATION_ORIGINAL, DERIVATION_EXACT, DERIVATION_TRIMMED, DERIVATION_REWORDED,
               DERIVATION_EDITED)
#: Share of a version's words swapped one to three at a time, at or above which it is "reworded".
#: Editors add, cut and rewrite whole sentences; spinners swap single words everywhere. Measured
#: on the evidence corpus: edited copies 0-1 %, spun copies from 4 % (strength 0.3) up.
REWORDED_MIN_SWAPS = 0.03
#: A version with at least this share of its 3-grams in the first version, and at most
#: :data:`TRIMMED_MAX_LENGTH` of its length, is "trimmed".
TRIMMED_MIN_KEPT = 0.95
TRIMMED_MAX_LENGTH = 0.9


#: Words of each text the swap count looks at: difflib's matcher is quadratic in the worst case
#: (1.5 s on an 8,400-word article), and a spinner's swaps are everywhere, so the first 1,000
#: words tell (about 20 ms).
DERIVATION_WINDOW = 1000


#: Kept words on each side of a replacement for it to count as a swap (see :func:`derivation`).
SWAP_FRAME = 2


def _kept_run(ops: list, k: int) -> bool:
    if k < 0 or k >= len(ops):
        return True  # the text's edge frames a swap as well as kept words do
    op, i1, i2, _, _ = ops[k]
    return op == "equal" and i2 - i1 >= SWAP_FRAME


def derivation(canonical: str, version: str) -> str:
    """How ``version`` was derived from ``canonical`` (the story's first version).

    "exact": the same normalized tokens. "reworded": at least :data:`REWORDED_MIN_SWAPS` of the
    version's first :data:`DERIVATION_WINDOW` words are swapped one to three at a time (difflib's
    matcher on tokens). "trimmed": nearly all of its 3-grams are in the first version and it is
    clearly shorter. Else "edited". A trimmed *and* spun copy is "reworded": the rewording is
    what an analyst needs to know first.
    """
    a, b = tokens(stable_text(canonical)), tokens(stable_text(version))
    if a == b:
        return DERIVATION_EXACT
    if not a or not b:
        return DERIVATION_EDITED
    wa, wb = a[:DERIVATION_WINDOW], b[:DERIVATION_WINDOW]
    swapped = 0
    # autojunk off: it would treat frequent words ("the", "said") as junk, and those are the
    # words a spinner swaps.
    ops = SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes()
    for k, (op, i1, i2, j1, j2) in enumerate(ops):
        # A swap is a short replacement between two runs of kept words: a rewritten sentence
        # also aligns on scattered common words, but its pieces are not framed by kept runs.
        if op == "replace" and i2 - i1 <= 3 and j2 - j1 <= 3 and _kept_run(ops, k - 1) \
                and _kept_run(ops, k + 1):
            swapped += j2 - j1
    if swapped / len(wb) >= REWORDED_MIN_SWAPS:
        return DERIVATION_REWORDED
    sa, sb = _shingles_of(a), _shingles_of(b)
    kept = len(sa & sb) / len(sb) if sb else 0.0
    if kept >= TRIMMED_MIN_KEPT and len(b) <= TRIMMED_MAX_LENGTH * len(a):
        return DERIVATION_TRIMMED
    return DERIVATION_EDITED
