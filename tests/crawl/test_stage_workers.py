"""The crawl's stages in worker processes (``NEWSCRAWL_STAGE_WORKERS``,
newscrawl/crawl/pipelines.py ``StageWorkersPipeline``): real crawls over loopback sockets into
SQLite, compared by pages with the same crawl whose stages run in the crawler's process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from newscrawl.crawl import settings as crawl_settings
from newscrawl.crawl.pipelines import WORKER_DIED
from newscrawl.store.models import Fetch, Story, Version
from newscrawl.testing import LoopbackSiteServer

from evaluation.wiresite import build_wire_network
from .poison import POISON
from .test_incremental import REPO, Store, crawl, crawl_command, stat

pytestmark = pytest.mark.crawl

WORKERS_PIPELINE = "newscrawl.crawl.pipelines.StageWorkersPipeline"


def pages(database_url: str) -> dict:
    """What the store holds, by page: each fetched URL's outcome (a first copy is a new story
    and a later one a new version of it in whichever order they were stored, so both count as
    stored) and reason, each version's fields that the stages made, and the stories as sets
    of their URLs."""
    store = Store(database_url)
    fetches = sorted((url, "stored" if outcome.startswith("stored_") else outcome, reason)
                     for url, outcome, reason in store.rows(
                         select(Fetch.url, Fetch.outcome, Fetch.reason)))
    versions = {row[0]: row[1:] for row in store.rows(select(
        Version.url, Version.title, Version.body_hash, Version.language, Version.encoding,
        Version.encoding_source, Version.repairs, Version.published_at, Version.authors,
        Version.canonical_url))}
    stories: dict[str, set[str]] = {}
    for key, url in store.rows(select(Story.key, Version.url)
                               .join(Version, Version.story_id == Story.id)):
        stories.setdefault(key, set()).add(url)
    return {"fetches": fetches, "versions": versions,
            "stories": sorted(sorted(urls) for urls in stories.values())}


def stage_stats(log: str) -> dict[str, int]:
    """The stages' counts in the crawl's closing stats (decode, extract, language... not the
    store's, whose new-story/new-version split depends on the order)."""
    stages = ("decode/", "extract/", "repair/", "language/", "clean/", "fingerprint/")
    found = {}
    for line in log.splitlines():
        line = line.strip().rstrip(",")
        if line.startswith("'newscrawl/") and line[1:].split("/", 1)[1].startswith(stages):
            key, _, value = line.partition(": ")
            found[key.strip("'")] = int(value.rstrip("}"))
    return found


def test_stage_workers_store_what_the_crawler_alone_stores(tmp_path):
    network = build_wire_network(tmp_path / "net", stories=14, sites=4)
    logs, stored = {}, {}
    with LoopbackSiteServer(network.root) as server:
        for workers in (1, 2):
            database_url = f"sqlite:///{tmp_path / f'workers{workers}.db'}"
            logs[workers] = crawl(tmp_path, network.sources, database_url, server.proxy_url,
                                  f"NEWSCRAWL_STAGE_WORKERS={workers}")
            stored[workers] = pages(database_url)
    enabled = f"'{WORKERS_PIPELINE}'"  # as Scrapy lists the enabled pipelines
    assert enabled in logs[2] and enabled not in logs[1], logs[2][-3000:]
    assert f"Disabled {WORKERS_PIPELINE}: NEWSCRAWL_STAGE_WORKERS is 0 or 1" in logs[1]
    # With workers the stage pipelines, which would only pass each item on, are not in the
    # chain (and not reported as disabled: nothing is wrong).
    stage_pipeline = "'newscrawl.crawl.pipelines.DecodePipeline'"
    assert stage_pipeline in logs[1] and stage_pipeline not in logs[2]
    assert "Disabled newscrawl.crawl.pipelines.DecodePipeline" not in logs[2]
    alone, with_workers = stored[1], stored[2]
    # Every article was stored, copies of one wire story in one story, in both crawls...
    assert set(alone["versions"]) == set(network.article_urls)
    assert alone["stories"] == sorted(sorted(network.url(story, outlet) for outlet in story.outlets)
                                      for story in network.stories)
    # ... and page by page the same rows with the stages in two worker processes.
    assert with_workers == alone
    # The stages' counts are the same whichever process ran them.
    counts = stage_stats(logs[1])
    assert counts.get("newscrawl/language/article/en") == len(network.article_urls)
    assert stage_stats(logs[2]) == counts
    # Each worker's memory is counted (the most one held, sampled while they ran).
    assert stat(logs[2], "newscrawl/stage_workers/rss_max_mb") > 50
    assert stat(logs[1], "newscrawl/stage_workers/rss_max_mb") is None


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(kid) for kid in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _workers_of(pid: int) -> list[int]:
    """The stage workers of the crawler ``pid``: the children of its fork server (forked from
    it, so their command line is the server's), or its spawned children; not multiprocessing's
    resource tracker."""
    found = []
    for kid in _children(pid):
        try:
            cmdline = Path(f"/proc/{kid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" in cmdline:
            continue
        if b"forkserver" in cmdline:
            try:
                found += _children(kid)
            except OSError:
                continue
        elif b"spawn_main" in cmdline:
            found.append(kid)
    return found


def test_a_stage_worker_killed_mid_crawl_loses_no_page(tmp_path):
    network = build_wire_network(tmp_path / "net", stories=16, sites=4)
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    with LoopbackSiteServer(network.root) as server:
        # Articles answer slowly enough that the crawl is still going when a worker is killed.
        for url in network.article_urls:
            server.fault(url, "delay", seconds=0.4)
        cmd, env = crawl_command(tmp_path, network.sources, database_url, server.proxy_url,
                                 "NEWSCRAWL_STAGE_WORKERS=2")
        log_path = tmp_path / "crawl.log"
        with log_path.open("w") as out:
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 120
                # Killed once both are up and some articles have been fetched, many still to go.
                while len(_workers_of(proc.pid)) < 2 or len(server.exchanges) < 12:
                    assert proc.poll() is None and time.monotonic() < deadline, (
                        log_path.read_text()[-3000:])
                    time.sleep(0.05)
                victim = _workers_of(proc.pid)[0]
                os.kill(victim, signal.SIGKILL)
                proc.wait(timeout=240)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        fetched = {e.url for e in server.exchanges}
    log = log_path.read_text()
    assert proc.returncode == 0, log[-6000:]
    assert "Traceback" not in log, log[-6000:]
    assert set(network.article_urls) - fetched == set(), "the crawl stopped early"
    assert stat(log, "newscrawl/stage_workers/restarts") >= 1, log[-6000:]
    # Every article stored as a version: the pages the dead worker's pool held were staged
    # again, none recorded as one its worker died on (none was).
    assert set(pages(database_url)["versions"]) == set(network.article_urls)
    assert stat(log, "newscrawl/stage_workers/died") is None


def test_a_page_its_worker_dies_on_is_stored_as_skipped_and_the_crawl_goes_on(tmp_path):
    network = build_wire_network(tmp_path / "net", stories=10, sites=3)
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    poisoned = {url for url in network.article_urls if POISON in url}
    assert poisoned
    # The project's pipelines, the workers' replaced by the poisoned one.
    pipelines = json.dumps({**{path: order for path, order in crawl_settings.ITEM_PIPELINES.items()
                               if path != WORKERS_PIPELINE},
                            "tests.crawl.poison.PoisonedStageWorkers": 50})
    with LoopbackSiteServer(network.root) as server:
        log = crawl(tmp_path, network.sources, database_url, server.proxy_url,
                    "NEWSCRAWL_STAGE_WORKERS=2", f"ITEM_PIPELINES={pipelines}")
    stored = pages(database_url)
    outcomes = {url: (outcome, reason) for url, outcome, reason in stored["fetches"]}
    # The pages that kill their worker are kept as skipped fetches (bytes and all) ...
    assert {url: outcomes[url] for url in poisoned} == {url: ("skipped", WORKER_DIED)
                                                        for url in poisoned}
    store = Store(database_url)
    assert all(store.scalar(select(Fetch.raw_page_id).where(Fetch.url == url)) for url in poisoned)
    # ... and every other page is stored as a version, those in the broken pools included.
    assert set(stored["versions"]) == set(network.article_urls) - poisoned
    assert stat(log, "newscrawl/stage_workers/died") == len(poisoned)
    assert stat(log, "newscrawl/stage_workers/restarts") >= 1


def test_ctrl_c_stops_the_crawl_with_its_workers_and_stores_what_it_scraped(tmp_path):
    network = build_wire_network(tmp_path / "net", stories=16, sites=4)
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    with LoopbackSiteServer(network.root) as server:
        for url in network.article_urls:
            server.fault(url, "delay", seconds=0.4)
        cmd, env = crawl_command(tmp_path, network.sources, database_url, server.proxy_url,
                                 "NEWSCRAWL_STAGE_WORKERS=2")
        log_path = tmp_path / "crawl.log"
        with log_path.open("w") as out:
            # A session of its own: Ctrl-C reaches the whole process group, workers included.
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            try:
                deadline = time.monotonic() + 120
                while len(_workers_of(proc.pid)) < 2 or len(server.exchanges) < 12:
                    assert proc.poll() is None and time.monotonic() < deadline, (
                        log_path.read_text()[-3000:])
                    time.sleep(0.05)
                workers = _workers_of(proc.pid)
                os.killpg(proc.pid, signal.SIGINT)
                proc.wait(timeout=120)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
    log = log_path.read_text()
    assert proc.returncode == 0, log[-6000:]
    assert "shutting down gracefully" in log and "Traceback" not in log, log[-6000:]
    assert "Closing spider (shutdown)" in log
    # The workers finished their pages and ended with the crawl; none died on the signal.
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    assert stat(log, "newscrawl/stage_workers/restarts") is None
    # Every item the crawl scraped before it stopped was stored, with its stages.
    stored = pages(database_url)
    scraped = stat(log, "item_scraped_count")
    assert scraped and len(stored["versions"]) == scraped < len(network.article_urls)
