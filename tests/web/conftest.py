"""Web view fixtures: the sample sites' wire story, its independent report and a hostile page
stored in a database, a real ``newscrawl serve`` on a free port, and a real headless browser.

The browser is Debian's chromium (``/usr/bin/chromium``, installed by ``.ci/run``) driven by
Playwright; Playwright's own browser downloads are never used. A missing browser skips the
browser tests, or fails them under ``CI=true``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from evaluation.samples import SITES

CHROMIUM = os.environ.get("NEWSCRAWL_TEST_CHROMIUM", "/usr/bin/chromium")
HOSTILE_PAGE = Path(__file__).resolve().parent / "hostile.html"
#: The wire story's six copies, the cleanest first (its first stored version: it gives the story
#: its key; the wire's own copy, published before it, becomes the story's original),
#: then the Sentinel's own report of the same event, then a page whose title and text carry markup.
WIRE = sorted(SITES.glob("*/wire-port-blast"))
FIRST_COPY = next(p for p in WIRE if "kbrx1040" in str(p))
INDEPENDENT = SITES / "www.northern-sentinel.example" / "lowquay-night"
#: Seconds ``newscrawl serve`` may take to listen (imports and the schema check, on a busy machine).
START_TIMEOUT = 90


#: When each page was downloaded, after the first copy: ingest reads a saved page's download
#: time from its file's modification time, so the copies get the spread of a real crawl and the
#: timeline has something to show (a checkout gives every file the same time).
FIRST_DOWNLOAD = dt.datetime(2026, 10, 14, 14, 5, tzinfo=dt.UTC)
DOWNLOADED_AFTER = [dt.timedelta(minutes=m) for m in (0, 25, 50, 100, 180, 330)] + [
    dt.timedelta(hours=4), dt.timedelta(days=1)]


def ingest_samples(db: str, folder: Path) -> None:
    """Copies of the sample pages in ``folder``, downloaded at FIRST_DOWNLOAD + DOWNLOADED_AFTER,
    ingested into ``db`` (the first copy first: it gives the story its key)."""
    originals = [FIRST_COPY, *[p for p in WIRE if p != FIRST_COPY], INDEPENDENT, HOSTILE_PAGE]
    paths = []
    for n, (original, after) in enumerate(zip(originals, DOWNLOADED_AFTER)):
        copy = folder / f"{n}-{original.parent.name}-{original.name}"
        (shutil.copytree if original.is_dir() else shutil.copyfile)(original, copy)
        when = (FIRST_DOWNLOAD + after).timestamp()
        for path in [copy, *copy.rglob("*")]:
            os.utime(path, (when, when))
        paths.append(copy)
    run = subprocess.run([sys.executable, "-m", "newscrawl", "ingest", *map(str, paths), "--db", db, "-q"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]


# The view is on loopback: go to it directly, never through a proxy the environment names (and not
# through urllib's module-wide opener, which keeps whatever proxy was set when it was first used).
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Served:
    """A running ``newscrawl serve``: its base URL and process."""

    base: str
    process: subprocess.Popen

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        try:
            with DIRECT.open(self.base + path, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def json(self, path: str) -> dict:
        status, headers, body = self.get(path)
        assert status == 200, (path, status, body[:500])
        assert headers["content-type"].startswith("application/json")
        return json.loads(body)


def start_server(db: str, *, env: dict[str, str] | None = None, cwd: Path | None = None):
    """``newscrawl serve --db DB --port 0`` until the generator is closed."""
    process = subprocess.Popen([sys.executable, "-m", "newscrawl", "serve", "--db", db, "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        line = process.stdout.readline()  # the announcement, or "" when it exited
        assert line.startswith("newscrawl: serving") and time.monotonic() < deadline, \
            (line, process.stderr.read() if process.poll() is not None else "")
        base = line.split(" at ", 1)[1].split()[0].rstrip("/")
        assert base.startswith("http://127.0.0.1:"), line
        yield Served(base, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("web")
    db = f"sqlite:///{folder / 'samples.db'}"
    ingest_samples(db, folder)
    return db


@pytest.fixture(scope="module")
def served(sample_db):
    yield from start_server(sample_db)


@pytest.fixture(scope="module")
def browser():
    message = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        message = f"Playwright is not installed ({exc}); pip install -e '.[test]'"
    if message is None and not Path(CHROMIUM).exists():
        message = f"no browser at {CHROMIUM} (apt-get install chromium, or set NEWSCRAWL_TEST_CHROMIUM)"
    if message is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where chromium refuses its sandbox.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    try:
        yield page
    finally:
        context.close()
