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
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from newscrawl.stages.fingerprint.text import shingles, stable_text

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
    """Compare two bodies' features: containment, anchors and the same-story decision."""
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
    """Whether two bodies are one story (:func:`match_story`'s decision)."""
    return match_story(a, b).same_story
