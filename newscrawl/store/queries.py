"""Reading the store: story lists, one story with its versions and merges, two versions' texts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from newscrawl.store.models import Event, Site, Story, StoryMerge, Version


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
    derivation: str | None = None
    similarity: float | None = None
    number: int = 0  # 1 = the first version of the story


@dataclass(frozen=True, slots=True)
class MergeSummary:
    """Another story that a copy proved to be this one (see newscrawl.store.matching)."""

    other_key: str
    evidence_version_id: int
    similarity: float
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StoryDetail:
    key: str
    title: str | None
    language: str | None
    first_seen_at: dt.datetime
    canonical_version_id: int | None
    versions: list[VersionSummary] = field(default_factory=list)
    merged_with: list[MergeSummary] = field(default_factory=list)
    event_id: int | None = None
    #: (key, title) of the other stories (other texts) that report the same event.
    same_event: list[tuple[str, str | None]] = field(default_factory=list)

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
            derivation=v.derivation, similarity=v.similarity, number=n,
        )
        for n, (v, host) in enumerate(rows, start=1)
    ]
    same_event = [] if story.event_id is None else [tuple(row) for row in session.execute(
        select(Story.key, Story.title).where(Story.event_id == story.event_id, Story.id != story.id)
        .order_by(Story.first_seen_at, Story.id))]
    return StoryDetail(story.key, story.title, story.language, story.first_seen_at,
                       story.canonical_version_id, versions, story_merges(session, story.id),
                       story.event_id, same_event)


def story_merges(session: Session, story_id: int) -> list[MergeSummary]:
    """The stories recorded as one with ``story_id`` (either side of the pair), oldest first."""
    other = aliased(Story)
    out = []
    for other_side, this_side in ((StoryMerge.merged_story_id, StoryMerge.story_id),
                                  (StoryMerge.story_id, StoryMerge.merged_story_id)):
        rows = session.execute(
            select(other.key, StoryMerge.evidence_version_id, StoryMerge.similarity,
                   StoryMerge.recorded_at)
            .join(other, other.id == other_side)
            .where(this_side == story_id)
        )
        out.extend(MergeSummary(*row) for row in rows)
    return sorted(out, key=lambda m: (m.recorded_at, m.other_key))


@dataclass(frozen=True, slots=True)
class EventSummary:
    """An event and the stories (different texts) reporting it, oldest first."""

    id: int
    title: str | None
    first_seen_at: dt.datetime
    stories: list[StorySummary]
    site_count: int


def list_events(session: Session, *, min_stories: int = 2) -> list[EventSummary]:
    """Events reported by at least ``min_stories`` stories, oldest first, with their stories."""
    counts = (select(Story.event_id, func.count().label("n")).where(Story.event_id.is_not(None))
              .group_by(Story.event_id).having(func.count() >= min_stories).subquery())
    events = session.execute(
        select(Event).join(counts, counts.c.event_id == Event.id).order_by(Event.first_seen_at, Event.id)
    ).scalars().all()
    out = []
    for event in events:
        rows = session.execute(
            select(Story.key, Story.title, Story.language, func.count(Version.id),
                   func.count(func.distinct(Version.site_id)), Story.first_seen_at)
            .outerjoin(Version, Version.story_id == Story.id)
            .where(Story.event_id == event.id)
            .group_by(Story.id, Story.key, Story.title, Story.language, Story.first_seen_at)
            .order_by(Story.first_seen_at, Story.id)).all()
        sites = session.execute(
            select(func.count(func.distinct(Version.site_id)))
            .join(Story, Story.id == Version.story_id).where(Story.event_id == event.id)).scalar_one()
        out.append(EventSummary(event.id, event.title, event.first_seen_at,
                                [StorySummary(k, t, lang, int(vc), int(sc), seen) for k, t, lang, vc, sc, seen in rows],
                                int(sites)))
    return out


def version_texts(session: Session, key: str, version_ids: list[int]) -> dict[int, Version]:
    """The versions ``version_ids`` of the story ``key`` (ids of other stories are left out)."""
    rows = session.execute(
        select(Version).join(Story, Story.id == Version.story_id)
        .where(Story.key == key, Version.id.in_(version_ids))
    ).scalars()
    return {v.id: v for v in rows}


__all__ = ["EventSummary", "MergeSummary", "StoryDetail", "StorySummary", "VersionSummary", "list_events",
           "list_stories", "story_detail", "story_merges", "version_texts"]
