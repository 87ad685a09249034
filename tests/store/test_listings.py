"""The listings table: what a crawl listed is owed until a fetch of it is recorded."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from newscrawl.store.listings import Listed, forget_listings, record_listings, take_pending
from newscrawl.store.repository import store_fetch_only

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def listed(url: str, at: dt.datetime, **discovery) -> Listed:
    return Listed(url, "gazette", at, {"via": "feed", **discovery})


def test_a_listing_is_pending_until_a_fetch_at_or_after_it(db_engine):
    with Session(db_engine) as session:
        record_listings(session, [listed("https://g.example/a", T0, title="A"),
                                  listed("https://g.example/b", T0),
                                  listed("https://g.example/c", T0),
                                  listed("https://g.example/d", T0)])
        # a: fetched before it was listed (an old download): still owed.
        store_fetch_only(session, "https://g.example/a", 503, {}, T0 - MINUTE, "http_status_503")
        # b: fetched since (a failed download is a fetch: the history decides about a retry).
        store_fetch_only(session, "https://g.example/b", 503, {}, T0 + MINUTE, "http_status_503")
        # c: fetched since under the URL it redirected to.
        store_fetch_only(session, "https://g.example/c2", 404, {}, T0 + MINUTE, "http_status_404",
                         requested_url="https://g.example/c")
        session.commit()
        pending = take_pending(session, now=T0 + 2 * MINUTE)
        session.commit()
    assert [p.url for p in pending] == ["https://g.example/a", "https://g.example/d"]
    assert pending[0].discovery == {"via": "feed", "title": "A"}
    assert pending[0].source == "gazette" and pending[0].listed_at == T0
    with Session(db_engine) as session:  # the settled ones were deleted
        assert [p.url for p in take_pending(session, now=T0 + 2 * MINUTE)] == [
            "https://g.example/a", "https://g.example/d"]


def test_listing_again_moves_the_time_and_forgetting_spares_a_later_listing(db_engine):
    url = "https://g.example/" + "long/" * 2000  # any length, one row
    with Session(db_engine) as session:
        record_listings(session, [listed(url, T0), listed("https://g.example/x", T0)])
        record_listings(session, [listed(url, T0 + MINUTE, title="again")])
        session.commit()
        # The crawl decided not to fetch both at T0 + 30 s: x goes; url was listed since.
        assert forget_listings(session, [(url, T0 + MINUTE / 2),
                                         ("https://g.example/x", T0 + MINUTE / 2)]) == 1
        session.commit()
        pending = take_pending(session, now=T0 + 2 * MINUTE)
    assert [(p.url, p.listed_at, p.discovery.get("title")) for p in pending] == [
        (url, T0 + MINUTE, "again")]


def test_a_listing_older_than_max_age_is_dropped(db_engine):
    with Session(db_engine) as session:
        record_listings(session, [listed("https://g.example/old", T0),
                                  listed("https://g.example/new", T0 + dt.timedelta(days=20))])
        session.commit()
        pending = take_pending(session, now=T0 + dt.timedelta(days=31))
    assert [p.url for p in pending] == ["https://g.example/new"]
