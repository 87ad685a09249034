"""The migrations ship inside the package: a non-editable install creates and upgrades databases.

The wheel is built from this checkout and unpacked into a folder of its own (``installed`` in
tests/conftest.py); the command then runs from a directory outside the checkout with that folder
first on the path, so neither the checkout's files nor its top-level alembic.ini can be what it
finds.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_wheel_holds_every_revision(installed):
    shipped = sorted(p.name for p in (installed / "newscrawl/store/migrations/versions").glob("*.py"))
    in_checkout = sorted(p.name for p in (REPO / "newscrawl/store/migrations/versions").glob("*.py"))
    assert shipped == in_checkout and shipped
    assert (installed / "newscrawl/store/migrations/env.py").is_file()
    assert not (installed / "evaluation").exists() and not (installed / "tests").exists()


def test_installed_package_upgrades_a_database_outside_the_checkout(installed, tmp_path):
    db = tmp_path / "news.db"
    env = {**os.environ, "PYTHONPATH": str(installed)}
    env.pop("NEWSCRAWL_DATABASE_URL", None)
    where = subprocess.run(
        [sys.executable, "-c", "import newscrawl.store.db as d; print(d.MIGRATIONS_DIR)"],
        cwd=tmp_path, env=env, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed)
    run = subprocess.run([sys.executable, "-m", "newscrawl", "db", "upgrade", "--db", f"sqlite:///{db}"],
                         cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    heads = {p.stem.split("_")[0] for p in (installed / "newscrawl/store/migrations/versions").glob("*.py")}
    with sqlite3.connect(db) as conn:
        (version,) = conn.execute("select version_num from alembic_version").fetchone()
        tables = {name for (name,) in conn.execute("select name from sqlite_master where type='table'")}
    assert version == max(heads)
    assert {"stories", "versions", "fetches", "raw_pages"} <= tables
