"""Events in the store: stories of different texts that report one event share an event id,
on SQLite and PostgreSQL (see newscrawl/store/events.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import sessionmaker

from newscrawl.cli import main as cli_main
from newscrawl.store import Story, store_page
from newscrawl.store.maintenance.backfill import backfill_events
from newscrawl.stages.events import EVENT_WINDOW_DAYS
from newscrawl.store.models import Event, StoryEventTerm

from evaluation.articles import FLOOD, FLOOD_OTHER, TOWN_BUDGET, TRAM

DAY = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone.utc)

# A third outlet's own short report of the flood.
FLOOD_THIRD = """\
Emergency crews in Holt were still pumping water out of basements on Monday, a day after the \
levee at Dunmere gave way. Mayor Oskar Lindgren asked the Vessa Basin Authority for an inquiry.

About 2,300 people were evacuated; volunteers at the sports hall served meals around the clock."""


def store(session, article, url, body, title, published_at, fetched_at=None):
    # Downloaded an hour after publication, unless the test says otherwise.
    art = article(url, body, title=title, fetched_at=fetched_at or published_at + dt.timedelta(hours=1))
    art.record.published_at = published_at
    out = store_page(session, art.page, art.record)
    session.commit()
    return out.story_key


def event_of(session, key: str) -> int | None:
    return session.execute(select(Story.event_id).where(Story.key == key)).scalar_one()


def test_reports_of_one_event_share_it_and_other_news_does_not(db_session, article):
    flood = store(db_session, article, "https://valley-post.example/flood", FLOOD,
                  "Thousands flee as Vessa River floods Dunmere", DAY)
    other = store(db_session, article, "https://north-courier.example/flood-night", FLOOD_OTHER,
                  "A night in the gym: Dunmere's flood families", DAY + dt.timedelta(hours=20))
    budget = store(db_session, article, "https://valley-post.example/budget", TOWN_BUDGET,
                   "Dunmere passes 48m budget", DAY + dt.timedelta(days=1))
    tram = store(db_session, article, "https://marlow-herald.example/tram", TRAM,
                 "Council approves eastern tram line", DAY)
    assert len({flood, other, budget, tram}) == 4  # four texts, four stories
    assert event_of(db_session, flood) == event_of(db_session, other) is not None
    assert len({event_of(db_session, k) for k in (flood, budget, tram)}) == 3
    assert db_session.execute(select(func.count()).select_from(Event)).scalar_one() == 3
    # A story's detail names the other stories of its event.
    from newscrawl.store.queries import story_detail

    detail = story_detail(db_session, flood)
    assert detail.event_id == event_of(db_session, flood)
    assert detail.same_event == [(other, "A night in the gym: Dunmere's flood families")]
    assert story_detail(db_session, tram).same_event == []
    # The event carries its first story's title.
    assert db_session.get(Event, event_of(db_session, flood)).title == "Thousands flee as Vessa River floods Dunmere"


def test_reports_far_apart_in_time_are_different_events(db_session, article):
    flood = store(db_session, article, "https://valley-post.example/flood", FLOOD, "Flood", DAY)
    later = store(db_session, article, "https://north-courier.example/flood-anniversary", FLOOD_OTHER,
                  "Flood", DAY + dt.timedelta(days=10))
    assert event_of(db_session, flood) != event_of(db_session, later)


def test_the_event_window_is_a_parameter_of_the_store(db_session, article):
    # Five days apart: beyond the default window, one event under a week-long one; the crawl
    # passes NEWSCRAWL_EVENT_WINDOW_DAYS here.
    assert EVENT_WINDOW_DAYS < 5
    keys = []
    for url, body, days, window in [("https://valley-post.example/flood", FLOOD, 0, 7),
                                    ("https://north-courier.example/flood", FLOOD_OTHER, 5, 7),
                                    ("https://east-gazette.example/flood", FLOOD_THIRD, 5, EVENT_WINDOW_DAYS)]:
        art = article(url, body, title="Flood", fetched_at=DAY + dt.timedelta(days=days, hours=1))
        art.record.published_at = DAY + dt.timedelta(days=days)
        keys.append(store_page(db_session, art.page, art.record, event_window_days=window).story_key)
        db_session.commit()
    first, week, default = (event_of(db_session, k) for k in keys)
    assert first == week
    # The default window keeps a story five days later out of that event (its span would pass
    # the window), whatever it shares with it.
    assert default != first


def test_an_event_is_dated_by_publication_not_by_download(db_session, article):
    # Downloaded together, published a year apart: two events (an archive crawled in one go
    # holds every year).
    crawled = DAY + dt.timedelta(days=400)
    flood = store(db_session, article, "https://valley-post.example/flood", FLOOD, "Flood",
                  DAY, fetched_at=crawled)
    other = store(db_session, article, "https://north-courier.example/flood-night", FLOOD_OTHER, "Flood",
                  DAY + dt.timedelta(days=365), fetched_at=crawled + dt.timedelta(hours=5))
    assert event_of(db_session, flood) != event_of(db_session, other)
    # Without a publication date, a crawl's first download dates a story.
    third = store(db_session, article, "https://river-times.example/flood", FLOOD_THIRD, "Flood",
                  None, fetched_at=DAY + dt.timedelta(days=1))
    assert event_of(db_session, third) == event_of(db_session, flood)
    event = db_session.get(Event, event_of(db_session, flood))
    assert (event.first_day, event.last_day) == (DAY.date(), DAY.date() + dt.timedelta(days=1))


def test_events_do_not_chain_beyond_the_window(db_session, article):
    # Each report shares the event's terms with the one before, two days apart: the first two
    # are one event, the third would stretch it over four days (window: three) and starts its own.
    first = store(db_session, article, "https://valley-post.example/flood", FLOOD, "Flood", DAY)
    second = store(db_session, article, "https://north-courier.example/flood-night", FLOOD_OTHER, "Flood",
                   DAY + dt.timedelta(days=2))
    third = store(db_session, article, "https://river-times.example/flood", FLOOD_THIRD, "Flood",
                  DAY + dt.timedelta(days=4))
    assert event_of(db_session, first) == event_of(db_session, second) != event_of(db_session, third)
    for event in db_session.execute(select(Event)).scalars():
        assert (event.last_day - event.first_day).days <= EVENT_WINDOW_DAYS


def test_pages_read_from_files_are_not_dated_by_the_file(db_session, article):
    # Saved pages without a publication date, ingested together: a file's time is not when the
    # news came out, so they are not linked by it.
    def ingested(url, body):
        art = article(url, body, title="Flood", fetched_at=DAY)
        art.record.published_at = None
        out = store_page(db_session, art.page, art.record, source="ingest")
        db_session.commit()
        return out.story_key

    flood = ingested("https://valley-post.example/flood", FLOOD)
    other = ingested("https://north-courier.example/flood-night", FLOOD_OTHER)
    assert event_of(db_session, flood) != event_of(db_session, other)
    assert db_session.execute(select(func.count()).select_from(StoryEventTerm)
                              .where(StoryEventTerm.seen_day.is_not(None))).scalar_one() == 0


def test_a_report_matching_two_events_merges_them_into_the_oldest(db_session, article):
    flood = store(db_session, article, "https://valley-post.example/flood", FLOOD, "Flood", DAY)
    other = store(db_session, article, "https://north-courier.example/flood-night", FLOOD_OTHER, "Flood", DAY)
    # Two processes storing at the same moment could each have started an event: split them.
    first_event = event_of(db_session, flood)
    split = Event(title="Flood", first_seen_at=DAY)
    db_session.add(split)
    db_session.flush()
    db_session.execute(update(Story).where(Story.key == other).values(event_id=split.id))
    db_session.commit()
    # A third outlet's report matches both: one event again, the oldest, the other row gone.
    third = store(db_session, article, "https://river-times.example/flood", FLOOD_THIRD, "Flood", DAY)
    assert third not in (flood, other)
    assert {event_of(db_session, k) for k in (flood, other, third)} == {first_event}
    assert db_session.get(Event, split.id) is None


def test_backfill_links_stories_stored_before_events(db_engine, db_session, article, capsys):
    flood = store(db_session, article, "https://valley-post.example/flood", FLOOD, "Flood", DAY)
    other = store(db_session, article, "https://north-courier.example/flood-night", FLOOD_OTHER, "Flood", DAY)
    tram = store(db_session, article, "https://marlow-herald.example/tram", TRAM, "Tram", DAY)
    # What a database stored before revision 0007 holds: no events, no terms.
    db_session.execute(update(Story).values(event_id=None, published_at=None))
    db_session.execute(delete(StoryEventTerm))
    db_session.execute(delete(Event))
    db_session.commit()
    assert backfill_events(sessionmaker(db_engine), batch=2) == 3
    db_session.commit()
    assert event_of(db_session, flood) == event_of(db_session, other) != event_of(db_session, tram)
    assert backfill_events(sessionmaker(db_engine)) == 0  # nothing left to link
    # The command does it too (after the stored rows are forgotten again).
    db_session.execute(update(Story).values(event_id=None, published_at=None))
    db_session.execute(delete(StoryEventTerm))
    db_session.execute(delete(Event))
    db_session.commit()
    url = db_engine.url.render_as_string(hide_password=False)
    assert cli_main(["db", "backfill", "--db", url, "-q"]) == 0
    assert "linked 3 stories to events" in capsys.readouterr().out
    db_session.expire_all()
    assert event_of(db_session, flood) == event_of(db_session, other) != event_of(db_session, tram)
    # The command lists the event of the two reports.
    assert cli_main(["events", "--db", url]) == 0
    listing = capsys.readouterr().out
    assert "1 event reported by more than one story" in listing
    assert flood in listing and other in listing and tram not in listing
