"""fetches.requested_url: the URL the crawler asked for, when a redirect ended elsewhere.

The incremental crawl (newscrawl/crawl/incremental.py) looks up what it knows about a URL *before*
requesting it, i.e. by the URL a feed or sitemap lists. ``fetches.url`` is the final URL after
redirects (what the page is stored under), so a listed URL that redirects (http -> https, a feed
proxy, a trailing slash) would never be found and would be downloaded in full on every run.
The column is NULL when no redirect happened (the common case costs nothing).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN: both SQLite and PostgreSQL do it in place.
    op.add_column("fetches", sa.Column("requested_url", sa.Text(), nullable=True))
    op.create_index(op.f("ix_fetches_requested_url"), "fetches", ["requested_url"])


def downgrade() -> None:
    op.drop_index(op.f("ix_fetches_requested_url"), table_name="fetches")
    # Batch mode: Alembic drops a column on SQLite by copying the table.
    with op.batch_alter_table("fetches") as batch:
        batch.drop_column("requested_url")
