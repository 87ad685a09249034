"""The measurement behind docs/measurements.md's passage-order figures (evaluation/rewrites.py,
benchmarks/rewrite_evidence.py): the passage order, and what a rule adds per label and split."""

from __future__ import annotations

import pytest

from evaluation.rewrites import PairFeatures, added_links, compare, increasing_run, passage_order, passage_windows
from newscrawl.stages.fingerprint import TextFeatures, aligned_share


@pytest.mark.parametrize(("positions", "run"), [
    ([], 0), ([4], 1), ([0, 1, 2], 3), ([2, 1, 0], 1), ([3, 1, 2, 5, 4, 6], 4), ([1, 1, 1], 1),
])
def test_increasing_run(positions, run):
    assert increasing_run(positions) == run


def test_passage_windows():
    assert passage_windows((), 10) == []
    assert passage_windows(tuple(range(3)), 10) == [frozenset(range(3))]
    # A last window of fewer than half a passage is left out, one of half or more kept.
    assert len(passage_windows(tuple(range(24)), 10)) == 2
    assert len(passage_windows(tuple(range(25)), 10)) == 3


def test_passage_order_needs_passages_in_order():
    a = tuple(range(100))
    clauses = [a[i:i + 10] for i in range(0, 100, 10)]
    assert passage_order(a, a) == 1.0
    assert passage_order(a, tuple(x for c in reversed(clauses) for x in c)) == 0.1
    # The words of a passage in any order: still that passage, where runs of two words are gone.
    scrambled = tuple(x for c in clauses for x in reversed(c))
    assert passage_order(a, scrambled) == 1.0 and aligned_share(a, scrambled) == 0.0
    # A short text counts over at least min_passages passages.
    assert passage_order(a[:20], a) == 2 / 5
    assert passage_order(a[:20], a, min_passages=2) == 1.0
    assert passage_order((), a) == 0.0


def test_added_links_counts_per_label_and_split():
    def row(label, domain, same, passage):
        return PairFeatures("x", label, domain, 0.2, None, 0.2, "different", same, {"v": passage}, (100, 100))
    rows = [row("wholly_derived", "national", True, 0.9), row("wholly_derived", "national", False, 0.6),
            row("wholly_derived", "sports", False, 0.3), row("non_derived", "sports", False, 0.7)]
    got = added_links(rows, lambda r: r.passages["v"] >= 0.5)
    assert got == {("wholly_derived", True): (1, 1, 2), ("wholly_derived", False): (0, 0, 1),
                   ("non_derived", False): (0, 1, 1)}


def test_compare_reads_the_current_decision():
    wire = ("the city council approved on monday a desalination plant at the harbour which should supply "
            "forty thousand homes from the year after next at a cost the council put at two hundred million")
    m = compare("p", "wholly_derived", "national", TextFeatures.of(wire), TextFeatures.of(wire))
    assert m.same_story and m.reason == "containment" and m.chosen
    # 33 words: three passages of ten (the last three words are under half a passage).
    assert m.passages["10 words, 0.4, over 5"] == 3 / 5 and m.passages["10 words, 0.4, over 8"] == 3 / 8
    far = compare("p", "non_derived", "sports", TextFeatures.of(wire),
                  TextFeatures.of("a late goal gave the visitors the cup after extra time"), measure_from=0.10)
    assert not far.same_story and far.passages == {} and not far.chosen
