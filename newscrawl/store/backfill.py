"""Filling in what versions stored before revision 0003 lack (``newscrawl db backfill``).

Revision 0003 added ``versions.derivation`` (how a version derives from its story's first
version: original, exact, trimmed, reworded, edited) and ``versions.similarity`` (its 3-gram
containment with it); versions stored before it have NULL in both. :func:`backfill_derivations`
computes them from the stored bodies exactly as a store computes them for a new version
(:func:`newscrawl.store.matching.describe`): against the story's *first* version, never a
later one. Design decisions:

* **A command, not a migration step**: the derivation compares texts (difflib, ~20 ms a
  version), hours on a store of millions of versions - too long to hold the migration lock and
  stop every crawler's start. The schema does not depend on it: NULL stays a valid value
  ("not known") and readers already show it as such.
* **Idempotent, resumable, beside a crawl**: only rows still NULL are read, in batches by id
  (bounded memory), each batch one short transaction whose UPDATE only fills rows still NULL;
  crawlers never write NULL, so nothing they store is overwritten and an interrupted run goes on
  where it stopped when run again.
* **Bad input**: a version whose story has no first version (only a damaged database has one)
  is left NULL and reported, never guessed; so is a version whose comparison fails.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from newscrawl.fingerprint import DERIVATION_ORIGINAL, DERIVATIONS
from newscrawl.store.matching import compare_with_first
from newscrawl.store.models import Story, Version

logger = logging.getLogger(__name__)

#: Versions read per batch (and per transaction).
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


def backfill_derivations(make_session: Callable[[], Session], *, batch: int = BATCH,
                         progress: Callable[[int, str], None] | None = None) -> BackfillResult:
    """Compute ``derivation`` and ``similarity`` of every version that has none; see the module
    docstring. ``progress(version_id, derivation_or_reason)`` is called for each version."""
    result = BackfillResult()
    after = 0
    while True:
        with make_session() as session:
            rows = _batch(session, after, batch)
            if not rows:
                return result
            for version_id, body, first_id, first_body in rows:
                after = version_id
                outcome = _fill(session, version_id, body, first_id, first_body)
                if outcome in DERIVATIONS:
                    result.counts[outcome] += 1
                else:
                    result.left.append((version_id, outcome))
                if progress is not None:
                    progress(version_id, outcome)
            session.commit()


__all__ = ["BATCH", "NO_FIRST_VERSION", "BackfillResult", "backfill_derivations",
           "derivation_of"]
