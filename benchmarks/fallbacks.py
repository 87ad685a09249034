"""The extract stage's two fallbacks on the seven corpora: how often each runs, what it changes,
what it costs, and whether a narrower gate (or none) holds up leave-one-corpus-out.

* the recall-collapse rescue (``body.recall_collapse_rescue``: trafilatura's balanced mode asked
  again where the favor_recall body is under a share of the page's visible words);
* the short-body fallback (``body.choose_body`` under ``SHORT_BODY_WORDS``: readability-lxml,
  then the densest run of paragraphs).

Each page runs through ``process_page`` as is; where a fallback's gate fired it runs again with
that fallback left out (the short-body one twice: without readability-lxml, without the whole
branch), so every narrower gate's body is known without running it: a page outside the narrower
gate takes the body of the run without the fallback. The CPU time (``time.process_time``) of each
fallback is taken inside the run as is. Scores come from ../shared/eval/score_extraction.py.

For each fallback, the options are its gate as shipped, narrower gates and no fallback; per fold
the option with the best mean F1 over the six other corpora (ties: the cheapest) is chosen and
judged on the seventh (trafilatura-evaldata, which has no body truth, is judged by its
required / forbidden snippets and never chooses).

    python benchmarks/fallbacks.py OUT.jsonl [--sample N] [--jobs N]   # measure, then report
    python benchmarks/fallbacks.py OUT.jsonl --report                  # report an earlier run
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from extraction import CORPORA, load_truth, page_bytes, page_url, sample_ids, scorer  # noqa: E402

#: What the wrapped fallbacks saw on the page being run (one page at a time per process).
STATE: dict = {}


def _words(blocks) -> int:
    return sum(len(b.text.split()) for b in blocks)


def instrument() -> None:
    """Wrap the two fallbacks where the extract stage calls them (a worker's initializer)."""
    from newscrawl.stages.extract import article, body
    from newscrawl.stages.process import warm_up

    warm_up()
    rescue, choose, readability = body.recall_collapse_rescue, body.choose_body, body.readability_blocks

    def wrapped_rescue(blocks, visible, html, url, links=frozenset(), tree=None):
        words, page_words = _words(blocks), sum(len(v.split()) for v in visible)
        fired = bool(blocks) and words < body.RECALL_COLLAPSE_PAGE_SHARE * page_words
        STATE.update(rescue_fired=fired, share=words / max(page_words, 1))
        if fired and STATE["mode"] == "no-rescue":
            return blocks, "trafilatura"
        start = time.process_time()
        out = rescue(blocks, visible, html, url, links, tree=tree)
        STATE["rescue_cpu"] = time.process_time() - start
        return out

    def wrapped_readability(html, url):
        if STATE["mode"] in ("no-readability", "no-short"):
            return []
        start = time.process_time()
        out = readability(html, url)
        STATE["readability_cpu"] = time.process_time() - start
        return out

    def wrapped_choose(blocks, ld, html, url, page_tree=None):
        words = _words(blocks)
        STATE["short_words"] = words
        shipped = body.SHORT_BODY_WORDS
        if STATE["mode"] == "no-short":
            body.SHORT_BODY_WORDS = 0
        try:
            out = choose(blocks, ld, html, url, page_tree)
        finally:
            body.SHORT_BODY_WORDS = shipped
        STATE["short_fired"] = words < shipped and out[1] != "json-ld"
        return out

    body.readability_blocks = wrapped_readability
    article.recall_collapse_rescue = wrapped_rescue
    article.choose_body = wrapped_choose


def run_page(task: tuple[str, str, str]) -> dict:
    from newscrawl import process_page

    corpus, pid, url = task
    html = page_bytes(corpus, pid)
    row: dict = {"corpus": corpus, "id": pid}
    for mode in ("as-is", "no-rescue", "no-readability", "no-short"):
        if mode == "no-rescue" and not row["as-is"].get("rescue_fired"):
            continue
        if mode in ("no-readability", "no-short") and not row["as-is"].get("short_fired"):
            continue
        STATE.clear()
        STATE["mode"] = mode
        start = time.process_time()
        record = process_page(html, url, {"Content-Type": "text/html"})
        seconds = time.process_time() - start
        row[mode] = {k: v for k, v in STATE.items() if k != "mode"} | {"body": record.body or "", "cpu": seconds}
    return row


def measure(out: Path, sample: int, jobs: int) -> None:
    tasks = []
    for corpus in CORPORA:
        truth = load_truth(corpus)
        tasks += [(corpus, pid, page_url(truth, pid)) for pid in sample_ids(sorted(truth), sample)]
    with ProcessPoolExecutor(jobs, initializer=instrument) as pool, out.open("w", encoding="utf-8") as fh:
        for row in pool.map(run_page, tasks, chunksize=8):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _rescue_option(share: float):
    """Rescue gate: favor_recall body under ``share`` of the page's visible words (0: none)."""
    def body(row):
        return row["no-rescue"]["body"] if "no-rescue" in row and row["as-is"]["share"] >= share else row["as-is"]["body"]

    def cpu(row):
        return row["as-is"].get("rescue_cpu", 0.0) if "no-rescue" in row and row["as-is"]["share"] >= share else 0.0
    return body, cpu


def _short_option(words: int, without: str = "no-short"):
    """Short-body gate: body under ``words`` (0: none); ``without`` the run a page outside takes."""
    def outside(row):
        return without in row and row["as-is"]["short_words"] >= words

    def body(row):
        return row[without]["body"] if outside(row) else row["as-is"]["body"]

    def cpu(row):
        return row["as-is"].get("readability_cpu", 0.0) if outside(row) else 0.0
    return body, cpu


FAMILIES = {
    "recall-collapse rescue": {f"share<{s}": _rescue_option(s) for s in (0.2, 0.15, 0.1, 0.05, 0.02)}
    | {"none": _rescue_option(0.0)},
    "short-body fallback": {f"words<{w}": _short_option(w) for w in (300, 200, 150, 100, 60)}
    | {"none": _short_option(0), "paragraphs only": _short_option(0, "no-readability")},
}


def report(path: Path) -> None:
    sm = scorer()
    rows: dict[str, list[dict]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows.setdefault(row["corpus"], []).append(row)
    corpora = [c for c in CORPORA if c in rows]
    truths = {c: load_truth(c) for c in corpora}
    total_cpu = sum(r["as-is"]["cpu"] for c in corpora for r in rows[c])

    def score(corpus, body):
        rs = rows[corpus]
        return sm.score({r["id"]: truths[corpus][r["id"]] for r in rs},
                        {r["id"]: {"articleBody": body(r)} for r in rs}, n_boot=2)

    print("pages: " + ", ".join(f"{c} {len(rows[c])}" for c in corpora))
    for gate, key in (("recall-collapse rescue", "no-rescue"), ("short-body fallback", "no-short"),
                      ("readability-lxml in it", "no-readability")):
        cells = []
        for c in corpora:
            fired = [r for r in rows[c] if key in r]
            changed = sum(r[key]["body"] != r["as-is"]["body"] for r in fired)
            cells.append(f"{c} {len(fired)}/{changed}")
        print(f"{gate}: gate fired / body changed: " + ", ".join(cells))
    for family, options in FAMILIES.items():
        scores = {name: {c: score(c, body) for c in corpora} for name, (body, _) in options.items()}
        print(f"\n{family}: F1 x1000 (evaldata: required found / forbidden avoided), CPU saved (share of process_page)")
        for name, (_, cpu) in options.items():
            saved = sum(cpu(r) for c in corpora for r in rows[c]) / total_cpu
            cells = [f"{scores[name][c]['with']:.3f}/{scores[name][c]['without']:.3f}" if c == "trafilatura-evaldata"
                     else f"{1000 * scores[name][c]['f1']:.1f}" for c in corpora]
            print(f"  {name:<16}{100 * saved:5.1f}%  " + "  ".join(cells))
        print("  leave-one-corpus-out (chosen on the others, judged held out, against the shipped gate):")
        print_held_out(corpora, scores, next(iter(options)), list(reversed(list(options))), width=16)


def print_held_out(corpora: list[str], scores: dict, shipped: str, candidates: list[str], *,
                   width: int) -> None:
    """For each corpus held out, the candidate with the best mean F1 over the other corpora with
    body truth (ties to the earlier in ``candidates``), and its held-out change against
    ``shipped`` (trafilatura-evaldata judged by its snippets, never choosing)."""
    for held in corpora:
        train = [c for c in corpora if c not in (held, "trafilatura-evaldata")]
        chosen = max(candidates, key=lambda name: round(statistics.mean(scores[name][c]["f1"] for c in train), 5))
        new, old = scores[chosen][held], scores[shipped][held]
        delta = (f"required {new['with'] - old['with']:+.3f} forbidden avoided {new['without'] - old['without']:+.3f}"
                 if held == "trafilatura-evaldata" else f"F1 {1000 * (new['f1'] - old['f1']):+.2f} x1000")
        print(f"    {held:<22} chosen {chosen:<{width}} {delta}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="per-page results (JSON lines), written then read")
    parser.add_argument("--sample", type=int, default=0, help="about N pages of each corpus (every k-th)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--report", action="store_true", help="only report the results already in OUT")
    args = parser.parse_args(argv)
    if not args.report:
        measure(args.out, args.sample, args.jobs)
    report(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
