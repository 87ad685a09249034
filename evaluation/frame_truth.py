"""How much of each page's true article the article's frame holds, on the seven extraction corpora.

The frame is :func:`newscrawl.stages.extract.container.densest_container` of the page tree as the
pipeline parses it (decode, then ``parse_page`` on the first ``MAX_HTML_CHARS`` characters). Per
page it writes one JSON line: the share of the truth's words (a bag of words, case-folded) that
the frame's text holds, the share of the frame's words that the truth lacks, and, when the frame
holds less than half of the truth, where the truth is instead (:func:`miss_kind`). The truth is
the corpus's ``articleBody``; on trafilatura-evaldata, which has no body, its required snippets
(so the second share means nothing there).

To judge a change to the frame, run it with each code tree first on ``PYTHONPATH`` (main's from
``git archive``, the branch's) and compare the lines page by page:

    PYTHONPATH=TREE python -m evaluation.frame_truth OUT.jsonl [--corpora NAME ...] [--jobs N]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import lxml.html

from newscrawl.stages.decode import decode_html
from newscrawl.stages.extract import MAX_HTML_CHARS
from newscrawl.stages.extract.container import densest_container
from newscrawl.stages.extract.tree import parse_page

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CORPORA = ("wcxb-dev-articles", "readability", "dragnet", "l3s-gn1", "cleanportaleval", "msv-big9-chaos",
           "trafilatura-evaldata")
#: The frame holds the article when it holds at least this share of the truth's words.
HOLDS = 0.5
_WORD_RE = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text.casefold())


def truth_words(record: dict, corpus: str) -> list[str]:
    """The words the frame should hold: the article body, or the required snippets where the
    corpus has no body."""
    if corpus == "trafilatura-evaldata":
        snippets = record.get("with") or []
        return words(" ".join(snippets) if isinstance(snippets, list) else str(snippets))
    return words(record.get("articleBody") or "")


def shares(element: lxml.html.HtmlElement, truth: collections.Counter, total: int) -> tuple[float, float]:
    """(share of the truth's words inside ``element``, share of its words the truth lacks)."""
    held = words(element.text_content())
    counts = collections.Counter(held)
    hit = sum(min(n, counts[w]) for w, n in truth.items())
    return (hit / total if total else 0.0), ((len(held) - hit) / len(held) if held else 0.0)


def miss_kind(tree: lxml.html.HtmlElement, frame: lxml.html.HtmlElement | None,
              truth: collections.Counter, total: int) -> str:
    """Where the article is when the frame misses most of it, among the elements that hold
    paragraphs, line breaks or ``<div>``s (a superset of the frame's candidates), ``<body>`` and
    ``<html>`` left out:

    * ``no frame``;
    * ``frame before the article`` / ``frame after the article``: an element apart from the frame
      (neither inside nor around it) holds half of the truth, and the frame stands before or after
      it on the page;
    * ``partial frame``: an element around the frame holds half of the truth (the article is split
      over several parents, the frame one of them);
    * ``no element holds half``: no such element holds half of the truth."""
    if frame is None:
        return "no frame"
    around = set(frame.iterancestors())
    inside = set(frame.iterdescendants())
    order = {el: i for i, el in enumerate(tree.iter())}
    holders = dict.fromkeys(el.getparent() for el in tree.iter("p", "br", "div"))
    best_apart, best_around = None, False
    for element in holders:
        if element is None or element is frame or element.tag in ("body", "html"):
            continue
        share = shares(element, truth, total)[0]
        if share < HOLDS:
            continue
        if element in around:
            best_around = True
        elif element not in inside and (best_apart is None or share > best_apart[0]):
            best_apart = (share, element)
    if best_apart is not None:
        return "frame before the article" if order[frame] < order[best_apart[1]] else "frame after the article"
    return "partial frame" if best_around else "no element holds half"


def frame_row(corpus: str, pid: str, html: bytes, record: dict) -> dict:
    """One page's figures: the truth's size, the frame's shares and, when it misses, the kind."""
    tree = parse_page(decode_html(html, "text/html").text[:MAX_HTML_CHARS])[0]
    truth = truth_words(record, corpus)
    row: dict = {"corpus": corpus, "id": pid, "truth_words": len(truth)}
    if tree is None or not truth:
        return row
    frame = densest_container(tree)
    counts = collections.Counter(truth)
    held, foreign = shares(frame, counts, len(truth)) if frame is not None else (0.0, 0.0)
    row.update(held=held, foreign=foreign, frame=_describe(frame))
    if held < HOLDS:
        row["kind"] = miss_kind(tree, frame, counts, len(truth))
    return row


def _describe(element: lxml.html.HtmlElement | None) -> str:
    if element is None:
        return ""
    names = " ".join(filter(None, (element.get("id"), element.get("class"))))
    return f"{element.tag} {names}".strip()[:80]


def corpus_dir(name: str) -> Path:
    return SHARED / "data" / name if name == "wcxb-dev-articles" else SHARED / "data" / "extraction" / name


def _run(task: tuple[str, str, dict]) -> dict:
    corpus, pid, record = task
    html = gzip.decompress((corpus_dir(corpus) / "html" / f"{pid}.html.gz").read_bytes())
    return frame_row(corpus, pid, html, record)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--corpora", nargs="*", default=list(CORPORA), choices=CORPORA)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    tasks = []
    for corpus in args.corpora:
        truth = json.loads((corpus_dir(corpus) / "ground-truth.json").read_text(encoding="utf-8"))
        tasks += [(corpus, pid, record) for pid, record in truth.items()]
    kinds: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    held: dict[str, list[float]] = collections.defaultdict(list)
    with ProcessPoolExecutor(args.jobs) as pool, args.out.open("w", encoding="utf-8") as out:
        for row in pool.map(_run, tasks, chunksize=8):
            out.write(json.dumps(row) + "\n")
            if "held" in row:
                held[row["corpus"]].append(row["held"])
                kinds[row["corpus"]][row.get("kind", "holds")] += 1
    for corpus in args.corpora:
        shown = held[corpus]
        print(f"{corpus}: {len(shown)} pages, mean share held {sum(shown) / max(len(shown), 1):.4f}, "
              + ", ".join(f"{k} {n}" for k, n in kinds[corpus].most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
