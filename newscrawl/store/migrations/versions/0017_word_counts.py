"""word_counts: document frequencies of the words of the stories' word sets.

In how many stories each word of ``story_features.word_set`` occurs, keyed by the word's
32-bit hash, how many stories were counted (hash -1) and the id of the last one (hash -2),
both 0 at first: the weights of the event evidence
of two reports (newscrawl.stages.fingerprint.words.weighted_word_cosine). A new table only,
empty: new stories are counted as they are stored, and ``newscrawl db backfill`` counts the
stories stored before it (until then the store has counted few stories and decides by the
plain Jaccard, as before).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "word_counts",
        sa.Column("hash", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("stories", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_word_counts")),
        sqlite_with_rowid=False,
    )
    # The rows of the stories counted (-1) and of the last story counted (-2), there from the
    # start: a writer counting a batch locks the second, and one that finds it locked leaves
    # the batch; inserting it on a first count would make the next writer wait instead.
    op.bulk_insert(table, [{"hash": -1, "stories": 0}, {"hash": -2, "stories": 0}])


def downgrade() -> None:
    op.drop_table("word_counts")
