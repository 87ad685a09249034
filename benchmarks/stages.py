"""Cost of each stage of process_page, per page, on the dev articles (median and mean ms).

    python benchmarks/stages.py [--limit N]

Printed beside trafilatura.extract on the same pages in the same run (the baseline the
extraction issue measures against). Each page runs ``--repeat`` times and its fastest run counts,
as timeit does: this machine's timings vary with the host's load.
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
    args = parser.parse_args(argv)
    truth = json.loads((DATA / "ground-truth.json").read_text())
    ids = sorted(truth)[: args.limit]
    pages = [Page.build(truth[i]["url"], gzip.decompress((DATA / "html" / f"{i}.html.gz").read_bytes()),
                        {"Content-Type": "text/html; charset=utf-8"}) for i in ids]
    process.warm_up()  # load models and caches outside the measurement
    process.run_steps(pages[0])
    times: dict[str, list[float]] = {step.__name__: [] for step in process.STEPS}
    times["total"], times["trafilatura.extract"] = [], []
    for page in pages:
        best: dict[str, float] = {}
        for _ in range(args.repeat):
            clear_caches()  # every run pays for language detection in full
            work = process.start(page)
            total = 0.0
            for step in process.STEPS:
                start = time.perf_counter()
                step(work)
                elapsed = (time.perf_counter() - start) * 1000
                best[step.__name__] = min(best.get(step.__name__, elapsed), elapsed)
                total += elapsed
            best["total"] = min(best.get("total", total), total)
            start = time.perf_counter()
            trafilatura.extract(page.body.decode("utf-8", "replace"), url=page.url)
            elapsed = (time.perf_counter() - start) * 1000
            best["trafilatura.extract"] = min(best.get("trafilatura.extract", elapsed), elapsed)
        for name, value in best.items():
            times[name].append(value)
    print(f"pages: {len(pages)}")
    for name, values in times.items():
        print(f"{name:22s} median {statistics.median(values):7.1f} ms   mean {statistics.mean(values):7.1f} ms")
    ratio = statistics.median(times["total"]) / statistics.median(times["trafilatura.extract"])
    print(f"process_page / trafilatura (medians): {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
