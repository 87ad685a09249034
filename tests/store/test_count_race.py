"""The kept site count under concurrent writers on PostgreSQL: two transactions storing the
first two versions of one story on one site at the same moment count that site once.

SQLite has one writer at a time, so the race exists only on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newscrawl.store import store_page
from newscrawl.store.models import Site, Story, Version

from evaluation.articles import TRAM, VINEYARD


def _copy_of(version: Version, site_id: int, suffix: str) -> Version:
    """A new version row like ``version`` (same story and text) at another URL on ``site_id``."""
    columns = {c.key: getattr(version, c.key) for c in Version.__table__.columns if c.key != "id"}
    columns.update(site_id=site_id, url=f"{version.url}-{suffix}",
                   url_hash=(version.url_hash or "")[:-len(suffix)] + suffix)
    return Version(**columns)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_first_versions_on_one_site_at_once_count_the_site_once(db_engine, article):
    with Session(db_engine, expire_on_commit=False) as setup:
        tram = article("http://first.example/tram", TRAM)
        store_page(setup, tram.page, tram.record)
        other = article("http://second.example/vineyard", VINEYARD)  # the site exists already
        store_page(setup, other.page, other.record)
        setup.commit()
        original = setup.execute(select(Version).where(Version.url == "http://first.example/tram")).scalar_one()
        second_site = setup.execute(select(Site.id).where(Site.host == "second.example")).scalar_one()

    first = Session(db_engine)
    first.add(_copy_of(original, second_site, "a1"))
    first.flush()  # the count trigger has run; this transaction holds the story's row
    errors: list[BaseException] = []

    def second_writer() -> None:
        try:
            with Session(db_engine) as session:
                session.add(_copy_of(original, second_site, "b2"))
                session.commit()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive(), "the second writer should wait for the first one's story row"
    first.commit()
    first.close()
    thread.join(30)
    assert not thread.is_alive() and not errors

    with Session(db_engine) as check:
        kept = check.execute(select(Story.version_count, Story.site_count)
                             .where(Story.id == original.story_id)).one()
        counted = check.execute(select(func.count(Version.id), func.count(func.distinct(Version.site_id)))
                                .where(Version.story_id == original.story_id)).one()
    assert tuple(kept) == tuple(counted) == (3, 2)
