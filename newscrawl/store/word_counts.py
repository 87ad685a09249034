"""Document frequencies of the longer words (``word_counts``): the weights of the event evidence.

Two reports of one event share names, places and figures; two different stories of one language
share its common words. Weighting each shared word by its inverse document frequency
(newscrawl.stages.fingerprint.words.weighted_word_cosine) tells the two apart better than
counting words, in any script, with no word list: the frequencies are the store's own.

**Counted once per story, as its word set is written** (:func:`count_words`, called where
``story_features`` gets the word set: a new story, or ``newscrawl db backfill`` filling an older
row): one upsert per distinct word (``stories + 1``) and one for the row that counts the
stories (:data:`~newscrawl.store.models.STORIES_COUNTED`). The rows are written in the order of
their keys, so two writers that count at once wait for each other instead of deadlocking.

**Read per new text only when needed** (:func:`word_counts`): the counts of the words of the new
text and of the few stories that pass the plain-Jaccard floor
(``WEIGHTED_FLOOR``), one primary-key lookup per word.

The table is derived from the word sets: :func:`recount_words` rebuilds it from them (what the
backfill does when the number of stories counted disagrees with the word sets stored).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
from sqlalchemy import bindparam, delete, func, insert, select, text
from sqlalchemy.orm import Session

from newscrawl.stages.fingerprint.words import WordCounts
from newscrawl.store.models import STORIES_COUNTED, StoryFeatures, WordCount

_SQLITE_COUNT = ("INSERT INTO word_counts (hash, stories) VALUES (?, 1) "
                 "ON CONFLICT (hash) DO UPDATE SET stories = stories + 1")
_PG_COUNT = text(
    "INSERT INTO word_counts (hash, stories) "
    "SELECT h, 1 FROM unnest(CAST(:hashes AS bigint[])) AS rows(h) ORDER BY h "
    "ON CONFLICT (hash) DO UPDATE SET stories = word_counts.stories + 1")
_COUNTS = select(WordCount.hash, WordCount.stories).where(
    WordCount.hash.in_(bindparam("hashes", expanding=True)))


def count_words(session: Session, word_set: bytes | np.ndarray | None) -> None:
    """Count one more story holding the words ``word_set`` (its hashes, as
    ``story_features.word_set`` keeps them: little-endian 32-bit; an empty set counts the story
    only)."""
    if word_set is None:
        return
    words = np.frombuffer(word_set, dtype="<u4") if isinstance(word_set, bytes) else word_set
    keys = [STORIES_COUNTED, *sorted({int(h) for h in words})]
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        if session.autoflush:
            session.flush()
        cursor = session.connection().connection.cursor()
        try:
            cursor.executemany(_SQLITE_COUNT, [(k,) for k in keys])
        finally:
            cursor.close()
    elif dialect == "postgresql":
        session.execute(_PG_COUNT, {"hashes": keys})
    else:
        existing = dict(session.execute(_COUNTS, {"hashes": keys}).all())
        for k in keys:
            if k in existing:
                session.execute(WordCount.__table__.update().where(WordCount.hash == k)
                                .values(stories=WordCount.stories + 1))
            else:
                session.execute(insert(WordCount).values(hash=k, stories=1))


def word_counts(session: Session, words: Iterable[int]) -> WordCounts:
    """The document frequencies of ``words`` (hashes) and the number of stories counted."""
    keys = sorted({int(h) for h in words} | {STORIES_COUNTED})
    found = dict(session.execute(_COUNTS, {"hashes": keys}).all())
    return WordCounts(found.pop(STORIES_COUNTED, 0), found)


def stories_counted(session: Session) -> int:
    """How many stories' words ``word_counts`` holds."""
    return session.execute(select(WordCount.stories).where(WordCount.hash == STORIES_COUNTED)).scalar() or 0


def word_sets_stored(session: Session) -> int:
    """How many stories have their word set stored (what ``word_counts`` should have counted)."""
    return session.execute(select(func.count()).select_from(StoryFeatures)
                           .where(StoryFeatures.word_set.is_not(None))).scalar_one()


def recount_words(session: Session, *, batch: int = 2000) -> int:
    """Rebuild ``word_counts`` from every stored word set; returns the stories counted. Reads the
    word sets in batches of ``batch`` stories, keeps the counts in memory (one entry per
    distinct word) and writes them in one pass."""
    counts: Counter[int] = Counter()
    stories, after = 0, -1
    while True:
        rows = session.execute(select(StoryFeatures.story_id, StoryFeatures.word_set)
                               .where(StoryFeatures.story_id > after, StoryFeatures.word_set.is_not(None))
                               .order_by(StoryFeatures.story_id).limit(batch)).all()
        if not rows:
            break
        for _, word_set in rows:
            counts.update(set(np.frombuffer(word_set, dtype="<u4").tolist()))
        stories += len(rows)
        after = rows[-1][0]
    session.execute(delete(WordCount))
    counts[STORIES_COUNTED] = stories
    rows = [{"hash": h, "stories": n} for h, n in sorted(counts.items())]
    for i in range(0, len(rows), 10_000):
        session.execute(insert(WordCount), rows[i:i + 10_000])
    return stories


__all__ = ["count_words", "recount_words", "stories_counted", "word_counts", "word_sets_stored"]
