"""The crawl's stats collector (``STATS_CLASS``, newscrawl/crawl/run.py): Scrapy's counts, kept
the same way, without Scrapy's per-attribute hook."""

from __future__ import annotations

from scrapy.utils.test import get_crawler

from newscrawl.crawl import settings as crawl_settings
from newscrawl.crawl.run import StatsCollector


def test_the_crawl_counts_its_stats_as_scrapy_does_without_the_attribute_hook():
    crawler = get_crawler(settings_dict={"STATS_CLASS": crawl_settings.STATS_CLASS})
    stats = crawler.stats
    assert isinstance(stats, StatsCollector)
    stats.open_spider()
    for size in (3, 9, 4):
        stats.inc_value("newscrawl/store/stored_new_story")
        stats.max_value("newscrawl/stage_workers/rss_max_mb", size)
    stats.set_value("newscrawl/spool/pending", 0)
    assert stats.get_stats() == {"newscrawl/store/stored_new_story": 3,
                                 "newscrawl/stage_workers/rss_max_mb": 9,
                                 "newscrawl/spool/pending": 0}
    # Reading an attribute is Python's plain lookup, not Scrapy's hook.
    assert type(stats).__getattribute__ is object.__getattribute__
