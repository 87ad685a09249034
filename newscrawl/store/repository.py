"""Writing pages into the store: one fetch row per download, stories and versions per article.

:func:`store_page` decides where a text belongs:

1. the same text (``body_hash``) already stored at the same URL -> ``unchanged``: the version's
   ``last_fetched_at`` and ``fetch_count`` are updated;
2. else the story :func:`newscrawl.store.matching.place` finds: the same text anywhere, else a
   story sharing an LSH band and verified against its *first* version (no chaining), else the
   story of an earlier version at the same URL (an edit);
3. otherwise a new story, keyed by the first 16 hex chars of ``body_hash``.

Each version records its ``derivation`` from the story's canonical version and its
``similarity`` to it; a text that verifies against several stories records their merge
(``story_merges``), never re-keying them (see :mod:`newscrawl.store.matching`). The canonical
version is the first stored, until a copy published before it is stored: that copy becomes the
story's original (:mod:`newscrawl.store.originals`); the key stays.

:func:`store_text` holds the steps from the placement locks to the new version; ``store_page``
and ``newscrawl reprocess`` (:mod:`newscrawl.store.maintenance.reprocess`) both store a text
through it and differ only in its parameters.

The caller owns the transaction: :func:`store_page` only flushes. Concurrent writers (several
crawler processes, parallel ingests): before it reads what the placement depends on,
:func:`store_page` takes the text's placement locks (:mod:`newscrawl.store.concurrency`), held
until the caller commits; run it through :func:`~newscrawl.store.concurrency.run_transaction` to
retry the conflicts the locks do not cover.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, insert, select, update
from sqlalchemy.orm import Session

from newscrawl.model import ArticleRecord, Fingerprint, Page, normalize_headers, site_of
from newscrawl.store.raw_pages import RAW_PAGE_GZIP_LEVEL, compress_raw  # noqa: F401 - also imported from here
from newscrawl.stages.fingerprint import fingerprint
from newscrawl.stages.fingerprint.derivations import DERIVATION_ORIGINAL
from newscrawl.store.concurrency import lock_placement, placement_lock_keys
from newscrawl.stages.events import EVENT_WINDOW_DAYS
from newscrawl.store.events import date_story, day_number, link_story
from newscrawl.store.inserts import insert_band_rows, insert_ignore
from newscrawl.store.originals import make_original, precedes_original
from newscrawl.store.matching import (  # noqa: F401 - band_candidates_query: public from here too
    Placement,
    band_candidates,
    band_candidates_query,
    describe,
    index_features,
    index_words,
    place,
    record_merges,
    story_candidates,
)
from newscrawl.store.sanitize import clean_headers, clean_record, clean_text, clean_value
from newscrawl.store.models import (
    OUTCOME_FAILED,
    OUTCOME_NEW_STORY,
    OUTCOME_NEW_VERSION,
    OUTCOME_SKIPPED,
    OUTCOME_UNCHANGED,
    Fetch,
    RawPage,
    Site,
    Story,
    Version,
    url_hash,
    utc,
)

#: Length of a story key (hex chars of the first version's body_hash).
STORY_KEY_LENGTH = 16


@dataclass(frozen=True, slots=True)
class StoreOutcome:
    fetch_id: int
    outcome: str
    story_key: str | None = None
    version_id: int | None = None
    created_story: bool = False
    created_version: bool = False
    #: Why a fetch was recorded without its text (a page the database refused).
    reason: str | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _host(url: str) -> str:
    return site_of(url)


# The lookups every stored page makes, built once: a statement built per call costs SQLAlchemy
# its construction and cache key each time, more than SQLite takes to run it. Those that read
# plain values select the tables' columns, not the mapped classes' attributes: a statement of
# the latter goes through the ORM's execution (its compile state, its result set-up, an
# autoflush), which costs the storing process about as much as the rest of the statement.
# Nothing the store has pending bears on what these read: the writes before them are executed
# at once, and the inserts after them flush what is pending first (add_version, add_fetch).
_sites, _raw_pages, _stories = Site.__table__.c, RawPage.__table__.c, Story.__table__.c
_SITE_BY_HOST = select(_sites.id, _sites.name).where(_sites.host == bindparam("host"))
_RAW_PAGE_BY_SHA256 = select(_raw_pages.id).where(_raw_pages.sha256 == bindparam("sha256"))
_STORY_BY_KEY = select(_stories.id).where(_stories["key"] == bindparam("key"))
_VERSION_AT_URL_WITH_HASH = select(Version).where(Version.url == bindparam("url"),
                                                  Version.body_hash == bindparam("body_hash"))
_STORY_KEY_OF = select(_stories["key"]).where(_stories.id == bindparam("story_id"))
_INSERT_FETCH = insert(Fetch.__table__).returning(Fetch.__table__.c.id)
# A new story's and a new version's rows, by INSERT ... RETURNING on the tables: the ORM's unit
# of work (an object's state, its flush plan, its identity) costs more than these inserts take.
# Column defaults (a version's url_hash) and the count and full-text triggers apply as before.
_INSERT_STORY = insert(Story.__table__).returning(Story.__table__.c.id)
_INSERT_VERSION = insert(Version.__table__).returning(Version.__table__.c.id)
_SET_NEW_STORY = (update(Story.__table__).where(_stories.id == bindparam("story_id"))
                  .values(canonical_version_id=bindparam("canonical_version_id_", type_=Integer),
                          published_at=bindparam("published_at_", type_=_stories.published_at.type),
                          event_id=bindparam("event_id_", type_=Integer)))


def upsert_site(session: Session, host: str, name: str | None, seen_at: dt.datetime) -> int:
    """The id of the site ``host``, created if new; a name learnt later fills an empty one."""
    host = clean_text(host.lower())
    name = clean_text(name) if name else name
    row = session.execute(_SITE_BY_HOST, {"host": host}).first()
    if row is None:
        insert_ignore(session, Site, {"host": host, "name": name, "first_seen_at": seen_at},
                      ["host"])
        row = session.execute(_SITE_BY_HOST, {"host": host}).one()
    if name and not row.name:
        session.execute(update(Site).where(Site.id == row.id).values(name=name))
    return row.id




def upsert_raw_page(session: Session, body: bytes, headers: dict[str, str], url: str) -> int:
    """The id of the raw page with these bytes (by SHA-256), stored gzip-compressed if new."""
    headers, url = clean_headers(headers), clean_text(url)
    digest = hashlib.sha256(body).hexdigest()
    found = session.execute(_RAW_PAGE_BY_SHA256, {"sha256": digest}).scalar()
    if found is not None:
        return found
    row = {"sha256": digest, "size": len(body),
           "content": compress_raw(body),
           "headers": headers, "url": url}
    inserted = insert_ignore(session, RawPage, row, ["sha256"], returning=RawPage.id)
    if inserted is not None:
        return inserted
    # Another writer stored the same bytes in between (the insert kept theirs).
    return session.execute(_RAW_PAGE_BY_SHA256, {"sha256": digest}).scalar_one()


def raw_page_bytes(raw_page: RawPage) -> bytes:
    """The original bytes of a stored raw page."""
    return gzip.decompress(raw_page.content)


def record_fingerprint(record: ArticleRecord) -> Fingerprint:
    """The fingerprint of ``record``'s body: the one the stages set, else computed here (a
    record built by hand, or by stages run without their fingerprint step)."""
    if record.fingerprint is not None:
        return record.fingerprint
    return fingerprint(record.body)


def _new_story_key(session: Session, body_hash: str) -> str:
    for length in range(STORY_KEY_LENGTH, len(body_hash) + 1):
        key = body_hash[:length]
        if session.execute(_STORY_BY_KEY, {"key": key}).first() is None:
            return key
    n = 2
    while session.execute(select(Story.id).where(Story.key == f"{body_hash}-{n}")).first():
        n += 1
    return f"{body_hash}-{n}"


def add_fetch(session: Session, url: str, status: int | None, headers: dict[str, str], *,
              site_id: int | None, fetched_at: dt.datetime, outcome: str, source: str | None,
              reason: str | None = None, version_id: int | None = None,
              raw_page_id: int | None = None, requested_url: str | None = None) -> int:
    """Add the ``fetches`` row of one download (or 304 answer) and return its id. Flushes.

    ``headers`` are lower-cased response headers: the validators (ETag, Last-Modified) and the
    content type are kept. ``requested_url`` is stored only when a redirect made it differ from
    ``url``. Text is cleaned (:mod:`newscrawl.store.sanitize`)."""
    url, requested_url, source, reason = clean_value([url, requested_url, source, reason])
    headers = clean_headers(headers)
    # What is pending first, as the unit of work did when this row was an ORM object; the row
    # itself by one INSERT ... RETURNING, without the ORM's per-object bookkeeping.
    session.flush()
    return session.execute(_INSERT_FETCH, {
        "url": url, "requested_url": requested_url if requested_url != url else None,
        "site_id": site_id, "source": source, "fetched_at": fetched_at, "status": status,
        "etag": headers.get("etag"), "last_modified": headers.get("last-modified"),
        "content_type": headers.get("content-type"), "outcome": outcome, "reason": reason,
        "version_id": version_id, "raw_page_id": raw_page_id,
    }).scalar_one()


def text_day(record: ArticleRecord, fetched_at: dt.datetime, fetched: bool) -> int | None:
    """A text's day (days since 1970-01-01): its publication date, else its download's in a
    crawl; None for a page read from a file without a date (events and the word-band lookup)."""
    return day_number(utc(record.published_at) if record.published_at is not None
                      else fetched_at if fetched else None)


@dataclass(frozen=True, slots=True)
class StoredText:
    """What :func:`store_text` did with a text."""

    #: The new version, or the one that already held the text at that URL.
    version: Version
    created_version: bool
    #: The new version's story (None when nothing was stored).
    story: Story | None = None
    created_story: bool = False


def store_text(session: Session, record: ArticleRecord, fp: Fingerprint, url: str, *,
               fetched_at: dt.datetime, site_id: int | None,
               fetch_count: int | Callable[[], int] = 1,
               keep_in_story: int | None = None, fetched: bool = True,
               event_window_days: int = EVENT_WINDOW_DAYS) -> StoredText:
    """Store ``record``'s text (fingerprint ``fp``) at ``url`` as a new version, unless that URL
    holds it already. The steps every writer of versions takes (:func:`store_page` for a
    download, :func:`newscrawl.store.maintenance.reprocess.reprocess` for a stored page read
    again), in this order:

    1. take the text's placement locks (:func:`lock_placement`), held until the caller commits:
       until then no other writer stores a text it could depend on;
    2. the same text (``body_hash``) already stored at ``url``: nothing is written, the result
       names that version (``created_version`` False) and the caller says what that means;
    3. its story: ``keep_in_story`` when given (a reprocessed page stays in the story of what
       it said before), else :func:`~newscrawl.store.matching.place`, which reads what it
       decides on under the locks, once;
    4. its site: ``site_id``, or when that is None the record's site (created if new);
    5. the version (:func:`add_version`: a new story is keyed, its bands indexed and its event
       linked; merges it proves are recorded), first and last fetched at ``fetched_at``, its
       ``fetch_count`` the number given or counted by the function given (called only here,
       under the locks).

    Flushes, never commits.
    """
    cleaned = clean_record(record)
    if cleaned is not record:
        record, url = cleaned, clean_text(url)
        fp = record_fingerprint(record)
    lock_placement(session, lambda: placement_lock_keys(fp, url))

    existing = session.execute(
        _VERSION_AT_URL_WITH_HASH, {"url": url, "body_hash": fp.body_hash}).scalar_one_or_none()
    if existing is not None:
        return StoredText(existing, created_version=False)

    day = text_day(record, fetched_at, fetched)
    if keep_in_story is not None:
        placement = Placement(keep_in_story, "kept")
    else:
        placement = place(session, url, record.body, fp, day, dated=record.published_at is not None)
    count = fetch_count() if callable(fetch_count) else fetch_count
    if site_id is None:
        site_id = upsert_site(session, record.site, record.site_name, fetched_at)
    story, version = add_version(session, placement, record, fp, url=url, site_id=site_id,
                                 fetched_at=fetched_at, fetch_count=count, fetched=fetched, day=day,
                                 event_window_days=event_window_days)
    return StoredText(version, created_version=True, story=story,
                      created_story=placement.story_id is None)


def add_version(session: Session, placement: Placement, record: ArticleRecord, fp: Fingerprint,
                *, url: str, site_id: int, fetched_at: dt.datetime,
                fetch_count: int = 1, fetched: bool = True,
                day: int | None = None, event_window_days: int = EVENT_WINDOW_DAYS) -> tuple[Story, Version]:
    """Store ``record``'s text as a new version where ``placement`` puts it (a new story when it
    names none: keyed, its bands indexed); merges it proves are recorded. Flushes.
    ``fetched``: ``fetched_at`` is a download's time, not a file's (events use only the former);
    ``day``: the text's day (:func:`text_day`), under which a new story's word bands are indexed;
    ``event_window_days``: how many days apart the stories of one event may be.

    The new rows are written by INSERT statements, not through the session: the version (and a
    new story) are returned as transient objects holding the values written and their ids, in
    no session (read them; a later query in the session loads the rows themselves). A story
    the placement names is the session's own object.

    The caller holds the text's placement locks (:func:`lock_placement`)."""
    # What is pending goes first, as when these rows were objects of the unit of work.
    session.flush()
    created_story = placement.story_id is None
    if created_story:
        values = {"key": _new_story_key(session, fp.body_hash), "title": record.title,
                  "language": record.language, "first_seen_at": fetched_at}
        story = Story(id=session.execute(_INSERT_STORY, values).scalar_one(), **values)
    else:
        story = session.get(Story, placement.story_id)

    values = dict(
        story_id=story.id, site_id=site_id, url=url, canonical_url=record.canonical_url,
        title=record.title, body=record.body, body_hash=fp.body_hash, language=record.language,
        language_confidence=record.language_confidence,
        chrome_languages=list(record.chrome_languages), encoding=record.encoding,
        encoding_source=record.encoding_source, encoding_conflict=record.encoding_conflict,
        repairs=[r.to_dict() for r in record.repairs], authors=list(record.authors),
        section=record.section, wire=list(record.wire),
        published_at=utc(record.published_at), published_source=record.published_source,
        modified_at=utc(record.modified_at), modified_source=record.modified_source,
        first_fetched_at=fetched_at, last_fetched_at=fetched_at, fetch_count=fetch_count,
        url_hash=url_hash(url),
    )
    # A copy published before the story's original is its original (newscrawl.store.originals).
    becomes_original = not created_story and precedes_original(
        session, story.id, values["published_at"], record.published_source)
    if becomes_original:
        values["derivation"], values["similarity"] = DERIVATION_ORIGINAL, 1.0
    else:
        values["derivation"], values["similarity"] = describe(session, story.id, record.body,
                                                              placement, created_story)
    version = Version(id=session.execute(_INSERT_VERSION, values).scalar_one(), **values)
    record_merges(session, story.id, version.id, placement.also_matched, fetched_at)
    if becomes_original:
        make_original(session, story, version.id, record.body, record.title, record.language)

    if created_story:
        story.canonical_version_id = version.id
        link_story(session, story, record.title, record.body, utc(record.published_at),
                   fetched=fetched, related=placement.related, window_days=event_window_days)
        session.execute(_SET_NEW_STORY, {"story_id": story.id, "canonical_version_id_": version.id,
                                         "published_at_": story.published_at,
                                         "event_id_": story.event_id})
        insert_band_rows(session, story.id, list(enumerate(fp.bands)))
        index_words(session, story.id, record.body, day, placement.rare_words)
        index_features(session, story.id, record.body, placement.features)
    elif story.published_at is None and record.published_at is not None:
        # A story first stored without a day: a copy that states its date gives it one.
        date_story(session, story, utc(record.published_at), window_days=event_window_days)
    return story, version


#: Fetch sources whose ``fetched_at`` is a file's time (``newscrawl ingest`` of saved pages),
#: which events do not read as the day a story came out.
FILE_SOURCES = frozenset({"ingest"})


def store_page(session: Session, page: Page, record: ArticleRecord, *,
               source: str | None = None, requested_url: str | None = None,
               event_window_days: int = EVENT_WINDOW_DAYS) -> StoreOutcome:
    """Store one downloaded page and its record; returns what happened. Flushes, never commits.

    ``requested_url`` is the URL asked for when a redirect ended at ``page.url``. The record's
    text is cleaned first (:func:`newscrawl.store.sanitize.clean_record`).
    ``event_window_days``: how many days apart the stories of one event may be (a crawl's
    ``NEWSCRAWL_EVENT_WINDOW_DAYS``).
    """
    record = clean_record(record)
    now = utc(page.fetched_at) or _now()
    host = (record.site or _host(record.url or page.url)).lower()
    site_id = upsert_site(session, host, record.site_name, now)
    raw_page_id = upsert_raw_page(session, page.body, page.headers, page.url)

    def fetch(outcome: str, version_id: int | None = None, reason: str | None = None) -> int:
        return add_fetch(session, page.url, page.status, page.headers, site_id=site_id,
                          fetched_at=now, outcome=outcome, source=source, reason=reason,
                          version_id=version_id, raw_page_id=raw_page_id,
                          requested_url=requested_url)

    if not record.is_article:
        return StoreOutcome(fetch(OUTCOME_SKIPPED, reason=record.skip_reason), OUTCOME_SKIPPED)

    fp = record_fingerprint(record)
    url = clean_text(record.url or page.url)
    # The placement is decided under the locks, reading what it depends on once. Deciding
    # before them and checking under them that those reads still hold reads everything twice
    # (the candidate queries too) and spares no wait: only texts that share a band, a body hash
    # or a URL share a lock, and for those the check fails (the other text was just stored) and
    # the decision is taken again anyway.
    stored = store_text(session, record, fp, url, fetched_at=now, site_id=site_id,
                        fetched=source not in FILE_SOURCES, event_window_days=event_window_days)

    if not stored.created_version:
        existing = stored.version
        existing.last_fetched_at = max(existing.last_fetched_at, now)
        existing.fetch_count = (existing.fetch_count or 0) + 1
        key = session.execute(_STORY_KEY_OF, {"story_id": existing.story_id}).scalar_one()
        return StoreOutcome(fetch(OUTCOME_UNCHANGED, existing.id), OUTCOME_UNCHANGED, key,
                            existing.id)

    outcome = OUTCOME_NEW_STORY if stored.created_story else OUTCOME_NEW_VERSION
    return StoreOutcome(fetch(outcome, stored.version.id), outcome, stored.story.key,
                        stored.version.id, created_story=stored.created_story,
                        created_version=True)


def store_fetch_only(session: Session, url: str, status: int | None = None,
                     headers: Mapping[str, str] | None = None,
                     fetched_at: dt.datetime | None = None, reason: str | None = None, *,
                     source: str | None = None, requested_url: str | None = None) -> StoreOutcome:
    """Record a download that produced no page (network or HTTP error): outcome ``failed``.

    ``status`` is None when no response came at all; ``reason`` says what went wrong.
    """
    now = utc(fetched_at) or _now()
    host = _host(url)
    site_id = upsert_site(session, host, None, now) if host else None
    fetch_id = add_fetch(session, url, status, normalize_headers(headers), site_id=site_id,
                          fetched_at=now, outcome=OUTCOME_FAILED, source=source, reason=reason,
                          requested_url=requested_url)
    return StoreOutcome(fetch_id, OUTCOME_FAILED)


__all__ = ["StoreOutcome", "StoredText", "add_fetch", "add_version", "raw_page_bytes", "record_fingerprint", "store_fetch_only",
           "store_page", "store_text", "upsert_raw_page", "upsert_site"]
