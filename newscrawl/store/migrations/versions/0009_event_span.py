"""Events are bounded in time (``events.first_day``, ``events.last_day``); heavy rewrites are
found by word bands within days (``story_word_bands``).

The earliest and latest day (a story's publication date, else the day a crawl first fetched
it) of an event's stories. A story joins an event, and two events merge, only while the span
stays within the event window (newscrawl.store.events), so reports linked story to story
cannot chain into an event over months. Events stored before this revision have no span: the
next story to join one gives it its own day as its span.

``story_event_terms.seen_day`` may be NULL: a page read from a file was not downloaded, and a
file's time is not the day its story came out.

``story_word_bands``: the bands of each dated story's word signature with its day
(newscrawl.stages.fingerprint.words): the candidate lookup that finds a newsroom's rewrite of a
wire story, searched within days of the new text. Stories stored before this revision have
none (they are still found by their 3-gram bands).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("events", sa.Column("first_day", sa.Date(), nullable=True))
    op.add_column("events", sa.Column("last_day", sa.Date(), nullable=True))
    with op.batch_alter_table("story_event_terms") as batch:
        batch.alter_column("seen_day", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "story_word_bands",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], name=op.f("fk_story_word_bands_story_id_stories"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("band", "hash", "day", "story_id", name=op.f("pk_story_word_bands")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_story_word_bands_story_id", "story_word_bands", ["story_id"])


def downgrade() -> None:
    op.drop_index("ix_story_word_bands_story_id", table_name="story_word_bands")
    op.drop_table("story_word_bands")
    op.execute("DELETE FROM story_event_terms WHERE seen_day IS NULL")
    with op.batch_alter_table("story_event_terms") as batch:
        batch.alter_column("seen_day", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("events") as batch:
        batch.drop_column("last_day")
        batch.drop_column("first_day")
