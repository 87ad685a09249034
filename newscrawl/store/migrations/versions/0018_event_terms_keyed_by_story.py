"""``story_event_terms`` keyed by (story_id, term), its separate ``story_id`` index dropped; on
SQLite a ``WITHOUT ROWID`` table.

The key was (term, story_id): a new story's dozens of terms each landed on another leaf page
of that b-tree, all over it, and the ``story_id`` index and the rowid b-tree took them again.
Nothing reads the table by (term, story_id): the event look-up reads it by term through the
(term, published_day) and (term, seen_day) indexes, and everything else by story (its terms'
count, the days updated, cascades). Keyed by (story_id, term), a new story's terms go in side
by side at the end of the key's b-tree, which also serves the reads by story. Same rows, same
uniqueness (the same two columns). On SQLite the key's b-tree is then the table itself
(``WITHOUT ROWID``), and the day indexes hold the story id instead of a rowid; the
(term, seen_day) index takes published_day as well (the look-up by seen_day keeps only the rows
without one), so that neither look-up has to search the table by its key for a row's columns.

SQLite cannot change a primary key in place: the table is rebuilt (created under a new name,
filled in key order, the old one dropped, the new one renamed, the day indexes created again),
like 0006; time and free disk are those of copying the table once, under the write lock.
PostgreSQL: the key's constraint is replaced and the index dropped.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "story_event_terms"
_NEW = "_story_event_terms_rebuilt"
_DAY_INDEXES = {"ix_story_event_terms_term_published_day": ["term", "published_day"],
                "ix_story_event_terms_term_seen_day": ["term", "seen_day", "published_day"]}
_OLD_SEEN_DAY = ["term", "seen_day"]


def _rebuild_sqlite(key: list[str], *, with_rowid: bool, indexes: dict[str, list[str]]) -> None:
    op.create_table(
        _NEW,
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("published_day", sa.Integer(), nullable=True),
        sa.Column("seen_day", sa.Integer(), nullable=True),
        # The names the table had (naming convention of 0001), not ones derived from _NEW.
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE",
                                name=op.f("fk_story_event_terms_story_id_stories")),
        sa.PrimaryKeyConstraint(*key, name=op.f("pk_story_event_terms")),
        sqlite_with_rowid=with_rowid,
    )
    order = ", ".join(key)
    op.execute(f"INSERT INTO {_NEW} (term, story_id, published_day, seen_day)"
               f" SELECT term, story_id, published_day, seen_day FROM {_TABLE} ORDER BY {order}")
    for name in indexes:
        op.drop_index(name, table_name=_TABLE)
    if not with_rowid:  # upgrading: the story_id index goes (the key starts with it now)
        op.drop_index("ix_story_event_terms_story_id", table_name=_TABLE)
    op.drop_table(_TABLE)
    op.rename_table(_NEW, _TABLE)
    for name, columns in indexes.items():
        op.create_index(name, _TABLE, columns)
    if with_rowid:
        op.create_index("ix_story_event_terms_story_id", _TABLE, ["story_id"])


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(["story_id", "term"], with_rowid=False, indexes=_DAY_INDEXES)
        return
    op.drop_index("ix_story_event_terms_story_id", table_name=_TABLE)
    op.drop_constraint(op.f("pk_story_event_terms"), _TABLE, type_="primary")
    op.create_primary_key(op.f("pk_story_event_terms"), _TABLE, ["story_id", "term"])
    op.drop_index("ix_story_event_terms_term_seen_day", table_name=_TABLE)
    op.create_index("ix_story_event_terms_term_seen_day", _TABLE, _DAY_INDEXES["ix_story_event_terms_term_seen_day"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(["term", "story_id"], with_rowid=True,
                        indexes=_DAY_INDEXES | {"ix_story_event_terms_term_seen_day": _OLD_SEEN_DAY})
        return
    op.drop_index("ix_story_event_terms_term_seen_day", table_name=_TABLE)
    op.create_index("ix_story_event_terms_term_seen_day", _TABLE, _OLD_SEEN_DAY)
    op.drop_constraint(op.f("pk_story_event_terms"), _TABLE, type_="primary")
    op.create_primary_key(op.f("pk_story_event_terms"), _TABLE, ["term", "story_id"])
    op.create_index("ix_story_event_terms_story_id", _TABLE, ["story_id"])
