"""Reading the store: story lists, one story with its versions and merges, two versions' texts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from newscrawl.model import site_of
from newscrawl.store.models import Event, Fetch, RawPage, Site, Story, StoryMerge, Version


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
    chrome_languages: list[str] = field(default_factory=list)
    encoding: str | None = None
    encoding_source: str | None = None
    encoding_conflict: str | None = None


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


def site_host(host: str) -> str:
    """A site as the user names it (``www.example.com``, ``Example.com``) as the store keeps it."""
    return site_of(f"http://{host.strip()}/")


def _on_site(host: str):
    """Stories with a version on the site ``host`` (a condition on Story)."""
    return Story.id.in_(select(Version.story_id).join(Site, Site.id == Version.site_id)
                        .where(Site.host == site_host(host)))


def list_stories(session: Session, *, limit: int | None = None, offset: int = 0,
                 site: str | None = None, since: dt.datetime | None = None) -> list[StorySummary]:
    """Every story with its version and site counts, oldest first; ``site``: only stories with
    a version on that host; ``since``: only stories first seen at or after it."""
    # The counts the database keeps (revision 0013's triggers), not an aggregate over every
    # version: the listing then costs the stories it prints.
    stmt = (
        select(Story.key, Story.title, Story.language, Story.version_count, Story.site_count,
               Story.first_seen_at)
        .order_by(Story.first_seen_at, Story.id)
        .offset(offset)
    )
    if site is not None:
        stmt = stmt.where(_on_site(site))
    if since is not None:
        stmt = stmt.where(Story.first_seen_at >= since)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [StorySummary(key, title, language, int(vc), int(sc), first_seen)
            for key, title, language, vc, sc, first_seen in session.execute(stmt)]


def version_summary(v: Version, host: str, number: int, canonical_version_id: int | None) -> VersionSummary:
    """The summary of the version ``v`` (a Version, or a row of its columns) on the site ``host``,
    the ``number``-th of its story."""
    return VersionSummary(
        id=v.id, site=host, url=v.url, title=v.title, language=v.language,
        published_at=v.published_at, first_fetched_at=v.first_fetched_at,
        last_fetched_at=v.last_fetched_at, fetch_count=v.fetch_count,
        body_hash=v.body_hash, repairs=list(v.repairs or []),
        is_canonical=v.id == canonical_version_id,
        derivation=v.derivation, similarity=v.similarity, number=number,
        chrome_languages=list(v.chrome_languages or []), encoding=v.encoding,
        encoding_source=v.encoding_source, encoding_conflict=v.encoding_conflict,
    )


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
    versions = [version_summary(v, host, n, story.canonical_version_id)
                for n, (v, host) in enumerate(rows, start=1)]
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
    #: The earliest and latest day of its stories (None: none of them had a day).
    first_day: dt.date | None = None
    last_day: dt.date | None = None

    @property
    def span_days(self) -> int | None:
        """Days from its first to its last story's day (0: all of one day)."""
        if self.first_day is None or self.last_day is None:
            return None
        return (self.last_day - self.first_day).days


def list_events(session: Session, *, min_stories: int = 2, limit: int | None = None,
                site: str | None = None, since: dt.datetime | None = None,
                offset: int = 0) -> list[EventSummary]:
    """Events reported by at least ``min_stories`` stories, oldest first, with their stories;
    ``site``: only events with a version on that host; ``since``: only events first seen at or
    after it; ``limit``: the first ``limit`` of them (from the ``offset``-th)."""
    # At least min_stories stories: the min_stories-th exists (an index probe per event, in
    # the order of ix_events_first_seen_at, so a page stops at its last event).
    enough = (select(Story.id).where(Story.event_id == Event.id).order_by(Story.id)
              .limit(1).offset(max(min_stories, 1) - 1).exists())
    stmt = select(Event).where(enough).order_by(Event.first_seen_at, Event.id)
    if site is not None:
        stmt = stmt.where(Event.id.in_(select(Story.event_id).where(_on_site(site))))
    if since is not None:
        stmt = stmt.where(Event.first_seen_at >= since)
    if limit is not None:
        stmt = stmt.limit(limit)
    if offset:
        stmt = stmt.offset(offset)
    events = session.execute(stmt).scalars().all()
    ids = [event.id for event in events]
    stories: dict[int, list[StorySummary]] = {}
    sites: dict[int, int] = {}
    if ids:
        for event_id, *row in session.execute(
                select(Story.event_id, Story.key, Story.title, Story.language, Story.version_count,
                       Story.site_count, Story.first_seen_at)
                .where(Story.event_id.in_(ids)).order_by(Story.event_id, Story.first_seen_at, Story.id)):
            stories.setdefault(event_id, []).append(StorySummary(*row))
        sites = dict(session.execute(
            select(Story.event_id, func.count(func.distinct(Version.site_id)))
            .join(Version, Version.story_id == Story.id).where(Story.event_id.in_(ids))
            .group_by(Story.event_id)).all())
    return [EventSummary(event.id, event.title, event.first_seen_at, stories.get(event.id, []),
                         int(sites.get(event.id, 0)), event.first_day, event.last_day)
            for event in events]


def version_texts(session: Session, key: str, version_ids: list[int]) -> dict[int, Version]:
    """The versions ``version_ids`` of the story ``key`` (ids of other stories are left out)."""
    rows = session.execute(
        select(Version).join(Story, Story.id == Version.story_id)
        .where(Story.key == key, Version.id.in_(version_ids))
    ).scalars()
    return {v.id: v for v in rows}


#: The columns of an exported story version, in order (``newscrawl export``).
EXPORT_COLUMNS = (
    "story_key", "version_id", "is_canonical", "derivation", "similarity", "site", "url",
    "canonical_url", "title", "body", "body_hash", "language", "language_confidence",
    "chrome_languages", "encoding", "encoding_source", "encoding_conflict", "published_at",
    "published_source", "modified_at", "modified_source", "authors", "section", "wire",
    "repairs", "first_fetched_at", "last_fetched_at", "fetch_count", "event_id",
)
#: Rows fetched from the database at a time by :func:`iter_export_rows`.
EXPORT_BATCH = 500


def _export_filters(stmt, *, site: str | None, since: dt.datetime | None):
    if site is not None:
        stmt = stmt.where(Site.host == site_host(site))
    if since is not None:
        stmt = stmt.where(Version.first_fetched_at >= since)
    return stmt


def count_export_rows(session: Session, *, site: str | None = None, since: dt.datetime | None = None,
                      limit: int | None = None) -> int:
    """How many rows :func:`iter_export_rows` gives with the same filters (for a progress line)."""
    stmt = _export_filters(select(func.count(Version.id)).join(Site, Site.id == Version.site_id),
                           site=site, since=since)
    count = session.execute(stmt).scalar_one()
    return count if limit is None else min(count, limit)


def iter_export_rows(session: Session, *, site: str | None = None, since: dt.datetime | None = None,
                     limit: int | None = None, batch: int = EXPORT_BATCH) -> Iterator[dict[str, Any]]:
    """Story versions in the order they were stored, as dicts of :data:`EXPORT_COLUMNS`, read
    ``batch`` rows at a time (a server-side cursor on PostgreSQL), so that an export of any
    size holds one batch in memory. ``site``: versions on that host; ``since``: versions first
    fetched at or after it."""
    stmt = (
        select(Story.key, Version.id, Version.id == Story.canonical_version_id, Version.derivation,
               Version.similarity, Site.host, Version.url, Version.canonical_url, Version.title,
               Version.body, Version.body_hash, Version.language, Version.language_confidence,
               Version.chrome_languages, Version.encoding, Version.encoding_source,
               Version.encoding_conflict, Version.published_at, Version.published_source,
               Version.modified_at, Version.modified_source, Version.authors, Version.section,
               Version.wire, Version.repairs, Version.first_fetched_at, Version.last_fetched_at,
               Version.fetch_count, Story.event_id)
        .join(Story, Story.id == Version.story_id)
        .join(Site, Site.id == Version.site_id)
        .order_by(Version.id)
    )
    stmt = _export_filters(stmt, site=site, since=since)
    if limit is not None:
        stmt = stmt.limit(limit)
    for row in session.execute(stmt.execution_options(yield_per=batch)):
        out = dict(zip(EXPORT_COLUMNS, row))
        out["is_canonical"] = bool(out["is_canonical"])
        yield out


#: Raw pages read at a time by a WARC export (each row holds a page's compressed bytes).
CAPTURE_BATCH = 100


@dataclass(frozen=True, slots=True)
class Capture:
    """A download whose bytes the store kept: its fetch (URL, time, status) and raw page (id,
    compressed bytes, the headers of its first download)."""

    url: str
    fetched_at: dt.datetime
    status: int | None
    raw_page_id: int
    headers: dict[str, str]
    content: bytes


def iter_captures(session: Session, *, site: str | None = None, since: dt.datetime | None = None,
                  limit: int | None = None, batch: int = CAPTURE_BATCH) -> Iterator[Capture]:
    """Every fetch that has raw bytes (not those recorded without their body: a response that
    was not HTML, a truncated WARC record), grouped by raw page (the first fetch of each page's bytes,
    then its later fetches with the same bytes), ``batch`` at a time. ``site``: fetches on that
    host; ``since``: fetched at or after it; ``limit``: at most that many fetches."""
    stmt = (select(Fetch.url, Fetch.fetched_at, Fetch.status, RawPage.id, RawPage.headers,
                   RawPage.content)
            .join(RawPage, RawPage.id == Fetch.raw_page_id)
            # A response recorded without its body (not HTML, truncated...) has empty bytes:
            # not a capture of what was served.
            .where(or_(RawPage.size > 0, Fetch.reason.is_(None)))
            .order_by(RawPage.id, Fetch.fetched_at, Fetch.id))
    if site is not None:
        stmt = stmt.join(Site, Site.id == Fetch.site_id).where(Site.host == site_host(site))
    if since is not None:
        stmt = stmt.where(Fetch.fetched_at >= since)
    if limit is not None:
        stmt = stmt.limit(limit)
    for row in session.execute(stmt.execution_options(yield_per=batch)):
        yield Capture(row[0], row[1], row[2], row[3], dict(row[4] or {}), row[5])


__all__ = ["CAPTURE_BATCH", "Capture", "iter_captures", "EXPORT_BATCH", "EXPORT_COLUMNS", "EventSummary", "count_export_rows", "iter_export_rows", "MergeSummary", "StoryDetail", "StorySummary", "VersionSummary", "list_events", "site_host",
           "list_stories", "story_detail", "story_merges", "version_summary", "version_texts"]
