"""Scrapy item pipelines: thin wrappers, one per stage, over :mod:`newscrawl.process`.

Each pipeline runs one ``step_*`` function on the item's :class:`~newscrawl.process.Work` and
counts what it did in namespaced stats (``newscrawl/<stage>/...``). Settings are read in
``from_crawler``; ``__init__`` takes plain values, so the pipelines can be built in tests without
a crawler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy.exceptions import NotConfigured

from newscrawl import process
from newscrawl.items import PageItem


class _StagePipeline:
    stage: str = ""
    step: Callable[[process.Work], None]

    def __init__(self, stats: Any = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(stats=crawler.stats)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newscrawl/{key}", count)

    def work_of(self, item: PageItem) -> process.Work:
        work = item.stages.get("work")
        if work is None:
            work = process.start(item.to_page())
            item.stages["work"] = work
        return work

    def process_item(self, item: PageItem) -> PageItem:
        if item.error is not None or item.status == 304:
            return item  # no body to process: a failed download or a "not modified" answer
        work = self.work_of(item)
        was_skipped = work.skipped
        known = len(work.record.repairs)
        type(self).step(work)
        for repair in work.record.repairs[known:]:
            self._inc(f"{repair.stage}/{repair.kind}", repair.count)
        if work.skipped and not was_skipped:
            self._inc(f"{self.stage}/skipped/{work.record.skip_reason.split(':')[0]}")
        self.count(work)
        item.record = work.record
        return item

    def count(self, work: process.Work) -> None:
        """Stage-specific stats; the default counts nothing more."""


class DecodePipeline(_StagePipeline):
    stage = "decode"
    step = staticmethod(process.step_decode)

    def count(self, work: process.Work) -> None:
        if work.decoded is not None:
            self._inc(f"decode/source/{work.decoded.source}")
            self._inc(f"decode/encoding/{work.decoded.encoding}")
            if work.decoded.conflict:
                self._inc("decode/conflict")


class ExtractPipeline(_StagePipeline):
    stage = "extract"
    step = staticmethod(process.step_extract)


class RepairPipeline(_StagePipeline):
    stage = "repair"
    step = staticmethod(process.step_repair)


class LanguagePipeline(_StagePipeline):
    stage = "language"
    step = staticmethod(process.step_language)

    def count(self, work: process.Work) -> None:
        if not work.skipped and work.record.language:
            self._inc(f"language/article/{work.record.language}")


class CleanPipeline(_StagePipeline):
    stage = "clean"
    step = staticmethod(process.step_clean)


class FingerprintPipeline(_StagePipeline):
    stage = "fingerprint"
    step = staticmethod(process.step_fingerprint)


class StorePipeline:
    """Stores every item: a fetch row always, a story version for articles.

    Items without a page - a failed download (``item.error``) or a 304 - skip the stages and
    become a ``failed`` fetch or an ``unchanged`` one (reason ``not_modified``).
    """

    def __init__(self, database_url: str, stats: Any = None) -> None:
        self.database_url = database_url
        self.stats = stats
        self.sessionmaker = None

    @classmethod
    def from_crawler(cls, crawler):
        from newscrawl.store.db import database_url

        if not crawler.settings.getbool("NEWSCRAWL_STORE_ENABLED", True):
            raise NotConfigured("NEWSCRAWL_STORE_ENABLED is off")
        return cls(database_url(settings=crawler.settings), stats=crawler.stats)

    def open_spider(self) -> None:
        from newscrawl.store.db import open_database

        self.sessionmaker = open_database(self.database_url)

    def process_item(self, item: PageItem) -> PageItem:
        from newscrawl.store.history import store_not_modified
        from newscrawl.store.repository import store_fetch_only, store_page

        with self.sessionmaker() as session:
            if item.error is not None:  # no response, or an error status after retries
                outcome = store_fetch_only(
                    session, item.url, item.status, item.headers, item.fetched_at, item.error,
                    source=item.source, requested_url=item.requested_url)
            elif item.status == 304:  # the incremental crawl asked conditionally
                outcome = store_not_modified(
                    session, item.url, item.headers, item.fetched_at, source=item.source,
                    requested_url=item.requested_url)
            else:
                work = item.stages.get("work") or process.run_steps(item.to_page())
                outcome = store_page(session, work.page, work.record, source=item.source,
                                     requested_url=item.requested_url)
            session.commit()
        if self.stats is not None:
            self.stats.inc_value(f"newscrawl/store/{outcome.outcome}")
        item.stages["store"] = outcome
        return item
