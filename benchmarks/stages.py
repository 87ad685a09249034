"""Cost of each stage of process_page, per page, on the dev articles (median and mean ms).

    python benchmarks/stages.py [--limit N] [--repeat N] [--clock wall|cpu] [--data DIR ...]

Printed beside trafilatura.extract on the same pages in the same run (the baseline the
extraction issue measures against). Each page runs ``--repeat`` times and its fastest run counts,
as timeit does: this machine's timings vary with the host's load. ``--clock cpu`` times the
process's CPU time (``time.process_time``) instead of the wall clock: on a machine shared with
other jobs, the time spent waiting for a core is not the page's cost, and only CPU time leaves
it out.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "wcxb-dev-articles"


def main(argv: list[str] | None = None) -> int:
    import trafilatura

    from newscrawl.stages import process
    from newscrawl.stages.language import clear_caches
    from newscrawl.model import Page

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per page; the fastest counts (this VM's timings are noisy)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall: time.perf_counter; cpu: this process's CPU time (time.process_time)")
    parser.add_argument("--data", type=Path, nargs="*", default=[DATA],
                        help="corpus folders (ground-truth.json and html/ID.html.gz, as ../shared/data's "
                             "extraction sets): the first --limit pages of each, by sorted id")
    args = parser.parse_args(argv)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    pages = []
    for data in args.data:
        truth = json.loads((data / "ground-truth.json").read_text())
        pages += [Page.build(truth[i].get("url") or f"https://example.org/{i}",
                             gzip.decompress((data / "html" / f"{i}.html.gz").read_bytes()),
                             {"Content-Type": "text/html; charset=utf-8"}) for i in sorted(truth)[: args.limit]]
    try:
        from htmldate.meta import reset_caches as reset_date_caches
    except ImportError:  # another htmldate's layout: its caches then stay between runs
        def reset_date_caches() -> None:
            pass
    process.warm_up()  # load models and caches outside the measurement
    process.run_steps(pages[0])
    times: dict[str, list[float]] = {step.__name__: [] for step in process.STEPS}
    times["total"], times["trafilatura.extract"] = [], []
    for page in pages:
        best: dict[str, float] = {}
        for _ in range(args.repeat):
            clear_caches()  # every run pays for language detection in full
            reset_date_caches()  # and for htmldate's parsing of the page's date strings
            work = process.start(page)
            total = 0.0
            for step in process.STEPS:
                start = clock()
                step(work)
                elapsed = (clock() - start) * 1000
                best[step.__name__] = min(best.get(step.__name__, elapsed), elapsed)
                total += elapsed
            best["total"] = min(best.get("total", total), total)
            start = clock()
            trafilatura.extract(page.body.decode("utf-8", "replace"), url=page.url)
            elapsed = (clock() - start) * 1000
            best["trafilatura.extract"] = min(best.get("trafilatura.extract", elapsed), elapsed)
        for name, value in best.items():
            times[name].append(value)
    print(f"pages: {len(pages)}")
    for name, values in times.items():
        print(f"{name:22s} median {statistics.median(values):7.1f} ms   mean {statistics.mean(values):7.1f} ms")
    ratio = statistics.median(times["total"]) / statistics.median(times["trafilatura.extract"])
    total_ratio = sum(times["total"]) / sum(times["trafilatura.extract"])
    print(f"process_page / trafilatura ({args.clock} clock): medians {ratio:.2f}x, totals {total_ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
