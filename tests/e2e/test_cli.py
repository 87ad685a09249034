"""The newscrawl command on bad input and its maintenance verbs."""

from __future__ import annotations

import gzip

from sqlalchemy import text

from newscrawl.cli import main as cli_main
from newscrawl.store.db import make_engine

ARTICLE = "".join(
    f"<p>Paragraph {i}: the ferry operator said on Monday that crossings to the island would "
    f"resume next week once the new landing ramp has been inspected.</p>" for i in range(8)
)


def test_ingest_bad_files_are_recorded_not_fatal(tmp_path, capsys):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "empty.html").write_bytes(b"")
    (pages / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (pages / "broken.html.gz").write_bytes(b"\x1f\x8b not really gzip")
    (pages / "good.html.gz").write_bytes(gzip.compress(
        ('<html><head><link rel="canonical" href="https://ferries.example/news/ramp">'
         f"<title>Ferry crossings to resume</title></head><body><article>{ARTICLE}</article></body></html>").encode()))
    (pages / "cp1252.htm").write_bytes(
        ("<html><head><meta charset='windows-1252'><title>Café reopens</title></head><body><article>"
         + ARTICLE.replace("ferry operator", "café owner") + "</article></body></html>").encode("cp1252"))
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    code = cli_main(["ingest", str(pages), str(tmp_path / "missing.html"), "--db", db])
    out, err = capsys.readouterr()
    assert code == 1  # some inputs unreadable
    assert "broken.html.gz" in err and "missing.html" in err
    engine = make_engine(db)
    with engine.connect() as conn:
        fetches = dict(conn.execute(text("SELECT url, COALESCE(reason, outcome) FROM fetches")).all())
        versions = dict(conn.execute(text("SELECT url, encoding FROM story_versions")).all())
    engine.dispose()
    assert versions["https://ferries.example/news/ramp"] == "utf-8"
    assert [enc for url, enc in versions.items() if url.endswith("cp1252.htm")] == ["cp1252"]
    reasons = {url.rsplit("/", 1)[-1]: reason for url, reason in fetches.items()}
    assert reasons["empty.html"] == "empty_body"
    assert reasons["binary.html"].startswith("not_text")


def test_story_unknown_key_and_db_upgrade(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert cli_main(["db", "upgrade", "--db", db]) == 0
    assert "database at head" in capsys.readouterr().out
    assert cli_main(["story", "0123456789abcdef", "--db", db]) == 2
    assert cli_main(["stories", "--db", db]) == 0
    assert "0 stories" in capsys.readouterr().out


def test_database_down_is_a_clear_error(capsys):
    code = cli_main(["stories", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"])
    assert code == 2
    assert "database unavailable" in capsys.readouterr().err
