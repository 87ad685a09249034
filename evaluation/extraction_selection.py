"""Selection among body candidates, judged leave-one-corpus-out on the seven extraction corpora.

Reads the per-page outputs that ``benchmarks/extraction.py`` cached (run it first): newscrawl's
body (the default) and the library candidates (trafilatura balanced / favor_precision,
readability, JSON-LD ``articleBody``). For every page and alternative it computes the features
of :mod:`newscrawl.stages.extract.selection` and the label "the alternative's page F1 beats the
default's by more than ``MARGIN``" (../shared/eval/score_extraction.py's 4-gram measure), and
fits a logistic model (numpy, L2, fixed seed: gradient descent from zeros is deterministic).

* ``loco``: for each corpus, the model (and its threshold) is fitted on the other corpora and
  judged on it: F1 / P / R (with / without on trafilatura-evaldata) beside newscrawl's default,
  trafilatura and the oracle (the best candidate per page, a bound no selector reaches).
* ``train``: fitted on all corpora; writes the package's ``selection_model.json``.

trafilatura-evaldata has no full truth, so its pages carry no F1 label: it is judged (snippets)
but never trains.

    python -m evaluation.extraction_selection loco|train [--sample N] [--cache DIR] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from benchmarks.extraction import (CORPORA, library_key, load_truth, newscrawl_key, page_bytes, read_cache,
                                   sample_ids, scorer)
from newscrawl.stages.extract.selection import (FEATURES, MODEL_PATH, Gate, PageView, candidate, model_gate,
                                                pair_features, probability)

ALTERNATIVES = ("trafilatura", "trafilatura-precision", "readability", "json-ld")
#: Runtime names of the alternatives (the model's one-hot features use these).
RUNTIME_NAMES = {"trafilatura": "trafilatura-balanced", "trafilatura-precision": "trafilatura-precision",
                 "readability": "readability", "json-ld": "json-ld"}
#: An alternative is "better" when its page F1 beats the default's by more than this.
MARGIN = 0.02
L2 = 1.0
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
#: The gates weighed on the training corpora (see :class:`Gate`); ``None`` in loco's
#: ``--no-gate`` run means every page runs every candidate.
GATES = tuple(Gate(max_page_share=share, min_link_share=links, max_ld_agreement=ld)
              for share in (0.15, 0.25, 0.4) for links in (0.2, 0.5) for ld in (0.5, 0.8))
#: How the gate and threshold are chosen on the training corpora: ``mean`` (the best mean page F1)
#: or ``worst`` (the best gain over the default on the worst training corpus, ties by the mean:
#: the shipping rule asks that no corpus falls).
SELECT_BY = "mean"
#: A switch to a candidate under this many words is refused when the default has at least this
#: many (0: no guard): such a switch turns an article into a ``too_short`` record
#: (pagetype.MIN_ARTICLE_WORDS).
GUARD_WORDS = 0
#: A switch only to a candidate holding at least this share of the default's words (0: any
#: length); the pairs it forbids are left out of the training rows too, so the model learns only
#: among the switches it may make.
MIN_LENGTH_RATIO = 0.0
#: At most this share of the training pages may fire a gate: the other candidates cost about
#: three extractor runs, and the time budget is 1.5x trafilatura's.
MAX_FIRE_SHARE = 0.3
FULL_TRUTH = tuple(c for c in CORPORA if c != "trafilatura-evaldata")


def page_view_row(task: tuple[str, str]) -> dict:
    from newscrawl.stages.decode import decode_html
    from newscrawl.stages.extract.body import link_texts
    from newscrawl.stages.extract.tree import page_tree, visible_blocks

    corpus, pid = task
    tree = page_tree(decode_html(page_bytes(corpus, pid), "text/html").text)
    if tree is None:
        return {"id": pid, "visible": "", "links": []}
    return {"id": pid, "visible": "\n".join(visible_blocks(tree)), "links": sorted(link_texts(tree))}


def page_views(corpus: str, ids: list[str], cache: Path, jobs: int) -> dict[str, PageView]:
    path = cache / ("pages-" + library_key()) / f"{corpus}.jsonl"
    rows = read_cache(path)
    missing = [(corpus, pid) for pid in ids if pid not in rows]
    if missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        with ProcessPoolExecutor(jobs) as pool, path.open("a", encoding="utf-8") as fh:
            for row in pool.map(page_view_row, missing, chunksize=8):
                rows[row["id"]] = row
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {pid: PageView(rows[pid]["visible"], frozenset(rows[pid]["links"])) for pid in ids}


def page_f1(sm, truth_body: str, text: str) -> float:
    tp, fp, fn = sm.tp_fp_fn(truth_body, text)
    p, r = sm.precision(tp, fp, fn), sm.recall(tp, fp, fn)
    return 2 * p * r / (p + r) if p + r else 0.0


class Corpus:
    """One corpus's pages: texts of every candidate, features and labels of every pair."""

    def __init__(self, name: str, cache: Path, jobs: int, sm, key: str, sample: int = 0) -> None:
        self.name = name
        truth = load_truth(name)
        libs = read_cache(cache / library_key() / f"{name}.jsonl")
        ours = read_cache(cache / key / f"{name}.jsonl")
        # The pages the benchmark ran (all, or its --sample).
        self.ids = [pid for pid in sample_ids(sorted(truth), sample) if pid in ours and "json-ld" in libs.get(pid, {})]
        self.truth = {pid: truth[pid] for pid in self.ids}
        if not self.ids:
            raise SystemExit(f"{name}: no page cached; run benchmarks/extraction.py first")
        views = page_views(name, self.ids, cache, jobs)
        # The default: the cleaned body before any selection (older caches hold only the body).
        self.texts = {pid: {"newscrawl": ours[pid].get("newscrawl-default", ours[pid]["newscrawl"]), **{a: libs[pid].get(a, "") for a in ALTERNATIVES}}
                      for pid in self.ids}
        self.full = name in FULL_TRUTH
        self.rows: list[tuple[str, str, list[float], float]] = []  # (page, alternative, features, gain)
        self.f1: dict[str, dict[str, float]] = {}  # page F1 of each candidate (full truth only)
        self.words: dict[str, dict[str, int]] = {}  # words of each candidate (the guard's measure)
        for pid in self.ids:
            cands = {a: candidate(RUNTIME_NAMES.get(a, a), t) for a, t in self.texts[pid].items()}
            self.words[pid] = {a: c.words for a, c in cands.items()}
            default = cands["newscrawl"]
            ld = cands["json-ld"] if cands["json-ld"].words else None
            body = self.truth[pid].get("articleBody") or ""
            base = page_f1(sm, body, "\n".join(default.paragraphs)) if self.full else 0.0
            self.f1[pid] = {"newscrawl": base}
            for a in ALTERNATIVES:
                alt = cands[a]
                if not alt.words:
                    continue
                others = [cands[o] for o in ALTERNATIVES if o != a]
                gain = page_f1(sm, body, "\n".join(alt.paragraphs)) - base if self.full else 0.0
                self.f1[pid][a] = base + gain
                self.rows.append((pid, a, pair_features(default, alt, others, views[pid], ld), gain))


def allowed(corpus: Corpus, pid: str, alt: str) -> bool:
    """Whether the length rules (the guard, the length ratio) let ``alt`` replace the default."""
    words, default = corpus.words[pid][alt], corpus.words[pid]["newscrawl"]
    if GUARD_WORDS and words < GUARD_WORDS <= default:
        return False
    return words >= MIN_LENGTH_RATIO * default


def fit(x: np.ndarray, y: np.ndarray) -> dict:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    w = np.zeros(z.shape[1])
    b = 0.0
    # Newton's method on the L2-penalised log-loss: deterministic, converges in a few steps.
    for _ in range(50):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g_w = z.T @ (p - y) + L2 * w
        g_b = float(np.sum(p - y))
        s = p * (1 - p)
        h = np.zeros((z.shape[1] + 1, z.shape[1] + 1))
        h[:-1, :-1] = z.T @ (z * s[:, None]) + L2 * np.eye(z.shape[1])
        h[:-1, -1] = h[-1, :-1] = z.T @ s
        h[-1, -1] = float(np.sum(s)) + 1e-9
        step = np.linalg.solve(h, np.concatenate([g_w, [g_b]]))
        w -= step[:-1]
        b -= float(step[-1])
        if np.max(np.abs(step)) < 1e-8:
            break
    return {"features": list(FEATURES), "mean": mean.tolist(), "scale": scale.tolist(), "weights": w.tolist(),
            "bias": b, "threshold": 0.5}


def picks(corpus: Corpus, model: dict, threshold: float, gate: Gate | None) -> dict[str, str]:
    """The chosen candidate per page: the alternative the model trusts most above the threshold,
    on the pages the gate fires on (every page when ``gate`` is None); else the default."""
    best: dict[str, tuple[float, str]] = {}
    for pid, alt, feats, _gain in corpus.rows:
        if gate is not None and not gate.fires(feats):
            continue
        if not allowed(corpus, pid, alt):
            continue
        p = probability(model, feats)
        if p >= threshold and p > best.get(pid, (0.0, ""))[0]:
            best[pid] = (p, alt)
    return {pid: best[pid][1] if pid in best else "newscrawl" for pid in corpus.ids}


def fired(corpus: Corpus, gate: Gate | None) -> set[str]:
    return {pid for pid, _alt, feats, _gain in corpus.rows if gate is None or gate.fires(feats)}


def choices(corpus: Corpus, model: dict, threshold: float, gate: Gate | None = None) -> dict[str, str]:
    return {pid: corpus.texts[pid][name] for pid, name in picks(corpus, model, threshold, gate).items()}


def mean_page_f1(corpus: Corpus, picked: dict[str, str]) -> float:
    return statistics.mean(corpus.f1[pid][name] for pid, name in picked.items())


def judge(sm, corpus: Corpus, texts: dict[str, str]) -> dict:
    return sm.score(corpus.truth, {pid: {"articleBody": t} for pid, t in texts.items()}, n_boot=2)


def train_on(sm, corpora: list[Corpus], gated: bool = True) -> dict:
    """The model, its threshold and its gate, all fitted on ``corpora``: for each gate (of
    :data:`GATES` firing on at most :data:`MAX_FIRE_SHARE` of the training pages), a model fitted
    on the pairs it lets through; the gate and threshold with the best mean page F1 over the
    training corpora win."""
    full = [c for c in corpora if c.full]
    best = None
    for gate in (GATES if gated else (None,)):
        share = sum(len(fired(c, gate)) for c in full) / sum(len(c.ids) for c in full)
        if gate is not None and share > MAX_FIRE_SHARE:
            continue
        rows = [r for c in full for r in c.rows if (gate is None or gate.fires(r[2]))
                and (not MIN_LENGTH_RATIO or allowed(c, r[0], r[1]))]
        if len({r[3] > MARGIN for r in rows}) < 2:
            continue
        x = np.array([r[2] for r in rows], dtype=float)
        y = np.array([float(r[3] > MARGIN) for r in rows])
        model = fit(x, y)
        for threshold in THRESHOLDS:
            scores = [mean_page_f1(c, picks(c, model, threshold, gate)) for c in full]
            f1 = statistics.mean(scores)
            if SELECT_BY == "worst":
                gains = [f - mean_page_f1(c, {p: "newscrawl" for p in c.ids}) for f, c in zip(scores, full, strict=True)]
                key = (round(min(gains), 9), round(f1, 9))
            else:
                key = (round(f1, 9),)
            if best is None or key > best[0]:
                best = (key, threshold, gate, model)
    _key, threshold, gate, model = best
    model["threshold"] = threshold
    if GUARD_WORDS:
        model["guard_words"] = GUARD_WORDS
    if MIN_LENGTH_RATIO:
        model["min_length_ratio"] = MIN_LENGTH_RATIO
    if gate is not None:
        model["gate"] = {"max_page_share": gate.max_page_share, "min_link_share": gate.min_link_share,
                         "max_ld_agreement": gate.max_ld_agreement}
    return model


def configure(margin: float, thresholds: tuple[float, ...], select_by: str, guard_words: int,
              min_length_ratio: float = 0.0) -> None:
    global MARGIN, THRESHOLDS, SELECT_BY, GUARD_WORDS, MIN_LENGTH_RATIO
    MARGIN, THRESHOLDS, SELECT_BY, GUARD_WORDS = margin, thresholds, select_by, guard_words
    MIN_LENGTH_RATIO = min_length_ratio


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("loco", "train"))
    ap.add_argument("--cache", type=Path, default=Path("/tmp/newscrawl-extraction-cache"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--corpora", nargs="*", default=list(CORPORA))
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--models-out", type=Path, help="loco: write each held-out corpus's model as DIR/CORPUS.json "
                    "(for benchmarks/extraction.py --selection-models)")
    ap.add_argument("--no-gate", action="store_true", help="every page runs every candidate (the ungated study)")
    ap.add_argument("--sample", type=int, default=0, help="the benchmark's --sample (the same pages)")
    ap.add_argument("--newscrawl-key", help="the cache folder of newscrawl's outputs (default: this code's, "
                    "else the newest)")
    ap.add_argument("--margin", type=float, default=MARGIN, help="the label's margin of page F1")
    ap.add_argument("--thresholds", type=float, nargs="+", default=list(THRESHOLDS))
    ap.add_argument("--select-by", choices=("mean", "worst"), default=SELECT_BY)
    ap.add_argument("--guard-words", type=int, default=GUARD_WORDS)
    ap.add_argument("--min-length-ratio", type=float, default=MIN_LENGTH_RATIO,
                    help="switch only to a candidate with at least this share of the default's words")
    ap.add_argument("--picks-out", type=Path, help="loco: write each held-out page's pick as JSON lines")
    args = ap.parse_args(argv)
    configure(args.margin, tuple(args.thresholds), args.select_by, args.guard_words, args.min_length_ratio)
    sm = scorer()
    key = args.newscrawl_key or newscrawl_key()
    if not (args.cache / key).exists():
        folders = sorted(args.cache.glob("newscrawl-*"), key=lambda p: p.stat().st_mtime)
        key = folders[-1].name if folders else key
    corpora = [Corpus(name, args.cache, args.jobs, sm, key, args.sample) for name in args.corpora]
    if args.mode == "train":
        model = train_on(sm, corpora, gated=not args.no_gate)
        args.out.write_text(json.dumps(model, indent=1) + "\n")
        print(f"trained on {sum(len(c.rows) for c in corpora if c.full)} pairs; threshold {model['threshold']}; "
              f"written {args.out}")
        return 0
    print(f"{'held out':<22}{'newscrawl':>22}{'selected (LOCO)':>22}{'trafilatura':>22}{'oracle':>8}  threshold")
    for held in corpora:
        model = train_on(sm, [c for c in corpora if c is not held], gated=not args.no_gate)
        gate = model_gate(model) if "gate" in model else None
        if args.models_out:
            args.models_out.mkdir(parents=True, exist_ok=True)
            (args.models_out / f"{held.name}.json").write_text(json.dumps(model, indent=1) + "\n")
        names = picks(held, model, model["threshold"], gate)
        picked = {pid: held.texts[pid][name] for pid, name in names.items()}
        if args.picks_out:
            args.picks_out.parent.mkdir(parents=True, exist_ok=True)
            with args.picks_out.open("a", encoding="utf-8") as fh:
                for pid, name in names.items():
                    if name != "newscrawl":
                        fh.write(json.dumps({"corpus": held.name, "id": pid, "to": name,
                                             "f1": held.f1[pid] if held.full else None,
                                             "words": held.words[pid]}) + "\n")
        fire = len(fired(held, gate))
        figures = {"newscrawl": judge(sm, held, {p: held.texts[p]["newscrawl"] for p in held.ids}),
                   "selected": judge(sm, held, picked),
                   "trafilatura": judge(sm, held, {p: held.texts[p]["trafilatura"] for p in held.ids})}
        if held.full:
            body = {p: held.truth[p].get("articleBody") or "" for p in held.ids}
            oracle = {p: max(held.texts[p].values(), key=lambda t, p=p: page_f1(sm, body[p], t)) for p in held.ids}
            figures["oracle"] = judge(sm, held, oracle)

        def cell(m: dict, held: Corpus = held) -> str:
            if held.full:
                return f"{m['f1']:.3f} ({m['precision']:.3f}/{m['recall']:.3f})"
            return f"w {m.get('with', 0):.3f} wo {m.get('without', 0):.3f}"

        switched = sum(names[p] != "newscrawl" for p in held.ids)
        shortened = sum(names[p] != "newscrawl" and held.words[p][names[p]] < 60 <= held.words[p]["newscrawl"]
                        for p in held.ids)
        print(f"{held.name:<22}{cell(figures['newscrawl']):>22}{cell(figures['selected']):>22}"
              f"{cell(figures['trafilatura']):>22}{figures['oracle']['f1'] if 'oracle' in figures else float('nan'):8.3f}"
              f"  {model['threshold']}  switched {switched}/{len(held.ids)}  gate fired {fire}/{len(held.ids)} "
              f"{model.get('gate', '-')}  to <60 words {shortened}")
        if held.full:
            print(f"{'':<22}{'':>22}{'':>22}{'':>22}{'':>8}  oracle P/R {figures['oracle']['precision']:.3f}/"
                  f"{figures['oracle']['recall']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
