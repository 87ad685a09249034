"""The worker benchmark's accounting (benchmarks/worker_cpu.py): the worker it takes apart makes
what a crawl's stage worker makes of a page (``staged_for_store``), every part counted."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import worker_cpu  # noqa: E402

from newscrawl.model import Page  # noqa: E402
from newscrawl.stages.process import STEPS  # noqa: E402
from newscrawl.store.precompute import staged_for_store  # noqa: E402

# An invented article and an invented non-article page.
PARAGRAPHS = "".join(
    f"<p>The harbour committee of Eastwick met on day {n} to weigh the ferry timetable, the "
    f"dredging contract and the lighthouse repairs that residents have asked about for years.</p>"
    for n in range(12))
ARTICLE = (f"<html><head><title>Eastwick harbour committee weighs ferry timetable</title></head>"
           f"<body><nav><a href='/'>Home</a></nav><article><h1>Eastwick harbour committee weighs "
           f"ferry timetable</h1>{PARAGRAPHS}</article><footer>Contact us</footer></body></html>").encode()
NOT_HTML = b"%PDF-1.4 not a page"


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize(("body", "ctype"), [(ARTICLE, "text/html"), (NOT_HTML, "application/pdf")])
def test_the_worker_taken_apart_makes_what_the_crawl_worker_makes(body, ctype):
    """Both kinds of page: an article (every value computed ahead) and a skipped page (the raw
    bytes' compression alone)."""
    page = Page.build("http://outlet.example/news/1.html", body, {"Content-Type": ctype})
    parts = []

    def timed(name, fn, *args):
        parts.append(name)
        return fn(*args)

    staged = worker_cpu.worker_parts(page, timed)
    expected = staged_for_store(page)
    assert expected.record.is_article == (body is ARTICLE)
    assert staged.record == expected.record
    assert staged.skipped_at == expected.skipped_at
    assert _same(staged.precomputed.values, expected.precomputed.values)
    # Every stage step and every value computed ahead went through the timer.
    assert [p for p in parts if p.startswith("step_")] == [step.__name__ for step in STEPS]
    assert len([p for p in parts if p.startswith("store: ")]) == len(expected.precomputed.values) + (
        1 if expected.record.is_article else 0)  # clean_record is timed but makes no value
