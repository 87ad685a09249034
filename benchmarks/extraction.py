"""Body-extraction accuracy and cost on seven real corpora: newscrawl beside trafilatura and readability.

The corpora are ../shared/data/wcxb-dev-articles and the six sets of ../shared/data/extraction/
(readability, dragnet, l3s-gn1, cleanportaleval, msv-big9-chaos, trafilatura-evaldata; their
READMEs say what each truth is). For each page, in one run:

* ``newscrawl``: ``process_page``'s body (every stage, as a crawl stores it; a page the pipeline
  would skip as too short still contributes the body it had);
* ``trafilatura``: ``trafilatura.extract(page_bytes, include_comments=False)``, the baseline of
  the sets' READMEs (the installed version, so the same in the same run);
* ``readability``: readability-lxml's summary as text;

and, untimed, the other candidates a selection among extractors weighs (trafilatura's
favor_recall and favor_precision modes, the page's JSON-LD ``articleBody``) and, for every rule
of the clean stage, the texts it removed (:func:`newscrawl.stages.clean.removed_texts`).

Scores come from ../shared/eval/score_extraction.py (imported, not re-implemented): F1 /
precision / recall of word 4-grams where the truth has a body, with / without snippets on
trafilatura-evaldata. Time: newscrawl, trafilatura and readability run in turn on the same page
(the order turning from page to page, so a shared machine's load falls on all alike); the ratio
of process_page's time to trafilatura.extract's is printed as the median of per-page ratios'
basis (median ms per page) and over the corpus total.

Per-page outputs are cached on disk (``--cache``, outside the repository): the library
candidates by library versions, newscrawl's by a hash of the package's source, so that after a
change to newscrawl only newscrawl (and trafilatura, for the time ratio) runs again.

    python benchmarks/extraction.py [--corpora NAME ...] [--limit N] [--sample N] [--jobs N] [--cache DIR]
        [--rules] [--json OUT]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import re
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path

# readability-lxml read into paragraphs exactly as the selection's candidate is: one reading of it.
from newscrawl.stages.extract.body import readability_text

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "eval" / "score_extraction.py"
CORPORA = ("wcxb-dev-articles", "readability", "dragnet", "l3s-gn1", "cleanportaleval", "msv-big9-chaos",
           "trafilatura-evaldata")
#: Extractors timed in turn on each page.
TIMED = ("newscrawl", "trafilatura", "readability")
#: Candidates of a selection that do not depend on newscrawl's code (cached by library versions).
LIBRARY_CANDIDATES = ("trafilatura", "trafilatura-recall", "trafilatura-precision", "readability", "json-ld")
HEADERS = {"Content-Type": "text/html"}


def corpus_dir(name: str, shared: Path = SHARED) -> Path:
    return shared / "data" / name if name == "wcxb-dev-articles" else shared / "data" / "extraction" / name


def load_truth(name: str, shared: Path = SHARED) -> dict:
    return json.loads((corpus_dir(name, shared) / "ground-truth.json").read_text(encoding="utf-8"))


def page_bytes(name: str, pid: str, shared: Path = SHARED) -> bytes:
    return gzip.decompress((corpus_dir(name, shared) / "html" / f"{pid}.html.gz").read_bytes())


def page_url(truth: dict, pid: str) -> str:
    return truth[pid].get("url") or f"https://example.org/{pid}"


def scorer():
    spec = importlib.util.spec_from_file_location("score_extraction", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the extractors --------------------------------------------------------------------------

def newscrawl_run(html: bytes, url: str) -> tuple[str, float, list[tuple[str, str]], str, bool]:
    """process_page's body and time, what the clean stage removed (measured apart, untimed), and
    the cleaned body before the selection among candidates (what that model is trained against)
    and whether the selection's gate fired."""
    from newscrawl.model import Page
    from newscrawl.stages.clean import removed_texts
    from newscrawl.stages.process import STEPS, step_clean, start

    page = Page.build(url, html, HEADERS, 200, None)
    start_time = time.perf_counter()
    work = start(page)
    before_clean = None
    for step in STEPS:
        if step is step_clean:
            before_clean = list(work.blocks) if not work.skipped else []
        step(work)
    elapsed = time.perf_counter() - start_time
    return work.record.body or "", elapsed, removed_texts(before_clean or []), work.default_body or "", work.candidates_ran


def trafilatura_text(html: bytes, **options) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False, **options) or ""


_LD_RE = re.compile(rb"<script[^>]+application/ld\+json[^>]*>(.*?)</script>", re.S | re.I)


def json_ld_body(html: bytes) -> str:
    """The longest ``articleBody`` of the page's JSON-LD (the publisher's own copy), or ''."""
    best = ""

    def walk(node) -> None:
        nonlocal best
        if isinstance(node, dict):
            body = node.get("articleBody")
            if isinstance(body, str) and len(body) > len(best):
                best = body
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for raw in _LD_RE.findall(html):
        try:
            walk(json.loads(raw.decode("utf-8", "replace"), strict=False))
        except ValueError:
            continue
    return best


_WARM_PAGE = (b"<html><head><title>Warm</title></head><body><article><h1>Warm up</h1>"
              + b"<p>A paragraph of words that every extractor reads before the timed pages start.</p>" * 8
              + b"</article></body></html>")


def warm_up() -> None:
    """Each worker imports and runs every extractor once before the timed pages: the first call
    pays imports and library caches that no later page does. newscrawl's own once-per-process
    loads (detector models, the date parser's locale data) are made as its stage workers make
    them (``process.warm_up``): a warm-up page that needs no date parsing would leave them to
    the first timed page that does."""
    from newscrawl.stages.process import warm_up as stages_warm_up

    stages_warm_up()
    newscrawl_run(_WARM_PAGE, "https://example.org/warm")
    trafilatura_text(_WARM_PAGE)
    readability_text(_WARM_PAGE, "https://example.org/warm")


def _timed(function, *args, **kwargs) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        text = function(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a crash is a failed page, scored as empty
        print(f"{getattr(function, '__name__', function)}: {type(exc).__name__}: {exc}", file=sys.stderr)
        text = ""
    return text, time.perf_counter() - start


def use_selection_model(path: str | None) -> None:
    """Make process_page use the selection model at ``path`` (a leave-one-corpus-out model, fitted
    without the corpus being run) instead of the shipped one."""
    if path:
        from newscrawl.stages.extract import selection

        selection.MODEL_PATH = Path(path)


def run_page(task: tuple[str, str, str, int, tuple[str, ...], bool, str | None]) -> dict:
    """Every missing output of one page: the timed extractors in turn, then the untimed candidates."""
    corpus, pid, url, turn, wanted, run_newscrawl, model_path = task
    use_selection_model(model_path)
    html = page_bytes(corpus, pid)
    out: dict = {"id": pid}
    timed = [name for name in TIMED if name == "newscrawl" and run_newscrawl or name in wanted
             or name == "trafilatura" and run_newscrawl]
    turn %= max(1, len(timed))
    for name in timed[turn:] + timed[:turn]:
        if name == "newscrawl":
            try:
                body, seconds, removed, default, fired = newscrawl_run(html, url)
            except Exception as exc:  # noqa: BLE001
                print(f"newscrawl {corpus}/{pid}: {type(exc).__name__}: {exc}", file=sys.stderr)
                body, seconds, removed, default, fired = "", 0.0, [], "", False
            out["newscrawl"], out["newscrawl_ms"], out["removed"] = body, seconds * 1000, removed
            out["newscrawl-default"], out["candidates_ran"] = default, fired
        elif name == "trafilatura":
            out["trafilatura"], seconds = _timed(trafilatura_text, html)
            out["trafilatura_ms"] = seconds * 1000
        else:
            out["readability"], seconds = _timed(readability_text, html, url)
            out["readability_ms"] = seconds * 1000
    if "trafilatura-recall" in wanted:
        out["trafilatura-recall"] = _timed(trafilatura_text, html, favor_recall=True)[0]
    if "trafilatura-precision" in wanted:
        out["trafilatura-precision"] = _timed(trafilatura_text, html, favor_precision=True)[0]
    if "json-ld" in wanted:
        out["json-ld"] = json_ld_body(html)
    return out


# --- the cache -------------------------------------------------------------------------------

def library_key() -> str:
    versions = [f"{p}={metadata.version(p)}" for p in ("trafilatura", "readability-lxml", "lxml", "justext")]
    return "libs-" + hashlib.sha1(" ".join(versions).encode()).hexdigest()[:12]


def newscrawl_key() -> str:
    digest = hashlib.sha1(library_key().encode())
    for path in sorted((ROOT / "newscrawl").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".json", ".txt", ".npz"):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return "newscrawl-" + digest.hexdigest()[:12]


def read_cache(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        # A page's outputs may come in more than one line (candidates added by a later run).
        rows.setdefault(row["id"], {}).update(row)
    return rows


def selection_model_for(corpus: str, models: Path | None) -> str | None:
    """The leave-one-corpus-out selection model to run ``corpus`` with (``models``/CORPUS.json)."""
    if models is None:
        return None
    path = models / f"{corpus}.json"
    if not path.exists():
        raise SystemExit(f"{path}: no selection model for {corpus}")
    return str(path)


def outputs(corpus: str, ids: list[str], truth: dict, cache: Path, jobs: int,
            models: Path | None = None) -> tuple[dict, dict]:
    """(library candidates by page, newscrawl's outputs by page), computing what the cache lacks."""
    lib_path = cache / library_key() / f"{corpus}.jsonl"
    model_path = selection_model_for(corpus, models)
    suffix = "-model-" + hashlib.sha1(Path(model_path).read_bytes()).hexdigest()[:8] if model_path else ""
    nc_path = cache / (newscrawl_key() + suffix) / f"{corpus}.jsonl"
    libs, ours = read_cache(lib_path), read_cache(nc_path)
    tasks = []
    for number, pid in enumerate(ids):
        wanted = tuple(c for c in LIBRARY_CANDIDATES if c not in libs.get(pid, {}))
        if wanted or pid not in ours:
            tasks.append((corpus, pid, page_url(truth, pid), number, wanted, pid not in ours, model_path))
    if tasks:
        lib_path.parent.mkdir(parents=True, exist_ok=True)
        nc_path.parent.mkdir(parents=True, exist_ok=True)
        with ProcessPoolExecutor(jobs, initializer=warm_up) as pool, lib_path.open("a", encoding="utf-8") as lib_file, \
                nc_path.open("a", encoding="utf-8") as nc_file:
            for task, row in zip(tasks, pool.map(run_page, tasks, chunksize=4)):
                pid = row["id"]
                if task[5]:
                    mine = {k: row[k] for k in ("id", "newscrawl", "newscrawl_ms", "removed",
                                                 "trafilatura", "trafilatura_ms", "newscrawl-default",
                                                 "candidates_ran")}
                    if "readability_ms" in row:
                        mine["readability_ms"] = row["readability_ms"]
                    ours[pid] = mine
                    nc_file.write(json.dumps(mine, ensure_ascii=False) + "\n")
                lib_row = {k: row[k] for k in LIBRARY_CANDIDATES + ("readability_ms",) if k in row}
                if lib_row:
                    lib_row["id"] = pid
                    libs.setdefault(pid, {"id": pid}).update(lib_row)
                    lib_file.write(json.dumps(lib_row, ensure_ascii=False) + "\n")
    return libs, ours


# --- the report ------------------------------------------------------------------------------

def _score(score_module, truth: dict, preds: dict[str, str], ids: list[str]) -> dict:
    return score_module.score({pid: truth[pid] for pid in ids},
                              {pid: {"articleBody": preds.get(pid, "")} for pid in ids}, n_boot=2)


def rule_table(score_module, corpora: dict[str, tuple[dict, dict]]) -> dict[str, dict[str, dict[str, float]]]:
    """Per clean rule and corpus, what the rule's removals did against the truth:

    * ``gain``: the corpus F1 of newscrawl's bodies minus the F1 of the same bodies with that
      rule's removals put back (positive: the rule pays on that corpus);
    * ``wrong`` / ``boiler``: words removed that the truth has (beyond the copies the body kept:
      a duplicate's first copy stays) / that it lacks;
    * on sets with snippets, required / forbidden snippets found in the removed text."""
    sm = score_module
    table: dict[str, dict[str, dict[str, float]]] = {}
    for corpus, (truth, ours) in corpora.items():
        rows_final, restored_rows = [], {}
        kinds = {kind for row in ours.values() for kind, _ in row.get("removed", [])}
        for pid in sorted(ours):
            row, page_truth = ours[pid], truth[pid]
            body = page_truth.get("articleBody") or ""
            final = row.get("newscrawl") or ""
            rows_final.append(sm.tp_fp_fn(body, final))
            by_kind: dict[str, list[str]] = {}
            for kind, text in row.get("removed", []):
                by_kind.setdefault(kind, []).append(text)
            truth_grams = sm.shingles(body) if body else None
            spare = (truth_grams - sm.shingles(final)) if truth_grams is not None else None
            for kind in kinds:
                texts = by_kind.get(kind)
                restored_rows.setdefault(kind, []).append(
                    sm.tp_fp_fn(body, final + "\n\n" + "\n\n".join(texts)) if texts else rows_final[-1])
                if not texts:
                    continue
                entry = table.setdefault(kind, {}).setdefault(corpus, {
                    "blocks": 0, "wrong": 0, "boiler": 0, "with_hit": 0, "without_hit": 0, "gain": 0.0})
                entry["blocks"] += len(texts)
                for text in texts:
                    if spare is not None:
                        grams = sm.shingles(text)
                        total = sum(grams.values())
                        words = len(sm.tokens(text))
                        wrong = round(words * sum((grams & spare).values()) / total) if total else 0
                        entry["wrong"] += wrong
                        entry["boiler"] += words - wrong
                    norm = sm.norm(text)
                    if norm:
                        entry["with_hit"] += sum(1 for x in page_truth.get("with") or [] if sm.norm(x) and sm.norm(x) in norm)
                        entry["without_hit"] += sum(1 for x in page_truth.get("without") or []
                                                    if sm.norm(x) and sm.norm(x) in norm)
        base = sm.prf(rows_final)["f1"]
        for kind, rows in restored_rows.items():
            if corpus in table.get(kind, {}):
                table[kind][corpus]["gain"] = base - sm.prf(rows)["f1"]
    return table


def print_rule_table(table: dict[str, dict[str, dict[str, float]]], corpora: list[str]) -> None:
    short = {c: c.split("-")[0][:8] for c in corpora}
    print("\nclean rules, per corpus: F1 gain of the rule (x1000: F1 with its removals minus F1 with them put back)"
          " and words it removed that the truth has / lacks; on trafilatura-evaldata, required (w+) and"
          " forbidden (wo+) snippets in the removed text")
    print(f"  {'rule':<18}{'blocks':>7}{'wrong':>7}{'boiler':>8}  " + "".join(f"{short[c]:>19}" for c in corpora))
    totals = {k: {f: sum(e[f] for e in per.values()) for f in ("blocks", "wrong", "boiler")}
              for k, per in table.items()}
    for kind in sorted(table, key=lambda k: -totals[k]["blocks"]):
        cells = []
        for c in corpora:
            e = table[kind].get(c)
            if e is None:
                cells.append(f"{'-':>19}")
            elif c == "trafilatura-evaldata":
                cells.append(f"{'w+' + str(e['with_hit']) + ' wo+' + str(e['without_hit']):>19}")
            else:
                cells.append(f"{e['gain'] * 1000:+6.1f} {e['wrong']:>5}/{e['boiler']:<5}")
        t = totals[kind]
        print(f"  {kind:<18}{t['blocks']:>7}{t['wrong']:>7}{t['boiler']:>8}  " + "".join(cells))


def sample_ids(ids: list[str], n: int) -> list[str]:
    """Every k-th id, about ``n`` of them (all when ``n`` is 0 or more than there are): the same
    pages on every run, spread over the corpus's sub-sets (ids are grouped by source)."""
    if not n or n >= len(ids):
        return ids
    step = -(-len(ids) // n)
    return ids[::step]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="*", default=list(CORPORA), choices=CORPORA)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages of each corpus")
    parser.add_argument("--sample", type=int, default=0,
                        help="about N pages of each corpus, evenly spread over its sorted ids (every k-th)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/newscrawl-extraction-cache"))
    parser.add_argument("--rules", action="store_true", help="print each clean rule's words removed")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    parser.add_argument("--selection-models", type=Path,
                        help="run each corpus with the selection model DIR/CORPUS.json (leave-one-corpus-out "
                        "models from `python -m evaluation.extraction_selection loco --models-out DIR`)")
    args = parser.parse_args(argv)
    if not SCORER.exists():
        print(f"extraction benchmark: no scorer at {SCORER}", file=sys.stderr)
        return 2
    score_module = scorer()
    print(f"trafilatura {metadata.version('trafilatura')}, readability-lxml {metadata.version('readability-lxml')}; "
          f"newscrawl cache {newscrawl_key()}")
    header = (f"{'corpus':<22}{'pages':>6}  {'extractor':<12}{'F1':>7}{'P':>7}{'R':>7}{'with':>7}{'without':>8}"
              f"{'ms med':>8}{'s total':>9}")
    print(header)
    figures: dict = {}
    seen: dict[str, tuple[dict, dict]] = {}
    all_rows: dict[str, list] = {name: [] for name in TIMED}
    ratio_rows = []
    for corpus in args.corpora:
        truth = load_truth(corpus)
        ids = sample_ids(sorted(truth)[: args.limit or None], args.sample)
        libs, ours = outputs(corpus, ids, truth, args.cache, args.jobs, args.selection_models)
        seen[corpus] = (truth, {pid: ours[pid] for pid in ids})
        preds = {"newscrawl": {pid: ours[pid]["newscrawl"] for pid in ids},
                 "trafilatura": {pid: ours[pid]["trafilatura"] for pid in ids},
                 "readability": {pid: libs[pid]["readability"] for pid in ids}}
        times = {"newscrawl": [ours[pid]["newscrawl_ms"] for pid in ids],
                 "trafilatura": [ours[pid]["trafilatura_ms"] for pid in ids],
                 "readability": [(ours[pid].get("readability_ms") or libs[pid].get("readability_ms") or 0.0)
                                 for pid in ids]}
        figures[corpus] = {}
        for name in TIMED:
            m = _score(score_module, truth, preds[name], ids)
            m.update(ms_median=statistics.median(times[name]), s_total=sum(times[name]) / 1000)
            figures[corpus][name] = m
            all_rows[name].append(m)
            print(f"{corpus:<22}{len(ids):>6}  {name:<12}{m['f1']:7.3f}{m['precision']:7.3f}{m['recall']:7.3f}"
                  f"{m.get('with', float('nan')):7.3f}{m.get('without', float('nan')):8.3f}"
                  f"{m['ms_median']:8.1f}{m['s_total']:9.1f}")
        if all("newscrawl-default" in ours[pid] for pid in ids):
            # The same run's body before the selection among candidates (untimed).
            m = _score(score_module, truth, {pid: ours[pid]["newscrawl-default"] for pid in ids}, ids)
            figures[corpus]["unselected"] = m
            all_rows.setdefault("unselected", []).append(m)
            print(f"{corpus:<22}{len(ids):>6}  {'unselected':<12}{m['f1']:7.3f}{m['precision']:7.3f}"
                  f"{m['recall']:7.3f}{m.get('with', float('nan')):7.3f}{m.get('without', float('nan')):8.3f}")
        ratio = (figures[corpus]["newscrawl"]["ms_median"] / figures[corpus]["trafilatura"]["ms_median"],
                 figures[corpus]["newscrawl"]["s_total"] / figures[corpus]["trafilatura"]["s_total"])
        fired = sum(bool(ours[pid].get("candidates_ran")) for pid in ids)
        switched = sum(ours[pid]["newscrawl"] != ours[pid].get("newscrawl-default", ours[pid]["newscrawl"])
                       for pid in ids)
        ratio_rows.append((corpus, *ratio, fired / len(ids), switched / len(ids)))
        figures[corpus]["selection"] = {"gate_fired": fired / len(ids), "switched": switched / len(ids)}
        figures[corpus]["time_ratio"] = {"median": ratio[0], "total": ratio[1]}
    full = [c for c in args.corpora if c != "trafilatura-evaldata"]
    print("\nmean over the corpora with full truth (" + ", ".join(full) + "):")
    for name in TIMED + ("unselected",):
        rows = [figures[c][name] for c in full if name in figures[c]]
        if rows:
            f1, p, r = (statistics.mean(m[k] for m in rows) for k in ("f1", "precision", "recall"))
            figures.setdefault("mean", {})[name] = {"f1": f1, "precision": p, "recall": r}
            print(f"  {name:<12} F1 {f1:.3f}  P {p:.3f}  R {r:.3f}")
    print("\nprocess_page / trafilatura.extract time (same run):")
    for corpus, median, total, fired, switched in ratio_rows:
        print(f"  {corpus:<22} median {median:.2f}x  total {total:.2f}x  "
              f"(selection: gate fired on {fired:.0%} of pages, body switched on {switched:.0%})")
    if args.rules:
        table = rule_table(score_module, seen)
        figures["rules"] = table
        print_rule_table(table, list(seen))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
