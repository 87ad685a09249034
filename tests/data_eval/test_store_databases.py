"""Every page of ../shared/data's extraction sets stores the same rows in PostgreSQL as in SQLite.

Each page (its URL from the set's ground-truth.json) runs through the stages once and is stored
by ``newscrawl ingest``'s call into both databases; the story versions (URL, title, body,
section, language, body hash) and the fetch outcomes must be equal. The default suite stores a
fixed sample (every :data:`SAMPLE_STEP`-th page of each set); ``-m corpus`` stores all of them
(docs/measurements.md has the time).
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from newscrawl.ingest import store_ingested
from newscrawl.model import Page
from newscrawl.stages.process import run_steps
from newscrawl.store.db import open_database
from newscrawl.store.models import Fetch, Version

from evaluation.record_digest import corpora

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
#: Every this many pages of each set in the default suite (the whole set takes minutes).
SAMPLE_STEP = 10


def pages(step: int):
    if not (SHARED / "data" / "extraction").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED / 'data'} is missing: CI must have ../shared beside the clone")
        pytest.skip("../shared/data is not beside this checkout")
    for name, folder in corpora(SHARED).items():
        truth = json.loads((folder / "ground-truth.json").read_text())
        for pid in sorted(truth)[::step]:
            url = truth[pid].get("url") or f"https://example.org/{name}/{pid}"
            body = gzip.decompress((folder / "html" / f"{pid}.html.gz").read_bytes())
            yield Page.build(url, body, {"Content-Type": "text/html"})


def _rows(make_session):
    with make_session() as session:
        versions = session.execute(
            select(Version.url, Version.title, Version.body, Version.section, Version.language,
                   Version.body_hash).order_by(Version.url, Version.body_hash)).all()
        fetches = session.execute(
            select(Fetch.url, Fetch.outcome, Fetch.reason).order_by(Fetch.id)).all()
    return [tuple(v) for v in versions], [tuple(f) for f in fetches]


def _store_all(step: int, postgres_url: str, tmp_path: Path) -> int:
    sqlite = open_database(f"sqlite:///{tmp_path / 'corpus.db'}")
    postgres = open_database(postgres_url)
    count = 0
    for page in pages(step):
        record = run_steps(page).record
        for make_session in (sqlite, postgres):
            store_ingested(make_session, page, record)
        count += 1
    in_sqlite, in_postgres = _rows(sqlite), _rows(postgres)
    for make_session in (sqlite, postgres):
        make_session.kw["bind"].dispose()
    assert in_postgres[0] == in_sqlite[0]
    assert in_postgres[1] == in_sqlite[1]
    assert len(in_postgres[1]) == count
    # No page was refused: what PostgreSQL refused before is stored now.
    assert not [f for f in in_postgres[1] if (f[2] or "").startswith("db_error")]
    return count


@pytest.mark.postgres
def test_a_sample_of_the_extraction_sets_stores_alike(postgres_database_url, tmp_path):
    assert _store_all(SAMPLE_STEP, postgres_database_url, tmp_path) > 400


@pytest.mark.postgres
@pytest.mark.corpus
def test_every_page_of_the_extraction_sets_stores_alike(postgres_database_url, tmp_path):
    assert _store_all(1, postgres_database_url, tmp_path) == 4621
