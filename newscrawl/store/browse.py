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

import re
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, Integer, bindparam, false, func, or_, select, text
from sqlalchemy.orm import Session

from newscrawl.store.models import Event, Site, Story, Version, utc
from newscrawl.store.queries import (
    StoryDetail,
    StorySummary,
    VersionSummary,
    site_host,
    story_merges,
    version_summary,
)


#: The expression PostgreSQL's search index (``ix_versions_search``, migration 0013) is on,
#: written the same way: an expression index serves only its own expression.
PG_SEARCH_VECTOR = ("to_tsvector('simple'::regconfig, left(coalesce(versions.title, '') || ' ' || "
                    "versions.body, 250000))")

#: Whether an engine's SQLite database has the FTS5 table (a build without FTS5 has none).
_has_fts: WeakKeyDictionary[Engine, bool] = WeakKeyDictionary()


def _sqlite_fts(session: Session) -> bool:
    engine = session.get_bind()
    found = _has_fts.get(engine)
    if found is None:
        # On the driver's connection: a look at the schema, not one of the page's queries (the
        # web view lists those it ran).
        raw = engine.raw_connection()
        try:
            found = raw.cursor().execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                         "AND name = 'versions_fts'").fetchone() is not None
        finally:
            raw.close()
        _has_fts[engine] = found
    return found


def _stories_with_word(session: Session, word: str):
    """The ids of the stories with a version whose title or text holds ``word``: whole words,
    case folded, letters and digits (what both databases' search indexes split texts into; a
    word of several, like ``3.5`` or ``e-mail``, wants all of them). A word with neither a letter
    nor a digit finds nothing."""
    if not _WORD_CHAR.search(word):
        return select(Version.story_id).where(false())
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # OFFSET 0 keeps the subquery whole: PostgreSQL then runs it once through the search
        # index and hashes its stories. Flattened into a semi-join it may walk the stories in
        # spread order and compute each version's tsvector again, seconds for a common word.
        return select(Version.story_id).where(
            text(f"{PG_SEARCH_VECTOR} @@ plainto_tsquery('simple'::regconfig, :word)")
            .bindparams(bindparam("word", word, unique=True))).offset(0)
    if dialect == "sqlite" and _sqlite_fts(session):
        # A phrase: the word's letters-and-digits runs in a row, any FTS5 syntax in it quoted.
        phrase = '"' + word.replace('"', '""') + '"'
        # The rowid carries the story id in its high 32 bits (migration 0013): no version row read.
        return (text("SELECT rowid >> 32 FROM versions_fts WHERE versions_fts MATCH :phrase")
                .bindparams(bindparam("phrase", phrase, unique=True)).columns(story_id=Integer))
    # No search index (SQLite without FTS5): a substring of the title or text.
    return select(Version.story_id).where(or_(Version.title.icontains(word, autoescape=True),
                                              Version.body.icontains(word, autoescape=True)))


_WORD_CHAR = re.compile(r"[^\W_]")


def search_stories(session: Session, *, words: list[str] | tuple[str, ...] = (), site: str | None = None,
                   language: str | None = None, since: dt.datetime | None = None,
                   until: dt.datetime | None = None, min_sites: int | None = None,
                   limit: int = 50, offset: int = 0) -> list[StorySummary]:
    """Stories sorted by spread (most sites first, then most versions, then newest).

    ``words``: every word in the title or body of some version of the story (see
    :func:`_stories_with_word`); ``site``: a version on that host; ``language``: the story's
    language; ``since``/``until``: first seen in [since, until); ``min_sites``: carried by at
    least that many sites. The order is the index ``ix_stories_spread`` read backwards, the
    counts the story's own columns: a page costs its rows, not the store's."""
    stmt = (
        select(Story.key, Story.title, Story.language, Story.version_count, Story.site_count,
               Story.first_seen_at)
        .order_by(Story.site_count.desc(), Story.version_count.desc(), Story.first_seen_at.desc(),
                  Story.id.desc())
        .limit(limit).offset(offset)
    )
    for word in words:
        stmt = stmt.where(Story.id.in_(_stories_with_word(session, word)))
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
        stmt = stmt.where(Story.site_count >= min_sites)
    return [StorySummary(key, title, lang, int(vc), int(sc), seen)
            for key, title, lang, vc, sc, seen in session.execute(stmt)]


@dataclass(frozen=True, slots=True)
class StoryPage:
    """A story with one page of its versions (numbered in the story's order), its counts, and
    the two versions compared (``a``, ``b``: loaded with their texts, wherever they are)."""

    story: StoryDetail
    version_count: int
    site_count: int
    a: VersionSummary
    b: VersionSummary
    a_text: str
    b_text: str
    #: More stories of its event than ``story.same_event`` lists.
    more_same_event: bool


#: What a version's summary shows (its text left out).
_SUMMARY_COLUMNS = (Version.id, Version.url, Version.title, Version.language, Version.published_at,
                    Version.first_fetched_at, Version.last_fetched_at, Version.fetch_count, Version.body_hash,
                    Version.repairs, Version.derivation, Version.similarity, Version.chrome_languages,
                    Version.encoding, Version.encoding_source, Version.encoding_conflict)

#: Other stories of the event a story page names; the event's page lists them all.
SAME_EVENT_SHOWN = 20


def story_page(session: Session, key: str, *, limit: int = 50, offset: int = 0,
               a: int | None = None, b: int | None = None) -> StoryPage | None:
    """The story ``key`` with ``limit`` of its versions from ``offset``, and its versions ``a``
    and ``b`` (default: its first and its latest). None if there is no such story; KeyError
    naming the id if ``a`` or ``b`` is not one of its versions."""
    story = session.execute(select(Story).where(Story.key == key)).scalar_one_or_none()
    if story is None:
        return None
    # The page's ids first, from the index alone; then those rows, without their texts.
    page_ids = (select(Version.id).where(Version.story_id == story.id).order_by(Version.id)
                .limit(limit).offset(offset).scalar_subquery())
    rows = session.execute(
        select(*_SUMMARY_COLUMNS, Site.host.label("host")).join(Site, Site.id == Version.site_id)
        .where(Version.id.in_(page_ids)).order_by(Version.id)).all()
    versions = [version_summary(row, row.host, n, story.canonical_version_id)
                for n, row in enumerate(rows, start=offset + 1)]
    if a is None or b is None:
        # Grouped: PostgreSQL would otherwise answer min/max by walking the primary key until
        # it meets the story's versions, instead of reading the story's index entries.
        lowest, highest = session.execute(select(func.min(Version.id), func.max(Version.id))
                                          .where(Version.story_id == story.id)
                                          .group_by(Version.story_id)).one()
        a = a if a is not None else story.canonical_version_id or lowest
        b = b if b is not None else highest
    pair = {v.id: (v, host) for v, host in session.execute(
        select(Version, Site.host).join(Site, Site.id == Version.site_id)
        .where(Version.story_id == story.id, Version.id.in_([a, b])))}
    for wanted in (a, b):
        if wanted not in pair:
            raise KeyError(wanted)
    same_event = [] if story.event_id is None else [tuple(row) for row in session.execute(
        select(Story.key, Story.title).where(Story.event_id == story.event_id, Story.id != story.id)
        .order_by(Story.first_seen_at, Story.id).limit(SAME_EVENT_SHOWN + 1))]
    detail = StoryDetail(story.key, story.title, story.language, story.first_seen_at,
                         story.canonical_version_id, versions, story_merges(session, story.id),
                         story.event_id, same_event[:SAME_EVENT_SHOWN])

    def summary(version_id: int) -> VersionSummary:
        v, host = pair[version_id]
        return version_summary(v, host, 0, story.canonical_version_id)

    return StoryPage(detail, story.version_count, story.site_count, summary(a), summary(b),
                     pair[a][0].body, pair[b][0].body, len(same_event) > SAME_EVENT_SHOWN)


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
        select(Story.key, Story.title, Story.language, Story.version_count, Story.site_count,
               Story.first_seen_at, Story.published_at)
        .where(Story.event_id == event_id)
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


def site_statistics(session: Session, *, limit: int = 50, offset: int = 0) -> list[SiteStatistics]:
    """Sites by the number of copies (versions) they carry, most first: the counts are the
    sites' own columns (kept by triggers, migration 0013), the median delays computed for the
    page's sites only."""
    rows = session.execute(
        select(Site.id, Site.host, Site.name, Site.copies, Site.stories_originated, Site.foreign_chrome,
               Site.mojibake, Site.wrong_charset)
        .where(Site.copies > 0).order_by(Site.copies.desc(), Site.host).limit(limit).offset(offset)).all()
    delays = _median_delays(session, [row[0] for row in rows])
    return [SiteStatistics(host, name, int(n), int(originated), int(chrome), int(moji), int(wrong),
                           delays.get(site_id))
            for site_id, host, name, n, originated, chrome, moji, wrong in rows]


def _median_delays(session: Session, site_ids: list[int]) -> dict[int, dt.timedelta]:
    """Per site, the median of how long after each story's first copy the site's own copy was
    first downloaded (its stories' first copies left out). The database ranks the delays and
    returns only the middle one or two of each site; the median (the mean of two middle ones,
    as :func:`statistics.median` takes it) is computed here from the two timestamps, so both
    databases give the same value (SQLite has no median; PostgreSQL's percentile_cont would
    differ in its last digits)."""
    if not site_ids:
        return {}
    # The story's first_seen_at is its first version's first download (both are the time the
    # story was stored at): read from the story's row, not from that version's.
    if session.get_bind().dialect.name == "sqlite":
        delay = func.julianday(Version.first_fetched_at) - func.julianday(Story.first_seen_at)
    else:
        delay = Version.first_fetched_at - Story.first_seen_at
    ranked = (
        select(Version.site_id.label("site_id"), Version.first_fetched_at.label("fetched"),
               Story.first_seen_at.label("first_fetched"),
               func.row_number().over(partition_by=Version.site_id, order_by=(delay, Version.id)).label("n"),
               func.count().over(partition_by=Version.site_id).label("total"))
        .join(Story, Story.id == Version.story_id)
        .where(Version.site_id.in_(site_ids), Version.id != Story.canonical_version_id)
        .subquery())
    middle = session.execute(
        select(ranked.c.site_id, ranked.c.fetched, ranked.c.first_fetched)
        .where(or_(ranked.c.n == (ranked.c.total + 1) // 2, ranked.c.n == (ranked.c.total + 2) // 2)))
    found: dict[int, list[dt.timedelta]] = {}
    for site_id, fetched, first_fetched in middle:
        found.setdefault(site_id, []).append(utc(fetched) - utc(first_fetched))
    return {site_id: statistics.median(values) for site_id, values in found.items()}


__all__ = ["PG_SEARCH_VECTOR", "SAME_EVENT_SHOWN", "EventStory", "EventTimeline", "SiteStatistics", "StoryPage",
           "event_timeline", "search_stories", "site_statistics", "story_page"]
