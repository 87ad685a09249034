"""Where newscrawl loses truth words that trafilatura keeps: each lost word given to the step
that lost it, and the kind of text it stood in.

Reads the per-page outputs ``benchmarks/extraction.py`` cached (run it first, same ``--cache``):
trafilatura's body and newscrawl's. A truth 4-gram (../shared/eval/score_extraction.py's unit)
is *lost* on a page when trafilatura's body holds more copies of it (up to the truth's count)
than newscrawl's does. Each page with a lost 4-gram is run again step by step
(:mod:`newscrawl.stages.process`'s steps, the clean step taken apart into clean's rules, the
closing cut, the hidden drop and the selection) and each lost 4-gram is given to the first step
after which fewer copies of it are left:

* ``extract: not in the page text``: not in the page's text as lxml reads it (whole tree);
* ``extract: left out``: in the page's text, not in extract's body blocks;
* ``repair`` / ``language`` / ``clean:<rule>`` / ``closing cut`` / ``hidden`` / ``selection``;
* ``seam``: the 4-gram spans two of trafilatura's lines (the two extractors order or join
  blocks differently); not a lost word.

The kind of text is read off the page tree where trafilatura's line stands (heading, caption,
byline or date, table cell, list item, quote, other text) and its place among trafilatura's
lines (before the first line newscrawl keeps, after the last, or between).

    python -m evaluation.recall_attribution [--corpora NAME ...] [--cache DIR] [--jobs N] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks.extraction import CORPORA, library_key, load_truth, newscrawl_key, page_bytes, page_url, read_cache, scorer

HEADERS = {"Content-Type": "text/html"}
SM = scorer()

#: Class or id words that mark a page's byline or date line.
_BYLINE_RE = re.compile(r"byline|author|dateline|posted|pubdate|publish|timestamp|\bdate|\btime|\bmeta", re.I)
_CAPTION_RE = re.compile(r"caption|credit|photo|image|figure|gallery", re.I)
_DATE_TEXT_RE = re.compile(
    r"\b(19|20)\d\d\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d", re.I)


def joined(blocks) -> str:
    return "\n\n".join(b if isinstance(b, str) else b.text for b in blocks)


def stage_texts(html: bytes, url: str) -> dict:
    """The body after each step of process_page, the clean step taken apart."""
    from newscrawl.model import Page
    from newscrawl.stages.clean import clean_blocks, removed_texts
    from newscrawl.stages.extract.container import cut_closing_run_outside_container
    from newscrawl.stages.extract.hidden import drop_hidden_blocks
    from newscrawl.stages.process import start, step_clean, step_decode, step_extract, step_language, step_repair

    work = start(Page.build(url, html, HEADERS, 200, None))
    out: dict = {"stages": [], "removed": [], "html": ""}
    step_decode(work)
    if work.skipped:
        out["skip"] = work.record.skip_reason
        return out
    out["html"] = work.decoded.text
    step_extract(work)
    ex = work.extracted
    out["title"] = work.record.title or ""
    out["stages"].append(("page", joined(ex.visible_blocks) if ex else ""))
    out["stages"].append(("extract", joined(work.blocks)))
    if work.skipped:
        out["skip"] = work.record.skip_reason
        return out
    step_repair(work)
    out["stages"].append(("repair", joined(work.blocks)))
    step_language(work)
    out["stages"].append(("language", joined(work.blocks)))
    before = list(work.blocks)
    out["removed"] = removed_texts(before)
    cleaned, _ = clean_blocks(before)
    out["stages"].append(("clean", joined(cleaned)))
    cut, _ = cut_closing_run_outside_container(cleaned, ex.container_text)
    out["stages"].append(("closing cut", joined(cut)))
    shown, _ = drop_hidden_blocks(cut, ex.hidden_keys)
    out["stages"].append(("hidden", joined(shown)))
    step_clean(work)
    out["stages"].append(("selection", work.record.body or ""))
    return out


def token_owners(html: str):
    """The page's text tokens in order, each with the element whose text holds it."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except Exception:  # noqa: BLE001 - an unparsable page: no kinds
        return [], []
    toks, owners = [], []
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "noscript", "template"):
            if isinstance(el.tag, str) and el.tail and el.getparent() is not None:
                for t in SM.tokens(el.tail):
                    toks.append(t)
                    owners.append(el.getparent())
            continue
        if el.text:
            for t in SM.tokens(el.text):
                toks.append(t)
                owners.append(el)
        if el.tail and el.getparent() is not None:
            for t in SM.tokens(el.tail):
                toks.append(t)
                owners.append(el.getparent())
    return toks, owners


def locate(line_tokens: list[str], toks: list[str], owners: list):
    """The element holding the line's first tokens in the page (the deepest common ancestor of
    the owners of its first and last located tokens), or None."""
    head = line_tokens[: min(6, len(line_tokens))]
    if not head:
        return None
    n = len(head)
    first = head[0]
    for i, t in enumerate(toks):
        if t == first and toks[i : i + n] == head:
            end = min(len(toks) - 1, i + len(line_tokens) - 1)
            a, b = owners[i], owners[end]
            chain_a = [a, *a.iterancestors()]
            chain_b = set([b, *b.iterancestors()])
            for el in chain_a:
                if el in chain_b:
                    return el
            return a
    return None


def kind_of(el, line: str) -> str:
    if el is None:
        return "not located"
    chain = [el, *el.iterancestors()]
    tags = [c.tag for c in chain if isinstance(c.tag, str)]
    marks = " ".join(f"{c.get('class') or ''} {c.get('id') or ''} {c.get('itemprop') or ''}" for c in chain[:4])
    words = len(SM.tokens(line))
    if any(t in ("h1", "h2", "h3", "h4", "h5", "h6") for t in tags):
        return "heading"
    if any(t in ("figcaption", "caption") for t in tags) or "figure" in tags[:4] or _CAPTION_RE.search(marks):
        return "caption"
    if words <= 15 and (any(t in ("time", "address") for t in tags[:3]) or _BYLINE_RE.search(marks)
                        or re.match(r"\s*by\b", line, re.I) or (words <= 8 and _DATE_TEXT_RE.search(line))):
        return "byline / date"
    if any(t in ("td", "th") for t in tags):
        return "table cell"
    if any(t in ("li", "dd", "dt") for t in tags):
        return "list item"
    if "blockquote" in tags:
        return "quote"
    if words <= 8:
        return "short line"
    return "paragraph"


def lost_grams(truth: Counter, traf: Counter, ours: Counter) -> Counter:
    lost = Counter()
    for g, t in truth.items():
        d = min(t, traf.get(g, 0)) - min(t, ours.get(g, 0))
        if d > 0:
            lost[g] = d
    return lost


def attribute_page(task: tuple) -> dict:
    corpus, pid, url, truth_body, traf_body, cached_body = task
    truth, traf = SM.shingles(truth_body), SM.shingles(traf_body)
    lost = lost_grams(truth, traf, SM.shingles(cached_body))
    result: dict = {"id": pid, "lost": sum(lost.values()), "truth": sum(truth.values()), "steps": {}, "kinds": {},
                    "places": {}, "lines": []}
    if not lost:
        return result
    traced = stage_texts(page_bytes(corpus, pid), url)
    final = traced["stages"][-1][1] if traced["stages"] and "skip" not in traced else None
    result["same"] = final is not None and SM.tokens(final) == SM.tokens(cached_body)
    # Which of trafilatura's lines each lost 4-gram starts in; a seam: it runs on into the next.
    lines = [line for line in traf_body.split("\n") if line.strip()]
    line_grams = [SM.shingles(line) if len(SM.tokens(line)) >= 4 else Counter() for line in lines]
    stream, line_of = [], []
    for k, line in enumerate(lines):
        for t in SM.tokens(line):
            stream.append(t)
            line_of.append(k)
    starts = defaultdict(list)
    for i in range(max(0, len(stream) - 3)):
        starts[tuple(stream[i : i + 4])].append(i)
    owner_line: dict = {}
    seam = Counter()
    for g, n in lost.items():
        at = starts.get(g)
        if at:
            owner_line[g] = line_of[at[0]]
            if line_of[at[0] + 3] != line_of[at[0]]:
                seam[g] = n
    # Step by step: the first step after which fewer copies of the 4-gram are left.
    stage_counts = [(name, SM.shingles(text)) for name, text in traced["stages"] if name != "page"]
    # The page's whole text as lxml reads it (nav, hidden and loose text included).
    toks, owners = token_owners(traced["html"]) if traced["html"] else ([], [])
    page_counts = SM.shingles(" ".join(toks))
    rule_grams = defaultdict(Counter)
    rule_edges = []
    for rule, text in traced["removed"]:
        rule_grams[rule].update(SM.shingles(text))
        tt = SM.tokens(text)
        rule_edges.append((rule, tuple(tt[:3]), tuple(tt[-3:])))

    def rule_at_seam(g) -> str | None:
        # A 4-gram across the edge of a removed text: it starts inside it or ends inside it.
        for cut in (3, 2, 1):
            for rule, head, tail in rule_edges:
                if g[4 - cut :] == head[:cut] or g[:cut] == tail[-cut:]:
                    return rule
        return None
    steps = Counter()
    step_of: dict = {}
    for g, n in lost.items():
        prev = min(truth[g], traf[g])
        left = n
        for name, counts in stage_counts:
            cur = min(prev, truth[g], counts.get(g, 0))
            drop = min(left, prev - cur)
            if drop > 0:
                if name == "extract":
                    label = "extract: left out" if page_counts.get(g, 0) > cur else "extract: not in the page text"
                elif name == "clean":
                    rules = [r for r, rg in rule_grams.items() if g in rg]
                    label = "clean:" + (rules[0] if rules else rule_at_seam(g) or "edit")
                else:
                    label = name
                steps[label] += drop
                step_of.setdefault(g, label)
                left -= drop
            prev = cur
        if left > 0:
            label = "skipped: " + traced.get("skip", "?") if "skip" in traced else "unexplained"
            steps[label] += left
            step_of.setdefault(g, label)
    result["steps"] = dict(steps)
    result["seam"] = sum(seam.values())
    # Kinds and places of trafilatura's lines with lost words.
    ours_tokens = set(SM.shingles(cached_body))
    kept_lines = [k for k, lg in enumerate(line_grams) if lg and sum(1 for g in lg if g in ours_tokens) >= len(lg) / 2]
    first_kept, last_kept = (kept_lines[0], kept_lines[-1]) if kept_lines else (None, None)
    by_line = defaultdict(Counter)
    for g, n in lost.items():
        if g in owner_line:
            by_line[owner_line[g]][step_of[g]] += n
    kinds, places = Counter(), Counter()
    for k, counter in sorted(by_line.items()):
        title = SM.norm(traced.get("title") or "")
        kind = "title" if title and SM.norm(lines[k]) and (SM.norm(lines[k]) in title or title in SM.norm(lines[k])) \
            and k <= (first_kept if first_kept is not None else k) \
            else kind_of(locate(SM.tokens(lines[k]), toks, owners), lines[k])
        if first_kept is None:
            place = "no line kept"
        elif k < first_kept:
            place = "before the first kept line"
        elif k > last_kept:
            place = "after the last kept line"
        else:
            place = "between kept lines"
        n = sum(counter.values())
        kinds[kind] += n
        places[place] += n
        result["lines"].append({"line": k, "kind": kind, "place": place, "words": len(SM.tokens(lines[k])),
                                "lost": n, "steps": dict(counter), "text": lines[k][:160]})
    result["kinds"], result["places"] = dict(kinds), dict(places)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="*", default=[c for c in CORPORA if c != "trafilatura-evaldata"])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/newscrawl-extraction-cache"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    report = {}
    for corpus in args.corpora:
        truth = load_truth(corpus)
        libs = read_cache(args.cache / library_key() / f"{corpus}.jsonl")
        ours = read_cache(args.cache / newscrawl_key() / f"{corpus}.jsonl")
        if not ours:
            print(f"{corpus}: no cached newscrawl outputs under {args.cache / newscrawl_key()}", file=sys.stderr)
            continue
        ids = sorted(pid for pid in ours if pid in libs and (truth[pid].get("articleBody") or ""))
        tasks = [(corpus, pid, page_url(truth, pid), truth[pid]["articleBody"], libs[pid].get("trafilatura") or "",
                  ours[pid].get("newscrawl") or "") for pid in ids]
        with ProcessPoolExecutor(args.jobs) as pool:
            pages = [r for r in pool.map(attribute_page, tasks, chunksize=4) if r["lost"]]
        # The scorer's recall is a mean over pages: a page's lost 4-grams weigh by its truth's size.
        gained = 0.0
        for pid in ids:
            t = SM.shingles(truth[pid]["articleBody"])
            gained += sum(lost_grams(t, SM.shingles(ours[pid].get("newscrawl") or ""),
                                     SM.shingles(libs[pid].get("trafilatura") or "")).values()) / sum(t.values())
        report[corpus] = {"pages": len(ids), "gained": 1000 * gained / len(ids), "lost_pages": pages}

        def share(p: dict, n: float, pages_in: int = len(ids)) -> float:
            return 1000 * n / p["truth"] / pages_in

        lost = sum(share(p, p["lost"]) for p in pages)
        seam = sum(share(p, p.get("seam", 0)) for p in pages)
        print(f"\n{corpus}: {len(ids)} pages; x1000 recall (a mean over pages) lost against trafilatura {lost:.2f} "
              f"on {len(pages)} pages, gained {report[corpus]['gained']:.2f}; of the lost, spanning two of "
              f"trafilatura's lines {seam:.2f}; traces equal to the cached body on "
              f"{sum(1 for p in pages if p.get('same'))} of {len(pages)}")
        for field in ("steps", "kinds", "places"):
            agg, npages = Counter(), Counter()
            for p in pages:
                for key, n in p[field].items():
                    agg[key] += share(p, n)
                    npages[key] += 1
            for key, n in agg.most_common():
                print(f"  {field:<7}{key:<34}{n:6.2f}  {npages[key]:>4} pages")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
