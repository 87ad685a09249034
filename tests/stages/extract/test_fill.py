"""A nearly empty body filled from readability-lxml's (body.needs_fill / fills, process.fill_short_body)."""

from __future__ import annotations

import pytest

from newscrawl import process_page
from newscrawl.model import Block, Page
from newscrawl.stages import process
from newscrawl.stages.extract import article, body
from newscrawl.stages.extract.body import FILL_BELOW_WORDS, FILL_MIN_WORDS, fills, needs_fill

HEADERS = {"Content-Type": "text/html"}
URL = "https://example.org/news/pier"
PARAGRAPHS = [
    "The harbour committee met on Tuesday evening to discuss the repairs to the old stone pier, which storms "
    "damaged twice this winter.",
    "Members agreed that the work should start in spring, once the weather allows divers to inspect the "
    "foundations below the waterline.",
    "The chair said the budget would be published next month, after the engineers have finished their survey "
    "of the whole structure.",
]


@pytest.fixture
def no_tree(monkeypatch):
    """extract finds no body at all, as on a page whose tree cannot be built, while
    readability-lxml, which parses the bytes its own way, still reads the article."""
    monkeypatch.setattr(article, "parse_page", lambda html: (None, html, 0))


def page(paragraphs: list[str]) -> bytes:
    return ('<html><head><title>Pier repairs</title></head><body><div id="nav"><a href="/">Home</a> '
            '<a href="/news">News</a></div><div id="story"><h1>Pier repairs</h1>'
            + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div></body></html>").encode()


def words(n: int) -> str:
    return " ".join(["word"] * n)


def test_thresholds_count_words_as_pagetype_does():
    assert needs_fill("") and needs_fill(words(FILL_BELOW_WORDS - 1))
    assert not needs_fill(words(FILL_BELOW_WORDS))
    assert not fills(words(FILL_MIN_WORDS - 1)) and fills(words(FILL_MIN_WORDS))
    # Two CJK characters count as a word (pagetype.body_size).
    assert fills("漢字" * FILL_MIN_WORDS) and not fills("漢" * FILL_MIN_WORDS)


def test_a_page_extract_finds_nothing_in_is_filled_from_readability(no_tree):
    record = process_page(page(PARAGRAPHS), URL, HEADERS)
    assert record.skip_reason is None
    assert record.body.split("\n\n")[1:] == PARAGRAPHS
    assert record.language == "en"
    filled = [r for r in record.repairs if r.kind == "body_filled"]
    assert [(r.stage, r.examples) for r in filled] == [("extract", ("readability",))]
    assert record.fingerprint is not None


def test_a_candidate_too_short_leaves_the_page_as_it_was(no_tree):
    record = process_page(page(["Storms damaged the pier."]), URL, HEADERS)
    assert record.skip_reason == "no_article_text"
    assert record.body == ""
    assert not [r for r in record.repairs if r.kind == "body_filled"]


def test_a_page_with_a_body_never_runs_the_other_extractor(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("another extractor ran on a page with a body")

    monkeypatch.setattr(process, "other_body", refuse)
    record = process_page(page(PARAGRAPHS), URL, HEADERS)
    assert record.skip_reason is None
    assert PARAGRAPHS[0] in record.body
    assert not [r for r in record.repairs if r.kind == "body_filled"]


def test_pages_stopped_before_extract_are_not_filled(monkeypatch):
    monkeypatch.setattr(process, "other_body", lambda *a, **k: pytest.fail("filled a page never extracted"))
    record = process_page(page(PARAGRAPHS), URL, HEADERS, status=404)
    assert record.skip_reason == "http_status_404"


def test_the_candidate_is_cleaned_as_the_body_is(no_tree):
    work = process.start(Page.build(URL, page(PARAGRAPHS), HEADERS, 200, None))
    process.step_decode(work)
    process.step_extract(work)
    blocks = [Block(PARAGRAPHS[0]), Block("Advertisement"), Block(PARAGRAPHS[1]), Block(PARAGRAPHS[2])]
    trial = process.clean_other_body(work, blocks)
    assert trial.record.body == "\n\n".join(PARAGRAPHS)
    assert [(r.stage, r.kind) for r in trial.record.repairs if r.kind == "ad_marker"] == [("clean", "ad_marker")]
    assert work.record.body == ""  # the page's own record is untouched


def test_other_body_names():
    assert body.other_body("json-ld", "<html></html>", URL, frozenset(), "One line.\n\nAnother line.") == [
        Block("One line."), Block("Another line.")]
    assert body.other_body("json-ld", "<html></html>", URL, frozenset(), None) == []
    with pytest.raises(ValueError):
        body.other_body("no-such-extractor", "<html></html>", URL, frozenset(), None)


SHORT_ARTICLE = [
    "The harbour committee agreed on Tuesday to repair the old stone pier before the summer season, after "
    "storms damaged it twice this winter.",
    "Divers will inspect the foundations in spring, and the chair expects the survey to be published soon.",
]


def test_a_fill_never_turns_a_stored_short_article_into_a_skipped_page(monkeypatch):
    monkeypatch.setattr(process, "other_body", lambda *a, **k: [])
    unfilled = process_page(page(SHORT_ARTICLE), URL, HEADERS)
    assert unfilled.skip_reason is None and needs_fill(unfilled.body)
    # The other extractor reads a text long enough to fill but too short to be stored.
    shorter = [Block("The harbour committee agreed on Tuesday to repair the old stone pier before summer, "
                     "divers and engineers said after the meeting.")]
    monkeypatch.setattr(process, "other_body", lambda *a, **k: list(shorter))
    work = process.start(Page.build(URL, page(SHORT_ARTICLE), HEADERS, 200, None))
    process.step_decode(work)
    process.step_extract(work)
    trial = process.clean_other_body(work, shorter).record
    assert fills(trial.body) and trial.skip_reason is not None
    record = process_page(page(SHORT_ARTICLE), URL, HEADERS)
    assert record.skip_reason is None
    assert record.body == unfilled.body
    assert not [r for r in record.repairs if r.kind == "body_filled"]
