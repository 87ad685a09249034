"""htmldate's share of process_page's CPU time, and which of its searches answers.

    python benchmarks/dates.py [--sample N] [--truth DIR]

Part 1: about ``--sample`` pages of each extraction set (every k-th sorted id), one process after
``process.warm_up()``; the CPU time (``time.process_time``) of ``process.run_steps`` beside that
of htmldate's calls (``metadata.find_date``, by ``extensive_search``) and of dateparser within
them. Part 2: every page of ``--truth`` (a set whose ground truth has ``publish_date``) that has
no JSON-LD or meta-tag date: the two htmldate calls as ``metadata._find_dates`` makes them, each
timed, and whether the extensive call's answer is that of htmldate's last-resort scan of the
serialized page (``search_page``), with the ground truth's day beside it. Part 3: every page of
``--truth``, the published date the stage gives (``metadata._find_dates``: JSON-LD, meta tags, then
htmldate as the stage asks it) against the ground truth's day, and that function's CPU time.
Part 4 (``--variants``): on the pages that reach the extensive call, its answer as it is, without
``search_page``, without dateparser, without either, and not asked at all: right / wrong / none against the truth
set's days, and on ``--variants-sample`` pages of each other set how many answers change
(htmldate's string cache cleared before every call, so that no variant reuses another's parse).

htmldate's internals are wrapped only to time and attribute them; where this htmldate has no such
function the script says so and stops.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timed(counter: dict, fn):
    def wrapper(*args, **kwargs):
        start = time.process_time()
        result = fn(*args, **kwargs)
        counter["cpu"] += time.process_time() - start
        counter["n"] += 1
        counter["last"] = result
        return result
    return wrapper


def main(argv: list[str] | None = None) -> int:
    from evaluation.record_digest import corpora
    from newscrawl.model import Page
    from newscrawl.stages import process
    from newscrawl.stages.extract import metadata
    from newscrawl.stages.extract.tree import parse_page

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--truth", type=Path, default=ROOT.parent / "shared" / "data" / "wcxb-dev-articles")
    parser.add_argument("--variants", action="store_true", help="part 4: the extensive call without its parts")
    parser.add_argument("--variants-sample", type=int, default=200)
    args = parser.parse_args(argv)
    try:
        import htmldate.core as core
        import htmldate.extractors as extractors
        core.search_page, extractors._external_date  # noqa: B018 - present in this version?
    except (ImportError, AttributeError) as exc:
        print(f"this htmldate cannot be instrumented: {exc}")
        return 1
    dateparser = {"cpu": 0.0, "n": 0, "last": None}
    scan = {"cpu": 0.0, "n": 0, "last": None}
    calls = {flag: {"cpu": 0.0, "n": 0, "last": None} for flag in (False, True)}
    extractors._external_date = _timed(dateparser, extractors._external_date)
    core.search_page = _timed(scan, core.search_page)
    find_date = metadata.find_date

    def counted_find_date(tree, **kwargs):
        return _timed(calls[kwargs["extensive_search"]], find_date)(tree, **kwargs)

    metadata.find_date = counted_find_date
    process.warm_up()

    def page(directory: Path, pid: str, url: str) -> Page:
        body = gzip.decompress((directory / "html" / f"{pid}.html.gz").read_bytes())
        return Page.build(url or f"https://example.org/{pid}", body, {"Content-Type": "text/html"})

    def _parsed_pages(directory: Path, truth: dict):
        """Each dated page's truth item, decoded work, tree, JSON-LD article and meta values."""
        for pid in sorted(truth):
            item = truth[pid]
            work = process.start(page(directory, pid, item.get("url") or ""))
            process.step_decode(work)
            tree = parse_page(work.decoded.text)[0] if work.decoded else None
            if tree is not None:
                yield (item, work, tree, metadata._article_ld(metadata.json_ld_objects(tree)),
                       metadata._meta_values(tree))

    total, pages = 0.0, 0
    for directory in corpora(args.shared).values():
        truth = json.loads((directory / "ground-truth.json").read_text())
        ids = sorted(truth)[:: max(1, len(truth) // args.sample)]
        for pid in ids:
            one = page(directory, pid, truth[pid].get("url") or "")
            start = time.process_time()
            process.run_steps(one)
            total += time.process_time() - start
            pages += 1
    print(f"{pages} pages: process_page {total:.2f} s CPU; htmldate first calls {calls[False]['n']} "
          f"{calls[False]['cpu']:.2f} s ({calls[False]['cpu'] / total:.1%}), extensive calls "
          f"{calls[True]['n']} {calls[True]['cpu']:.2f} s ({calls[True]['cpu'] / total:.1%}), of which "
          f"dateparser {dateparser['n']} strings {dateparser['cpu']:.2f} s, search_page {scan['cpu']:.2f} s")

    truth = json.loads((args.truth / "ground-truth.json").read_text())
    extractors.try_date_expr.cache_clear()  # part 1's answers (as the stage asked) not reused
    rows = {"search_page": [0, 0, 0], "the rest": [0, 0, 0], "none": [0, 0.0, 0.0]}
    reached = extensive = 0
    ext_cpu = ext_scan = 0.0
    for item, work, tree, ld, meta in _parsed_pages(args.truth, truth):
        if (ld and metadata.parse_datetime(str(ld.get("datePublished") or ""))) or any(
                metadata.parse_datetime(meta.get(key)) for key in metadata._PUBLISHED_META):
            continue
        reached += 1
        url = work.page.url
        first = find_date(tree, url=url, original_date=True, extensive_search=False)
        if first and not first.endswith(metadata.YEAR_ONLY_SUFFIX):
            continue
        extensive += 1
        scan.update(cpu=0.0, n=0, last=None)
        start = time.process_time()
        found = find_date(tree, url=url, original_date=True, extensive_search=True)
        cpu = time.process_time() - start
        ext_cpu += cpu
        ext_scan += scan["cpu"]
        if not found or found.endswith(metadata.YEAR_ONLY_SUFFIX):
            rows["none"][0] += 1
            rows["none"][1] += cpu
            rows["none"][2] += scan["cpu"]
            continue
        day = (item.get("publish_date") or "")[:10]
        row = rows["search_page" if scan["n"] and scan["last"] == found else "the rest"]
        row[0 if found[:10] == day else 1 if not day else 2] += 1
    print(f"{args.truth.name}: {reached} pages reach htmldate, {extensive} the extensive call: "
          f"{ext_cpu:.2f} s CPU, search_page {ext_scan:.2f} s")
    for source in ("search_page", "the rest"):
        right, no_date, other = rows[source]
        print(f"  answer from {source}: right day {right}, page has no date {no_date}, another day {other}")
    print(f"  no answer: {rows['none'][0]} pages, {rows['none'][1]:.2f} s CPU, search_page {rows['none'][2]:.2f} s")

    extractors.try_date_expr.cache_clear()
    stage = {"right day": 0, "page has no date": 0, "another day": 0, "no date given": 0}
    stage_cpu = 0.0
    for item, work, tree, ld, meta in _parsed_pages(args.truth, truth):
        start = time.process_time()
        published = metadata._find_dates(tree, work.page.url, ld, meta)[0]
        stage_cpu += time.process_time() - start
        day = (item.get("publish_date") or "")[:10]
        stage["no date given" if published is None else "right day" if published.date().isoformat() == day
              else "page has no date" if not day else "another day"] += 1
    print(f"{args.truth.name}, published date as the stage gives it ({stage_cpu:.2f} s CPU): "
          + ", ".join(f"{k} {v}" for k, v in stage.items()))
    if args.variants:
        variants(args, corpora(args.shared), find_date, page)
    return 0


#: Part 4's variants of the extensive call: (dateparser asked, search_page asked); None: not called.
VARIANTS = {"as is": (True, True), "no search_page": (True, False), "no dateparser": (False, True),
            "neither": (False, False), "not asked": None}


def variants(args, sets: dict[str, Path], find_date, page) -> None:
    import htmldate.core as core
    import htmldate.extractors as extractors

    from newscrawl.stages import process
    from newscrawl.stages.extract import metadata
    from newscrawl.stages.extract.tree import parse_page

    scan, external = core.search_page, extractors._external_date
    nothing = lambda *args, **kwargs: None  # noqa: E731
    cpu = dict.fromkeys(VARIANTS, 0.0)  # CPU of each variant's calls, all sets

    def extensive_answers(directory: Path, pid: str, url: str) -> dict[str, str | None] | None:
        work = process.start(page(directory, pid, url))
        process.step_decode(work)
        tree = parse_page(work.decoded.text)[0] if work.decoded else None
        if tree is None:
            return None
        ld = metadata._article_ld(metadata.json_ld_objects(tree))
        meta = metadata._meta_values(tree)
        if (ld and metadata.parse_datetime(str(ld.get("datePublished") or ""))) or any(
                metadata.parse_datetime(meta.get(key)) for key in metadata._PUBLISHED_META):
            return None
        extractors.try_date_expr.cache_clear()
        first = find_date(tree, url=work.page.url, original_date=True, extensive_search=False)
        if first and not first.endswith(metadata.YEAR_ONLY_SUFFIX):
            return None
        answers: dict[str, str | None] = {}
        try:
            for name, parts in VARIANTS.items():
                if parts is None:
                    answers[name] = None
                    continue
                extractors._external_date = external if parts[0] else nothing
                core.search_page = scan if parts[1] else nothing
                extractors.try_date_expr.cache_clear()
                start = time.process_time()
                found = find_date(tree, url=work.page.url, original_date=True, extensive_search=True)
                cpu[name] += time.process_time() - start
                answers[name] = found if found and not found.endswith(metadata.YEAR_ONLY_SUFFIX) else None
        finally:
            core.search_page, extractors._external_date = scan, external
        return answers

    truth = json.loads((args.truth / "ground-truth.json").read_text())
    counts = {name: [0, 0, 0, 0] for name in VARIANTS}  # right, page has no date, another day, none
    for pid in sorted(truth):
        answers = extensive_answers(args.truth, pid, truth[pid].get("url") or "")
        if answers is None:
            continue
        day = (truth[pid].get("publish_date") or "")[:10]
        for name, found in answers.items():
            counts[name][3 if not found else 0 if found[:10] == day else 1 if not day else 2] += 1
    print(f"{args.truth.name}, the extensive call's variants: right day / page has no date / another day / none")
    for name, (right, no_date, other, none) in counts.items():
        print(f"  {name:15s} {right:4d} {no_date:4d} {other:4d} {none:4d}   {cpu[name]:.2f} s CPU")
    cpu.update(dict.fromkeys(VARIANTS, 0.0))
    for name, directory in sets.items():
        if directory == args.truth:
            continue
        items = json.loads((directory / "ground-truth.json").read_text())
        reached, answered = 0, dict.fromkeys(VARIANTS, 0)
        changed = dict.fromkeys(VARIANTS, 0)
        for pid in sorted(items)[:: max(1, len(items) // args.variants_sample)]:
            answers = extensive_answers(directory, pid, items[pid].get("url") or "")
            if answers is None:
                continue
            reached += 1
            for variant, found in answers.items():
                answered[variant] += found is not None
                changed[variant] += found != answers["as is"]
        print(f"{name}: {reached} pages reach the extensive call; answered / changed from as is: "
              + ", ".join(f"{v} {answered[v]} / {changed[v]}" for v in VARIANTS))
    print("the other sets, CPU of the extensive call: " + ", ".join(f"{v} {cpu[v]:.2f} s" for v in VARIANTS))


if __name__ == "__main__":
    raise SystemExit(main())
