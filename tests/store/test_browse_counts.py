"""What the web view reads instead of aggregating versions (migration 0013): the story and site
counts the database keeps, and the full-text search, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
from pathlib import Path

from sqlalchemy import Integer, cast, delete, func, select, update

from newscrawl.model import Repair
from newscrawl.store import store_page
from newscrawl.store.browse import PG_SEARCH_VECTOR, search_stories, site_statistics, story_page
from newscrawl.store.models import Fetch, Site, Story, Version

from evaluation.articles import TOWN_BUDGET, TRAM, TRAM_EDITED, VINEYARD

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 10, 14, 20, 0, tzinfo=UTC)


def _store(session, article):
    plain = {"chrome_languages": [], "repairs": []}
    for url, body, title, record, when in [
        ("https://marlow-herald.example/news/tram-vote", TRAM, "Council approves tram", plain, T0),
        ("https://coastal-wire.example/marlow-tram", TRAM, "Marlow backs tram",
         {**plain, "chrome_languages": ["de"]}, T0 + dt.timedelta(hours=1)),
        ("https://valcerra-news.example/harvest", VINEYARD, "Drought brings early harvest",
         {"chrome_languages": [], "encoding_conflict": "iso-8859-1",
          "repairs": [Repair("repair", "mojibake", 2, ("cafÃ©",))]}, T0 + dt.timedelta(hours=2)),
        ("https://marlow-herald.example/news/tram-vote", TRAM_EDITED, "Traders appeal", plain,
         T0 + dt.timedelta(days=1)),
        ("https://marlow-herald.example/news/tram-vote", TRAM_EDITED, "Traders appeal", plain,
         T0 + dt.timedelta(days=2)),
    ]:
        art = article(url, body, title=title, fetched_at=when)
        store_page(session, art.page, dataclasses.replace(art.record, **record))
    session.commit()


def _counted(session):
    """Each story's and site's counts as kept, beside the same counts aggregated from versions."""
    stories = session.execute(select(Story.id, Story.version_count, Story.site_count).order_by(Story.id)).all()
    counted = session.execute(
        select(Story.id, func.count(Version.id), func.count(func.distinct(Version.site_id)))
        .outerjoin(Version, Version.story_id == Story.id).group_by(Story.id).order_by(Story.id)).all()
    sites = session.execute(select(Site.host, Site.copies, Site.stories_originated).order_by(Site.host)).all()
    originated = func.sum(cast(Version.id == Story.canonical_version_id, Integer))
    site_counts = session.execute(
        select(Site.host, func.count(Version.id), func.coalesce(originated, 0))
        .outerjoin(Version, Version.site_id == Site.id).outerjoin(Story, Story.id == Version.story_id)
        .group_by(Site.host).order_by(Site.host)).all()
    return ([tuple(r) for r in stories], [tuple(r) for r in counted],
            [tuple(r) for r in sites], [tuple(r) for r in site_counts])


def test_counts_follow_inserts_and_deletes(db_session, article):
    _store(db_session, article)
    stories, counted, sites, site_counts = _counted(db_session)
    assert stories == counted and sites == site_counts
    assert sorted((v, s) for _, v, s in stories) == [(1, 1), (3, 2)]

    stats = {s.host: s for s in site_statistics(db_session)}
    assert [s.host for s in site_statistics(db_session)][0] == "marlow-herald.example"  # most copies
    assert (stats["coastal-wire.example"].foreign_chrome, stats["marlow-herald.example"].foreign_chrome) == (1, 0)
    assert (stats["valcerra-news.example"].mojibake, stats["valcerra-news.example"].wrong_charset) == (1, 1)
    assert stats["marlow-herald.example"].stories_originated == 1
    assert stats["coastal-wire.example"].median_delay == dt.timedelta(hours=1)

    # A version deleted (by hand: the store never deletes one) is counted out again.
    edit = db_session.execute(select(Version.id).where(Version.title == "Traders appeal")).scalar_one()
    db_session.execute(update(Fetch).where(Fetch.version_id == edit).values(version_id=None))
    db_session.execute(delete(Version).where(Version.id == edit))
    db_session.commit()
    stories, counted, sites, site_counts = _counted(db_session)
    assert stories == counted and sites == site_counts


def test_median_delay_of_an_even_number_of_copies_is_the_mean_of_the_middle_two(db_session, article):
    _store(db_session, article)
    # coastal-wire.example carries a second copy, 3 hours behind its story's first: its
    # delays are 1 h and 3 h.
    first = article("https://valcerra-news.example/budget", TOWN_BUDGET, title="Budget", fetched_at=T0)
    store_page(db_session, first.page, first.record)
    copy = article("https://coastal-wire.example/budget", TOWN_BUDGET, title="Budget", fetched_at=T0 + dt.timedelta(hours=3))
    store_page(db_session, copy.page, copy.record)
    db_session.commit()
    stats = {s.host: s for s in site_statistics(db_session)}
    assert stats["coastal-wire.example"].copies == 2
    assert stats["coastal-wire.example"].median_delay == dt.timedelta(hours=2)


def test_spread_order_and_filters(db_session, article):
    _store(db_session, article)
    tram, wine = search_stories(db_session)
    assert (tram.site_count, tram.version_count, wine.site_count) == (2, 3, 1)
    assert search_stories(db_session, min_sites=2) == [tram]
    assert search_stories(db_session, site="valcerra-news.example") == [wine]
    assert search_stories(db_session, limit=1, offset=1) == [wine]


def test_search_finds_whole_words_in_any_version(db_session, article):
    _store(db_session, article)
    tram, wine = search_stories(db_session)
    found = lambda *words: [s.key for s in search_stories(db_session, words=list(words))]  # noqa: E731
    assert found("TRADERS") == [tram.key]  # the edited version's title, case folded
    assert found("traders", "council") == [tram.key]  # each word in some version
    assert found("traders", "harvest") == []
    assert found("harvest") == [wine.key]
    assert found("harv") == []  # a whole word, not a part of one
    assert found("%") == [] and found('"') == []  # no letter or digit: nothing


def test_story_page_pages_its_versions(db_session, article):
    _store(db_session, article)
    tram = search_stories(db_session)[0]
    whole = story_page(db_session, tram.key, limit=10)
    first_page = story_page(db_session, tram.key, limit=2)
    second_page = story_page(db_session, tram.key, limit=2, offset=2)
    assert whole.version_count == 3 and whole.site_count == 2
    assert [v.id for v in first_page.story.versions + second_page.story.versions] == [v.id for v in whole.story.versions]
    assert [v.number for v in second_page.story.versions] == [3]
    # The compared versions default to the first and the latest, whatever the page.
    assert (second_page.a.id, second_page.b.id) == (whole.story.versions[0].id, whole.story.versions[-1].id)
    assert second_page.a.is_canonical and "Traders" not in second_page.a_text


def test_the_search_query_repeats_the_indexed_expression():
    """PostgreSQL uses an expression index only for that very expression."""
    path = Path(__file__).parents[2] / "newscrawl/store/migrations/versions/0013_browse_counts.py"
    spec = importlib.util.spec_from_file_location("_revision_0013", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert PG_SEARCH_VECTOR.replace("versions.", "") == module.PG_SEARCH_VECTOR


def test_sqlite_without_fts5_searches_by_substring(tmp_path, article):
    """A database made by a SQLite build without FTS5 has no search table: the same search runs
    as a substring match (what a word finds there includes parts of words)."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from newscrawl.store.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'no-fts.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:  # what revision 0013 leaves without FTS5
        for trigger in ("versions_fts_insert", "versions_fts_delete", "versions_fts_update"):
            conn.execute(text(f"DROP TRIGGER {trigger}"))
        conn.execute(text("DROP TABLE versions_fts"))
    with Session(engine) as session:
        _store(session, article)
        found = lambda *words: [s.title for s in search_stories(session, words=list(words))]  # noqa: E731
        assert found("harv") == ["Drought brings early harvest"]
        assert found("TRADERS", "council") == ["Council approves tram"]
        assert found("%") == []
    engine.dispose()
