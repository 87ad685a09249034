"""Candidate recall of the 3-gram band lookup when a story indexes a sample of its bands.

    python benchmarks/band_sampling.py [--samplings 1,2,4,8] [--limit N]

For each sampling k (a story indexes one band in k: those whose hash is a multiple of k, so
that a band two texts share is indexed for both or for neither), and beside it the first
permutation block's bands alone (as many rows as k = 2), on the bands alone (no word bands, no
verification, no store):

* the evidence corpus's text copies (evaluation/corpus.py: exact, trimmed, edited, spun at three
  strengths, trimmed and spun) of the dev articles: the share that shares an indexed band with
  its original, i.e. is among the original's lookup candidates;
* pairs of distinct dev articles sharing an indexed band (the chance candidates' rate);
* COUNTER's agency -> newspaper pairs (evaluation/reuse.py, texts as given, not through the
  pipeline) sharing an indexed band, per label.

The store's own figures (placements, links, events) come from benchmarks/story_evidence.py.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def shared_bands(a: tuple[int, ...], b: tuple[int, ...]) -> set[tuple[int, int]]:
    return set(enumerate(a)) & set(enumerate(b))


def kept(shared: set[tuple[int, int]], k: int) -> bool:
    """Whether a shared band is indexed at sampling ``k`` (a power of two)."""
    return any(not h & (k - 1) for _, h in shared)


def first_block(shared: set[tuple[int, int]]) -> bool:
    from newscrawl.stages.fingerprint import block_band_range

    return any(i in block_band_range(0) for i, _ in shared)


def main(argv: list[str] | None = None) -> int:
    from evaluation.corpus import TEXT_KINDS, build_copies, load_articles
    from evaluation.reuse import load_counter
    from newscrawl.stages.fingerprint import fingerprint

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samplings", default="1,2,4,8")
    parser.add_argument("--limit", type=int, default=None, help="first N articles only")
    args = parser.parse_args(argv)
    ks = [int(k) for k in args.samplings.split(",")]
    columns = [f"k={k}" for k in ks] + ["block 0 only"]

    def row(shared: set[tuple[int, int]]) -> list[bool]:
        return [kept(shared, k) for k in ks] + [first_block(shared)]

    articles = load_articles(limit=args.limit)
    bands = {a.id: fingerprint(a.body).bands for a in articles}
    found: dict[str, list[list[bool]]] = defaultdict(list)
    counts: dict[str, list[int]] = defaultdict(list)
    for copy in build_copies(articles, TEXT_KINDS):
        shared = shared_bands(bands[copy.article_id], fingerprint(copy.body).bands)
        found[copy.kind].append(row(shared))
        counts[copy.kind].append(len(shared))
    print(f"{len(articles)} dev articles; copies sharing an indexed band with their original (bands alone)\n")
    print("| kind | copies | shared bands min / 1st pct | " + " | ".join(columns) + " |")
    print("|---|---|---|" + "---|" * len(columns))
    for kind, rows in found.items():
        n, ordered = len(rows), sorted(counts[kind])
        print(f"| {kind} | {n} | {ordered[0]} / {ordered[n // 100]} | "
              + " | ".join(f"{sum(r[c] for r in rows) / n:.3f} ({n - sum(r[c] for r in rows)} lost)"
                           for c in range(len(columns))) + " |")
    chance = Counter()
    for a, b in itertools.combinations(bands, 2):
        shared = shared_bands(bands[a], bands[b])
        if shared:
            for c, hit in enumerate(row(shared)):
                chance[c] += hit
    pairs = len(bands) * (len(bands) - 1) // 2
    print(f"\ndistinct dev-article pairs sharing an indexed band (of {pairs:,}): "
          + ", ".join(f"{columns[c]} {chance[c]}" for c in range(len(columns))))
    by_label: dict[str, list[list[bool]]] = defaultdict(list)
    for p in load_counter():
        by_label[p.label].append(row(shared_bands(fingerprint(p.source).bands, fingerprint(p.derived).bands)))
    print("\nCOUNTER pairs (texts as given) sharing an indexed band:\n")
    print("| label | pairs | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for label, rows in sorted(by_label.items()):
        print(f"| {label} | {len(rows)} | " + " | ".join(str(sum(r[c] for r in rows)) for c in range(len(columns))) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
