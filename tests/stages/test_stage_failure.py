"""A stage that raises on a page makes the page a recorded skip (newscrawl.stages.process.run_step),
whichever way the stages are run: process_page, or a stage worker's staged_record. The crawl's
stage pipelines, which run the stages one by one, are checked in tests/crawl/test_stage_pipelines.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from newscrawl.model import Page
from newscrawl.stages import process, workers

CASE = Path(__file__).resolve().parents[2] / "fixtures" / "sites" / "www.capitol-ledger.example" / "kettle-recall"
PAGE = (CASE / "body.html").read_bytes()
URL = "https://www.capitol-ledger.example/kettle-recall"
HEADERS = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def broken_language(monkeypatch):
    def explode(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(process, "analyse_languages", explode)


def test_the_page_is_an_article_without_the_fault():
    record = process.process_page(PAGE, URL, HEADERS)
    assert record.skip_reason is None and record.fingerprint is not None


def test_process_page_records_the_failing_stage_as_the_skip_reason(broken_language, caplog):
    record = process.process_page(PAGE, URL, HEADERS)
    assert record.skip_reason == "stage_failed:language:RecursionError"
    assert record.fingerprint is None  # the stages after the failing one did not run
    assert any(URL in r.getMessage() and "language stage failed" in r.getMessage() for r in caplog.records)


def test_a_stage_worker_reports_the_same_skip(broken_language):
    staged = workers.staged_record(Page.build(URL, PAGE, HEADERS, 200, None))
    assert staged.record.skip_reason == "stage_failed:language:RecursionError"
    assert staged.skipped_at == "language"
