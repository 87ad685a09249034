"""Pages whose shipped body is empty or nearly so: how many, why, and what another extractor holds.

``count`` reads a record digest (:mod:`evaluation.record_digest`'s folder: every page's
``process_page`` record) and, for each page whose body is under ``--below`` words
(:func:`newscrawl.stages.pagetype.body_size`), runs the stages again step by step to say where the
body went: the extractor gave nothing or little, or a later step (repair, language, clean, the
closing cut, hidden text) took it below the bar. For those pages it also reads each other
extractor's body and cleans it as the body would be (:func:`newscrawl.stages.process.clean_other_body`),
so that a rule filling a short body can be judged without running anything again. One JSON line a
page is written to ``--out``.

``loco`` judges rules of the form "when the shipped body has fewer than W words, take the first
candidate of ORDER whose cleaned body has at least W2 words" leave-one-corpus-out: the (W, W2,
ORDER) of the grid is chosen on the corpora with full truth other than the one held out, then
scored on it (../shared/eval/score_extraction.py); trafilatura-evaldata (snippets only) never
chooses, and is judged with the choice made on the six others.

    python -m evaluation.empty_bodies count DIGEST_DIR --out PAGES.jsonl [--below 50] [--jobs 2]
    python -m evaluation.empty_bodies loco DIGEST_DIR PAGES.jsonl [--rule R1|R2|R3]

``time`` runs ``process_page`` (after the stage workers' warm-up) on the short pages of PAGES.jsonl
and on every ``--every``-th page of the seven corpora, three times each, and prints the sums of the
per-page minimum times: run it with the code of two trees (PYTHONPATH) at once for a before/after.

    python evaluation/empty_bodies.py time PAGES.jsonl [--every 10]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import itertools
import json
import sys
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FULL_TRUTH = ("wcxb-dev-articles", "readability", "dragnet", "l3s-gn1", "cleanportaleval", "msv-big9-chaos")
SNIPPETS = "trafilatura-evaldata"
HEADERS = {"Content-Type": "text/html"}


def corpus_dir(name: str, shared: Path) -> Path:
    return shared / "data" / name if name == "wcxb-dev-articles" else shared / "data" / "extraction" / name


def read_digest(folder: Path) -> dict[str, dict[str, dict]]:
    """{corpus: {page id: record dict}} of a record digest folder."""
    out: dict[str, dict[str, dict]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            key, record = line.split("\t", 1)
            key = json.loads(key)
            out.setdefault(key["set"], {})[key["id"]] = json.loads(record)
    return out


def size_band(words: int) -> str:
    return "0" if words == 0 else "1-19" if words < 20 else "20-49" if words < 50 else "50+"


def diagnose(task: tuple[str, str, str, str]) -> dict:
    """The body's size after each step of one page, and every other candidate's cleaned body."""
    from newscrawl.model import Page
    from newscrawl.stages.extract.body import FILL_CANDIDATES, other_body
    from newscrawl.stages.extract.container import cut_closing_run_outside_container
    from newscrawl.stages.extract.hidden import drop_hidden_blocks
    from newscrawl.stages.clean import clean_blocks
    from newscrawl.stages.pagetype import body_size
    from newscrawl.stages.process import MAX_HTML_CHARS, clean_body, clean_other_body, start, step_decode, \
        step_extract, step_language, step_repair

    corpus, pid, path, url = task
    page = Page.build(url, gzip.decompress(Path(path).read_bytes()), HEADERS, 200, None)
    work = start(page)

    def words() -> int:
        return sum(body_size(b.text) for b in work.blocks)

    sizes: dict[str, int] = {}
    step_decode(work)
    step_extract(work)
    sizes["extract"] = words()
    source = work.extracted.body_source if work.extracted else None
    extract_skip = work.record.skip_reason
    if not work.skipped:
        step_repair(work)
        sizes["repair"] = words()
        step_language(work)
        sizes["language"] = words()
        # step_clean's own parts, one at a time (the same calls, in its order).
        blocks, _ = clean_blocks(work.blocks)
        sizes["clean"] = sum(body_size(b.text) for b in blocks)
        blocks, _ = cut_closing_run_outside_container(blocks, work.extracted.container_text)
        sizes["closing_cut"] = sum(body_size(b.text) for b in blocks)
        blocks, _ = drop_hidden_blocks(blocks, work.extracted.hidden_keys)
        sizes["hidden"] = sum(body_size(b.text) for b in blocks)
        clean_body(work)  # step_clean before it fills a short body: the body as main ships it
    candidates = {}
    if work.decoded is not None and work.extracted is not None:
        html = work.decoded.text[:MAX_HTML_CHARS]
        for name in FILL_CANDIDATES:
            raw = other_body(name, html, url, work.extracted.link_texts, work.extracted.json_ld_body)
            trial = clean_other_body(work, raw)
            candidates[name] = {"raw_words": sum(body_size(b.text) for b in raw), "body": trial.record.body,
                                "words": body_size(trial.record.body), "skip_reason": trial.record.skip_reason}
    return {"corpus": corpus, "id": pid, "sizes": sizes, "body_source": source, "extract_skip": extract_skip,
            "skip_reason": work.record.skip_reason, "body": work.record.body or "", "candidates": candidates}


def cause(row: dict, below: int) -> str:
    """The step that left the body under ``below`` words."""
    sizes = row["sizes"]
    if row["extract_skip"] == "no_article_text" or sizes.get("extract", 0) == 0:
        return "extract: nothing"
    if sizes["extract"] < below:
        emptied = next((step for step in ("repair", "language", "clean", "closing_cut", "hidden")
                        if sizes.get(step) == 0), None)
        return "extract: short" + (f", {emptied} emptied it" if emptied else "")
    previous = "extract"
    for step in ("repair", "language", "clean", "closing_cut", "hidden"):
        if step in sizes and sizes[step] < below <= sizes[previous]:
            return step
        previous = step
    return "selection"


def count(args: argparse.Namespace) -> int:
    from newscrawl.stages.pagetype import body_size

    digest = read_digest(args.digest)
    bands: dict[str, Counter] = defaultdict(Counter)
    tasks = []
    for corpus, records in digest.items():
        truth = json.loads((corpus_dir(corpus, args.shared) / "ground-truth.json").read_text(encoding="utf-8"))
        for pid, record in sorted(records.items()):
            words = body_size(record.get("body") or "")
            bands[corpus][size_band(words)] += 1
            if words < args.below:
                path = corpus_dir(corpus, args.shared) / "html" / f"{pid}.html.gz"
                tasks.append((corpus, pid, str(path), truth[pid].get("url") or f"https://example.org/{pid}"))
    print(f"{'corpus':<22}{'pages':>6}{'0':>6}{'1-19':>6}{'20-49':>7}")
    for corpus in sorted(bands):
        b = bands[corpus]
        print(f"{corpus:<22}{sum(b.values()):>6}{b['0']:>6}{b['1-19']:>6}{b['20-49']:>7}")
    rows = []
    with ProcessPoolExecutor(args.jobs) as pool, args.out.open("w", encoding="utf-8") as out:
        for row in pool.map(diagnose, tasks, chunksize=2):
            row["digest_body"] = digest[row["corpus"]][row["id"]].get("body") or ""
            row["digest_skip"] = digest[row["corpus"]][row["id"]].get("skip_reason")
            rows.append(row)
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    same = sum(1 for r in rows if r["body"] == r["digest_body"])
    print(f"\n{len(rows)} pages under {args.below} words; the step-by-step body equals the digest's on {same}")
    causes: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        causes[r["corpus"]][(size_band(body_size(r["digest_body"])), cause(r, args.below))] += 1
    print("\nwhy, per corpus (band: cause = pages)")
    for corpus in sorted(causes):
        print(f"  {corpus}: " + "; ".join(f"{band} {c} = {n}" for (band, c), n in sorted(causes[corpus].items())))
    reasons = Counter((r["corpus"], r["digest_skip"]) for r in rows)
    print("\nskip reasons of those records: " + "; ".join(f"{c} {s} = {n}" for (c, s), n in sorted(
        reasons.items(), key=lambda x: (x[0][0], str(x[0][1])))))
    return 0


# --- leave-one-corpus-out --------------------------------------------------------------------

def scorer(shared: Path):
    spec = importlib.util.spec_from_file_location("score_extraction", shared / "eval" / "score_extraction.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: The rules declared (in the report file) before any held-out run: two fixed a priori, and the
#: leave-one-corpus-out grid.
FIXED_ORDER = ("trafilatura-recall", "readability", "json-ld", "trafilatura-balanced")
FIXED = {"R1": (1, 60, FIXED_ORDER), "R2": (50, 60, FIXED_ORDER)}
GRID_BELOW = (1, 20, 50)
GRID_MIN = (20, 60, 100)


def grid(names: tuple[str, ...]) -> list[tuple[int, int, tuple[str, ...]]]:
    orders = [order for n in (1, 2) for order in itertools.permutations(names, n)]
    return [(w, w2, order) for w in GRID_BELOW for w2 in GRID_MIN for order in orders]


def apply_rule(rule: tuple[int, int, tuple[str, ...]], row: dict, longer: bool = False,
               kept_stored: bool = False) -> tuple[str, str | None]:
    """(body, candidate used or None) of one short page under ``rule``; with ``longer``, a
    candidate is taken only if it holds more words than the body (a fill adds text, never
    shortens a body); with ``kept_stored``, never one that would turn a page stored as an
    article into a skipped one."""
    from newscrawl.stages.pagetype import body_size

    below, minimum, order = rule
    body = row["digest_body"]
    if body_size(body) >= below:
        return body, None
    for name in order:
        cand = row["candidates"].get(name)
        if cand and cand["words"] >= minimum and (not longer or cand["words"] > body_size(body)) \
                and not (kept_stored and row["digest_skip"] is None and cand["skip_reason"] is not None):
            return cand["body"], name
    return body, None


def judge(sm, truth: dict, bodies: dict[str, str]) -> dict:
    return sm.score({pid: truth[pid] for pid in bodies}, {pid: {"articleBody": b} for pid, b in bodies.items()},
                    n_boot=2)


def loco(args: argparse.Namespace) -> int:
    from newscrawl.stages.pagetype import body_size

    sm = scorer(args.shared)
    digest = read_digest(args.digest)
    rows: dict[str, dict[str, dict]] = defaultdict(dict)
    for line in args.pages.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows[row["corpus"]][row["id"]] = row
    names = tuple(next(iter(next(iter(rows.values())).values()))["candidates"])
    truths = {c: json.loads((corpus_dir(c, args.shared) / "ground-truth.json").read_text(encoding="utf-8"))
              for c in digest}
    base_bodies = {c: {pid: r.get("body") or "" for pid, r in recs.items()} for c, recs in digest.items()}
    base = {c: judge(sm, truths[c], base_bodies[c]) for c in digest}
    rules = [FIXED[args.rule]] if args.rule in FIXED else grid(names)

    # Per corpus, the tp/fp/fn rows of the default; a rule changes only its short pages' rows.
    per_page = {c: {pid: sm.tp_fp_fn(truths[c][pid].get("articleBody") or "", b) for pid, b in base_bodies[c].items()}
                for c in FULL_TRUTH if c in digest}

    def f1_of(corpus: str, rule) -> tuple[float, int]:
        page_rows = dict(per_page[corpus])
        switched = 0
        for pid, row in rows.get(corpus, {}).items():
            body, used = apply_rule(rule, row, args.longer, args.kept_stored)
            if used:
                switched += 1
                page_rows[pid] = sm.tp_fp_fn(truths[corpus][pid].get("articleBody") or "", body)
        return sm.prf(list(page_rows.values()))["f1"], switched

    base_f1 = {c: sm.prf(list(per_page[c].values()))["f1"] for c in per_page}
    table = {rule: {c: f1_of(c, rule) for c in per_page} for rule in rules}

    def choose(training: list[str]):
        """A fixed rule whatever the training corpora; else the rule with the largest mean F1 gain over
        ``training``, none of whose corpora falls
        by more than 0.0005; ties: fewer switches, then the grid's order. None: no rule gains."""
        if args.rule in FIXED:
            return FIXED[args.rule]
        best, best_key = None, None
        for number, rule in enumerate(rules):
            gains = [table[rule][c][0] - base_f1[c] for c in training]
            if min(gains) < -0.0005 or sum(gains) <= 0:
                continue
            key = (-sum(gains) / len(gains), sum(table[rule][c][1] for c in training), number)
            if best_key is None or key < best_key:
                best, best_key = rule, key
        return best

    print(f"{len(rules)} rules in the grid; candidates {', '.join(names)}")
    print(f"{'held out':<22}{'rule chosen on the others':<58}{'switched':>9}  default F1 / P / R -> held out")
    results = {}
    for held in list(per_page) + ([SNIPPETS] if SNIPPETS in digest else []):
        rule = choose([c for c in per_page if c != held])
        bodies = dict(base_bodies[held])
        switched = []
        if rule is not None:
            for pid, row in rows.get(held, {}).items():
                body, used = apply_rule(rule, row, args.longer, args.kept_stored)
                if used:
                    bodies[pid] = body
                    switched.append((pid, used, body_size(row["digest_body"]), body_size(body)))
        after = judge(sm, truths[held], bodies)
        results[held] = {"rule": rule, "base": base[held], "after": after, "switched": switched}
        if held == SNIPPETS:
            fig = " / ".join(f"{base[held][k]:.4f} -> {after[k]:.4f}" for k in ("with", "without"))
        else:
            fig = " / ".join(f"{base[held][k]:.5f} -> {after[k]:.5f} ({after[k] - base[held][k]:+.5f})"
                             for k in ("f1", "precision", "recall"))
        print(f"{held:<22}{str(rule):<58}{len(switched):>9}  {fig}")
    if args.json:
        args.json.write_text(json.dumps({c: {**r, "rule": list(r["rule"]) if r["rule"] else None}
                                         for c, r in results.items()}, indent=1, default=str))
    if args.pages_out:
        with args.pages_out.open("w", encoding="utf-8") as out:
            for held, r in results.items():
                for pid, used, before, after_words in r["switched"]:
                    page_truth = truths[held][pid]
                    line = {"corpus": held, "id": pid, "candidate": used, "words": [before, after_words]}
                    line["skip_reason"] = [rows[held][pid]["digest_skip"], rows[held][pid]["candidates"][used]["skip_reason"]]
                    if page_truth.get("articleBody"):
                        line["page_f1"] = [sm.prf([sm.tp_fp_fn(page_truth["articleBody"], rows[held][pid]["digest_body"])])["f1"],
                                           sm.prf([sm.tp_fp_fn(page_truth["articleBody"], apply_rule(r["rule"], rows[held][pid], args.longer, args.kept_stored)[0])])["f1"]]
                    out.write(json.dumps(line) + "\n")
    return 0


def timing(args: argparse.Namespace) -> int:
    import statistics
    import time

    import newscrawl
    from newscrawl import process_page
    from newscrawl.stages.process import warm_up

    warm_up()
    short = [(r["corpus"], r["id"]) for r in map(json.loads, args.pages.read_text(encoding="utf-8").splitlines())]
    sample = []
    for corpus in FULL_TRUTH + (SNIPPETS,):
        ids = sorted(json.loads((corpus_dir(corpus, args.shared) / "ground-truth.json").read_text(encoding="utf-8")))
        sample += [(corpus, pid) for pid in ids[::args.every]]
    print(f"newscrawl from {newscrawl.__file__}")
    for label, pages in (("short pages", short), (f"every {args.every}th page", sample)):
        seconds = []
        for corpus, pid in pages:
            html = gzip.decompress((corpus_dir(corpus, args.shared) / "html" / f"{pid}.html.gz").read_bytes())
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                process_page(html, f"https://example.org/{pid}", HEADERS)
                best = min(best, time.perf_counter() - start)
            seconds.append(best)
        print(f"{label}: {len(pages)} pages, total {sum(seconds):.2f} s, median {statistics.median(seconds) * 1000:.1f} ms")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("count", help="count short bodies, say why, and clean every other candidate")
    c.add_argument("digest", type=Path)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--below", type=int, default=50)
    c.add_argument("--jobs", type=int, default=2)
    c.add_argument("--shared", type=Path, default=SHARED)
    j = sub.add_parser("loco", help="judge the fill rules leave-one-corpus-out")
    j.add_argument("digest", type=Path)
    j.add_argument("pages", type=Path)
    j.add_argument("--rule", choices=("R1", "R2", "R3"), default="R3",
                   help="R1, R2: the fixed rules; R3: chosen from the grid on the other corpora")
    j.add_argument("--longer", action="store_true",
                   help="a candidate replaces the body only if it holds more words than the body")
    j.add_argument("--kept-stored", action="store_true",
                   help="a candidate never turns a page stored as an article into a skipped one")
    j.add_argument("--shared", type=Path, default=SHARED)
    j.add_argument("--json", type=Path)
    j.add_argument("--pages-out", type=Path)
    t = sub.add_parser("time", help="process_page's time on the short pages and on a sample of all pages")
    t.add_argument("pages", type=Path)
    t.add_argument("--every", type=int, default=10)
    t.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args(argv)
    return {"count": count, "loco": loco, "time": timing}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
