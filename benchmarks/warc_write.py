"""What writing WARC costs a crawl: the same crawl with ``NEWSCRAWL_WARC_DIR`` off and on.

Serves the site of ``benchmarks/recrawl.py`` (``--articles`` pages of the test newsroom's texts,
varied, a feed and a sitemap) on the loopback server and runs ``scrapy crawl news`` into a fresh
SQLite store, alternately without and with WARC output, ``--rounds`` times each, all in the same
run (interleaved, so load from other work on the machine falls on both alike). Prints, per
setting, the median wall time (subprocess, start-up included) and the median CPU time of the
crawl process (user + system: steadier than wall time on a shared machine), and the WARC bytes
written; and the WARC writer middleware alone on the site's saved responses, in this process
(best of 3), which is the cost the crawl pays for it, without the noise of whole crawls. Run from the repository root::

    nice -n 5 .venv/bin/python benchmarks/warc_write.py --articles 300 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._common import timed_crawl  # noqa: E402
from benchmarks.recrawl import build  # noqa: E402
from newscrawl.testing import LoopbackSiteServer  # noqa: E402


def middleware_cost(sites: Path, repeat: int = 3) -> tuple[int, float, int]:
    """The WARC writer alone on the site's saved responses (each with its request), in this
    process: responses, best seconds for all of them, bytes written."""
    from scrapy import Request

    from newscrawl.crawl.replay import SavedSites, build_response
    from newscrawl.crawl.warcwriter import WarcWriterMiddleware

    saved = list(SavedSites(sites))
    exchanges = []
    for item in saved:
        request = Request(item.url)
        exchanges.append((request, build_response(request, item)))
    best, size = float("inf"), 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            writer = WarcWriterMiddleware(Path(tmp), 10**9, {"software": "benchmark"})
            started = time.perf_counter()
            for request, response in exchanges:
                writer.write(request, response)
            writer.close()
            best = min(best, time.perf_counter() - started)
            size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    return len(exchanges), best, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {"WARC off": [], "WARC on": []}
    written: list[int] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sources = build(root / "site", args.articles)
        cost = middleware_cost(root / "site" / "sites")
        with LoopbackSiteServer(root / "site" / "sites") as server:
            for n in range(args.rounds):
                for label in results:
                    db = f"sqlite:///{root / f'{label[-2:].strip()}-{n}.db'}"
                    settings = []
                    if label == "WARC on":
                        folder = root / f"warc-{n}"
                        settings.append(f"NEWSCRAWL_WARC_DIR={folder}")
                    results[label].append(timed_crawl(server.proxy_url, sources, db, root,
                                                       *settings))
                    if label == "WARC on":
                        written.append(sum(p.stat().st_size for p in folder.iterdir()))
    print(f"{args.articles} articles, a fresh SQLite store per crawl, {args.rounds} rounds "
          f"interleaved, medians\n")
    print("| crawl | wall s | CPU s (crawl process) | WARC bytes |")
    print("|---|---|---|---|")
    medians = {}
    for label, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        medians[label] = (wall, cpu)
        size = f"{statistics.median(written):,.0f}" if label == "WARC on" else "-"
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {size} |")
    (w0, c0), (w1, c1) = medians["WARC off"], medians["WARC on"]
    print(f"\noverhead of WARC output: wall {100 * (w1 - w0) / w0:+.1f}%, "
          f"CPU {100 * (c1 - c0) / c0:+.1f}% "
          f"({1000 * (c1 - c0) / args.articles:+.2f} ms CPU per article)")
    count, seconds, size = cost
    print(f"the WARC writer alone, in one process, on the site's {count} saved responses (best of "
          f"3): {seconds:.3f} s, {1000 * seconds / count:.2f} ms a response, {size:,} bytes")
    print("all runs (wall s, CPU s): " + "; ".join(
        f"{label}: " + ", ".join(f"({w:.1f}, {c:.1f})" for w, c in runs)
        for label, runs in results.items()))


if __name__ == "__main__":
    main()
