"""``newscrawl reprocess``: the stages run again over stored raw pages, new versions only where
the output changed (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from importlib.metadata import version

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from newscrawl.cli import main
from newscrawl.stages.fingerprint import fingerprint
from newscrawl.model import Page
from newscrawl.stages.process import run_steps
from newscrawl.store import Fetch, Story, Version, store_page
from newscrawl.store.models import ReprocessRun, ReprocessRunVersion
from newscrawl.store.maintenance.reprocess import reprocess

from evaluation.articles import TRAM, VINEYARD, article_html

UTC = dt.UTC
DAY1 = dt.datetime(2025, 10, 1, 8, 0, tzinfo=UTC)
DAY2 = dt.datetime(2025, 10, 5, 8, 0, tzinfo=UTC)

# A page whose last paragraph the "old" stages kept and the "new" ones drop (as an upgraded
# clean stage drops a sign-off line): the text changes, the story does not.
SIGN_OFF = "Reporting by the Marlow Bay newsroom; follow us for more local news every day."


def ingest(make_session, url: str, body: str, title: str, at: dt.datetime, steps=run_steps):
    page = Page.build(url, article_html(title, body), {"content-type": "text/html; charset=utf-8"},
                      200, at)
    with make_session() as session:
        out = store_page(session, page, steps(page).record)
        session.commit()
    return out


def old_stages(page):
    """The stages as they were before the "upgrade": the sign-off line was kept."""
    work = run_steps(page)
    if work.record.is_article and "b.example" in page.url:
        body = work.record.body + "\n\n" + SIGN_OFF
        work.record = dataclasses.replace(work.record, body=body, fingerprint=fingerprint(body))
    return work


def count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_only_changed_output_makes_new_versions_in_the_same_story(db_engine, database_url, capsys):
    make_session = sessionmaker(bind=db_engine, expire_on_commit=False)
    first = ingest(make_session, "http://a.example/tram", TRAM, "Tram", DAY1, old_stages)
    copy = ingest(make_session, "http://b.example/tram", TRAM, "Tram", DAY2, old_stages)
    ingest(make_session, "http://b.example/vineyard", VINEYARD, "Vineyard", DAY2, old_stages)
    assert copy.story_key == first.story_key
    with make_session() as session:
        versions_before = count(session, Version)
        fetches_before = count(session, Fetch)

    # Only b.example's pages read differently now; one of them is filtered out by --since.
    result = reprocess(make_session, site="b.example")
    assert result.counts == {"new_version": 2}
    keys = {key for _, _, key, _ in result.new_versions}
    assert first.story_key in keys  # the tram copy stays in its story
    with make_session() as session:
        assert count(session, Version) == versions_before + 2
        assert count(session, Story) == 2
        assert count(session, Fetch) == fetches_before  # reprocessing is not a download
        new = session.execute(select(Version).where(Version.url == "http://b.example/tram")
                              .order_by(Version.id.desc())).scalars().first()
        assert SIGN_OFF not in new.body
        assert new.first_fetched_at == DAY2 and new.fetch_count == 1
        assert new.derivation == "exact"  # now the same text as the story's first version

    # The run is on record: its code, its selection, its outcome, the versions it made.
    with make_session() as session:
        run = session.get(ReprocessRun, result.run_id)
        assert (run.status, run.site, run.since, run.pages) == ("finished", "b.example", None, 2)
        assert run.counts == {"new_version": 2} and run.errors == []
        assert run.started_at <= run.finished_at
        assert run.newscrawl_version == run.pipeline["newscrawl"] == version("newscrawl")
        assert run.pipeline["trafilatura"] == version("trafilatura")
        links = session.execute(select(ReprocessRunVersion.version_id, ReprocessRunVersion.run_id)
                                ).all()
        assert sorted(links) == sorted((v, run.id) for _, _, _, v in result.new_versions)

    # Nothing changed since: a second run (all sites) adds nothing.
    again = reprocess(make_session)
    assert again.counts == {"unchanged": 3}
    assert again.run_id > result.run_id
    with make_session() as session:
        assert count(session, ReprocessRunVersion) == 2
        assert session.get(ReprocessRun, again.run_id).counts == {"unchanged": 3}
    # The command line: same answer, exit status 0.
    assert main(["reprocess", "--db", database_url, "--since", "2025-10-02"]) == 0
    assert "reprocessed 2 raw pages: 2 unchanged (reprocess run " in capsys.readouterr().out
    with make_session() as session:
        last = session.execute(select(ReprocessRun).order_by(ReprocessRun.id.desc())).scalars().first()
        assert last.since == dt.datetime(2025, 10, 2, tzinfo=UTC) and last.counts == {"unchanged": 2}


def test_since_and_site_select_the_pages(db_engine):
    make_session = sessionmaker(bind=db_engine, expire_on_commit=False)
    ingest(make_session, "http://b.example/tram", TRAM, "Tram", DAY1, old_stages)
    ingest(make_session, "http://b.example/vineyard", VINEYARD, "Vineyard", DAY2, old_stages)
    assert reprocess(make_session, since=DAY2).counts == {"new_version": 1}
    assert reprocess(make_session, site="c.example").pages == 0
    assert reprocess(make_session, site="B.example").counts == {"new_version": 1, "unchanged": 1}


def test_a_page_skipped_before_becomes_a_story_when_the_stages_accept_it(db_engine):
    make_session = sessionmaker(bind=db_engine, expire_on_commit=False)

    def rejecting(page):
        work = run_steps(page)
        work.record = dataclasses.replace(work.record, skip_reason="too_short")
        return work

    out = ingest(make_session, "http://a.example/tram", TRAM, "Tram", DAY1, rejecting)
    assert out.outcome == "skipped"
    result = reprocess(make_session)
    assert result.counts == {"new_story": 1}
    with make_session() as session:
        assert count(session, Story) == 1


def test_a_damaged_raw_page_is_reported_and_the_rest_goes_on(db_engine, database_url, capsys):
    from sqlalchemy import update

    from newscrawl.store.models import RawPage

    make_session = sessionmaker(bind=db_engine, expire_on_commit=False)
    ingest(make_session, "http://b.example/tram", TRAM, "Tram", DAY1, old_stages)
    ingest(make_session, "http://b.example/vineyard", VINEYARD, "Vineyard", DAY1, old_stages)
    with make_session() as session:
        first_raw = session.execute(select(func.min(RawPage.id))).scalar()
        session.execute(update(RawPage).where(RawPage.id == first_raw).values(content=b"not gzip"))
        session.commit()
    assert main(["reprocess", "--db", database_url, "-q"]) == 1
    captured = capsys.readouterr()
    assert f"error: raw page {first_raw}" in captured.err
    assert "1 error, 1 new_version" in captured.out
    with make_session() as session:
        run = session.execute(select(ReprocessRun)).scalars().one()
        assert run.status == "finished" and run.counts == {"error": 1, "new_version": 1}
        assert [e["raw_page_id"] for e in run.errors] == [first_raw]


def test_an_interrupted_run_is_recorded_as_failed(db_engine):
    make_session = sessionmaker(bind=db_engine, expire_on_commit=False)
    ingest(make_session, "http://b.example/tram", TRAM, "Tram", DAY1, old_stages)
    ingest(make_session, "http://b.example/vineyard", VINEYARD, "Vineyard", DAY2, old_stages)
    calls = []

    def interrupted(page):
        calls.append(page.url)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the run
        return run_steps(page)

    with pytest.raises(KeyboardInterrupt):
        reprocess(make_session, run_steps=interrupted)
    with make_session() as session:
        run = session.execute(select(ReprocessRun)).scalars().one()
        assert run.status == "failed" and run.finished_at is not None
        assert run.pages == 1 and run.counts == {"new_version": 1}
        # The version made before the interrupt is linked to the run; nothing half-stored.
        assert count(session, ReprocessRunVersion) == 1
