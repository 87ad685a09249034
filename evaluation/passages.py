"""Shared passages as event evidence: runs of consecutive words two texts have in common.

A newspaper text built partly on an agency text reuses some of its sentences word for word
while rewriting or adding the rest; two pages of one evergreen subject share its vocabulary but
seldom a run of many words. What is measured per pair of texts, from the word hashes the store
keeps of a story (:func:`~newscrawl.stages.fingerprint.matching.text_hashes`, language-
independent): the distinct word k-grams both hold (:data:`K_SIZES`), their share of the shorter
text's distinct k-grams, and the longest run of consecutive words both hold.

Three sets of pairs (:func:`passage_pairs`): COUNTER's pairs (evaluation/reuse.py) with whether
the store put them in one event; the different-story pairs within days (an agency story and the
newspaper story of another agency story of the same split); the dev originals' pairs
(evaluation/corpus.py) by the days apart their stated dates put them. :func:`rule_counts`
counts what a candidate rule adds on each. Measured and not kept: docs/measurements.md,
"Events: shared passages" (issue 19, ev19g).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: Word k-gram sizes measured.
K_SIZES = (4, 5, 6, 8)


def kgram_set(hashes: np.ndarray, k: int) -> frozenset[int]:
    """The distinct word ``k``-grams of a token-hash sequence as 64-bit hashes (none when the
    text is shorter than ``k``: a short text's whole is not a passage of another)."""
    n = len(hashes)
    if n < k:
        return frozenset()
    h = hashes.astype(np.uint64)
    mixed = np.zeros(n - k + 1, dtype=np.uint64)
    for i in range(k):
        mixed = mixed * _MIX + h[i : n - k + 1 + i]
    return frozenset(mixed.tolist())


# An odd 64-bit multiplier: a k-gram's hash is its word hashes as digits of a polynomial.
_MIX = np.uint64(0x9E3779B97F4A7C15)


def longest_run(a: np.ndarray, b: np.ndarray, upper: int = 400) -> int:
    """Length of the longest run of consecutive words both hash sequences hold (at most
    ``upper``): the largest k at which they share a k-gram (sharing a k-run they share every
    shorter one, so a binary search)."""
    lo, hi = 0, min(len(a), len(b), upper)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if kgram_set(a, mid) & kgram_set(b, mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass(frozen=True, slots=True)
class TextPassages:
    hashes: np.ndarray
    grams: dict[int, frozenset[int]]
    word_set: frozenset[int]

    @classmethod
    def of(cls, body: str) -> TextPassages:
        from newscrawl.stages.fingerprint.matching import text_hashes
        from newscrawl.stages.fingerprint.words import word_set_hashes

        hashes = text_hashes(body)[0]
        return cls(hashes, {k: kgram_set(hashes, k) for k in K_SIZES},
                   frozenset(word_set_hashes(body).tolist()))


@dataclass(frozen=True, slots=True)
class PassagePair:
    id: str
    kind: str  # a COUNTER label, "different" (COUNTER's different stories) or "dev"
    domain: str
    days: int | None  # days apart (None: a date unknown)
    in_event: bool  # the store put the two in one event (main's rules)
    shared: dict[int, int]  # {k: distinct k-grams both hold}
    share: dict[int, float]  # {k: the same over the shorter text's distinct k-grams}
    run: int  # longest run of consecutive words both hold
    jaccard: float  # word-set Jaccard (newscrawl.stages.fingerprint.words)
    cosine: float  # weighted word cosine, document frequencies of the pairs' texts

    @property
    def chosen(self) -> bool:
        from evaluation.reuse import CHOSEN_ON

        return self.domain in CHOSEN_ON


def compare(pid: str, kind: str, domain: str, days: int | None, in_event: bool, a: TextPassages,
            b: TextPassages, counts) -> PassagePair:
    from newscrawl.stages.fingerprint.words import weighted_word_cosine, word_set_jaccard

    shared = {k: len(a.grams[k] & b.grams[k]) for k in K_SIZES}
    share = {k: shared[k] / max(min(len(a.grams[k]), len(b.grams[k])), 1) for k in K_SIZES}
    run = _run(a, b, shared)
    jac = word_set_jaccard(a.word_set, b.word_set)
    cos = weighted_word_cosine(a.word_set, b.word_set, counts) if jac > 0 else 0.0
    return PassagePair(pid, kind, domain, days, in_event, shared, share, run, jac, cos)


def _run(a: TextPassages, b: TextPassages, shared: dict[int, int]) -> int:
    """:func:`longest_run` of two texts, searched only above the largest measured k-gram size
    they share (their k-gram sets are at hand) and below the smallest they do not."""
    held = [k for k in K_SIZES if shared[k]]
    if not held:
        return longest_run(a.hashes, b.hashes, K_SIZES[0] - 1)
    lo = max(held)
    above = [k for k in K_SIZES if k > lo]
    hi = min(above) - 1 if above else min(len(a.hashes), len(b.hashes), 400)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if kgram_set(a.hashes, mid) & kgram_set(b.hashes, mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def document_counts(texts: Sequence[TextPassages]):
    """The :class:`~newscrawl.stages.fingerprint.words.WordCounts` of ``texts``' word sets (what
    the store's counts are once all of them are stored)."""
    from collections import Counter

    from newscrawl.stages.fingerprint.words import WordCounts

    c: Counter = Counter()
    for t in texts:
        c.update(t.word_set)
    return WordCounts(len(texts), dict(c))


def counter_passage_pairs(pairs, results, bodies: dict[str, str | None], days: int = 3) -> list[PassagePair]:
    """COUNTER's pairs (kind: their label) and the different-story pairs at most ``days`` apart
    of one split (kind "different"), ``in_event`` from ``results``
    (:func:`evaluation.reuse.evaluate_counter`)."""
    from evaluation.reuse import CHOSEN_ON
    from evaluation.rewrites import text_key

    texts = {k: TextPassages.of(b) for k, b in bodies.items() if b is not None}
    counts = document_counts(list(texts.values()))
    out = []
    agency: dict[str, tuple[str, dt.date, str, int | None]] = {}
    for r in results:
        p = r.pair
        a, b = texts.get(text_key(p, False)), texts.get(text_key(p, True))
        if a is None or b is None or not r.stored:
            continue
        apart = abs((p.source_date - p.derived_date).days) if p.source_date and p.derived_date else None
        out.append(compare(p.id, p.label, p.domain, apart, r.same_event, a, b, counts))
        if p.source_date is not None:
            agency[p.source_name] = (p.domain, p.source_date, text_key(p, False), r.source_event)
    for r in results:
        p = r.pair
        mine = texts.get(text_key(p, True))
        if mine is None or p.derived_date is None or not r.stored:
            continue
        for name, (domain, day, key, event) in agency.items():
            apart = abs((day - p.derived_date).days)
            if name == p.source_name or apart > days or (domain in CHOSEN_ON) != (p.domain in CHOSEN_ON):
                continue
            out.append(compare(f"{name}~{p.id}", "different", p.domain, apart,
                               event is not None and event == r.derived_event, texts[key], mine, counts))
    return out


def dev_passage_pairs(articles, dates: dict[str, dt.datetime | None], in_event: set[frozenset[str]],
                      min_shared: int = 1, k: int = 4, window: int = 3) -> list[PassagePair]:
    """The dev originals' pairs both dated at most ``window`` days apart by ``dates`` sharing at
    least ``min_shared`` distinct ``k``-grams (the others pass no dated passage rule);
    ``in_event``: the pairs of ids the store put in one event."""
    from collections import defaultdict

    texts = [TextPassages.of(a.body) for a in articles]
    counts = document_counts(texts)
    holders: dict[int, list[int]] = defaultdict(list)
    for i, t in enumerate(texts):
        for g in t.grams[k]:
            holders[g].append(i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for ids in holders.values():
        if len(ids) > 50:  # a phrase of every page (a site's footer line) pairs no event
            continue
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                shared[(ids[x], ids[y])] += 1
    out = []
    for (i, j), n in shared.items():
        if n < min_shared:
            continue
        a, b = articles[i], articles[j]
        da, db = dates.get(a.id), dates.get(b.id)
        apart = abs((da.date() - db.date()).days) if da is not None and db is not None else None
        if apart is None or apart > window:
            continue  # no dated rule reaches the pair
        out.append(compare(f"{a.id}~{b.id}", "dev", "dev", apart, frozenset((a.id, b.id)) in in_event,
                           texts[i], texts[j], counts))
    return out


def rule_counts(rows: Sequence[PassagePair], rule: Callable[[PassagePair], bool],
                window: int = 3) -> dict[tuple[str, bool], tuple[int, int, int]]:
    """{(kind, chosen on): (pairs not in one event within the window and dated, of them passing
    ``rule``, pairs)}."""
    out: dict[tuple[str, bool], list[int]] = {}
    for r in rows:
        n = out.setdefault((r.kind, r.chosen), [0, 0, 0])
        n[2] += 1
        if r.in_event or r.days is None or r.days > window:
            continue
        n[0] += 1
        n[1] += rule(r)
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


__all__ = ["K_SIZES", "PassagePair", "TextPassages", "compare", "counter_passage_pairs", "dev_passage_pairs",
           "document_counts", "kgram_set", "longest_run", "rule_counts"]
