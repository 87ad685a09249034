"""The language stage with py3langid's features counted by numpy (ngram_walk) beside py3langid's
own byte-by-byte walk, on the same pages in the same process (CPU ms a page), and the check that
the two walks give the same answers.

    python benchmarks/language_walk.py [--limit N] [--repeat N] [--data DIR ...] [--exhaustive]

Each page's blocks and outside text are taken as the language stage receives them (the steps
before it run once); then each page runs ``--repeat`` times with each walk, alternating, the
detector caches cleared before every run, and its fastest run counts. ``--exhaustive`` also
checks on the installed model that after ngram_walk.WINDOW bytes every state of the automaton
has reached the state the start state reaches (the premise of the numpy walk): the pairs of
states that still differ, byte by byte.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
DATA = [SHARED / "wcxb-dev-articles"] + sorted(p for p in (SHARED / "extraction").glob("*") if p.is_dir())


def stage_inputs(data_dirs: list[Path], limit: int) -> list[tuple[list, list[str]]]:
    from newscrawl.model import Page
    from newscrawl.stages import process

    inputs = []
    for data in data_dirs:
        truth = json.loads((data / "ground-truth.json").read_text())
        for i in sorted(truth)[:limit]:
            page = Page.build(truth[i].get("url") or f"https://example.org/{i}",
                              gzip.decompress((data / "html" / f"{i}.html.gz").read_bytes()),
                              {"Content-Type": "text/html; charset=utf-8"})
            work = process.start(page)
            for step in process.STEPS[:process.STEPS.index(process.step_language)]:
                process.run_step(step, work)
            if not work.skipped:
                inputs.append((list(work.blocks), list(work.extracted.outside_blocks if work.extracted else [])))
    return inputs


def exhaustive_check(identifier) -> None:
    from newscrawl.stages.language.ngram_walk import WINDOW, FeatureWalker

    walker = FeatureWalker(identifier)
    size = len(walker.rowbase)
    rowbase = walker.rowbase.astype(np.int64)
    # (state from any start, state from the start state) after k bytes, those that differ.
    ours, start = np.arange(1, size, dtype=np.int64), np.zeros(size - 1, dtype=np.int64)
    byte = np.arange(256, dtype=np.int64)
    for k in range(1, WINDOW + 1):
        keys = []
        for i in range(0, len(ours), 8192):
            a = walker.nextmove[(rowbase[ours[i:i + 8192]][:, None] + byte).ravel()].astype(np.int64)
            b = walker.nextmove[(rowbase[start[i:i + 8192]][:, None] + byte).ravel()].astype(np.int64)
            keys.append(np.unique(a[a != b] * size + b[a != b]))
        pairs = np.unique(np.concatenate(keys))
        ours, start = pairs // size, pairs % size
        print(f"after {k} bytes: {len(pairs)} pairs of states still differ")
    print("the walk's premise holds" if not len(ours) else "THE WALK'S PREMISE DOES NOT HOLD")


def main(argv: list[str] | None = None) -> int:
    from py3langid.langid import LanguageIdentifier

    from newscrawl.stages import process
    from newscrawl.stages.language import analyse_languages, clear_caches
    from newscrawl.stages.language.ngram_walk import WindowedIdentifier

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, nargs="*", default=DATA)
    parser.add_argument("--exhaustive", action="store_true")
    args = parser.parse_args(argv)
    process.warm_up(dates=False)
    inputs = stage_inputs(args.data, args.limit)
    numpy_walk = WindowedIdentifier._raw_score, WindowedIdentifier.classify_many
    own_walk = LanguageIdentifier._raw_score, lambda self, texts: [self.classify(t) for t in texts]

    def use(walk) -> None:
        WindowedIdentifier._raw_score, WindowedIdentifier.classify_many = walk

    times: dict[str, list[float]] = {"py3langid's walk": [], "numpy walk": []}
    differ = 0
    for blocks, outside in inputs:
        results = {}
        for name, walk in (("py3langid's walk", own_walk), ("numpy walk", numpy_walk)):
            use(walk)
            best = float("inf")
            for _ in range(args.repeat):
                clear_caches()
                start = time.process_time()
                result = analyse_languages(blocks, outside)
                best = min(best, time.process_time() - start)
            times[name].append(best * 1000)
            results[name] = result
        differ += results["py3langid's walk"] != results["numpy walk"]
    use(numpy_walk)
    print(f"{len(inputs)} pages, CPU ms a page of analyse_languages (fastest of {args.repeat}):")
    for name, values in times.items():
        print(f"  {name:18s} median {statistics.median(values):.3f}  mean {statistics.mean(values):.3f}")
    print(f"pages whose language result differs between the walks: {differ}")
    if args.exhaustive:
        from py3langid.langid import MODEL_FILE

        exhaustive_check(WindowedIdentifier.from_model_file(MODEL_FILE, norm_probs=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
