"""SQLAlchemy models of the store: sites, stories, versions, raw pages and fetches.

A *story* is one piece of news however many times and places it was published; a *version* is
one distinct text of it at one URL (an edit at the same URL, or a copy on another site, is a new
version). Every download is a *fetch*; the raw bytes of every distinct download are kept once in
*raw_pages*. ``story_bands`` indexes the LSH bands of each story's first version so that a new
text finds its candidate stories with a few index probes.

The analysts' view ``story_versions`` is created by the migration (plain SQL), not declared here,
so that autogenerate / ``alembic check`` do not see it as a table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Fetch outcomes (``fetches.outcome``).
OUTCOME_NEW_STORY = "stored_new_story"
OUTCOME_NEW_VERSION = "stored_new_version"
OUTCOME_UNCHANGED = "unchanged"
OUTCOME_SKIPPED = "skipped"
#: A download that produced no page at all (network error, HTTP error): see ``store_fetch_only``.
OUTCOME_FAILED = "failed"
OUTCOMES = (OUTCOME_NEW_STORY, OUTCOME_NEW_VERSION, OUTCOME_UNCHANGED, OUTCOME_SKIPPED,
            OUTCOME_FAILED)


def url_hash(url: str) -> str:
    """The SHA-256 (hex) of a URL: what ``versions`` keeps its uniqueness on, since a b-tree
    index entry has a size limit (PostgreSQL's is about 2.7 KB) and a URL has none."""
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def _url_hash_of_row(context: Any) -> str:
    # Column default: computed from the row's own url when it is inserted, so no writer of
    # versions has to remember it.
    return url_hash(context.get_current_parameters()["url"])


#: Index a URL column by equality without a length limit: a hash index on PostgreSQL (its
#: b-tree refuses entries over about 2.7 KB), an ordinary one on SQLite (which has no limit).
URL_INDEX = {"postgresql_using": "hash"}


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """``TIMESTAMP WITH TIME ZONE``; always returns aware UTC datetimes.

    SQLite has no time zone type: values are stored as naive UTC text and read back as aware
    UTC. On PostgreSQL the value is a ``timestamptz``, converted to UTC on the way out whatever
    the session's ``TimeZone``. Naive datetimes given to it are taken to be UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        value = utc(value)
        if value is not None and dialect.name == "sqlite":
            value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return utc(value)


#: JSON everywhere, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Text, not VARCHAR: page data, which PostgreSQL must not refuse where SQLite stores it
    # (newscrawl.store.sanitize); the same for a version's section and a fetch's source.
    host: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # What the web view's sites page shows, kept by triggers on versions and stories (migration
    # 0013): its versions, the stories whose first version is its, and its versions with foreign
    # chrome, with a mojibake or lost-byte repair, with a wrong declared charset.
    copies: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    stories_originated: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    foreign_chrome: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    mojibake: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    wrong_charset: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class Story(Base):
    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # First 16 hex chars of the first version's body_hash (longer only on a prefix collision).
    # Assigned once, never recomputed: it is the story's public, stable identifier.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    # The first version; new versions are compared with it (never with later ones: no chaining).
    canonical_version_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("versions.id", use_alter=True)
    )
    #: The event this story reports (newscrawl.store.events): stories of other texts that report
    #: the same event share it. NULL for stories stored before events were linked, until
    #: ``newscrawl db backfill`` links them.
    event_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("events.id"), index=True)
    #: The first version's publication date, which events are matched on (with first_seen_at).
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: Its versions, and the distinct sites carrying them: kept by triggers on versions
    #: (migration 0013), so that the stories page sorts by spread from an index.
    version_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    site_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))

    __table_args__ = (Index("ix_stories_spread", "site_count", "version_count", "first_seen_at", "id"),)


class Event(Base):
    """Stories that report one event: different texts (each its own story key) sharing the
    event's names and numbers within days (newscrawl.stages.events).

    An event's id is a grouping, not a published key like a story key: when a later story shows
    two events to be one, the newer is merged into the older and its row deleted."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The title of its first story.
    title: Mapped[str | None] = mapped_column(Text)
    #: Indexed: the events page lists events in this order, a page at a time.
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: The earliest and latest day of its stories (publication date, else first fetch in a
    #: crawl): at most the event window apart (newscrawl.store.events). None: no story of it
    #: had a day (or it was stored before spans were).
    first_day: Mapped[dt.date | None] = mapped_column(Date)
    last_day: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (Index("ix_events_first_seen_at", "first_seen_at", "id"),)


class StoryEventTerm(Base):
    """The event terms (names, numbers) of a story's first version: the index stories of the same
    event are found by."""

    __tablename__ = "story_event_terms"

    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    story_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    #: The story's publication day and first download day (days since 1970-01-01, UTC; None:
    #: no publication date, or read from a file, not downloaded): the index keys a new story's
    #: window is searched by, so that a common name costs only the stories of those days.
    published_day: Mapped[int | None] = mapped_column(Integer)
    seen_day: Mapped[int | None] = mapped_column(Integer)

    # The primary key starts with the story: a new story's terms go in side by side at the
    # end of its b-tree instead of one leaf page apiece all over a term-ordered key, and it
    # serves a story's terms (counts, day updates, cascades) without an index of its own. The
    # look-up by term goes through the two day indexes only. On SQLite WITHOUT ROWID: the key's
    # b-tree is the table, and an index entry holds the story id instead of a rowid; the
    # seen_day index holds published_day too (its look-up keeps the rows without one), so both
    # day look-ups are answered from their index without a search of the table's key.
    __table_args__ = (
        PrimaryKeyConstraint("story_id", "term"),
        Index("ix_story_event_terms_term_published_day", "term", "published_day"),
        Index("ix_story_event_terms_term_seen_day", "term", "seen_day", "published_day"),
        {"sqlite_with_rowid": False},
    )


class _BandTable:
    """A table of a story signature's bands: the primary key starts with (band, hash), the
    candidate lookup's key, and ends with the story.

    No separate (band, hash) index: the primary key's index has it as its prefix and serves the
    candidate lookup. story_id: a story's bands (deleting them, the backfill's per-block
    probes). On SQLite the table is WITHOUT ROWID: the primary key's b-tree is the table,
    instead of a rowid b-tree that nothing reads plus an index holding every row again
    (smaller, lookups as fast: docs/measurements.md)."""

    # sort_order keeps the primary key's columns in this order around a subclass's own ones.
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True, sort_order=-2)
    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True, sort_order=-1)
    story_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True, sort_order=1
    )

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (Index(f"ix_{cls.__tablename__}_story_id", "story_id"),
                {"sqlite_with_rowid": False})


class StoryBand(_BandTable, Base):
    """A band of a story's MinHash signature (newscrawl.stages.fingerprint)."""

    __tablename__ = "story_bands"


class StoryFeatures(Base):
    """What verifying a candidate reads of a story's first version
    (newscrawl.stages.fingerprint.matching.stored_features): its words' 32-bit hashes in order
    and its anchor-bigram hashes, little-endian, and whether its anchors hold names. Verifying
    the stories a lookup finds then reads these bytes instead of tokenising their bodies again;
    a story without a row (stored by an older release) is verified from its body."""

    __tablename__ = "story_features"

    story_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    words: Mapped[bytes] = mapped_column(LargeBinary)
    anchor_pairs: Mapped[bytes] = mapped_column(LargeBinary)
    named: Mapped[bool] = mapped_column(Boolean)
    #: Sorted hashes of its word set (newscrawl.stages.fingerprint.matching.stored_word_set): the
    #: event evidence of a report that is not this story. None: stored before revision 0016.
    word_set: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class WordCount(Base):
    """In how many stories a word of the word sets (``story_features.word_set``) occurs: the
    document frequencies that weight the event evidence of two reports
    (newscrawl.stages.fingerprint.words.weighted_word_cosine). Keyed by the word's 32-bit hash;
    the row of hash :data:`STORIES_COUNTED` (no word's) holds the number of stories counted.
    The row of hash :data:`COUNTED_THROUGH` holds the id of the last story counted: the word
    sets of later stories are counted in batches (newscrawl.store.word_counts). Derived from the
    word sets: ``newscrawl db backfill`` recounts it when it disagrees with them. On SQLite WITHOUT ROWID: the key's b-tree is the table."""

    __tablename__ = "word_counts"

    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    stories: Mapped[int] = mapped_column(Integer)

    __table_args__ = ({"sqlite_with_rowid": False},)


#: The ``word_counts`` key of the number of stories counted (word hashes are 0 .. 2**32 - 1).
STORIES_COUNTED = -1
#: The ``word_counts`` key of the id of the last story whose words were counted.
COUNTED_THROUGH = -2


class StoryWordBand(_BandTable, Base):
    """A band of a story's word signature (newscrawl.stages.fingerprint.words) with the story's
    day (days since 1970-01-01): the lookup that finds heavy rewrites searches the days around
    a new text's own, so it costs the stories of those days, not the whole store. Only stories
    with a day are indexed."""

    __tablename__ = "story_word_bands"

    day: Mapped[int] = mapped_column(Integer, primary_key=True)


class Version(Base):
    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Indexed with site_id (below): a story's versions, and whether it has one on a site.
    story_id: Mapped[int] = mapped_column(Integer, ForeignKey("stories.id"))
    # Indexed with first_fetched_at and story_id (below): a site's versions, and the sites
    # page's delays read from the index alone.
    site_id: Mapped[int] = mapped_column(Integer, ForeignKey("sites.id"))
    url: Mapped[str] = mapped_column(Text)
    #: :func:`url_hash` of ``url``, set on insert; unique with ``body_hash``.
    url_hash: Mapped[str] = mapped_column(String(64), default=_url_hash_of_row)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    body_hash: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    language_confidence: Mapped[float | None] = mapped_column(Float)
    chrome_languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    encoding: Mapped[str | None] = mapped_column(String(64))
    encoding_source: Mapped[str | None] = mapped_column(String(64))
    encoding_conflict: Mapped[str | None] = mapped_column(Text)
    repairs: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    authors: Mapped[list[str]] = mapped_column(JSONType, default=list)
    section: Mapped[str | None] = mapped_column(Text)
    #: Wire services / original publishers credited: [{"name": ..., "evidence": ...}].
    wire: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    published_source: Mapped[str | None] = mapped_column(String(64))
    modified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    modified_source: Mapped[str | None] = mapped_column(String(64))
    first_fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    fetch_count: Mapped[int] = mapped_column(Integer, default=1)
    #: How this text was derived from the story's first version (newscrawl.stages.fingerprint.DERIVATIONS:
    #: original, exact, trimmed, reworded, edited); NULL for rows stored before the schema had it,
    #: until ``newscrawl db backfill`` fills it in.
    derivation: Mapped[str | None] = mapped_column(String(16))
    #: 3-gram containment with the story's first version when this version was stored.
    similarity: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (UniqueConstraint("url_hash", "body_hash"),
                      Index("ix_versions_url", "url", **URL_INDEX),
                      Index("ix_versions_story_id_site_id", "story_id", "site_id"),
                      Index("ix_versions_site_id_first_fetched_at", "site_id", "first_fetched_at", "story_id"))


class StoryMerge(Base):
    """Two stories a later copy proved to be one: recorded, never re-keyed.

    ``story_id`` is the older story, ``merged_story_id`` the newer; ``evidence_version_id`` the
    version that matched both (it was stored in the story it matched best); ``similarity`` its
    containment with the newer story's first version.
    """

    __tablename__ = "story_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(Integer, ForeignKey("stories.id"), index=True)
    merged_story_id: Mapped[int] = mapped_column(Integer, ForeignKey("stories.id"), index=True)
    evidence_version_id: Mapped[int] = mapped_column(Integer, ForeignKey("versions.id"))
    similarity: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("story_id", "merged_story_id"),)


class ReprocessRun(Base):
    """One ``newscrawl reprocess`` run: when, with which code, over which pages, with what result.

    ``pipeline`` holds the versions of newscrawl and of the libraries whose output the stages
    depend on (trafilatura, ftfy, ...), so a changed text can be traced to the upgrade that
    changed it. ``status`` is ``running`` until the run ends (``finished``), or ``failed`` when it
    stopped on an error or an interrupt; ``counts`` the pages per outcome, ``errors`` the first
    pages that could not be reprocessed ({raw_page_id, url, error}).
    """

    __tablename__ = "reprocess_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    newscrawl_version: Mapped[str] = mapped_column(String(64))
    pipeline: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    site: Mapped[str | None] = mapped_column(String(255))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

    __table_args__ = (
        CheckConstraint("status IN ('running', 'finished', 'failed')", name="status"),
    )


class ReprocessRunVersion(Base):
    """A version created by a reprocess run (versions from downloads have no row here)."""

    __tablename__ = "reprocess_run_versions"

    version_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    run_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("reprocess_runs.id", ondelete="CASCADE"), index=True)
    raw_page_id: Mapped[int] = mapped_column(Integer, ForeignKey("raw_pages.id"))


class RawPage(Base):
    __tablename__ = "raw_pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the raw (uncompressed) body
    size: Mapped[int] = mapped_column(Integer)  # uncompressed size in bytes
    content: Mapped[bytes] = mapped_column(LargeBinary)  # gzip-compressed raw bytes
    headers: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    url: Mapped[str] = mapped_column(Text)  # first URL seen with these bytes


class Fetch(Base):
    __tablename__ = "fetches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    # The URL that was requested, when a redirect made it differ from ``url`` (else NULL): the
    # incremental crawl looks a listed URL up by it.
    requested_url: Mapped[str | None] = mapped_column(Text)
    site_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("sites.id"), index=True)
    # Name of the configured source the page was found through, if any.
    source: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    version_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("versions.id"), index=True)
    raw_page_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("raw_pages.id"), index=True)

    __table_args__ = (
        CheckConstraint(
            "outcome IN (" + ", ".join(f"'{o}'" for o in OUTCOMES) + ")", name="outcome"
        ),
        Index("ix_fetches_url", "url", **URL_INDEX),
        Index("ix_fetches_requested_url", "requested_url", **URL_INDEX),
    )


class Listing(Base):
    """An article URL a feed or sitemap listed and the crawl chose to fetch, until a fetch of it
    is recorded: the memory of what a run that was killed still owed (:mod:`.listings`)."""

    __tablename__ = "listings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    #: :func:`url_hash` of ``url``, set on insert; one row per URL.
    url_hash: Mapped[str] = mapped_column(String(64), default=_url_hash_of_row, unique=True)
    #: Name of the configured source whose feed or sitemap listed it.
    source: Mapped[str | None] = mapped_column(Text)
    listed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    #: What the listing said (via, from, title, published, updated): the request made again
    #: from this row carries the same.
    discovery: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


#: States of a WARC file in ``ingest_files``.
FILE_PENDING = "pending"
FILE_CLAIMED = "claimed"
FILE_DONE = "done"
FILE_FAILED = "failed"
FILE_STATES = (FILE_PENDING, FILE_CLAIMED, FILE_DONE, FILE_FAILED)


class IngestFile(Base):
    """A WARC file (a path or an http(s) URL) that ``newscrawl ingest`` takes, the list several
    ingest processes share (:mod:`newscrawl.store.ingest_files`).

    A process claims a ``pending`` file (or a ``claimed`` one whose lease ran out: its process
    died) and holds it while ``lease_until`` is renewed; ``claim`` names that claim (host, pid and
    a random part), so a process that lost its lease can no longer write progress. ``position``
    is how many records of the file are stored, advanced in the transaction that stores each, so
    a file taken up again goes on after the last stored record.
    """

    __tablename__ = "ingest_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    location: Mapped[str] = mapped_column(Text, unique=True)
    state: Mapped[str] = mapped_column(String(16), default=FILE_PENDING)
    size: Mapped[int | None] = mapped_column(BigInteger)
    claim: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    counts: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    message: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in FILE_STATES) + ")",
                        name="state"),
        Index("ix_ingest_files_state", "state"),
    )


__all__ = [
    "FILE_CLAIMED", "FILE_DONE", "FILE_FAILED", "FILE_PENDING", "FILE_STATES", "IngestFile",
    "NAMING_CONVENTION", "OUTCOMES", "OUTCOME_FAILED", "OUTCOME_NEW_STORY", "OUTCOME_NEW_VERSION",
    "OUTCOME_SKIPPED", "OUTCOME_UNCHANGED", "Base", "Fetch", "JSONType", "Listing", "RawPage",
    "ReprocessRun", "ReprocessRunVersion", "Site",
    "COUNTED_THROUGH", "STORIES_COUNTED", "Story", "StoryBand", "StoryMerge", "URL_INDEX", "UTCDateTime", "Version", "WordCount",
    "url_hash", "utc",
]
