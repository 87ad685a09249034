"""Scale-out evidence, with the machine's real PostgreSQL and Redis servers.

* Two ``scrapy crawl news`` processes sharing one Redis frontier and one PostgreSQL database,
  over a loopback network of outlets whose feeds overlap, fetch each URL once and store every
  article once (one story per wire story, one version per outlet).
* Two concurrent ``newscrawl ingest`` runs over the same saved pages leave no duplicates.
* A database that stops in the middle of a crawl (a TCP proxy in front of the server is
  stopped, then started again) loses nothing: the items are spooled and replayed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from newscrawl.store.db import make_engine
from newscrawl.store.models import Fetch, Story, StoryBand, Version
from newscrawl.testing import LoopbackSiteServer
from newscrawl.testing.tcpproxy import TcpProxy
from evaluation.wiresite import WireNetwork, build_wire_network

REPO = Path(__file__).resolve().parents[2]
POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)

pytestmark = pytest.mark.crawl


def crawl_command(network: WireNetwork, database_url: str, tmp_path: Path, *settings: str) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sources={network.sources}",
           "-s", f"NEWSCRAWL_DATABASE_URL={database_url}",
           "-s", f"NEWSCRAWL_LOCK_DIR={tmp_path / 'locks'}",
           "-s", f"NEWSCRAWL_SPOOL_DIR={tmp_path / 'spool'}",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]
    for setting in settings:
        cmd += ["-s", setting]
    return cmd


def crawl_env(proxy_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
           and k not in ("NEWSCRAWL_DATABASE_URL", "NEWSCRAWL_REDIS_URL", "REDIS_URL")}
    env["http_proxy"] = proxy_url
    env.update(extra)
    return env


def stat(log: str, name: str) -> int | None:
    m = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(m.group(1)) if m else None


def wait_all(procs: list[subprocess.Popen], logs: list[Path], timeout: float = 240) -> list[str]:
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            raise AssertionError("crawl did not finish: " + logs[0].read_text()[-3000:]) from None
    texts = [log.read_text() for log in logs]
    for proc, text in zip(procs, texts):
        assert proc.returncode == 0, text[-5000:]
        assert "Traceback" not in text, text[-5000:]
    return texts


def run_two_crawlers(server, network: WireNetwork, database_url: str, tmp_path: Path, frontier,
                     *settings: str, agents: bool = False) -> list[str]:
    """Two crawl processes started together on one Redis frontier (``frontier``: its URL and
    prefix), leaving after 2 s of an empty queue; with ``agents`` each sends its own
    ``USER_AGENT``, ``newscrawl-test/<n>``. Their logs, once both ended well."""
    env = crawl_env(server.proxy_url, NEWSCRAWL_REDIS_URL=frontier.url)
    # The stages stay in each crawler (no stage workers): these tests share a frontier between
    # processes, and a process that first starts and warms its workers (seconds on a loaded
    # machine) can find the other has taken the whole small run and do nothing at all. A shared
    # frontier with stage workers is crawled by test_shared_politeness's late-starter test.
    cmd = crawl_command(network, database_url, tmp_path, f"NEWSCRAWL_REDIS_PREFIX={frontier.prefix}",
                        "NEWSCRAWL_REDIS_IDLE_TIMEOUT=2", "NEWSCRAWL_STAGE_WORKERS=1", *settings)
    logs = [tmp_path / f"crawler-{n}.log" for n in range(2)]
    procs = [subprocess.Popen(cmd + (["-s", f"USER_AGENT=newscrawl-test/{n}"] if agents else []),
                              cwd=REPO, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
             for n, log in enumerate(logs)]
    return wait_all(procs, logs)


def assert_stored_once(database_url: str, network: WireNetwork) -> None:
    """One story per wire story holding one version per outlet that carries it; nothing twice."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Version.url, Version.story_id, Version.body_hash)).all()
            assert Counter(url for url, _, _ in rows) == Counter(network.article_urls)
            by_story: dict[int, set[str]] = {}
            for url, story_id, _ in rows:
                by_story.setdefault(story_id, set()).add(url)
            expected = sorted(sorted(network.url(s, o) for o in s.outlets) for s in network.stories)
            assert sorted(map(sorted, by_story.values())) == expected
            assert conn.execute(select(func.count()).select_from(Story)).scalar() == len(network.stories)
            # The band index: each story's first-version bands, once.
            per_story = conn.execute(select(StoryBand.story_id, func.count())
                                     .group_by(StoryBand.story_id)).all()
            assert len(per_story) == len(network.stories)
            assert len({n for _, n in per_story}) == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", [POSTGRES], indirect=True)
def test_two_crawlers_share_one_frontier_and_store_every_article_once(
        database_url, redis_frontier, tmp_path):
    network = build_wire_network(tmp_path / "net", stories=18, sites=4, seed=11)
    with LoopbackSiteServer(network.root) as server:
        texts = run_two_crawlers(server, network, database_url, tmp_path, redis_frontier)
        fetched = Counter(e.url for e in server.exchanges)

    # Each article, each feed and each site's robots.txt fetched once across both processes
    # (robots.txt bypasses the scheduler: the processes share it through Redis).
    articles = set(network.article_urls)
    assert {u: n for u, n in fetched.items() if u in articles} == {u: 1 for u in articles}
    feeds = {u: n for u, n in fetched.items() if u.endswith((".xml",))}
    assert feeds == {f"{base}/{name}": 1 for base in network.outlets for name in ("rss.xml", "top.xml")}
    robots = {u: n for u, n in fetched.items() if u.endswith("/robots.txt")}
    assert robots == {f"{base}/robots.txt": 1 for base in network.outlets}
    # One process downloaded each robots.txt; the other took shared copies of the sites it had
    # requests for. How many that is depends on how the frontier dealt the sites out: usually
    # all, but it may hand each process whole sites, and then none is shared.
    # That each robots.txt was fetched once, above, is what sharing guarantees either way.
    assert sum(stat(t, "newscrawl/robotstxt/fetched") or 0 for t in texts) == len(network.outlets)
    assert 0 <= sum(stat(t, "newscrawl/robotstxt/shared") or 0 for t in texts) <= len(network.outlets)
    # Both took part (one joined the other's run), and together stored every article.
    assert sorted("'newscrawl/frontier/joined': 'join'" in t for t in texts) == [False, True]
    assert sum(stat(t, "item_scraped_count") or 0 for t in texts) == len(articles)
    assert all((stat(t, "item_scraped_count") or 0) > 0 for t in texts), "one process did nothing"
    assert_stored_once(database_url, network)
    # The last process out ended the run: no queue, dupefilter or worker left in Redis.
    assert redis_frontier.keys() == []


@pytest.mark.parametrize("database_url", [POSTGRES], indirect=True)
def test_two_concurrent_ingests_of_the_same_pages_leave_no_duplicates(database_url, tmp_path):
    network = build_wire_network(tmp_path / "net", stories=14, sites=4, seed=5)
    env = {k: v for k, v in os.environ.items() if k != "NEWSCRAWL_DATABASE_URL"}
    cmd = [sys.executable, "-m", "newscrawl", "ingest", str(network.root), "--db", database_url, "-q"]
    # Migrate first, so both runs race on the pages rather than on creating the schema.
    subprocess.run([sys.executable, "-m", "newscrawl", "db", "upgrade", "--db", database_url],
                   cwd=REPO, env=env, check=True, capture_output=True)
    procs = [subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert_stored_once(database_url, network)
    cases = sum(1 for _ in network.root.rglob("info.json"))
    engine = make_engine(database_url)
    with engine.connect() as conn:
        # Every page was recorded by each run: a fetch row per page and run.
        assert conn.execute(select(func.count()).select_from(Fetch)).scalar() == 2 * cases
    engine.dispose()
    # Between them the runs created each story once and each version once.
    summary = Counter()
    for out in outputs:
        line = out.strip().splitlines()[-1]
        for n, kind in re.findall(r"(\d+) (\w+)", line.split(";")[0]):
            summary[kind] += int(n)
    assert summary["stored_new_story"] == len(network.stories)
    assert summary["stored_new_story"] + summary["stored_new_version"] == len(network.article_urls)


@pytest.mark.parametrize("database_url", [POSTGRES], indirect=True)
def test_a_database_stopped_mid_crawl_loses_nothing(database_url, tmp_path):
    network = build_wire_network(tmp_path / "net", stories=16, sites=3, seed=3)
    real = make_url(database_url)
    proxy = TcpProxy((real.host, real.port or 5432)).start()
    proxied = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    engine = make_engine(database_url)

    def stored() -> int:
        try:
            with engine.connect() as conn:
                return conn.execute(select(func.count()).select_from(Version)).scalar()
        except Exception:  # noqa: BLE001 - the schema may not exist yet
            return 0

    articles = set(network.article_urls)
    logs = []
    try:
        with LoopbackSiteServer(network.root) as server:
            def fetched() -> int:
                return sum(1 for e in server.exchanges if e.url in articles)

            cmd = crawl_command(network, proxied, tmp_path, "CONCURRENT_REQUESTS=1",
                                "DOWNLOAD_DELAY=0.25", "NEWSCRAWL_SPOOL_RETRY_INTERVAL=1")
            log = tmp_path / "crawl-0.log"
            proc = subprocess.Popen(cmd, cwd=REPO, env=crawl_env(server.proxy_url),
                                    stdout=log.open("w"), stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 120
            while stored() < 3:
                assert time.monotonic() < deadline and proc.poll() is None, log.read_text()[-3000:]
                time.sleep(0.05)
            proxy.stop()  # the database "stops" in the middle of the crawl
            at_stop = fetched()
            while fetched() < at_stop + 5 and proc.poll() is None:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.05)
            down_for = fetched() - at_stop
            proxy.start()  # ... and comes back on the same port
            logs += wait_all([proc], [log])
            if "newscrawl/spool/pending': 0" not in logs[0]:
                # The crawl ended before the database came back: the next run replays the spool.
                log = tmp_path / "crawl-1.log"
                proc = subprocess.Popen(cmd, cwd=REPO, env=crawl_env(server.proxy_url),
                                        stdout=log.open("w"), stderr=subprocess.STDOUT)
                logs += wait_all([proc], [log])
            per_url = Counter(e.url for e in server.exchanges if e.url in articles)
    finally:
        proxy.stop()
        engine.dispose()
    assert down_for >= 3, "the crawl fetched too little while the database was down"
    spooled = sum(stat(t, "newscrawl/spool/spooled") or 0 for t in logs)
    replayed = sum(stat(t, "newscrawl/spool/replayed") or 0 for t in logs)
    assert spooled >= 3 and replayed == spooled, (spooled, replayed)
    assert "Database unavailable, spooling items" in logs[0]
    assert stat(logs[-1], "newscrawl/spool/pending") == 0
    assert set(per_url) == articles and max(per_url.values()) == 1
    assert_stored_once(database_url, network)
    assert not list((tmp_path / "spool").rglob("*.jsonl*")), "spool files left behind"
