"""NEWSCRAWL_EVENT_WINDOW_DAYS reaches the store: the pipeline hands it to every store_page
(what the window does is tested in tests/store/test_events_store.py)."""

from __future__ import annotations

from scrapy.utils.test import get_crawler

from newscrawl.crawl import settings as defaults
from newscrawl.crawl.pipelines import StorePipeline


def _pipeline(tmp_path, **settings) -> StorePipeline:
    crawler = get_crawler(settings_dict={"NEWSCRAWL_DATABASE_URL": f"sqlite:///{tmp_path}/w.db",
                                         "NEWSCRAWL_SPOOL_DIR": str(tmp_path / "spool"), **settings})
    return StorePipeline.from_crawler(crawler)


def test_the_pipeline_takes_the_event_window_from_the_settings(tmp_path, monkeypatch):
    assert _pipeline(tmp_path).event_window_days == defaults.NEWSCRAWL_EVENT_WINDOW_DAYS
    pipeline = _pipeline(tmp_path, NEWSCRAWL_EVENT_WINDOW_DAYS="7")
    assert pipeline.event_window_days == 7

    seen = {}

    def store_page(session, page, record, **options):
        seen.update(options)

    import newscrawl.store.repository as repository
    monkeypatch.setattr(repository, "store_page", store_page)

    class Item:
        error, status, source, requested_url, url = None, 200, "crawl", None, "https://a.example/x"

        class work:
            page = record = None

    Item.stages = {"work": Item.work}

    class Outcome:
        outcome, reason = "new_story", None

    def run(make_session, store, record_refusal, **kwargs):
        store(None)
        return Outcome

    import newscrawl.store.refusals as refusals
    monkeypatch.setattr(refusals, "store_or_record_refusal", run)
    pipeline._store(Item)  # the path every crawled item takes
    assert seen["event_window_days"] == 7
