"""The CPU a page of a crawl's stage worker, part by part, beside ``process_page`` alone on the
same pages in the same run.

    python benchmarks/worker_cpu.py [--pages 300] [--repeat 1]

Real pages of ../shared/data (the crawl benchmark's: the seven corpora in turn). Each repetition
starts two fresh processes one after the other (their order alternating), each warmed up as a
crawl's worker is (:func:`newscrawl.stages.process.warm_up`, which also freezes what it loaded
out of the garbage collector's sight), then timed with ``time.process_time``:

* ``process_page``: every page through ``process_page`` (the stages in one process: the baseline
  the issue's figures are given against);
* ``worker``: what a crawl's stage worker does with every page
  (:func:`newscrawl.store.precompute.staged_for_store`), taken apart: the page unpickled as it
  arrives, each stage step, each value computed ahead for the store, the result pickled as it
  goes back; the crawler's side of the pipe (the page pickled, the result unpickled) is timed
  too, apart. The garbage collector's CPU (``gc.callbacks``) is counted inside the parts it
  interrupts and given apart as well.

Printed: CPU ms a page (mean and median) of each process's loop, and of each part of the
worker's. What is not in any part (the pool's own IPC threads, the pipe's system calls, the
start-up) is what the crawl benchmark's worker CPU a page holds beyond these.
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

MODES = ("process_page", "worker")


def pages_of(count: int):
    import datetime as dt

    from crawl_throughput import real_pages

    from newscrawl.model import Page

    fetched = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    return [Page.build(f"http://outlet{n % 8}.example/news/{n}.html", body,
                       {"Content-Type": "text/html"}, 200, fetched)
            for n, body in enumerate(real_pages(count))]


def worker_parts(page, timed):
    """What a crawl's stage worker makes of ``page`` (as
    :func:`newscrawl.store.precompute.staged_for_store` does), each part run through
    ``timed(name, fn, *args)``; returns the ``Staged`` the worker sends back."""
    from newscrawl.stages.events import event_terms
    from newscrawl.stages.fingerprint.matching import text_hashes
    from newscrawl.stages.fingerprint.words import word_bands, word_set_hashes
    from newscrawl.stages.memo import Precomputed
    from newscrawl.stages.process import STEPS, run_step, start
    from newscrawl.stages.workers import Staged
    from newscrawl.store.repository import compress_raw
    from newscrawl.store.sanitize import clean_record

    work = start(page)
    skipped_at = None
    for step in STEPS:
        timed(step.__name__, run_step, step, work)
        if skipped_at is None and work.skipped:
            skipped_at = step.__name__.removeprefix("step_")
    # store_precomputed's calls, one by one (the same list, the same order).
    record = work.record
    values = [(compress_raw.memo_name, (page.body,), timed("store: compress_raw", compress_raw, page.body))]
    if record.is_article:
        record = timed("store: clean_record", clean_record, record)
        for fn, args in ((text_hashes, (record.body,)), (word_bands, (record.body,)),
                         (word_set_hashes, (record.body,)), (event_terms, (record.title, record.body))):
            values.append((fn.memo_name, args, timed(f"store: {fn.__name__}", fn, *args)))
    return Staged(work.record, skipped_at, Precomputed(tuple(values)).without(body=page.body))


def child(mode: str, count: int) -> dict:
    """One process's figures: CPU seconds a page, in all and by part (``worker``)."""
    from newscrawl.stages.process import process_page, warm_up

    pages = pages_of(count)
    warm_up()
    clock = time.process_time
    parts: dict[str, list[float]] = {}
    collecting: list[float] = []
    in_gc = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            collecting.append(clock())
        elif collecting:
            in_gc[0] += clock() - collecting.pop()

    gc.callbacks.append(on_gc)

    def timed(name: str, fn, *args):
        started = clock()
        value = fn(*args)
        parts.setdefault(name, []).append(clock() - started)
        return value

    totals = []
    for page in pages:
        if mode == "process_page":
            started = clock()
            process_page(page.body, page.url, page.headers)
            totals.append(clock() - started)
            continue
        sent = timed("crawler: page pickled", pickle.dumps, page, pickle.HIGHEST_PROTOCOL)
        started = clock()
        staged = worker_parts(timed("page unpickled", pickle.loads, sent), timed)
        back = timed("result pickled", pickle.dumps, staged, pickle.HIGHEST_PROTOCOL)
        totals.append(clock() - started)
        timed("crawler: result unpickled", pickle.loads, back)
        parts.setdefault("bytes to the worker", []).append(len(sent))
        parts.setdefault("bytes back", []).append(len(back))
    gc.callbacks.remove(on_gc)
    return {"mode": mode, "pages": len(pages), "mean": statistics.fmean(totals),
            "median": statistics.median(totals), "gc": in_gc[0] / len(pages),
            "parts": {name: sum(values) / len(pages) for name, values in parts.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.pages)))
        return 0
    results = []
    for repetition in range(args.repeat):
        for mode in (MODES if repetition % 2 == 0 else MODES[::-1]):
            out = subprocess.run([sys.executable, __file__, "--child", mode, "--pages", str(args.pages)],
                                 check=True, capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            results.append(result)
            print(f"{mode:12s} {result['pages']} pages: CPU ms a page mean {1000 * result['mean']:.1f}, "
                  f"median {1000 * result['median']:.1f} (gc {1000 * result['gc']:.2f})", flush=True)
    workers = [r for r in results if r["mode"] == "worker"]
    names = sorted({name for r in workers for name in r["parts"]},
                   key=lambda name: -statistics.fmean(r["parts"].get(name, 0) for r in workers))
    print("the worker's parts, CPU ms a page (mean over the pages; each run):")
    for name in names:
        values = [r["parts"].get(name, 0) for r in workers]
        if name.startswith("bytes"):
            print(f"  {name:32s} " + " ".join(f"{v / 1024:8.1f} KB" for v in values))
        else:
            print(f"  {name:32s} " + " ".join(f"{1000 * v:8.2f}" for v in values))
    base = statistics.fmean(r["mean"] for r in results if r["mode"] == "process_page")
    mean = statistics.fmean(r["mean"] for r in workers)
    print(f"worker {1000 * mean:.1f} ms a page beside process_page {1000 * base:.1f} in the same run "
          f"({1000 * (mean - base):+.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
