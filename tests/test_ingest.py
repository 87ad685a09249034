"""newscrawl.ingest: saved files to pages, reading nothing outside what it was given."""

from __future__ import annotations

import json
from pathlib import Path

from newscrawl.cli import main as cli_main
from newscrawl.ingest import IngestError, iter_pages

from evaluation import newsroom


def save_folder(folder, body_name: str = "body.html"):
    folder.mkdir(parents=True)
    (folder / "info.json").write_text(json.dumps({"url": "http://news.example/a/1", "status": 200,
                                                  "headers": {"Content-Type": "text/html"}}))
    return folder / body_name


def test_a_symlinked_body_leading_out_of_its_folder_is_refused(tmp_path, capsys):
    secret = tmp_path / "home" / "notes.html"
    secret.parent.mkdir()
    secret.write_bytes(newsroom.page(*newsroom.ARTICLES["harbour-seals"]))
    received = tmp_path / "received"
    save_folder(received / "case1").symlink_to(secret)
    (received / "loose.html").symlink_to(secret)  # a plain saved page, symlinked out too
    inside = save_folder(received / "case2")
    inside.write_bytes(newsroom.page(*newsroom.ARTICLES["library-roof"]))
    (received / "case2" / "body.htm").symlink_to(inside)  # a link within the folder is fine

    results = list(iter_pages([received]))
    errors = [r for r in results if isinstance(r, IngestError)]
    pages = [r for r in results if not isinstance(r, IngestError)]
    assert len(errors) == 2 and all("symlink out of" in str(e) for e in errors)
    assert [p.url for p in pages] == ["http://news.example/a/1"]
    assert pages[0].body == newsroom.page(*newsroom.ARTICLES["library-roof"])

    # Through the command: an error line per refused file, exit status 1, nothing of them stored.
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert cli_main(["ingest", str(received), "--db", db]) == 1
    err = capsys.readouterr().err
    assert err.count("symlink out of") == 2 and "Traceback" not in err


def test_pipes_and_dangling_links_are_named_not_passed_over(tmp_path, capsys):
    import os

    received = tmp_path / "received"
    received.mkdir()
    (received / "a.html").write_bytes(newsroom.page(*newsroom.ARTICLES["harbour-seals"]))
    os.mkfifo(received / "pipe.html")
    (received / "gone.html").symlink_to(tmp_path / "deleted.html")
    (received / "again").symlink_to(received)  # a link back up: read once, no loop
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert cli_main(["ingest", "-q", str(received), "--db", db]) == 0
    captured = capsys.readouterr()
    ignored = [line for line in captured.out.splitlines() + captured.err.splitlines()
               if line.startswith("ignored:")]
    assert sorted(line.split(": ")[1] for line in ignored) == [
        str(received / "gone.html"), str(received / "pipe.html")]
    assert all("not a regular file" in line for line in ignored)
    assert "1 stored_new_story" in captured.out + captured.err
    # Given by name: one error line each, not "no such file".
    assert cli_main(["ingest", str(received / "pipe.html"), str(received / "gone.html"),
                     "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("not a regular file") == 2 and "no such file" not in err


INGEST_CHILD = """
import sys
from newscrawl.cli import main
from evaluation.oversize import peak_rss_mb
status = main(["ingest", sys.argv[1], "--db", sys.argv[2]])
print("peak_mb", peak_rss_mb())
sys.exit(status)
"""


def test_a_50mb_file_is_ingested_in_bounded_memory_and_kept_whole(tmp_path):
    import subprocess
    import sys

    from sqlalchemy import create_engine, select

    from newscrawl.store.models import RawPage, Version
    from newscrawl.store.repository import raw_page_bytes

    from evaluation.oversize import long_article

    page = tmp_path / "long.html"
    raw = long_article(50 * 1024 * 1024)
    page.write_bytes(raw)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    repo = Path(__file__).resolve().parents[1]  # where the child finds the evaluation package
    proc = subprocess.run([sys.executable, "-c", INGEST_CHILD, str(page), db], capture_output=True,
                          text=True, timeout=900, cwd=repo)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "1 stored_new_story" in proc.stdout
    peak = float(proc.stdout.split("peak_mb")[-1])
    # MB, the interpreter and its libraries included (about 500); unbounded, the fingerprint
    # alone took 3,500.
    assert peak < 800, proc.stdout
    engine = create_engine(db)
    with engine.connect() as conn:
        (repairs,) = conn.execute(select(Version.repairs)).one()
        stored = conn.execute(select(RawPage)).one()
    engine.dispose()
    kinds = {r["kind"] for r in repairs}
    assert {"truncated_body", "truncated_html", "fingerprint_text_cut"} <= kinds
    assert raw_page_bytes(stored) == raw  # the raw page is kept whole, to reprocess later


def test_an_ingest_into_postgresql_commits_without_waiting_for_the_servers_disk(
        postgres_database_url, tmp_path):
    from sqlalchemy import func, select, text

    from newscrawl.cli import ingest_sessions
    from newscrawl.store.db import open_database
    from newscrawl.store.models import Fetch

    make_session = ingest_sessions(postgres_database_url)
    for _ in range(2):  # every connection of the pool, not only the first
        with make_session() as session:
            assert session.execute(text("SHOW synchronous_commit")).scalar() == "off"
            session.rollback()
    saved = tmp_path / "page.html"
    saved.write_text("<html><body><article>" + "<p>The council met on Tuesday to vote "
                     "on the new harbour wall, which the engineers had asked for.</p>" * 8
                     + "</article></body></html>")
    assert cli_main(["ingest", "-q", str(saved), "--db", postgres_database_url]) == 0
    # Committed where the URL says (its schema kept), and readable by another connection.
    with open_database(postgres_database_url)() as session:
        assert session.execute(select(func.count()).select_from(Fetch)).scalar() == 1
