"""Verification: whether two bodies are one story, from their 3-grams and their anchors.

Two measures, computed exactly (:func:`match_story`):

* *containment* of word 3-gram sets, ``|A ∩ B| / min(|A|, |B|)``: 1.0 for an exact or trimmed
  copy, high for an edited one, lower for a spun one (a synonym swap breaks every 3-gram that
  holds the word);
* *anchors*: the names (capitalized words inside a sentence, acronyms) and numbers of a text in
  the order they occur, compared as anchor bigrams (:func:`anchor_shingles`). A spinner's
  thesaurus has no entry for a surname or a figure, so a spun copy keeps its anchors *in order*;
  two outlets' reports of one event share names and numbers too, but not in the same sequence.
  Quoted speech and rare words were considered and left out: spinners reword inside quotes, and
  telling rare words apart needs a word-frequency list (a dependency) while names and numbers
  are already what a thesaurus lacks.

The decision (:func:`decide`; the thresholds are measured on the evidence corpus,
``python benchmarks/story_evidence.py``, with the figures in docs/measurements.md):

* containment >= :data:`CONTAINMENT_SURE`: same story. Exact, trimmed and lightly edited copies
  are well above it; distinct articles stay below it.
* containment >= :data:`CONTAINMENT_FLOOR` *and* anchor containment >= :data:`ANCHOR_THRESHOLD`:
  same story. Spun copies sit between the two containment levels with most of their anchors
  kept; the most similar distinct articles stay below the floor or share few anchors in order
  (two pages of one site's boilerplate share 3-grams, not anchors).
* when the smaller text has fewer than :data:`MIN_ANCHORS` anchor bigrams, anchors cannot
  testify and containment >= :data:`SAME_STORY_THRESHOLD` decides alone.
* else, when containment >= :data:`ALIGN_MIN_CONTAINMENT`, *alignment*
  (:func:`aligned_share`): the share of the smaller text's first
  :data:`ALIGN_WINDOW` words that lie in runs of at least :data:`ALIGN_RUN` words both texts
  have in the same order (a longest-common-subsequence alignment of the two word sequences)
  >= :data:`ALIGN_THRESHOLD`: same story, "rewritten". A newsroom's rewrite of a wire story
  reorders clauses, rewrites the headline, drops and merges sentences and changes word forms,
  so few 3-grams survive; what survives is its order: the wire copy's phrases, names and
  figures in the wire copy's sequence. An independent report of the same event shares the
  facts and many words, not their sequence. Words and runs are script-independent (tokens are
  words, CJK characters one each): no word list of any language is read.

Immutables other than anchors were measured and not kept: the numbers of two reports of one
event are the same whether one was rewritten from the other or not (COUNTER's non-derived
newspaper stories share their agency story's figures as often as its rewrites do; the figures
are in docs/matching.md).

:attr:`StoryMatch.reason` says which of these rules decided; the store keeps the figure that
decided (containment, or the aligned share for a "rewritten" copy) as the version's
``similarity``.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from newscrawl.stages.fingerprint.text import SHINGLE_SIZE, shingles_of, stable_text, stable_tokens, tokens
from newscrawl.stages.fingerprint.words import WordCounts, word_set_hashes, words_event_figure
from newscrawl.stages.memo import primable

#: Containment at or above which two bodies are one story without asking the anchors.
CONTAINMENT_SURE = 0.70
#: Containment below which two bodies are never one story, whatever their anchors.
CONTAINMENT_FLOOR = 0.18
#: Anchor-bigram containment a body between the two containment levels needs.
ANCHOR_THRESHOLD = 0.40
#: Fewer anchor bigrams than this in the smaller text: anchors are not evidence either way.
MIN_ANCHORS = 5
#: Containment that decides alone when anchors cannot: between spun copies of one story and
#: independent reports of one event.
SAME_STORY_THRESHOLD = 0.30
#: Aligned share (:func:`aligned_share`) at or above which a text is a rewrite of the other:
#: chosen on COUNTER's national and foreign pairs, checked on the other domains (docs/matching.md).
ALIGN_THRESHOLD = 0.36
#: Anchor-bigram containment a rewrite needs where anchors testify: a rewrite keeps the names
#: and figures in their order; two texts written from one template (a shop's terms pages) keep
#: the template's wording in order but not its names and figures.
ALIGN_ANCHOR_THRESHOLD = 0.40
#: Shortest run of words in the same order that counts as aligned: one shared word in order is
#: what any two texts of one language have; two in a row are a kept phrase or name.
ALIGN_RUN = 2
#: Words of each text aligned: the alignment costs up to the product of the two lengths, and a
#: rewrite keeps the wire copy's order from its first paragraphs on.
ALIGN_WINDOW = 600
#: Words the aligned share is counted over at least (:func:`aligned_share`'s ``min_length``): the
#: common pairs of words ("of the", "said on") of a short text find themselves in order in a long
#: one by chance, so a short brief needs as many aligned words as a text of this length would.
ALIGN_MIN_WORDS = 50
#: Containment under which alignment is not even tried: it is the costly part of a
#: verification (a few milliseconds for two news texts, against a tenth of one for the rest),
#: and the rewrites it accepts in COUNTER all share at least 0.125 of their 3-grams
#: (docs/matching.md).
ALIGN_MIN_CONTAINMENT = 0.10

#: 3-gram containment at or above which a text that is not a candidate's story shares enough of
#: its wording to report the same event (a newspaper story that takes a paragraph of a wire
#: story and adds its own reporting): about 1% of COUNTER's pairs of different agency and
#: newspaper stories published within three days reach it, and 8 of the 248,000 pairs of
#: distinct dev articles (docs/matching.md).
SAME_EVENT_CONTAINMENT = 0.08

#: Containment under which :func:`match_features` finds no story by any rule (the floors of
#: containment, anchors and alignment are all above it) and :func:`shares_reporting` no shared
#: wording: such a pair is a :class:`StoryMatch` of that containment and nothing else, and only
#: its word sets (:func:`reports_same_event`) can still say something of it.
NO_MATCH_BELOW = min(SAME_EVENT_CONTAINMENT, ALIGN_MIN_CONTAINMENT, CONTAINMENT_FLOOR, SAME_STORY_THRESHOLD)

#: :attr:`StoryMatch.reason` values: which rule decided.
REASON_CONTAINMENT = "containment"
REASON_ANCHORS = "anchors"
REASON_ALIGNED = "aligned"
REASON_NONE = "different"


def containment(a: set[str], b: set[str]) -> float:
    """``|a ∩ b| / min(|a|, |b|)``; 0 when either is empty."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


# One scan finds what anchors need and skips lower-case words inside the regex engine (a word by
# word Python loop costs an order of magnitude more):
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


def aligned_share(a: tuple[str, ...], b: tuple[str, ...], run: int = ALIGN_RUN, min_length: int = 0) -> float:
    """Share of the shorter word sequence in runs of >= ``run`` words that the other has in the
    same order (difflib's matching blocks: a longest-common-subsequence alignment that prefers
    long runs), counted over at least ``min_length`` words."""
    if not a or not b:
        return 0.0
    # autojunk off: it would drop the frequent words, and the runs are made of them too.
    blocks = SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sum(m.size for m in blocks if m.size >= run) / max(min(len(a), len(b)), min_length)


@dataclass(frozen=True, slots=True)
class StoryMatch:
    """How two bodies compare: the figures and the decision (see the module docstring)."""

    containment: float
    anchor_containment: float | None  # None: too few anchors to testify
    same_story: bool
    aligned: float | None = None  # None: the alignment was not needed (or not worth trying)
    reason: str = REASON_NONE  # the rule that decided (REASON_*)

    @property
    def similarity(self) -> float:
        """The figure that decided: the aligned share for a rewrite, else the containment."""
        return self.aligned if self.reason == REASON_ALIGNED and self.aligned is not None \
            else self.containment


def token_hashes(toks: list[str]) -> np.ndarray:
    """A stable 32-bit hash (CRC-32 of its UTF-8) per token, in order: what verification reads of
    a text, and what the store keeps of a story (:func:`stored_features`) so that a
    candidate is never tokenised again. Two different words of a pair of texts collide with a
    chance of about one in four thousand, a shared shingle more seldom still: no decision moves."""
    return np.fromiter((zlib.crc32(t.encode("utf-8")) for t in toks), dtype=np.uint32, count=len(toks))


# Odd 64-bit multipliers mixing the token hashes of a shingle into one 64-bit shingle hash.
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


def _mixed_shingles(hashes: np.ndarray, size: int = SHINGLE_SIZE) -> np.ndarray:
    h = hashes.astype(np.uint64)
    n = len(h)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    width = min(size, n)
    mixed = np.zeros(n - width + 1, dtype=np.uint64)
    for k in range(width):
        mixed = mixed * _MIX[k] + h[k : n - width + 1 + k]
    if width < size:  # a short text's single shingle is not any longer text's 3-gram
        mixed = mixed * _MIX[width] + np.uint64(width)
    return mixed


def shingle_hashes(hashes: np.ndarray, size: int = SHINGLE_SIZE) -> frozenset[int]:
    """The 64-bit hashes of the word ``size``-grams of a token-hash sequence (one of all of the
    tokens when there are fewer), as :func:`~newscrawl.stages.fingerprint.text.shingles_of`
    makes the strings."""
    return frozenset(_mixed_shingles(hashes, size).tolist())


def shingle_array(hashes: np.ndarray) -> np.ndarray:
    """:func:`shingle_hashes` as a sorted array of distinct values (what
    :func:`stored_containment` compares against)."""
    return np.unique(_mixed_shingles(hashes))


def stored_containment(mine: np.ndarray, words: bytes) -> float:
    """:func:`containment` of the 3-gram sets of a text (``mine``: its :func:`shingle_array`) and
    of a stored story (``words``: its :func:`stored_features` words), the same figure
    :func:`match_features` computes, without building either set in Python: what tells the
    many unrelated candidates of a lookup apart (:data:`NO_MATCH_BELOW`) for a fraction of a
    verification's cost."""
    theirs = _mixed_shingles(np.frombuffer(words, dtype="<u4"))
    if not mine.size or not theirs.size:
        return 0.0
    # Sorted in place and each value's first occurrence marked: what np.unique does, without
    # the copies (this runs for every candidate of a lookup).
    theirs.sort()
    first = np.empty(theirs.size, dtype=bool)
    first[0] = True
    np.not_equal(theirs[1:], theirs[:-1], out=first[1:])
    at = np.searchsorted(mine, theirs)
    np.minimum(at, mine.size - 1, out=at)
    shared = int(np.count_nonzero((mine[at] == theirs) & first))
    return shared / min(mine.size, int(np.count_nonzero(first)))


def _pair_hashes(seq: list[str]) -> frozenset[int]:
    return frozenset(zlib.crc32(f"{seq[i]} {seq[i + 1]}".encode("utf-8")) for i in range(len(seq) - 1))


@dataclass(frozen=True, slots=True)
class TextFeatures:
    """What verification needs of one body, computed once and reusable across candidates.

    All hashes (:func:`token_hashes`): the same decisions as on the strings, and what the store
    keeps per story (:func:`stored_features`, :meth:`from_stored`), so that verifying a candidate reads
    a few kilobytes and tokenises nothing."""

    shingles: frozenset[int]
    anchor_shingles: frozenset[int]
    lead_words: tuple[int, ...] = ()  # the first ALIGN_WINDOW words' hashes, for the alignment
    #: Whether its anchors hold names, not numbers alone (a script without letter case has none).
    named: bool = True
    #: Hashes of its word set (newscrawl.stages.fingerprint.words.word_set_hashes): the event
    #: evidence (:func:`reports_same_event`); empty when not known (a store row without them).
    word_set: frozenset[int] = frozenset()

    @classmethod
    def of(cls, body: str) -> TextFeatures:
        return cls.from_hashes(*text_hashes(body), word_set=word_set_hashes(body))

    @classmethod
    def from_hashes(cls, hashes: np.ndarray, anchor_pairs: np.ndarray, named: bool,
                    word_set: np.ndarray | None = None) -> TextFeatures:
        return cls(shingle_hashes(hashes), frozenset(anchor_pairs.tolist()),
                   tuple(hashes[:ALIGN_WINDOW].tolist()), named,
                   frozenset(word_set.tolist()) if word_set is not None else frozenset())

    @classmethod
    def from_stored(cls, words: bytes, anchor_pairs: bytes, named: bool,
                    word_set: bytes | None = None) -> TextFeatures:
        """The features of a story kept by the store (:func:`stored_features`; ``word_set``:
        :func:`stored_word_set`, None for a row stored without it)."""
        return cls.from_hashes(np.frombuffer(words, dtype="<u4"), np.frombuffer(anchor_pairs, dtype="<u4"),
                               bool(named), None if word_set is None else np.frombuffer(word_set, dtype="<u4"))


@primable
def text_hashes(body: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """(token hashes, sorted anchor-bigram hashes, named) of ``body``: what the store keeps of a
    story for its verification (:meth:`TextFeatures.from_stored`; bytes by :func:`stored_features`)."""
    hashes = token_hashes(stable_tokens(body))
    seq = anchors(body)
    pairs = np.array(sorted(_pair_hashes(seq)), dtype=np.uint32)
    named = any(not any(c.isdigit() for c in a) for a in seq)
    return hashes, pairs, named


def stored_features(body: str) -> tuple[bytes, bytes, bool]:
    """(words, anchor pairs, named) of ``body`` as the store keeps them: little-endian 32-bit
    hashes (:func:`text_hashes`), 4 bytes a word."""
    hashes, pairs, named = text_hashes(body)
    return hashes.astype("<u4").tobytes(), pairs.astype("<u4").tobytes(), named


def stored_word_set(body: str) -> bytes:
    """``body``'s word-set hashes as the store keeps them: little-endian 32-bit, sorted."""
    return word_set_hashes(body).astype("<u4").tobytes()


def decide(c: float, a_small: int, anchor_c: float, aligned: float | None = None,
           named: bool = True) -> StoryMatch:
    """The same-story decision from containment ``c``, the smaller text's anchor-bigram count
    ``a_small``, the anchor containment ``anchor_c`` and the aligned share ``aligned`` (None:
    not measured, the rewrite rule does not apply); ``named``: both texts' anchors hold names
    (numbers alone, in a script without letter case, do not veto an alignment: a rewrite
    writes figures into other words, "won by 5 wickets" / "a 5-wicket win")."""
    anchors_testify = a_small >= MIN_ANCHORS
    anchor_figure = anchor_c if anchors_testify else None
    if not anchors_testify and c >= SAME_STORY_THRESHOLD:
        return StoryMatch(c, None, True, aligned, REASON_CONTAINMENT)
    if anchors_testify and c >= CONTAINMENT_SURE:
        return StoryMatch(c, anchor_figure, True, aligned, REASON_CONTAINMENT)
    if anchors_testify and c >= CONTAINMENT_FLOOR and anchor_c >= ANCHOR_THRESHOLD:
        return StoryMatch(c, anchor_figure, True, aligned, REASON_ANCHORS)
    if aligned is not None and aligned >= ALIGN_THRESHOLD \
            and (not anchors_testify or not named or anchor_c >= ALIGN_ANCHOR_THRESHOLD):
        return StoryMatch(c, anchor_figure, True, aligned, REASON_ALIGNED)
    return StoryMatch(c, anchor_figure, False, aligned, REASON_NONE)


def aligned_bound(a: tuple[int, ...], b: tuple[int, ...], run: int = ALIGN_RUN, min_length: int = 0) -> float:
    """An upper bound of :func:`aligned_share` ``(a, b, run, min_length)``, in linear time: the
    share of ``a``'s words that lie in some ``run`` consecutive words ``b`` also has. Every word of
    an aligned run of ``run`` or more words lies in such a window, so the aligned share is never
    above it; two texts whose shared phrases are too few for the rule need no alignment."""
    if not a or not b or len(a) < run or len(b) < run:
        return 0.0
    theirs = set(zip(*(b[k:] for k in range(run))))
    covered = bytearray(len(a))
    for i, window in enumerate(zip(*(a[k:] for k in range(run)))):
        if window in theirs:
            covered[i:i + run] = b"\x01" * run
    return covered.count(1) / max(min(len(a), len(b)), min_length)


def match_features(a: TextFeatures, b: TextFeatures) -> StoryMatch:
    """Compare two bodies' features: containment, anchors, alignment and the decision.

    The alignment, the costly part, runs only where it can change the decision: not when the
    anchors testify against a rewrite (both texts named, anchor containment under
    :data:`ALIGN_ANCHOR_THRESHOLD`), nor when :func:`aligned_bound` shows the aligned share
    cannot reach :data:`ALIGN_THRESHOLD`; the match then carries ``aligned=None``."""
    c = containment(a.shingles, b.shingles)
    a_small = min(len(a.anchor_shingles), len(b.anchor_shingles))
    anchor_c = containment(a.anchor_shingles, b.anchor_shingles) if a_small else 0.0
    m = decide(c, a_small, anchor_c)
    if m.same_story or c < ALIGN_MIN_CONTAINMENT:
        return m
    named = a.named and b.named
    if a_small >= MIN_ANCHORS and named and anchor_c < ALIGN_ANCHOR_THRESHOLD:
        return m
    if aligned_bound(a.lead_words, b.lead_words, min_length=ALIGN_MIN_WORDS) < ALIGN_THRESHOLD:
        return m
    return decide(c, a_small, anchor_c, aligned_share(a.lead_words, b.lead_words, min_length=ALIGN_MIN_WORDS),
                  named)


def without_alignment(m: StoryMatch) -> StoryMatch:
    """``m`` as the other rules alone decide it: a match the alignment alone made
    (:data:`REASON_ALIGNED`) becomes a non-match with the same figures, any other is kept. For
    a pair the alignment must not link: texts of days too far apart, where one template's
    wording (an agency's match or tournament report) tells different stories."""
    if m.reason != REASON_ALIGNED:
        return m
    return StoryMatch(m.containment, m.anchor_containment, False, m.aligned, REASON_NONE)


def shares_reporting(m: StoryMatch) -> bool:
    """Whether two texts that are not one story share enough wording to report one event."""
    return not m.same_story and m.containment >= SAME_EVENT_CONTAINMENT


def reports_same_event(a: TextFeatures, b: TextFeatures, m: StoryMatch | None = None,
                       counts: WordCounts | None = None) -> bool:
    """Whether two texts that are not one story (``m``: their verification, None: not verified)
    report one event: they share some wording (:func:`shares_reporting`), or many of their
    longer words (:func:`~newscrawl.stages.fingerprint.words.words_event_figure`: weighted by
    the document frequencies ``counts`` when enough stories were counted, else plain Jaccard;
    independent reports name the same people, places and figures, in any script). Their days
    are the store's to check."""
    if m is not None and m.same_story:
        return False
    return (m is not None and shares_reporting(m)) or words_event_figure(a.word_set, b.word_set, counts) is not None


def match_story(a: str, b: str) -> StoryMatch:
    """Compare two bodies: containment, anchors and the same-story decision."""
    return match_features(TextFeatures.of(a), TextFeatures.of(b))


def story_similarity(a: str, b: str) -> float:
    """Containment of word 3-gram sets: 1.0 for an exact or trimmed copy, 0 for unrelated text."""
    return containment(shingles_of(tokens(stable_text(a))), shingles_of(tokens(stable_text(b))))


def same_story(a: str, b: str) -> bool:
    """Whether two bodies are one story (:func:`match_story`'s decision)."""
    return match_story(a, b).same_story
