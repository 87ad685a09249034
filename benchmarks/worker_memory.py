"""A stage worker's memory over thousands of pages, without a crawl.

    python benchmarks/worker_memory.py [--passes 2] [--every 250] [--trace 0,1000,4621]
                                       [--limit N] [--samples FILE] [--trim-every N]

One process does what a crawl's stage worker does with each page
(:func:`newscrawl.store.precompute.staged_for_store`, the result pickled as it goes back),
warmed up first as a worker is (:func:`newscrawl.stages.process.warm_up`). The pages are the
4,621 distinct real pages of the seven corpora (the crawl benchmark's, read one at a time so that
the benchmark holds none of them); a second pass takes them in reverse order under new URLs (as a
crawl's versions come). The RSS (``/proc/self/statm``) is sampled every ``--every`` pages;
``--trace`` also traces Python's allocations (tracemalloc) and prints, at each page count given,
the allocation sites that grew most since the previous one, and the traced total beside the RSS:
what grows in RSS but not in the traced total is outside Python's objects (C libraries' own
memory, or the allocators' free memory not given back). At the end: the RSS after a full
collection, then after glibc's ``malloc_trim`` (free memory handed back to the system), and the
fill of every ``functools.lru_cache`` and of the named module-level caches.

Each page runs as a worker's task does, through
:func:`newscrawl.stages.workers.run_task` (which trims the heap every
:data:`~newscrawl.stages.workers.TRIM_EVERY` pages; ``--trim-every`` sets it, 0: the page without
it), where the tree has it. The CPU time a page (``time.process_time``, warm-up excluded) and the
CPU of the trims themselves are printed at the end.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import gzip
import json
import os
import pickle
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE / 1e6


def page_files() -> list[Path]:
    """The distinct real pages' files, one corpus after another in turn (crawl_throughput's order)."""
    from crawl_throughput import CORPORA, DATA

    lists = [sorted((DATA / corpus / "html").glob("*.html.gz")) for corpus in CORPORA]
    files: list[Path] = []
    for index in range(max(map(len, lists))):
        files.extend(found[index] for found in lists if index < len(found))
    return files


def lru_caches() -> list[tuple[str, int, int | None]]:
    """(qualified name, entries, bound) of every lru_cache-wrapped function alive."""
    import functools

    found = []
    gc.unfreeze()  # what warm_up froze is out of get_objects' sight
    for obj in gc.get_objects():
        if isinstance(obj, functools._lru_cache_wrapper):
            info = obj.cache_info()
            name = f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"
            found.append((name, info.currsize, info.maxsize))
    return sorted(found, key=lambda item: -item[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--every", type=int, default=250)
    parser.add_argument("--limit", type=int, default=0, help="pages a pass (0: all)")
    parser.add_argument("--trace", default="", help="page counts at which to compare snapshots")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--frames", type=int, default=1, help="tracemalloc's frames a trace")
    parser.add_argument("--samples", type=Path, help="write the RSS samples here (JSON)")
    parser.add_argument("--trim-every", type=int, default=None,
                        help="pages between two heap trims (default: the workers'; 0: no trim)")
    args = parser.parse_args()

    import datetime as dt

    from newscrawl.model import Page
    from newscrawl.stages.process import warm_up
    from newscrawl.store.precompute import staged_for_store

    from newscrawl.stages import workers

    run_task = getattr(workers, "run_task", None)  # a tree without the trim: the page alone
    trims = [0, 0.0]
    if run_task is not None:
        if args.trim_every == 0:
            run_task = None
        else:
            if args.trim_every:
                workers.TRIM_EVERY = args.trim_every
            trim_heap = workers.trim_heap

            def timed_trim() -> bool:
                before = time.process_time()
                try:
                    return trim_heap()
                finally:
                    trims[0] += 1
                    trims[1] += time.process_time() - before

            workers.trim_heap = timed_trim
    print(f"trim every: {workers.TRIM_EVERY if run_task is not None else 'never'}", flush=True)

    def stages(page):
        return staged_for_store(page) if run_task is None else run_task(staged_for_store, page)

    files = page_files()
    if args.limit:
        files = files[:args.limit]
    warm_up()
    marks = sorted({int(mark) for mark in args.trace.split(",") if mark.strip()})
    if marks:
        import tracemalloc

        tracemalloc.start(args.frames)
        previous = tracemalloc.take_snapshot()
    fetched = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    samples = [(0, rss_mb())]
    print(f"warm: RSS {samples[0][1]:.1f} MB, {len(files)} pages a pass", flush=True)
    done = 0
    started = time.monotonic()
    cpu_started = time.process_time()
    for number in range(args.passes):
        order = files if number % 2 == 0 else files[::-1]
        for index, path in enumerate(order):
            body = gzip.decompress(path.read_bytes())
            url = f"http://outlet{index % 8}.example/news/{number}/{index}.html"
            page = Page.build(url, body, {"Content-Type": "text/html"}, 200, fetched)
            pickle.dumps(stages(pickle.loads(pickle.dumps(page, pickle.HIGHEST_PROTOCOL))),
                         pickle.HIGHEST_PROTOCOL)
            done += 1
            if done % args.every == 0:
                samples.append((done, rss_mb()))
                print(f"{done:6d} pages RSS {samples[-1][1]:7.1f} MB  {time.monotonic() - started:6.0f} s",
                      flush=True)
            if marks and done == marks[0]:
                marks.pop(0)
                snapshot = tracemalloc.take_snapshot().filter_traces(
                    [tracemalloc.Filter(False, tracemalloc.__file__)])
                traced, _ = tracemalloc.get_traced_memory()
                print(f"--- at {done} pages: traced {traced / 1e6:.1f} MB, RSS {rss_mb():.1f} MB; "
                      f"grown most since the last mark:", flush=True)
                for stat in snapshot.compare_to(previous, "lineno")[:args.top]:
                    print(f"  {stat.size_diff / 1e6:+8.2f} MB {stat.count_diff:+8d} blocks  "
                          f"{stat.traceback[0].filename.split('site-packages/')[-1]}:{stat.traceback[0].lineno}",
                          flush=True)
                previous = snapshot
    cpu = time.process_time() - cpu_started
    end = rss_mb()
    gc.collect()
    collected = rss_mb()
    trimmed = None
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        trimmed = rss_mb()
    except OSError:
        pass
    tenth = max(1, (len(samples) - 1) // 10)
    first = sum(rss for _, rss in samples[1:1 + tenth]) / tenth
    last = sum(rss for _, rss in samples[-tenth:]) / tenth
    print(f"end: RSS {end:.1f} MB; after gc.collect {collected:.1f}; after malloc_trim "
          f"{trimmed if trimmed is None else round(trimmed, 1)}; peak sample "
          f"{max(rss for _, rss in samples):.1f}; first tenth {first:.1f}, last tenth {last:.1f} "
          f"({100 * (last / first - 1):+.1f}%)")
    print(f"CPU: {1000 * cpu / max(done, 1):.2f} ms a page over {done} pages; {trims[0]} trims, "
          f"{1000 * trims[1] / max(trims[0], 1):.2f} ms a trim, {1000 * trims[1] / max(done, 1):.3f} ms a page")
    print("lru caches (entries / bound):")
    for name, size, bound in lru_caches()[:20]:
        print(f"  {size:7d} / {bound}  {name}")
    if args.samples:
        args.samples.write_text(json.dumps(samples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
