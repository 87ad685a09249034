"""ingest_files: the WARC files ``newscrawl ingest`` takes, shared by several ingest processes.

One row per file (a local path or an http(s) URL) with its state (pending, claimed, done,
failed), the claim and lease of the process that holds it, how many of its records are stored
(``position``: a file taken up again goes on from there), and what its ingest stored. A new table
only: nothing stored before is touched.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ingest_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("claim", sa.Text(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", JSON, nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'claimed', 'done', 'failed')",
                           name=op.f("ck_ingest_files_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_files")),
        sa.UniqueConstraint("location", name=op.f("uq_ingest_files_location")),
    )
    op.create_index("ix_ingest_files_state", "ingest_files", ["state"])


def downgrade() -> None:
    op.drop_index("ix_ingest_files_state", table_name="ingest_files")
    op.drop_table("ingest_files")
