"""Which short pages are articles: what the page-type rule sees on pages under the article floor.

    python benchmarks/short_pages.py [--corpora NAME ...] [--jobs N] [--out FILE.jsonl]
    python benchmarks/short_pages.py --report FILE.jsonl

Runs every page of the seven extraction corpora (benchmarks/extraction.py's CORPORA) through
``process_page``'s steps up to the page-type decision and writes one JSON line a page: the skip
reason, the body's size and blocks (words, kind, link ratio, sentence end), what the page
declares (JSON-LD @type, og:type, <article> elements and the share of the body inside one), the
publication date found, and the truth body's size. ``--report`` counts, per corpus, the pages
with a body under ``MIN_ARTICLE_WORDS`` that the page-type rule stored or skipped, each *good*
(its truth has at least 25 words and the body's word F1 against it is at least 0.5; on
trafilatura-evaldata, which has snippets only: every ``with`` snippet in the body and no
``without`` one) or *bad*. Run on two checkouts, the two reports are the before and after.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from extraction import CORPORA, HEADERS, load_truth, page_bytes, page_url  # noqa: E402

from newscrawl.stages.extract.metadata import json_ld_objects  # noqa: E402

SENTENCE_ENDS = (".", "!", "?", "\"", "”", "’", "'", "。", "！", "？", "۔", "؟", ":")


def declared(html: str) -> dict:
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except Exception:  # noqa: BLE001 - an unparsable page declares nothing
        return {"ld_types": [], "og_type": None, "articles": 0, "article_text": ""}
    types = []
    for obj in json_ld_objects(tree):
        t = obj.get("@type")
        for one in t if isinstance(t, list) else [t]:
            if isinstance(one, str):
                types.append(one)
    og = None
    for meta in tree.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == "og:type":
            og = (meta.get("content") or "").strip().lower()
            break
    arts = tree.xpath("//article")
    article_text = " ".join(" ".join(a.text_content().split()) for a in arts)
    return {"ld_types": types, "og_type": og, "articles": len(arts), "article_text": article_text}


def run_page(task: tuple[str, str, str, str]) -> dict:
    from newscrawl.model import Page
    from newscrawl.stages.pagetype import body_size, is_prose_paragraph
    from newscrawl.stages.process import STEPS, run_step, start, step_clean

    corpus, pid, url, truth_body = task
    raw = page_bytes(corpus, pid)
    page = Page.build(url, raw, HEADERS, 200, None)
    work = start(page)
    for step in STEPS:
        run_step(step, work)
        if step is step_clean:
            break
    rec = work.record
    body = rec.body or ""
    html = work.decoded.text if work.decoded is not None else ""
    decl = declared(html) if html else {"ld_types": [], "og_type": None, "articles": 0, "article_text": ""}
    art_words = set(decl.pop("article_text").split())
    body_words = body.split()
    inside = sum(w in art_words for w in body_words) / len(body_words) if body_words else 0.0
    ex = work.extracted
    ex_blocks = ex.blocks if ex is not None else []
    return {
        "corpus": corpus, "id": pid, "reason": rec.skip_reason, "size": body_size(body),
        "truth": body_size(truth_body), "body": body,
        "blocks": [[len(b.text.split()), b.kind, round(b.link_ratio, 3),
                    b.text.rstrip().endswith(SENTENCE_ENDS)] for b in work.blocks],
        "link_lines": sum(1 for b in ex_blocks if b.link_ratio >= 0.9),
        "prose": sum(1 for b in ex_blocks if is_prose_paragraph(b)),
        "published": rec.published_at is not None, "published_source": rec.published_source,
        "title": rec.title, "inside_article": round(inside, 3), **decl,
    }


def collect(corpora: list[str], jobs: int, out: Path) -> None:
    from newscrawl.stages.process import warm_up

    tasks = []
    for corpus in corpora:
        truth = load_truth(corpus)
        tasks += [(corpus, pid, page_url(truth, pid), truth[pid].get("articleBody") or "") for pid in truth]
    with ProcessPoolExecutor(jobs, initializer=warm_up) as pool, out.open("w", encoding="utf-8") as f:
        for n, row in enumerate(pool.map(run_page, tasks, chunksize=8)):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            if n % 500 == 499:
                print(f"{n + 1} / {len(tasks)}", file=sys.stderr, flush=True)


def _word_f1(predicted: str, truth: str) -> float:
    import re
    from collections import Counter

    a, b = Counter(re.findall(r"\w+", predicted.lower())), Counter(re.findall(r"\w+", truth.lower()))
    tp = sum((a & b).values())
    if not tp:
        return 0.0
    p, r = tp / sum(a.values()), tp / sum(b.values())
    return 2 * p * r / (p + r)


def good(row: dict, entry: dict) -> bool:
    """Whether the body stored for this page would be the page's article (module docstring)."""
    if row["corpus"] == "trafilatura-evaldata":
        body = row["body"]
        return all(s in body for s in entry.get("with", [])) and not any(s in body for s in entry.get("without", []))
    return row["truth"] >= 25 and _word_f1(row["body"], entry.get("articleBody") or "") >= 0.5


def report(path: Path) -> None:
    from collections import Counter

    from newscrawl.stages.pagetype import MIN_ARTICLE_WORDS

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    truths: dict[str, dict] = {}
    counts: Counter = Counter()
    for row in rows:
        if row["size"] >= MIN_ARTICLE_WORDS or row["reason"] not in (None, "too_short", "not_found"):
            continue
        if row["corpus"] not in truths:
            truths[row["corpus"]] = load_truth(row["corpus"])
        truth = truths[row["corpus"]]
        outcome = "stored" if row["reason"] is None else row["reason"]
        counts[(row["corpus"], outcome, "good" if good(row, truth[row["id"]]) else "bad")] += 1
    print("| corpus | stored good / bad | too_short good / bad | not_found |")
    print("|---|---|---|---|")
    for corpus in sorted({c for c, _, _ in counts}):
        cell = {o: f"{counts[(corpus, o, 'good')]} / {counts[(corpus, o, 'bad')]}" for o in ("stored", "too_short")}
        nf = counts[(corpus, "not_found", "good")] + counts[(corpus, "not_found", "bad")]
        print(f"| {corpus} | {cell['stored']} | {cell['too_short']} | {nf} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", nargs="*", default=list(CORPORA))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("/tmp/short_pages.jsonl"))
    parser.add_argument("--report", type=Path, help="count the pages of an earlier run's FILE.jsonl")
    args = parser.parse_args(argv)
    if args.report:
        report(args.report)
        return 0
    collect(args.corpora, args.jobs, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
