"""A newsroom's heavy rewrite of a stored wire story joins its story through the word-band
lookup (within days of it) and is stored as "rewritten"; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from newscrawl.stages.events import EVENT_WINDOW_DAYS
from newscrawl.stages.fingerprint import DERIVATION_ORIGINAL, DERIVATION_REWRITTEN
from newscrawl.store import store_page
from newscrawl.store.matching import RARE_WORDS_BAND, band_candidates, story_day, word_candidates
from newscrawl.store.models import Story, StoryMerge, StoryWordBand, Version
from newscrawl.store.repository import record_fingerprint
from newscrawl.stages.fingerprint.words import RARE_WORDS_INDEXED, WORD_BAND_COUNT, word_bands

from evaluation.articles import TRAM, DESAL_OWN_REPORT, DESAL_REWRITE, DESAL_WIRE, reworded_every

DAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
EPOCH = dt.date(1970, 1, 1)


def stored(session, article, url, body, published):
    art = article(url, body, title="Desalination plant", fetched_at=DAY + dt.timedelta(days=30))
    art.record.published_at = published
    out = store_page(session, art.page, art.record, source="ingest")
    session.commit()
    return out, art.record


def test_a_heavy_rewrite_is_found_by_its_words_and_stored_as_rewritten(db_session, article):
    # Lower case: as in a script without letter case, where names cannot testify.
    wire, _ = stored(db_session, article, "https://valley-wire.example/desal", DESAL_WIRE.lower(), DAY)
    rewrite_body = reworded_every(DESAL_REWRITE.lower(), 4)
    # What the lookup sees before the rewrite is stored.
    fp = record_fingerprint(article("https://x.example/a", rewrite_body).record)
    wire_id = db_session.execute(select(Story.id).where(Story.key == wire.story_key)).scalar_one()
    day = (DAY.date() - EPOCH).days + 1
    assert wire_id in word_candidates(db_session, word_bands(rewrite_body), day)
    assert word_candidates(db_session, word_bands(rewrite_body), day + 30) == []  # other days: not read
    found_by_phrases = wire_id in band_candidates(db_session, fp.bands)

    out, _ = stored(db_session, article, "https://daily-courier.example/desal", rewrite_body,
                    DAY + dt.timedelta(days=1))
    assert out.story_key == wire.story_key, found_by_phrases
    derivation, similarity = db_session.execute(
        select(Version.derivation, Version.similarity).where(Version.id == out.version_id)).one()
    assert derivation == DERIVATION_REWRITTEN and 0.36 <= similarity <= 1.0

    own, _ = stored(db_session, article, "https://harbour-news.example/fishermen", DESAL_OWN_REPORT.lower(),
                    DAY + dt.timedelta(days=1))
    assert own.created_story  # the same event's own report: its own story


def test_only_stories_with_a_day_are_word_indexed(db_session, article):
    stored(db_session, article, "https://valley-wire.example/desal", DESAL_WIRE, None)
    assert db_session.execute(select(func.count()).select_from(StoryWordBand)).scalar_one() == 0
    stored(db_session, article, "https://valley-wire.example/desal-2", DESAL_OWN_REPORT, DAY)
    # The signature's bands, and the story's rarest words under a band number of their own.
    rare = StoryWordBand.band == RARE_WORDS_BAND
    rows = dict(db_session.execute(select(rare, func.count()).group_by(rare)).all())
    assert rows == {False: WORD_BAND_COUNT, True: RARE_WORDS_INDEXED}


def test_a_story_built_on_part_of_a_wire_story_is_its_own_story_in_its_event(db_session, article):
    # Lower case: no names for the event terms (as in a script without letter case); what links
    # the two is the wording the newspaper took from the wire.
    wire, _ = stored(db_session, article, "https://valley-wire.example/desal", DESAL_WIRE.lower(), DAY)
    taken = DESAL_WIRE.split(". ")[1] + "."  # one sentence of the wire
    partial = (taken + " " + DESAL_OWN_REPORT.split("\n\n", 1)[1]).lower()
    out, _ = stored(db_session, article, "https://harbour-news.example/desal", partial,
                    DAY + dt.timedelta(days=1))
    assert out.created_story
    event_of = dict(db_session.execute(select(Story.key, Story.event_id)).all())
    assert event_of[out.story_key] == event_of[wire.story_key]
    # ... within the window only: the wire's sentence quoted in other news a month later is
    # another event.
    late, _ = stored(db_session, article, "https://harbour-news.example/desal-later",
                     (taken + " " + TRAM).lower(), DAY + dt.timedelta(days=30))
    assert late.created_story
    event_of = dict(db_session.execute(select(Story.key, Story.event_id)).all())
    assert event_of[late.story_key] != event_of[wire.story_key]


@pytest.mark.parametrize("days_later", [1, 30])
def test_an_independent_report_joins_the_event_by_its_longer_words(db_session, article, days_later):
    # Lower case (no names for the event terms) and little shared wording: the own report of
    # the event shares the wire story's longer words (its subject, places, figures); other news
    # of the same days does not; beyond the window the same words are another event.
    wire, _ = stored(db_session, article, "https://valley-wire.example/desal", DESAL_WIRE.lower(), DAY)
    other, _ = stored(db_session, article, "https://valley-wire.example/tram", TRAM.lower(), DAY)
    own, _ = stored(db_session, article, "https://harbour-news.example/fishermen", DESAL_OWN_REPORT.lower(),
                    DAY + dt.timedelta(days=days_later))
    assert own.created_story
    event_of = dict(db_session.execute(select(Story.key, Story.event_id)).all())
    assert event_of[wire.story_key] != event_of[other.story_key]
    assert (event_of[own.story_key] == event_of[wire.story_key]) == (days_later <= EVENT_WINDOW_DAYS)


def stored_as(session, article, url, body, published, *, source="ingest", fetched_at=DAY + dt.timedelta(days=30)):
    art = article(url, body, title="Desalination plant", fetched_at=fetched_at)
    art.record.published_at = published
    out = store_page(session, art.page, art.record, source=source)
    session.commit()
    return out


def later(days):
    return None if days is None else DAY + dt.timedelta(days=days)


@pytest.mark.parametrize(("wire_days", "rewrite_days", "linked"), [
    (0, 1, True),        # a rewrite of the next day
    (0, 3, True),        # the window's last day
    (0, 20, False),      # the same wording 20 days later: another story told from one template
    (20, 0, False),      # ... or 20 days earlier
    (None, 20, True),    # the wire's day unknown (a file without a date): linked as before
    (0, None, True),     # the rewrite's day unknown
])
def test_the_alignment_links_a_rewrite_only_within_days_of_its_story(db_session, article, wire_days,
                                                                     rewrite_days, linked):
    # Lower case: as in a script without letter case, where only the alignment links the two.
    wire = stored_as(db_session, article, "https://valley-wire.example/desal", DESAL_WIRE.lower(),
                     later(wire_days))
    out = stored_as(db_session, article, "https://daily-courier.example/desal",
                    reworded_every(DESAL_REWRITE.lower(), 4), later(rewrite_days))
    assert (out.story_key == wire.story_key) is linked
    assert out.created_story is not linked
    derivation = db_session.execute(select(Version.derivation).where(Version.id == out.version_id)).scalar_one()
    assert derivation == (DERIVATION_REWRITTEN if linked else DERIVATION_ORIGINAL)
    assert db_session.execute(select(func.count()).select_from(StoryMerge)).scalar_one() == 0


@pytest.mark.parametrize(("rewrite_days", "linked"), [(2, True), (20, False)])
def test_a_crawled_story_without_a_date_is_dated_by_its_download(db_session, article, rewrite_days, linked):
    # The wire downloaded by a crawl on DAY, stating no date: its day is the download's.
    wire = stored_as(db_session, article, "https://valley-wire.example/desal", DESAL_WIRE.lower(), None,
                     source="crawl", fetched_at=DAY)
    wire_id = db_session.execute(select(Story.id).where(Story.key == wire.story_key)).scalar_one()
    assert story_day(db_session, wire_id) == (DAY.date() - EPOCH).days
    out = stored_as(db_session, article, "https://daily-courier.example/desal",
                    reworded_every(DESAL_REWRITE.lower(), 4), later(rewrite_days))
    assert (out.story_key == wire.story_key) is linked


def test_a_copy_is_linked_at_any_distance(db_session, article):
    # Containment is not limited by days: a reprint a year later is the same story.
    wire = stored_as(db_session, article, "https://valley-wire.example/desal", DESAL_WIRE.lower(), DAY)
    out = stored_as(db_session, article, "https://daily-courier.example/desal", DESAL_REWRITE.lower(),
                    later(365))
    assert out.story_key == wire.story_key


def test_word_band_lookup_finds_what_the_statement_finds(db_session, article):
    # word_band_hits runs its own SQL (PostgreSQL: the probes joined from arrays): the same
    # stories, the same shared counts, in the same order, as the OR-ed statement through
    # SQLAlchemy, for a text, one band of it, and days that hold none of the stories.
    from newscrawl.store.matching import word_band_hits, word_band_hits_query

    bodies = [DESAL_WIRE, DESAL_OWN_REPORT, reworded_every(DESAL_REWRITE, 3), TRAM]
    for n, body in enumerate(bodies):
        stored(db_session, article, f"https://words{n}.example/a", body, DAY + dt.timedelta(days=n % 2))
    day = (DAY.date() - EPOCH).days
    for body in bodies:
        bands = word_bands(body)
        for probe, when in ((bands, day), (bands[:1], day), (bands[3:4] + bands[20:21], day + 1),
                            (bands, day + 40)):
            statement = word_band_hits_query(probe, when, 2)
            expected = [tuple(row) for row in db_session.execute(statement).all()]
            assert word_band_hits(db_session, probe, when, 2) == expected
        assert word_band_hits(db_session, bands, day)  # its own story at least
