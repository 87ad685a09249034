"""Document frequencies of the longer words (``word_counts``): the weights of the event evidence.

Two reports of one event share names, places and figures; two different stories of one language
share its common words. Weighting each shared word by its inverse document frequency
(newscrawl.stages.fingerprint.words.weighted_word_cosine) tells the two apart better than
counting words, in any script, with no word list: the frequencies are the store's own.

**Counted in batches, not per story** (:func:`fold_word_counts`, called as a new story's word set
is written): when :data:`FOLD_EVERY` stories have been stored since the last count, the writer
that notices counts the word sets of the stories after it (``story_features.word_set``) and
adds them up, one upsert per distinct word. Counting every story as it is stored would write
the same rows (the language's common words, the number of stories) in every new story's
transaction: on PostgreSQL each writer would then wait for the other's commit (row locks held to
the end of the transaction), and concurrent crawler processes would store one story at a time.
Batched, the word rows are written by one transaction in :data:`FOLD_EVERY`, which first takes
the :data:`~newscrawl.store.models.COUNTED_THROUGH` row with ``FOR UPDATE SKIP LOCKED``: a
writer that finds another counting leaves the batch to it and does not wait. The counts lag
the store by fewer than :data:`FOLD_EVERY` stories: weights of a language's words do not move
with a few dozen stories.

A story committed after a later one was counted (two writers, ids out of commit order) is not
counted; ``newscrawl db backfill`` rebuilds the table (:func:`recount_words`) when the number
of stories counted disagrees with the word sets stored.

**Read per new text only when needed** (:func:`word_counts`): the counts of the words of the new
text and of the few stories that pass the plain-Jaccard floor (``WEIGHTED_FLOOR``), one
primary-key lookup per word, no lock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
from sqlalchemy import bindparam, delete, func, insert, select, text
from sqlalchemy.orm import Session

from newscrawl.stages.fingerprint.words import WordCounts
from newscrawl.store.models import COUNTED_THROUGH, STORIES_COUNTED, StoryFeatures, WordCount

#: Stories stored between two counts of their words.
FOLD_EVERY = 64

_COUNTS = select(WordCount.hash, WordCount.stories).where(
    WordCount.hash.in_(bindparam("hashes", expanding=True)))
# The table's columns, not the class's attributes: no ORM execution for a plain value.
_THROUGH = select(WordCount.__table__.c.stories).where(WordCount.__table__.c.hash == COUNTED_THROUGH)
_SQLITE_ADD = ("INSERT INTO word_counts (hash, stories) VALUES (?, ?) "
               "ON CONFLICT (hash) DO UPDATE SET stories = word_counts.stories + excluded.stories")
_PG_ADD = text(
    "INSERT INTO word_counts (hash, stories) "
    "SELECT h, n FROM unnest(CAST(:hashes AS bigint[]), CAST(:counts AS integer[])) AS rows(h, n) "
    "ORDER BY h ON CONFLICT (hash) DO UPDATE SET stories = word_counts.stories + excluded.stories")
_PG_CLAIM = text("SELECT stories FROM word_counts WHERE hash = :key FOR UPDATE SKIP LOCKED")
_PG_START = text("INSERT INTO word_counts (hash, stories) VALUES (:key, 0) ON CONFLICT (hash) DO NOTHING")


def _word_sets_after(session: Session, after: int, through: int | None, batch: int) -> list[tuple[int, bytes]]:
    """(story id, word set) of the next ``batch`` stories after ``after`` up to ``through``
    (None: the last) that have a word set."""
    query = select(StoryFeatures.story_id, StoryFeatures.word_set).where(
        StoryFeatures.story_id > after, StoryFeatures.word_set.is_not(None))
    if through is not None:
        query = query.where(StoryFeatures.story_id <= through)
    return session.execute(query.order_by(StoryFeatures.story_id).limit(batch)).all()


def _tally(rows: list[tuple[int, bytes]], counts: Counter) -> None:
    for _, word_set in rows:
        counts.update(set(np.frombuffer(word_set, dtype="<u4").tolist()))


def _add(session: Session, counts: Counter) -> None:
    """Add ``counts`` (hash: stories) to ``word_counts``, in the order of the keys."""
    items = sorted(counts.items())
    if not items:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(_PG_ADD, {"hashes": [h for h, _ in items], "counts": [n for _, n in items]})
    elif dialect == "sqlite":
        if session.autoflush:
            session.flush()
        cursor = session.connection().connection.cursor()
        try:
            cursor.executemany(_SQLITE_ADD, items)
        finally:
            cursor.close()
    else:
        existing = dict(session.execute(_COUNTS, {"hashes": [h for h, _ in items]}).all())
        for h, n in items:
            if h in existing:
                session.execute(WordCount.__table__.update().where(WordCount.hash == h)
                                .values(stories=WordCount.stories + n))
            else:
                session.execute(insert(WordCount).values(hash=h, stories=n))


def fold_word_counts(session: Session, story_id: int, *, every: int | None = None) -> int:
    """Count the word sets of the stories stored after the last count, up to ``story_id`` (the
    story being stored), when there are ``every`` of them or more and no other writer is
    counting them; returns the stories counted (0: not due, or left to another writer).
    ``every``: :data:`FOLD_EVERY` when None."""
    every = FOLD_EVERY if every is None else every
    stored = session.execute(_THROUGH).scalar()
    through = stored or 0
    if story_id - through < every:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        if stored is None:  # the migration writes the row; a table emptied by hand lacks it
            session.execute(_PG_START, {"key": COUNTED_THROUGH})
        through = session.execute(_PG_CLAIM, {"key": COUNTED_THROUGH}).scalar()
        if through is None or story_id - through < every:
            return 0  # another writer is counting them, or just has
    rows = _word_sets_after(session, through, story_id, every * 4)
    if not rows:
        return 0
    counts: Counter[int] = Counter()
    _tally(rows, counts)
    counts[STORIES_COUNTED] = len(rows)
    _add(session, counts)
    last = rows[-1][0]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(WordCount.__table__.update().where(WordCount.hash == COUNTED_THROUGH)
                        .values(stories=last))
    else:
        _add(session, Counter({COUNTED_THROUGH: last - through}))
    return len(rows)


def word_counts(session: Session, words: Iterable[int]) -> WordCounts:
    """The document frequencies of ``words`` (hashes) and the number of stories counted."""
    keys = sorted({int(h) for h in words} | {STORIES_COUNTED})
    found = dict(_count_rows(session, keys))
    return WordCounts(found.pop(STORIES_COUNTED, 0), found)


#: Hashes looked up by one statement on SQLite (below its limit of bound parameters).
_SQLITE_KEYS_A_STATEMENT = 10_000
_PG_COUNTS = text("SELECT hash, stories FROM word_counts WHERE hash = ANY(CAST(:hashes AS bigint[]))")


def _count_rows(session: Session, keys: list[int]) -> list[tuple[int, int]]:
    """(hash, stories) of the ``word_counts`` rows of ``keys``. A text's few hundred words as
    one array parameter (PostgreSQL) or bound on the driver's cursor (SQLite): SQLAlchemy's
    expanding parameter renders and processes each hash, which costs more than the lookup."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return session.execute(_PG_COUNTS, {"hashes": keys}).all()
    if dialect != "sqlite":
        return session.execute(_COUNTS, {"hashes": keys}).all()
    if session.autoflush:
        session.flush()
    cursor = session.connection().connection.cursor()
    rows: list[tuple[int, int]] = []
    try:
        for start in range(0, len(keys), _SQLITE_KEYS_A_STATEMENT):
            chunk = keys[start:start + _SQLITE_KEYS_A_STATEMENT]
            cursor.execute("SELECT hash, stories FROM word_counts WHERE hash IN "
                           f"({','.join('?' * len(chunk))})", chunk)
            rows += cursor.fetchall()
    finally:
        cursor.close()
    return rows


def stories_counted(session: Session) -> int:
    """How many stories' words ``word_counts`` holds."""
    return session.execute(select(WordCount.stories).where(WordCount.hash == STORIES_COUNTED)).scalar() or 0


def word_sets_stored(session: Session) -> int:
    """How many stories have their word set stored (what ``word_counts`` should have counted)."""
    return session.execute(select(func.count()).select_from(StoryFeatures)
                           .where(StoryFeatures.word_set.is_not(None))).scalar_one()


def recount_words(session: Session, *, batch: int = 2000) -> int:
    """Rebuild ``word_counts`` from every stored word set; returns the stories counted. Reads the
    word sets in batches of ``batch`` stories and keeps the counts in memory (one entry per
    distinct word) until they are written."""
    counts: Counter[int] = Counter()
    stories, after = 0, 0
    while rows := _word_sets_after(session, after, None, batch):
        _tally(rows, counts)
        stories += len(rows)
        after = rows[-1][0]
    session.execute(delete(WordCount))
    counts[STORIES_COUNTED] = stories
    counts[COUNTED_THROUGH] = after
    rows = [{"hash": h, "stories": n} for h, n in sorted(counts.items())]
    for i in range(0, len(rows), 10_000):
        session.execute(insert(WordCount), rows[i:i + 10_000])
    return stories


__all__ = ["FOLD_EVERY", "fold_word_counts", "recount_words", "stories_counted", "word_counts",
           "word_sets_stored"]
