"""story_features: what verifying a candidate story reads, kept per story.

One row per story: its first version's word hashes in order, its anchor-bigram hashes and
whether its anchors hold names (newscrawl.stages.fingerprint.matching.stored_features). The
lookup verifies the stories it finds from these bytes instead of tokenising their bodies again.
A new table only: stories stored before it have no row and are verified from their body until
``newscrawl db backfill`` adds it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "story_features",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("words", sa.LargeBinary(), nullable=False),
        sa.Column("anchor_pairs", sa.LargeBinary(), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], name=op.f("fk_story_features_story_id_stories"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("story_id", name=op.f("pk_story_features")),
    )


def downgrade() -> None:
    op.drop_table("story_features")
