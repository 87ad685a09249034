"""The originals' publication dates in the evidence corpus (evaluation/corpus.py): undated by
default, the date their own page states, or all on the download day. Made-up articles and
pages only."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import sessionmaker

from evaluation.corpus import (
    DATINGS,
    FETCHED_AT,
    Article,
    dates_for,
    evaluate,
    one_day,
    stated_dates,
)
from newscrawl.store.db import make_engine, upgrade
from newscrawl.store.models import Story, Version

HARBOUR = " ".join(
    f"The harbour board of Eastmere met on day {i} to weigh a new ferry pier, dredging of the"
    f" silted channel and tolls for fishing boats number {i}." for i in range(12))
ORCHARD = " ".join(
    f"Growers in the Lindvale orchards counted apple crate {i} as frost, late blossom and a"
    f" shortage of pickers shaped season {i} of the cider harvest." for i in range(12))
STATED = dt.datetime(2024, 3, 5, 10, 0, tzinfo=dt.timezone.utc)


def _page(tmp_path, name: str, head: str) -> Path:
    path = tmp_path / f"{name}.html.gz"
    path.write_bytes(gzip.compress(
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{name}</title>{head}"
        f"</head><body><article><h1>{name}</h1><p>{HARBOUR}</p><p>{ORCHARD}</p></article>"
        "</body></html>".encode()))
    return path


def test_stated_dates_reads_each_saved_page_and_leaves_the_rest_undated(tmp_path):
    dated = _page(tmp_path, "dated", '<meta property="article:published_time"'
                                     ' content="2024-03-05T10:00:00Z">')
    undated = _page(tmp_path, "undated", "")
    articles = [Article("1", "Dated", HARBOUR, "https://a.example/1", dated),
                Article("2", "Undated", HARBOUR, "https://a.example/2", undated),
                Article("3", "No page", HARBOUR, "https://a.example/3", None)]
    found = stated_dates(articles)
    assert found["1"] == STATED
    assert found["2"] is None
    assert found["3"] is None


def test_dates_for_each_dating():
    articles = [Article("1", "a", HARBOUR, "https://a.example/1"),
                Article("2", "b", ORCHARD, "https://a.example/2")]
    assert set(DATINGS) == {"none", "stated", "one-day"}
    assert dates_for("none", articles) is None
    assert dates_for("one-day", articles) == one_day(articles) == {"1": FETCHED_AT, "2": FETCHED_AT}
    assert dates_for("stated", articles) == {"1": None, "2": None}  # no saved pages
    with pytest.raises(ValueError):
        dates_for("yesterday", articles)


@pytest.fixture
def session_factory(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'corpus.db'}")

    @event.listens_for(engine, "connect")
    def _scratch(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous = OFF")  # thrown away after the test

    upgrade(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def _published_by_article(factory) -> dict[str, dt.datetime | None]:
    with factory() as session:
        rows = session.execute(select(Version.url, Story.published_at)
                               .join(Story, Story.id == Version.story_id)).all()
    return {url.rsplit("/", 1)[1]: published for url, published in rows}


def test_evaluate_stores_each_original_with_its_given_date(session_factory):
    articles = [Article("1", "Harbour", HARBOUR, "https://a.example/1"),
                Article("2", "Orchard", ORCHARD, "https://a.example/2")]
    result = evaluate(articles, [], session_factory, published={"1": STATED})
    assert result.false_merges == []
    published = _published_by_article(session_factory)
    assert published["1"] == STATED
    assert published["2"] is None


def test_evaluate_leaves_originals_undated_by_default(session_factory):
    articles = [Article("1", "Harbour", HARBOUR, "https://a.example/1")]
    evaluate(articles, [], session_factory)
    assert _published_by_article(session_factory) == {"1": None}
