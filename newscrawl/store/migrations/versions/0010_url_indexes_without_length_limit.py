"""URL indexes without a length limit: a page at a URL of any length stores on PostgreSQL.

PostgreSQL's b-tree refuses an index entry over about 2.7 KB (a third of a page), so a page
whose URL was longer (and did not compress below that) was refused by the unique constraint
``versions (url, body_hash)`` and by the indexes on ``fetches.url`` / ``fetches.requested_url``;
SQLite, which has no such limit, stored it. Now:

* ``versions.url_hash`` (SHA-256 hex of the URL, filled in here for stored rows) carries the
  uniqueness: ``uq_versions_url_hash_body_hash`` replaces ``uq_versions_url_body_hash``;
* ``versions.url`` keeps an index of its own for the look-ups by URL (the old constraint's
  b-tree served them), and ``fetches.url`` / ``fetches.requested_url`` keep theirs: on
  PostgreSQL these are hash indexes (equality only, which is all the store asks, any length),
  on SQLite ordinary ones as before.

SQLite rebuilds ``versions`` in batch mode (a copy of the table); the ``story_versions`` view is
dropped and created again around it, as in 0008. On PostgreSQL the fetches indexes are rebuilt
(a read of the table each); SQLite's stay as they are.

``downgrade`` restores the b-tree constraint and indexes; on PostgreSQL it fails while a URL
over the limit is stored.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

"""
from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Rows hashed per statement while filling ``versions.url_hash``.
BATCH = 1000


def _view() -> str:
    """The ``story_versions`` view as revision 0008 left it (0009 did not change it)."""
    path = Path(__file__).with_name("0008_unbounded_page_text.py")
    spec = importlib.util.spec_from_file_location("_revision_0008", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._view()


def _url_hash(url: str) -> str:
    # Written out here, not imported: a migration must keep doing what it did when the
    # application's code changes.
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def _fill_url_hashes() -> None:
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, url FROM versions WHERE id > :last ORDER BY id "
                                    "LIMIT :n"), {"last": last, "n": BATCH}).all()
        if not rows:
            return
        bind.execute(sa.text("UPDATE versions SET url_hash = :h WHERE id = :id"),
                     [{"h": _url_hash(url), "id": id_} for id_, url in rows])
        last = rows[-1][0]


def _fetch_indexes(**kw) -> None:
    for column in ("url", "requested_url"):
        op.drop_index(f"ix_fetches_{column}", table_name="fetches")
        op.create_index(f"ix_fetches_{column}", "fetches", [column], **kw)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute("DROP VIEW IF EXISTS story_versions")
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("url_hash", sa.String(length=64), nullable=True))
    _fill_url_hashes()
    with op.batch_alter_table("versions") as batch:
        batch.alter_column("url_hash", existing_type=sa.String(length=64), nullable=False)
        batch.drop_constraint("uq_versions_url_body_hash", type_="unique")
        batch.create_unique_constraint("uq_versions_url_hash_body_hash", ["url_hash", "body_hash"])
        batch.create_index("ix_versions_url", ["url"], postgresql_using="hash")
    if postgres:
        _fetch_indexes(postgresql_using="hash")
    op.execute(_view())


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute("DROP VIEW IF EXISTS story_versions")
    if postgres:
        _fetch_indexes()
    with op.batch_alter_table("versions") as batch:
        batch.drop_index("ix_versions_url")
        batch.drop_constraint("uq_versions_url_hash_body_hash", type_="unique")
        batch.create_unique_constraint("uq_versions_url_body_hash", ["url", "body_hash"])
        batch.drop_column("url_hash")
    op.execute(_view())
