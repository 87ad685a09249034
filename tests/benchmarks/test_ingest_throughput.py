"""The ingest benchmark's pages (benchmarks/ingest_throughput.py): wcxb-dev-articles' by default,
the live crawl benchmark's with ``--mix``, so that an ingest and a crawl are measured on the same
pages."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.crawl_throughput import CORPORA, DATA, real_pages  # noqa: E402
from benchmarks.ingest_throughput import write_pages  # noqa: E402

pytestmark = pytest.mark.skipif(not (DATA / "wcxb-dev-articles").is_dir(),
                                reason="needs ../shared/data")


def test_the_mix_is_the_crawl_benchmarks_pages_in_its_order(tmp_path):
    folder, count = write_pages(tmp_path, len(CORPORA) + 1, mix=True)
    written = [path.read_bytes() for path in sorted(folder.glob("*.html"))]
    assert count == len(CORPORA) + 1
    assert written == real_pages(len(CORPORA) + 1)
    assert len(set(written)) == len(written)  # one page of each corpus in turn, none twice


def test_without_the_mix_the_pages_are_wcxb_dev_articles_only(tmp_path):
    folder, count = write_pages(tmp_path, 3)
    names = sorted(path.name for path in folder.glob("*.html"))
    assert count == 3
    assert names == sorted(path.name.removesuffix(".gz") for path in
                           sorted((DATA / "wcxb-dev-articles" / "html").glob("*.html.gz"))[:3])
