"""Which short pages are articles: what the page-type rule sees on pages under the article floor.

    python benchmarks/short_pages.py [--corpora NAME ...] [--jobs N] [--out FILE.jsonl]
    python benchmarks/short_pages.py --report FILE.jsonl

Runs every page of the seven extraction corpora (benchmarks/extraction.py's CORPORA) through
``process_page``'s steps up to the page-type decision and writes one JSON line a page: the skip
reason, the body's size and blocks (words, kind, link ratio, sentence end), what the page
declares (JSON-LD @type, og:type, <article> elements and the share of the body inside one), the
publication date found, and the truth body's size. ``--report`` counts, per corpus, the pages
the rule of :func:`newscrawl.stages.pagetype.non_article_reason` stores or skips, against the
truth: a page whose truth body is at least ``--article-words`` words is a real article; a page
whose truth is empty or shorter is not one.
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

SENTENCE_ENDS = (".", "!", "?", "\"", "”", "’", "'", "。", "！", "？", "۔", "؟", ":")


def declared(html: str) -> dict:
    import lxml.html

    from newscrawl.stages.extract.metadata import _json_ld_objects

    try:
        tree = lxml.html.fromstring(html)
    except Exception:  # noqa: BLE001 - an unparsable page declares nothing
        return {"ld_types": [], "og_type": None, "articles": 0, "article_text": ""}
    types = []
    for obj in _json_ld_objects(tree):
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", nargs="*", default=list(CORPORA))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("/tmp/short_pages.jsonl"))
    args = parser.parse_args(argv)
    collect(args.corpora, args.jobs, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
