"""Word bands: the candidate lookup that still finds a newsroom's heavy rewrite of a story.

The 3-gram signatures (:mod:`.signature`) find copies whose phrases survive: exact, trimmed,
spun. A newsroom that rewrites a wire story keeps few 3-grams but most of its *words*: the
names, places, figures and the vocabulary of the subject. So a second signature is taken over
the set of a text's longer words (:func:`signature_words`): a MinHash of
:data:`WORD_PERM` permutations cut into bands of :data:`WORD_ROWS`. Unrelated texts of one
language share their short function words; the longer words are what a subject is written
with. Word length, digits and script are the only rules: no list of any language's words.

Word sets of two unrelated texts still overlap more than their 3-grams do, so the store keeps
these bands with the story's day and looks them up only within days of the new text
(:mod:`newscrawl.store.matching`): a rewrite follows its wire story within days, and the
lookup then costs the stories of those days, not of the whole store.

The same word set is the **event** evidence of two texts that are not one story
(:func:`words_event_figure`): independent reports of one event name its people, places and
figures and write about its subject, so they share many longer words while sharing little
wording in order. Each word weighs its inverse document frequency among the stories the store
has counted (:class:`WordCounts`, :func:`weighted_word_cosine`): the words every story of a
language uses say little, a name or a place much; a pair a little under the cosine threshold
that shares two words hardly any story holds (:func:`rare_shared_words`: the event's names and
figures, which a report written on its own keeps) reports one event too; with too few stories
counted the plain Jaccard (:func:`word_set_jaccard`) decides. Names (capitalised words) cannot say it in a script without
letter case (COUNTER is Urdu); longer words can, in any script. The store checks it only for
stories of days within the event window (newscrawl.store.events: no chaining beyond it).
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from newscrawl.stages.fingerprint.signature import (
    MINHASH_SEED,
    affine64_permutations,
    band_hashes,
    shingle_hashes,
    signature_values,
)
from newscrawl.stages.fingerprint.text import stable_tokens
from newscrawl.stages.memo import primable

#: Words shorter than this (letters) are left out unless they hold a digit: in alphabetic
#: scripts the short words are the function words every text has.
WORD_MIN_CHARS = 4
#: Words of a text read: a rewrite keeps the wire story's lead, where its subject is stated.
WORD_TOKENS = 400
WORD_PERM = 128
#: Hash values per band: 2 finds word sets of Jaccard similarity 0.2 (the lowest decile of
#: COUNTER's wholly derived pairs) with probability 0.93 over 64 bands; 3 would find them with
#: probability 0.4.
WORD_ROWS = 2
WORD_BAND_COUNT = WORD_PERM // WORD_ROWS
#: Its own seed: these permutations must never equal the 3-gram signatures'.
WORD_SEED = MINHASH_SEED + 1000

_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def signature_words(body: str) -> set[str]:
    """The words of ``body``'s first :data:`WORD_TOKENS` tokens that say what it is about:
    words of at least :data:`WORD_MIN_CHARS` characters, words with a digit, and pairs of
    adjacent CJK characters (a CJK token is one character; two are a word or most of one)."""
    return set(_signature_words(body))


@lru_cache(maxsize=1)
def _signature_words(body: str) -> frozenset[str]:
    # The last body's kept: the store asks for its word bands and its word set one after the other.
    toks = stable_tokens(body)[:WORD_TOKENS]
    out: set[str] = set()
    for i, tok in enumerate(toks):
        if _CJK_RE.fullmatch(tok):
            if i + 1 < len(toks) and _CJK_RE.fullmatch(toks[i + 1]):
                out.add(tok + toks[i + 1])
        elif len(tok) >= WORD_MIN_CHARS or any(c.isdigit() for c in tok):
            out.add(tok)
    return frozenset(out)


@lru_cache(maxsize=1)
def _permutations() -> np.ndarray:
    return affine64_permutations(WORD_PERM, WORD_SEED)


@primable
def word_bands(body: str) -> tuple[int, ...]:
    """The :data:`WORD_BAND_COUNT` band hashes of ``body``'s word signature (empty: no words)."""
    words = _signature_words(body)
    if not words:
        return ()
    # The values of datasketch's affine64 MinHash of the words, computed as the 3-gram
    # signatures are (one SHA-1 a word, the permutations over all of them at once).
    values = signature_values(shingle_hashes(words), permutations=_permutations())
    return tuple(band_hashes(values, first_band=0, rows=WORD_ROWS))


#: Jaccard similarity of two texts' word sets (:func:`signature_words`) at or above which two
#: texts that are not one story report the same event (within the event window) while the
#: store has counted too few stories for word weights (:data:`MIN_COUNTED_STORIES`): chosen on
#: COUNTER's national and foreign domains, where 0.4% of the pairs of different agency and
#: newspaper stories published within three days reach it, and checked on the other domains
#: (docs/matching.md, "Events").
SAME_EVENT_WORDS = 0.20
#: Cosine similarity of two word sets weighted by inverse document frequency
#: (:func:`weighted_word_cosine`) at or above which two texts that are not one story report the
#: same event: chosen as :data:`SAME_EVENT_WORDS` was (the same share of different-story pairs
#: of the chosen domains), it links more independent reports there and on the held-out domains,
#: with fewer different stories held out: a word every report of the language uses says less
#: than a name or a place (docs/matching.md, "Events").
SAME_EVENT_WEIGHTED = 0.25
#: Stories whose words must have been counted before the weights are used: document
#: frequencies of fewer stories put a rare word and a common one at the same weight and let
#: more different stories through (docs/measurements.md); until then :data:`SAME_EVENT_WORDS`
#: decides.
MIN_COUNTED_STORIES = 200
#: The weighted similarity is computed only for pairs with at least this plain Jaccard: no pair
#: reaching :data:`SAME_EVENT_WEIGHTED` was found below it, and the store then looks up the
#: counts of the words of the few stories that pass, not of every story sharing a word band.
WEIGHTED_FLOOR = 0.10
#: A second way to the same event, for reports that write their own account: a weighted cosine
#: of at least :data:`SAME_EVENT_RARE_COSINE` with at least :data:`RARE_SHARED_WORDS` shared
#: words each of weight :data:`RARE_WORD_WEIGHT` or more (held by fewer than about one story in
#: 245 counted). A rewriter keeps the immutables of the event (a person's or a place's name, a
#: figure) however much of the rest it rewrites; two different stories of one subject share the
#: subject's vocabulary, which is common among the stories of that subject, but rarely two
#: words hardly any other story holds. A fixed weight rather than a count of stories: what is
#: rare is relative to how many stories were counted; until about 500 are, a word a counted
#: story holds cannot weigh this much, and only the cosine decides.
#: Chosen on COUNTER's national and foreign domains at the share of different-story pairs the
#: cosine alone lets through, the cosine floor raised where the project's dev articles (pages of
#: one evergreen subject, whose subject words are rare among them) began to join events
#: (docs/matching.md, "Events").
SAME_EVENT_RARE_COSINE = 0.18
RARE_WORD_WEIGHT = 5.5
RARE_SHARED_WORDS = 2
#: The rare-word way (:data:`SAME_EVENT_RARE_COSINE`) is taken only by a pair of which both
#: stories state a publication date. A story that states none is placed in time by the day a
#: crawl downloaded it, which says when the page was looked at, not when what it tells happened:
#: a crawl downloads in one day pages written years apart, and a page that states no date is
#: often of the undated kind (guides, explainers, product pages), two of which on one subject
#: share its rarer words as two reports of one event share their names. Such a pair reports one
#: event by the cosine alone (:data:`SAME_EVENT_WEIGHTED`), shared wording or event terms.


@primable
def word_set_hashes(body: str) -> np.ndarray:
    """The sorted 32-bit hashes (CRC-32 of the UTF-8) of ``body``'s word set
    (:func:`signature_words`): what the store keeps of a story for the event evidence."""
    return np.array(sorted({zlib.crc32(w.encode("utf-8")) for w in _signature_words(body)}), dtype=np.uint32)


def word_set_jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard similarity of two word sets (their hashes); 0 when either is empty."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


@dataclass(frozen=True, slots=True)
class WordCounts:
    """Document frequencies of words (by their hash, :func:`word_set_hashes`): in how many of
    ``stories`` counted stories each occurs (a word missing from ``counts`` occurs in none)."""

    stories: int = 0
    counts: Mapping[int, int] = field(default_factory=dict)
    #: Squared weights computed so far (:meth:`squared_weights`): a lookup weighs one text's
    #: words against each of its candidates with the same counts.
    _squared: dict[int, float] = field(default_factory=dict, compare=False, repr=False)

    @property
    def usable(self) -> bool:
        """Enough stories counted for the weights to tell common words from rare ones."""
        return self.stories >= MIN_COUNTED_STORIES

    def weight(self, word: int) -> float:
        """Inverse document frequency, smoothed: a word in every story weighs about 0, one in
        none ``log(stories + 1)``."""
        return math.log((self.stories + 1) / (self.counts.get(word, 0) + 1))

    def squared_weights(self, words: frozenset[int]) -> Mapping[int, float]:
        """A mapping that holds the squared :meth:`weight` of each of ``words`` (and of the
        words asked before)."""
        known = self._squared
        for word in words - known.keys():
            known[word] = self.weight(word) ** 2
        return known


def weighted_word_cosine(a: frozenset[int], b: frozenset[int], counts: WordCounts) -> float:
    """Cosine similarity of two word sets as vectors of their words' weights
    (:meth:`WordCounts.weight`): the shared words' squared weights over the geometric mean of
    each set's; 0 when either is empty or weighs nothing."""
    if not a or not b:
        return 0.0
    w = counts.squared_weights(a | b)
    mass_a, mass_b = sum(w[h] for h in a), sum(w[h] for h in b)
    if mass_a <= 0 or mass_b <= 0:
        return 0.0
    return sum(w[h] for h in a & b) / math.sqrt(mass_a * mass_b)


#: Rarest words of a story the store indexes with its day, and rarest words of a new text it
#: looks them up by (:func:`rarest_words`): two reports of one event may share no word band
#: (at a word-set Jaccard of 0.12, 64 bands of 2 rows miss each other two times in five) while
#: sharing the event's names and figures, the words hardly any other story holds. Looking up
#: twice as many words as are indexed finds a pair whose shared rare words rank a little lower
#: in one text than in the other (docs/measurements.md, "Events: a lookup by rare words").
RARE_WORDS_INDEXED = 16
RARE_WORDS_LOOKED_UP = 32


def rarest_words(words: Iterable[int], counts: WordCounts, n: int) -> list[int]:
    """The ``n`` words (hashes) of ``words`` that weigh most by ``counts``
    (:meth:`WordCounts.weight`), heaviest first (ties: the smaller hash). With no story
    counted every word weighs the same: a fixed sample of the words. The weight falls as a
    word's count rises, so the words are ranked by their counts (no logarithm a word)."""
    count = counts.counts.get
    return sorted(set(words), key=lambda h: (count(h, 0), h))[:n]


def rare_shared_words(a: frozenset[int], b: frozenset[int], counts: WordCounts) -> int:
    """How many words of both sets weigh at least :data:`RARE_WORD_WEIGHT`."""
    return sum(counts.weight(h) >= RARE_WORD_WEIGHT for h in a & b)


def words_event_figure(a: frozenset[int], b: frozenset[int], counts: WordCounts | None, *,
                       dated: bool = True) -> float | None:
    """The figure by which two texts' word sets say they report one event, None when they do
    not: the weighted cosine when ``counts`` are usable (>= :data:`SAME_EVENT_WEIGHTED`, or >=
    :data:`SAME_EVENT_RARE_COSINE` with :data:`RARE_SHARED_WORDS` rare words shared), else the
    plain Jaccard (>= :data:`SAME_EVENT_WORDS`). Their days are the store's to check.

    ``dated``: both texts state a publication date; when either does not (its day is a
    download's), only the cosine threshold decides (see :data:`SAME_EVENT_RARE_COSINE`)."""
    jaccard = word_set_jaccard(a, b)
    if counts is None or not counts.usable:
        return jaccard if jaccard >= SAME_EVENT_WORDS else None
    if jaccard < WEIGHTED_FLOOR:
        return None
    cosine = weighted_word_cosine(a, b, counts)
    if cosine >= SAME_EVENT_WEIGHTED:
        return cosine
    if dated and cosine >= SAME_EVENT_RARE_COSINE and rare_shared_words(a, b, counts) >= RARE_SHARED_WORDS:
        return cosine
    return None
