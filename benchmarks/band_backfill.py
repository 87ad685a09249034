"""What ``newscrawl db backfill`` does for stories stored with one permutation block, and its cost.

    python benchmarks/band_backfill.py [--articles 705] [--postgres URL]

The dev articles of ../shared/data/wcxb-dev-articles (>= 100 words) are stored as originals
through ``store_page`` into a scratch database (SQLite; PostgreSQL too with ``--postgres``: a
scratch schema on that server, dropped afterwards). Then the old state is made: every band row
of block 1 deleted, as in a database stored before the second block. Measured, per database:

* **copies found**: the spun-1.0 and trimmed-spun copies of every article (the corpus's
  hardest kinds, ``evaluation.corpus``) placed with ``matching.place`` (read-only:
  band lookup and verification, nothing stored) into their own story - with block 0 only
  (before) and after the backfill;
* **backfill**: seconds and milliseconds per story of ``backfill_bands`` adding block 1; the rows
  it wrote compared with the bands ``fingerprint()`` gives the story's first version (all must
  be equal); the second run, which finds nothing to do (the cost of making sure);
* **baseline** in the same run: ``fingerprint()`` alone over the same first versions, the part of
  the backfill's work no database can save.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import scratch_postgres  # noqa: E402


def measure(url: str, articles, copies) -> dict:
    from sqlalchemy import delete, select
    from sqlalchemy.orm import sessionmaker

    from newscrawl.model import ArticleRecord, Page, site_of
    from newscrawl.stages.fingerprint import block_band_range, fingerprint
    from newscrawl.store import Story, StoryBand, Version, store_page
    from newscrawl.store.db import make_engine, upgrade
    from newscrawl.store.maintenance.backfill import backfill_bands
    from newscrawl.store.matching import place

    at = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)
    engine = make_engine(url)
    upgrade(engine)
    sessions = sessionmaker(engine)
    story_of = {}  # article id -> story id
    with sessions() as session:
        for art in articles:
            page_url = f"https://originals.example/{art.id}"
            page = Page.build(page_url, art.body.encode("utf-8"), {"Content-Type": "text/plain"},
                              fetched_at=at)
            record = ArticleRecord(url=page_url, site=site_of(page_url), title=art.title,
                                   body=art.body, language="en", fingerprint=fingerprint(art.body))
            out = store_page(session, page, record)
            story_of[art.id] = session.execute(
                select(Story.id).where(Story.key == out.story_key)).scalar_one()
            # One transaction per page, as a crawl stores them (each holds its placement locks).
            session.commit()
        block_one = block_band_range(1)
        session.execute(delete(StoryBand).where(StoryBand.band >= block_one.start))
        session.commit()
        firsts = session.execute(select(Story.id, Version.body).join(
            Version, Version.id == Story.canonical_version_id)).all()
    probes = [(c, fingerprint(c.body)) for c in copies]

    def found() -> dict[str, int]:
        counts: dict[str, int] = {}
        with sessions() as session:
            for copy, fp in probes:
                placement = place(session, copy.url, copy.body, fp)
                hit = placement.story_id == story_of[copy.article_id]
                counts[copy.kind] = counts.get(copy.kind, 0) + hit
        return counts

    before = found()
    t0 = time.perf_counter()
    result = backfill_bands(sessions)
    backfill_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = backfill_bands(sessions)
    again_s = time.perf_counter() - t0
    after = found()

    with sessions() as session:
        stored: dict[int, dict[int, int]] = {}
        for story_id, band, value in session.execute(
                select(StoryBand.story_id, StoryBand.band, StoryBand.hash)):
            stored.setdefault(story_id, {})[band] = value
    fingerprint_ms = []
    wrong = 0
    for story_id, body in firsts:
        t0 = time.perf_counter()
        bands = fingerprint(body).bands
        fingerprint_ms.append((time.perf_counter() - t0) * 1000)
        wrong += stored.get(story_id) != dict(enumerate(bands))
    engine.dispose()
    return {"stories": len(firsts), "before": before, "after": after, "result": result,
            "backfill_s": backfill_s, "again": again, "again_s": again_s, "wrong": wrong,
            "fingerprint_ms": fingerprint_ms}


def main(argv: list[str] | None = None) -> int:
    from evaluation.corpus import CorpusUnavailable, build_copies, load_articles

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=None, help="dev articles (default all)")
    parser.add_argument("--postgres", metavar="URL",
                        help="also measure on this PostgreSQL server (a scratch schema)")
    args = parser.parse_args(argv)
    try:
        articles = load_articles(limit=args.articles)
    except CorpusUnavailable as exc:
        print(f"band_backfill: {exc}", file=sys.stderr)
        return 2
    kinds = ("spun-1.0", "trimmed-spun")
    copies = build_copies(articles, kinds)

    print(f"{len(articles)} stories stored, block 1 deleted; {len(copies)} copies placed"
          " before and after the backfill")
    print("| database | stories | spun-1.0 found before / after | trimmed-spun found before /"
          " after | stories re-banded | rows added | rows as fingerprint() gives them |"
          " backfill s | ms per story | fingerprint() alone ms per story (median) |"
          " second run: stories, s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    targets = []
    with tempfile.TemporaryDirectory() as tmp:
        targets.append(("SQLite", f"sqlite:///{tmp}/backfill.db", None))
        if args.postgres:
            url, drop = scratch_postgres(args.postgres)
            targets.append(("PostgreSQL", url, drop))
        for name, url, drop in targets:
            try:
                m = measure(url, articles, copies)
            finally:
                if drop is not None:
                    drop()
            per_kind = {k: sum(c.kind == k for c in copies) for k in kinds}
            r = m["result"]
            print(f"| {name} | {m['stories']} |"
                  f" {m['before'].get('spun-1.0', 0)} / {m['after'].get('spun-1.0', 0)}"
                  f" of {per_kind['spun-1.0']} |"
                  f" {m['before'].get('trimmed-spun', 0)} / {m['after'].get('trimmed-spun', 0)}"
                  f" of {per_kind['trimmed-spun']} |"
                  f" {r.stories} | {r.added:,} | {m['stories'] - m['wrong']} of {m['stories']} |"
                  f" {m['backfill_s']:.1f} | {m['backfill_s'] * 1000 / max(r.stories, 1):.1f} |"
                  f" {statistics.median(m['fingerprint_ms']):.1f} |"
                  f" {m['again'].stories}, {m['again_s']:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
