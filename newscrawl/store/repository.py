"""Writing pages into the store: one fetch row per download, stories and versions per article.

:func:`store_page` decides where a text belongs:

1. the same text (``body_hash``) already stored at the same URL -> ``unchanged``: the version's
   ``last_fetched_at`` and ``fetch_count`` are updated;
2. else the story :func:`newscrawl.store.matching.place` finds: the same text anywhere, else a
   story sharing an LSH band and verified against its *first* version (no chaining), else the
   story of an earlier version at the same URL (an edit);
3. otherwise a new story, keyed by the first 16 hex chars of ``body_hash``.

Each version records its ``derivation`` from the story's first version and its ``similarity``
to it; a text that verifies against several stories records their merge (``story_merges``),
never re-keying them (see :mod:`newscrawl.store.matching`).

The caller owns the transaction: :func:`store_page` only flushes. Concurrent writers (several
crawler processes, parallel ingests): before it reads where a text belongs, :func:`store_page`
takes the text's placement locks (:mod:`newscrawl.store.concurrency`), held until the caller
commits; run it through :func:`~newscrawl.store.concurrency.run_transaction` to retry the
conflicts the locks do not cover.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from newscrawl.model import ArticleRecord, Fingerprint, Page, normalize_headers, site_of
from newscrawl.store.concurrency import lock_placement, placement_lock_keys
from newscrawl.store.events import link_story
from newscrawl.store.matching import (  # noqa: F401 - band_candidates_query: public from here too
    MAX_BAND_CANDIDATES,
    Placement,
    _band_params,
    _band_query_template,
    band_candidates_query,
    describe,
    place,
    record_merges,
)
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
    StoryBand,
    Version,
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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _host(url: str) -> str:
    return site_of(url)


def _insert_ignore(session: Session, model: type, values: dict | list[dict],
                   conflict: list[str]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING where the dialect has it, else insert if absent.

    ``values`` may be a list of rows (one multi-row INSERT)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        insert = None
    if insert is not None:
        # On the Table, not the mapped class: the ORM bulk-insert path costs more than the INSERT.
        stmt = insert(model.__table__).on_conflict_do_nothing(index_elements=conflict)
        if isinstance(values, list):
            # executemany with one cached statement (SQLAlchemy batches it into multi-row
            # INSERTs itself): a VALUES clause of 128 rows built per call cost 14 ms to compile.
            if values:
                session.execute(stmt, values)
        else:
            session.execute(stmt.values(**values))
        return
    if isinstance(values, list):
        for row in values:
            _insert_ignore(session, model, row, conflict)
        return
    exists = session.execute(
        select(model.id).where(*[getattr(model, c) == values[c] for c in conflict])
    ).first()
    if exists is None:
        with session.begin_nested():
            session.add(model(**values))


def upsert_site(session: Session, host: str, name: str | None, seen_at: dt.datetime) -> int:
    """The id of the site ``host``, created if new; a name learnt later fills an empty one."""
    host = host.lower()
    row = session.execute(select(Site.id, Site.name).where(Site.host == host)).first()
    if row is None:
        _insert_ignore(session, Site, {"host": host, "name": name, "first_seen_at": seen_at},
                       ["host"])
        row = session.execute(select(Site.id, Site.name).where(Site.host == host)).one()
    if name and not row.name:
        session.execute(update(Site).where(Site.id == row.id).values(name=name))
    return row.id


def upsert_raw_page(session: Session, body: bytes, headers: dict[str, str], url: str) -> int:
    """The id of the raw page with these bytes (by SHA-256), stored gzip-compressed if new."""
    digest = hashlib.sha256(body).hexdigest()
    found = session.execute(select(RawPage.id).where(RawPage.sha256 == digest)).scalar()
    if found is not None:
        return found
    _insert_ignore(
        session, RawPage,
        {"sha256": digest, "size": len(body), "content": gzip.compress(body, mtime=0),
         "headers": dict(headers), "url": url},
        ["sha256"],
    )
    return session.execute(select(RawPage.id).where(RawPage.sha256 == digest)).scalar_one()


def raw_page_bytes(raw_page: RawPage) -> bytes:
    """The original bytes of a stored raw page."""
    return gzip.decompress(raw_page.content)


def _fingerprint(record: ArticleRecord) -> Fingerprint:
    if record.fingerprint is not None:
        return record.fingerprint
    from newscrawl.stages.fingerprint import fingerprint

    return fingerprint(record.body)


def _new_story_key(session: Session, body_hash: str) -> str:
    for length in range(STORY_KEY_LENGTH, len(body_hash) + 1):
        key = body_hash[:length]
        if session.execute(select(Story.id).where(Story.key == key)).first() is None:
            return key
    n = 2
    while session.execute(select(Story.id).where(Story.key == f"{body_hash}-{n}")).first():
        n += 1
    return f"{body_hash}-{n}"


def _add_fetch(session: Session, url: str, status: int | None, headers: dict[str, str], *,
               site_id: int | None, fetched_at: dt.datetime, outcome: str, source: str | None,
               reason: str | None = None, version_id: int | None = None,
               raw_page_id: int | None = None, requested_url: str | None = None) -> int:
    fetch = Fetch(
        url=url, requested_url=requested_url if requested_url != url else None,
        site_id=site_id, source=source, fetched_at=fetched_at, status=status,
        etag=headers.get("etag"), last_modified=headers.get("last-modified"),
        content_type=headers.get("content-type"), outcome=outcome, reason=reason,
        version_id=version_id, raw_page_id=raw_page_id,
    )
    session.add(fetch)
    session.flush()
    return fetch.id


def _placement_inputs(session: Session, url: str, fp: Fingerprint) -> tuple:
    """What :func:`~newscrawl.store.matching.place` reads to decide: the story of the first
    version with this text, the band candidates (in their order) and the story of the latest
    version at this URL.

    Read before an unlocked ``place`` and again under the placement locks: equal answers mean
    the unlocked decision still holds. Stored rows only ever grow (a story's first version never
    changes, nothing is deleted), so each answer can only change by a related text being
    committed - and one committed between the two reads is still there at the second, so equal
    answers also rule out a change in between. Three indexed queries (about 1-2 ms), against
    tens of milliseconds of candidate verification taken out of the locked section.
    """
    exact = session.execute(
        select(Version.story_id).where(Version.body_hash == fp.body_hash)
        .order_by(Version.id).limit(1)).scalar()
    # The cached template with the hashes as parameters, exactly as place() runs it:
    # band_candidates_query() clones the statement with .params(), which costs SQLAlchemy a
    # cache-key walk of its 128 OR-ed conditions per call (measured: 14 ms against 1 ms).
    bands = (tuple(sid for sid, _ in session.execute(
        _band_query_template(len(fp.bands), MAX_BAND_CANDIDATES), _band_params(fp.bands)))
        if fp.bands else ())
    at_url = session.execute(
        select(Version.story_id).where(Version.url == url)
        .order_by(Version.id.desc()).limit(1)).scalar()
    return exact, bands, at_url


def add_version(session: Session, placement: Placement, record: ArticleRecord, fp: Fingerprint,
                *, url: str, site_id: int, fetched_at: dt.datetime,
                fetch_count: int = 1) -> tuple[Story, Version]:
    """Store ``record``'s text as a new version where ``placement`` puts it (a new story when it
    names none: keyed, its bands indexed); merges it proves are recorded. Flushes.

    The caller holds the text's placement locks (:func:`lock_placement`)."""
    created_story = placement.story_id is None
    if created_story:
        story = Story(key=_new_story_key(session, fp.body_hash), title=record.title,
                      language=record.language, first_seen_at=fetched_at)
        session.add(story)
        session.flush()
    else:
        story = session.get(Story, placement.story_id)

    version = Version(
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
    )
    version.derivation, version.similarity = describe(session, story.id, record.body, placement,
                                                      created_story)
    session.add(version)
    session.flush()
    record_merges(session, story.id, version.id, placement.also_matched, fetched_at)

    if created_story:
        story.canonical_version_id = version.id
        link_story(session, story, record.title, record.body, utc(record.published_at))
        if fp.bands:
            # A multi-row INSERT ... ON CONFLICT DO NOTHING on the (band, hash, story_id) key.
            _insert_ignore(session, StoryBand,
                           [{"band": i, "hash": h, "story_id": story.id}
                            for i, h in enumerate(fp.bands)],
                           ["band", "hash", "story_id"])
        session.flush()
    return story, version


def store_page(session: Session, page: Page, record: ArticleRecord, *,
               source: str | None = None, requested_url: str | None = None) -> StoreOutcome:
    """Store one downloaded page and its record; returns what happened. Flushes, never commits.

    ``requested_url`` is the URL asked for when a redirect ended at ``page.url``.
    """
    now = utc(page.fetched_at) or _now()
    host = (record.site or _host(record.url or page.url)).lower()
    site_id = upsert_site(session, host, record.site_name, now)
    raw_page_id = upsert_raw_page(session, page.body, page.headers, page.url)

    def fetch(outcome: str, version_id: int | None = None, reason: str | None = None) -> int:
        return _add_fetch(session, page.url, page.status, page.headers, site_id=site_id,
                          fetched_at=now, outcome=outcome, source=source, reason=reason,
                          version_id=version_id, raw_page_id=raw_page_id,
                          requested_url=requested_url)

    if not record.is_article:
        return StoreOutcome(fetch(OUTCOME_SKIPPED, reason=record.skip_reason), OUTCOME_SKIPPED)

    fp = _fingerprint(record)
    url = record.url or page.url
    # Decide where the text goes *before* taking the locks - verifying the band candidates is
    # the costly part of a store - then take them and check that what the decision read is
    # still what is stored (see _placement_inputs); only when it is not, decide again.
    # (Not for a text already stored at this URL - a re-download, the commonest case: it stays
    # stored, so the locked check below finds it too.)
    inputs = placement = None
    if session.execute(select(Version.id).where(
            Version.url == url, Version.body_hash == fp.body_hash)).first() is None:
        inputs = _placement_inputs(session, url, fp)
        placement = place(session, url, record.body, fp)
    # From here on the outcome depends on what is stored: lock out concurrent stores of texts
    # that could land in the same story (same bands, text or URL) until the caller commits.
    lock_placement(session, placement_lock_keys(fp, url))

    existing = session.execute(
        select(Version).where(Version.url == url, Version.body_hash == fp.body_hash)
    ).scalar_one_or_none()
    if existing is not None:
        existing.last_fetched_at = max(existing.last_fetched_at, now)
        existing.fetch_count = (existing.fetch_count or 0) + 1
        key = session.execute(select(Story.key).where(Story.id == existing.story_id)).scalar_one()
        return StoreOutcome(fetch(OUTCOME_UNCHANGED, existing.id), OUTCOME_UNCHANGED, key,
                            existing.id)

    if placement is None or _placement_inputs(session, url, fp) != inputs:
        placement = place(session, url, record.body, fp)  # a related text was stored meanwhile
    story, version = add_version(session, placement, record, fp, url=url, site_id=site_id,
                                 fetched_at=now)
    created_story = placement.story_id is None
    outcome = OUTCOME_NEW_STORY if created_story else OUTCOME_NEW_VERSION
    return StoreOutcome(fetch(outcome, version.id), outcome, story.key, version.id,
                        created_story=created_story, created_version=True)


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
    fetch_id = _add_fetch(session, url, status, normalize_headers(headers), site_id=site_id,
                          fetched_at=now, outcome=OUTCOME_FAILED, source=source, reason=reason,
                          requested_url=requested_url)
    return StoreOutcome(fetch_id, OUTCOME_FAILED)


__all__ = ["StoreOutcome", "add_version", "raw_page_bytes", "store_fetch_only", "store_page", "upsert_raw_page",
           "upsert_site"]
