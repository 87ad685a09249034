"""Filling in what rows stored by older releases lack (``newscrawl db backfill``).

Four things, each computed from stored text exactly as the store computes it for a new row,
batch after batch (:func:`keyset_batches`):

* **Derivations** (:func:`backfill_derivations`): of versions stored before the schema had them.
* **Band blocks** (:func:`backfill_bands`): of stories stored when a signature had fewer
  permutation blocks than it has now (:data:`newscrawl.stages.fingerprint.SIGNATURE_BLOCKS`).
* **Events** (:func:`backfill_events`): of stories stored before the store linked events,
  linked by :func:`newscrawl.store.events.link_story` as if stored now, oldest first.
* **Lookup rows** (:func:`backfill_features`): the verification features and word bands of
  stories stored before the store kept them.

``versions.derivation`` (how a version derives from its story's first version: original,
exact, trimmed, reworded, edited) and ``versions.similarity`` (its 3-gram containment with it)
are NULL on versions stored before the schema had them. :func:`backfill_derivations`
computes them from the stored bodies exactly as a store computes them for a new version
(:func:`newscrawl.store.matching.describe`): against the story's *first* version, never a
later one. Design decisions:

* **A command, not a migration step**: the derivation compares texts (difflib), hours on a
  store of millions of versions - too long to hold the migration lock and stop every crawler's
  start. The schema does not depend on it: NULL stays a valid value
  ("not known") and readers already show it as such.
* **Idempotent, resumable, beside a crawl**: only rows still NULL are read, in batches by id
  (bounded memory), each batch one short transaction whose UPDATE only fills rows still NULL;
  crawlers never write NULL, so nothing they store is overwritten and an interrupted run goes on
  where it stopped when run again.
* **Bad input**: a version whose story has no first version (only a damaged database has one)
  is left NULL and reported, never guessed; so is a version whose comparison fails.

Band blocks: a story's band rows are the LSH index that finds it (``story_bands``). Each
permutation block of a signature has its own band numbers
(:func:`~newscrawl.stages.fingerprint.block_band_range`), and block 0 kept the numbers and
hashes of the one-block signatures, so the rows of a story stored before the second block are
still right; they are only fewer. Such a story is found by block 0 alone, and a copy that only
block 1 would find (a heavily spun or trimmed-and-spun copy; docs/measurements.md says how many)
becomes a story of its own. :func:`backfill_bands` adds the missing
blocks' rows, and only those:

* **Computed as a new story's**: :func:`newscrawl.stages.fingerprint.fingerprint` of the story's
  first version's stored body (the body the store fingerprinted: ``record.body``), rows numbered by
  their position in it, exactly as :func:`~newscrawl.store.repository.add_version` inserts them.
  Stored rows are never rewritten or deleted.
* **Which stories**: those that lack a row in the band range of some block, found in SQL
  (an ``EXISTS`` probe of the ``story_id`` index per block) in batches by story id; a story
  whose bands are complete is never read or fingerprinted, so a second run reads the stories
  table once and writes nothing.
* **Beside a crawl**: each batch is one short transaction; the rows go in with ``INSERT ... ON
  CONFLICT DO NOTHING`` (a concurrent backfill of the same story adds them once). No placement
  locks are taken: rows are only added, and a store that read the bands before the commit
  decided as if the backfill had not yet run - the outcome it would have had a moment earlier
  (stored rows only grow: see the placement check of
  :func:`~newscrawl.store.repository.store_text`).
* **Bad input**: a story without a first version is left as it is and reported, as is one whose
  fingerprint fails.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from newscrawl.stages.fingerprint import (
    DERIVATION_ORIGINAL,
    DERIVATIONS,
    SIGNATURE_BLOCKS,
    block_band_range,
    fingerprint,
)
from newscrawl.store.events import day_number, link_story
from newscrawl.store.inserts import insert_ignore
from newscrawl.store.matching import compare_with_first, index_features, index_words
from newscrawl.store.word_counts import recount_words, stories_counted, word_sets_stored
from newscrawl.store.models import Story, StoryBand, StoryEventTerm, StoryFeatures, StoryWordBand, Version

logger = logging.getLogger(__name__)

#: Versions (or stories) read per batch (and per transaction).
BATCH = 200
#: Reasons a version is left NULL.
NO_FIRST_VERSION = "no_first_version"


@dataclass(slots=True)
class BackfillResult:
    #: Versions filled in, by derivation.
    counts: Counter = field(default_factory=Counter)
    #: Versions left NULL: (version id, reason).
    left: list[tuple[int, str]] = field(default_factory=list)

    @property
    def filled(self) -> int:
        return sum(self.counts.values())


def derivation_of(version_id: int, body: str, first_id: int, first_body: str) -> tuple[str, float]:
    """(derivation, similarity) of a version with its story's first version, as
    :func:`~newscrawl.store.matching.describe` records them when the version is stored."""
    if version_id == first_id:
        return DERIVATION_ORIGINAL, 1.0
    return compare_with_first(first_body, body)


def _batch(session: Session, after: int, size: int) -> list:
    first = Version.__table__.alias("first")
    return session.execute(
        select(Version.id, Version.body, Story.canonical_version_id, first.c.body)
        .join(Story, Story.id == Version.story_id)
        .outerjoin(first, first.c.id == Story.canonical_version_id)
        .where(Version.derivation.is_(None), Version.id > after)
        .order_by(Version.id).limit(size)
    ).all()


def _fill(session: Session, version_id: int, body: str, first_id: int | None,
          first_body: str | None) -> str:
    """Fill one version in; returns its derivation, or why it was left NULL."""
    if first_id is None or first_body is None:
        return NO_FIRST_VERSION
    try:
        kind, similarity = derivation_of(version_id, body, first_id, first_body)
    except Exception as exc:  # one bad row must not stop the backfill
        logger.exception("version %s: derivation failed", version_id)
        return f"error: {type(exc).__name__}: {exc}"
    versions = Version.__table__
    session.execute(update(versions)
                    .where(versions.c.id == version_id, versions.c.derivation.is_(None))
                    .values(derivation=kind, similarity=similarity))
    return kind


def keyset_batches(make_session: Callable[[], Session], fetch: Callable[[Session, int, int], list],
                   batch: int) -> Iterator[tuple[Session, tuple]]:
    """(session, row) for every row ``fetch(session, after, batch)`` gives, batch after batch:
    each batch in a session of its own, committed once its rows are done, the next one read after
    the last row's id (its first column). A large database is never worked in one transaction."""
    after = 0
    while True:
        with make_session() as session:
            rows = fetch(session, after, batch)
            if not rows:
                return
            for row in rows:
                after = row[0]
                yield session, row
            session.commit()


def backfill_derivations(make_session: Callable[[], Session], *, batch: int = BATCH,
                         progress: Callable[[int, str], None] | None = None) -> BackfillResult:
    """Compute ``derivation`` and ``similarity`` of every version that has none; see the module
    docstring. ``progress(version_id, derivation_or_reason)`` is called for each version."""
    result = BackfillResult()
    for session, (version_id, body, first_id, first_body) in keyset_batches(make_session, _batch, batch):
        outcome = _fill(session, version_id, body, first_id, first_body)
        if outcome in DERIVATIONS:
            result.counts[outcome] += 1
        else:
            result.left.append((version_id, outcome))
        if progress is not None:
            progress(version_id, outcome)
    return result


@dataclass(slots=True)
class BandBackfillResult:
    #: Stories given their missing blocks.
    stories: int = 0
    #: Band rows added, by permutation block.
    rows: Counter = field(default_factory=Counter)
    #: Stories left as they were: (story id, reason).
    left: list[tuple[int, str]] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(self.rows.values())


def _has_block(block: int):
    """EXISTS: the outer story has a band row of permutation block ``block``."""
    bands = StoryBand.__table__.alias("block_bands")
    numbers = block_band_range(block)
    return exists().where(bands.c.story_id == Story.id, bands.c.band >= numbers.start,
                          bands.c.band < numbers.stop)


def _stories_missing_blocks(session: Session, after: int, size: int) -> list:
    """(story id, first version body, has block 0, has block 1, ...) of the next ``size``
    stories after ``after`` that lack a block."""
    has = [_has_block(k) for k in range(SIGNATURE_BLOCKS)]
    return session.execute(
        select(Story.id, Version.body, *[h.label(f"has_block_{k}") for k, h in enumerate(has)])
        .outerjoin(Version, Version.id == Story.canonical_version_id)
        .where(Story.id > after, or_(*[~h for h in has]))
        .order_by(Story.id).limit(size)
    ).all()


def _add_blocks(session: Session, story_id: int, body: str | None,
                missing: list[int]) -> list[tuple[int, int]] | str:
    """Insert the band rows of the ``missing`` blocks of one story; returns (block, rows) added,
    or why the story was left."""
    if body is None:
        return NO_FIRST_VERSION
    try:
        bands = fingerprint(body).bands
    except Exception as exc:  # one bad row must not stop the backfill
        logger.exception("story %s: fingerprint failed", story_id)
        return f"error: {type(exc).__name__}: {exc}"
    rows, added = [], []
    for block in missing:
        numbers = block_band_range(block)
        rows += [{"band": i, "hash": bands[i], "story_id": story_id} for i in numbers]
        added.append((block, len(numbers)))
    insert_ignore(session, StoryBand, rows, ["band", "hash", "story_id"])
    return added


def backfill_bands(make_session: Callable[[], Session], *, batch: int = BATCH,
                   progress: Callable[[int, list[int] | str], None] | None = None
                   ) -> BandBackfillResult:
    """Add the band rows of every permutation block a story's stored bands lack; see the module
    docstring. ``progress(story_id, blocks_added_or_reason)`` is called for each story."""
    result = BandBackfillResult()
    for session, (story_id, body, *has) in keyset_batches(make_session, _stories_missing_blocks, batch):
        missing = [k for k, present in enumerate(has) if not present]
        outcome = _add_blocks(session, story_id, body, missing)
        if isinstance(outcome, str):
            result.left.append((story_id, outcome))
        else:
            result.stories += 1
            for block, count in outcome:
                result.rows[block] += count
        if progress is not None:
            progress(story_id, outcome if isinstance(outcome, str) else missing)
    return result


def _stories_without_event(session: Session, after: int, size: int) -> list:
    """(story id, story, first version's title, body, published_at) of the next ``size``
    stories after ``after`` that have no event."""
    return session.execute(
        select(Story.id, Story, Version.title, Version.body, Version.published_at)
        .join(Version, Version.id == Story.canonical_version_id)
        .where(Story.id > after, Story.event_id.is_(None))
        .order_by(Story.id).limit(size)).all()


def backfill_events(make_session: Callable[[], Session], *, batch: int = BATCH,
                    progress: Callable[[str, int], None] | None = None) -> int:
    """Link the stories that have no event yet (stored before events were linked), oldest first, as
    if each were stored now in that order (:func:`newscrawl.store.events.link_story`); returns
    how many. ``progress(story_key, event_id)`` is called for each story."""
    done = 0
    for session, (_, story, title, body, published_at) in keyset_batches(make_session, _stories_without_event, batch):
        event_id = link_story(session, story, title, body, published_at)
        done += 1
        if progress is not None:
            progress(story.key, event_id)
    return done


@dataclass(slots=True)
class FeatureBackfillResult:
    #: Stories given their verification features (``story_features``).
    features: int = 0
    #: Stories given their word bands (``story_word_bands``).
    word_bands: int = 0
    #: Stories whose words were counted again (``word_counts`` rebuilt; 0: it agreed with the
    #: word sets stored).
    words_counted: int = 0
    #: Stories left as they were: (story id, reason).
    left: list[tuple[int, str]] = field(default_factory=list)


def _stories_missing_features(session: Session, after: int, size: int) -> list:
    """(story id, first version body, published_at, has features, has word bands, seen day) of
    the next ``size`` stories after ``after`` that lack their features or word bands."""
    # A row stored before revision 0016 lacks the word set: it is written again.
    has_features = exists().where(StoryFeatures.story_id == Story.id, StoryFeatures.word_set.is_not(None))
    has_words = exists().where(StoryWordBand.story_id == Story.id)
    seen_day = (select(func.min(StoryEventTerm.seen_day)).where(StoryEventTerm.story_id == Story.id)
                .scalar_subquery())
    return session.execute(
        select(Story.id, Version.body, Story.published_at, has_features.label("has_features"),
               has_words.label("has_words"), seen_day.label("seen_day"))
        .outerjoin(Version, Version.id == Story.canonical_version_id)
        .where(Story.id > after, or_(~has_features, ~has_words))
        .order_by(Story.id).limit(size)
    ).all()


def backfill_features(make_session: Callable[[], Session], *, batch: int = BATCH,
                      progress: Callable[[int, str], None] | None = None) -> FeatureBackfillResult:
    """Add what the story lookup keeps of a story and a store made before lacks: its
    verification features (revision 0014; without them a candidate is verified from its body;
    its word set, revision 0016, the event evidence of reports, is written with them)
    and its word bands (revision 0009; without them a heavy rewrite of it is not looked up), both
    computed from its first version's body as :func:`~newscrawl.store.repository.add_version`
    computes them. Word bands need the story's day: its publication date, else the day a crawl
    first saw it (its event terms keep it); a story with neither gets none, as a new one would.
    Rows are only added (``ON CONFLICT DO NOTHING``), so a second run writes nothing. Then the
    word counts (``word_counts``, revision 0017) are rebuilt from the word sets when they
    disagree with them (the stories counted are not the stories with a word set).
    ``progress(story_id, what)`` is called for each story."""
    result = FeatureBackfillResult()
    rows = keyset_batches(make_session, _stories_missing_features, batch)
    for session, (story_id, body, published_at, has_features, has_words, seen_day) in rows:
        if body is None:
            result.left.append((story_id, NO_FIRST_VERSION))
            continue
        done = []
        try:
            if not has_features:
                session.execute(delete(StoryFeatures).where(StoryFeatures.story_id == story_id))
                index_features(session, story_id, body)
                result.features += 1
                done.append("features")
            day = day_number(published_at) if published_at is not None else seen_day
            if not has_words and day is not None:
                index_words(session, story_id, body, day)
                result.word_bands += 1
                done.append("word bands")
        except Exception as exc:  # one bad row must not stop the backfill
            logger.exception("story %s: features failed", story_id)
            result.left.append((story_id, f"error: {type(exc).__name__}: {exc}"))
            continue
        if progress is not None and done:
            progress(story_id, " and ".join(done) + " added")
    # The document frequencies are derived from the word sets: a store whose word sets were
    # written before revision 0017 (or by a writer that crashed between them) is recounted.
    with make_session() as session:
        if stories_counted(session) != word_sets_stored(session):
            result.words_counted = recount_words(session)
            session.commit()
    return result


__all__ = ["BATCH", "NO_FIRST_VERSION", "BackfillResult", "BandBackfillResult", "FeatureBackfillResult",
           "backfill_bands", "backfill_derivations", "backfill_events", "backfill_features", "derivation_of",
           "keyset_batches"]
