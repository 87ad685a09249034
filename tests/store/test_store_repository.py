"""store_page / store_fetch_only behaviour, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib

from sqlalchemy import func, select, text

from newscrawl.stages.fingerprint import fingerprint
from newscrawl.store import (
    Fetch,
    RawPage,
    Site,
    Story,
    StoryBand,
    Version,
    store_fetch_only,
    store_page,
)
from newscrawl.store.inserts import insert_band_rows
from newscrawl.store.repository import (
    raw_page_bytes,
    record_fingerprint,
    store_text,
)

from evaluation.articles import LIBRARY_PARTS, TRAM, TRAM_EDITED, VINEYARD

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 10, 14, 20, 0, tzinfo=UTC)


def count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def store(session, art, **kw):
    out = store_page(session, art.page, art.record, **kw)
    session.commit()
    return out


def test_new_story(db_session, article):
    art = article("https://www.marlow-herald.example/news/tram-vote", TRAM)
    out = store(db_session, art, source="marlow-herald")

    assert out.outcome == "stored_new_story"
    assert out.created_story and out.created_version
    fp = fingerprint(TRAM)
    assert out.story_key == fp.body_hash[:16]

    story = db_session.execute(select(Story)).scalar_one()
    version = db_session.get(Version, out.version_id)
    assert story.key == out.story_key
    assert story.canonical_version_id == version.id
    assert story.title == "Council approves eastern tram line"
    assert story.language == "en"
    assert story.first_seen_at == T0 and story.first_seen_at.tzinfo is not None

    assert version.body == TRAM and version.body_hash == fp.body_hash
    assert version.repairs == [{"stage": "repair", "kind": "mojibake", "count": 2,
                                "examples": ["cafÃ©"]}]
    assert version.chrome_languages == ["en", "fr"]
    assert version.authors == ["A. Reporter"]
    # published_at was given as +02:00: stored and returned in UTC.
    assert version.published_at == dt.datetime(2025, 10, 14, 17, 30, tzinfo=UTC)
    assert version.published_at.utcoffset() == dt.timedelta(0)
    assert version.first_fetched_at == version.last_fetched_at == T0
    assert version.fetch_count == 1

    bands = db_session.execute(
        select(StoryBand.band, StoryBand.hash).where(StoryBand.story_id == story.id)
        .order_by(StoryBand.band)
    ).all()
    assert [tuple(b) for b in bands] == list(enumerate(fp.bands))

    site = db_session.execute(select(Site)).scalar_one()
    assert site.host == "www.marlow-herald.example" and site.name == "Www"

    fetch = db_session.get(Fetch, out.fetch_id)
    assert fetch.outcome == "stored_new_story" and fetch.version_id == version.id
    assert fetch.status == 200 and fetch.site_id == site.id and fetch.source == "marlow-herald"
    assert fetch.content_type == "text/html; charset=utf-8"
    assert fetch.etag.startswith('"') and fetch.last_modified == "Tue, 14 Oct 2025 18:02:11 GMT"
    assert fetch.fetched_at == T0


def test_same_text_same_url_is_unchanged(db_session, article):
    url = "https://marlow-herald.example/news/tram-vote"
    first = store(db_session, article(url, TRAM))
    later = T0 + dt.timedelta(hours=3)
    # Re-wrapped and re-punctuated: same normalized text, same body_hash.
    again = store(db_session, article(url, TRAM.upper().replace("\n\n", "\n"), fetched_at=later))

    assert again.outcome == "unchanged"
    assert not again.created_story and not again.created_version
    assert again.version_id == first.version_id and again.story_key == first.story_key
    assert count(db_session, Version) == 1 and count(db_session, Fetch) == 2
    version = db_session.get(Version, first.version_id)
    db_session.refresh(version)
    assert version.fetch_count == 2
    assert version.first_fetched_at == T0 and version.last_fetched_at == later
    assert db_session.get(Fetch, again.fetch_id).version_id == first.version_id


def test_exact_copy_on_another_site_joins_the_story(db_session, article):
    first = store(db_session, article("https://marlow-herald.example/news/tram-vote", TRAM))
    copy = store(db_session, article("https://coastal-wire.example/2025/10/14/marlow-tram", TRAM,
                                     title="Marlow Bay backs tram extension"))

    assert copy.outcome == "stored_new_version"
    assert copy.story_key == first.story_key
    assert copy.created_version and not copy.created_story
    assert copy.version_id != first.version_id
    assert count(db_session, Story) == 1 and count(db_session, Site) == 2
    story = db_session.execute(select(Story)).scalar_one()
    assert story.title == "Council approves eastern tram line"  # of the first version
    assert story.canonical_version_id == first.version_id


def test_edited_text_joins_the_story_through_bands(db_session, article):
    first = store(db_session, article("https://marlow-herald.example/news/tram-vote", TRAM))
    edited = store(db_session, article("https://harbour-times.example/tram-appeal", TRAM_EDITED,
                                       title="Traders appeal tram decision"))

    assert fingerprint(TRAM).body_hash != fingerprint(TRAM_EDITED).body_hash
    assert edited.outcome == "stored_new_version"
    assert edited.story_key == first.story_key
    assert count(db_session, Story) == 1 and count(db_session, Version) == 2
    # Bands are those of the first version only.
    assert count(db_session, StoryBand) == len(fingerprint(TRAM).bands)


def test_edit_at_same_url_is_new_version_of_the_story(db_session, article):
    url = "https://marlow-herald.example/news/tram-vote"
    first = store(db_session, article(url, TRAM))
    edit = store(db_session, article(url, TRAM_EDITED, fetched_at=T0 + dt.timedelta(days=1)))
    assert edit.outcome == "stored_new_version" and edit.story_key == first.story_key
    assert edit.version_id != first.version_id


def test_rewrite_at_same_url_stays_in_the_urls_story(db_session, article):
    # Decision: a URL keeps its story even when the new text is unlike the first version.
    url = "https://marlow-herald.example/live/council"
    first = store(db_session, article(url, TRAM))
    rewrite = store(db_session, article(url, VINEYARD, title="Live: council and region"))
    assert rewrite.outcome == "stored_new_version" and rewrite.story_key == first.story_key


def test_unrelated_text_is_a_new_story(db_session, article):
    tram = store(db_session, article("https://marlow-herald.example/news/tram-vote", TRAM))
    wine = store(db_session, article("https://valcerra-news.example/harvest", VINEYARD,
                                     title="Drought brings early harvest"))
    assert wine.outcome == "stored_new_story" and wine.created_story
    assert wine.story_key != tram.story_key
    assert wine.story_key == fingerprint(VINEYARD).body_hash[:16]
    assert count(db_session, Story) == 2


def test_no_chaining_through_later_versions(db_session, article):
    first_text = "\n\n".join(LIBRARY_PARTS[:2])
    update_text = "\n\n".join(LIBRARY_PARTS[:4])
    later_text = "\n\n".join(LIBRARY_PARTS[2:5])
    a = store(db_session, article("https://quay-post.example/library", first_text))
    b = store(db_session, article("https://quay-post.example/library-update", update_text))
    c = store(db_session, article("https://river-news.example/library-move", later_text))
    assert b.story_key == a.story_key  # the update contains the first version
    assert c.story_key != a.story_key  # similar to the update only, not to the first version
    assert c.created_story


def test_skipped_record_records_fetch_and_raw_page_only(db_session, article):
    art = article("https://marlow-herald.example/feeds/rss.xml", "", raw=b"<rss></rss>",
                  skip_reason="not_html", headers={"Content-Type": "application/rss+xml"})
    out = store(db_session, art)
    assert out.outcome == "skipped"
    assert out.story_key is None and out.version_id is None
    assert not out.created_story and not out.created_version
    fetch = db_session.get(Fetch, out.fetch_id)
    assert fetch.outcome == "skipped" and fetch.reason == "not_html"
    assert fetch.version_id is None and fetch.raw_page_id is not None
    assert fetch.content_type == "application/rss+xml"
    assert count(db_session, Version) == 0 and count(db_session, Story) == 0
    assert count(db_session, RawPage) == 1 and count(db_session, Site) == 1


def test_raw_page_compressed_and_deduplicated(db_session, article):
    url = "https://marlow-herald.example/news/tram-vote"
    art = article(url, TRAM)
    first = store(db_session, art)
    second = store(db_session, article(url, TRAM, fetched_at=T0 + dt.timedelta(hours=1)))
    # Same bytes under another URL: still one raw page.
    third = store(db_session, article("https://mirror.example/tram", TRAM, raw=art.page.body))

    assert count(db_session, RawPage) == 1 and count(db_session, Fetch) == 3
    raw = db_session.execute(select(RawPage)).scalar_one()
    assert raw.sha256 == hashlib.sha256(art.page.body).hexdigest()
    assert raw.size == len(art.page.body)
    assert raw.content != art.page.body and len(raw.content) < len(art.page.body)
    assert gzip.decompress(raw.content) == art.page.body == raw_page_bytes(raw)
    assert raw.url == url
    assert raw.headers["content-type"] == "text/html; charset=utf-8"
    ids = {db_session.get(Fetch, o.fetch_id).raw_page_id for o in (first, second, third)}
    assert ids == {raw.id}


def test_site_name_filled_later_and_host_shared(db_session, article):
    nameless = article("https://marlow-herald.example/a", TRAM)
    nameless.record.site_name = None
    store(db_session, nameless)
    assert db_session.execute(select(Site.name)).scalar_one() is None
    store(db_session, article("https://marlow-herald.example/b", VINEYARD,
                              site_name="Marlow Herald"))
    site = db_session.execute(select(Site)).scalar_one()
    assert site.name == "Marlow Herald"


def test_story_key_extended_on_prefix_collision(db_session, article):
    fp = fingerprint(VINEYARD)
    db_session.add(Story(key=fp.body_hash[:16], title="squatter", first_seen_at=T0))
    db_session.commit()
    out = store(db_session, article("https://valcerra-news.example/harvest", VINEYARD))
    assert out.created_story and out.story_key == fp.body_hash[:17]


def test_fingerprint_computed_when_missing(db_session, article):
    art = article("https://marlow-herald.example/news/tram-vote", TRAM)
    art.record.fingerprint = None
    out = store(db_session, art)
    assert out.story_key == fingerprint(TRAM).body_hash[:16]


def test_naive_fetched_at_taken_as_utc_and_default_now(db_session, article):
    art = article("https://marlow-herald.example/x", TRAM,
                  fetched_at=dt.datetime(2025, 1, 2, 3, 4, 5))
    out = store(db_session, art)
    assert db_session.get(Fetch, out.fetch_id).fetched_at == dt.datetime(2025, 1, 2, 3, 4, 5,
                                                                         tzinfo=UTC)
    from dataclasses import replace

    before = dt.datetime.now(UTC)
    out = store(db_session, article("https://marlow-herald.example/y", VINEYARD))
    art2 = article("https://marlow-herald.example/z", "\n\n".join(LIBRARY_PARTS))
    out = store(db_session, type(art2)(replace(art2.page, fetched_at=None), art2.record))
    fetched = db_session.get(Fetch, out.fetch_id).fetched_at
    assert before <= fetched <= dt.datetime.now(UTC) + dt.timedelta(seconds=1)


def test_store_fetch_only(db_session):
    out = store_fetch_only(db_session, "https://Marlow-Herald.example/gone", 404,
                           {"Content-Type": "text/html", "ETag": '"x1"'}, T0, "http_404",
                           source="marlow-herald")
    err = store_fetch_only(db_session, "https://unreachable.example/", None, None, None,
                           "dns_lookup_failed")
    db_session.commit()
    fetch = db_session.get(Fetch, out.fetch_id)
    assert fetch.outcome == "failed" and fetch.status == 404 and fetch.reason == "http_404"
    assert fetch.etag == '"x1"' and fetch.content_type == "text/html" and fetch.fetched_at == T0
    assert fetch.raw_page_id is None and fetch.version_id is None
    assert db_session.get(Site, fetch.site_id).host == "marlow-herald.example"
    fetch = db_session.get(Fetch, err.fetch_id)
    assert fetch.status is None and fetch.reason == "dns_lookup_failed"
    assert fetch.fetched_at.tzinfo is not None


def test_band_lookup_uses_the_index(db_session, db_engine):
    # The candidate query must probe the primary key (band, hash, story_id), never scan
    # story_bands (on SQLite the key is the table itself: WITHOUT ROWID, revision 0006).
    from newscrawl.store.repository import band_candidates_query

    sql = str(band_candidates_query(fingerprint(TRAM).bands).compile(
        dialect=db_engine.dialect, compile_kwargs={"literal_binds": True}))
    if db_engine.dialect.name == "sqlite":
        plan = db_session.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
        details = " ".join(str(row[-1]) for row in plan)
        assert "SCAN story_bands" not in details, details
        assert "SEARCH story_bands USING PRIMARY KEY (band=? AND hash=?)" in details, details
    else:
        # The table is tiny, so forbid sequential scans to see whether the index is usable.
        db_session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(r[0] for r in db_session.execute(text("EXPLAIN " + sql)))
        assert "Seq Scan" not in plan and "story_bands" in plan, plan


def test_a_new_story_stores_one_band_row_per_band(db_session, article):
    # The band rows go in as one statement per dialect; what is stored is every (band, hash) of
    # the fingerprint, and inserting them again keeps one copy of each.
    page = article("https://www.marlow-herald.example/news/tram-vote", TRAM)
    outcome = store(db_session, page)
    story_id = db_session.execute(select(Story.id).where(Story.key == outcome.story_key)).scalar_one()
    bands = list(enumerate(record_fingerprint(page.record).bands))
    stored = lambda: sorted(db_session.execute(  # noqa: E731
        select(StoryBand.band, StoryBand.hash).where(StoryBand.story_id == story_id)).all())
    assert [tuple(row) for row in stored()] == bands
    insert_band_rows(db_session, story_id, bands[:5] + [(300, -(2 ** 63)), (301, 2 ** 63 - 1)])
    db_session.commit()
    assert [tuple(row) for row in stored()] == bands + [(300, -(2 ** 63)), (301, 2 ** 63 - 1)]


def test_store_text_keeps_a_text_in_the_story_given(db_session, article):
    # Kept in the given story whatever it says (what reprocess does with a page it read before);
    # the site comes from the record when no site id is given, and nothing is stored twice.
    tram = store(db_session, article("https://www.marlow-herald.example/news/tram-vote", TRAM))
    tram_story = db_session.execute(select(Story.id).where(Story.key == tram.story_key)).scalar_one()
    other = article("https://valley.example/vineyard", VINEYARD)
    fp = record_fingerprint(other.record)
    stored = store_text(db_session, other.record, fp, other.record.url, fetched_at=T0, site_id=None,
                        fetch_count=lambda: 3, keep_in_story=tram_story)
    db_session.commit()
    assert stored.created_version and not stored.created_story
    assert stored.version.story_id == tram_story and stored.version.fetch_count == 3
    assert db_session.get(Site, stored.version.site_id).host == other.record.site

    again = store_text(db_session, other.record, fp, other.record.url, fetched_at=T0, site_id=None,
                       keep_in_story=tram_story)
    assert not again.created_version and again.version.id == stored.version.id



def test_a_stored_page_reads_its_plain_values_without_the_orm(db_session, article):
    """Selects of plain values go to the database as Core statements: the ORM's execution of a
    statement (compile state, result set-up, autoflush) is kept for the one that loads the
    version already at the URL, which the store updates as an object."""
    from sqlalchemy import event

    orm_executed: list[str] = []

    def count_orm(state):
        if state.statement._propagate_attrs.get("compile_state_plugin") == "orm":
            orm_executed.append(str(state.statement))

    event.listen(db_session, "do_orm_execute", count_orm)
    try:
        url = "https://marlow-herald.example/news/tram-vote"
        new = store(db_session, article(url, TRAM))
        assert new.outcome == "stored_new_story"
        assert len(orm_executed) == 1, orm_executed
        orm_executed.clear()
        again = store(db_session, article(url, TRAM, fetched_at=T0 + dt.timedelta(hours=1)))
        assert again.outcome == "unchanged"
        assert len(orm_executed) == 1, orm_executed
    finally:
        event.remove(db_session, "do_orm_execute", count_orm)
    version = db_session.get(Version, new.version_id)
    db_session.refresh(version)
    assert version.fetch_count == 2
