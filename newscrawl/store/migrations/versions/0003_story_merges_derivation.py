"""Story evidence: versions.derivation and versions.similarity, the story_merges table.

* ``versions.derivation``: how a version was derived from its story's first version (original,
  exact, trimmed, reworded, edited; see newscrawl.stages.fingerprint.derivation), computed when it is
  stored; NULL for versions stored before this revision (nothing to recompute them from but the
  bodies, which a later backfill can do without a schema change).
* ``versions.similarity``: its 3-gram containment with the first version at that time.
* ``story_merges``: pairs of stories that a later copy proved to be one (it matched both). Story
  keys are never changed: analysts may have cited them; the pair is recorded instead.
* The ``story_versions`` view gains ``derivation``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VIEW_COLUMNS = """
    s."key" AS story_key,
    v.id AS version_id,
    v.url AS url,
    si.host AS site,
    si.name AS site_name,
    v.title AS title,
    v.body AS body,
    v.language AS language,
    v.authors AS authors,
    v.section AS section,
    v.wire AS wire,
    v.chrome_languages AS chrome_languages,
    v.encoding AS encoding,
    v.encoding_source AS encoding_source,
    v.encoding_conflict AS encoding_conflict,
    v.repairs AS repairs,
    v.published_at AS published_at,
    v.modified_at AS modified_at,
    v.first_fetched_at AS fetched_at,
    v.last_fetched_at AS last_fetched_at,
    (SELECT COUNT(*) FROM versions AS v2
      WHERE v2.story_id = v.story_id AND v2.id <= v.id) AS version_number,
    CASE WHEN s.canonical_version_id = v.id THEN TRUE ELSE FALSE END AS is_canonical{extra}
"""
_VIEW = """
CREATE VIEW story_versions AS
SELECT{columns}FROM versions AS v
JOIN stories AS s ON s.id = v.story_id
JOIN sites AS si ON si.id = v.site_id
"""
VIEW_0003 = _VIEW.format(columns=_VIEW_COLUMNS.format(extra=",\n    v.derivation AS derivation"))
VIEW_0001 = _VIEW.format(columns=_VIEW_COLUMNS.format(extra=""))


def upgrade() -> None:
    # The view reads versions: dropped first so SQLite's table changes never see it half-valid.
    op.execute("DROP VIEW IF EXISTS story_versions")
    # Plain ALTER TABLE ... ADD COLUMN: both SQLite and PostgreSQL do it in place.
    op.add_column("versions", sa.Column("derivation", sa.String(length=16), nullable=True))
    op.add_column("versions", sa.Column("similarity", sa.Float(), nullable=True))
    op.create_table(
        "story_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("merged_story_id", sa.Integer(), nullable=False),
        sa.Column("evidence_version_id", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"],
                                name=op.f("fk_story_merges_story_id_stories")),
        sa.ForeignKeyConstraint(["merged_story_id"], ["stories.id"],
                                name=op.f("fk_story_merges_merged_story_id_stories")),
        sa.ForeignKeyConstraint(["evidence_version_id"], ["versions.id"],
                                name=op.f("fk_story_merges_evidence_version_id_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_merges")),
        sa.UniqueConstraint("story_id", "merged_story_id",
                            name=op.f("uq_story_merges_story_id_merged_story_id")),
    )
    op.create_index(op.f("ix_story_merges_story_id"), "story_merges", ["story_id"])
    op.create_index(op.f("ix_story_merges_merged_story_id"), "story_merges", ["merged_story_id"])
    op.execute(VIEW_0003)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS story_versions")
    op.drop_index(op.f("ix_story_merges_merged_story_id"), table_name="story_merges")
    op.drop_index(op.f("ix_story_merges_story_id"), table_name="story_merges")
    op.drop_table("story_merges")
    # Plain DROP COLUMN (SQLite >= 3.35, PostgreSQL), not batch mode: batch copies the table,
    # and SQLite refuses to drop the old ``versions`` while stories and fetches reference it.
    op.execute("ALTER TABLE versions DROP COLUMN similarity")
    op.execute("ALTER TABLE versions DROP COLUMN derivation")
    op.execute(VIEW_0001)
