"""Which story a new text belongs to, how it derives from it, and which stories it proves one.

:func:`place` decides (in this order, the first that answers wins):

1. the same text (``body_hash``) stored anywhere -> that text's story (an exact copy);
2. the stories sharing at least one LSH band with the text (an indexed lookup, see
   :func:`band_candidates_query`), and those of the days around the text's own sharing its
   word bands (:func:`word_candidates`: a newsroom's heavy rewrite keeps the words, not the
   phrases; newscrawl.stages.fingerprint.words), each verified with
   :func:`~newscrawl.stages.fingerprint.match_features` against the story's *first* version only
   -- never later ones, so a chain of pairwise-similar pages cannot grow into a giant cluster.
   What is verified is read from ``story_features`` (:func:`candidate_features`: the words'
   hashes, stored with the story), never the candidate's body tokenised again; a candidate
   whose 3-gram containment (on arrays) is below every rule's floor is not verified further
   (:func:`verify_candidates`): in a large store most candidates share a band by chance.
   The alignment rule (a rewrite) links only a story of the days around the text's own
   (:func:`aligned_in_time`; either day unknown: it links); the other rules at any distance.
   The verified story with the highest containment wins (ties: the oldest);
3. an earlier version at the same URL (an edit) -> that URL's story, whatever the similarity: a
   publisher that rewrites a developing story keeps its URL, a stronger identity than the text
   (news sites rarely recycle article URLs, while rewrites of developing stories are common);
4. else None: a new story.

**Merges.** When a text verifies against *several* stories in step 2, it proves them one story
(e.g. a full copy arriving after a lead-only reprint and a tail-only excerpt were stored as two
stories). The text joins the best one, and every other verified story is recorded in
``story_merges`` with the new version as evidence. Keys are never rewritten: they are public
identifiers that analysts may have cited; a reader that wants merged stories follows the table.
Merges are recorded only from step 2 (an exact copy's story is not re-verified: it costs a band
lookup per exact copy, the most common case, and the exact copy's first occurrence already had
its chance to match other stories).

**Derivation.** :func:`describe` says how the stored text derives from the story's first
version (:func:`newscrawl.stages.fingerprint.derivation`) and its containment with it; both are kept
on the version row. A text verified by the alignment alone (a newsroom's rewrite) is
"rewritten", its similarity the aligned share (:attr:`StoryMatch.similarity`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter

import numpy as np
from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from newscrawl.model import Fingerprint
from newscrawl.stages.fingerprint import (
    DERIVATION_EXACT,
    DERIVATION_ORIGINAL,
    DERIVATION_REWRITTEN,
    REASON_ALIGNED,
    StoryMatch,
    TextFeatures,
    containment,
    derivation,
    match_features,
    shares_reporting,
    without_alignment,
)
from newscrawl.stages.fingerprint.matching import (
    NO_MATCH_BELOW,
    shingle_array,
    stored_containment,
    stored_features,
    stored_word_set,
    text_hashes,
)
from newscrawl.stages.fingerprint.words import (
    RARE_WORDS_INDEXED,
    RARE_WORDS_LOOKED_UP,
    WEIGHTED_FLOOR,
    WORD_BAND_COUNT,
    WordCounts,
    rarest_words,
    word_bands,
    word_set_hashes,
    word_set_jaccard,
    words_event_figure,
)
from newscrawl.store.inserts import insert_ignore, insert_word_band_rows
from newscrawl.store.events import day_number
from newscrawl.store.models import (
    Story,
    StoryBand,
    StoryEventTerm,
    StoryFeatures,
    StoryMerge,
    StoryWordBand,
    Version,
)
from newscrawl.store.word_counts import fold_word_counts, word_counts

#: At most this many band-sharing stories are verified, those sharing the most bands first.
#: A copy shares many bands with its own story (an exact copy all of them, a spun one several),
#: an unrelated story one or two by chance, so the right story is near the top.
MAX_BAND_CANDIDATES = 25


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a text goes: ``story_id`` None means a new story."""

    story_id: int | None
    via: str  # "exact", "bands", "url", "new", or "kept" (a story given, not looked up)
    match: StoryMatch | None = None  # the verification that placed it (via "bands")
    #: Other stories the text verified against: (story_id, containment). Merges to record.
    also_matched: list[tuple[int, float]] = field(default_factory=list)
    #: Candidates that are not its story but report its event
    #: (:func:`~newscrawl.stages.fingerprint.reports_same_event`): those whose wording it partly
    #: shares, most shared first, then the one sharing most of its longer words (the others
    #: are left: weaker evidence merges no events): a new story reports their event
    #: (newscrawl.store.events).
    related: list[int] = field(default_factory=list)
    #: The text's verification features as the store keeps them (``story_features``: words,
    #: anchor pairs, named, word set), when the lookup computed them: a new story stores them
    #: without tokenising its body again.
    features: tuple[bytes, bytes, bool, bytes] | None = None
    #: The text's rarest words (:func:`~newscrawl.stages.fingerprint.words.rarest_words`), when
    #: the lookup weighed them: a new story indexes the first ``RARE_WORDS_INDEXED``.
    rare_words: tuple[int, ...] | None = None


@lru_cache(maxsize=8)
def _band_query_template(band_count: int, limit: int) -> Select:
    # Built once per band count with bound parameters: building one OR-ed comparison per band as
    # SQLAlchemy expressions on every lookup costs more than the lookup itself
    # (docs/measurements.md, "Store: figures behind its design").
    matches = or_(*[and_(StoryBand.band == i, StoryBand.hash == bindparam(f"h{i}"))
                    for i in range(band_count)])
    shared = func.count().label("shared")
    return (
        select(StoryBand.story_id, shared)
        .where(matches)
        .group_by(StoryBand.story_id)
        .order_by(shared.desc(), StoryBand.story_id)
        .limit(limit)
    )


def _band_params(bands: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(_band_names(len(bands)), bands))


@lru_cache(maxsize=8)
def _band_names(count: int) -> tuple[str, ...]:
    return tuple(f"h{i}" for i in range(count))


def band_candidates_query(bands: tuple[int, ...], limit: int = MAX_BAND_CANDIDATES) -> Select:
    """(story_id, shared band count) of the stories sharing a band with ``bands``, most first.

    One equality probe per band on the (band, hash) index, OR-ed: never a scan of story_bands.
    A statement to inspect or run elsewhere; :func:`band_candidates` runs the same lookup faster.
    """
    return _band_query_template(len(bands), limit).params(**_band_params(bands))


def band_candidates(session: Session, bands: tuple[int, ...],
                    limit: int = MAX_BAND_CANDIDATES) -> list[int]:
    """Ids of the (at most ``limit``) stories sharing a band with ``bands``, those sharing the
    most first (ties: the oldest): the lookup :func:`place` verifies candidates from.

    Runs the cached statement with the hashes as parameters: cloning it with ``.params()`` (as
    :func:`band_candidates_query` does) costs SQLAlchemy a cache-key walk of all its OR-ed
    conditions per call, more than the lookup itself."""
    if not bands:
        return []
    if _on_postgresql(session):
        rows = _run_probe_sql(session, _PG_BAND_PROBE, bands, {"limit": limit})
    else:
        rows = _run_driver_sql(session, ("bands", len(bands), limit),
                               lambda: _band_query_template(len(bands), limit), _band_params(bands))
    return [story_id for story_id, _ in rows]


def _on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# PostgreSQL: the same lookups, their (band, hash) probes joined from two arrays instead of
# hundreds of OR-ed conditions. The server plans a statement of hundreds of conditions anew
# for each page, which costs it several times what running the probes does; the join is one
# index probe a band all the same. Each probe's band is distinct and every key column is in
# the primary key, so a stored row meets at most one probe: the counts, and so the order and
# the rows kept, are those of the OR-ed statement.
_PG_BAND_PROBE = (
    "SELECT b.story_id, count(*) AS shared FROM story_bands AS b "
    "JOIN unnest(CAST(%(bands)s AS smallint[]), CAST(%(hashes)s AS bigint[])) AS p(band, hash) "
    "ON b.band = p.band AND b.hash = p.hash "
    "GROUP BY b.story_id ORDER BY shared DESC, b.story_id LIMIT %(limit)s")
_PG_WORD_PROBE = (
    "SELECT b.story_id, count(*) AS shared FROM story_word_bands AS b "
    "JOIN unnest(CAST(%(bands)s AS smallint[]), CAST(%(hashes)s AS bigint[])) AS p(band, hash) "
    "ON b.band = p.band AND b.hash = p.hash "
    "AND b.day BETWEEN %(first_day)s AND %(last_day)s "
    "GROUP BY b.story_id ORDER BY shared DESC, b.story_id LIMIT %(limit)s")


def _run_probe_sql(session: Session, sql: str, bands: tuple[int, ...],
                   params: dict[str, int]) -> list[tuple]:
    """The rows of a PostgreSQL probe statement (``_PG_*_PROBE``): band ``i`` of ``bands`` is
    probed with hash ``bands[i]``. Flushed first, as :func:`_run_driver_sql` is."""
    if session.autoflush:
        session.flush()
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql, {"bands": list(range(len(bands))), "hashes": list(bands), **params})
        return cursor.fetchall()
    finally:
        cursor.close()


#: The lookups' SQL as the driver takes it, by (dialect, lookup, band count, limit): (SQL,
#: for a positional driver the getter of its parameters in order, else None; the fixed
#: parameters).
_DRIVER_SQL: dict[tuple, tuple[str, Callable[[dict], object] | None, dict]] = {}


def _positional_getter(names: tuple[str, ...]) -> Callable[[dict], tuple]:
    """The values of ``names`` out of a parameter dict, in order, as a tuple: in one C call
    (``itemgetter``) for a statement of a few hundred parameters, where a Python loop over
    them costs more than the statement's bind. (``itemgetter`` of one name returns the value
    itself, of none fails: those go the plain way.)"""
    if len(names) > 1:
        return itemgetter(*names)
    return lambda values: tuple(values[name] for name in names)


def _run_driver_sql(session: Session, key: tuple, template: Callable[[], Select],
                    params: dict[str, int]) -> list[tuple]:
    """The rows of the statement ``template()`` with ``params``, run on the driver's cursor with
    its SQL compiled once per ``key``. A band lookup binds hundreds of parameters: through
    SQLAlchemy's execution each costs its parameter processing and the cache lookup of a
    statement of hundreds of conditions, more than the database takes to run it. The session
    is flushed first, as :meth:`Session.execute` would (autoflush)."""
    if session.autoflush:
        session.flush()
    connection = session.connection()
    entry = _DRIVER_SQL.get((connection.dialect.name, *key))
    if entry is None:
        compiled = template().compile(dialect=connection.dialect)
        entry = (str(compiled),
                 _positional_getter(tuple(compiled.positiontup)) if compiled.positional else None,
                 dict(compiled.params))
        _DRIVER_SQL[(connection.dialect.name, *key)] = entry
    sql, order, fixed = entry
    values = fixed | params
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, order(values) if order is not None else values)
        return cursor.fetchall()
    finally:
        cursor.close()


#: At most this many stories found by their word bands alone are verified as well, those
#: sharing the most first, and only those sharing at least :data:`MIN_SHARED_WORD_BANDS`: one
#: shared band of a word signature is what two texts of one subject share by chance.
MAX_WORD_CANDIDATES = 10
MIN_SHARED_WORD_BANDS = 2
#: Stories sharing at least one word band (most first, at most this many, the verified ones
#: among them) are checked for the event evidence (word-set Jaccard, read from
#: ``story_features``, nothing else): two reports of one event at the threshold's Jaccard (0.2)
#: share at least one of the 64 bands with probability 0.93, two at 0.6.
MAX_EVENT_WORD_CANDIDATES = 30
#: Days either side of a text's own day its word bands are looked up in, and the most days
#: apart the alignment rule links a text and a story (:func:`aligned_in_time`): a newsroom
#: rewrites a wire story within days of it.
WORD_WINDOW_DAYS = 3
#: ``story_word_bands`` also holds each dated story's rarest words
#: (:data:`~newscrawl.stages.fingerprint.words.RARE_WORDS_INDEXED`), one row per word under
#: this band number, after the word signature's bands, the word's hash as the row's hash: the
#: same (band, hash, day) key finds the stories of the days around a text holding one of its
#: rare words (:func:`rare_word_hits`), the reports of its event that share no word band.
RARE_WORDS_BAND = WORD_BAND_COUNT
#: At most this many stories found by rare words alone are checked for the event evidence,
#: those whose shared rare words weigh most first.
MAX_RARE_WORD_CANDIDATES = 10

# The table's columns, not the class's attributes: no ORM execution for plain values (see
# newscrawl.store.repository's statements).
_word_bands = StoryWordBand.__table__.c
_RARE_WORD_ROWS = select(_word_bands.story_id, _word_bands.hash).where(
    _word_bands.band == RARE_WORDS_BAND, _word_bands.hash.in_(bindparam("words", expanding=True)),
    _word_bands.day.between(bindparam("first_day"), bindparam("last_day")))


@lru_cache(maxsize=8)
def _word_query_template(band_count: int, limit: int) -> Select:
    near = StoryWordBand.day.between(bindparam("first_day"), bindparam("last_day"))
    matches = or_(*[and_(StoryWordBand.band == i, StoryWordBand.hash == bindparam(f"h{i}"), near)
                    for i in range(band_count)])
    shared = func.count().label("shared")
    return (
        select(StoryWordBand.story_id, shared)
        .where(matches)
        .group_by(StoryWordBand.story_id)
        .order_by(shared.desc(), StoryWordBand.story_id)
        .limit(limit)
    )


def word_band_hits_query(bands: tuple[int, ...], day: int,
                         limit: int = MAX_EVENT_WORD_CANDIDATES) -> Select:
    """(story_id, shared word bands) of :func:`word_band_hits` as one OR-ed statement: one to
    inspect or run elsewhere; :func:`word_band_hits` runs the same lookup faster."""
    return _word_query_template(len(bands), limit).params(
        first_day=day - WORD_WINDOW_DAYS, last_day=day + WORD_WINDOW_DAYS, **_band_params(bands))


def word_band_hits(session: Session, bands: tuple[int, ...], day: int | None,
                   limit: int = MAX_EVENT_WORD_CANDIDATES) -> list[tuple[int, int]]:
    """(story id, shared word bands) of the (at most ``limit``) stories of the days around
    ``day`` (days since 1970-01-01) sharing a word band with ``bands``, most first (ties: the
    oldest). One index range scan per band on (band, hash, day): the stories of those days only."""
    if not bands or day is None:
        return []
    days = {"first_day": day - WORD_WINDOW_DAYS, "last_day": day + WORD_WINDOW_DAYS}
    if _on_postgresql(session):
        rows = _run_probe_sql(session, _PG_WORD_PROBE, bands, days | {"limit": limit})
    else:
        rows = _run_driver_sql(session, ("words", len(bands), limit),
                               lambda: _word_query_template(len(bands), limit),
                               _band_params(bands) | days)
    return [(story_id, shared) for story_id, shared in rows]


def rare_word_hits(session: Session, words: list[int], counts: WordCounts, day: int | None,
                   limit: int = MAX_RARE_WORD_CANDIDATES) -> list[int]:
    """Ids of the (at most ``limit``) stories of the days around ``day`` whose indexed rarest
    words include some of ``words`` (a text's rarest), those whose shared words weigh most by
    ``counts`` first (ties: the oldest). One index range scan per word on (band, hash, day)."""
    if not words or day is None:
        return []
    rows = session.execute(_RARE_WORD_ROWS, {"words": words, "first_day": day - WORD_WINDOW_DAYS,
                                             "last_day": day + WORD_WINDOW_DAYS}).all()
    weight: dict[int, float] = {}
    for story_id, word in rows:
        weight[story_id] = weight.get(story_id, 0.0) + counts.weight(word)
    return sorted(weight, key=lambda sid: (-weight[sid], sid))[:limit]


def _word_story_candidates(hits: list[tuple[int, int]], limit: int = MAX_WORD_CANDIDATES) -> list[int]:
    return [story_id for story_id, shared in hits if shared >= MIN_SHARED_WORD_BANDS][:limit]


def word_candidates(session: Session, bands: tuple[int, ...], day: int | None,
                    limit: int = MAX_WORD_CANDIDATES) -> list[int]:
    """Ids of the (at most ``limit``) stories of the days around ``day`` (days since 1970-01-01)
    sharing at least :data:`MIN_SHARED_WORD_BANDS` word bands with ``bands``, most first."""
    return _word_story_candidates(word_band_hits(session, bands, day, max(limit, MAX_EVENT_WORD_CANDIDATES)),
                                  limit)


#: A new story's word bands are computed by its lookup (:func:`story_candidates`) and again
#: where they are stored (:func:`index_words`), a few calls apart: the last texts' are kept.
_word_bands = lru_cache(maxsize=4)(word_bands)


def index_words(session: Session, story_id: int, body: str, day: int | None,
                rare_words: tuple[int, ...] | None = None) -> None:
    """Store the word bands and the rarest words of a new story's first version ``body`` (only a
    story with a day); ``rare_words``: its words rarest first, when the lookup weighed them
    (:attr:`Placement.rare_words`), else weighed by the store's counts now."""
    bands = _word_bands(body) if day is not None else ()
    if not bands:
        return
    if rare_words is None:
        words = word_set_hashes(body).tolist()
        rare_words = tuple(rarest_words(words, word_counts(session, words), RARE_WORDS_INDEXED))
    insert_word_band_rows(session, story_id, day, list(enumerate(bands)) + [
        (RARE_WORDS_BAND, word) for word in rare_words[:RARE_WORDS_INDEXED]])


def story_candidates(session: Session, body: str, fp: Fingerprint, day: int | None = None) -> list[int]:
    """Ids of the stories :func:`place` verifies ``body`` against (fingerprint ``fp``, of the
    day ``day``, None: unknown): those sharing its 3-gram bands, then those of the days around
    it sharing its word bands (a newsroom's rewrite)."""
    return _lookup(session, body, fp, day)[0]


def _lookup(session: Session, body: str, fp: Fingerprint, day: int | None) -> tuple[list[int], list[int]]:
    """(:func:`story_candidates`, the other stories sharing a word band: checked for the event
    evidence only)."""
    found = band_candidates(session, fp.bands) if fp.bands else []
    hits = word_band_hits(session, _word_bands(body), day) if day is not None else []
    seen = set(found)
    found += [s for s in _word_story_candidates(hits) if s not in seen]
    seen.update(found)
    return found, [s for s, _ in hits if s not in seen]


def canonical_bodies(session: Session, story_ids: list[int]) -> dict[int, str]:
    """{story id: its first version's body} of the stories ``story_ids``."""
    return {story_id: body for story_id, body in session.execute(_CANONICAL_BODIES, {"story_ids": story_ids})}


# Built once, the ids an expanding parameter: a statement built per call costs SQLAlchemy its
# construction and cache key each time, more than the database takes to run it.
_CANONICAL_BODIES = (select(Story.id, Version.body).join(Version, Version.id == Story.canonical_version_id)
                     .where(Story.id.in_(bindparam("story_ids", expanding=True))))
# The tables' columns, not the classes' attributes: no ORM execution for plain values.
_features = StoryFeatures.__table__.c
_WORD_SETS = select(_features.story_id, _features.word_set).where(
    _features.story_id.in_(bindparam("story_ids", expanding=True)), _features.word_set.is_not(None))
_STORED_FEATURES = select(_features.story_id, _features.words, _features.anchor_pairs,
                          _features.named, _features.word_set).where(
    _features.story_id.in_(bindparam("story_ids", expanding=True)))


def _stored_features(session: Session, story_ids: list[int]) -> dict[int, tuple]:
    """{story id: (words, anchor pairs, named, word set)} of the stories ``story_ids`` that have
    a ``story_features`` row."""
    return {sid: (words, pairs, named, word_set) for sid, words, pairs, named, word_set
            in session.execute(_STORED_FEATURES, {"story_ids": story_ids})}


def _features_from_bodies(session: Session, story_ids: list[int]) -> dict[int, TextFeatures]:
    if not story_ids:
        return {}
    return {sid: TextFeatures.of(body) for sid, body in canonical_bodies(session, story_ids).items()}


def candidate_features(session: Session, story_ids: list[int]) -> dict[int, TextFeatures]:
    """The verification features of the stories ``story_ids``' first versions: read from
    ``story_features`` (a few kilobytes each, nothing tokenised), or computed from the body for
    a story stored before the table existed (``newscrawl db backfill`` adds its row)."""
    if not story_ids:
        return {}
    out = {sid: TextFeatures.from_stored(*row) for sid, row in _stored_features(session, story_ids).items()}
    return out | _features_from_bodies(session, [sid for sid in story_ids if sid not in out])


def verify_candidates(session: Session, mine: TextFeatures, my_shingles: np.ndarray, candidates: list[int],
                      related: list[tuple[int, float, int]],
                      word_checked: dict[int, frozenset[int]],
                      day: int | None = None) -> list[tuple[float, int, StoryMatch]]:
    """(containment, story id, match) of the ``candidates`` a text (``mine``; ``my_shingles``:
    its :func:`~newscrawl.stages.fingerprint.matching.shingle_array`) is one story with; those
    whose wording it shares are added to ``related`` as (0, minus the containment, story id),
    the others' word sets to ``word_checked`` (the event evidence of shared words).

    Most candidates of a large store share a band by chance: their containment, computed on
    arrays from the stored words, is below every rule's floor
    (:data:`~newscrawl.stages.fingerprint.matching.NO_MATCH_BELOW`), so they are neither built
    into sets nor aligned, and only their word sets are kept: the decisions of the full
    verification, for a fraction of its cost.

    The alignment links a text (of day ``day``, None: unknown) only to a story of the days
    around it (:func:`aligned_in_time`): the candidate's day is read only then."""
    stored = _stored_features(session, candidates)
    from_bodies = _features_from_bodies(session, [sid for sid in candidates if sid not in stored])
    verified: list[tuple[float, int, StoryMatch]] = []
    for sid in candidates:
        row = stored.get(sid)
        if row is not None:
            if stored_containment(my_shingles, row[0]) < NO_MATCH_BELOW:
                word_checked[sid] = _word_set(row[3])
                continue
            theirs = TextFeatures.from_stored(*row)
        else:
            theirs = from_bodies.get(sid)
            if theirs is None:
                continue
        m = match_features(mine, theirs)
        if m.reason == REASON_ALIGNED and not aligned_in_time(session, day, sid):
            m = without_alignment(m)
        if m.same_story:
            verified.append((m.containment, sid, m))
        elif shares_reporting(m):
            related.append((0, -m.containment, sid))
        else:
            word_checked[sid] = theirs.word_set
    return verified


#: A story's day (days since 1970-01-01): its publication date, else the day its word bands
#: were indexed under (its first download's in a crawl), else its event terms' download day.
_STORY_DAY = select(
    Story.published_at,
    select(StoryWordBand.day).where(StoryWordBand.story_id == Story.id).limit(1).scalar_subquery(),
    select(StoryEventTerm.seen_day).where(StoryEventTerm.story_id == Story.id).limit(1).scalar_subquery(),
).where(Story.id == bindparam("story_id"))


def story_day(session: Session, story_id: int) -> int | None:
    """The day (days since 1970-01-01) of story ``story_id``'s first version: its publication
    date, else its first download's in a crawl; None: unknown (read from a file without a date)."""
    row = session.execute(_STORY_DAY, {"story_id": story_id}).first()
    if row is None:
        return None
    published, band_day, seen_day = row
    if published is not None:
        return day_number(published)
    return band_day if band_day is not None else seen_day


def aligned_in_time(session: Session, day: int | None, story_id: int) -> bool:
    """Whether the alignment may link a text of day ``day`` (None: unknown) to story
    ``story_id``: their days are at most :data:`WORD_WINDOW_DAYS` apart, or either is unknown.

    The alignment links texts that tell one story in other words, and an agency writes its
    different stories of one kind (two matches, two tournaments) to one template, whose
    passages align as well as a rewrite's: what tells them apart is the time between them, as
    a newsroom rewrites a wire story within days of it. A text without a day is still linked:
    a file read without a date must be linkable to its story. Containment and anchors are not
    limited: a copy is a copy whenever it is published."""
    if day is None:
        return True
    theirs = story_day(session, story_id)
    return theirs is None or abs(theirs - day) <= WORD_WINDOW_DAYS


def word_sets(session: Session, story_ids: list[int]) -> dict[int, frozenset[int]]:
    """{story id: its word-set hashes} of the stories ``story_ids`` that have them stored."""
    if not story_ids:
        return {}
    return {sid: _word_set(ws) for sid, ws in session.execute(_WORD_SETS, {"story_ids": story_ids})}


def _word_set(stored: bytes | None) -> frozenset[int]:
    return frozenset() if stored is None else frozenset(np.frombuffer(stored, dtype="<u4").tolist())


def index_features(session: Session, story_id: int, body: str,
                   features: tuple[bytes, bytes, bool, bytes] | None = None) -> None:
    """Store the verification features of a new story's first version ``body`` (``features``:
    already computed by the lookup, :attr:`Placement.features`)."""
    words, pairs, named, word_set = features if features is not None \
        else (*stored_features(body), stored_word_set(body))
    insert_ignore(session, StoryFeatures,
                  {"story_id": story_id, "words": words, "anchor_pairs": pairs, "named": named,
                   "word_set": word_set},
                  ["story_id"])
    # The document frequencies of the event evidence: the word sets written since the last
    # count are counted in a batch when enough have been.
    fold_word_counts(session, story_id)


def shared_words(session: Session, mine: frozenset[int], others: dict[int, frozenset[int]],
                 mine_counts: WordCounts | None = None, dated: bool = True) -> list[tuple[int, float]]:
    """(story id, figure) of the stories ``others`` (id: word set) whose longer words say they
    report the event of the text of word set ``mine``
    (:func:`~newscrawl.stages.fingerprint.words.words_event_figure`). Only stories at a plain
    Jaccard of at least ``WEIGHTED_FLOOR`` are weighed, and the document frequencies of their
    words and the text's are read in one lookup (``word_counts``); with too few stories
    counted the plain Jaccard decides. ``mine_counts``: the counts of ``mine``'s words, read
    already (only the others' words are read then). ``dated``: the text states a publication
    date; a pair of which either story does not is weighed as undated."""
    near = {sid: ws for sid, ws in others.items() if word_set_jaccard(mine, ws) >= WEIGHTED_FLOOR}
    if not near:
        return []
    undated = set(near) if not dated else undated_stories(session, list(near))
    if mine_counts is None:
        counts = word_counts(session, mine.union(*near.values()))
    else:
        theirs = word_counts(session, frozenset().union(*near.values()) - mine)
        counts = WordCounts(theirs.stories, {**mine_counts.counts, **theirs.counts})
    found = [(sid, words_event_figure(mine, ws, counts, dated=sid not in undated)) for sid, ws in near.items()]
    return [(sid, figure) for sid, figure in found if figure is not None]


_UNDATED = select(Story.id).where(Story.id.in_(bindparam("story_ids", expanding=True)),
                                  Story.published_at.is_(None))


def undated_stories(session: Session, story_ids: list[int]) -> set[int]:
    """The stories of ``story_ids`` that state no publication date (their day, if any, is a
    download's)."""
    return set(session.execute(_UNDATED, {"story_ids": story_ids}).scalars()) if story_ids else set()


# Built once: a statement built per call costs SQLAlchemy more than SQLite takes to run it; on
# the table's columns, not the class's attributes: no ORM execution for plain values.
_versions = Version.__table__.c
_FIRST_STORY_WITH_HASH = (select(_versions.story_id).where(_versions.body_hash == bindparam("body_hash"))
                          .order_by(_versions.id).limit(1))
_LAST_STORY_AT_URL = (select(_versions.story_id).where(_versions.url == bindparam("url"))
                      .order_by(_versions.id.desc()).limit(1))


def place(session: Session, url: str, body: str, fp: Fingerprint, day: int | None = None,
          dated: bool = True) -> Placement:
    """The story ``body`` (fetched at ``url``; its day ``day``, days since 1970-01-01, None:
    unknown; ``dated``: the day is a stated publication date, not a download's) belongs to; see
    the module docstring."""
    story_id = session.execute(_FIRST_STORY_WITH_HASH, {"body_hash": fp.body_hash}).scalar()
    if story_id is not None:
        return Placement(story_id, "exact")

    # (0 = shares wording, 1 = shares longer words; minus the figure; story id), best first.
    related: list[tuple[int, float, int]] = []
    hashes = text_hashes(body)
    my_words = word_set_hashes(body)
    features = (hashes[0].astype("<u4").tobytes(), hashes[1].astype("<u4").tobytes(), hashes[2],
                my_words.astype("<u4").tobytes())
    word_checked: dict[int, frozenset[int]] = {}  # stories not its own nor sharing wording
    rare_words: tuple[int, ...] | None = None
    if fp.bands:
        mine = TextFeatures.from_hashes(*hashes, word_set=my_words)
        candidates, event_only = _lookup(session, body, fp, day)
        if candidates:
            verified = verify_candidates(session, mine, shingle_array(hashes[0]), candidates, related,
                                         word_checked, day)
            if verified:
                verified.sort(key=lambda v: (-v[0], v[1]))
                best = verified[0]
                return Placement(best[1], "bands", best[2],
                                 [(sid, c) for c, sid, _ in verified[1:]], features=features)
        # Not a copy: the counts of its words are read once, for its rarest words (looked up
        # here, indexed if it is a new story) and the weights of the event evidence.
        mine_counts = None
        if day is not None:
            mine_counts = word_counts(session, mine.word_set)
            rare_words = tuple(rarest_words(mine.word_set, mine_counts, RARE_WORDS_LOOKED_UP))
            seen = set(candidates).union(event_only)
            event_only += [sid for sid in rare_word_hits(session, list(rare_words), mine_counts, day)
                           if sid not in seen]
        word_checked |= word_sets(session, event_only)
        related += [(1, -figure, sid) for sid, figure in shared_words(
            session, mine.word_set, word_checked, mine_counts, dated)]
    related.sort()
    # Shared longer words are weaker evidence than shared wording: the best such story names
    # the event, the others are not merged into it on that evidence alone.
    related_ids = [sid for n, (rank, _, sid) in enumerate(related)
                   if rank == 0 or n == 0 or related[n - 1][0] == 0]

    story_id = session.execute(_LAST_STORY_AT_URL, {"url": url}).scalar()
    if story_id is not None:
        return Placement(story_id, "url", related=related_ids, features=features, rare_words=rare_words)
    return Placement(None, "new", related=related_ids, features=features, rare_words=rare_words)


def describe(session: Session, story_id: int, body: str, placement: Placement,
             created: bool) -> tuple[str, float]:
    """(derivation, containment with the canonical version) of ``body`` in story ``story_id``."""
    if created:
        return DERIVATION_ORIGINAL, 1.0
    row = session.execute(_CANONICAL_AND_FIRST, {"story_id": story_id}).first()
    if row is None:  # a story without a first version: only a damaged database has one
        return derivation("", body), 0.0
    canonical, canonical_is_first = row
    if placement.via == "exact":
        # Same normalized text as some version of the story, not necessarily the first one.
        return compare_with_first(canonical, body)
    if placement.match is not None and placement.match.reason == REASON_ALIGNED:
        # Verified by the alignment alone: a newsroom's rewrite; the aligned share is the figure.
        return DERIVATION_REWRITTEN, placement.match.similarity
    # A verified match measured the text against the story's first stored text; once a copy
    # published before it is the story's original (newscrawl.store.originals), the figure is
    # measured against the original instead, as for every other version.
    kind = derivation(canonical, body)  # first: it leaves the canonical's tokens cached
    measured = placement.match is not None and bool(canonical_is_first)
    return kind, placement.match.containment if measured else _containment(canonical, body)


# The canonical body and whether the canonical is the story's first version, in one statement:
# the second only a verified match needs, and a statement costs the storing process more than
# the index probe it adds.
# On the tables, not the mapped classes: no ORM execution for plain values.
_first = Version.__table__.alias("first_versions")
_CANONICAL_AND_FIRST = (
    select(Version.__table__.c.body, Story.__table__.c.canonical_version_id == select(
        func.min(_first.c.id)).where(_first.c.story_id == Story.__table__.c.id).scalar_subquery())
    .join_from(Story.__table__, Version.__table__,
               Version.__table__.c.id == Story.__table__.c.canonical_version_id)
    .where(Story.__table__.c.id == bindparam("story_id")))


def compare_with_first(canonical: str, body: str,
                       canonical_features: TextFeatures | None = None) -> tuple[str, float]:
    """(derivation, containment) of ``body`` against its story's first version ``canonical``,
    where no verified match already measured the containment (also what a backfill records).
    ``canonical_features``: ``TextFeatures.of(canonical)``, when the caller compares many
    bodies with one canonical text (it is then tokenised once)."""
    kind = derivation(canonical, body)
    if kind == DERIVATION_EXACT:
        return kind, 1.0
    if canonical_features is None:
        return kind, _containment(canonical, body)
    return kind, containment(canonical_features.shingles, TextFeatures.of(body).shingles)


def _containment(a: str, b: str) -> float:
    return containment(TextFeatures.of(a).shingles, TextFeatures.of(b).shingles)


def record_merges(session: Session, story_id: int, version_id: int,
                  also_matched: list[tuple[int, float]], at: dt.datetime) -> int:
    """Record that ``story_id`` and each story in ``also_matched`` are one; returns rows added.

    Each pair is stored once, older story first, whichever copy proved it first.
    """
    added = 0
    for other_id, similarity in also_matched:
        older, newer = sorted((story_id, other_id))
        exists = session.execute(
            select(StoryMerge.id).where(StoryMerge.story_id == older,
                                        StoryMerge.merged_story_id == newer)
        ).first()
        if exists is None:
            # ON CONFLICT DO NOTHING: two crawler processes may prove the same pair at once.
            insert_ignore(session, StoryMerge,
                          {"story_id": older, "merged_story_id": newer,
                           "evidence_version_id": version_id, "similarity": similarity,
                           "recorded_at": at},
                          ["story_id", "merged_story_id"])
            added += 1
    return added


__all__ = ["MAX_BAND_CANDIDATES", "Placement", "aligned_in_time", "band_candidates", "band_candidates_query",
           "candidate_features", "canonical_bodies", "compare_with_first", "describe", "index_features", "index_words", "place", "rare_word_hits", "record_merges", "shared_words", "story_candidates", "story_day", "undated_stories", "verify_candidates",
           "word_band_hits", "word_band_hits_query", "word_candidates", "word_sets"]
