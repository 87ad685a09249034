"""Every SQL example in the README runs on both databases over the ingested sample sites."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from newscrawl.cli import main as cli_main
from newscrawl.store.db import make_engine
from evaluation.samples import REPO, SITES

README_TEXT = (REPO / "README.md").read_text()
QUERIES = re.findall(r"```sql\n(.*?)```", README_TEXT, re.S)

#: A query whose comment ends "SQLite:" or "on PostgreSQL:" runs on that database only (JSON
#: functions differ between the two); every other query runs on both.
DIALECTS = {"SQLite:": "sqlite", "PostgreSQL:": "postgresql"}

#: What each README query must return, by the first line of its comment.
CHECKED = ("Stories carried by the most sites", "Where and when one story ran",
           "English stories republished by Chinese portals", "Sites that declare a wrong charset",
           "Copies crediting each wire service", "The same on PostgreSQL",
           "Downloads that were not stored as versions")


def _comment(sql: str) -> str:
    return " ".join(line[2:].strip() for line in sql.splitlines() if line.startswith("--"))


def _dialect(sql: str) -> str | None:
    comment = _comment(sql)
    return next((name for marker, name in DIALECTS.items() if comment.endswith(marker)), None)


def test_every_readme_query_is_checked():
    assert [next(c for c in CHECKED if _comment(sql).startswith(c)) for sql in QUERIES] == list(CHECKED)


@pytest.fixture
def ingested(database_url):
    assert cli_main(["ingest", str(SITES), "--db", database_url, "-q"]) == 0
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _versions(engine) -> list[dict]:
    """Every stored version as ``newscrawl export`` writes it: the facts each query's claim is
    checked against, read without SQL of the README's."""
    from sqlalchemy.orm import Session

    from newscrawl.store.queries import iter_export_rows

    with Session(engine) as session:
        return list(iter_export_rows(session))


def test_readme_queries_return_what_their_comments_say(ingested):
    versions = _versions(ingested)
    dialect = ingested.dialect.name
    results = {}
    with ingested.connect() as conn:
        for sql in QUERIES:
            if _dialect(sql) in (None, dialect):
                results[next(c for c in CHECKED if _comment(sql).startswith(c))] = conn.execute(text(sql)).all()

    # The wire story is on six sites; every story is listed once, most sites first.
    most_sites = results["Stories carried by the most sites"]
    sites_per_story = {}
    for v in versions:
        sites_per_story.setdefault(v["story_key"], set()).add(v["site"])
    assert sorted((row.story_key, row.sites) for row in most_sites) == sorted(
        (key, len(sites)) for key, sites in sites_per_story.items())
    assert [row.sites for row in most_sites] == sorted((row.sites for row in most_sites), reverse=True)
    assert most_sites[0].sites == 6

    one_story = results["Where and when one story ran"]
    first_key = min(sites_per_story)
    assert sorted(row.url for row in one_story) == sorted(v["url"] for v in versions if v["story_key"] == first_key)
    assert [row.version_number for row in one_story] == list(range(1, len(one_story) + 1))

    # The one Chinese portal of the sample sites (fixtures/README.md), and no other site.
    chinese = results["English stories republished by Chinese portals"]
    assert [(row.site, row.encoding) for row in chinese] == [("news.jinghai.example", "gb18030")]
    assert all("zh" in v["chrome_languages"] for v in versions if v["site"] == "news.jinghai.example")

    # Wrong declarations (a header saying cp1252 over UTF-8 bytes) and repaired mojibake; a site
    # is listed only for those.
    charsets = results["Sites that declare a wrong charset"]
    wrong = {v["site"] for v in versions if v["encoding_conflict"]}
    mojibake = {v["site"] for v in versions
                if any(r["kind"] == "mojibake" or r["kind"].startswith("lost_byte") for r in v["repairs"])}
    assert {row.site for row in charsets} == wrong | mojibake
    assert wrong == {"kbrx1040.example"} and mojibake == {"worldbrief-report.example"}

    # One row per credited name, with the copies (versions) that credit it.
    wire = results["Copies crediting each wire service" if dialect == "sqlite" else "The same on PostgreSQL"]
    copies = {}
    for v in versions:
        for name in {credit["name"] for credit in v["wire"]}:
            copies.setdefault(name, set()).add(v["version_id"])
    assert {row.credited: row.copies for row in wire} == {name: len(ids) for name, ids in copies.items()}
    assert len(wire) == len({row.credited for row in wire})
    assert {row.credited: row.copies for row in wire}["MWS"] == 6  # the six wire copies

    not_stored = results["Downloads that were not stored as versions"]
    assert not_stored and all(row.outcome not in ("stored_new_story", "stored_new_version") for row in not_stored)
    assert any(row.outcome == "skipped" for row in not_stored)


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
    # In storage order; the original is the copy published first, wherever it was stored.
    assert len(history) == 6
    assert [row.site for row in history if row.derivation == "original"] == ["capitol-ledger.example"]
    assert [(row.url, row.texts) for row in edited] == [(edited_url, 2)]
    assert edited[0].first_text_at < edited[0].last_text_at
    # One event reported by two stories: the wire story (six sites) and the Sentinel's own.
    assert [(row.stories, row.sites) for row in events] == [(2, 7)]
    assert [(row.id, row.status, row.site, row.new_versions) for row in runs] == [
        (run_id, "finished", "capitol-ledger.example", new_versions)]
