"""What a worker computes ahead for the store equals what the store computes itself."""

from __future__ import annotations

import pickle

import numpy as np

from newscrawl.model import Page
from newscrawl.stages import process_page
from newscrawl.stages.events import event_terms
from newscrawl.stages.fingerprint.matching import text_hashes
from newscrawl.stages.fingerprint.words import word_bands, word_set_hashes
from newscrawl.store.precompute import store_precomputed
from newscrawl.store.repository import compress_raw


def _article_bytes(title: str, paragraph) -> bytes:
    """An article page of twelve paragraphs, ``paragraph(n)`` the n-th."""
    return (f"<html><head><title>{title}</title></head><body><article>"
            + "".join(f"<p>{paragraph(n)}</p>" for n in range(12))
            + "</article></body></html>").encode()


def test_the_store_values_computed_in_a_worker_equal_the_stores_own():
    body = _article_bytes("Harbour Board votes",
                          lambda n: f"The Harbour Board met on Tuesday {n} and voted 14 to {n} on the new "
                                    f"pier, said chair Mary Okafor, after a debate of {n + 3} hours.")
    page = Page.build("https://example.org/pier", body, None, 200, None)
    record = process_page(body, page.url)
    assert record.is_article
    ahead = pickle.loads(pickle.dumps(store_precomputed(page, record)))  # sent between processes
    got = {name.rsplit(".", 1)[1]: value for name, _, value in ahead.values}
    assert got["compress_raw"] == compress_raw(body)
    assert got["word_bands"] == word_bands(record.body)
    assert np.array_equal(got["word_set_hashes"], word_set_hashes(record.body))
    assert got["event_terms"] == event_terms(record.title, record.body)
    for mine, theirs in zip(got["text_hashes"], text_hashes(record.body), strict=True):
        assert np.array_equal(mine, theirs)
    # A page that is not an article: only its bytes are stored.
    record.skip_reason = "not_article"
    assert [name.rsplit(".", 1)[1] for name, _, _ in store_precomputed(page, record).values] \
        == ["compress_raw"]


def test_a_crawl_workers_values_leave_the_raw_page_with_the_crawler_and_find_it_again():
    from newscrawl.stages import memo
    from newscrawl.store.precompute import staged_for_store

    body = _article_bytes("Ferry timetable changes",
                          lambda n: f"From Monday {n} the early ferry leaves at {n + 5} past six, the harbour "
                                    f"office said, and the last one waits for the {n}th train.")
    page = Page.build("https://example.org/ferry", body, None, 200, None)
    sent = pickle.dumps(staged_for_store(page))
    assert body not in sent  # the crawler sent those bytes and holds them
    staged = pickle.loads(sent)
    key = (compress_raw.memo_name, (body,))
    with memo.primed(staged.precomputed):
        assert key not in memo._PRIMED
    with memo.primed(staged.precomputed.holding(body=Page.build(page.url, body).body)):
        assert memo._PRIMED[key] == compress_raw(body)
