"""COUNTER's pairs as the verification sees them: per pair the features, the current decision
and candidate evidence of derivation, outside the store.

Each text of a pair (evaluation/reuse.py) is run through ``process_page``'s steps as the store
would get it (:func:`counter_bodies`); :func:`pair_features` then compares the two bodies with
:func:`~newscrawl.stages.fingerprint.match_features` (the rules the store applies) and adds
a figure a new rule could read (:func:`passage_order`, measured and not kept:
docs/measurements.md, issue 19, rewrite19). What a rule must keep apart besides the non derived
pairs: :func:`different_story_features` (an agency story against the newspaper story of
*another* agency story published within days), :func:`agency_pair_features` (every pair of
distinct agency files: different stories unless the agency filed one twice) and
:func:`distinct_article_features` (the distinct dev articles, evaluation/corpus.py).
:func:`added_links` counts what a rule would add to the current decisions, per label and per
split (chosen on: national and foreign; held out: the others).
"""

from __future__ import annotations

import dataclasses

import datetime as dt
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from evaluation.reuse import CHOSEN_ON, FETCHED_AT, LABELS, ReusePair, article_page


#: :func:`passage_order`'s defaults: a passage of about a clause, matched when another passage
#: holds 40% of its words, the share counted over at least 5 passages.
PASSAGE_WORDS = 10
PASSAGE_OVERLAP = 0.4
PASSAGE_MIN_COUNT = 5
#: The variants measured: {name: passage_order's (size, overlap, min_passages)}.
PASSAGE_VARIANTS = {
    "10 words, 0.4, over 5": (10, 0.4, 5),
    "10 words, 0.4, over 8": (10, 0.4, 8),
    "10 words, 0.5, over 5": (10, 0.5, 5),
    "15 words, 0.4, over 8": (15, 0.4, 8),
}


def increasing_run(positions: Sequence[int]) -> int:
    """Length of the longest strictly increasing subsequence of ``positions``."""
    tails: list[int] = []
    for x in positions:
        i = bisect_left(tails, x)
        if i == len(tails):
            tails.append(x)
        else:
            tails[i] = x
    return len(tails)


def passage_windows(words: Sequence[int], size: int) -> list[frozenset[int]]:
    """``words`` cut into consecutive windows of ``size`` words (a last window of at least half
    that), each as a set: a passage, whatever the script's sentence marks (the store keeps a
    story's word hashes, not its punctuation)."""
    last = max(len(words) - size // 2 + 1, 1) if words else 0
    return [frozenset(words[i:i + size]) for i in range(0, last, size)]


def passage_order(a: Sequence[int], b: Sequence[int], size: int = PASSAGE_WORDS,
                  overlap: float = PASSAGE_OVERLAP, min_passages: int = PASSAGE_MIN_COUNT) -> float:
    """Share of the shorter text's passages (:func:`passage_windows`) that find, in the same
    order, a passage of the other holding at least ``overlap`` of their words: each passage is
    matched to the other text's passage holding most of its words, and the longest run of
    matches in increasing position (:func:`increasing_run`) is counted over at least
    ``min_passages`` passages. A heavy rewrite keeps most of each clause's words and the wire
    copy's order of clauses while few runs of two words survive (what the alignment counts)."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    mine, theirs = passage_windows(short, size), passage_windows(long_, size)
    if not mine or not theirs:
        return 0.0
    positions = []
    for window in mine:
        best, at = 0, -1
        for n, other in enumerate(theirs):
            shared = len(window & other)
            if shared > best:
                best, at = shared, n
        if best and best >= overlap * len(window):
            positions.append(at)
    return increasing_run(positions) / max(len(mine), min_passages)


@dataclass(frozen=True, slots=True)
class PairFeatures:
    id: str
    label: str  # a COUNTER label, or "different" (two different stories)
    domain: str
    containment: float
    anchor_containment: float | None
    aligned: float | None
    reason: str  # the rule that decided (StoryMatch.reason)
    same_story: bool  # the decision of the current rules
    #: {variant: passage_order of the two texts' alignment windows} (:data:`PASSAGE_VARIANTS`;
    #: empty: not measured)
    passages: dict[str, float]
    words: tuple[int, int]  # the two texts' word counts

    @property
    def chosen(self) -> bool:
        return self.domain in CHOSEN_ON


def text_key(pair: ReusePair, derived: bool) -> str:
    return f"paper:{pair.id}" if derived else f"agency:{pair.source_name}"


def counter_bodies(pairs: Sequence[ReusePair]) -> dict[str, str | None]:
    """{text key: the body process_page gives the text as a plain article page (None: not an
    article)} of every text of ``pairs``."""
    from newscrawl.model import Page
    from newscrawl.stages.process import run_steps

    out: dict[str, str | None] = {}
    for p in pairs:
        for derived, text, day in ((False, p.source, p.source_date), (True, p.derived, p.derived_date)):
            key = text_key(p, derived)
            if key in out:
                continue
            url = "https://reuse.example/a"
            record = run_steps(Page.build(url, article_page(text, url, day),
                                          {"Content-Type": "text/html; charset=utf-8"},
                                          fetched_at=FETCHED_AT)).record
            out[key] = record.body if record.is_article else None
    return out


def compare(pair_id: str, label: str, domain: str, a, b, measure_from: float = 0.0) -> PairFeatures:
    """Features of two texts' :class:`~newscrawl.stages.fingerprint.TextFeatures` ``a`` and
    ``b``; the passage figures (:data:`PASSAGE_VARIANTS`) only for pairs of containment >=
    ``measure_from``."""
    from newscrawl.stages.fingerprint import match_features
    from newscrawl.stages.fingerprint.matching import (ALIGN_MIN_CONTAINMENT, ALIGN_MIN_WORDS,
                                                       aligned_share)

    m = match_features(a, b)
    if m.aligned is None and not m.same_story and m.containment >= ALIGN_MIN_CONTAINMENT:
        # The store skips an alignment that cannot change its decision; the figure is still
        # a feature of the pair here.
        m = dataclasses.replace(m, aligned=aligned_share(a.lead_words, b.lead_words,
                                                         min_length=ALIGN_MIN_WORDS))
    passage = {name: passage_order(a.lead_words, b.lead_words, *v) for name, v in PASSAGE_VARIANTS.items()} \
        if m.containment >= measure_from else {}
    return PairFeatures(pair_id, label, domain, m.containment, m.anchor_containment, m.aligned, m.reason,
                        m.same_story, passage, (len(a.lead_words), len(b.lead_words)))


def pair_features(pairs: Sequence[ReusePair], bodies: dict[str, str | None]) -> list[PairFeatures]:
    """Per pair whose two texts are articles: its features and the current decision."""
    from newscrawl.stages.fingerprint import TextFeatures

    feats = {k: TextFeatures.of(b) for k, b in bodies.items() if b is not None}
    out = []
    for p in pairs:
        a, b = feats.get(text_key(p, False)), feats.get(text_key(p, True))
        if a is not None and b is not None:
            out.append(compare(p.id, p.label, p.domain, a, b))
    return out


def different_story_features(pairs: Sequence[ReusePair], bodies: dict[str, str | None], days: int = 3,
                             measure_from: float = 0.10) -> list[PairFeatures]:
    """Features of each agency story against each newspaper story of *another* agency story of
    the same split published at most ``days`` apart (the passage figure only where the
    containment reaches ``measure_from``, the alignment's floor: below it no rule applies)."""
    from newscrawl.stages.fingerprint import TextFeatures

    feats = {k: TextFeatures.of(b) for k, b in bodies.items() if b is not None}
    agency: dict[str, tuple[str, dt.date, str]] = {}
    for p in pairs:
        if p.source_date is not None and text_key(p, False) in feats:
            agency[p.source_name] = (p.domain, p.source_date, text_key(p, False))
    out = []
    for p in pairs:
        mine = feats.get(text_key(p, True))
        if mine is None or p.derived_date is None:
            continue
        for name, (domain, day, key) in agency.items():
            if name == p.source_name or abs((day - p.derived_date).days) > days \
                    or (domain in CHOSEN_ON) != (p.domain in CHOSEN_ON):
                continue
            out.append(compare(f"{name}~{p.id}", "different", p.domain, feats[key], mine, measure_from))
    return out


def agency_pair_features(pairs: Sequence[ReusePair], bodies: dict[str, str | None],
                         measure_from: float = 0.10) -> list[PairFeatures]:
    """Features of every pair of distinct agency files of one split (label "agency"; the
    domain of the later file), the passage figure where the containment reaches
    ``measure_from``. COUNTER does not say whether two files are one story filed twice: pairs
    the containment rule links share their figures (a copy), pairs linked by order alone
    mostly do not (docs/measurements.md, issue 19, rewrite19)."""
    from newscrawl.stages.fingerprint import TextFeatures

    files: dict[str, tuple[str, object]] = {}
    for p in pairs:
        body = bodies.get(text_key(p, False))
        if body is not None and p.source_name not in files:
            files[p.source_name] = (p.domain, TextFeatures.of(body))
    names = sorted(files)
    out = []
    for i, a in enumerate(names):
        for b in names[:i]:
            (dom_a, fa), (dom_b, fb) = files[a], files[b]
            if (dom_a in CHOSEN_ON) == (dom_b in CHOSEN_ON):
                out.append(compare(f"{b}~{a}", "agency", dom_a, fb, fa, measure_from))
    return out


def distinct_article_features(bodies: Sequence[str], measure_from: float = 0.10,
                              first_words: int | None = None) -> list[PairFeatures]:
    """Features of every pair of the distinct texts ``bodies`` (e.g. the dev articles, cut to
    their ``first_words`` words when given) whose containment reaches ``measure_from``."""
    from newscrawl.stages.fingerprint import TextFeatures, containment

    texts = [" ".join(b.split()[:first_words]) if first_words else b for b in bodies]
    feats = [TextFeatures.of(t) for t in texts]
    out = []
    for i in range(len(feats)):
        for j in range(i + 1, len(feats)):
            if containment(feats[i].shingles, feats[j].shingles) >= measure_from:
                out.append(compare(f"{i}~{j}", "different", "dev", feats[i], feats[j], measure_from))
    return out


#: Word-band lookup schemes simulated by :func:`lookup_recall`: {name: (MinHash values a band,
#: bands a candidate must share, candidates kept)}; the first is the store's
#: (newscrawl/stages/fingerprint/words.py, newscrawl/store/matching.py).
LOOKUP_SCHEMES = {
    "the store's: 64 bands of 2 values, >= 2 shared, 10 kept": (2, 2, 10),
    "64 bands of 2 values, >= 1 shared, 10 kept": (2, 1, 10),
    "128 bands of 1 value, >= 3 shared, 10 kept": (1, 3, 10),
}


def lookup_recall(pairs: Sequence[ReusePair], bodies: dict[str, str | None], rows: int, min_shared: int,
                  kept: int, days: int = 3) -> dict:
    """Whether each newspaper text's agency story would be among its candidates: those sharing a
    3-gram band (at most 25, most shared first, as the store keeps) or, among the agency
    stories of the days around it, those sharing ``min_shared`` word bands of ``rows`` MinHash
    values each (at most ``kept``, most shared first). Outside the store: every agency text is
    compared as its own story (in the store a text linked to an earlier agency story is
    compared through that story's first version). Returns {label: (found, found with
    3-gram containment >= 0.10, pairs)} and "candidates": the mean number of word-band
    candidates a text not among its 3-gram candidates."""
    import numpy as np

    from newscrawl.stages.fingerprint import TextFeatures, containment, fingerprint
    from newscrawl.stages.fingerprint.signature import affine64_permutations, shingle_hashes, signature_values
    from newscrawl.stages.fingerprint.words import WORD_PERM, WORD_SEED, signature_words

    permutations = affine64_permutations(WORD_PERM, WORD_SEED)

    def values(body: str):
        words = signature_words(body)
        return signature_values(shingle_hashes(words), permutations=permutations) if words else None

    agency = {}
    for p in pairs:
        body = bodies.get(text_key(p, False))
        if body is not None and p.source_name not in agency:
            agency[p.source_name] = (p.source_date, values(body), np.array(fingerprint(body).bands),
                                     TextFeatures.of(body).shingles)
    out: dict = {label: [0, 0, 0] for label in LABELS}
    extra = []
    for p in pairs:
        body = bodies.get(text_key(p, True))
        if body is None or p.source_name not in agency:
            continue
        mine, bands = values(body), np.array(fingerprint(body).bands)
        word_hits, band_hits = [], []
        for name, (day, theirs, their_bands, _) in agency.items():
            shared_bands = int((their_bands == bands).sum())
            if shared_bands:
                band_hits.append((-shared_bands, name))
            if day is None or p.derived_date is None or abs((day - p.derived_date).days) > days \
                    or theirs is None or mine is None:
                continue
            shared = int((theirs == mine).reshape(-1, rows).all(axis=1).sum())
            if shared >= min_shared:
                word_hits.append((-shared, name))
        by_bands = {name for _, name in sorted(band_hits)[:25]}
        by_words = {name for _, name in sorted(word_hits)[:kept]}
        extra.append(len(by_words - by_bands))
        found = p.source_name in by_bands | by_words
        n = out[p.label]
        n[0] += found
        n[1] += found and containment(TextFeatures.of(body).shingles, agency[p.source_name][3]) >= 0.10
        n[2] += 1
    return {k: tuple(v) for k, v in out.items()} | {"candidates": sum(extra) / max(len(extra), 1)}


def added_links(rows: Sequence[PairFeatures], rule: Callable[[PairFeatures], bool]) -> dict[tuple[str, bool], tuple[int, int, int]]:
    """{(label, chosen on): (linked by the rules before the passage order, linked by ``rule``
    besides, pairs)}."""
    out: dict[tuple[str, bool], list[int]] = {}
    for r in rows:
        n = out.setdefault((r.label, r.chosen), [0, 0, 0])
        n[0] += r.same_story
        n[1] += (not r.same_story) and rule(r)
        n[2] += 1
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


__all__ = ["LABELS", "LOOKUP_SCHEMES", "PASSAGE_MIN_COUNT", "PASSAGE_OVERLAP", "PASSAGE_VARIANTS", "PASSAGE_WORDS", "PairFeatures", "added_links",
           "agency_pair_features", "compare", "counter_bodies", "different_story_features",
           "distinct_article_features", "increasing_run", "lookup_recall", "pair_features", "passage_order", "passage_windows",
           "text_key"]
