"""Reading the store: story lists and one story with its versions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newscrawl.store.models import Site, Story, Version


@dataclass(frozen=True, slots=True)
class StorySummary:
    key: str
    title: str | None
    language: str | None
    version_count: int
    site_count: int
    first_seen_at: dt.datetime


@dataclass(frozen=True, slots=True)
class VersionSummary:
    id: int
    site: str
    url: str
    title: str | None
    language: str | None
    published_at: dt.datetime | None
    first_fetched_at: dt.datetime
    last_fetched_at: dt.datetime
    fetch_count: int
    body_hash: str
    repairs: list[dict[str, Any]]
    is_canonical: bool


@dataclass(frozen=True, slots=True)
class StoryDetail:
    key: str
    title: str | None
    language: str | None
    first_seen_at: dt.datetime
    canonical_version_id: int | None
    versions: list[VersionSummary] = field(default_factory=list)

    @property
    def version_count(self) -> int:
        return len(self.versions)

    @property
    def sites(self) -> list[str]:
        return sorted({v.site for v in self.versions})


def list_stories(session: Session, *, limit: int | None = None,
                 offset: int = 0) -> list[StorySummary]:
    """Every story with its version and site counts, oldest first."""
    version_count = func.count(Version.id)
    site_count = func.count(func.distinct(Version.site_id))
    stmt = (
        select(Story.key, Story.title, Story.language, version_count, site_count,
               Story.first_seen_at)
        .outerjoin(Version, Version.story_id == Story.id)
        .group_by(Story.id, Story.key, Story.title, Story.language, Story.first_seen_at)
        .order_by(Story.first_seen_at, Story.id)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [StorySummary(key, title, language, int(vc), int(sc), first_seen)
            for key, title, language, vc, sc, first_seen in session.execute(stmt)]


def story_detail(session: Session, key: str) -> StoryDetail | None:
    """The story ``key`` and its versions in the order they were stored; None if unknown."""
    story = session.execute(select(Story).where(Story.key == key)).scalar_one_or_none()
    if story is None:
        return None
    rows = session.execute(
        select(Version, Site.host)
        .join(Site, Site.id == Version.site_id)
        .where(Version.story_id == story.id)
        .order_by(Version.id)
    ).all()
    versions = [
        VersionSummary(
            id=v.id, site=host, url=v.url, title=v.title, language=v.language,
            published_at=v.published_at, first_fetched_at=v.first_fetched_at,
            last_fetched_at=v.last_fetched_at, fetch_count=v.fetch_count,
            body_hash=v.body_hash, repairs=list(v.repairs or []),
            is_canonical=v.id == story.canonical_version_id,
        )
        for v, host in rows
    ]
    return StoryDetail(story.key, story.title, story.language, story.first_seen_at,
                       story.canonical_version_id, versions)


__all__ = ["StoryDetail", "StorySummary", "VersionSummary", "list_stories", "story_detail"]
