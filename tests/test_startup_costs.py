"""What a command pays before its first page: nothing it does not use.

Each check runs in a fresh interpreter, since this one has imported everything already."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from evaluation import newsroom

REPO = Path(__file__).resolve().parents[1]


def _python(code: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("NEWSCRAWL_DATABASE_URL", None)
    run = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.strip()


def test_the_ingest_command_imports_no_stage_library():
    # The stages run in the workers; the command reads, sends and stores.
    loaded = _python("import sys, newscrawl.cli, newscrawl.ingest, newscrawl.store.repository; "
                     "print(sorted(m for m in ('trafilatura', 'lxml', 'ftfy', 'htmldate', 'py3langid', "
                     "'newscrawl.stages.process') if m in sys.modules))")
    assert loaded == "[]"


def test_a_stage_worker_imports_no_sqlalchemy_for_the_values_computed_ahead():
    loaded = _python("import sys, newscrawl.store.precompute; "
                     "print(sorted(m for m in ('sqlalchemy', 'newscrawl.store.models') if m in sys.modules))")
    assert loaded == "[]"


def test_the_packages_names_are_still_there():
    assert _python("from newscrawl import process_page, Page; from newscrawl.stages import STEPS, run_steps; "
                   "from newscrawl.store import store_page, Story, open_database, list_stories; "
                   "print(callable(process_page) and callable(store_page) and len(STEPS) > 0)") == "True"


def test_packaged_head_is_alembics():
    from alembic.script import ScriptDirectory

    from newscrawl.store.db import alembic_config, packaged_head

    assert packaged_head() == ScriptDirectory.from_config(alembic_config()).get_current_head()


OPEN = ("import sys; from newscrawl.store.db import open_database; open_database(sys.argv[1]); "
        "print('alembic' in sys.modules)")


def test_a_database_at_head_is_opened_without_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'news.db'}"
    assert _python(OPEN, url) == "True"  # new: migrated
    assert _python(OPEN, url) == "False"  # at head: one look at alembic_version


def test_a_database_behind_head_is_still_upgraded(tmp_path):
    from newscrawl.store.db import downgrade, packaged_head, upgrade

    db = tmp_path / "news.db"
    url = f"sqlite:///{db}"
    upgrade(url)
    before = sorted(p.stem.split("_")[0] for p in (REPO / "newscrawl/store/migrations/versions").glob("*.py"))[-2]
    downgrade(url, before)
    assert _python(OPEN, url) == "True"
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(packaged_head(),)]


def _ingest_asking(tmp_path, monkeypatch, pages: int, jobs: str) -> list[int]:
    """The workers the command starts for ``pages`` saved pages with ``--jobs``; the pages run
    in this process."""
    from newscrawl import cli

    asked: list[int] = []
    real = cli._Stages

    def recording(n: int):
        asked.append(n)
        return real(1)

    monkeypatch.setattr(cli, "_Stages", recording)
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in list(newsroom.ARTICLES)[:pages]:
        (folder / f"{name}.html").write_bytes(newsroom.page(*newsroom.ARTICLES[name]))
    assert cli.main(["ingest", "-q", "--jobs", jobs, str(folder),
                     "--db", f"sqlite:///{tmp_path / 'store.db'}"]) == 0
    return asked


def test_one_page_is_ingested_without_a_worker_pool(tmp_path, monkeypatch):
    assert _ingest_asking(tmp_path, monkeypatch, 1, "2") == [1]


def test_no_more_workers_than_pages(tmp_path, monkeypatch):
    assert _ingest_asking(tmp_path, monkeypatch, 3, "8") == [3]
    assert len(newsroom.ARTICLES) >= 3


def test_fewer_jobs_than_pages_are_kept(tmp_path, monkeypatch):
    assert _ingest_asking(tmp_path, monkeypatch, 3, "2") == [2]
