"""Evidence of derivation on COUNTER's pairs outside the store: what a verification rule would add.

    python benchmarks/rewrite_evidence.py [--tsv PATH] [--thresholds 0.4,0.45,...] [--no-dev] [--lookup]

Every COUNTER text through process_page's steps (evaluation/rewrites.py), then per pair the
current rules' figures and decision and the passage-order figures (evaluation.rewrites.
passage_order, each variant of PASSAGE_VARIANTS). Prints, per variant and threshold (with the
alignment's containment floor), the pairs the current rules reject that it would link: wholly,
partially and non derived, chosen on (national, foreign) and held out (the other domains); the
pairs of distinct agency files; the pairs of an agency story and the newspaper story of another
agency story published within three days; and among the distinct dev articles
(evaluation/corpus.py; whole texts and their first 30 words) the pairs it would make one story.
``--tsv`` writes the per-pair features; ``--lookup`` simulates the word-band lookup's schemes
(evaluation.rewrites.lookup_recall).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def print_agency_links(rows, bodies, dates) -> None:
    """The pairs of distinct agency files the current rules link, by rule: how many, how many of
    them are dated more than the store's window apart (``dates``: {file name: its date}; the
    store's alignment rule does not link those, newscrawl.store.matching.aligned_in_time), and
    the median share of the smaller text's numbers (tokens with a digit) the other holds (a
    copy keeps its figures; another story told from one template does not)."""
    from statistics import median

    from newscrawl.stages.fingerprint.text import stable_tokens
    from newscrawl.store.matching import WORD_WINDOW_DAYS

    def numbers(name: str) -> set[str]:
        return {t for t in stable_tokens(bodies[f"agency:{name}"]) if any(c.isdigit() for c in t)}

    def apart(r) -> bool:
        a, b = (dates.get(name) for name in r.id.split("~"))
        return a is not None and b is not None and abs((a - b).days) > WORD_WINDOW_DAYS

    print(f"| distinct agency files linked now, by rule | chosen on | held out |"
          f" of them > {WORD_WINDOW_DAYS} days apart (chosen, held out) |"
          " median share of numbers kept (pairs with >= 3 numbers each) |")
    print("|---|---|---|---|---|")
    for reason in sorted({r.reason for r in rows if r.same_story}):
        linked = [r for r in rows if r.same_story and r.reason == reason]
        shares = []
        for r in linked:
            a, b = (numbers(name) for name in r.id.split("~"))
            if min(len(a), len(b)) >= 3:
                shares.append(len(a & b) / min(len(a), len(b)))
        kept = f"{median(shares):.2f} ({len(shares)})" if shares else "-"
        far = f"{sum(r.chosen and apart(r) for r in linked)}, {sum(not r.chosen and apart(r) for r in linked)}"
        print(f"| {reason} | {sum(r.chosen for r in linked)} | {sum(not r.chosen for r in linked)} | {far} |"
              f" {kept} |")
    print()


def print_aligned_days(rows, pairs) -> None:
    """How many days apart the labelled pairs the alignment rule links are (each pair's two
    dates; the store links them only within its window)."""
    from collections import Counter

    from newscrawl.stages.fingerprint import REASON_ALIGNED

    day_of = {p.id: (p.source_date, p.derived_date) for p in pairs}
    gaps: dict[str, Counter] = {}
    for r in rows:
        if r.same_story and r.reason == REASON_ALIGNED:
            a, b = day_of[r.id]
            gaps.setdefault(r.label, Counter())["unknown" if a is None or b is None else abs((a - b).days)] += 1
    for label, counts in sorted(gaps.items()):
        print(f"labelled pairs linked by the alignment, {label}: days apart "
              + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))))
    print()


def main(argv: list[str] | None = None) -> int:
    from evaluation.reuse import LABELS, ReuseUnavailable, load_counter
    from evaluation.rewrites import (
        PASSAGE_VARIANTS,
        added_links,
        agency_pair_features,
        counter_bodies,
        different_story_features,
        distinct_article_features,
        pair_features,
    )
    from newscrawl.stages.fingerprint.matching import ALIGN_MIN_CONTAINMENT

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsv", default=None, help="write the per-pair features here")
    parser.add_argument("--thresholds", default="0.4,0.45,0.5,0.55,0.6")
    parser.add_argument("--no-dev", action="store_true", help="skip the dev articles")
    parser.add_argument("--lookup", action="store_true", help="simulate the word-band lookup's schemes")
    args = parser.parse_args(argv)
    try:
        pairs = load_counter()
    except ReuseUnavailable as exc:
        print(f"rewrite_evidence: {exc}", file=sys.stderr)
        return 2
    bodies = counter_bodies(pairs)
    if args.lookup:
        from evaluation.rewrites import LOOKUP_SCHEMES, lookup_recall

        print("| word-band scheme | wholly derived found (of them containment >= 0.10) / pairs |"
              " non derived found | word-band-only candidates a text |")
        print("|---|---|---|---|")
        for name, scheme in LOOKUP_SCHEMES.items():
            got = lookup_recall(pairs, bodies, *scheme)
            w, n = got["wholly_derived"], got["non_derived"]
            print(f"| {name} | {w[0]} ({w[1]}) / {w[2]} | {n[0]} ({n[1]}) / {n[2]} | {got['candidates']:.1f} |")
        print()
    rows = pair_features(pairs, bodies)
    others = {"agency files": agency_pair_features(pairs, bodies),
              "different stories <= 3 days": different_story_features(pairs, bodies)}
    if args.tsv:
        with open(args.tsv, "w", encoding="utf-8") as out:
            out.write("id\tlabel\tdomain\tcontainment\tanchors\taligned\treason\tsame_story\t"
                      + "\t".join(PASSAGE_VARIANTS) + "\twords\n")
            for r in rows:
                out.write(f"{r.id}\t{r.label}\t{r.domain}\t{r.containment:.3f}\t{r.anchor_containment}\t"
                          f"{r.aligned}\t{r.reason}\t{r.same_story}\t"
                          + "\t".join(f"{r.passages[v]:.3f}" for v in PASSAGE_VARIANTS) + f"\t{r.words}\n")
    dev = {}
    if not args.no_dev:
        from evaluation.corpus import CorpusUnavailable, load_articles

        try:
            articles = load_articles()
            dev = {"whole": distinct_article_features([a.body for a in articles]),
                   "first 30 words": distinct_article_features([a.body for a in articles], first_words=30)}
        except CorpusUnavailable as exc:
            print(f"rewrite_evidence: {exc}", file=sys.stderr)
    print_agency_links(others["agency files"], bodies, {p.source_name: p.source_date for p in pairs})
    print_aligned_days(rows, pairs)
    print(f"{len(rows)} pairs with both texts articles; "
          + "; ".join(f"{name}: {len(v)} pairs" for name, v in others.items()))

    def split(counts, label, at):
        return [counts.get((label, chosen), (0, 0, 0))[at] for chosen in (True, False)]

    print("\n| rule added | " + " | ".join(f"{lab.split('_')[0]} chosen, held out" for lab in LABELS)
          + " | " + " | ".join(f"{name} chosen, held out" for name in others)
          + " | dev pairs (whole / first 30 words) |")
    print("|---|" + "---|" * (len(LABELS) + len(others) + 1))
    base = added_links(rows, lambda r: False)
    cells = [f"{a} / {n}, {b} / {m}" for lab in LABELS
             for (a, b), (n, m) in [(split(base, lab, 0), split(base, lab, 2))]]
    cells += [", ".join(map(str, split(added_links(v, lambda r: False), label, 0)))
              for v, label in zip(others.values(), ("agency", "different"))]
    cells.append(" / ".join(str(sum(r.same_story for r in d)) for d in dev.values()))
    print(f"| none (the current rules: linked / pairs) | {' | '.join(cells)} |")
    for variant in PASSAGE_VARIANTS:
        for t in (float(x) for x in args.thresholds.split(",")):
            def rule(r, t=t, variant=variant):
                return r.containment >= ALIGN_MIN_CONTAINMENT and r.passages.get(variant, 0.0) >= t
            got = added_links(rows, rule)
            cells = [", ".join(f"+{x}" for x in split(got, lab, 1)) for lab in LABELS]
            cells += [", ".join(f"+{x}" for x in split(added_links(v, rule), label, 1))
                      for v, label in zip(others.values(), ("agency", "different"))]
            cells.append(" / ".join(f"+{sum((not r.same_story) and rule(r) for r in v)}" for v in dev.values()))
            print(f"| passages ({variant}) >= {t} | {' | '.join(cells)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
