"""The store step alone: ``store_page`` + commit per page, beside a plain INSERT + commit.

    python benchmarks/store_step.py [--limit 300] [--databases sqlite,postgresql] [--records FILE]
    python benchmarks/store_step.py --gzip-levels          # raw page size and time per gzip level

Real pages of ../shared/data/wcxb-dev-articles go through ``process_page`` once, before anything
is timed (``--records FILE`` keeps those records in a pickle for the next run). Each database (a
scratch SQLite file; a scratch PostgreSQL schema on ``NEWSCRAWL_TEST_POSTGRES_URL``'s server)
then receives, one page per transaction as a crawl stores them:

1. ``new``: every real page (mostly new stories: bands, events, a raw page);
2. ``copy``: each article's ground-truth body inside other chrome at another URL (a band lookup,
   candidates verified, a new version in the original's story);
3. ``again``: every real page again (the same text at the same URL: ``unchanged``).

Beside each ``store_page`` call, in the same database and the same loop (so load from other
work on the machine falls on both), the baseline: one INSERT of the page's URL, body and raw
bytes into a table of its own, and a commit. Printed: median and p95 milliseconds per round and
over all rounds, their ratio, and the median CPU time of this process in ``store_page`` + commit
(on a loaded machine the steadier figure; PostgreSQL's own work is not in it).

Copied into another checkout with ``benchmarks/_common.py`` and run there
(``python OTHER/benchmarks/store_step.py``: it imports the newscrawl beside it), it measures that
checkout's store code with the same pages: the before-and-after of a change.

``--gzip-levels``: the raw bytes of the pages compressed at each zlib level: total size and time
(what ``RAW_PAGE_GZIP_LEVEL`` is chosen on).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import scratch_postgres  # noqa: E402

POSTGRES = os.environ.get("NEWSCRAWL_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def load_items(limit: int, cache: Path | None) -> list[tuple[str, object, object]]:
    """(round, page, record) of every store the benchmark makes, in order."""
    if cache is not None and cache.is_file():
        items = pickle.loads(cache.read_bytes())
        if sum(i[0] == "new" for i in items) >= limit:
            counts: dict[str, int] = {}
            kept = []
            for item in items:
                counts[item[0]] = counts.get(item[0], 0) + 1
                if counts[item[0]] <= limit:
                    kept.append(item)
            return kept
    from evaluation.corpus import load_articles, rewrapped_page
    from newscrawl.model import Page
    from newscrawl.stages.process import run_steps

    articles = [a for a in load_articles() if a.path is not None][:limit]
    originals, copies = [], []
    for art in articles:
        page = Page.build(art.url, gzip.decompress(art.path.read_bytes()),
                          {"Content-Type": "text/html; charset=utf-8"})
        originals.append((page, run_steps(page).record))
        url = f"https://copies.example/{art.id}"
        copy = Page.build(url, rewrapped_page(art.title or art.id, art.body, url),
                          {"Content-Type": "text/html; charset=utf-8"})
        copies.append((copy, run_steps(copy).record))
    items = ([("new", p, r) for p, r in originals] + [("copy", p, r) for p, r in copies]
             + [("again", p, r) for p, r in originals])
    if cache is not None:
        cache.write_bytes(pickle.dumps(items))
    return items


def scratch_database(kind: str) -> tuple[str, callable]:
    """(URL, drop) of an empty database of ``kind``."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="store-step-")
        path = Path(folder) / "bench.db"

        def drop() -> None:
            for f in Path(folder).iterdir():
                f.unlink()
            os.rmdir(folder)
        return f"sqlite:///{path}", drop
    return scratch_postgres(POSTGRES)


def run(kind: str, items) -> dict[str, dict[str, list[float]]]:
    from sqlalchemy import text

    from newscrawl.store.db import open_database
    from newscrawl.store.repository import store_page

    url, drop = scratch_database(kind)
    try:
        make_session = open_database(url)
        with make_session() as s:
            key, blob = (("INTEGER PRIMARY KEY", "BLOB") if kind == "sqlite"
                         else ("SERIAL PRIMARY KEY", "BYTEA"))
            s.execute(text(f"CREATE TABLE baseline_pages (id {key}, url TEXT, body TEXT, "
                           f"raw {blob})"))
            s.commit()
        times: dict[str, dict[str, list[float]]] = {}
        outcomes: dict[str, int] = {}
        for n, (round_, page, record) in enumerate(items):
            slot = times.setdefault(round_, {"newscrawl": [], "baseline": [], "newscrawl cpu": [],
                                            "baseline cpu": []})
            for which in (("newscrawl", "baseline") if n % 2 else ("baseline", "newscrawl")):
                with make_session() as s:
                    cpu = time.process_time()
                    start = time.perf_counter()
                    if which == "newscrawl":
                        outcome = store_page(s, page, record, source="bench")
                    else:
                        s.execute(text("INSERT INTO baseline_pages (url, body, raw) "
                                       "VALUES (:u, :b, :r)"),
                                  {"u": page.url, "b": record.body, "r": page.body})
                    s.commit()
                    slot[which].append((time.perf_counter() - start) * 1000)
                    slot[which + " cpu"].append((time.process_time() - cpu) * 1000)
                if which == "newscrawl":
                    outcomes[outcome.outcome] = outcomes.get(outcome.outcome, 0) + 1
        print(f"  {kind} outcomes: {json.dumps(outcomes, sort_keys=True)}")
        make_session.kw["bind"].dispose()
        return times
    finally:
        drop()


def report(kind: str, times: dict[str, dict[str, list[float]]]) -> None:
    rounds = dict(times)
    rounds["all"] = {w: [t for r in times.values() for t in r[w]] for w in times["new"]}
    print(f"{kind:11s} {'round':6s} {'pages':>5s}  {'newscrawl p50':>13s} {'p95':>7s}  "
          f"{'INSERT+commit p50':>17s} {'p95':>7s}  ratio p50   newscrawl CPU p50 (this process)")
    for name, t in rounds.items():
        nc, base = t["newscrawl"], t["baseline"]
        print(f"{'':11s} {name:6s} {len(nc):5d}  {statistics.median(nc):10.2f} ms {pct(nc, .95):7.2f}  "
              f"{statistics.median(base):14.2f} ms {pct(base, .95):7.2f}  "
              f"{statistics.median(nc) / statistics.median(base):6.1f}x   "
              f"{statistics.median(t['newscrawl cpu']):7.2f} ms")


def gzip_levels(items) -> None:
    bodies = [page.body for round_, page, _ in items if round_ == "new"]
    raw = sum(map(len, bodies))
    print(f"{len(bodies)} raw pages, {raw / 1e6:.2f} MB; CPU time, the fastest of 3 runs per page")
    print("level  MB      ms/page (median)  total s")
    for level in (1, 2, 3, 4, 6, 9):
        per, size = [], 0
        for body in bodies:
            best = float("inf")
            for _ in range(3):
                start = time.process_time()
                out = gzip.compress(body, compresslevel=level, mtime=0)
                best = min(best, time.process_time() - start)
            size += len(out)
            per.append(best * 1000)
        print(f"{level:5d}  {size / 1e6:6.2f}  {statistics.median(per):8.2f}          {sum(per) / 1000:6.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=300, help="real pages (default 300)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--records", type=Path, help="pickle of the processed pages (made if missing)")
    parser.add_argument("--gzip-levels", action="store_true")
    args = parser.parse_args(argv)
    items = load_items(args.limit, args.records)
    if args.gzip_levels:
        gzip_levels(items)
        return 0
    print(f"{sum(r == 'new' for r, _, _ in items)} real pages; {len(items)} stores per database")
    for kind in args.databases.split(","):
        report(kind, run(kind, items))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
