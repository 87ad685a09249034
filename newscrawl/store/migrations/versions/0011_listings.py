"""``listings``: article URLs a run listed and chose to fetch, until their fetch is recorded.

A run killed after reading its feeds but before downloading every article it listed left no
trace of those articles; if the feed had dropped them by the next run, they were never fetched.
The fetch history remembers only what was downloaded; this table remembers what is owed
(newscrawl.store.listings). One row per URL (``url_hash`` unique, as ``versions`` does, so a URL
of any length fits PostgreSQL's index).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("discovery", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
        sa.UniqueConstraint("url_hash", name=op.f("uq_listings_url_hash")),
    )
    op.create_index(op.f("ix_listings_listed_at"), "listings", ["listed_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_listings_listed_at"), table_name="listings")
    op.drop_table("listings")
