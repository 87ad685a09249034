"""reprocess_runs and reprocess_run_versions: what ``newscrawl reprocess`` did, and with what.

* ``reprocess_runs``: one row per run - start and end, status (running / finished / failed),
  the newscrawl version and the versions of the libraries the stages depend on, the selection
  (``--since``, ``--site``), pages per outcome and the first errors.
* ``reprocess_run_versions``: each version a run created (its run and the raw page it was read
  from). A link table rather than a column on ``versions``: adding a foreign key column to
  ``versions`` would make SQLite copy the table (on downgrade), which it refuses while stories
  and fetches reference it; and versions from downloads, almost all of them, need no row.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "reprocess_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("newscrawl_version", sa.String(length=64), nullable=False),
        sa.Column("pipeline", JSON, nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("site", sa.String(length=255), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("counts", JSON, nullable=False),
        sa.Column("errors", JSON, nullable=False),
        sa.CheckConstraint("status IN ('running', 'finished', 'failed')",
                           name=op.f("ck_reprocess_runs_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reprocess_runs")),
    )
    op.create_table(
        "reprocess_run_versions",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("raw_page_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], ondelete="CASCADE",
                                name=op.f("fk_reprocess_run_versions_version_id_versions")),
        sa.ForeignKeyConstraint(["run_id"], ["reprocess_runs.id"], ondelete="CASCADE",
                                name=op.f("fk_reprocess_run_versions_run_id_reprocess_runs")),
        sa.ForeignKeyConstraint(["raw_page_id"], ["raw_pages.id"],
                                name=op.f("fk_reprocess_run_versions_raw_page_id_raw_pages")),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_reprocess_run_versions")),
    )
    op.create_index(op.f("ix_reprocess_run_versions_run_id"), "reprocess_run_versions", ["run_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reprocess_run_versions_run_id"), table_name="reprocess_run_versions")
    op.drop_table("reprocess_run_versions")
    op.drop_table("reprocess_runs")
