"""Concurrent writers: placement locks, retries, no duplicate stories, consistent bands.

Each test runs on SQLite and on the real PostgreSQL server. Threads stand in for processes
here (each with its own connection, so the database sees independent sessions); the
multi-process tests are in tests/e2e/test_scale_out.py.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from newscrawl.stages.fingerprint import BAND_COUNT
from newscrawl.store import Site, Story, StoryBand, Version, store_page
from newscrawl.store.concurrency import (
    is_retryable,
    is_unavailable,
    placement_lock_keys,
    run_transaction,
)
from newscrawl.store.db import DatabaseUnavailable

from evaluation.articles import TRAM, TRAM_EDITED, VINEYARD


def count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_lock_keys_cover_bands_text_and_url(article):
    a = article("http://a.example/tram", TRAM)
    b = article("http://b.example/tram", TRAM)  # the same text elsewhere: same band keys
    keys_a = placement_lock_keys(a.record.fingerprint, a.page.url)
    keys_b = placement_lock_keys(b.record.fingerprint, b.page.url)
    assert keys_a == sorted(keys_a) and len(keys_a) >= 2
    assert len(set(keys_a) & set(keys_b)) == len(keys_a) - 1  # all but the URL's
    other = article("http://a.example/vineyard", VINEYARD)
    # An unrelated text at another URL shares (almost surely) no key.
    assert not set(keys_a) & set(placement_lock_keys(other.record.fingerprint, other.page.url))


def test_a_copy_waits_for_the_story_being_stored_and_joins_it(db_engine, article):
    """The race the locks exist for: the second writer must see the first one's story."""
    first = Session(db_engine, expire_on_commit=False)
    original = article("http://a.example/tram", TRAM)
    copy = article("http://b.example/tram-copy", TRAM_EDITED)
    out_first = store_page(first, original.page, original.record)  # locks held, not committed
    result: dict = {}

    def second_writer() -> None:
        with Session(db_engine, expire_on_commit=False) as session:
            result["outcome"] = store_page(session, copy.page, copy.record)
            session.commit()
            result["done_at"] = time.monotonic()

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join(timeout=1.0)
    assert thread.is_alive(), "the copy was placed while the original's story was uncommitted"
    committed_at = time.monotonic()
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert result["done_at"] >= committed_at
    assert result["outcome"].story_key == out_first.story_key
    assert result["outcome"].outcome == "stored_new_version"
    with Session(db_engine) as session:
        assert count(session, Story) == 1
        assert count(session, Version) == 2


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_unrelated_stories_are_stored_in_parallel_on_postgres(db_engine, article):
    first = Session(db_engine, expire_on_commit=False)
    tram = article("http://a.example/tram", TRAM)
    vineyard = article("http://b.example/vineyard", VINEYARD)
    store_page(first, tram.page, tram.record)  # holds the tram's locks
    try:
        with Session(db_engine, expire_on_commit=False) as session:
            # Would wait forever (and fail the timeout) if all stores shared one lock.
            session.connection().exec_driver_sql("SET lock_timeout = '5s'")
            outcome = store_page(session, vineyard.page, vineyard.record)
            session.commit()
        assert outcome.outcome == "stored_new_story"
    finally:
        first.commit()
        first.close()


def _race(make_session, pages, writers: int) -> list:
    """``writers`` threads store all ``pages`` (each its own order), released at one moment."""
    barrier = threading.Barrier(writers)
    outcomes: list = []
    errors: list = []

    def writer(n: int) -> None:
        order = pages[n % len(pages):] + pages[:n % len(pages)]
        barrier.wait()
        try:
            for art in order:
                outcomes.append(run_transaction(
                    make_session, lambda s, art=art: store_page(s, art.page, art.record)))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return outcomes


def test_writers_racing_on_copies_store_each_story_once(db_engine, article):
    make_session = sessionmaker(bind=db_engine, expire_on_commit=False)
    # Two stories, each with copies on several sites (exact and edited), stored by four writers
    # at once, each writer storing every page.
    pages = [article(f"http://site{n}.example/tram", TRAM if n % 2 else TRAM_EDITED)
             for n in range(4)]
    pages += [article(f"http://site{n}.example/vineyard", VINEYARD,
                      title="Vineyard harvest") for n in range(3)]
    outcomes = _race(make_session, pages, writers=4)
    assert len(outcomes) == 4 * len(pages)
    kinds = [o.outcome for o in outcomes]
    assert kinds.count("stored_new_story") == 2
    assert kinds.count("stored_new_version") == len(pages) - 2
    assert kinds.count("unchanged") == 3 * len(pages)
    with make_session() as session:
        assert count(session, Story) == 2
        assert count(session, Version) == len(pages)
        assert count(session, Site) == 4
        # The band index holds exactly the first version's bands of each story, once.
        assert count(session, StoryBand) == 2 * BAND_COUNT
        stories = session.execute(select(Story)).scalars().all()
        for story in stories:
            canonical = session.get(Version, story.canonical_version_id)
            fp = next(p.record.fingerprint for p in pages
                      if p.record.fingerprint.body_hash == canonical.body_hash)
            bands = session.execute(select(StoryBand.band, StoryBand.hash)
                                    .where(StoryBand.story_id == story.id)).all()
            assert sorted(bands) == sorted(enumerate(fp.bands))
        # Copies of one story stayed together, the two stories apart.
        slugs: dict[int, set[str]] = {}
        for url, story_id in session.execute(select(Version.url, Version.story_id)):
            slugs.setdefault(story_id, set()).add(url.rsplit("/", 1)[1])
        assert sorted(map(sorted, slugs.values())) == [["tram"], ["vineyard"]]


def test_run_transaction_retries_a_unique_violation_then_succeeds(db_engine):
    make_session = sessionmaker(bind=db_engine, expire_on_commit=False)
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    with make_session() as session:
        session.add(Site(host="taken.example", first_seen_at=now))
        session.commit()
    attempts = []
    retried = []

    def work(session):
        attempts.append(1)
        if len(attempts) == 1:  # as if another process had inserted the row a moment before
            session.add(Site(host="taken.example", first_seen_at=now))
            session.flush()
        session.add(Site(host="fresh.example", first_seen_at=now))
        session.flush()
        return "ok"

    assert run_transaction(make_session, work, on_retry=retried.append) == "ok"
    assert len(attempts) == 2 and len(retried) == 1 and is_retryable(retried[0])
    with make_session() as session:
        assert count(session, Site) == 2


def test_run_transaction_does_not_retry_other_errors(db_engine):
    make_session = sessionmaker(bind=db_engine, expire_on_commit=False)
    attempts = []

    def work(session):
        attempts.append(1)
        session.connection().exec_driver_sql("SELECT * FROM no_such_table")

    with pytest.raises(Exception) as caught:
        run_transaction(make_session, work)
    assert len(attempts) == 1
    assert not is_retryable(caught.value) and not is_unavailable(caught.value)


def test_unavailable_is_told_from_busy():
    from newscrawl.store.db import make_engine

    assert is_unavailable(DatabaseUnavailable("postgresql://x@h/db", OSError("refused")))
    # Nothing listens on port 9 (discard) of 127.0.0.1 in a test environment.
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/test")
    with pytest.raises(OperationalError) as caught:
        engine.connect()
    engine.dispose()
    assert is_unavailable(caught.value) and not is_retryable(caught.value)
    unique = IntegrityError("INSERT", {}, _Orig("UNIQUE constraint failed: sites.host"))
    assert is_retryable(unique) and not is_unavailable(unique)


class _Orig(Exception):
    __module__ = "sqlite3"


def test_processes_opening_a_new_database_at_once_migrate_it_once(database_url):
    """N crawlers started together against an empty database: one migrates, the others wait."""
    from sqlalchemy import inspect

    from newscrawl.store.db import make_engine, upgrade

    engines = [make_engine(database_url) for _ in range(3)]
    barrier = threading.Barrier(len(engines))
    errors: list = []

    def migrate(engine) -> None:
        barrier.wait()
        try:
            upgrade(engine)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=migrate, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert "versions" in inspect(engines[0]).get_table_names()
    for engine in engines:
        engine.dispose()
