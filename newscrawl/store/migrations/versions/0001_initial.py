"""Initial schema: sites, stories, story_bands, versions, raw_pages, fetches, story_versions view.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


OUTCOMES = ("stored_new_story", "stored_new_version", "unchanged", "skipped", "failed")

# The analysts' view: one row per version with its story key and its number within the story
# (1 = the first, canonical one). A correlated count rather than a window function so the same
# SQL runs on SQLite and PostgreSQL.
STORY_VERSIONS_VIEW = """
CREATE VIEW story_versions AS
SELECT
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
    CASE WHEN s.canonical_version_id = v.id THEN TRUE ELSE FALSE END AS is_canonical
FROM versions AS v
JOIN stories AS s ON s.id = v.story_id
JOIN sites AS si ON si.id = v.site_id
"""


def upgrade() -> None:
    is_sqlite = op.get_bind().dialect.name == "sqlite"

    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("host", name=op.f("uq_sites_host")),
    )

    # stories <-> versions reference each other. SQLite accepts a reference to a table that does
    # not exist yet (and cannot add a constraint later without rebuilding the table), so the
    # canonical-version FK is declared inline there; PostgreSQL gets it by ALTER after versions.
    story_fks = []
    if is_sqlite:
        story_fks.append(sa.ForeignKeyConstraint(
            ["canonical_version_id"], ["versions.id"],
            name=op.f("fk_stories_canonical_version_id_versions"),
        ))
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("canonical_version_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
        sa.UniqueConstraint("key", name=op.f("uq_stories_key")),
        *story_fks,
    )
    op.create_index(op.f("ix_stories_first_seen_at"), "stories", ["first_seen_at"])

    op.create_table(
        "story_bands",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE",
                                name=op.f("fk_story_bands_story_id_stories")),
        sa.PrimaryKeyConstraint("band", "hash", "story_id", name=op.f("pk_story_bands")),
    )
    op.create_index("ix_story_bands_band_hash", "story_bands", ["band", "hash"])
    op.create_index("ix_story_bands_story_id", "story_bands", ["story_id"])

    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("language_confidence", sa.Float(), nullable=True),
        sa.Column("chrome_languages", _json(), nullable=False),
        sa.Column("encoding", sa.String(length=64), nullable=True),
        sa.Column("encoding_source", sa.String(length=64), nullable=True),
        sa.Column("encoding_conflict", sa.Text(), nullable=True),
        sa.Column("repairs", _json(), nullable=False),
        sa.Column("authors", _json(), nullable=False),
        sa.Column("section", sa.String(length=200), nullable=True),
        sa.Column("wire", _json(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_source", sa.String(length=64), nullable=True),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("modified_source", sa.String(length=64), nullable=True),
        sa.Column("first_fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetch_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_versions_site_id_sites")),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"],
                                name=op.f("fk_versions_story_id_stories")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.UniqueConstraint("url", "body_hash", name=op.f("uq_versions_url_body_hash")),
    )
    op.create_index(op.f("ix_versions_body_hash"), "versions", ["body_hash"])
    op.create_index(op.f("ix_versions_site_id"), "versions", ["site_id"])
    op.create_index(op.f("ix_versions_story_id"), "versions", ["story_id"])

    if not is_sqlite:
        op.create_foreign_key(
            op.f("fk_stories_canonical_version_id_versions"),
            "stories", "versions", ["canonical_version_id"], ["id"],
        )

    op.create_table(
        "raw_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("headers", _json(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_pages")),
        sa.UniqueConstraint("sha256", name=op.f("uq_raw_pages_sha256")),
    )

    op.create_table(
        "fetches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("raw_page_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outcome IN (" + ", ".join(f"'{o}'" for o in OUTCOMES) + ")",
            name=op.f("ck_fetches_outcome"),
        ),
        sa.ForeignKeyConstraint(["raw_page_id"], ["raw_pages.id"],
                                name=op.f("fk_fetches_raw_page_id_raw_pages")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_fetches_site_id_sites")),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"],
                                name=op.f("fk_fetches_version_id_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fetches")),
    )
    op.create_index(op.f("ix_fetches_fetched_at"), "fetches", ["fetched_at"])
    op.create_index(op.f("ix_fetches_raw_page_id"), "fetches", ["raw_page_id"])
    op.create_index(op.f("ix_fetches_site_id"), "fetches", ["site_id"])
    op.create_index(op.f("ix_fetches_url"), "fetches", ["url"])
    op.create_index(op.f("ix_fetches_version_id"), "fetches", ["version_id"])

    op.execute(STORY_VERSIONS_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS story_versions")
    # Break the stories -> versions cycle first so the tables can go in any dialect.
    op.execute("UPDATE stories SET canonical_version_id = NULL")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_stories_canonical_version_id_versions"), "stories",
                           type_="foreignkey")
    op.drop_table("fetches")
    op.drop_table("raw_pages")
    op.drop_table("story_bands")
    op.drop_table("versions")
    op.drop_table("stories")
    op.drop_table("sites")
