"""story_features.word_set: a story's word-set hashes, the event evidence of reports.

The hashes of the set of longer words of a story's first version
(newscrawl.stages.fingerprint.words.word_set_hashes, sorted, 4 bytes a word). A new story
that is not a stored one but shares many of its longer words (word-set Jaccard) reports its
event; the token hashes already kept cannot tell longer words from short ones. A new nullable
column only: rows stored before it have none (such a story is not linked by this evidence)
until ``newscrawl db backfill`` fills it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("story_features", sa.Column("word_set", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # SQLite drops a column only by copying the table (batch mode); PostgreSQL in place.
    with op.batch_alter_table("story_features") as batch:
        batch.drop_column("word_set")
