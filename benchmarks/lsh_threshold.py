"""How close copies sit to the LSH band threshold: the S-curve, per kind of copy and for the seeds.

    python benchmarks/lsh_threshold.py [--limit N] [--seeds 200]

A copy is found only when it shares at least one band with its story's first version. For a pair
of texts whose signatures (whole text, lead) have Jaccard similarities (Jw, Jl), that happens
with probability ``newscrawl.stages.fingerprint.signature.candidate_probability`` over the choice of MinHash
permutations: a pair near the threshold is found by one set of permutations and lost by another,
which is how a change of hashing once lost the seed pair 001/004. Printed, for one permutation
block per signature (64 bands of 2, the layout before) beside the current layout
(``SIGNATURE_BLOCKS`` blocks), in the same run:

1. the S-curve: probability of candidacy at a few similarities;
2. per kind of copy of the evidence corpus (``evaluation/corpus.py``, text kinds, the
   dev articles): Jw and Jl quantiles, the expected number of copies the bands lose (sum of
   miss probabilities) and the number actually lost with the fixed permutations;
3. distinct dev articles: expected and actual candidates per 1,000 stored stories (what
   each lookup must verify for nothing; the cost side);
4. the seed pairs {000, 002} and {001, 004} (../shared/seeds through ``process_page``): Jw, Jl,
   the formula's probability and the share of ``--seeds`` other permutation seeds with which the
   pair is a candidate (the formula checked by drawing permutations).
"""

from __future__ import annotations

import argparse
import html
import itertools
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEEDS = ROOT.parent / "shared" / "seeds"
SEED_PAIRS = (("000", "002"), ("001", "004"))


def jaccard(a: set, b: set) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def seed_bodies() -> dict[str, str]:
    """The seed texts through every stage, served as the seeds test serves them."""
    from newscrawl import process_page

    bodies = {}
    for seed in sorted(SEEDS.glob("0*.txt")):
        lines = [line.strip() for line in seed.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
        number, url = seed.name[:3], f"https://seed{seed.name[:3]}.example/story/{seed.stem}"
        body = "".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
        page = (f'<html><head><meta charset="utf-8"><title>{html.escape(lines[0])}</title>'
                f'<link rel="canonical" href="{url}"></head><body><h1>{html.escape(lines[0])}'
                f"</h1><div class='content'>{body}</div></body></html>")
        bodies[number] = process_page(page.encode("utf-8"), url).body
    return bodies


def main(argv: list[str] | None = None) -> int:
    import numpy as np
    from datasketch import MinHash

    from newscrawl.stages.fingerprint import signature as fp
    from newscrawl.stages.fingerprint.matching import containment
    from newscrawl.stages.fingerprint.text import shingles_of, stable_text, tokens
    from evaluation.corpus import (
        TEXT_KINDS,
        CorpusUnavailable,
        build_copies,
        load_articles,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="dev articles (default all)")
    parser.add_argument("--seeds", type=int, default=200,
                        help="permutation seeds drawn for the seed pairs")
    args = parser.parse_args(argv)

    one = fp.BLOCK_BANDS  # bands per signature with one block
    now = fp.NUM_BANDS
    layouts = (("1 block", one, 2 * one), (f"{fp.SIGNATURE_BLOCKS} blocks", now, fp.BAND_COUNT))
    print(f"rows per band {fp.ROWS_PER_BAND}; bands per signature: 1 block {one}, now {now};"
          f" floor (Jw, Jl) {fp.CANDIDATE_FLOOR}, target {fp.CANDIDATE_TARGET}\n")

    print("S-curve: probability of candidacy (one signature at J | both signatures at J)")
    print("| J | " + " | ".join(name for name, _, _ in layouts) + " |")
    print("|---|" + "---|" * len(layouts))
    for j in (0.05, 0.08, 0.10, 0.12, 0.15, 0.20, 0.25, 0.30):
        cells = [f"{fp.candidate_probability((j,), b):.3f} / {fp.candidate_probability((j, j), b):.3f}"
                 for _, b, _ in layouts]
        print(f"| {j:.2f} | " + " | ".join(cells) + " |")
    floor = [fp.candidate_probability(fp.CANDIDATE_FLOOR, b) for _, b, _ in layouts]
    print(f"| floor {fp.CANDIDATE_FLOOR} | " + " | ".join(f"{p:.3f}" for p in floor) + " |\n")

    def signatures(body: str) -> tuple[set, set]:
        toks = tokens(stable_text(body))
        return shingles_of(toks), shingles_of(toks[: fp.LEAD_TOKENS])

    try:
        articles = load_articles(limit=args.limit)
    except CorpusUnavailable as exc:
        print(f"lsh_threshold: {exc}", file=sys.stderr)
        return 2
    originals = {a.id: (signatures(a.body), fp.fingerprint(a.body).bands) for a in articles}
    per_kind: dict[str, list] = defaultdict(list)
    for copy in build_copies(articles, TEXT_KINDS):
        (ow, ol), obands = originals[copy.article_id]
        w, lead = signatures(copy.body)
        bands = fp.fingerprint(copy.body).bands
        shared = [x == y for x, y in zip(obands, bands)]
        per_kind[copy.kind].append((jaccard(w, ow), jaccard(lead, ol),
                                    any(shared[: 2 * one]), any(shared)))
    print(f"Copies of {len(articles)} dev articles: Jaccard with the original (min / 1% / 5% /"
          " median), copies lost by the bands (expected / actual)")
    print("| kind | Jw | Jl | " + " | ".join(f"lost, {name}" for name, _, _ in layouts) + " |")
    print("|---|---|---|" + "---|" * len(layouts))
    for kind, rows in per_kind.items():
        arr = np.array([r[:2] for r in rows])
        q = [np.quantile(arr[:, i], [0, 0.01, 0.05, 0.5]) for i in (0, 1)]
        cells = []
        for k, (_, b, _) in enumerate(layouts):
            expected = sum(1 - fp.candidate_probability((jw, jl), b) for jw, jl, *_ in rows)
            actual = sum(not r[2 + k] for r in rows)
            cells.append(f"{expected:.2f} / {actual}")
        print(f"| {kind} | " + " | ".join(" / ".join(f"{x:.3f}" for x in qq) for qq in q)
              + " | " + " | ".join(cells) + " |")

    # Distinct articles: pairs sharing shingles, found through an inverted index.
    ids = list(originals)
    pairs_j: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for which in (0, 1):
        inverted = defaultdict(list)
        for n, i in enumerate(ids):
            for s in originals[i][0][which]:
                inverted[s].append(n)
        counts: dict[tuple[int, int], int] = defaultdict(int)
        for members in inverted.values():
            for pair in itertools.combinations(members, 2):
                counts[pair] += 1
        for (a, b), shared in counts.items():
            sa, sb = len(originals[ids[a]][0][which]), len(originals[ids[b]][0][which])
            pairs_j[(a, b)][which] = shared / (sa + sb - shared)
    n_pairs = len(ids) * (len(ids) - 1) // 2
    cells = []
    for _, b, count in layouts:
        expected = sum(fp.candidate_probability(tuple(j), b) for j in pairs_j.values())
        by_band = defaultdict(set)
        for n, i in enumerate(ids):
            for band, h in enumerate(originals[i][1][:count]):
                by_band[(band, h)].add(n)
        actual = {p for members in by_band.values() if len(members) > 1
                  for p in itertools.combinations(sorted(members), 2)}
        cells.append(f"{expected / n_pairs * 1000:.2f} / {len(actual) / n_pairs * 1000:.2f}")
    print(f"\nDistinct articles ({n_pairs:,} pairs): candidates per 1,000 stored stories"
          " (expected / actual): " + "; ".join(f"{name} {c}" for (name, _, _), c in
                                              zip(layouts, cells)))

    if not SEEDS.is_dir():
        print(f"\n{SEEDS} not found: seed pairs left out")
        return 0
    bodies = seed_bodies()
    print(f"\nSeed pairs: Jaccard, probability of candidacy (formula / share of {args.seeds}"
          " permutation seeds)")
    print("| pair | Jw | Jl | containment | " + " | ".join(name for name, _, _ in layouts) + " |")
    print("|---|---|---|---|" + "---|" * len(layouts))
    for x, y in SEED_PAIRS:
        (wx, lx), (wy, ly) = signatures(bodies[x]), signatures(bodies[y])
        jw, jl = jaccard(wx, wy), jaccard(lx, ly)
        hits = [0] * len(layouts)
        for seed in range(args.seeds):
            perms = np.concatenate(
                [MinHash(num_perm=fp.PERM_BLOCK, seed=10_000 + seed * 8 + k,
                         scheme=fp.MINHASH_SCHEME).permutations
                 for k in range(fp.SIGNATURE_BLOCKS)], axis=1)

            def values(shingle_set: set, perms: np.ndarray = perms) -> np.ndarray:
                m = MinHash(num_perm=fp.NUM_PERM, scheme=fp.MINHASH_SCHEME, permutations=perms)
                m.update_batch([s.encode("utf-8") for s in shingle_set])
                return m.hashvalues.reshape(fp.SIGNATURE_BLOCKS, fp.BLOCK_BANDS,
                                            fp.ROWS_PER_BAND)

            # A band is shared when all its rows' minimum hash values are equal.
            shared_w = (values(wx) == values(wy)).all(axis=2)
            shared_l = (values(lx) == values(ly)).all(axis=2)
            for k, blocks in enumerate((1, fp.SIGNATURE_BLOCKS)):
                hits[k] += bool(shared_w[:blocks].any() or shared_l[:blocks].any())
        cells = [f"{fp.candidate_probability((jw, jl), b):.3f} / {h / args.seeds:.3f}"
                 for (_, b, _), h in zip(layouts, hits)]
        print(f"| {x}/{y} | {jw:.3f} | {jl:.3f} |"
              f" {containment(wx, wy):.3f} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
