"""What the web view sorts, filters and searches on, kept up to date by the database.

* ``stories.version_count`` / ``stories.site_count``: the story's versions and the distinct
  sites carrying them; ``ix_stories_spread`` (site_count, version_count, first_seen_at, id) is
  the order of the stories page ("sorted by spread"), read from the index a page at a time;
* ``sites.copies`` / ``stories_originated`` / ``foreign_chrome`` / ``mojibake`` /
  ``wrong_charset``: the sites page's counts;
* ``ix_versions_story_id_site_id`` replaces ``ix_versions_story_id``: the same look-ups by story,
  and whether a story already has a version on a site (``site_count``) in one probe;
  ``ix_versions_site_id_first_fetched_at`` (site_id, first_fetched_at, story_id) replaces
  ``ix_versions_site_id``: the same look-ups by site, and the sites page's delays from the index
  alone;
* full-text search of versions' title and text: on SQLite an FTS5 table ``versions_fts``
  (contentless, ``unicode61`` without diacritics folding; a row's id is its version's story id
  and id, so a search yields stories from the index alone), on PostgreSQL a GIN index on
  ``to_tsvector('simple', ...)``: both split on letters and digits and fold case only, so the
  same word finds the same versions. A SQLite build without FTS5 gets no table; the view then
  searches with LIKE;
* ``ix_events_first_seen_at``: the events page's order, read a page at a time.

The counts and the FTS5 table are maintained by triggers on ``versions`` and ``stories``
(inserts, the story's first version being set, deletes), so every writer (a crawl, an ingest,
a reprocess, a bulk load) keeps them without a line of its own. Rows stored before are counted
and indexed here. A later migration that rebuilds ``versions``, ``stories`` or ``sites`` in
SQLite batch mode (a copy of the table) drops these triggers: it must call :func:`create_triggers`
of this module again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Characters of a version's title and text that search indexes: PostgreSQL refuses a tsvector
#: over 1 MB (an insert of a longer text would fail), and 250,000 characters of at most 4 bytes
#: stay under it; SQLite indexes the same prefix so both find the same versions.
SEARCH_CHARS = 250_000

SITE_COUNTS = ("copies", "stories_originated", "foreign_chrome", "mojibake", "wrong_charset")

# --- SQLite ---------------------------------------------------------------------------------

_SQLITE_FOREIGN = "(coalesce({v}.chrome_languages, '[]') <> '[]')"
_SQLITE_MOJIBAKE = "(coalesce({v}.repairs, '') LIKE '%mojibake%' OR coalesce({v}.repairs, '') LIKE '%lost_byte%')"
_SQLITE_WRONG = "({v}.encoding_conflict IS NOT NULL)"
_SQLITE_FTS_ROW = f"coalesce({{v}}.title, ''), substr({{v}}.body, 1, {SEARCH_CHARS})"
#: The FTS5 row of a version: its story id in the high 32 bits, its own id in the low ones, so
#: that a search yields stories without reading a version row (rowid >> 32), and a version's
#: row is still its own (a delete names it).
_SQLITE_FTS_ROWID = "(({v}.story_id << 32) | {v}.id)"

_SQLITE_TRIGGERS = {
    "versions_counts_insert": f"""
CREATE TRIGGER versions_counts_insert AFTER INSERT ON versions BEGIN
  UPDATE stories SET version_count = version_count + 1,
    site_count = site_count + (NOT EXISTS (SELECT 1 FROM versions WHERE story_id = NEW.story_id
                                           AND site_id = NEW.site_id AND id <> NEW.id))
  WHERE id = NEW.story_id;
  UPDATE sites SET copies = copies + 1,
    foreign_chrome = foreign_chrome + {_SQLITE_FOREIGN.format(v="NEW")},
    mojibake = mojibake + {_SQLITE_MOJIBAKE.format(v="NEW")},
    wrong_charset = wrong_charset + {_SQLITE_WRONG.format(v="NEW")}
  WHERE id = NEW.site_id;
END""",
    "versions_counts_delete": f"""
CREATE TRIGGER versions_counts_delete AFTER DELETE ON versions BEGIN
  UPDATE stories SET version_count = version_count - 1,
    site_count = site_count - (NOT EXISTS (SELECT 1 FROM versions WHERE story_id = OLD.story_id
                                           AND site_id = OLD.site_id))
  WHERE id = OLD.story_id;
  UPDATE sites SET copies = copies - 1,
    foreign_chrome = foreign_chrome - {_SQLITE_FOREIGN.format(v="OLD")},
    mojibake = mojibake - {_SQLITE_MOJIBAKE.format(v="OLD")},
    wrong_charset = wrong_charset - {_SQLITE_WRONG.format(v="OLD")}
  WHERE id = OLD.site_id;
END""",
    "stories_originated_insert": """
CREATE TRIGGER stories_originated_insert AFTER INSERT ON stories
WHEN NEW.canonical_version_id IS NOT NULL BEGIN
  UPDATE sites SET stories_originated = stories_originated + 1
  WHERE id = (SELECT site_id FROM versions WHERE id = NEW.canonical_version_id);
END""",
    "stories_originated_update": """
CREATE TRIGGER stories_originated_update AFTER UPDATE OF canonical_version_id ON stories
WHEN NEW.canonical_version_id IS NOT OLD.canonical_version_id BEGIN
  UPDATE sites SET stories_originated = stories_originated - 1
  WHERE id = (SELECT site_id FROM versions WHERE id = OLD.canonical_version_id);
  UPDATE sites SET stories_originated = stories_originated + 1
  WHERE id = (SELECT site_id FROM versions WHERE id = NEW.canonical_version_id);
END""",
    "stories_originated_delete": """
CREATE TRIGGER stories_originated_delete AFTER DELETE ON stories
WHEN OLD.canonical_version_id IS NOT NULL BEGIN
  UPDATE sites SET stories_originated = stories_originated - 1
  WHERE id = (SELECT site_id FROM versions WHERE id = OLD.canonical_version_id);
END""",
}

_SQLITE_FTS_TRIGGERS = {
    "versions_fts_insert": f"""
CREATE TRIGGER versions_fts_insert AFTER INSERT ON versions BEGIN
  INSERT INTO versions_fts (rowid, title, body)
  VALUES ({_SQLITE_FTS_ROWID.format(v="NEW")}, {_SQLITE_FTS_ROW.format(v="NEW")});
END""",
    "versions_fts_delete": f"""
CREATE TRIGGER versions_fts_delete AFTER DELETE ON versions BEGIN
  INSERT INTO versions_fts (versions_fts, rowid, title, body)
  VALUES ('delete', {_SQLITE_FTS_ROWID.format(v="OLD")}, {_SQLITE_FTS_ROW.format(v="OLD")});
END""",
    "versions_fts_update": f"""
CREATE TRIGGER versions_fts_update AFTER UPDATE OF title, body, story_id ON versions BEGIN
  INSERT INTO versions_fts (versions_fts, rowid, title, body)
  VALUES ('delete', {_SQLITE_FTS_ROWID.format(v="OLD")}, {_SQLITE_FTS_ROW.format(v="OLD")});
  INSERT INTO versions_fts (rowid, title, body)
  VALUES ({_SQLITE_FTS_ROWID.format(v="NEW")}, {_SQLITE_FTS_ROW.format(v="NEW")});
END""",
}

_SQLITE_FTS_TABLE = ("CREATE VIRTUAL TABLE versions_fts USING fts5(title, body, content='', "
                     "tokenize='unicode61 remove_diacritics 0')")

# --- PostgreSQL -----------------------------------------------------------------------------

_PG_FOREIGN = "({v}.chrome_languages IS NOT NULL AND {v}.chrome_languages <> '[]'::jsonb)"
_PG_MOJIBAKE = ("coalesce({v}.repairs::text LIKE '%mojibake%' OR {v}.repairs::text LIKE '%lost_byte%', "
                "false)")
_PG_WRONG = "({v}.encoding_conflict IS NOT NULL)"


def _pg_flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


#: The expression the search index is on; the view's query repeats it word for word (an
#: expression index serves only that expression).
PG_SEARCH_VECTOR = (f"to_tsvector('simple'::regconfig, left(coalesce(title, '') || ' ' || body, "
                    f"{SEARCH_CHARS}))")

_PG_FUNCTIONS = {
    "newscrawl_versions_counts": f"""
CREATE OR REPLACE FUNCTION newscrawl_versions_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The story's row first, in a statement of its own: a concurrent writer adding a version of
  -- the same story waits here until the first commits, and the next statement's snapshot then
  -- sees that version, so the site is counted once. (Inside one UPDATE, the subquery would read
  -- the snapshot taken before the wait and count the site twice.)
  IF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM stories WHERE id = NEW.story_id FOR UPDATE;
    UPDATE stories SET version_count = version_count + 1,
      site_count = site_count + CASE WHEN EXISTS (
        SELECT 1 FROM versions WHERE story_id = NEW.story_id AND site_id = NEW.site_id
        AND id <> NEW.id) THEN 0 ELSE 1 END
    WHERE id = NEW.story_id;
    UPDATE sites SET copies = copies + 1,
      foreign_chrome = foreign_chrome + {_pg_flag(_PG_FOREIGN.format(v="NEW"))},
      mojibake = mojibake + {_pg_flag(_PG_MOJIBAKE.format(v="NEW"))},
      wrong_charset = wrong_charset + {_pg_flag(_PG_WRONG.format(v="NEW"))}
    WHERE id = NEW.site_id;
  ELSE
    PERFORM 1 FROM stories WHERE id = OLD.story_id FOR UPDATE;
    UPDATE stories SET version_count = version_count - 1,
      site_count = site_count - CASE WHEN EXISTS (
        SELECT 1 FROM versions WHERE story_id = OLD.story_id AND site_id = OLD.site_id)
        THEN 0 ELSE 1 END
    WHERE id = OLD.story_id;
    UPDATE sites SET copies = copies - 1,
      foreign_chrome = foreign_chrome - {_pg_flag(_PG_FOREIGN.format(v="OLD"))},
      mojibake = mojibake - {_pg_flag(_PG_MOJIBAKE.format(v="OLD"))},
      wrong_charset = wrong_charset - {_pg_flag(_PG_WRONG.format(v="OLD"))}
    WHERE id = OLD.site_id;
  END IF;
  RETURN NULL;
END $$""",
    "newscrawl_stories_originated": """
CREATE OR REPLACE FUNCTION newscrawl_stories_originated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.canonical_version_id IS NOT NULL THEN
    UPDATE sites SET stories_originated = stories_originated - 1
    WHERE id = (SELECT site_id FROM versions WHERE id = OLD.canonical_version_id);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.canonical_version_id IS NOT NULL THEN
    UPDATE sites SET stories_originated = stories_originated + 1
    WHERE id = (SELECT site_id FROM versions WHERE id = NEW.canonical_version_id);
  END IF;
  RETURN NULL;
END $$""",
}

_PG_TRIGGERS = {
    "versions_counts": ("CREATE TRIGGER versions_counts AFTER INSERT OR DELETE ON versions "
                        "FOR EACH ROW EXECUTE FUNCTION newscrawl_versions_counts()"),
    "stories_originated_insert": ("CREATE TRIGGER stories_originated_insert AFTER INSERT OR DELETE ON stories "
                                  "FOR EACH ROW EXECUTE FUNCTION newscrawl_stories_originated()"),
    "stories_originated_update": ("CREATE TRIGGER stories_originated_update AFTER UPDATE OF canonical_version_id "
                                  "ON stories FOR EACH ROW WHEN (NEW.canonical_version_id IS DISTINCT FROM "
                                  "OLD.canonical_version_id) EXECUTE FUNCTION newscrawl_stories_originated()"),
}

_PG_TRIGGER_TABLES = {"versions_counts": "versions", "stories_originated_insert": "stories",
                      "stories_originated_update": "stories"}


def _sql(bind, sql: str) -> None:
    # Through text(): the driver's own placeholders (psycopg's %) are escaped.
    bind.execute(sa.text(sql))


def sqlite_has_fts5(bind) -> bool:
    """Whether this SQLite build has the FTS5 module."""
    try:
        bind.execute(sa.text("CREATE VIRTUAL TABLE temp.newscrawl_fts5_probe USING fts5(x)"))
    except sa.exc.OperationalError:
        return False
    bind.execute(sa.text("DROP TABLE temp.newscrawl_fts5_probe"))
    return True


def create_triggers(bind) -> None:
    """The triggers that keep the counts (and SQLite's search table, when it exists) current."""
    if bind.dialect.name == "postgresql":
        for sql in _PG_FUNCTIONS.values():
            bind.execute(sa.text(sql))
        for sql in _PG_TRIGGERS.values():
            bind.execute(sa.text(sql))
        return
    for sql in _SQLITE_TRIGGERS.values():
        bind.execute(sa.text(sql))
    if sa.inspect(bind).has_table("versions_fts"):
        for sql in _SQLITE_FTS_TRIGGERS.values():
            bind.execute(sa.text(sql))


def _backfill(bind) -> None:
    _sql(bind, 
        "UPDATE stories SET version_count = (SELECT count(*) FROM versions WHERE story_id = stories.id), "
        "site_count = (SELECT count(DISTINCT site_id) FROM versions WHERE story_id = stories.id)")
    pg = bind.dialect.name == "postgresql"
    flag = _pg_flag if pg else (lambda condition: f"CAST({condition} AS INTEGER)")
    foreign, mojibake, wrong = ((_PG_FOREIGN, _PG_MOJIBAKE, _PG_WRONG) if pg
                                else (_SQLITE_FOREIGN, _SQLITE_MOJIBAKE, _SQLITE_WRONG))
    _sql(bind, 
        "UPDATE sites SET "
        "copies = (SELECT count(*) FROM versions v WHERE v.site_id = sites.id), "
        f"foreign_chrome = (SELECT coalesce(sum({flag(foreign.format(v='v'))}), 0) FROM versions v "
        "WHERE v.site_id = sites.id), "
        f"mojibake = (SELECT coalesce(sum({flag(mojibake.format(v='v'))}), 0) FROM versions v "
        "WHERE v.site_id = sites.id), "
        f"wrong_charset = (SELECT coalesce(sum({flag(wrong.format(v='v'))}), 0) FROM versions v "
        "WHERE v.site_id = sites.id), "
        "stories_originated = (SELECT count(*) FROM stories s JOIN versions v ON v.id = s.canonical_version_id "
        "WHERE v.site_id = sites.id)")


def upgrade() -> None:
    bind = op.get_bind()
    zero = sa.text("0")
    op.add_column("stories", sa.Column("version_count", sa.Integer(), server_default=zero, nullable=False))
    op.add_column("stories", sa.Column("site_count", sa.Integer(), server_default=zero, nullable=False))
    for name in SITE_COUNTS:
        op.add_column("sites", sa.Column(name, sa.Integer(), server_default=zero, nullable=False))
    op.drop_index("ix_versions_story_id", table_name="versions")
    op.create_index("ix_versions_story_id_site_id", "versions", ["story_id", "site_id"])
    op.drop_index("ix_versions_site_id", table_name="versions")
    op.create_index("ix_versions_site_id_first_fetched_at", "versions", ["site_id", "first_fetched_at", "story_id"])
    _backfill(bind)
    op.create_index("ix_stories_spread", "stories", ["site_count", "version_count", "first_seen_at", "id"])
    op.create_index("ix_events_first_seen_at", "events", ["first_seen_at", "id"])
    if bind.dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_versions_search ON versions USING gin ({PG_SEARCH_VECTOR})")
    elif sqlite_has_fts5(bind):
        bind.execute(sa.text(_SQLITE_FTS_TABLE))
        _sql(bind, f"INSERT INTO versions_fts (rowid, title, body) "
                   f"SELECT {_SQLITE_FTS_ROWID.format(v='versions')}, {_SQLITE_FTS_ROW.format(v='versions')} "
                   f"FROM versions")
    create_triggers(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name, table in _PG_TRIGGER_TABLES.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in _PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        op.execute("DROP INDEX IF EXISTS ix_versions_search")
    else:
        for name in (*_SQLITE_TRIGGERS, *_SQLITE_FTS_TRIGGERS):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS versions_fts")
    op.drop_index("ix_events_first_seen_at", table_name="events")
    op.drop_index("ix_stories_spread", table_name="stories")
    op.drop_index("ix_versions_story_id_site_id", table_name="versions")
    op.create_index("ix_versions_story_id", "versions", ["story_id"])
    op.drop_index("ix_versions_site_id_first_fetched_at", table_name="versions")
    op.create_index("ix_versions_site_id", "versions", ["site_id"])
    # Plain ALTER TABLE DROP COLUMN (SQLite 3.35 and later): a batch copy of the table would
    # trip over the story_versions view, which names both tables.
    for name in SITE_COUNTS:
        op.drop_column("sites", name)
    op.drop_column("stories", "site_count")
    op.drop_column("stories", "version_count")
