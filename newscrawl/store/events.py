"""Linking stories that report the same event (see :mod:`newscrawl.stages.events` for the rule).

Each story belongs to one event: its own, until a story with another text reports the same
event. When a story is created, its event terms are stored (``story_event_terms``) and one
grouped query on that table's primary key finds the stories sharing at least
``MIN_SHARED_TERMS`` of them published or first downloaded within the window, counting shared terms and names
as it goes; those that meet the thresholds of :class:`newscrawl.stages.events.EventMatch` are matches.
The new story joins their event; where its matches belong to several events, it shows them to be
one, and they are merged into the oldest (their stories move, the emptied rows go). With no
match it starts an event of its own.

Two stores of the same event committed at the same moment by two processes may each start an
event (they do not see each other's uncommitted rows); the next report of that event that
matches both merges them. ``newscrawl db backfill`` links the stories stored before events were.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, delete, func, select, union, update
from sqlalchemy.orm import Session

from newscrawl.stages.events import EVENT_WINDOW_DAYS, MIN_SHARED_TERMS, EventMatch, event_terms
from newscrawl.store.models import Event, Story, StoryEventTerm

#: Candidate stories verified per new story (the most shared terms first).
MAX_EVENT_CANDIDATES = 50


def day_number(moment: dt.datetime | None) -> int | None:
    """Days since 1970-01-01 (UTC) of ``moment``: the unit the term index is searched by."""
    return None if moment is None else (moment.astimezone(dt.timezone.utc).date() - _EPOCH).days


_EPOCH = dt.date(1970, 1, 1)


def _insert_terms(session: Session, story_id: int, terms: frozenset[str], published: dt.datetime | None,
                  first_seen: dt.datetime) -> None:
    if terms:
        published_day, seen_day = day_number(published), day_number(first_seen)
        session.execute(StoryEventTerm.__table__.insert(),
                        [{"term": term, "story_id": story_id, "published_day": published_day, "seen_day": seen_day}
                         for term in sorted(terms)])


def event_matches(session: Session, story_id: int, terms: frozenset[str], published: dt.datetime | None,
                  first_seen: dt.datetime) -> list[tuple[int, EventMatch]]:
    """(story id, match) of the stored stories that report the same event as ``terms``, published
    at ``published`` and first downloaded at ``first_seen`` (newscrawl.stages.events.within_window, by
    calendar days), best first.

    Two index range scans per term, one on (term, published_day) and one on (term, seen_day),
    united: only the stories of the window are read, however many stories of other days share a
    common name. Reading every story with the term and checking its date on the story row grows
    with the whole store instead (docs/measurements.md, benchmarks/events.py)."""
    if len(terms) < MIN_SHARED_TERMS:
        return []
    wanted = sorted(terms)
    branches = []
    for column, moment in ((StoryEventTerm.seen_day, first_seen), (StoryEventTerm.published_day, published)):
        day = day_number(moment)
        if day is not None:
            branches.append(select(StoryEventTerm.term, StoryEventTerm.story_id).where(
                StoryEventTerm.term.in_(wanted), column.between(day - EVENT_WINDOW_DAYS, day + EVENT_WINDOW_DAYS),
                StoryEventTerm.story_id != story_id))
    found = union(*branches).subquery()  # UNION, not UNION ALL: a term found both ways counts once
    shared = func.count()
    names = func.sum(case((found.c.term.like("#%"), 0), else_=1))
    rows = session.execute(
        select(found.c.story_id, shared, names)
        .group_by(found.c.story_id)
        .having(shared >= MIN_SHARED_TERMS)
        .order_by(shared.desc(), found.c.story_id)
        .limit(MAX_EVENT_CANDIDATES)).all()
    if not rows:
        return []
    sizes = dict(session.execute(
        select(StoryEventTerm.story_id, func.count())
        .where(StoryEventTerm.story_id.in_([r[0] for r in rows]))
        .group_by(StoryEventTerm.story_id)).all())
    matches = []
    for other_id, shared_count, name_count in rows:
        smaller = min(len(terms), sizes[other_id])
        match = EventMatch(shared_count, int(name_count or 0), shared_count / smaller)
        if match.is_match:
            matches.append((other_id, match))
    matches.sort(key=lambda m: (-m[1].overlap, m[0]))
    return matches


def link_story(session: Session, story: Story, title: str | None, body: str,
               published: dt.datetime | None) -> int:
    """Store ``story``'s event terms and give it its event (see the module docstring); returns
    the event id. ``published`` is its first version's publication date. Flushes."""
    terms = event_terms(title, body)
    story.published_at = published
    _insert_terms(session, story.id, terms, published, story.first_seen_at)
    matches = event_matches(session, story.id, terms, published, story.first_seen_at)
    event_ids = set(session.execute(
        select(Story.event_id).where(Story.id.in_([m[0] for m in matches]), Story.event_id.is_not(None))
    ).scalars()) if matches else set()
    if event_ids:
        # One event, or several shown to be one: all go into the oldest.
        target = min(event_ids)
        others = event_ids - {target}
        if others:
            session.execute(update(Story).where(Story.event_id.in_(others)).values(event_id=target))
            session.execute(delete(Event).where(Event.id.in_(others)))
    else:
        event = Event(title=title, first_seen_at=story.first_seen_at)
        session.add(event)
        session.flush()
        target = event.id
    story.event_id = target
    session.flush()
    return target
