"""Story lookup + insert time per page against 10k, 100k, (1M) stored stories, on SQLite.

    python benchmarks/lsh_scale.py [--sizes 10000,100000] [--probes 200]
    python benchmarks/lsh_scale.py --sizes 10000,100000,1000000     # 1M: ~15 GB, many minutes

For each size N, a scratch SQLite database (the real schema, migrated by Alembic) gets N
synthetic stories with their band rows (``BAND_COUNT`` per story, random 64-bit hashes: what
unrelated texts' bands look like), loaded fast with executemany in primary-key order and the
secondary indexes built after the load. Then 100 real articles of ../shared/data/wcxb-dev-articles
are stored through ``store_page`` (so lookups have real stories to find and verify), and the
probes are timed through ``store_page`` + commit: half are spun or trimmed copies of those
articles (a band lookup, candidates verified, a version inserted), half are new articles (a band
lookup finding nothing, a story and its bands inserted). Printed per N: median and mean
milliseconds per page for the lookup alone (``matching.place``) and for the whole store
(lookup + insert + commit), and the process's resident memory.

Baseline in the same run: the same band lookup with SQLite told not to use the indexes
(``NOT INDEXED``), i.e. what a lookup costs when it scans story_bands: it grows linearly with
N, the indexed lookup must not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLANTED = 100


def rss_mb() -> float:
    """Current resident set size of this process (Linux /proc), else the peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_synthetic(engine, n: int, band_count: int) -> float:
    """Insert ``n`` stories and their band rows; returns seconds. Raw sqlite3 for speed."""
    start = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous = OFF")
        cur.execute("PRAGMA journal_mode = OFF")
        # Secondary indexes are built once after the load (a sort) instead of row by row.
        cur.execute("DROP INDEX ix_story_bands_band_hash")
        cur.execute("DROP INDEX ix_story_bands_story_id")
        # Rows are generated inside SQLite (a recursive counter, random()): a Python executemany
        # loaded 47k rows/s here, far too slow for 128 million rows.
        counter = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)")
        cur.execute(f"{counter} INSERT INTO stories (id, key, first_seen_at) "
                    "SELECT i, printf('synthetic%012d', i), '2026-01-01 00:00:00.000000' FROM n",
                    (n,))
        for band in range(band_count):
            # Sorted by hash: rows arrive in primary-key order (band, hash, story_id), so the
            # PK index only appends. random() is SQLite's 64-bit PRNG, like a band hash.
            cur.execute(f"{counter} INSERT INTO story_bands (band, hash, story_id) "
                        "SELECT ?, h, i FROM (SELECT random() AS h, i FROM n) ORDER BY h, i",
                        (n, band))
        cur.execute("CREATE INDEX ix_story_bands_band_hash ON story_bands (band, hash)")
        cur.execute("CREATE INDEX ix_story_bands_story_id ON story_bands (story_id)")
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - start


def unindexed_lookup_ms(session, bands: tuple[int, ...]) -> float:
    """The band lookup with the indexes disabled: the scan baseline."""
    from sqlalchemy import text

    where = " OR ".join(f"(band = {i} AND hash = {h})" for i, h in enumerate(bands))
    sql = text(f"SELECT story_id, COUNT(*) AS shared FROM story_bands NOT INDEXED WHERE {where}"
               " GROUP BY story_id ORDER BY shared DESC, story_id LIMIT 25")
    start = time.perf_counter()
    session.execute(sql).all()
    return (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> int:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from newscrawl.evidence.corpus import CorpusUnavailable, load_articles, trimmed_copy
    from newscrawl.evidence.spinner import spin
    from newscrawl.fingerprint import BAND_COUNT, fingerprint
    from newscrawl.page import Page
    from newscrawl.record import ArticleRecord
    from newscrawl.store import store_page
    from newscrawl.store.db import make_engine, upgrade
    from newscrawl.store.matching import place

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="comma-separated story counts (default 10000,100000)")
    parser.add_argument("--probes", type=int, default=200, help="pages timed per size")
    parser.add_argument("--baseline-probes", type=int, default=1,
                        help="unindexed lookups per size (each scans story_bands)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]

    try:
        articles = load_articles()
    except CorpusUnavailable as exc:
        print(f"lsh_scale: {exc}", file=sys.stderr)
        return 2
    planted = articles[:PLANTED]
    fresh = articles[PLANTED:]
    half = args.probes // 2
    probe_texts = []  # (url, body, kind)
    for i in range(half):
        art = planted[i % len(planted)]
        body = spin(art.body, 0.6, i) if i % 2 else trimmed_copy(art.body)
        probe_texts.append((f"https://copies.example/{i}", body, "copy"))
    for i in range(args.probes - half):
        art = fresh[i % len(fresh)]
        probe_texts.append((f"https://fresh.example/{art.id}/{i}", art.body, "new"))
    # Fingerprints are computed before timing: the store is measured, not the hashing.
    probes = [(url, body, kind, fingerprint(body)) for url, body, kind in probe_texts]
    at = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)

    def page_record(url: str, body: str, fp):
        page = Page.build(url, body.encode("utf-8"), {"Content-Type": "text/plain"}, fetched_at=at)
        record = ArticleRecord(url=url, site=url.split("/")[2], title=url, body=body,
                               language="en", fingerprint=fp)
        return page, record

    print(f"bands per story: {BAND_COUNT}; probes per size: {len(probes)} "
          f"({half} copies of stored stories, {len(probes) - half} new articles)")
    print("| stories | band rows | load s | lookup median ms | lookup mean ms |"
          " store median ms | store mean ms | copies found | unindexed lookup ms | RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        with tempfile.TemporaryDirectory(dir=None) as tmp:
            engine = make_engine(f"sqlite:///{tmp}/scale.db")

            @event.listens_for(engine, "connect")
            def _fast(dbapi_connection, _record):
                # Scratch database: no fsync per commit (the lookup is measured, not the disk).
                dbapi_connection.execute("PRAGMA synchronous = OFF")

            upgrade(engine)
            load_s = load_synthetic(engine, n, BAND_COUNT)
            with Session(engine) as session:
                for art in planted:
                    url = f"https://originals.example/{art.id}"
                    store_page(session, *page_record(url, art.body, fingerprint(art.body)))
                session.commit()
            lookups, stores, found = [], [], 0
            with Session(engine) as session:
                for url, body, kind, fp in probes:
                    t0 = time.perf_counter()
                    placement = place(session, url, body, fp)
                    t1 = time.perf_counter()
                    out = store_page(session, *page_record(url, body, fp))
                    session.commit()
                    t2 = time.perf_counter()
                    lookups.append((t1 - t0) * 1000)
                    # store_page repeats the lookup: the store figure is lookup + insert + commit.
                    stores.append((t2 - t1) * 1000)
                    if kind == "copy" and placement.story_id is not None and not out.created_story:
                        found += 1
                baseline = statistics.median(
                    unindexed_lookup_ms(session, fp.bands)
                    for _, _, _, fp in probes[: args.baseline_probes])
            engine.dispose()
            print(f"| {n:,} | {n * BAND_COUNT:,} | {load_s:.0f} | {statistics.median(lookups):.1f} |"
                  f" {statistics.mean(lookups):.1f} | {statistics.median(stores):.1f} |"
                  f" {statistics.mean(stores):.1f} | {found}/{half} | {baseline:.0f} |"
                  f" {rss_mb():.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
