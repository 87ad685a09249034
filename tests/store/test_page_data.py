"""What a page holds, both databases store alike; what a database refuses is a recorded fetch.

Pages go in through ``newscrawl ingest`` (saved-response folders: URL and headers in
``info.json``), once into SQLite and once into PostgreSQL, and the stored rows are compared.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text

from newscrawl.cli import main as cli_main
from newscrawl.model import ArticleRecord, Repair
from newscrawl.store.db import make_engine, upgrade
from newscrawl.store.models import RawPage, Site, Version
from newscrawl.store.sanitize import clean_record, clean_text

PARAGRAPHS = [
    f"Paragraph {i}: the harbour board said on Thursday that the night ferry to the northern "
    f"islands will run twice a week from April, once the new pier lights are in place."
    for i in range(6)
]
#: JSON-LD text the extractor takes over trafilatura's (longer, containing it): its last
#: paragraphs carry NUL and other control characters, as a broken CMS export does.
LD_BODY = "\n\n".join(PARAGRAPHS + [
    "Late addition:\u0000 the board\u0001 also voted to keep the winter timetable unchanged.",
    "A spokesman\u0000 said the\u000b decision was welcomed by the island councils and shops.",
] + [f"Background {i}: the pier was first built in the last century and rebuilt twice since."
     for i in range(8)])
SECTION = "Regional news / " + "Harbour and islands / " * 13  # 290+ characters
SITE_NAME = "The Northern Isles Courier " * 12  # 300+ characters


def _page(title: str, ld: dict | None = None, site_name: str = "Courier", heading: bool = True) -> bytes:
    script = (f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld else "")
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (f'<html><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:site_name" content="{site_name}">{script}</head>'
            f"<body><article>{f'<h1>{title}</h1>' if heading else ''}{body}</article></body></html>").encode()


def _case(folder: Path, url: str, body: bytes, headers: dict | None = None) -> None:
    folder.mkdir(parents=True)
    (folder / "info.json").write_text(json.dumps({
        "url": url, "status": 200,
        "headers": {"content-type": "text/html; charset=utf-8", **(headers or {})}}))
    (folder / "body.html").write_bytes(body)


def odd_pages(root: Path) -> Path:
    """A plain page, the page PostgreSQL refused before, another plain page (in that order)."""
    _case(root / "1", "https://courier.example/news/ferry", _page("Night ferry to run twice a week"))
    ld = {"@type": "NewsArticle", "headline": "Pier\u0000 lights \u0001approved",
          "articleSection": SECTION, "articleBody": LD_BODY}
    assert len(SECTION) >= 290 and len(SITE_NAME) >= 300
    _case(root / "2", "https://isles.example/news/pier", _page("Pier lights approved", ld, SITE_NAME, heading=False),
          {"x-note": "exported\u0000by the CMS"})
    _case(root / "3", "https://courier.example/news/timetable",
          _page("Winter timetable unchanged").replace(b"night ferry", b"winter timetable"))
    return root


#: Typed columns (JSON read back as JSON in both databases).
VERSION_ROWS = (select(Version.url, Version.title, Version.body, Version.section, Version.language,
                       Version.body_hash, Version.repairs, Site.host, Site.name)
                .join(Site, Site.id == Version.site_id).order_by(Version.url))


def _rows(url: str, query) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(query) if isinstance(query, str) else query)]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_page_postgresql_refused_stores_the_same_in_both_databases(
        tmp_path, postgres_database_url, capsys):
    pages = odd_pages(tmp_path / "pages")
    sqlite_url = f"sqlite:///{tmp_path / 'pages.db'}"
    for url in (sqlite_url, postgres_database_url):
        assert cli_main(["ingest", str(pages), "--db", url]) == 0, capsys.readouterr()
    in_sqlite, in_postgres = _rows(sqlite_url, VERSION_ROWS), _rows(postgres_database_url, VERSION_ROWS)
    assert in_sqlite == in_postgres
    assert [r[0] for r in in_postgres] == ["https://courier.example/news/ferry",
                                           "https://courier.example/news/timetable",
                                           "https://isles.example/news/pier"]
    pier = in_postgres[2]
    url, title, body, section, *_, repairs, host, name = pier
    assert title == "Pier lights approved"
    assert section == SECTION.strip() and name == SITE_NAME.strip()
    assert "Late addition: the board also voted" in body and "said the decision" in body
    assert not any(c in body + title for c in "\x00\x01\x0b")
    store_repairs = [r for r in repairs if r["stage"] == "store"]
    # Two in the headline, three in the body (the \v was already whitespace to the extractor).
    assert store_repairs[0]["kind"] == "control_chars" and store_repairs[0]["count"] == 5
    assert "<U+0000>" in " ".join(store_repairs[0]["examples"])
    # The headers kept with the raw page, in both.
    headers = select(RawPage.headers).where(RawPage.url.like("%pier"))
    assert _rows(sqlite_url, headers) == _rows(postgres_database_url, headers)
    assert _rows(sqlite_url, headers)[0][0]["x-note"] == "exportedby the CMS"


def test_clean_record_reports_what_it_changed_and_leaves_clean_records_alone():
    record = ArticleRecord(url="https://x.example/a", site="x.example", title="A\x00B\r\nC",
                           body="one\ttwo\nthree\x1b[31m", authors=["Jo\x07"],
                           repairs=[Repair("clean", "ad_marker", 1, ("ad\x00",))])
    cleaned = clean_record(record)
    assert (cleaned.title, cleaned.body, cleaned.authors) == ("AB\nC", "one\ttwo\nthree[31m", ["Jo"])
    assert cleaned.repairs[0].examples == ("ad",)
    assert cleaned.repairs[-1].stage == "store" and cleaned.repairs[-1].count == 4
    assert record.title == "A\x00B\r\nC"  # the record given is not changed
    assert clean_record(cleaned) is cleaned
    assert clean_text("half an emoji \ud83d") == "half an emoji \ufffd"


# A refusal the fixes above do not remove: a trigger refusing some URLs, in either database.
_SQLITE_REFUSE = ("CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                  "WHEN NEW.url LIKE '%refuse-me%' BEGIN SELECT RAISE(ABORT, 'refused here'); END")
_PG_REFUSE_FUNCTION = ("CREATE OR REPLACE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                       "RAISE EXCEPTION 'refused here' USING ERRCODE = 'check_violation'; END $$ "
                       "LANGUAGE plpgsql")
_PG_REFUSE = ("CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} FOR EACH ROW "
              "WHEN (strpos(NEW.url, 'refuse-me') > 0) EXECUTE FUNCTION refuse()")


def refuse_urls(database_url: str, *tables: str) -> None:
    """Make the database refuse rows of ``tables`` whose URL contains ``refuse-me``."""
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql(_PG_REFUSE_FUNCTION)
        for table in tables:
            conn.exec_driver_sql((_PG_REFUSE if postgres else _SQLITE_REFUSE).format(table=table))
    engine.dispose()


def test_a_refused_page_is_a_failed_fetch_and_ingest_goes_on(tmp_path, database_url, capsys):
    root = tmp_path / "pages"
    _case(root / "1", "https://courier.example/news/ferry", _page("Night ferry to run twice a week"))
    _case(root / "2", "https://courier.example/news/refuse-me", _page("Pier lights approved")
          .replace(b"night ferry", b"pier lights"))
    _case(root / "3", "https://courier.example/news/timetable",
          _page("Winter timetable unchanged").replace(b"night ferry", b"winter timetable"))
    refuse_urls(database_url, "versions")
    code = cli_main(["ingest", str(root), "--db", database_url])
    out, err = capsys.readouterr()
    assert code == 1, out + err  # a page was not stored as it should have been
    assert "1 refused by the database" in out
    fetches = _rows(database_url, "SELECT url, outcome, reason, raw_page_id IS NOT NULL "
                                  "FROM fetches ORDER BY id")
    assert [(f[0], f[1].split("_")[0]) for f in fetches] == [
        ("https://courier.example/news/ferry", "stored"), ("https://courier.example/news/refuse-me", "failed"),
        ("https://courier.example/news/timetable", "stored")]
    reason = fetches[1][2]
    assert reason in ("db_error:IntegrityError", "db_error:CheckViolation"), reason
    assert fetches[1][3]  # its bytes are kept: `newscrawl reprocess` can store it later
    assert len(_rows(database_url, "SELECT id FROM versions")) == 2


def test_a_page_refused_even_as_a_fetch_is_an_error_line_and_ingest_goes_on(
        tmp_path, database_url, capsys):
    root = tmp_path / "pages"
    _case(root / "1", "https://courier.example/news/refuse-me", _page("Pier lights approved"))
    _case(root / "2", "https://courier.example/news/ferry", _page("Night ferry to run twice a week"))
    refuse_urls(database_url, "versions", "fetches")
    code = cli_main(["ingest", str(root), "--db", database_url])
    out, err = capsys.readouterr()
    assert code == 1
    assert "error: https://courier.example/news/refuse-me: db_error:" in err
    assert "recording it failed too" in err and "Traceback" not in err
    assert _rows(database_url, "SELECT url FROM versions") == [("https://courier.example/news/ferry",)]


def test_upgrade_to_unbounded_text_keeps_every_row(database_url, article):
    """0008 rebuilds three tables on SQLite: rows of the tables referencing them stay (a
    cascade from dropping ``versions`` would take the reprocess links with it)."""
    import dataclasses
    import datetime as dt

    from sqlalchemy import inspect
    from sqlalchemy.orm import Session

    from evaluation.articles import TRAM, VINEYARD
    from newscrawl.store import store_page

    from newscrawl.store.db import downgrade

    engine = make_engine(database_url)
    # Rows stored by today's code, then the schema taken back to 0007 (the code writes columns
    # later revisions added), so that 0008 has rows to rebuild.
    upgrade(engine)
    with Session(engine) as session:
        art = article("https://marlow-herald.example/news/tram-vote", TRAM)
        stored = store_page(session, art.page, art.record, source="feeds")
        session.execute(text("INSERT INTO reprocess_runs (id, started_at, status, newscrawl_version, "
                             "pipeline, pages, counts, errors) VALUES (1, :t, 'finished', '1', '{}', "
                             "1, '{}', '[]')"), {"t": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)})
        session.execute(text("INSERT INTO reprocess_run_versions VALUES (:v, 1, 1)"),
                        {"v": stored.version_id})
        session.commit()
    downgrade(engine, "0007")
    tables = ("sites", "stories", "versions", "fetches", "raw_pages", "story_bands",
              "story_event_terms", "reprocess_run_versions")
    before = {t: _rows(database_url, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    upgrade(engine)
    after = {t: _rows(database_url, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    assert after == before and after["reprocess_run_versions"] == 1
    columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("versions")}
    assert not getattr(columns["section"], "length", None)
    # ... and the story_versions view is back; a long section is stored.
    with Session(engine) as session:
        art = article("https://marlow-herald.example/news/vineyard", VINEYARD)
        record = dataclasses.replace(art.record, section=SECTION)
        store_page(session, art.page, record)
        session.commit()
    assert _rows(database_url, "SELECT section FROM story_versions WHERE url LIKE '%vineyard'") \
        == [(SECTION,)]
    engine.dispose()


def test_a_refused_page_is_reprocessed_once_the_database_takes_it(tmp_path, database_url, capsys):
    from newscrawl.store.db import open_database
    from newscrawl.store.maintenance.reprocess import reprocess

    root = tmp_path / "pages"
    _case(root / "1", "https://courier.example/news/refuse-me", _page("Pier lights approved"))
    refuse_urls(database_url, "versions")
    assert cli_main(["ingest", str(root), "--db", database_url]) == 1
    make_session = open_database(database_url)
    # Still refused: one page's error, not the end of the run.
    result = reprocess(make_session)
    assert result.counts["error"] == 1 and result.errors[0][2].startswith("db_error:")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER refuse_versions" + (" ON versions" if conn.dialect.name
                                                               == "postgresql" else ""))
    engine.dispose()
    result = reprocess(make_session)
    assert not result.errors and sum(result.counts.values()) == 1
    assert _rows(database_url, "SELECT url FROM versions") == [("https://courier.example/news/refuse-me",)]
    make_session.kw["bind"].dispose()
