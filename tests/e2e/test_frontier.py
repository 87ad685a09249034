"""The shared frontier's pieces against the real Redis server: the per-site queue, the run
registry (first process starts a fresh dupefilter, last one out deletes it, a killed run is
resumed), the add-on switching on only with a Redis URL."""

from __future__ import annotations

import pytest
import scrapy
from scrapy.settings import Settings

from newscrawl.crawl.shared.addon import RedisFrontier
from newscrawl.crawl.shared.frontier import STATS, SharedScheduler, SlotAwareQueue
from newscrawl.crawl.shared.keys import redis_url


class _Slot:
    def __init__(self, active: int) -> None:
        self.active = set(range(active))


class _Downloader:
    """Scrapy's downloader as the queue sees it: requests per site, two allowed per site."""

    domain_concurrency = 2

    def __init__(self, busy: dict[str, int]) -> None:
        self.slots = {k: _Slot(n) for k, n in busy.items()}
        self.active = {scrapy.Request(f"http://{k}/busy{i}") for k, n in busy.items()
                       for i in range(n)}

    @staticmethod
    def get_slot_key(request) -> str:
        return request.url.split("/")[2]


class _Spider(scrapy.Spider):
    name = "queue-test"

    def parse(self, response):
        return None


def _spider_with(downloader) -> _Spider:
    spider = _Spider()
    spider.crawler = type("C", (), {"engine": type("E", (), {"downloader": downloader})()})()
    return spider


def test_queue_pops_the_least_busy_site_first_and_each_request_once(redis_frontier):
    downloader = _Downloader({"a.example": 2, "b.example": 0, "c.example": 1})
    queue = SlotAwareQueue(redis_frontier.client, _spider_with(downloader),
                           f"{redis_frontier.prefix}:%(spider)s:requests")
    urls = [f"http://{host}/{n}" for host in ("a.example", "b.example", "c.example") for n in range(3)]
    for url in urls:
        queue.push(scrapy.Request(url, priority=1 if url.endswith("/2") else 0))
    assert len(queue) == 9
    first = queue.pop()
    assert first.url == "http://b.example/2"  # the idle site, its highest priority first
    # A second process sharing the queue (another downloader) takes the rest: none twice; the
    # first never takes a.example's, where it already has as many requests as it may send.
    other = SlotAwareQueue(redis_frontier.client, _spider_with(_Downloader({})),
                           f"{redis_frontier.prefix}:%(spider)s:requests")
    popped, turn = [first.url], 0
    while True:
        turn += 1
        order = [other, queue] if turn % 2 else [queue, other]
        taker, request = next(((q, r) for q in order if (r := q.pop()) is not None),
                              (None, None))
        if request is None:
            break
        assert taker is other or not request.url.startswith("http://a.example/")
        popped.append(request.url)
    assert sorted(popped) == sorted(urls)
    assert len(queue) == 0 and queue.pop() is None
    assert redis_frontier.keys() == []  # drained: counter and slot sets gone


class _Stats(dict):
    def inc_value(self, key, count=1, start=0):
        self[key] = self.get(key, start) + count

    def set_value(self, key, value):
        self[key] = value


def _scheduler(redis_frontier) -> tuple[SharedScheduler, _Spider]:
    """A scheduler as the add-on configures it, on a crawler reduced to what it reads."""
    from scrapy.signalmanager import SignalManager

    settings = Settings({"REDIS_URL": redis_frontier.url,
                         "NEWSCRAWL_REDIS_PREFIX": redis_frontier.prefix,
                         "NEWSCRAWL_REDIS_IDLE_TIMEOUT": 0})
    RedisFrontier().update_settings(settings)
    crawler = type("Crawler", (), {"settings": settings, "stats": _Stats(),
                                   "signals": SignalManager()})()
    scheduler = SharedScheduler.from_crawler(crawler)
    spider = _spider_with(_Downloader({}))
    spider.settings = settings
    return scheduler, spider


def test_first_process_starts_a_run_last_one_ends_it_and_a_killed_run_resumes(redis_frontier):
    first, spider = _scheduler(redis_frontier)
    first.open(spider)
    assert first.enqueue_request(scrapy.Request("http://a.example/1"))
    second, spider2 = _scheduler(redis_frontier)
    second.open(spider2)  # joins: the dupefilter is shared, not reset
    assert not second.enqueue_request(scrapy.Request("http://a.example/1"))
    assert second.next_request().url == "http://a.example/1"
    first.close("finished")
    assert any(k.endswith(":dupefilter") for k in redis_frontier.keys())  # second still runs
    second.close("finished")
    assert redis_frontier.keys() == []  # the run is over

    # A run killed with requests waiting: its queue and dupefilter are resumed by the next one.
    killed, spider3 = _scheduler(redis_frontier)
    killed.open(spider3)
    killed.enqueue_request(scrapy.Request("http://a.example/2"))
    killed.enqueue_request(scrapy.Request("http://a.example/3"))
    redis_frontier.client.delete(killed.workers_key)  # as if its heartbeat had gone stale
    resumed, spider4 = _scheduler(redis_frontier)
    resumed.open(spider4)
    assert not resumed.enqueue_request(scrapy.Request("http://a.example/2"))  # still seen
    assert {resumed.next_request().url, resumed.next_request().url} == {
        "http://a.example/2", "http://a.example/3"}
    resumed.close("finished")
    assert redis_frontier.keys() == []


def test_a_process_starting_while_every_worker_idles_on_an_empty_queue_begins_a_new_run(
        redis_frontier):
    from scrapy.exceptions import DontCloseSpider

    first, spider = _scheduler(redis_frontier)
    first.idle_timeout = 60
    first.open(spider)
    assert first.enqueue_request(scrapy.Request("http://a.example/feed"))
    # Busy (a request popped, not finished): a newcomer joins this run and its feed is a dupe.
    assert first.next_request().url == "http://a.example/feed"
    joiner, spider2 = _scheduler(redis_frontier)
    joiner.open(spider2)
    assert joiner.stats[f"{STATS}/joined"] == "join"
    assert not joiner.enqueue_request(scrapy.Request("http://a.example/feed"))
    joiner.close("finished")
    # Idle, but requests still queued: the run is not over either.
    assert first.enqueue_request(scrapy.Request("http://a.example/1"))
    with pytest.raises(DontCloseSpider):
        first.spider_idle(spider)
    joiner, spider2 = _scheduler(redis_frontier)
    joiner.open(spider2)
    assert joiner.stats[f"{STATS}/joined"] == "join"
    assert joiner.next_request().url == "http://a.example/1"
    joiner.close("finished")
    # Idle on an empty queue, waiting out its idle timeout: a newcomer starts a new run (the
    # feed is read again) and the idle worker takes its share of the new run's requests.
    with pytest.raises(DontCloseSpider):
        first.spider_idle(spider)
    assert first.idle_marked
    late, spider3 = _scheduler(redis_frontier)
    late.open(spider3)
    assert late.stats[f"{STATS}/joined"] == "fresh"
    assert late.enqueue_request(scrapy.Request("http://a.example/feed"))
    assert first.next_request().url == "http://a.example/feed"
    assert not first.idle_marked  # busy again: the next newcomer joins
    third, spider4 = _scheduler(redis_frontier)
    third.open(spider4)
    assert third.stats[f"{STATS}/joined"] == "join"
    for scheduler in (third, late, first):
        scheduler.close("finished")
    assert redis_frontier.keys() == []


def test_the_add_on_puts_the_shared_politeness_in_place(monkeypatch):
    from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

    from newscrawl.crawl.politeness import (
        SharedConcurrencyMiddleware,
        SharedPacingMiddleware,
        SharedRobotsTxtMiddleware,
    )

    monkeypatch.setenv("NEWSCRAWL_REDIS_URL", "redis://elsewhere:6379/2")
    settings = Settings({"DOWNLOADER_MIDDLEWARES_BASE": {
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": 100}})
    RedisFrontier().update_settings(settings)
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares[RobotsTxtMiddleware] is None
    assert middlewares[SharedRobotsTxtMiddleware] == 100
    # A request takes its site slot, then its place in the site's pace.
    assert middlewares[SharedConcurrencyMiddleware] == 890
    assert middlewares[SharedPacingMiddleware] == 900
    assert settings.getfloat("DOWNLOAD_DELAY_JITTER") == 0
    # robots.txt switched off in the project: it stays off.
    settings = Settings({"DOWNLOADER_MIDDLEWARES": {RobotsTxtMiddleware: None}})
    RedisFrontier().update_settings(settings)
    assert SharedRobotsTxtMiddleware not in settings.getdict("DOWNLOADER_MIDDLEWARES")


def test_the_add_on_is_off_without_a_redis_url(monkeypatch):
    from scrapy.exceptions import NotConfigured

    for name in ("NEWSCRAWL_REDIS_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    assert redis_url(Settings()) is None
    with pytest.raises(NotConfigured):
        RedisFrontier().update_settings(Settings())
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6379/2")
    settings = Settings()
    RedisFrontier().update_settings(settings)
    assert settings["SCHEDULER"] == "newscrawl.crawl.shared.frontier.SharedScheduler"
    assert settings["REDIS_URL"] == "redis://elsewhere:6379/2"
    assert settings.getbool("SCHEDULER_PERSIST") and not settings.getbool("NEWSCRAWL_LOCK", True)
