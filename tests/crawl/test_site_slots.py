"""Per-site slots without Redis (``LocalSlots``) and the concurrency middleware on them
(newscrawl/crawl/politeness/slots.py): the limit, the order of asking, waiters woken as slots come
free, and a slot given back whichever way its request leaves; and the scheduler queue that
does not hand out requests for a site whose limit the downloader already holds. The middleware runs in an asyncio
loop, as under Scrapy's asyncio reactor; the whole crawl is in tests/e2e/test_site_concurrency.py.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
import scrapy
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.test import get_crawler

from newscrawl.crawl.politeness.queue import SiteAwarePriorityQueue
from newscrawl.crawl.politeness.slots import LocalSlots, SharedConcurrencyMiddleware
from newscrawl.crawl.spiders.news import NewsSpider

SITE = "local:inflight:site.example"


def test_local_slots_keep_the_limit_and_go_in_order_of_asking():
    slots = LocalSlots()
    a1, a2, b1, c1 = (slots.new_id() for _ in range(4))
    assert slots.try_slot(SITE, a1, 2) and slots.try_slot(SITE, a2, 2)
    assert not slots.try_slot(SITE, b1, 2) and not slots.try_slot(SITE, c1, 2)  # b1, then c1 in line
    woken = []
    slots.wake_when_free(SITE, c1, lambda: woken.append(c1))
    slots.wake_when_free(SITE, b1, lambda: woken.append(b1))
    assert slots.release_slot(a1)
    # The freed slot is for the first in line: only b1 is woken, and c1 cannot jump ahead.
    assert woken == [b1]
    assert not slots.try_slot(SITE, c1, 2)
    slots.wake_when_free(SITE, c1, lambda: woken.append(c1))
    assert slots.try_slot(SITE, b1, 2)
    assert not slots.release_slot(a1), "a slot is given back once"
    # A newcomer queues behind c1 even when a slot is free before c1 asks again.
    slots.release_slot(a2)
    assert woken == [b1, c1]
    late = slots.new_id()
    assert not slots.try_slot(SITE, late, 2)
    assert slots.try_slot(SITE, c1, 2)
    # Another site is counted on its own.
    assert slots.try_slot("local:inflight:other.example", slots.new_id(), 2)
    assert slots.held() == 3 and slots.waiting() == 1


def test_a_waiter_leaving_the_line_lets_the_one_behind_it_move_up():
    slots = LocalSlots()
    holder, first, second = (slots.new_id() for _ in range(3))
    assert slots.try_slot(SITE, holder, 1)
    assert not slots.try_slot(SITE, first, 1) and not slots.try_slot(SITE, second, 1)
    woken = []
    slots.wake_when_free(SITE, first, lambda: woken.append(first))
    slots.wake_when_free(SITE, second, lambda: woken.append(second))
    slots.release_slot(holder)
    assert woken == [first]
    slots.leave_line(SITE, first)  # its request went away before it took the slot
    assert woken == [first, second]
    assert slots.try_slot(SITE, second, 1)
    slots.release_slot(second)
    assert slots.held() == 0 and slots.waiting() == 0
    # Nothing of the site is left behind once it is idle.
    assert not slots._holders and not slots._lines and not slots._limits and not slots._wakers


def _request(n: int) -> scrapy.Request:
    return scrapy.Request(f"http://site.example/{n}")


async def _settle() -> None:
    for _ in range(5):  # let woken requests run on
        await asyncio.sleep(0)


def test_the_middleware_sends_a_site_s_requests_in_turn_and_wakes_the_next_at_once():
    async def scenario():
        middleware = SharedConcurrencyMiddleware(LocalSlots(), "local", 2)
        requests = [_request(n) for n in range(5)]
        started = {n: asyncio.ensure_future(middleware.process_request(r))
                   for n, r in enumerate(requests)}
        await _settle()
        assert [n for n, task in started.items() if task.done()] == [0, 1]
        # A transfer ends: the first waiter goes on (no polling interval), the others wait.
        middleware.request_left_downloader(requests[0])
        await _settle()
        assert [n for n, task in started.items() if task.done()] == [0, 1, 2]
        # A request dropped after taking its slot gives it back, to the next in line.
        assert middleware.process_exception(requests[1], IgnoreRequest()) is None
        await _settle()
        assert started[3].done() and not started[4].done()
        # A response that came without a transfer (a replayed page) gives its slot back too.
        response = scrapy.http.Response(requests[2].url)
        assert middleware.process_response(requests[2], response) is response
        await _settle()
        assert started[4].done() and middleware.in_flight() == 2
        # Nobody is left in the line.
        assert middleware.keeper.waiting() == 0
        return middleware

    middleware = asyncio.run(scenario())
    middleware.close()
    assert middleware.keeper.held() == 0


def test_a_request_cancelled_while_waiting_leaves_the_line():
    async def scenario():
        middleware = SharedConcurrencyMiddleware(LocalSlots(), "local", 1)
        first, second, third = _request(1), _request(2), _request(3)
        await middleware.process_request(first)
        waiting = asyncio.ensure_future(middleware.process_request(second))
        behind = asyncio.ensure_future(middleware.process_request(third))
        await _settle()
        waiting.cancel()  # the crawl is closing, or the request went away
        await _settle()
        assert middleware.keeper.waiting() == 1
        middleware.release(first)
        await _settle()
        assert behind.done() and middleware.in_flight() == 1

    asyncio.run(scenario())


def test_without_redis_the_middleware_keeps_the_slots_in_memory_unless_switched_off(monkeypatch):
    for name in ("NEWSCRAWL_REDIS_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    crawler = get_crawler(NewsSpider, {"CONCURRENT_REQUESTS_PER_DOMAIN": 3,
                                       "DOWNLOAD_SLOTS": {"slow.example": {"concurrency": 1}}})
    middleware = SharedConcurrencyMiddleware.from_crawler(crawler)
    assert isinstance(middleware.keeper, LocalSlots)
    assert middleware.limit("any.example") == 3 and middleware.limit("slow.example") == 1
    crawler = get_crawler(NewsSpider, {"NEWSCRAWL_LOCAL_SITE_CONCURRENCY": False})
    with pytest.raises(NotConfigured):
        SharedConcurrencyMiddleware.from_crawler(crawler)


class _Downloader:
    """What the scheduler queue looks at: the requests anywhere in the downloader."""

    def __init__(self) -> None:
        self.active: set[scrapy.Request] = set()
        self.slots: dict = {}

    def get_slot_key(self, request: scrapy.Request) -> str:
        return urlparse_cached(request).hostname or ""


def test_the_scheduler_queue_holds_back_a_site_whose_requests_fill_its_limit_in_the_downloader():
    from scrapy.squeues import FifoMemoryQueue

    crawler = get_crawler(NewsSpider, {"CONCURRENT_REQUESTS_PER_DOMAIN": 2,
                                       "DOWNLOAD_SLOTS": {"b.example": {"concurrency": 1}}})
    downloader = _Downloader()
    crawler.engine = SimpleNamespace(downloader=downloader)
    queue = SiteAwarePriorityQueue.from_crawler(crawler, FifoMemoryQueue, "")
    for n in range(3):
        queue.push(scrapy.Request(f"http://a.example/{n}"))
    for n in range(3):
        queue.push(scrapy.Request(f"http://b.example/{n}"))
    # a.example's limit (2) is in the downloader, and one more request, the next to go, waits
    # for a slot in the middleware: Scrapy's own queue sees none of them until they reach the
    # download slot and would hand out a fourth; this one hands out the other site's.
    in_a = [scrapy.Request(f"http://a.example/x{n}") for n in range(3)]
    downloader.active |= set(in_a)
    taken = [queue.pop(), queue.pop()]
    assert [r.url for r in taken] == ["http://b.example/0", "http://b.example/1"]
    downloader.active |= set(taken)
    # b.example: its limit (1) and the next one; every queued site is full.
    assert queue.pop() is None and len(queue) == 4
    downloader.active.discard(taken[0])  # one of b.example's downloads ended
    assert queue.pop().url == "http://b.example/2"
    assert queue.pop() is None  # nothing of b.example is left; a.example is still full
    downloader.active.discard(in_a[0])  # one of a.example's ended
    assert queue.pop().url == "http://a.example/0"
