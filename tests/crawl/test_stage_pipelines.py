"""The crawl's stage pipelines (newscrawl/crawl/pipelines.py) run the stages one by one on an item:
a stage that raises makes the item a recorded skip passed on to the store, never an exception
(Scrapy would log it and drop the item, and the page would be lost)."""

from __future__ import annotations

from pathlib import Path


from newscrawl.crawl import pipelines
from newscrawl.crawl.items import PageItem
from newscrawl.stages import process

CASE = Path(__file__).resolve().parents[2] / "fixtures" / "sites" / "www.capitol-ledger.example" / "kettle-recall"
URL = "https://www.capitol-ledger.example/kettle-recall"
STAGES = (pipelines.DecodePipeline, pipelines.ExtractPipeline, pipelines.RepairPipeline,
          pipelines.LanguagePipeline, pipelines.CleanPipeline, pipelines.FingerprintPipeline)


class Stats:
    def __init__(self):
        self.values = {}

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count


def run_stages(stats):
    item = PageItem(url=URL, body=(CASE / "body.html").read_bytes(),
                    headers={"Content-Type": "text/html; charset=utf-8"})
    for cls in STAGES:
        item = cls(stats=stats).process_item(item)
    return item


def test_the_pipelines_make_an_article_of_the_page():
    item = run_stages(Stats())
    assert item.record.skip_reason is None and item.record.fingerprint is not None


def test_a_stage_that_raises_makes_the_item_a_counted_skip(monkeypatch):
    def explode(*args, **kwargs):
        raise ValueError("a library's bug on hostile input")

    monkeypatch.setattr(process, "clean_blocks", explode)
    stats = Stats()
    item = run_stages(stats)
    assert item.record.skip_reason == "stage_failed:clean:ValueError"
    assert item.record.fingerprint is None
    assert stats.values.get("newscrawl/clean/skipped/stage_failed") == 1


def test_a_one_process_crawl_warms_up_as_a_stage_worker_does():
    # Without stage workers the crawler's own process runs the stages: opening the spider loads
    # what a worker loads when it starts, ending with the collector's freeze of it.
    import gc

    gc.unfreeze()
    try:
        pipelines.ExtractPipeline(preload=True).open_spider()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_no_warm_up_in_the_crawler_when_stage_workers_hold_the_data():
    import gc

    gc.unfreeze()
    pipelines.ExtractPipeline(preload=False).open_spider()
    assert gc.get_freeze_count() == 0
