"""SQLite: ``story_bands`` as a ``WITHOUT ROWID`` table (PostgreSQL: nothing to do).

An ordinary SQLite table keeps its rows in a b-tree keyed by a hidden ``rowid`` and its primary
key in a second b-tree, an index holding every column again plus the rowid. ``story_bands`` is
nothing but its key ``(band, hash, story_id)``, and every read of it goes through that key (the
band lookup) or the ``story_id`` index, never the rowid: the rowid b-tree is a second copy of
every row that nothing reads. ``WITHOUT ROWID`` makes the primary key's b-tree the table
itself. Measured with ``benchmarks/lsh_scale.py`` (both layouts in one run, docs/measurements.md):
story_bands a third smaller (the whole database 1.62 -> 1.07 GB at 100k stories, 0.15 -> 0.10
GB at 10k), the bulk load 30 % faster, band lookups and stores as fast as before (within the
noise of a shared machine). The ``story_id`` index of a WITHOUT ROWID table holds
the primary key instead of the rowid, so it covers what it is used for (a story's bands,
``newscrawl db backfill``'s per-block probes) without reading the table.

SQLite cannot change that option in place: the table is rebuilt - created under a new name,
filled in primary-key order (read from the old primary key's index: no sort, and the new b-tree
only appends), the old table dropped, the new one renamed, its index created. Time and space are
those of copying story_bands once (minutes and about its size in free disk at millions of
stories); the migration holds the database's write lock meanwhile, like every migration.
``downgrade`` rebuilds it as an ordinary table the same way.

PostgreSQL has no rowid (a heap table and its primary key index): unchanged. The model
declares ``sqlite_with_rowid=False``, so a database created from the models (and the schema
``alembic check`` compares with) is the same.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW = "_story_bands_rebuilt"


def _rebuild(*, with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_table(
        _NEW,
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        # The names the table had (naming convention of 0001), not ones derived from _NEW.
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE",
                                name=op.f("fk_story_bands_story_id_stories")),
        sa.PrimaryKeyConstraint("band", "hash", "story_id", name=op.f("pk_story_bands")),
        sqlite_with_rowid=with_rowid,
    )
    op.execute(f"INSERT INTO {_NEW} (band, hash, story_id)"
               " SELECT band, hash, story_id FROM story_bands ORDER BY band, hash, story_id")
    op.drop_index("ix_story_bands_story_id", table_name="story_bands")
    op.drop_table("story_bands")
    op.rename_table(_NEW, "story_bands")
    op.create_index("ix_story_bands_story_id", "story_bands", ["story_id"])


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)
