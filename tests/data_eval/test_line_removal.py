"""evaluation/line_removal.py: lines of the shipped body matched to page blocks, cut by a model
whose threshold is chosen without the corpus being judged."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks.extraction import scorer
from evaluation import block_features as bf
from evaluation import line_removal as lr


def test_a_body_s_lines_are_those_with_a_token_and_a_cut_keeps_the_rest_as_shipped():
    body = "Title here\n\nFirst paragraph.\n---\nShare this\n\nLast paragraph."
    assert lr.body_lines(body) == ["Title here", "First paragraph.", "Share this", "Last paragraph."]
    assert lr.cut_lines(body, [False, False, True, False]) == "Title here\n\nFirst paragraph.\n---\n\nLast paragraph."
    assert lr.cut_lines(body, [True, False, False, True]) == "First paragraph.\n---\nShare this"
    assert lr.cut_lines(body, [False] * 4) == body


def block_row(**values: float) -> np.ndarray:
    row = np.zeros(len(bf.FEATURES), dtype=np.float32)
    for name, value in values.items():
        row[bf.FEATURES.index(name)] = value
    return row


def feature(table: lr.LineTable, line: int, name: str) -> float:
    return float(table.x[line, lr.FEATURES.index(name)])


def test_each_line_takes_the_features_of_the_block_holding_it_and_counts_its_copies_on_the_page():
    article = "the council approved the new budget on tuesday evening"
    blocks = ["Home News Sport", article, "Share on Facebook", article]
    x = np.stack([block_row(link_share=1.0, cls_nav=1.0, in_nav=1.0),
                  block_row(log_words=2.3, in_frame=1.0, in_body_shipped=1.0),
                  block_row(link_share=0.5, cls_share=1.0),
                  block_row(log_words=2.3, in_hidden=1.0)])
    body = f"{article}\nShare on Facebook\nA line the page does not hold"
    table = lr.line_table(body, blocks, x, bf.FEATURES, truth_body=article)
    assert table.lines == [article, "Share on Facebook", "A line the page does not hold"]
    # The article line: held by two blocks (its copy), the first one is primary.
    assert feature(table, 0, "primary_share") == 1.0
    assert feature(table, 0, "log_page_holders") == pytest.approx(math.log1p(2))
    assert feature(table, 0, "block_in_frame") == 1.0 and feature(table, 0, "block_in_body_shipped") == 1.0
    assert feature(table, 0, "any_furniture") == 0.0
    # Three tokens: one n-gram of them, found in the share block.
    assert feature(table, 1, "block_link_share") == 0.5 and feature(table, 1, "any_furniture") == 1.0
    assert feature(table, 1, "max_link_share") == 0.5
    assert feature(table, 2, "unmatched") == 1.0 and feature(table, 2, "block_log_words") == 0.0
    assert feature(table, 0, "is_first") == 1.0 and feature(table, 2, "is_last") == 1.0
    assert list(table.share) == [1.0, 0.0, 0.0]


def test_a_short_block_lying_in_a_line_matches_it():
    line = "By Jane Doe and John Roe for the Daily Paper"
    blocks = ["Jane Doe", "Daily Paper staff writers"]
    x = np.stack([block_row(cls_byline=1.0), block_row()])
    table = lr.line_table(line, blocks, x, bf.FEATURES, truth_body=None)
    assert table.share is None
    assert feature(table, 0, "unmatched") == 0.0 and feature(table, 0, "any_furniture") == 1.0
    assert feature(table, 0, "primary_share") == 0.0


def test_an_older_block_table_is_read_by_column_name():
    older = lr.table_columns(len(bf.FEATURES) - len(lr.LATER_COLUMNS))
    assert "in_hidden" not in older and older.index("in_body_shipped") < bf.FEATURES.index("in_body_shipped")
    x = np.zeros((1, len(older)), dtype=np.float32)
    x[0, older.index("link_share")] = 0.75
    table = lr.line_table("Read more stories here today", ["Read more stories here today"], x, older, None)
    assert feature(table, 0, "block_link_share") == 0.75
    with pytest.raises(SystemExit):
        lr.table_columns(3)


def corpus(name: str, pages: dict[str, tuple[str, str]], signal: list[float]) -> lr.Corpus:
    """A corpus of ``pages`` (id -> shipped body, truth body) whose first feature column holds
    ``signal``, one value a line; the labels come from the truth."""
    rows = []
    for pid, (body, truth) in pages.items():
        table = lr.line_table(body, [], np.zeros((0, len(bf.FEATURES)), np.float32), bf.FEATURES, truth)
        rows.append({"id": pid, "body": body, "trafilatura": "", "lines": table.lines, "x": table.x,
                     "share": table.share, "ms": table.ms})
    c = lr.Corpus(name, rows, {pid: {"articleBody": truth} for pid, (_body, truth) in pages.items()}, full=True)
    c.x[:, 0] = signal
    return c


class Recorder:
    """A model that predicts the first column as is (the experiment records its fits)."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        pass

    def proba(self, x: np.ndarray) -> np.ndarray:
        return x[:, 0]


ARTICLE = "one two three four five six seven"


def test_the_threshold_is_chosen_on_training_corpora_by_models_fitted_without_them():
    pages = {"p": (f"{ARTICLE}\nsubscribe to our newsletter now", ARTICLE)}
    corpora = {name: corpus(name, pages, [0.3, 0.75]) for name in ("a", "b", "c")}
    assert list(corpora["a"].y()) == [0.0, 1.0]
    exp = lr.Experiment(corpora, "logistic")
    exp.kind = Recorder
    threshold, means = exp.threshold(scorer(), frozenset({"a", "b"}))
    assert set(exp.fitted) == {frozenset({"a"}), frozenset({"b"})}
    # 0.6 and 0.7 both cut exactly the newsletter line: the tie goes to the higher threshold.
    assert threshold == 0.7 and means[0.7] == 1.0 and means[0.8] < 1.0


def test_cutting_nothing_wins_when_every_cut_hurts():
    pages = {"p": (f"{ARTICLE}\nand the eighth word of it", f"{ARTICLE}\nand the eighth word of it")}
    corpora = {name: corpus(name, pages, [0.99, 0.99]) for name in ("a", "b")}
    exp = lr.Experiment(corpora, "logistic")
    exp.kind = Recorder
    threshold, _means = exp.threshold(scorer(), frozenset({"a", "b"}))
    assert threshold == lr.NEVER
    assert corpora["a"].page_texts(np.array([0.99, 0.99]), threshold) == {"p": pages["p"][0]}


def test_the_rule_fails_a_corpus_that_loses_and_evaldata_that_avoids_less():
    def s(f1, p, r):
        return {"f1": f1, "precision": p, "recall": r}

    results = {n: {"shipped": s(0.9, 0.9, 0.9), "removed": s(0.91, 0.92, 0.899)} for n in lr.FULL_TRUTH}
    results["trafilatura-evaldata"] = {"shipped": {"with": 0.93, "without": 0.90},
                                       "removed": {"with": 0.929, "without": 0.90}}
    assert lr.verdict(results) == []
    results["dragnet"]["removed"] = s(0.9, 0.92, 0.897)
    results["trafilatura-evaldata"]["removed"]["without"] = 0.899
    assert lr.verdict(results) == ["dragnet recall -0.0030", "evaldata without -0.0010"]
