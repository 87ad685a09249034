"""The kept site count under concurrent writers (PostgreSQL): lock the story, then look.

Revision 0013's count function decided whether a new version's site was new to its story inside
the UPDATE of the story's row. When two transactions stored a story's first two versions on one
site at once, the second waited for the first's row lock and then counted the site again: its
subquery still read the snapshot taken before the wait. The function now locks the story's row in
a statement of its own first, so the check that follows sees the first writer's version. The
same lock was taken before (by that UPDATE), so no new lock order, and no new deadlock, arises.

0013 itself now creates the corrected function (a new database gets it there); this revision
replaces it in databases that applied 0013 before. SQLite has one writer at a time: nothing to do.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

"""
from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _browse_counts():
    """Revision 0013's module (its file name is not an importable module name)."""
    path = Path(__file__).with_name("0013_browse_counts.py")
    spec = importlib.util.spec_from_file_location("newscrawl_migration_0013", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text(_browse_counts()._PG_FUNCTIONS["newscrawl_versions_counts"]))


def downgrade() -> None:
    # The corrected function counts the same rows as the one it replaced, only under the right
    # snapshot: it is right for revision 0014's schema too, so going back leaves it in place.
    pass
