"""Body-extraction accuracy and cost: newscrawl.process_page beside trafilatura and readability.

Runs all three over ../shared/data/wcxb-dev-articles (real pages with ground truth) in one run,
writes one prediction JSON per extractor and scores them with ../shared/eval/score_extraction.py
(the public article-extraction benchmark's metric). Prints F1/precision/recall/with/without from
the scorer and the median milliseconds per page of each extractor, measured in the same run:
page by page, every extractor in turn on the same page (the order turning from page to page),
so that the host's changing load and warm caches fall on all of them alike (a shared machine's
timings swing from run to run), and the ratio of newscrawl's median to trafilatura's, the figure
the extraction work keeps below 2.

    python benchmarks/extraction.py [--limit N] [--out DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data" / "wcxb-dev-articles"
SCORER = SHARED / "eval" / "score_extraction.py"


def newscrawl_body(html: bytes, url: str) -> str:
    from newscrawl import process_page

    # The benchmark scores extraction, so pages the pipeline would skip as too short still
    # contribute whatever body they had.
    return process_page(html, url, {"Content-Type": "text/html; charset=utf-8"}).body


def trafilatura_body(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html.decode("utf-8", "replace"), url=url) or ""


def readability_body(html: bytes, url: str) -> str:
    import lxml.html
    from readability import Document

    summary = Document(html.decode("utf-8", "replace"), url=url).summary(html_partial=True)
    if not summary.strip():
        return ""
    tree = lxml.html.fromstring(summary)
    return "\n".join(t.strip() for t in tree.itertext() if t.strip())


EXTRACTORS = {"newscrawl": newscrawl_body, "trafilatura": trafilatura_body,
              "readability": readability_body}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out")
    parser.add_argument("--only", nargs="*", default=list(EXTRACTORS))
    args = parser.parse_args(argv)
    truth = json.loads((DATA / "ground-truth.json").read_text())
    ids = sorted(truth)[: args.limit or None]
    args.out.mkdir(parents=True, exist_ok=True)
    pages = {pid: gzip.decompress((DATA / "html" / f"{pid}.html.gz").read_bytes()) for pid in ids}
    files, timings = [], {}
    preds: dict[str, dict] = {name: {} for name in args.only}
    times: dict[str, list[float]] = {name: [] for name in args.only}
    for number, pid in enumerate(ids):
        # The order turns from page to page: whoever runs second on a page finds it in the CPU's
        # caches (and libraries' own caches, htmldate's among them, primed).
        turn = number % len(args.only)
        for name in args.only[turn:] + args.only[:turn]:
            start = time.perf_counter()
            try:
                body = EXTRACTORS[name](pages[pid], truth[pid]["url"])
            except Exception as exc:  # a crash is a failed page, scored as empty
                print(f"{name} {pid}: {type(exc).__name__}: {exc}", file=sys.stderr)
                body = ""
            times[name].append((time.perf_counter() - start) * 1000)
            preds[name][pid] = {"articleBody": body}
    for name in args.only:
        path = args.out / f"{name}.json"
        path.write_text(json.dumps(preds[name], ensure_ascii=False))
        files.append(str(path))
        timings[name] = statistics.median(times[name])
    gt_subset = args.out / "ground-truth.json"
    gt_subset.write_text(json.dumps({pid: truth[pid] for pid in ids}, ensure_ascii=False))
    result = subprocess.run([sys.executable, str(SCORER), str(gt_subset), *files],
                            capture_output=True, text=True)
    print(result.stdout)
    print(f"pages: {len(ids)}")
    for name, ms in timings.items():
        print(f"{name:12s} median {ms:7.1f} ms/page")
    if "newscrawl" in timings and "trafilatura" in timings:
        print(f"process_page / trafilatura (medians): {timings['newscrawl'] / timings['trafilatura']:.2f}x")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
