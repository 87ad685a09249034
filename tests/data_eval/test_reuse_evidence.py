"""Real newsroom reuse (COUNTER, ../shared/data/reuse/counter-urdu, read at test time) through
the real pipeline and store, with floors.

A third of the 600 agency -> newspaper pairs (every third, all domains and labels), agency
stories first (evaluation/reuse.py). Floors are a little under the figures measured on this
slice (the whole set's are in docs/measurements.md, ``python benchmarks/story_evidence.py
--corpora counter``), so the test fails when a change loses rewrites, links independent
reports, or lets an event outgrow its window.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import sessionmaker

from evaluation.reuse import COUNTER_DATA, evaluate_counter, load_counter
from newscrawl.stages.events import EVENT_WINDOW_DAYS
from newscrawl.store.db import make_engine, upgrade
from newscrawl.store.models import Event

#: Shares of the slice's pairs (both texts stored as articles or not: a text the pipeline skips
#: as too short counts as a miss).
#: Measured on this slice: wholly derived linked 34/51 (0.667), among the candidates 45/51
#: (0.882); non derived linked 2/60 (0.033).
WHOLLY_LINKED_FLOOR = 0.62
WHOLLY_CANDIDATE_FLOOR = 0.84
NON_DERIVED_LINKED_CEILING = 0.05
#: Measured on this slice: pairs whose two stories are in one event 106/200 (0.53).
SAME_EVENT_FLOOR = 0.50


@pytest.fixture(scope="module")
def counter(tmp_path_factory):
    if not (COUNTER_DATA / "pairs.jsonl").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{COUNTER_DATA} is missing: CI must have ../shared beside the clone")
        pytest.skip("../shared/data/reuse is not beside this checkout")
    pairs = load_counter()[::3]
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('counter') / 'counter.db'}")

    @event.listens_for(engine, "connect")
    def _scratch(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous = OFF")  # thrown away after the test

    upgrade(engine)
    make_session = sessionmaker(engine, expire_on_commit=False)
    try:
        results = evaluate_counter(pairs, make_session)
        with make_session() as session:
            spans = [(e.first_day, e.last_day) for e in session.execute(select(Event)).scalars()]
        yield results, spans
    finally:
        engine.dispose()


def share(results, label, what):
    rs = [r for r in results if r.pair.label == label]
    return sum(getattr(r, what) for r in rs) / len(rs)


def test_rewrites_are_linked_to_their_agency_story(counter):
    results, _ = counter
    assert share(results, "wholly_derived", "candidate") >= WHOLLY_CANDIDATE_FLOOR
    assert share(results, "wholly_derived", "linked") >= WHOLLY_LINKED_FLOOR
    # A story linked is one event.
    assert all(r.same_event for r in results if r.linked)


def test_independent_reports_are_rarely_put_under_the_agency_story(counter):
    results, _ = counter
    assert share(results, "non_derived", "linked") <= NON_DERIVED_LINKED_CEILING


def test_reports_of_one_agency_story_share_its_event(counter):
    # Urdu has no letter case: no names for the event terms; wording and longer words link them.
    results, _ = counter
    assert sum(r.same_event for r in results) / len(results) >= SAME_EVENT_FLOOR


def test_no_event_outgrows_the_window(counter):
    _, spans = counter
    dated = [(first, last) for first, last in spans if first is not None]
    assert len(dated) >= 0.9 * len(spans)  # a few of COUNTER's dates are damaged ("31.09.14")
    assert max((last - first).days for first, last in dated) <= EVENT_WINDOW_DAYS
