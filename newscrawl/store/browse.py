"""Reading the store page by page, for the web view: stories searched and sorted by spread,
one event's stories on a time axis, and what each site carries.

Every list here is one page (``limit`` rows from ``offset``), never the whole table: the web
view asks for one more row than it shows to know whether a next page exists, so no query counts
a million stories to draw a pager.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from sqlalchemy import Text, case, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from newscrawl.store.models import Event, Site, Story, Version
from newscrawl.store.queries import StorySummary, site_host


def _contains_word(word: str):
    """A version whose title or body holds ``word`` (case-insensitive; ``%`` and ``_`` literal)."""
    return or_(Version.title.icontains(word, autoescape=True), Version.body.icontains(word, autoescape=True))


def search_stories(session: Session, *, words: list[str] | tuple[str, ...] = (), site: str | None = None,
                   language: str | None = None, since: dt.datetime | None = None,
                   until: dt.datetime | None = None, min_sites: int | None = None,
                   limit: int = 50, offset: int = 0) -> list[StorySummary]:
    """Stories sorted by spread (most sites first, then most versions, then newest).

    ``words``: every word in the title or body of some version of the story; ``site``: a version
    on that host; ``language``: the story's language; ``since``/``until``: first seen in
    [since, until); ``min_sites``: carried by at least that many sites."""
    version_count = func.count(Version.id)
    site_count = func.count(func.distinct(Version.site_id))
    stmt = (
        select(Story.key, Story.title, Story.language, version_count, site_count, Story.first_seen_at)
        .join(Version, Version.story_id == Story.id)
        .group_by(Story.id, Story.key, Story.title, Story.language, Story.first_seen_at)
        .order_by(site_count.desc(), version_count.desc(), Story.first_seen_at.desc(), Story.id.desc())
        .limit(limit).offset(offset)
    )
    for word in words:
        stmt = stmt.where(Story.id.in_(select(Version.story_id).where(_contains_word(word))))
    if site:
        stmt = stmt.where(Story.id.in_(select(Version.story_id).join(Site, Site.id == Version.site_id)
                                       .where(Site.host == site_host(site))))
    if language:
        stmt = stmt.where(Story.language == language)
    if since is not None:
        stmt = stmt.where(Story.first_seen_at >= since)
    if until is not None:
        stmt = stmt.where(Story.first_seen_at < until)
    if min_sites:
        stmt = stmt.having(site_count >= min_sites)
    return [StorySummary(key, title, lang, int(vc), int(sc), seen)
            for key, title, lang, vc, sc, seen in session.execute(stmt)]


@dataclass(frozen=True, slots=True)
class EventStory(StorySummary):
    """A story of an event's timeline: a listing's summary and the day it was published."""

    published_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class EventTimeline:
    """One event and a page of its stories (different texts), oldest first."""

    id: int
    title: str | None
    first_seen_at: dt.datetime
    story_count: int
    stories: list[EventStory]


def event_timeline(session: Session, event_id: int, *, limit: int = 100, offset: int = 0) -> EventTimeline | None:
    """The event ``event_id`` with ``limit`` of its stories from ``offset``; None if unknown."""
    event = session.get(Event, event_id)
    if event is None:
        return None
    story_count = session.execute(select(func.count()).select_from(Story)
                                  .where(Story.event_id == event_id)).scalar_one()
    rows = session.execute(
        select(Story.key, Story.title, Story.language, func.count(Version.id),
               func.count(func.distinct(Version.site_id)), Story.first_seen_at, Story.published_at)
        .outerjoin(Version, Version.story_id == Story.id)
        .where(Story.event_id == event_id)
        .group_by(Story.id, Story.key, Story.title, Story.language, Story.first_seen_at, Story.published_at)
        .order_by(Story.first_seen_at, Story.id)
        .limit(limit).offset(offset))
    stories = [EventStory(k, t, lang, int(vc), int(sc), seen, published)
               for k, t, lang, vc, sc, seen, published in rows]
    return EventTimeline(event.id, event.title, event.first_seen_at, int(story_count), stories)


@dataclass(frozen=True, slots=True)
class SiteStatistics:
    host: str
    name: str | None
    copies: int
    stories_originated: int
    foreign_chrome: int
    mojibake: int
    wrong_charset: int
    #: Median of (this site's first download of a copy - the story's first copy's), over the
    #: copies that are not a story's first; None when the site has no such copy.
    median_delay: dt.timedelta | None

    @property
    def foreign_chrome_share(self) -> float:
        return self.foreign_chrome / self.copies if self.copies else 0.0


def _count_where(condition):
    """The number of rows of the group for which ``condition`` holds."""
    return func.sum(case((condition, 1), else_=0))


def site_statistics(session: Session, *, limit: int = 50, offset: int = 0) -> list[SiteStatistics]:
    """Sites by the number of copies (versions) they carry, most first."""
    repairs = cast(Version.repairs, Text)
    copies = func.count(Version.id)
    stmt = (
        select(Site.id, Site.host, Site.name, copies,
               _count_where(cast(Version.chrome_languages, Text) != "[]"),
               _count_where(or_(repairs.like("%mojibake%"), repairs.like("%lost_byte%"))),
               _count_where(Version.encoding_conflict.is_not(None)))
        .join(Version, Version.site_id == Site.id)
        .group_by(Site.id, Site.host, Site.name)
        .order_by(copies.desc(), Site.host)
        .limit(limit).offset(offset)
    )
    rows = session.execute(stmt).all()
    site_ids = [row[0] for row in rows]
    # For the page's sites only, each in a query of its own: joined into the aggregate above,
    # SQLite compared every version with every site's row of the subquery.
    originated = dict(session.execute(
        select(Version.site_id, func.count()).join(Story, Story.canonical_version_id == Version.id)
        .where(Version.site_id.in_(site_ids)).group_by(Version.site_id)).all()) if site_ids else {}
    delays = _copy_delays(session, site_ids)
    return [SiteStatistics(host, name, int(n), int(originated.get(site_id, 0)), int(chrome or 0), int(moji or 0),
                           int(wrong or 0), statistics.median(delays[site_id]) if delays.get(site_id) else None)
            for site_id, host, name, n, chrome, moji, wrong in rows]


def _copy_delays(session: Session, site_ids: list[int]) -> dict[int, list[dt.timedelta]]:
    """Per site, how long after each story's first copy the site's own copy was first downloaded.
    The median is taken here: SQLite has no median, and PostgreSQL's percentile_cont would make
    the two databases' pages differ."""
    if not site_ids:
        return {}
    first = aliased(Version)
    rows = session.execute(
        select(Version.site_id, Version.first_fetched_at, first.first_fetched_at)
        .join(Story, Story.id == Version.story_id)
        .join(first, first.id == Story.canonical_version_id)
        .where(Version.site_id.in_(site_ids), Version.id != first.id))
    out: dict[int, list[dt.timedelta]] = {}
    for site_id, fetched, first_fetched in rows:
        out.setdefault(site_id, []).append(fetched - first_fetched)
    return out


__all__ = ["EventStory", "EventTimeline", "SiteStatistics", "event_timeline", "search_stories",
           "site_statistics"]
