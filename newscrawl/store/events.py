"""Linking stories that report the same event (see :mod:`newscrawl.stages.events` for the rule).

Each story belongs to one event: its own, until a story with another text reports the same
event. A story's *day* is its publication date, else the day a crawl first fetched it; a page
read from a file has no fetch day (a file's time says when it was saved or copied, not when
the news came out), so such a story without a publication date has no day, and is linked to
no other story. When a story is created, its event terms are stored (``story_event_terms``)
and one grouped query on that table's primary key finds the stories sharing at least
``MIN_SHARED_TERMS`` of them whose day is within the window of its own, counting shared terms
and names as it goes; those that meet the thresholds of
:class:`newscrawl.stages.events.EventMatch` are matches.

**Shared wording.** A new story whose text partly shares the wording of a stored story it is
not (3-gram containment >= ``SAME_EVENT_CONTAINMENT``, measured by the story verification:
a newspaper story built on a paragraph of a wire story) reports that story's event, whatever
its terms: this is what links reports in scripts without letter case, whose terms hold no names.
So does a story sharing many of its longer words, weighted by how rare they are in the store
(``SAME_EVENT_WEIGHTED``, newscrawl.stages.fingerprint.words; document frequencies in
``word_counts``, newscrawl.store.word_counts; a lower cosine with two rare words shared,
``SAME_EVENT_RARE_COSINE``; the plain Jaccard ``SAME_EVENT_WORDS`` while few stories are
counted): an independent report of the event.

**Bounded events.** An event keeps the first and last day of its stories (``first_day``,
``last_day``). The new story joins the event of its best match whose span, with the story's
day, stays within the window; the events of its other matches are merged into that one only
while the merged span stays within it too (their stories move, the emptied rows go). So
A~B and B~C never make an event longer than the window: C starts its own event when A's event
would grow too long. With no such match it starts an event of its own.

Two stores of the same event committed at the same moment by two processes may each start an
event (they do not see each other's uncommitted rows); the next report of that event that
matches both merges them. ``newscrawl db backfill`` links the stories stored before events were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import bindparam, case, delete, func, select, union_all, update
from sqlalchemy.orm import Session

from newscrawl.stages.events import EVENT_WINDOW_DAYS, MIN_SHARED_TERMS, EventMatch, event_terms, story_day
from newscrawl.store.inserts import insert_event_term_rows
from newscrawl.store.models import Event, Story, StoryEventTerm

#: Candidate stories verified per new story (the most shared terms first).
MAX_EVENT_CANDIDATES = 50


def day_number(moment: dt.datetime | None) -> int | None:
    """Days since 1970-01-01 (UTC) of ``moment``: the unit the term index is searched by."""
    return None if moment is None else (moment.astimezone(dt.timezone.utc).date() - _EPOCH).days


_EPOCH = dt.date(1970, 1, 1)


def _insert_terms(session: Session, story_id: int, terms: frozenset[str], published: dt.datetime | None,
                  first_seen: dt.datetime) -> None:
    insert_event_term_rows(session, story_id, sorted(terms), day_number(published), day_number(first_seen))


def _matches_query():
    # The table's columns, not the class's attributes: no ORM execution for plain values.
    terms = StoryEventTerm.__table__.c
    wanted = terms.term.in_(bindparam("terms", expanding=True))
    near = (bindparam("first_day"), bindparam("last_day"))
    other = terms.story_id != bindparam("story_id")
    # UNION ALL: no (term, story) row is found both ways (the first way needs its publication
    # day, the second has none) nor twice one way (the table's key), so there is nothing to
    # remove, and UNION's de-duplication of thousands of rows is a third of the query's time.
    found = union_all(
        select(terms.term, terms.story_id).where(
            wanted, terms.published_day.between(*near), other),
        select(terms.term, terms.story_id).where(
            wanted, terms.seen_day.between(*near), terms.published_day.is_(None), other),
    ).subquery()
    shared = func.count()
    names = func.sum(case((found.c.term.like("#%"), 0), else_=1))
    return (select(found.c.story_id, shared, names)
            .group_by(found.c.story_id)
            .having(shared >= MIN_SHARED_TERMS)
            .order_by(shared.desc(), found.c.story_id)
            .limit(MAX_EVENT_CANDIDATES))


# Built once, with the terms, days and ids as parameters: building this union per new story
# costs SQLAlchemy more than the database takes to run it.
_MATCHES = _matches_query()
_TERM_COUNTS = (select(StoryEventTerm.__table__.c.story_id, func.count())
                .where(StoryEventTerm.__table__.c.story_id.in_(bindparam("story_ids", expanding=True)))
                .group_by(StoryEventTerm.__table__.c.story_id))


_INSERT_EVENT = Event.__table__.insert().returning(Event.__table__.c.id)
_EVENTS_OF_STORIES = select(Story.id, Story.event_id).where(
    Story.id.in_(bindparam("story_ids", expanding=True)), Story.event_id.is_not(None))
_EVENTS = select(Event).where(Event.id.in_(bindparam("event_ids", expanding=True)))


def event_matches(session: Session, story_id: int, terms: frozenset[str], published: dt.datetime | None,
                  first_seen: dt.datetime | None, window_days: int = EVENT_WINDOW_DAYS) -> list[tuple[int, EventMatch]]:
    """(story id, match) of the stored stories that report the same event as ``terms``, whose day
    (publication date, else first fetch in a crawl) is within ``window_days`` of this story's
    (``published``, else ``first_seen``; None: fetched from a file), best first.

    Two index range scans per term, one on (term, published_day) and one on (term, seen_day)
    for the stories without a publication date, united: only the stories of the window are
    read, however many stories of other days share a common name. Reading every story with the
    term and checking its date on the story row grows with the whole store instead
    (docs/measurements.md, benchmarks/events.py)."""
    day = day_number(published if published is not None else first_seen)
    if len(terms) < MIN_SHARED_TERMS or day is None:
        return []
    rows = session.execute(_MATCHES, {"terms": sorted(terms), "first_day": day - window_days,
                                      "last_day": day + window_days, "story_id": story_id}).all()
    if not rows:
        return []
    sizes = dict(session.execute(_TERM_COUNTS, {"story_ids": [r[0] for r in rows]}).all())
    matches = []
    for other_id, shared_count, name_count in rows:
        smaller = min(len(terms), sizes[other_id])
        match = EventMatch(shared_count, int(name_count or 0), shared_count / smaller)
        if match.is_match:
            matches.append((other_id, match))
    matches.sort(key=lambda m: (-m[1].overlap, m[0]))
    return matches


def _within(days: list[dt.date], window_days: int) -> bool:
    return not days or (max(days) - min(days)).days <= window_days


def link_story(session: Session, story: Story, title: str | None, body: str,
               published: dt.datetime | None, *, fetched: bool = True,
               related: Sequence[int] = (), window_days: int = EVENT_WINDOW_DAYS) -> int:
    """Store ``story``'s event terms and give it its event (see the module docstring); returns
    the event id. ``published`` is its first version's publication date; ``fetched``: its
    ``first_seen_at`` is a download's time (a crawl, a WARC record), not a file's; ``related``:
    stories whose wording its text partly shares (the verification's evidence of one event,
    newscrawl.store.matching.Placement.related), tried before the term matches. Flushes.

    ``story`` may also be a transient :class:`Story` holding the values of a row its caller
    inserted itself (:func:`newscrawl.store.repository.add_version`): its ``published_at`` and
    ``event_id`` are then set on the object only, for the caller to write."""
    terms = event_terms(title, body)
    story.published_at = published
    seen = story.first_seen_at if fetched else None
    _insert_terms(session, story.id, terms, published, seen)
    matches = event_matches(session, story.id, terms, published, seen, window_days)
    return _join(session, story, list(related) + [m[0] for m in matches],
                 story_day((published, seen)), title, window_days)


def date_story(session: Session, story: Story, published: dt.datetime,
               window_days: int = EVENT_WINDOW_DAYS) -> int | None:
    """Give ``story``, stored without a day (no publication date, read from a file), the
    publication date a later version of it states, and link it again by its stored terms;
    returns its event id (None: it had a day already). Flushes."""
    if story.published_at is not None:
        return None
    seen_day = session.execute(select(StoryEventTerm.seen_day).where(
        StoryEventTerm.story_id == story.id).limit(1)).scalar()
    if seen_day is not None:
        return None  # downloaded by a crawl: its day is that download's
    story.published_at = published
    session.execute(update(StoryEventTerm).where(StoryEventTerm.story_id == story.id)
                    .values(published_day=day_number(published)))
    terms = frozenset(session.execute(select(StoryEventTerm.term).where(
        StoryEventTerm.story_id == story.id)).scalars())
    matches = event_matches(session, story.id, terms, published, None, window_days)
    return _join(session, story, [m[0] for m in matches], story_day((published, None)), story.title,
                 window_days)


def _join(session: Session, story: Story, matches: list[int], day: dt.date | None,
          title: str | None, window_days: int) -> int:
    """Put ``story`` (of day ``day``) in the events of the stories ``matches`` (best first) that
    stay within the window (merged into the oldest), else in its own event (the one it has, or
    a new one)."""
    event_of = dict(session.execute(_EVENTS_OF_STORIES, {"story_ids": matches}).all()) if matches else {}
    # The matches' events, best match first; the story's own event (when it has one) leads.
    ranked: list[int] = [story.event_id] if story.event_id is not None else []
    for story_id in matches:
        event_id = event_of.get(story_id)
        if event_id is not None and event_id not in ranked:
            ranked.append(event_id)
    events = {e.id: e for e in session.execute(_EVENTS, {"event_ids": ranked}).scalars()} \
        if ranked else {}
    span: list[dt.date] = [day] if day is not None else []
    chosen: list[int] = []
    for event_id in ranked:
        event = events[event_id]
        event_days = [d for d in (event.first_day, event.last_day) if d is not None]
        if not _within(span + event_days, window_days):
            continue  # joining it would stretch an event beyond the window: no chaining
        span += event_days
        chosen.append(event_id)
    if not chosen:
        # A new event's row in one INSERT ... RETURNING with its span: the same row the ORM
        # wrote in an insert and an update, without its unit of work.
        target_id = session.execute(_INSERT_EVENT, {
            "title": title, "first_seen_at": story.first_seen_at,
            "first_day": min(span) if span else None, "last_day": max(span) if span else None,
        }).scalar_one()
    else:
        # One event, or several shown to be one (within the window): all go into the oldest.
        target = events[min(chosen)]
        target_id = target.id
        merged = [e for e in chosen if e != target.id]
        if merged:
            session.execute(update(Story).where(Story.event_id.in_(merged)).values(event_id=target.id))
            session.execute(delete(Event).where(Event.id.in_(merged)))
            target.first_seen_at = min([target.first_seen_at] + [events[e].first_seen_at for e in merged])
        if span:
            target.first_day, target.last_day = min(span), max(span)
    story.event_id = target_id
    session.flush()
    return target_id
