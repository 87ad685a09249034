"""Story-fingerprint evidence: precision and recall of "same story" per kind of copy, false merges.

    python benchmarks/story_evidence.py [--limit N] [--kinds exact,trimmed,...|none] [--pairs N]
                                        [--corpora evidence,counter] [--dates none,stated,one-day]

Builds the evidence corpus (evaluation/corpus.py) from ../shared/data/wcxb-dev-articles:
every article stored as an original through the real store (SQLite scratch file), then its
copies: exact, trimmed, edited, spun at three strengths, trimmed and spun, its real page and a
re-wrapped page (both through process_page). Prints per kind: recall, precision, where the
misses went and the derivations recorded; the false merges among the originals; and the
``--pairs`` most similar distinct articles with their containment and anchor figures (what
the thresholds in newscrawl/stages/fingerprint/matching.py must keep apart). The baseline beside the anchors
rule is containment alone at the old threshold (0.30), on the same copies in the same run.

``--dates``: the publication dates the originals are stored with, one run of the corpus per
name (``evaluation.corpus.DATINGS``): ``none`` (the default: every original undated on the one
download day), ``stated`` (the date each original's own saved page states, read by
``process_page``; undated when it states none), ``one-day`` (every original dated on the
download day: the worst case of a rule taken only by dated pairs). ``--kinds none`` stores the
originals only (their false merges and events, without copies).

``counter``: COUNTER's 600 Urdu agency -> newspaper pairs (evaluation/reuse.py) through the
real pipeline and store, agency stories first: per label and per domain, the share of
newspaper stories linked to their agency story, the share whose agency story was among the
verified candidates (the lookup's recall), and the share of pairs whose two stories are in
one event.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def containment_only_recall(articles, copies) -> dict[str, float]:
    """Recall per text kind of containment >= 0.30 alone against the original (the baseline)."""
    from newscrawl.stages.fingerprint import SAME_STORY_THRESHOLD, story_similarity

    body_of = {a.id: a.body for a in articles}
    hits: dict[str, list[bool]] = {}
    for c in copies:
        if c.body is not None:
            ok = story_similarity(body_of[c.article_id], c.body) >= SAME_STORY_THRESHOLD
            hits.setdefault(c.kind, []).append(ok)
    return {k: sum(v) / len(v) for k, v in hits.items()}


def scratch_sqlite(engine) -> None:
    """No fsync per commit: the database is thrown away after the run (the store's logic, not
    the disk, is what is measured)."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _no_sync(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous = OFF")


def counter_tables(results, *, domains: set[str] | None = None) -> list[str]:
    """Markdown rows: per label, overall and per domain, linked / candidate / same event."""
    from collections import defaultdict

    from evaluation.reuse import CHOSEN_ON, LABELS

    groups: dict[tuple[str, str], list] = defaultdict(list)
    for r in results:
        if domains is not None and r.pair.domain not in domains:
            continue
        split = "(chosen on)" if r.pair.domain in CHOSEN_ON else "(held out)"
        for dom in ("all", split, r.pair.domain):
            groups[(r.pair.label, dom)].append(r)
            groups[("any", dom)].append(r)
    lines = ["| label | domain | pairs | both stored | linked | candidate | same event | derivations |",
             "|---|---|---|---|---|---|---|---|"]
    doms = sorted({d for _, d in groups} - {"all", "(chosen on)", "(held out)"})
    for label in (*LABELS, "any"):
        for dom in ("all", "(chosen on)", "(held out)", *doms):
            rs = groups.get((label, dom))
            if not rs:
                continue
            n = len(rs)
            linked = sum(r.linked for r in rs)
            cand = sum(r.candidate for r in rs)
            event = sum(r.same_event for r in rs)
            ders: dict[str, int] = {}
            for r in rs:
                if r.linked and r.derivation:
                    ders[r.derivation] = ders.get(r.derivation, 0) + 1
            der = ", ".join(f"{k} {v}" for k, v in sorted(ders.items(), key=lambda kv: -kv[1]))
            stored = sum(r.stored for r in rs)
            lines.append(f"| {label} | {dom} | {n} | {stored} | {linked} ({linked / n:.3f}) |"
                         f" {cand} ({cand / n:.3f}) | {event} ({event / n:.3f}) | {der} |")
    return lines


def event_sizes(make_session) -> str:
    """How the stored stories fall into events: how many, the largest, the longest span, and
    how many events hold more than one agency story (reports of several agency stories: one
    event told by the agency more than once, or stories linked that are not one event)."""
    from collections import Counter

    from sqlalchemy import select

    from newscrawl.store.models import Event, Story, Version

    with make_session() as session:
        rows = session.execute(select(Story.event_id, Version.url).join(
            Version, Version.id == Story.canonical_version_id)).all()
        spans = [(e.last_day - e.first_day).days for e in session.execute(select(Event)).scalars()
                 if e.first_day is not None]
    size = Counter(event_id for event_id, _ in rows)
    agency = Counter(event_id for event_id, url in rows if "agency.example" in url)
    several = Counter(min(n, 5) for n in agency.values() if n > 1)
    return (f"events: {len(size)} for {len(rows)} stories; largest {max(size.values())} stories;"
            f" longest span {max(spans)} days; events with 2, 3, 4, 5+ agency stories:"
            f" {[several.get(k, 0) for k in (2, 3, 4, 5)]}")


def verification_cost(pairs) -> str:
    """Time of verifying each pair's two stored bodies, with the alignment rule and without it
    (the rules before it: the baseline), in the same run."""
    from evaluation.reuse import FETCHED_AT, article_page
    from newscrawl.model import Page
    from newscrawl.stages.fingerprint import matching
    from newscrawl.stages.process import run_steps

    features = []
    for p in pairs:
        bodies = []
        for text, day in ((p.source, p.source_date), (p.derived, p.derived_date)):
            url = "https://cost.example/a"
            record = run_steps(Page.build(url, article_page(text, url, day),
                                          {"Content-Type": "text/html; charset=utf-8"},
                                          fetched_at=FETCHED_AT)).record
            bodies.append(record.body if record.is_article else None)
        if all(bodies):
            features.append((matching.TextFeatures.of(bodies[0]), matching.TextFeatures.of(bodies[1])))
    floor = matching.ALIGN_MIN_CONTAINMENT
    out = []
    try:
        for label, value in (("without the alignment (baseline)", 2.0), ("with it", floor)):
            matching.ALIGN_MIN_CONTAINMENT = value
            start = time.perf_counter()
            for a, b in features:
                matching.match_features(a, b)
            out.append(f"{label} {(time.perf_counter() - start) / len(features) * 1e3:.2f} ms")
    finally:
        matching.ALIGN_MIN_CONTAINMENT = floor
    return f"verifying the {len(features)} stored pairs, a pair: " + ", ".join(out)


def run_counter(limit: int | None) -> int:
    from sqlalchemy.orm import sessionmaker

    from evaluation.reuse import (
        ReuseUnavailable,
        agency_files_in_one_story,
        different_stories_in_one_event,
        evaluate_counter,
        load_counter,
    )
    from newscrawl.store.db import make_engine, upgrade

    try:
        pairs = load_counter()
    except ReuseUnavailable as exc:
        print(f"story_evidence: {exc}", file=sys.stderr)
        return 2
    if limit:
        pairs = pairs[:limit]
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/counter.db")
        scratch_sqlite(engine)
        upgrade(engine)
        start = time.perf_counter()
        make_session = sessionmaker(engine, expire_on_commit=False)
        results = evaluate_counter(pairs, make_session,
                                   progress=lambda m: print("  " + m, file=sys.stderr))
        elapsed = time.perf_counter() - start
        events = event_sizes(make_session)
        engine.dispose()
    lost = sum(not r.stored for r in results)
    print(f"\nCOUNTER: {len(pairs)} pairs stored in {elapsed:.0f} s ({lost} not stored as articles)\n")
    print("\n".join(counter_tables(results)))
    print("\n" + events)
    apart = different_stories_in_one_event(results)
    print("different-story pairs published <= 3 days apart in one event: " + "; ".join(
        f"{k} {n} / {total} ({n / max(total, 1):.2%})" for k, (n, total) in apart.items()))
    strict = different_stories_in_one_event(results, strict=True)
    print("... of them with the newspaper story not in its own agency story's event (strict): " + "; ".join(
        f"{k} {n} / {total} ({n / max(total, 1):.2%})" for k, (n, total) in strict.items()))
    merged = agency_files_in_one_story(results)
    print("distinct agency files in one story (pairs, of them > 3 days apart): " + "; ".join(
        f"{k} {n} ({far})" for k, (n, far) in merged.items()))
    print("\n" + verification_cost(pairs))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N articles (pairs) only")
    parser.add_argument("--kinds", default=None, help="copy kinds, comma-separated; none: originals only")
    parser.add_argument("--dates", default="none", help="originals' dates, comma-separated runs")
    parser.add_argument("--pairs", type=int, default=12, help="hardest distinct pairs to list")
    parser.add_argument("--corpora", default="evidence,counter")
    args = parser.parse_args(argv)
    status = 0
    corpora = [c for c in args.corpora.split(",") if c]
    if "evidence" in corpora:
        for dating in [d for d in args.dates.split(",") if d]:
            status = run_evidence(args, dating) or status
    if "counter" in corpora:
        status = run_counter(args.limit) or status
    return status


def run_evidence(args, dating: str = "none") -> int:
    from sqlalchemy.orm import sessionmaker

    from evaluation.corpus import (
        KINDS,
        CorpusUnavailable,
        build_copies,
        dates_for,
        evaluate,
        hardest_distinct_pairs,
        load_articles,
    )
    from newscrawl.store.db import make_engine, upgrade


    try:
        articles = load_articles(limit=args.limit)
    except CorpusUnavailable as exc:
        print(f"story_evidence: {exc}", file=sys.stderr)
        return 2
    kinds = [] if args.kinds == "none" else [k for k in (args.kinds or ",".join(KINDS)).split(",") if k]
    copies = build_copies(articles, kinds)
    published = dates_for(dating, articles, progress=lambda m: print("  " + m, file=sys.stderr))
    dated = sum(d is not None for d in (published or {}).values())
    print(f"{len(articles)} articles (>= 100 words), {len(copies)} copies;"
          f" originals' dates: {dating} ({dated} dated)")

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/evidence.db")
        scratch_sqlite(engine)
        upgrade(engine)
        start = time.perf_counter()
        result = evaluate(articles, copies, sessionmaker(engine, expire_on_commit=False),
                          progress=lambda m: print("  " + m, file=sys.stderr), published=published)
        elapsed = time.perf_counter() - start
        engine.dispose()

    baseline = containment_only_recall(articles, copies)
    print(f"\nstored in {elapsed:.0f} s\n")
    print("| kind | copies | recall | precision | new story | other story | not article |"
          " containment >= 0.30 alone | derivations |")
    print("|---|---|---|---|---|---|---|---|---|")
    for kind in kinds:
        s = result.kinds.get(kind)
        if s is None:
            continue
        base = f"{baseline[kind]:.3f}" if kind in baseline else "-"
        ders = ", ".join(f"{d} {n}" for d, n in s.derivations.most_common())
        print(f"| {kind} | {s.copies} | {s.recall:.3f} | {s.precision:.3f} | {s.new_story} |"
              f" {s.other_story} | {s.not_article} | {base} | {ders} |")
    print(f"\nfalse merges among the {result.articles} originals: {len(result.false_merges)}"
          f" {result.false_merges[:10]}")
    print(f"same document twice in the data (same URL up to a slash): {result.duplicates_in_data}")
    pairs_in_events = sum(len(g) * (len(g) - 1) // 2 for g in result.shared_events)
    print(f"originals in an event with another original (dates: {dating}): "
          f"{sum(len(g) for g in result.shared_events)} in {len(result.shared_events)} events,"
          f" {pairs_in_events} pairs: {result.shared_events[:10]}")
    print(f"merges recorded in story_merges: {result.merges_recorded}")
    for kind, ids in sorted(result.misses.items()):
        print(f"misses {kind}: {ids[:15]}{' ...' if len(ids) > 15 else ''}")

    if args.pairs:
        print(f"\nthe {args.pairs} most similar distinct articles (containment, anchors, same?):")
        for a, b, m in hardest_distinct_pairs(articles, args.pairs):
            anchors = "-" if m.anchor_containment is None else f"{m.anchor_containment:.3f}"
            print(f"  {a} {b}  containment {m.containment:.3f}  anchors {anchors}"
                  f"  same_story {m.same_story}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
