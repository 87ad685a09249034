"""evaluation/block_classifier.py: bodies from block probabilities, and thresholds chosen without
the corpus being judged."""

from __future__ import annotations

import numpy as np

from benchmarks.extraction import scorer
from evaluation import block_classifier as bc
from evaluation import block_features as bf


def corpus(name: str, pages: dict[str, tuple[list[str], str]], signal: list[float]) -> bc.Corpus:
    """A corpus of ``pages`` (id -> block texts, truth body) whose single informative feature
    column (``in_body_shipped``) holds ``signal``, one value a block."""
    c = bc.Corpus.__new__(bc.Corpus)
    c.name, c.full = name, True
    c.ids = list(pages)
    c.truth = {pid: {"articleBody": truth} for pid, (_texts, truth) in pages.items()}
    c.texts = [texts for texts, _truth in pages.values()]
    c.offsets = np.cumsum([0] + [len(t) for t in c.texts])
    c.x = np.zeros((len(signal), len(bf.FEATURES)), dtype=np.float32)
    c.x[:, bf.FEATURES.index("in_body_shipped")] = signal
    c.share = np.array(signal, dtype=np.float32)
    c._truth_grams = None
    return c


def test_a_page_s_body_is_its_blocks_over_the_threshold_in_document_order():
    c = corpus("a", {"p1": (["first block here", "menu", "second block here"], ""), "p2": (["only"], "")},
               [0.0, 0.0, 0.0, 0.0])
    proba = np.array([0.9, 0.1, 0.6, 0.4])
    assert c.page_texts(proba, 0.5) == {"p1": "first block here\nsecond block here", "p2": ""}
    assert c.page_texts(proba, 0.3) == {"p1": "first block here\nsecond block here", "p2": "only"}


def test_fast_f1_is_the_scorer_s_f1():
    sm = scorer()
    truth = "the article has these words in it and more words after them"
    c = corpus("a", {"p1": (["x"], truth), "p2": (["y"], "another page with its own body text")}, [0.0, 0.0])
    texts = {"p1": "menu the article has these words in it", "p2": ""}
    expected = sm.score(c.truth, {pid: {"articleBody": t} for pid, t in texts.items()}, n_boot=2)["f1"]
    assert abs(c.fast_f1(sm, texts) - expected) < 1e-12


class Recorder:
    """A model that predicts the informative column as is (the experiment records its fits)."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        pass

    def proba(self, x: np.ndarray) -> np.ndarray:
        return x[:, bc.bf.feature_columns("shipped").index(bf.FEATURES.index("in_body_shipped"))]


def test_the_threshold_is_chosen_on_training_corpora_predicted_by_models_fitted_without_them():
    words = "one two three four five six seven"
    pages = {"p": (["menu item link text", words], words)}
    corpora = {name: corpus(name, pages, [0.35, 0.9]) for name in ("a", "b", "c")}
    exp = bc.Experiment(corpora, "logistic", "shipped")
    exp.kind = Recorder
    threshold, means = exp.threshold(scorer(), frozenset({"a", "b"}))
    # Each training corpus was predicted by a model fitted on the other training corpora only.
    assert set(exp.fitted) == {frozenset({"a"}), frozenset({"b"})}
    # The menu block (0.35) is cut from 0.4 up: the lowest threshold that gives the exact body.
    assert threshold == 0.4
    assert means[0.4] == 1.0 and means[0.3] < 1.0


def test_a_page_without_blocks_gets_no_probabilities_from_either_model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    y = (x[:, 0] > 0).astype(float)
    model = bc.Logistic(x, y)
    assert model.proba(np.zeros((0, 3))).shape == (0,)
    assert ((model.proba(x) >= 0.5) == (y == 1)).mean() > 0.9

    class RefusesEmpty:
        """What scikit-learn's classifier does with an empty matrix (scikit-learn is an
        evaluation-only install, so the boosted model's guard is tested without it)."""

        def predict_proba(self, rows):
            if not len(rows):
                raise ValueError("Found array with 0 sample(s)")
            return np.column_stack([1 - (rows[:, 0] > 0), rows[:, 0] > 0]).astype(float)

    boosted = object.__new__(bc.Boosted)
    boosted.model = RefusesEmpty()
    assert boosted.proba(np.zeros((0, 3))).shape == (0,)
    assert ((boosted.proba(x) >= 0.5) == (y == 1)).all()
