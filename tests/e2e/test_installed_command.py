"""The installed ``newscrawl`` command, from a wheel, in an empty directory outside the checkout.

What a user does after ``pip install newscrawl``: crawl the bundled sample sites (offline
replay: ``newscrawl crawl --sample``, the sites the wheel carries) - no scrapy.cfg anywhere
near - and get the stories of the README's first command, then export them and fetch one page.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.crawl


def _env(installed: Path, tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(installed),
           "NEWSCRAWL_SPOOL_DIR": str(tmp_path / "spool")}
    for name in ("NEWSCRAWL_DATABASE_URL", "SCRAPY_SETTINGS_MODULE", "NEWSCRAWL_REDIS_URL", "REDIS_URL"):
        env.pop(name, None)
    return env


def test_crawl_export_fetch_from_an_installed_wheel(installed, tmp_path):
    work = tmp_path / "empty"
    work.mkdir()
    env = _env(installed, tmp_path)
    command = str(installed / "bin" / "newscrawl")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([command, *args], cwd=work, env=env, capture_output=True, text=True,
                              timeout=300)

    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("newscrawl 0."), version.stderr
    # The sample sites the wheel carries, not the checkout's fixtures.
    crawl = run("crawl", "--sample", "--db", "sqlite:///news.db", "-s", f"NEWSCRAWL_LOCK_DIR={tmp_path}")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert f"Replaying 19 saved responses from {installed / 'newscrawl' / 'sample' / 'sites'}" in crawl.stderr
    assert "Summary (finished, " in crawl.stderr and "Enabled extensions" not in crawl.stderr
    assert sorted(p.name for p in work.iterdir()) == ["news.db"]  # no scrapy.cfg, nothing else

    stories = run("stories", "--db", "sqlite:///news.db", "--json")
    assert stories.returncode == 0, stories.stderr
    listed = json.loads(stories.stdout)
    assert len(listed) == 5
    assert sorted((s["versions"], s["sites"]) for s in listed) == [(1, 1)] * 4 + [(6, 6)]
    # The wire story, whose title is its first stored copy's: which copy comes first depends on
    # the order the downloads finish in.
    wire = next(s for s in listed if s["versions"] == 6)

    export = run("export", "--db", "sqlite:///news.db", "--format", "jsonl")
    assert export.returncode == 0, export.stderr
    rows = [json.loads(line) for line in export.stdout.splitlines()]
    assert len(rows) == 10
    wire_rows = [r for r in rows if r["story_key"] == wire["key"]]
    assert len(wire_rows) == 6
    assert wire["title"] in {r["title"] for r in wire_rows}
    assert "Explosion rips through Marrowgate river port, killing 3 and injuring 41" in {
        r["title"] for r in wire_rows}
    assert all(r["body"] and r["url"].startswith("http://") for r in rows)

    page = REPO / "fixtures/sites/www.capitol-ledger.example/kettle-recall"
    fetched = run("fetch", str(page))
    assert fetched.returncode == 0, fetched.stderr
    record = json.loads(fetched.stdout)
    assert record["title"] == "Brightwell recalls 240,000 smart kettles over overheating risk"
    assert record["language"] == "en" and record["encoding"] == "utf-8"
    assert len(record["fingerprint"]["body_hash"]) == 64
    # The code that ran is the wheel's, not the checkout's.
    origin = subprocess.run([sys.executable, "-c", "import newscrawl.crawl.launch as m; print(m.__file__)"],
                            cwd=work, env=env, capture_output=True, text=True)
    assert Path(origin.stdout.strip()).is_relative_to(installed), origin.stderr
