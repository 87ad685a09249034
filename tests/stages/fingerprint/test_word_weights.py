"""The event evidence of two reports' longer words: weighted by document frequencies once enough
stories were counted, plain Jaccard before."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawl.stages.fingerprint.words import (
    MIN_COUNTED_STORIES,
    RARE_WORD_WEIGHT,
    SAME_EVENT_RARE_COSINE,
    SAME_EVENT_WEIGHTED,
    SAME_EVENT_WORDS,
    WEIGHTED_FLOOR,
    WordCounts,
    rare_shared_words,
    rarest_words,
    weighted_word_cosine,
    word_set_jaccard,
    words_event_figure,
)

#: Words every counted story holds (a language's common words), and words no other story has.
COMMON = frozenset(range(1000, 1040))
STORIES = MIN_COUNTED_STORIES + 50
COUNTS = WordCounts(STORIES, {h: STORIES for h in COMMON})


def rare(first: int, n: int) -> frozenset[int]:
    return frozenset(range(first, first + n))


def test_weights_are_inverse_document_frequencies():
    assert COUNTS.weight(1000) == 0.0  # in every story
    assert math.isclose(COUNTS.weight(1), math.log(STORIES + 1))  # in none
    assert 0 < WordCounts(STORIES, {7: 10}).weight(7) < COUNTS.weight(1)
    assert not WordCounts(MIN_COUNTED_STORIES - 1, {}).usable and COUNTS.usable


def test_shared_common_words_say_nothing_with_weights():
    # Two stories sharing the language's common words and nothing else.
    a, b = COMMON | rare(1, 30), COMMON | rare(101, 30)
    assert word_set_jaccard(a, b) >= SAME_EVENT_WORDS
    assert weighted_word_cosine(a, b, COUNTS) < 0.01
    assert words_event_figure(a, b, COUNTS) is None
    # Too few stories counted: the plain Jaccard decides, as it did before the weights.
    assert words_event_figure(a, b, WordCounts(10, {h: 10 for h in COMMON})) == word_set_jaccard(a, b)
    assert words_event_figure(a, b, None) == word_set_jaccard(a, b)


def test_shared_rare_words_link_two_reports_the_plain_jaccard_keeps_apart():
    # Two reports naming the same rare words (people, places, figures) among common ones.
    shared = rare(1, 20)
    a = shared | rare(101, 10) | frozenset(range(1000, 1040))
    b = shared | rare(201, 10) | frozenset(range(2000, 2040))
    counts = WordCounts(STORIES, {h: STORIES for h in range(2000, 2040)} | dict(COUNTS.counts))
    assert word_set_jaccard(a, b) < SAME_EVENT_WORDS
    figure = words_event_figure(a, b, counts)
    assert figure is not None and figure >= SAME_EVENT_WEIGHTED
    assert words_event_figure(a, b, WordCounts(10, {})) is None  # before: kept apart


def test_pairs_below_the_floor_are_not_weighed():
    # The rare words they share would weigh most of both sets, but they share too few words
    # of all: the store does not read the counts of such a pair.
    a = rare(1, 8) | frozenset(range(1000, 1150))
    b = rare(1, 8) | frozenset(range(2000, 2150))
    counts = WordCounts(STORIES, {h: STORIES for h in (*range(1000, 1150), *range(2000, 2150))})
    assert weighted_word_cosine(a, b, counts) >= SAME_EVENT_WEIGHTED
    assert word_set_jaccard(a, b) < WEIGHTED_FLOOR
    assert words_event_figure(a, b, counts) is None
    assert words_event_figure(a, frozenset(), COUNTS) is None
    assert weighted_word_cosine(COMMON, COMMON, COUNTS) == 0.0  # weighs nothing


def test_two_shared_rare_words_link_reports_below_the_cosine_threshold():
    # Two reports of one event written on their own: they share the subject's vocabulary
    # (words some dozens of the stories counted hold) and two words hardly any story holds (a
    # name, a figure); two different stories of that subject share its vocabulary only.
    stories = 2000
    subject = frozenset(range(5000, 5040))
    counts = WordCounts(stories, {h: 30 for h in subject} | {1: 1, 2: 1, 3: 1})
    assert counts.weight(1) >= RARE_WORD_WEIGHT > counts.weight(5000)
    a = rare(1, 2) | frozenset(range(5000, 5030)) | rare(100, 10)
    b = rare(1, 2) | frozenset(range(5000, 5012)) | frozenset(range(5030, 5040)) | rare(200, 16)
    cosine = weighted_word_cosine(a, b, counts)
    assert SAME_EVENT_RARE_COSINE <= cosine < SAME_EVENT_WEIGHTED
    assert word_set_jaccard(a, b) >= WEIGHTED_FLOOR
    assert rare_shared_words(a, b, counts) == 2
    assert words_event_figure(a, b, counts) == cosine
    # One rare word shared, the rest alike: kept apart.
    c = (a - {2}) | {3}
    assert rare_shared_words(c, b, counts) == 1
    assert weighted_word_cosine(c, b, counts) >= SAME_EVENT_RARE_COSINE
    assert words_event_figure(c, b, counts) is None
    # Too few stories counted for any shared word to weigh that much: the cosine alone decides.
    few = WordCounts(MIN_COUNTED_STORIES, {h: 3 for h in subject} | {1: 1, 2: 1})
    assert rare_shared_words(a, b, few) == 0


def test_the_rare_word_way_needs_both_texts_dated():
    # Two pages of one subject sharing two words hardly any story holds, at a cosine under the
    # threshold: one event only when both state a publication date. A pair above the threshold
    # is one event either way.
    stories = 2000
    subject = frozenset(range(5000, 5040))
    counts = WordCounts(stories, {h: 30 for h in subject} | {1: 1, 2: 1})
    a = rare(1, 2) | frozenset(range(5000, 5030)) | rare(100, 10)
    b = rare(1, 2) | frozenset(range(5000, 5012)) | frozenset(range(5030, 5040)) | rare(200, 16)
    cosine = weighted_word_cosine(a, b, counts)
    assert SAME_EVENT_RARE_COSINE <= cosine < SAME_EVENT_WEIGHTED
    assert words_event_figure(a, b, counts, dated=True) == cosine
    assert words_event_figure(a, b, counts, dated=False) is None
    close = a | rare(200, 16)
    assert weighted_word_cosine(close, b, counts) >= SAME_EVENT_WEIGHTED
    assert words_event_figure(close, b, counts, dated=False) == words_event_figure(close, b, counts)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(0, 60), st.integers(0, 5000), max_size=40),
       st.lists(st.integers(0, 80), max_size=60), st.integers(0, 20), st.integers(0, 10**7))
def test_the_rarest_words_are_the_heaviest_by_weight(counted, words, n, stories):
    counts = WordCounts(stories=stories + max(counted.values(), default=0), counts=counted)
    by_weight = sorted(set(words), key=lambda h: (-counts.weight(h), h))[:n]
    assert rarest_words(words, counts, n) == by_weight


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.integers(0, 60), st.integers(0, 500), max_size=40),
       st.lists(st.frozensets(st.integers(0, 80), min_size=1, max_size=30), min_size=2, max_size=6))
def test_weights_kept_across_candidates_give_the_same_cosines(counted, sets):
    # One lookup weighs a text against each candidate with one WordCounts: the squared weights
    # it keeps give every cosine exactly as a fresh computation does.
    shared = WordCounts(stories=1000, counts=counted)
    for a in sets:
        for b in sets:
            fresh = WordCounts(stories=1000, counts=counted)
            w = {h: fresh.weight(h) ** 2 for h in a | b}
            mass_a, mass_b = sum(w[h] for h in a), sum(w[h] for h in b)
            expected = 0.0 if mass_a <= 0 or mass_b <= 0 else sum(w[h] for h in a & b) / math.sqrt(mass_a * mass_b)
            assert weighted_word_cosine(a, b, shared) == expected
