"""trafilatura's fast mode in the extract stage's two trafilatura runs, on the seven corpora.

newscrawl asks trafilatura for the body twice at most: the favor_recall run on every page
(``article.extract_article``) and the balanced run of the recall-collapse rescue
(``body.recall_collapse_rescue``). Neither is in fast mode, so trafilatura compares its own
extraction with its readability port and justext (in favor_recall only where its text is short)
and, in the balanced run, tries justext in its recall escalation. Fast mode skips both.

Each page runs through ``process_page`` as is and with the first run in fast mode; where the
rescue fired, once more with the rescue's run in fast mode too (V2 alone, and with the first
run fast). So every variant's body is known, gated ones included: "V3 gate g" is the fast first
run, replaced by the full (non-fast) first run where the fast body is short by the gate (words
or share of the page's visible words), as is. CPU per variant is ``process_page``'s CPU of the
runs it stands for (a gated variant pays the fast run and, where gated, the full first run too).

"V5 s, l" is both runs fast, replaced by the page as is where the rescue fired after the fast
first run and the body it handed on is a sliver: under s of the page's visible words, or (l given)
at least l of its words in lines that are whole link texts of the page; it pays the fast first
run, the fast rescue and, where the test fires, the whole page as is.

Per fold, the option with the best mean F1 over the other corpora with body truth (ties: the
cheaper) is chosen and judged on the held-out one; trafilatura-evaldata is judged by its
required / forbidden snippets and never chooses. A second selection takes, among the options
within F1_TOLERANCE of as-is on each of the other corpora (mean not below), the one with the
least CPU on them, and says whether its held-out F1 holds.

    python benchmarks/fast_mode.py OUT.jsonl [--sample N] [--jobs N]    # measure, then report
    python benchmarks/fast_mode.py OUT.jsonl --report [--family V5]     # report an earlier run
    python benchmarks/fast_mode.py OUT.jsonl --timing --sample N        # per-call CPU, fast vs not
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from extraction import CORPORA, load_truth, page_bytes, page_url, sample_ids, scorer  # noqa: E402
from fallbacks import print_held_out  # noqa: E402

#: The page being run: the mode's fast flags and what the wrapped runs saw.
STATE: dict = {}
#: How many times each trafilatura call is timed each way in ``--timing`` (fastest kept).
REPEAT = 3


def _words(blocks) -> int:
    return sum(len(b.text.split()) for b in blocks)


def _link_words(blocks, links) -> int:
    """Words of the body's lines (list items one by one) whose whole text is one of the page's
    link texts: navigation, teaser and footer lists are made of them, an article's text is not."""
    total = 0
    for block in blocks:
        for line in block.text.split("\n"):
            line = line[2:] if block.kind == "list" and line.startswith("- ") else line
            if line.strip().casefold() in links:
                total += len(line.split())
    return total


def _run(page, url, links, *, favor_recall, fast):
    """``body.trafilatura_body`` with trafilatura's ``fast`` flag, and trafilatura's raw text."""
    import trafilatura

    from newscrawl.stages.extract.body import body_blocks

    doc = trafilatura.bare_extraction(page, url=url, with_metadata=False, include_comments=False,
                                      include_tables=True, favor_recall=favor_recall, fast=fast,
                                      output_format="txt")
    if doc is None or doc.body is None:
        return [], 0
    return body_blocks(doc.body, links), len(doc.raw_text or "")


def _timed_run(page, url, links, *, favor_recall, fast):
    start = time.process_time()
    out = _run(page, url, links, favor_recall=favor_recall, fast=fast)
    return out, time.process_time() - start


def instrument() -> None:
    """Wrap both trafilatura call sites (a worker's initializer)."""
    from newscrawl.stages.extract import article, body
    from newscrawl.stages.process import warm_up

    warm_up()
    rescue = body.recall_collapse_rescue

    def first(page, url, links=frozenset(), *, favor_recall=False):
        if STATE.get("timing"):
            STATE["first_cpu"] = _fastest(page, url, links, favor_recall=favor_recall)
            STATE["rescue_call_cpu"] = _fastest(page, url, links, favor_recall=False)
        (blocks, chars), cpu = _timed_run(page, url, links, favor_recall=favor_recall, fast=STATE["fast1"])
        STATE.update(first_words=_words(blocks), first_chars=chars, first_cpu_run=cpu)
        return blocks

    def second(page, url, links=frozenset(), *, favor_recall=False):
        (blocks, _), cpu = _timed_run(page, url, links, favor_recall=favor_recall, fast=STATE["fast2"])
        STATE.update(rescue_call_cpu_run=cpu)
        return blocks

    def wrapped_rescue(blocks, visible, html, url, links=frozenset(), tree=None):
        words, page_words = _words(blocks), sum(len(v.split()) for v in visible)
        STATE.update(rescue_fired=bool(blocks) and words < body.RECALL_COLLAPSE_PAGE_SHARE * page_words,
                     share=words / max(page_words, 1), page_words=page_words)
        start = time.process_time()
        out = rescue(blocks, visible, html, url, links, tree=tree)
        STATE.update(rescue_cpu=time.process_time() - start, rescue_source=out[1])
        # What a sliver test sees of the body the rescue hands on (outside the timed call).
        STATE.update(post_words=_words(out[0]), post_link_words=_link_words(out[0], links))
        return out

    article.trafilatura_body = first
    body.trafilatura_body = second
    article.recall_collapse_rescue = wrapped_rescue


def _fastest(page, url, links, *, favor_recall) -> dict:
    """The fastest of REPEAT timings of one call each way, the two ways interleaved."""
    best = {False: float("inf"), True: float("inf")}
    for i in range(REPEAT):
        for fast in ((False, True) if i % 2 == 0 else (True, False)):
            best[fast] = min(best[fast], _timed_run(page, url, links, favor_recall=favor_recall, fast=fast)[1])
    return {"full": best[False], "fast": best[True]}


#: The runs of a page: name -> (first run fast, rescue's run fast).
MODES = {"as-is": (False, False), "fast1": (True, False), "fast2": (False, True), "fast12": (True, True)}


def run_page(task: tuple[str, str, str, bool]) -> dict:
    from newscrawl import process_page

    from newscrawl.stages.language import clear_caches

    try:
        from htmldate.meta import reset_caches as reset_date_caches
    except ImportError:  # another htmldate's layout: its caches then stay between runs
        def reset_date_caches() -> None:
            pass

    corpus, pid, url, timing = task
    html = page_bytes(corpus, pid)
    row: dict = {"corpus": corpus, "id": pid}
    # The first two runs in turn first (by the page's id), so neither always runs on a warm page.
    order = list(MODES) if zlib.crc32(pid.encode()) % 2 == 0 else ["fast1", "as-is", "fast2", "fast12"]
    for mode in sorted(order, key=lambda m: (m in ("fast2", "fast12"), order.index(m))):
        fast1, fast2 = MODES[mode]
        if timing and mode != "as-is":
            continue
        # The rescue's mode only matters where the rescue ran after that first run.
        if mode == "fast2" and not row["as-is"]["rescue_fired"]:
            continue
        if mode == "fast12" and not row["fast1"]["rescue_fired"]:
            continue
        clear_caches()  # every run pays for language detection in full
        reset_date_caches()  # and for htmldate's parsing of the page's date strings
        STATE.clear()
        STATE.update(fast1=fast1, fast2=fast2, timing=timing)
        start = time.process_time()
        record = process_page(html, url, {"Content-Type": "text/html"})
        seconds = time.process_time() - start
        row[mode] = {k: v for k, v in STATE.items() if k not in ("fast1", "fast2", "timing")} | {
            "body": record.body or "", "cpu": seconds}
    return row


def measure(out: Path, sample: int, jobs: int, timing: bool) -> None:
    tasks = []
    for corpus in CORPORA:
        truth = load_truth(corpus)
        tasks += [(corpus, pid, page_url(truth, pid), timing) for pid in sample_ids(sorted(truth), sample)]
    with ProcessPoolExecutor(jobs, initializer=instrument) as pool, out.open("w", encoding="utf-8") as fh:
        for row in pool.map(run_page, tasks, chunksize=8):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read(path: Path) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows.setdefault(row["corpus"], []).append(row)
    return rows


def timing_report(path: Path) -> None:
    rows = _read(path)
    print("ms CPU a call, fastest of %d each way, interleaved: mean / median (pages)" % REPEAT)
    print(f"{'corpus':<22} {'first full':>14} {'first fast':>14} {'bal. full':>14} {'bal. fast':>14}"
          f" {'bal.fired full':>15} {'fired fast':>12}")
    for corpus in [c for c in CORPORA if c in rows] + ["all"]:
        rs = [r for c in rows for r in rows[c]] if corpus == "all" else rows[corpus]
        rs = [r["as-is"] for r in rs if "first_cpu" in r["as-is"]]
        fired = [r for r in rs if r["rescue_fired"]]

        def cell(items, key, way):
            values = [1000 * r[key][way] for r in items]
            return f"{statistics.mean(values):6.2f}/{statistics.median(values):5.2f}" if values else "-"
        print(f"{corpus:<22} {cell(rs, 'first_cpu', 'full'):>14} {cell(rs, 'first_cpu', 'fast'):>14}"
              f" {cell(rs, 'rescue_call_cpu', 'full'):>14} {cell(rs, 'rescue_call_cpu', 'fast'):>14}"
              f" {cell(fired, 'rescue_call_cpu', 'full'):>15} {cell(fired, 'rescue_call_cpu', 'fast'):>12}"
              f"  ({len(rs)}, rescue fired {len(fired)})")
    long_first = [r["as-is"] for c in rows for r in rows[c] if r["as-is"].get("first_chars", 0) > 2500]
    short_first = [r["as-is"] for c in rows for r in rows[c] if r["as-is"].get("first_chars", 0) <= 2500]
    for name, items in (("first run text > 2,500 chars", long_first), ("<= 2,500 chars", short_first)):
        if items:
            full = statistics.mean(1000 * r["first_cpu"]["full"] for r in items)
            fast = statistics.mean(1000 * r["first_cpu"]["fast"] for r in items)
            print(f"  {name}: {len(items)} pages, first run mean {full:.2f} full / {fast:.2f} fast ms")


# --- variants ---------------------------------------------------------------------------------

def _get(row: dict, mode: str) -> dict:
    """The run of ``mode``, or the run it equals where it was not needed (no rescue fired)."""
    if mode in row:
        return row[mode]
    return row["as-is"] if mode == "fast2" else row["fast1"]


def _variant_v3(gate: str, value: float, fast2: bool):
    """Fast first run; the full first run where the fast body is below the gate."""
    def gated(row):
        first = row["fast1"]
        return (first["first_words"] < value if gate == "words" else
                first["first_words"] < value * first["page_words"] if gate == "share" else
                first["first_chars"] <= value)

    def body(row):
        return _get(row, ("fast2" if fast2 else "as-is") if gated(row) else ("fast12" if fast2 else "fast1"))["body"]

    def cpu(row):
        run = _get(row, "fast12" if fast2 else "fast1")
        if not gated(row):
            return run["cpu"]
        # The fast first run, then the page as the full first run has it.
        return run["first_cpu_run"] + _get(row, "fast2" if fast2 else "as-is")["cpu"]
    return body, cpu


def _sliver(run: dict, share: float, link: float | None) -> bool:
    """The sliver test on a run: the rescue fired and the body it handed on is a small share of
    the page's visible words, or (``link`` given) mostly lines that are whole link texts."""
    if not run.get("rescue_fired"):
        return False
    words = run["post_words"]
    return words < share * run["page_words"] or (
        link is not None and words > 0 and run["post_link_words"] >= link * words)


def _variant_v5(share: float, link: float | None):
    """Both runs fast; main's extraction where the fast path's body is a sliver."""
    def body(row):
        run = _get(row, "fast12")
        return row["as-is"]["body"] if _sliver(run, share, link) else run["body"]

    def cpu(row):
        run = _get(row, "fast12")
        if not _sliver(run, share, link):
            return run["cpu"]
        # The fast first run and the fast rescue, then the page as main has it.
        return run["first_cpu_run"] + run["rescue_cpu"] + row["as-is"]["cpu"]
    return body, cpu


#: The sliver test's grid: post-rescue share of the page's words below s, or link-text lines at
#: least l of the body (None: no link test).
V5_SHARES = (0, 0.05, 0.1, 0.15, 0.2)
V5_LINKS = (None, 0.3, 0.5, 0.7)


def _plain(mode: str):
    return (lambda row: _get(row, mode)["body"]), (lambda row: _get(row, mode)["cpu"])


def variants() -> dict[str, dict]:
    v3 = {f"V3 words<{w}": _variant_v3("words", w, False) for w in (100, 200, 300, 500, 1000)}
    v3 |= {f"V3 share<{s}": _variant_v3("share", s, False) for s in (0.1, 0.2, 0.3)}
    # Where the fast first run's text is over 2,500 characters, favor_recall would have skipped
    # the comparison too; not the same body everywhere, though: where trafilatura's main
    # extractor found under 250 characters, the fast run's text is its baseline's (its stage 3),
    # which the full run's comparison would have replaced first.
    v3 |= {"V3 chars<=2500": _variant_v3("chars", 2500, False)}
    v3b = {f"V3+V2 words<{w}": _variant_v3("words", w, True) for w in (100, 200, 300, 500, 1000)}
    return {
        "V1/V2 family": {"as-is": _plain("as-is"), "V2 fast rescue": _plain("fast2"),
                         "V1 fast both": _plain("fast12"), "fast first only": _plain("fast1")},
        "V3 gated fast first run": {"as-is": _plain("as-is")} | v3 | {"fast first only": _plain("fast1")},
        "V3+V2 gated, fast rescue": {"as-is": _plain("as-is")} | v3b | {"V1 fast both": _plain("fast12")},
        "V5 fast both, main's path for a sliver": {"as-is": _plain("as-is")} | {
            f"V5 s<{s} l>={link}": _variant_v5(s, link) for s in V5_SHARES for link in V5_LINKS},
    }


#: An option may lose at most this much F1 on any corpus against the shipped path.
F1_TOLERANCE = 0.001


def choose_constrained(train: list[str], scores: dict, cpu_by: dict, shipped: str) -> str:
    """Among the options whose F1 on each ``train`` corpus is within F1_TOLERANCE of
    ``shipped``'s and whose mean F1 is not below it, the one with the least CPU on ``train``
    (``shipped`` where none)."""
    def mean(name):
        return statistics.mean(scores[name][c]["f1"] for c in train)
    fit = [name for name in scores if name != shipped
           and all(scores[name][c]["f1"] >= scores[shipped][c]["f1"] - F1_TOLERANCE for c in train)
           and mean(name) >= mean(shipped) - 1e-9]
    cost = {name: sum(cpu_by[name][c] for c in train) for name in fit + [shipped]}
    return min(fit, key=cost.get, default=shipped)


def print_held_out_constrained(corpora: list[str], scores: dict, cpu_by: dict, shipped: str, *,
                               width: int) -> None:
    """For each corpus with body truth held out, :func:`choose_constrained` on the others and its
    held-out F1 against ``shipped``; trafilatura-evaldata judged with the option chosen on all of
    them; then the mean of the held-out F1 and the CPU the chosen-on-all option saves."""
    body = [c for c in corpora if c != "trafilatura-evaldata"]
    held_new, held_old = [], []
    for held in body:
        chosen = choose_constrained([c for c in body if c != held], scores, cpu_by, shipped)
        new, old = scores[chosen][held]["f1"], scores[shipped][held]["f1"]
        held_new.append(new)
        held_old.append(old)
        verdict = "ok" if new >= old - F1_TOLERANCE else "FAIL"
        saved = 1 - cpu_by[chosen][held] / cpu_by[shipped][held]
        print(f"    {held:<22} chosen {chosen:<{width}} F1 {1000 * (new - old):+.2f} x1000 {verdict}"
              f"  (CPU saved on it {100 * saved:.1f}%)")
    everywhere = choose_constrained(body, scores, cpu_by, shipped)
    if "trafilatura-evaldata" in corpora:
        new, old = scores[everywhere]["trafilatura-evaldata"], scores[shipped]["trafilatura-evaldata"]
        ok = new["with"] >= old["with"] - F1_TOLERANCE and new["without"] >= old["without"] - F1_TOLERANCE
        print(f"    {'trafilatura-evaldata':<22} chosen {everywhere:<{width}} required {new['with'] - old['with']:+.3f}"
              f" forbidden avoided {new['without'] - old['without']:+.3f} {'ok' if ok else 'FAIL'}")
    mean_ok = statistics.mean(held_new) >= statistics.mean(held_old) - 1e-9
    total = 1 - sum(cpu_by[everywhere].values()) / sum(cpu_by[shipped].values())
    print(f"    held-out mean F1 {1000 * statistics.mean(held_new):.1f} vs {1000 * statistics.mean(held_old):.1f}"
          f" {'ok' if mean_ok else 'FAIL'}; chosen on all six: {everywhere}, CPU saved {100 * total:.1f}%")


def report(path: Path, family_filter: str = "") -> None:
    sm = scorer()
    rows = _read(path)
    corpora = [c for c in CORPORA if c in rows]
    truths = {c: load_truth(c) for c in corpora}
    base_cpu = sum(r["as-is"]["cpu"] for c in corpora for r in rows[c])

    def score(corpus, body):
        rs = rows[corpus]
        return sm.score({r["id"]: truths[corpus][r["id"]] for r in rs},
                        {r["id"]: {"articleBody": body(r)} for r in rs}, n_boot=2)

    print("pages: " + ", ".join(f"{c} {len(rows[c])}" for c in corpora))
    for mode in ("fast1", "fast2", "fast12"):
        cells = []
        for c in corpora:
            changed = sum(_get(r, mode)["body"] != r["as-is"]["body"] for r in rows[c])
            first = sum(mode != "fast2" and r["fast1"]["first_words"] != r["as-is"]["first_words"] for r in rows[c])
            cells.append(f"{c} {changed}" + (f" (first-run words differ {first})" if mode != "fast2" else ""))
        print(f"bodies changed, {mode}: " + ", ".join(cells))
    fired = sum("fast2" in r for c in corpora for r in rows[c])
    print(f"rescue fired after the full first run on {fired} pages, after the fast one on "
          f"{sum('fast12' in r for c in corpora for r in rows[c])}")
    # Fast first runs over 2,500 characters: favor_recall returns such an extraction of its main
    # extractor without the comparison, so the full run differs only where the fast text is the
    # baseline's (the main extractor found under 250 characters).
    long_diff = sum(r["fast1"]["first_chars"] > 2500 and r["fast1"]["first_words"] != r["as-is"]["first_words"]
                    for c in corpora for r in rows[c])
    print(f"fast first runs over 2,500 characters whose full run differs: {long_diff}")
    for family, options in variants().items():
        if family_filter not in family:
            continue
        scores = {name: {c: score(c, body) for c in corpora} for name, (body, _) in options.items()}
        print(f"\n{family}: F1 x1000 (evaldata: required found / forbidden avoided), process_page CPU saved,"
              " bodies changed")
        for name, (body, cpu) in options.items():
            saved = 1 - sum(cpu(r) for c in corpora for r in rows[c]) / base_cpu
            changed = sum(body(r) != r["as-is"]["body"] for c in corpora for r in rows[c])
            cells = [f"{scores[name][c]['with']:.3f}/{scores[name][c]['without']:.3f}" if c == "trafilatura-evaldata"
                     else f"{1000 * scores[name][c]['f1']:.1f}" for c in corpora]
            print(f"  {name:<22}{100 * saved:6.1f}% {changed:5d}  " + "  ".join(cells))
        print("  leave-one-corpus-out (chosen on the others, judged held out, against as-is):")
        cheap = sorted(options, key=lambda n: sum(options[n][1](r) for c in corpora for r in rows[c]))
        print_held_out(corpora, scores, "as-is", cheap, width=22)
        cpu_by = {name: {c: sum(cpu(r) for r in rows[c]) for c in corpora} for name, (_, cpu) in options.items()}
        print("  leave-one-corpus-out, the cheapest option holding F1 on the others (within 0.001 on each,"
              " mean not below):")
        print_held_out_constrained(corpora, scores, cpu_by, "as-is", width=22)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="per-page results (JSON lines), written then read")
    parser.add_argument("--sample", type=int, default=0, help="about N pages of each corpus (every k-th)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timing", action="store_true",
                        help="time each trafilatura call fast and not (fastest of 3, interleaved) instead")
    parser.add_argument("--report", action="store_true", help="only report the results already in OUT")
    parser.add_argument("--family", default="", help="only the variant families whose name holds this")
    args = parser.parse_args(argv)
    if not args.report:
        measure(args.out, args.sample, args.jobs, args.timing)
    if args.timing:
        timing_report(args.out)
    else:
        report(args.out, args.family)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
