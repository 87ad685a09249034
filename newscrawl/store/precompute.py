"""What :func:`~newscrawl.store.repository.store_page` computes from a page and its record
alone, computed ahead in a stage worker (:mod:`newscrawl.stages.memo`).

Every page goes through the one process (and thread) that stores, in order; the workers run
the stages side by side. Here the workers also take the store's own pure work - the raw
page's compression, the verification hashes, the word bands and word set, and the event terms of the text
it would store - and the storing process finds them ready. The store still asks for them
exactly as before, so what it stores does not change; a value it does not ask for (a page
already stored, a text placed by its hash) was only computed for nothing, in a worker.
"""

from __future__ import annotations

import dataclasses

from newscrawl.model import ArticleRecord, Page
from newscrawl.stages.events import event_terms
from newscrawl.stages.fingerprint.matching import text_hashes
from newscrawl.stages.fingerprint.words import word_bands, word_set_hashes
from newscrawl.stages.memo import Precomputed, precompute
from newscrawl.stages.workers import Staged, staged_record
from newscrawl.store.raw_pages import compress_raw
from newscrawl.store.sanitize import clean_record

__all__ = ["staged_for_store", "store_precomputed"]


def store_precomputed(page: Page, record: ArticleRecord) -> Precomputed:
    """The values :func:`~newscrawl.store.repository.store_page` will ask for when it stores
    ``page`` with ``record``."""
    calls: list = [(compress_raw, (page.body,))]
    if record.is_article:
        record = clean_record(record)  # the text the store places is the cleaned one
        calls += [(text_hashes, (record.body,)), (word_bands, (record.body,)),
                  (word_set_hashes, (record.body,)),
                  (event_terms, (record.title, record.body))]
    return precompute(calls)


def staged_for_store(page: Page) -> Staged:
    """What a crawl's stage worker runs on a page: every stage
    (:func:`~newscrawl.stages.workers.staged_record`), then the store's own pure work. The page's
    raw bytes, an argument of one of those values, are not sent back (the crawler holds them:
    ``staged.precomputed.holding(body=page.body)`` puts them back)."""
    staged = staged_record(page)
    precomputed = store_precomputed(page, staged.record).without(body=page.body)
    return dataclasses.replace(staged, precomputed=precomputed)
