"""A story's original: the copy published first, whatever order a crawl stored its copies in.

A story's canonical version starts as the first copy stored. Copies of a wire story arrive in
the order a crawl's downloads (and its stage workers) happen to finish, so the wire original is
often stored after a reprint of it: a scraper's trimmed copy, a spun copy, a portal's. When a new
version of a story was *published before* the story's canonical version, by dates precise
enough to tell (:func:`published_before`), it becomes the canonical version
(:func:`make_original`): the story takes its title and language, and every other version's
``derivation`` and ``similarity`` are measured again against it, as if it had been stored first.
Which copy a story shows as its original then depends on the copies, not on the crawl's timing.

Two things do not change, by decision:

* the story's ``key``: a key once given names the story for good (exports, links, scripts
  already hold it), so it stays the first stored copy's;
* what new texts are matched against (``story_features``, the bands): the first stored text,
  which the new original was itself verified against, so no chain of similar-to-similar grows.

A version whose derivation is ``rewritten`` keeps it: it was linked by the alignment of a
newsroom's rewrite (:data:`~newscrawl.stages.fingerprint.derivations.DERIVATION_REWRITTEN`),
which a containment measure against another copy would describe worse.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from newscrawl.stages.fingerprint import TextFeatures
from newscrawl.stages.fingerprint.derivations import DERIVATION_REWRITTEN
from newscrawl.store.matching import compare_with_first
from newscrawl.store.models import Story, Version, utc

#: Date sources that state a moment the publisher declared (structured data, meta tags). A date
#: found any other way (htmldate's reading of the page, the URL) says a day at most.
DECLARED_SOURCES = ("json-ld", "meta:")


def _declared(source: str | None) -> bool:
    return source is not None and source.startswith(DECLARED_SOURCES)


def _has_time(at: dt.datetime) -> bool:
    # A declared date without a time of day is read as midnight: it says a day, not a moment.
    return (at.hour, at.minute, at.second, at.microsecond) != (0, 0, 0, 0)


def published_before(at: dt.datetime | None, source: str | None,
                     other_at: dt.datetime | None, other_source: str | None) -> bool:
    """Whether a text published ``at`` (found by ``source``) came out before one published
    ``other_at``: moments are compared when both are declared with a time of day, else days
    (a day is all a date-only value tells); an unknown date is never before anything."""
    if at is None or other_at is None:
        return False
    at, other_at = utc(at), utc(other_at)
    if _declared(source) and _declared(other_source) and _has_time(at) and _has_time(other_at):
        return at < other_at
    return at.date() < other_at.date()


_CANONICAL_DATE = (select(Version.published_at, Version.published_source)
                   .join(Story, Story.canonical_version_id == Version.id)
                   .where(Story.id == bindparam("story_id")))
_OTHER_VERSIONS = select(Version.id, Version.body, Version.derivation).where(
    Version.story_id == bindparam("story_id"), Version.id != bindparam("version_id"))
_versions = Version.__table__.c
_SET_DERIVATION = (update(Version.__table__).where(_versions.id == bindparam("version_id_"))
                   .values(derivation=bindparam("derivation_"), similarity=bindparam("similarity_")))


def precedes_original(session: Session, story_id: int, published_at: dt.datetime | None,
                      published_source: str | None) -> bool:
    """Whether a text published ``published_at`` came out before story ``story_id``'s
    canonical version (one indexed read; none when the text has no date)."""
    if published_at is None:
        return False
    row = session.execute(_CANONICAL_DATE, {"story_id": story_id}).first()
    return row is not None and published_before(published_at, published_source, *row)


def make_original(session: Session, story: Story, version_id: int, body: str, title: str | None,
                  language: str | None) -> int:
    """Make version ``version_id`` (text ``body``) story ``story``'s canonical version: the
    story's title and language become its, and the other versions' derivations are measured
    against it (``rewritten`` ones kept). Returns how many versions were measured again."""
    story.canonical_version_id = version_id
    story.title = title
    story.language = language
    session.flush()
    changed = []
    original = TextFeatures.of(body)  # tokenised once for all the versions measured against it
    for other_id, other_body, kind in session.execute(
            _OTHER_VERSIONS, {"story_id": story.id, "version_id": version_id}):
        if kind == DERIVATION_REWRITTEN:
            continue
        derivation, similarity = compare_with_first(body, other_body, original)
        changed.append({"version_id_": other_id, "derivation_": derivation,
                        "similarity_": similarity})
    if changed:
        session.execute(_SET_DERIVATION, changed)
    return len(changed)


__all__ = ["DECLARED_SOURCES", "make_original", "precedes_original", "published_before"]
