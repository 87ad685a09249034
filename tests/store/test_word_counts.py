"""Document frequencies of the stories' longer words (``word_counts``): counted in batches as
stories are stored, rebuilt by the backfill, and the weights of the event evidence once enough
stories are counted; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import numpy as np
import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from newscrawl.stages.fingerprint import words
from newscrawl.store import matching, store_page, word_counts as counting
from newscrawl.store.maintenance.backfill import backfill_features
from newscrawl.store.models import COUNTED_THROUGH, STORIES_COUNTED, Story, StoryFeatures, WordCount

DAY = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.timezone.utc)
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def word(prefix: str, i: int) -> str:
    """An invented word of letters only (a longer word: 4+ characters)."""
    return prefix + LETTERS[i % 26] + LETTERS[i // 26 % 26] + LETTERS[i // 676 % 26]


def text(seed: int, *pools: list[str]) -> str:
    """The words of ``pools`` in an order of their own: stories that share words, not wording."""
    ws = [w for pool in pools for w in pool]
    random.Random(seed).shuffle(ws)
    return " ".join(ws)


#: Words every background story holds: two pools of a language's common words.
COMMON_A = [word("plain", i) for i in range(40)]
COMMON_B = [word("usual", i) for i in range(40)]


def store(session, article, url, body, published):
    art = article(url, body, title="Report", fetched_at=DAY + dt.timedelta(days=60))
    art.record.published_at = published
    out = store_page(session, art.page, art.record, source="ingest")
    session.commit()
    return out


def background(session, article, n=12):
    """``n`` stories a month earlier (outside the event window), each with both common pools."""
    for k in range(n):
        own = [word(f"bg{LETTERS[k]}", i) for i in range(20)]
        out = store(session, article, f"https://archive.example/{k}", text(k, COMMON_A, COMMON_B, own),
                    DAY - dt.timedelta(days=30))
        assert out.created_story


def events(session) -> dict[str, int]:
    return dict(session.execute(select(Story.key, Story.event_id)).all())


def stored_counts(session) -> dict[int, int]:
    return dict(session.execute(select(WordCount.hash, WordCount.stories)).all())


@pytest.fixture
def small_store(monkeypatch):
    """Counting after every story, weights usable from 10 stories counted."""
    monkeypatch.setattr(counting, "FOLD_EVERY", 1)
    monkeypatch.setattr(words, "MIN_COUNTED_STORIES", 10)


@pytest.mark.parametrize("weighted", [True, False])
def test_stories_sharing_only_common_words_are_one_event_only_without_weights(
        db_session, article, small_store, monkeypatch, weighted):
    if not weighted:  # too few stories counted: the plain Jaccard decides
        monkeypatch.setattr(words, "MIN_COUNTED_STORIES", 10**6)
    background(db_session, article)
    first = store(db_session, article, "https://one.example/a",
                  text(100, COMMON_A[:30], [word("firsty", i) for i in range(30)]), DAY)
    second = store(db_session, article, "https://two.example/b",
                   text(200, COMMON_A[:30], [word("second", i) for i in range(30)]), DAY)
    assert first.created_story and second.created_story
    event_of = events(db_session)
    assert (event_of[first.story_key] == event_of[second.story_key]) == (not weighted)


@pytest.mark.parametrize("weighted", [True, False])
def test_reports_sharing_rare_words_are_one_event_only_with_weights(
        db_session, article, small_store, monkeypatch, weighted):
    if not weighted:
        monkeypatch.setattr(words, "MIN_COUNTED_STORIES", 10**6)
    background(db_session, article)
    shared = [word("quay", i) for i in range(20)]  # the event's names, places, figures
    wire = store(db_session, article, "https://wire.example/a",
                 text(300, COMMON_A, shared, [word("wireown", i) for i in range(10)]), DAY)
    report = store(db_session, article, "https://paper.example/b",
                   text(400, COMMON_B, shared, [word("paperown", i) for i in range(10)]),
                   DAY + dt.timedelta(days=1))
    assert wire.created_story and report.created_story
    event_of = events(db_session)
    assert (event_of[wire.story_key] == event_of[report.story_key]) == weighted


@pytest.mark.parametrize("days_later", [1, 30])
def test_reports_sharing_no_word_band_are_found_by_their_rare_words(
        db_session, article, small_store, monkeypatch, days_later):
    # As if the two word signatures shared no band (at a Jaccard of 0.12 two times in five):
    # the stored report is found by the rare words both hold, within the event window only.
    monkeypatch.setattr(matching, "word_band_hits", lambda *args, **kwargs: [])
    monkeypatch.setattr(matching, "band_candidates", lambda *args, **kwargs: [])
    background(db_session, article)
    shared = [word("quay", i) for i in range(20)]
    wire = store(db_session, article, "https://wire.example/a",
                 text(300, COMMON_A, shared, [word("wireown", i) for i in range(10)]), DAY)
    report = store(db_session, article, "https://paper.example/b",
                   text(400, COMMON_B, shared, [word("paperown", i) for i in range(10)]),
                   DAY + dt.timedelta(days=days_later))
    assert wire.created_story and report.created_story
    event_of = events(db_session)
    assert (event_of[wire.story_key] == event_of[report.story_key]) == (days_later <= 3)


@pytest.mark.parametrize("wire_dated, report_dated", [(True, True), (True, False), (False, True), (False, False)])
def test_two_rare_words_join_an_event_only_when_both_stories_state_a_date(
        db_session, article, small_store, monkeypatch, wire_dated, report_dated):
    # Two pages downloaded by a crawl on one day share a subject's vocabulary (words some of
    # the stories hold) and two words no other story holds, at a cosine under the threshold: one
    # event by the rare-word way only when both pages say when they were published, as a
    # download day says when the pages were looked at, not when what they tell happened.
    monkeypatch.setattr(words, "RARE_WORD_WEIGHT", 1.5)  # rare among the few stories counted here
    subject = [word("topic", i) for i in range(30)]
    for k in range(12):
        own = [word(f"bg{LETTERS[k]}", i) for i in range(20)]
        store(db_session, article, f"https://archive.example/{k}",
              text(k, COMMON_A, COMMON_B, own, subject if k < 4 else []), DAY - dt.timedelta(days=30))
    rare = [word("quay", i) for i in range(2)]

    def crawled(url, body, dated):
        art = article(url, body, title="Guide", fetched_at=DAY)
        art.record.published_at = DAY if dated else None
        out = store_page(db_session, art.page, art.record, source="crawl")
        db_session.commit()
        return out

    wire_body = text(300, COMMON_A, subject, rare, [word("wireown", i) for i in range(20)])
    report_body = text(400, COMMON_B, subject, rare, [word("paperown", i) for i in range(20)])
    wire = crawled("https://wire.example/a", wire_body, wire_dated)
    mine, theirs = (frozenset(words.word_set_hashes(b).tolist()) for b in (report_body, wire_body))
    counts = counting.word_counts(db_session, mine | theirs)
    cosine = words.weighted_word_cosine(mine, theirs, counts)
    assert words.SAME_EVENT_RARE_COSINE <= cosine < words.SAME_EVENT_WEIGHTED
    assert words.rare_shared_words(mine, theirs, counts) == 2
    report = crawled("https://paper.example/b", report_body, report_dated)
    assert wire.created_story and report.created_story
    event_of = events(db_session)
    assert (event_of[wire.story_key] == event_of[report.story_key]) == (wire_dated and report_dated)


def test_words_are_counted_in_batches_and_rebuilt_from_the_word_sets(db_engine, db_session, article,
                                                                     monkeypatch):
    monkeypatch.setattr(counting, "FOLD_EVERY", 5)
    background(db_session, article, n=12)
    # Stories 1..5 and 6..10 counted by the fifth and tenth; 11 and 12 wait for the next batch.
    assert counting.stories_counted(db_session) == 10
    kept = {sid: set(np.frombuffer(ws, dtype="<u4").tolist()) for sid, ws in db_session.execute(
        select(StoryFeatures.story_id, StoryFeatures.word_set)).all()}
    first_ten = sorted(kept)[:10]
    expected = Counter(h for sid in first_ten for h in kept[sid])
    got = stored_counts(db_session)
    assert got.pop(STORIES_COUNTED) == 10 and got.pop(COUNTED_THROUGH) == first_ten[-1]
    assert got == dict(expected)
    looked_up = counting.word_counts(db_session, list(expected)[:3] + [7])
    assert looked_up.stories == 10 and looked_up.counts == {h: expected[h] for h in list(expected)[:3]}

    # The backfill rebuilds the table when it disagrees with the word sets (here: 12 stored).
    assert backfill_features(sessionmaker(db_engine)).words_counted == 12
    db_session.expire_all()
    got = stored_counts(db_session)
    assert got.pop(STORIES_COUNTED) == 12 and got.pop(COUNTED_THROUGH) == max(kept)
    assert got == dict(Counter(h for ws in kept.values() for h in ws))
    assert backfill_features(sessionmaker(db_engine)).words_counted == 0  # agrees now
    # A store whose words were never counted (stored before revision 0017) is counted too.
    db_session.execute(delete(WordCount))
    db_session.commit()
    assert backfill_features(sessionmaker(db_engine)).words_counted == 12


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_writer_that_finds_another_counting_does_not_wait_on_postgres(db_engine, article, monkeypatch):
    from sqlalchemy.orm import Session

    monkeypatch.setattr(counting, "FOLD_EVERY", 1000)  # nothing counted while they are stored
    with Session(db_engine, expire_on_commit=False) as session:
        background(session, article, n=2)
    first = Session(db_engine, expire_on_commit=False)
    try:
        assert counting.fold_word_counts(first, 2, every=2) == 2  # its batch, not committed yet
        with Session(db_engine, expire_on_commit=False) as other:
            other.connection().exec_driver_sql("SET lock_timeout = '5s'")
            # The batch is due for this writer too, but it is being counted: left, no wait.
            assert counting.fold_word_counts(other, 2, every=2) == 0
            other.commit()
        first.commit()
    finally:
        first.close()
    with Session(db_engine) as session:
        assert counting.stories_counted(session) == 2
        assert counting.fold_word_counts(session, 2, every=2) == 0  # counted: not due again


def test_counts_looked_up_by_many_words_in_several_statements(db_session, monkeypatch):
    # The document frequencies of a text's hundreds of words: one array on PostgreSQL, bound
    # statements of at most so many words on SQLite; every row found once, missing words absent.
    db_session.execute(delete(WordCount))
    rows = [WordCount(hash=h, stories=h % 7 + 1) for h in range(1000, 1300, 3)]
    rows.append(WordCount(hash=STORIES_COUNTED, stories=40))
    db_session.add_all(rows)
    db_session.flush()
    monkeypatch.setattr(counting, "_SQLITE_KEYS_A_STATEMENT", 7)
    wanted = list(range(990, 1310))  # stored ones, and words no story holds
    got = counting.word_counts(db_session, wanted + wanted[:5])
    assert got.stories == 40
    assert got.counts == {h: h % 7 + 1 for h in range(1000, 1300, 3)}
    assert counting.word_counts(db_session, []).counts == {}
