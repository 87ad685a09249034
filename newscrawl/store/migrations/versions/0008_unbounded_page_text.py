"""Text from pages is unbounded: ``sites.host``, ``sites.name``, ``versions.section`` and
``fetches.source`` become TEXT.

PostgreSQL enforced their VARCHAR lengths (255, 255, 200, 255) and refused the whole page when a
value was longer - a JSON-LD ``articleSection`` of a few hundred characters is real - where
SQLite, which ignores declared lengths, stored it. As TEXT both store every value.

PostgreSQL: VARCHAR to TEXT is a change of the declared type only (binary coercible, no table
rewrite, indexes kept). The ``story_versions`` view reads two of the columns, and PostgreSQL does
not alter a column a view uses: the view is dropped and created again, unchanged.

SQLite cannot change a column's declared type in place: the three tables are rebuilt in batch
mode (copied into a new table, the old one dropped, the copy renamed, its indexes created
again). Foreign keys are off while a SQLite database migrates and checked before the commit
(newscrawl.store.db): dropping ``versions`` with them on would cascade into the tables that
reference it. Time and free disk are those of copying the three tables once; a version's body
is the bulk of it.

``downgrade`` restores the lengths; on PostgreSQL it fails while a longer value is stored.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28

"""
from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (table, column, the length it had)
COLUMNS = (("sites", "host", 255), ("sites", "name", 255), ("versions", "section", 200),
           ("fetches", "source", 255))


def _view() -> str:
    """The ``story_versions`` view as revision 0007 created it."""
    path = Path(__file__).with_name("0003_story_merges_derivation.py")
    spec = importlib.util.spec_from_file_location("_revision_0003", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._VIEW.format(columns=module._VIEW_COLUMNS.format(
        extra=",\n    v.derivation AS derivation,\n    s.event_id AS event_id"))


def _retype(*, unbounded: bool) -> None:
    op.execute("DROP VIEW IF EXISTS story_versions")
    for table in dict.fromkeys(t for t, _, _ in COLUMNS):
        with op.batch_alter_table(table) as batch:
            for _, column, length in (c for c in COLUMNS if c[0] == table):
                old, new = sa.String(length=length), sa.Text()
                batch.alter_column(column, existing_type=new if not unbounded else old,
                                   type_=new if unbounded else old)
    op.execute(_view())


def upgrade() -> None:
    _retype(unbounded=True)


def downgrade() -> None:
    _retype(unbounded=False)
