"""Events: stories that report the same event, linked apart from story keys.

* ``events``: one row per event (the title and first-seen time of its first story);
* ``stories.event_id``, and ``stories.published_at`` (the first version's publication date, which
  events are matched on with ``first_seen_at``);
* ``story_event_terms``: each story's event terms, the index same-event stories are found by;
* the ``story_versions`` view gains ``event_id``.

Stories stored before this revision have no event until ``newscrawl db backfill`` links them
(see newscrawl.store.events).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

"""
from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def _revision_0003():
    """Revision 0003's module, whose view this one extends (revision files are not a package)."""
    path = Path(__file__).with_name("0003_story_merges_derivation.py")
    spec = importlib.util.spec_from_file_location("_revision_0003", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    revision_0003 = _revision_0003()
    op.execute("DROP VIEW IF EXISTS story_versions")
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    # ALTER TABLE ... ADD COLUMN with its REFERENCES clause: both SQLite and PostgreSQL do it in
    # place. (Batch mode would copy ``stories``, which every other table references; Alembic's
    # add_column will not put a foreign key on a SQLite column, which SQLite itself allows.)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE stories ADD COLUMN event_id INTEGER "
                   "CONSTRAINT fk_stories_event_id_events REFERENCES events (id)")
    else:
        op.add_column("stories", sa.Column("event_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_stories_event_id_events"), "stories", "events", ["event_id"], ["id"])
    op.add_column("stories", sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_stories_event_id"), "stories", ["event_id"])
    op.create_table(
        "story_event_terms",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("published_day", sa.Integer(), nullable=True),
        sa.Column("seen_day", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE",
                                name=op.f("fk_story_event_terms_story_id_stories")),
        sa.PrimaryKeyConstraint("term", "story_id", name=op.f("pk_story_event_terms")),
    )
    op.create_index("ix_story_event_terms_story_id", "story_event_terms", ["story_id"])
    op.create_index("ix_story_event_terms_term_published_day", "story_event_terms", ["term", "published_day"])
    op.create_index("ix_story_event_terms_term_seen_day", "story_event_terms", ["term", "seen_day"])
    op.execute(revision_0003._VIEW.format(columns=revision_0003._VIEW_COLUMNS.format(
        extra=",\n    v.derivation AS derivation,\n    s.event_id AS event_id")))


def downgrade() -> None:
    revision_0003 = _revision_0003()
    op.execute("DROP VIEW IF EXISTS story_versions")
    op.drop_index("ix_story_event_terms_term_seen_day", table_name="story_event_terms")
    op.drop_index("ix_story_event_terms_term_published_day", table_name="story_event_terms")
    op.drop_index("ix_story_event_terms_story_id", table_name="story_event_terms")
    op.drop_table("story_event_terms")
    op.drop_index(op.f("ix_stories_event_id"), table_name="stories")
    # Plain DROP COLUMN (SQLite >= 3.35, PostgreSQL); the foreign key goes with the column.
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("fk_stories_event_id_events"), "stories", type_="foreignkey")
    op.execute("ALTER TABLE stories DROP COLUMN published_at")
    op.execute("ALTER TABLE stories DROP COLUMN event_id")
    op.drop_table("events")
    op.execute(revision_0003.VIEW_0003)
