"""A test-only stage workers pipeline whose worker dies on some pages, as a crash in a C
library or the kernel's out-of-memory killer would end it: the pages of story 1 of a wire
network (:mod:`evaluation.wiresite`). It takes the place of ``StageWorkersPipeline`` in
``ITEM_PIPELINES`` (tests/crawl/test_stage_workers.py). Importable in
the spawned workers: they get the crawl's sys.path, where Scrapy put the project dir."""

from __future__ import annotations

import os

from newscrawl.crawl.pipelines import StageWorkersPipeline
from newscrawl.stages.workers import staged_record

#: What the URLs of the pages that kill their worker contain.
POISON = "/news/story-0001-"


def staged_or_die(page):
    if POISON in page.url:
        os._exit(9)
    return staged_record(page)


class PoisonedStageWorkers(StageWorkersPipeline):
    work = staticmethod(staged_or_die)
