"""Every SQL example in the README runs on both databases over the ingested sample sites."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from newscrawl.cli import main as cli_main
from newscrawl.store.db import make_engine
from tests.samples import REPO, SITES

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
