"""Drop ``ix_story_bands_band_hash``: the primary key already serves the band lookup.

``story_bands``' primary key is ``(band, hash, story_id)``, so its index has ``(band, hash)`` as
its prefix: an equality probe on ``band`` and ``hash`` is a range of it. The second index only
cost space (a copy of two thirds of every row, 128 rows per story) and a second b-tree insert
per band row. Checked with the candidate query of ``newscrawl.store.matching``:

* SQLite (``EXPLAIN QUERY PLAN``) never used it, even before this revision: ``SEARCH
  story_bands USING COVERING INDEX sqlite_autoindex_story_bands_1 (band=? AND hash=?)`` per
  band (the primary key's index is covering: it holds ``story_id``);
* PostgreSQL (``EXPLAIN``) chose it for its ``Bitmap Index Scan``s (the smaller of two usable
  indexes) and after this revision takes the same plan on ``pk_story_bands``.

tests/store/test_store_db.py checks both plans.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_story_bands_band_hash", table_name="story_bands")


def downgrade() -> None:
    op.create_index("ix_story_bands_band_hash", "story_bands", ["band", "hash"])
