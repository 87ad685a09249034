"""list_stories, story_detail and the story_versions view, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from newscrawl.store import list_stories, store_page, story_detail

from evaluation.articles import TRAM, TRAM_EDITED, VINEYARD

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 10, 14, 20, 0, tzinfo=UTC)


def _populate(session, article):
    outs = []
    for url, body, title, when in [
        ("https://marlow-herald.example/news/tram-vote", TRAM, "Council approves tram", T0),
        ("https://coastal-wire.example/marlow-tram", TRAM, "Marlow backs tram",
         T0 + dt.timedelta(hours=1)),
        ("https://valcerra-news.example/harvest", VINEYARD, "Drought brings early harvest",
         T0 + dt.timedelta(hours=2)),
        ("https://marlow-herald.example/news/tram-vote", TRAM_EDITED, "Traders appeal",
         T0 + dt.timedelta(days=1)),
        ("https://marlow-herald.example/news/tram-vote", TRAM_EDITED, "Traders appeal",
         T0 + dt.timedelta(days=2)),
    ]:
        art = article(url, body, title=title, fetched_at=when)
        outs.append(store_page(session, art.page, art.record))
    session.commit()
    return outs


def test_list_stories(db_session, article):
    outs = _populate(db_session, article)
    stories = list_stories(db_session)
    assert [s.key for s in stories] == [outs[0].story_key, outs[2].story_key]
    tram, wine = stories
    assert (tram.title, tram.language, tram.version_count, tram.site_count) == (
        "Council approves tram", "en", 3, 2)
    assert tram.first_seen_at == T0
    assert (wine.version_count, wine.site_count) == (1, 1)
    assert [s.key for s in list_stories(db_session, limit=1, offset=1)] == [wine.key]


def test_story_detail(db_session, article):
    outs = _populate(db_session, article)
    detail = story_detail(db_session, outs[0].story_key)
    assert detail is not None
    assert detail.key == outs[0].story_key and detail.version_count == 3
    assert detail.sites == ["coastal-wire.example", "marlow-herald.example"]
    first, copy, edit = detail.versions
    assert first.is_canonical and not copy.is_canonical and not edit.is_canonical
    assert detail.canonical_version_id == first.id
    assert first.site == "marlow-herald.example" and copy.site == "coastal-wire.example"
    assert first.body_hash == copy.body_hash != edit.body_hash
    assert edit.first_fetched_at == T0 + dt.timedelta(days=1)
    assert edit.last_fetched_at == T0 + dt.timedelta(days=2) and edit.fetch_count == 2
    assert first.repairs[0]["kind"] == "mojibake"
    assert first.published_at.tzinfo is not None
    assert story_detail(db_session, "0000000000000000") is None


def test_story_versions_view(db_session, article):
    outs = _populate(db_session, article)
    rows = db_session.execute(text(
        "SELECT story_key, version_id, url, site, site_name, title, language, version_number, "
        "is_canonical, fetched_at, last_fetched_at, repairs, chrome_languages, encoding "
        "FROM story_versions ORDER BY version_id"
    )).mappings().all()
    assert len(rows) == 4
    tram_key, wine_key = outs[0].story_key, outs[2].story_key
    assert [(r["story_key"], r["version_number"], bool(r["is_canonical"])) for r in rows] == [
        (tram_key, 1, True), (tram_key, 2, False), (wine_key, 1, True), (tram_key, 3, False),
    ]
    assert rows[0]["site"] == "marlow-herald.example" and rows[0]["site_name"] == "Marlow-Herald"
    assert rows[1]["url"] == "https://coastal-wire.example/marlow-tram"
    assert rows[0]["title"] == "Council approves tram" and rows[0]["encoding"] == "utf-8"
    assert rows[3]["fetched_at"] is not None and rows[3]["last_fetched_at"] is not None
    assert rows[0]["repairs"] is not None and rows[0]["chrome_languages"] is not None
