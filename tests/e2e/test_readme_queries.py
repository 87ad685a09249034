"""Every SQL example in the README runs on both databases over the ingested sample sites."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from newscrawl.cli import main as cli_main
from newscrawl.store.db import make_engine
from evaluation.samples import REPO, SITES

QUERIES = re.findall(r"```sql\n(.*?)```", (REPO / "README.md").read_text(), re.S)


def test_readme_has_queries():
    assert len(QUERIES) >= 4


@pytest.fixture
def ingested(database_url):
    assert cli_main(["ingest", str(SITES), "--db", database_url, "-q"]) == 0
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_readme_queries_run(ingested):
    results = []
    with ingested.connect() as conn:
        for sql in QUERIES:
            results.append(conn.execute(text(sql)).all())
    most_sites, one_story, foreign_chrome, charsets, wire, not_stored = results
    assert most_sites[0][1] == 6  # the wire story: six sites
    assert len(one_story) >= 1
    assert {row[0] for row in foreign_chrome} == {"news.jinghai.example"}
    assert {row[0] for row in charsets} >= {"worldbrief-report.example", "kbrx1040.example"}
    assert any(row[0] == "skipped" for row in not_stored)
    assert sum(row[1] for row in wire) >= 5  # the wire copies credit it (dateline, byline, ...)


SCHEMA_QUERIES = re.findall(r"```sql\n(.*?)```", (REPO / "docs" / "schema.md").read_text(), re.S)


def _store_an_edit(engine) -> str:
    """The kettle-recall report as its site edited it a day later (a new figure, a new
    paragraph): a second text at the same URL, for the query of edited articles."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from newscrawl.ingest import read_case
    from newscrawl.model import Page
    from newscrawl.stages.process import run_steps
    from newscrawl.store.repository import store_page

    case = read_case(SITES / "www.capitol-ledger.example" / "kettle-recall")
    body = case.body.replace(b"57 reports", b"63 reports").replace(
        b"<p>The recall covers", b"<p>By Wednesday evening the company said a further six owners "
        b"had come forward since the recall was announced.</p>\n<p>The recall covers", 1)
    assert body != case.body
    page = Page.build(case.url, body, case.headers, 200,
                      (case.fetched_at or dt.datetime.now(dt.UTC)) + dt.timedelta(days=1))
    with Session(engine) as session:
        outcome = store_page(session, page, run_steps(page).record)
        session.commit()
    assert outcome.outcome == "stored_new_version"
    return case.url


def _reprocess_with_a_changed_stage(engine) -> tuple[int, int]:
    """A reprocess run over one site with a stage that now drops the kettle report's last
    paragraph: new versions of it, linked to the run."""
    import dataclasses

    from sqlalchemy.orm import sessionmaker

    from newscrawl.stages.fingerprint import fingerprint
    from newscrawl.stages.process import run_steps
    from newscrawl.store.maintenance.reprocess import reprocess

    def upgraded(page):
        work = run_steps(page)
        if work.record.is_article and "kettle-recall" in page.url:
            body = work.record.body.rsplit("\n\n", 1)[0]
            work.record = dataclasses.replace(work.record, body=body, fingerprint=fingerprint(body))
        return work

    result = reprocess(sessionmaker(bind=engine), site="capitol-ledger.example",
                       run_steps=upgraded)
    assert result.counts["new_version"] >= 1, result.counts  # the report and its edit
    return result.run_id, result.counts["new_version"]


def test_schema_doc_queries_run(ingested):
    """docs/schema.md: each example query on both databases, with what it must find."""
    assert len(SCHEMA_QUERIES) == 8
    edited_url = _store_an_edit(ingested)
    with ingested.connect() as conn:
        results = [conn.execute(text(sql)).all() for sql in SCHEMA_QUERIES[:-1]]
    # The last query lists reprocess runs: one run, after the others were read.
    run_id, new_versions = _reprocess_with_a_changed_stage(ingested)
    with ingested.connect() as conn:
        results.append(conn.execute(text(SCHEMA_QUERIES[-1])).all())
    most_sites, wire, foreign_chrome, mojibake, history, edited, events, runs = results
    assert most_sites[0].sites == 6  # the wire story, on six sites
    assert sum(row.copies for row in wire) >= 5
    assert {row.site for row in foreign_chrome} >= {"news.jinghai.example"}
    assert all(row.chrome != "[]" for row in foreign_chrome)
    assert {row.site for row in mojibake} >= {"worldbrief-report.example", "kbrx1040.example"}
    assert [row.version_number for row in history] == list(range(1, len(history) + 1))
    assert len(history) == 6 and history[0].derivation == "original"
    assert [(row.url, row.texts) for row in edited] == [(edited_url, 2)]
    assert edited[0].first_text_at < edited[0].last_text_at
    # One event reported by two stories: the wire story (six sites) and the Sentinel's own.
    assert [(row.stories, row.sites) for row in events] == [(2, 7)]
    assert [(row.id, row.status, row.site, row.new_versions) for row in runs] == [
        (run_id, "finished", "capitol-ledger.example", new_versions)]
