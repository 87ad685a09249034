"""The fold benchmark's accounting (benchmarks/fold_batch.py): the stories it says were counted
are those the store counted, and the rows a fold upserts are the distinct words of its batch."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import fold_batch  # noqa: E402


def _word_set(*hashes: int) -> bytes:
    return np.array(sorted(hashes), dtype="<u4").tobytes()


# Invented word sets: each story shares 10 and 11 with the others and holds words of its own.
STREAM = [(b"", b"", False, _word_set(10, 11, 100 + n, 200 + n)) for n in range(10)]


@pytest.mark.parametrize(("every", "folds", "rows_per_story"), [
    (4, 2, (2 + 4 * 2) / 4),   # two batches of 4 stories: 10, 11 and two words of each story
    (5, 2, (2 + 5 * 2) / 5),
    (3, 3, (2 + 3 * 2) / 3),   # the tenth story waits for the next batch
])
def test_folds_and_rows_counted(every, folds, rows_per_story):
    result = fold_batch.run("sqlite", every, Counter({10: 7, 12: 3}), 7, STREAM)
    assert result["folds"] == folds
    assert result["counted"] == result["counted total"] == folds * every
    assert result["rows per story"] == pytest.approx(rows_per_story)
