"""evaluation/passages.py: shared passages of two texts, and what a rule adds (made-up texts)."""

from __future__ import annotations

import numpy as np

from evaluation.passages import PassagePair, TextPassages, compare, document_counts, kgram_set, longest_run, rule_counts


def test_longest_run_and_kgrams_of_two_word_sequences():
    a = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9], dtype=np.uint32)
    b = np.array([9, 3, 4, 5, 6, 7, 1], dtype=np.uint32)
    assert longest_run(a, b) == 5
    assert len(kgram_set(a, 4) & kgram_set(b, 4)) == 2
    assert kgram_set(a[:3], 4) == frozenset()


def test_compare_counts_a_reused_sentence():
    wire = "the river rose over the levee at night and crews worked until dawn to hold it back"
    paper = "a long account of the town begins here; the river rose over the levee at night and " \
            "then the council met"
    a, b = TextPassages.of(wire), TextPassages.of(paper)
    pair = compare("1", "partially_derived", "national", 1, False, a, b, document_counts([a, b]))
    assert pair.run == 9
    assert pair.shared[8] == 2 and pair.shared[4] == 6


def test_rule_counts_only_pairs_not_in_one_event_within_the_window():
    def pair(days, in_event, n):
        return PassagePair("x", "non_derived", "national", days, in_event, {8: n}, {8: 0.0}, 0, 0.0, 0.0)

    rows = [pair(1, False, 5), pair(1, False, 1), pair(1, True, 9), pair(5, False, 9), pair(None, False, 9)]
    assert rule_counts(rows, lambda r: r.shared[8] >= 5) == {("non_derived", True): (2, 1, 5)}
