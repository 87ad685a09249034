"""The length rules of evaluation/extraction_selection.py: which switches ``picks`` may make."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from evaluation import extraction_selection as es
from newscrawl.stages.extract.selection import FEATURES

# Zero weights and a high bias: every alternative is trusted alike, above any threshold used here.
MODEL = {"features": list(FEATURES), "mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES),
         "weights": [0.0] * len(FEATURES), "bias": 3.0, "threshold": 0.5}


def corpus(default_words: int, alt_words: int) -> SimpleNamespace:
    feats = [0.0] * len(FEATURES)
    return SimpleNamespace(ids=["p"], rows=[("p", "readability", feats, 0.0)],
                           words={"p": {"newscrawl": default_words, "readability": alt_words}})


@pytest.fixture(autouse=True)
def reset_rules():
    yield
    es.configure(es.MARGIN, es.THRESHOLDS, es.SELECT_BY, 0, 0.0)


def test_without_a_length_rule_a_shorter_candidate_may_win():
    es.configure(es.MARGIN, es.THRESHOLDS, es.SELECT_BY, 0, 0.0)
    assert es.picks(corpus(200, 50), MODEL, 0.5, None) == {"p": "readability"}


def test_a_length_ratio_refuses_shorter_candidates_only():
    es.configure(es.MARGIN, es.THRESHOLDS, es.SELECT_BY, 0, 1.0)
    assert es.picks(corpus(200, 199), MODEL, 0.5, None) == {"p": "newscrawl"}
    assert es.picks(corpus(200, 200), MODEL, 0.5, None) == {"p": "readability"}
    assert es.picks(corpus(0, 30), MODEL, 0.5, None) == {"p": "readability"}  # an empty default
    es.configure(es.MARGIN, es.THRESHOLDS, es.SELECT_BY, 0, 0.9)
    assert es.picks(corpus(200, 180), MODEL, 0.5, None) == {"p": "readability"}
    assert es.picks(corpus(200, 179), MODEL, 0.5, None) == {"p": "newscrawl"}


def test_the_guard_and_the_ratio_both_apply():
    es.configure(es.MARGIN, es.THRESHOLDS, es.SELECT_BY, 60, 0.9)
    assert es.picks(corpus(62, 57), MODEL, 0.5, None) == {"p": "newscrawl"}  # the guard
    assert es.picks(corpus(50, 46), MODEL, 0.5, None) == {"p": "readability"}
