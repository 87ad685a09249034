"""Politeness shared by crawler processes on one Redis frontier (newscrawl/crawl/politeness/), and a
process that starts while the others wait out their idle timeout (newscrawl/crawl/shared/frontier.py); with
the machine's real Redis and PostgreSQL, two ``scrapy crawl news`` processes, a loopback site.

What the site sees is measured on the server: the arrival of each request (its clock, not ours)
and how many requests it had in progress at once.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest

from newscrawl.crawl.politeness.pacing import SharedPacingMiddleware
from newscrawl.crawl.shared.keys import robots_key, robots_lock_key
from newscrawl.crawl.replay import SavedSites
from newscrawl.testing import LoopbackSiteServer
from evaluation.wiresite import WireNetwork, build_wire_network

from .test_scale_out import (POSTGRES, REPO, assert_stored_once, crawl_command, crawl_env,
                             run_two_crawlers, stat, wait_all)

pytestmark = pytest.mark.crawl

DELAY = 0.4


def test_reservations_on_one_site_are_spaced_by_the_delay_whoever_asks(redis_frontier):
    import redis

    # Two processes' middlewares (no crawler: the delay as configured) asking in turn.
    pacers = [SharedPacingMiddleware(redis.Redis.from_url(redis_frontier.url), redis_frontier.prefix,
                                     DELAY, 2) for _ in range(2)]
    waits = [pacers[n % 2].reserve("site.example", DELAY) for n in range(6)]
    other = pacers[0].reserve("other.example", DELAY)
    assert waits[0] == 0 and other == 0  # a site nobody asked for lately: at once
    # Each reservation comes one delay after the one before, less the time between the calls.
    assert all(DELAY - 0.05 <= round(b - a, 3) <= DELAY for a, b in zip(waits, waits[1:])), waits
    time.sleep(DELAY * 6 + 1.1)
    assert redis_frontier.keys() == []  # the slots expire once past


@pytest.mark.parametrize("database_url", [POSTGRES], indirect=True)
def test_two_crawlers_keep_one_site_s_pace_and_fetch_its_robots_txt_once(
        database_url, redis_frontier, tmp_path):
    network = build_wire_network(tmp_path / "net", stories=9, sites=1, seed=21)
    with LoopbackSiteServer(network.root) as server:
        texts = run_two_crawlers(server, network, database_url, tmp_path, redis_frontier,
                                 f"DOWNLOAD_DELAY={DELAY}", agents=True)
        exchanges = sorted(server.exchanges, key=lambda e: e.arrived_at)

    articles = set(network.article_urls)
    fetched = Counter(e.url for e in exchanges)
    assert fetched == Counter({**{u: 1 for u in articles}, f"{network.outlets[0]}/robots.txt": 1,
                               f"{network.outlets[0]}/rss.xml": 1, f"{network.outlets[0]}/top.xml": 1})
    senders = {e.request_headers.get("User-Agent") for e in exchanges}
    assert senders == {"newscrawl-test/0", "newscrawl-test/1"}, "both processes sent requests"
    # Both sent requests to the one site, so both needed its robots.txt: one downloaded it, the
    # other took the shared copy from Redis (test_scale_out cannot say how many copies are
    # shared: there the frontier may deal each process whole sites).
    assert sorted(stat(t, "newscrawl/robotstxt/fetched") or 0 for t in texts) == [0, 1]
    assert sorted(stat(t, "newscrawl/robotstxt/shared") or 0 for t in texts) == [0, 1]
    assert [stat(t, "newscrawl/robotstxt/fetched") or 0 for t in texts] != \
        [stat(t, "newscrawl/robotstxt/shared") or 0 for t in texts]
    # The site saw one pace. Each reservation comes at least a delay after the one before, and
    # a process sleeps until its slot, so a request may arrive late (its event loop busy with
    # the stages, the machine loaded) but never early. Single gaps say little: a late request
    # shortens the gap after it by as much as it was late. What lateness cannot do is make the
    # k-th request arrive before k delays after the first slot, so every request is measured
    # from the first arrival; the slack (one delay) is for the first request's own lateness.
    # Two processes keeping the pace each for itself would send twice as fast: the k-th request
    # about k/2 delays after the first, short of this by more than the slack from the third on.
    start = exchanges[0].arrived_at
    early = [round(start + k * DELAY - e.arrived_at, 3) for k, e in enumerate(exchanges)]
    assert max(early) <= DELAY, early
    # Two processes without the shared pace would each keep it only for themselves: their
    # requests interleave with no spacing between the two. Here both waited for slots.
    assert sum(stat(t, "newscrawl/pacing/waited") or 0 for t in texts) >= len(exchanges) // 2
    assert_stored_once(database_url, network)
    # The pace keys expire a second after their last slot; the rest was deleted by the last one out.
    time.sleep(1.2)
    assert redis_frontier.keys() == []


@pytest.mark.parametrize("database_url", [POSTGRES], indirect=True)
def test_a_crawler_started_while_the_others_wait_out_their_idle_timeout_starts_the_next_run(
        database_url, redis_frontier, tmp_path):
    import redis

    first = build_wire_network(tmp_path / "first", stories=5, sites=2, seed=31)
    # What the sites publish by the time the late process starts: new articles, new feeds.
    later = build_wire_network(tmp_path / "later", stories=5, sites=2, seed=32)
    assert not set(first.article_urls) & set(later.article_urls)
    client = redis.Redis.from_url(redis_frontier.url)
    idle_key = f"{redis_frontier.prefix}:news:workers:idle"
    with LoopbackSiteServer(first.root) as server:
        env = crawl_env(server.proxy_url, NEWSCRAWL_REDIS_URL=redis_frontier.url)
        cmd = crawl_command(first, database_url, tmp_path,
                            f"NEWSCRAWL_REDIS_PREFIX={redis_frontier.prefix}")
        logs = [tmp_path / f"crawler-{n}.log" for n in range(2)]
        early = subprocess.Popen(cmd + ["-s", "NEWSCRAWL_REDIS_IDLE_TIMEOUT=20", "-s",
                                        "USER_AGENT=newscrawl-test/early"],
                                 cwd=REPO, env=env, stdout=logs[0].open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while not client.scard(idle_key):  # the early process has crawled all and waits
            assert time.monotonic() < deadline and early.poll() is None, logs[0].read_text()[-3000:]
            time.sleep(0.1)
        fetched_by_early = Counter(e.url for e in server.exchanges)
        saved = SavedSites(later.root)
        for url in later.article_urls + [f"{b}/{f}" for b in later.outlets for f in ("rss.xml", "top.xml")]:
            page = saved.get(url)
            server.put(url, page.body, headers=page.headers)
        late = subprocess.Popen(cmd + ["-s", "NEWSCRAWL_REDIS_IDLE_TIMEOUT=2", "-s",
                                       "USER_AGENT=newscrawl-test/late"],
                                cwd=REPO, env=env, stdout=logs[1].open("w"), stderr=subprocess.STDOUT)
        texts = wait_all([late, early], logs[::-1], timeout=120)
        exchanges = server.exchanges

    assert set(fetched_by_early) == set(first.article_urls) | {
        f"{b}/{f}" for b in first.outlets for f in ("robots.txt", "rss.xml", "top.xml")}
    # The late process began a new run: it read the feeds again and the new articles were
    # fetched once each (by either process: the early one, still waiting, takes its share).
    assert "'newscrawl/frontier/joined': 'fresh'" in texts[0]
    feeds_late = Counter(e.url for e in exchanges[sum(fetched_by_early.values()):]
                         if e.url.endswith(".xml"))
    assert feeds_late == {f"{b}/{f}": 1 for b in later.outlets for f in ("rss.xml", "top.xml")}
    late_articles = Counter(e.url for e in exchanges if e.url in set(later.article_urls))
    assert late_articles == {u: 1 for u in later.article_urls}
    assert not {e.url for e in exchanges[sum(fetched_by_early.values()):]} & set(first.article_urls)
    assert_stored_once(database_url, WireNetwork(first.root, first.sources,
                                                 first.stories + later.stories, first.outlets))
    # The crawl ended cleanly: both processes left, the last one cleared the run.
    assert redis_frontier.keys() == []


@pytest.mark.parametrize("database_url", [POSTGRES], indirect=True)
def test_two_crawlers_never_have_more_than_the_site_limit_in_flight_together(
        database_url, redis_frontier, tmp_path):
    network = build_wire_network(tmp_path / "net", stories=10, sites=1, seed=23)
    site = urlsplit(network.outlets[0]).netloc
    with LoopbackSiteServer(network.root) as server:
        # A slow site: requests overlap, and the run lasts long enough (10 articles, 2 at a
        # time, a second each) for a process that starts a few seconds after the other (imports
        # and start-up on a loaded machine) to take part.
        for url in network.article_urls:
            server.fault(url, "delay", seconds=1.0)
        texts = run_two_crawlers(server, network, database_url, tmp_path, redis_frontier,
                                 "CONCURRENT_REQUESTS_PER_DOMAIN=2", agents=True)
        exchanges = server.exchanges
        peak = server.peak_in_flight

    # Each process may have 2 requests in flight to the site; together they had 2 at most
    # (without the shared limit: up to 4), and did use both.
    assert peak == {site: 2}, peak
    senders = Counter(e.request_headers.get("User-Agent") for e in exchanges
                      if e.url in set(network.article_urls))
    assert set(senders) == {"newscrawl-test/0", "newscrawl-test/1"}, senders
    assert sum(stat(t, "newscrawl/concurrency/leased") or 0 for t in texts) == len(exchanges)
    assert_stored_once(database_url, network)
    # Every slot was given back: nothing held or waiting is left (the pace keys were never made,
    # with no delay), and the last process out cleared the run.
    assert redis_frontier.keys() == []


@pytest.mark.parametrize("database_url", [POSTGRES], indirect=True)
def test_a_dead_robots_txt_lock_holder_blocks_a_crawler_only_until_its_lease_lapses(
        database_url, redis_frontier, tmp_path):
    import redis

    ttl = 2.0
    network = build_wire_network(tmp_path / "net", stories=4, sites=1, seed=41)
    lock = robots_lock_key(robots_key(redis_frontier.prefix, "news"),
                           urlsplit(network.outlets[0]).netloc)
    # A "crawler" that takes the site's robots.txt lock, renews it, and will be killed.
    holder = subprocess.Popen([sys.executable, "-m", "tests.e2e.lease_holder", redis_frontier.url,
                               str(ttl), "lock", lock], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        name = holder.stdout.readline().strip()
        assert name and holder.poll() is None
        client = redis.Redis.from_url(redis_frontier.url)
        with LoopbackSiteServer(network.root) as server:
            env = crawl_env(server.proxy_url, NEWSCRAWL_REDIS_URL=redis_frontier.url)
            cmd = crawl_command(network, database_url, tmp_path,
                                f"NEWSCRAWL_REDIS_PREFIX={redis_frontier.prefix}",
                                "NEWSCRAWL_REDIS_IDLE_TIMEOUT=1", f"NEWSCRAWL_LEASE_TTL={ttl}")
            log = tmp_path / "crawler.log"
            crawler = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log.open("w"),
                                       stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 90
            while f"is being downloaded by {name}" not in log.read_text():
                assert time.monotonic() < deadline and crawler.poll() is None, log.read_text()[-3000:]
                time.sleep(0.1)
            # While the holder lives it keeps the lock past its TTL, and the crawler waits for
            # its copy: nothing is sent to the site (every request needs robots.txt first).
            time.sleep(2 * ttl)
            assert client.get(lock).decode().startswith(name)
            assert server.requests == []
            holder.kill()
            holder.wait()
            killed_at = time.monotonic()
            texts = wait_all([crawler], [log], timeout=120)
            exchanges = server.exchanges
    finally:
        holder.kill()
        holder.wait()

    robots = [e for e in exchanges if e.url.endswith("/robots.txt")]
    assert len(robots) == 1
    # The crawler took the lock within the TTL of the holder's death (plus its polling and
    # the loaded machine's scheduling), not after the 270 s the old fixed expiry allowed.
    assert robots[0].arrived_at - killed_at < ttl + 2.0, robots[0].arrived_at - killed_at
    assert stat(texts[0], "newscrawl/robotstxt/fetched") == 1
    assert (stat(texts[0], "newscrawl/robotstxt/wait_ms") or 0) >= 2 * ttl * 1000
    assert_stored_once(database_url, network)
    assert redis_frontier.keys() == []
