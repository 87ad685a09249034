"""Event linking: accuracy on the sample sites and false links among distinct articles; cost.

    python benchmarks/events.py [--limit N] [--scale N[,N...]]

1. **Sample sites** (fixtures/sites): the stories stored by ``newscrawl ingest`` and their
   events; the wire story and the Northern Sentinel's own report of the port explosion must share
   one, every other story (the same city's budget vote included) have its own.
2. **Distinct articles** (../shared/data/wcxb-dev-articles, ground-truth title and body): every
   pair compared as if all were published on the same day, the worst case for the date window;
   every pair that would be linked is printed (they are pairs on one subject: the set holds no
   two reports of one news event, so each is counted as a false link).
3. **Cost**: :func:`newscrawl.stages.events.event_terms` per article beside
   :func:`newscrawl.stages.fingerprint.fingerprint` (the stage before the store) on the same texts, and
   the store's linking (:func:`newscrawl.store.events.link_story`) beside the whole
   ``store_page`` of the same articles into a fresh SQLite database, all in this run.
4. **Scale** (``--scale``, default 100000): that many synthetic stories spread over three years,
   15 terms each drawn from a Zipf law (a few terms in most stories, as "#10" or a capital's name
   are), in SQLite; the candidate query for a new story (:func:`newscrawl.store.events.event_matches`,
   index range scans on (term, day)) beside the baseline of reading every story that shares a
   term and checking its date on the story, on the same database in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEV = ROOT.parent / "shared" / "data" / "wcxb-dev-articles"


def sample_sites() -> None:
    from sqlalchemy import text

    from newscrawl.cli import main as cli_main
    from newscrawl.store.db import make_engine
    from evaluation.samples import SITES, label_by_url

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'sample.db'}"
        cli_main(["ingest", str(SITES), "--db", url, "-q"])
        engine = make_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT DISTINCT event_id, story_key, url FROM story_versions")).all()
        engine.dispose()
    labels = label_by_url()
    by_event: dict[int, set[str]] = {}
    for event_id, _, page_url in rows:
        by_event.setdefault(event_id, set()).add(labels[page_url])
    print(f"Sample sites: {len({r[1] for r in rows})} stories in {len(by_event)} events")
    for event_id, event_labels in sorted(by_event.items()):
        print(f"  event {event_id}: {', '.join(sorted(event_labels))}")


def distinct_articles(limit: int | None) -> list[tuple[str | None, str]]:
    from newscrawl.stages.events import compare_terms, event_terms

    truth = json.loads((DEV / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    texts = [(truth[i].get("title"), truth[i]["articleBody"]) for i in ids]
    terms = [event_terms(t, b) for t, b in texts]
    pairs = linked = 0
    print(f"\nDistinct articles: {len(ids)} (all taken as published the same day)")
    for (a, ta), (b, tb) in itertools.combinations(zip(ids, terms), 2):
        pairs += 1
        match = compare_terms(ta, tb)
        if match.is_match:
            linked += 1
            print(f"  linked {a} {b}: {match.shared} shared ({match.shared_names} names), overlap "
                  f"{match.overlap:.2f}: {(truth[a].get('title') or '')[:40]!r} / {(truth[b].get('title') or '')[:40]!r}")
    sizes = [len(t) for t in terms]
    print(f"  pairs {pairs}, linked {linked} ({linked / max(pairs, 1):.5%}); terms per article: median "
          f"{statistics.median(sizes):.0f}, none on {sum(not s for s in sizes)}")
    return texts


def cost(texts: list[tuple[str | None, str]]) -> None:
    from newscrawl.stages.events import event_terms
    from newscrawl.stages.fingerprint import fingerprint

    def best_of(fn, repeat=3) -> list[float]:
        times = [float("inf")] * len(texts)
        for _ in range(repeat):
            for i, (title, body) in enumerate(texts):
                start = time.perf_counter()
                fn(title, body)
                times[i] = min(times[i], time.perf_counter() - start)
        return times

    terms_ms = statistics.median(best_of(event_terms)) * 1e3
    fp_ms = statistics.median(best_of(lambda _t, b: fingerprint(b))) * 1e3
    print(f"\nCost per article (median of best of 3): event_terms {terms_ms:.3f} ms; "
          f"fingerprint (baseline) {fp_ms:.3f} ms")

    from newscrawl.store import events as store_events
    from newscrawl.store import repository
    from newscrawl.store.db import open_database
    from evaluation.articles import make_article

    link_times: list[float] = []
    original = store_events.link_story

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            link_times.append(time.perf_counter() - start)

    repository.link_story = timed
    store_times = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            make_session = open_database(f"sqlite:///{Path(tmp) / 'events.db'}")
            day = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
            for i, (title, body) in enumerate(texts):
                art = make_article(f"https://site{i % 40}.example/a{i}", body, title=title or "untitled")
                art.record.published_at = day
                with make_session() as session:
                    start = time.perf_counter()
                    repository.store_page(session, art.page, art.record)
                    session.commit()
                    store_times.append(time.perf_counter() - start)
    finally:
        repository.link_story = original
    print(f"Store ({len(store_times)} new stories, one day, fresh SQLite): store_page median "
          f"{statistics.median(store_times) * 1e3:.2f} ms, of which link_story "
          f"{statistics.median(link_times) * 1e3:.2f} ms")


def scale(sizes: list[int], queries: int = 30) -> None:
    import numpy as np
    from sqlalchemy import case, func, insert, select

    from newscrawl.stages.events import EVENT_WINDOW_DAYS, MIN_SHARED_TERMS
    from newscrawl.store.db import open_database
    from newscrawl.store.events import day_number, event_matches
    from newscrawl.store.models import Event, Story, StoryEventTerm

    def baseline(session, terms, moment):
        # Every story sharing a term, its date checked on the story row.
        window = dt.timedelta(days=EVENT_WINDOW_DAYS)
        shared = func.count()
        names = func.sum(case((StoryEventTerm.term.like("#%"), 0), else_=1))
        return session.execute(
            select(StoryEventTerm.story_id, shared, names).join(Story, Story.id == StoryEventTerm.story_id)
            .where(StoryEventTerm.term.in_(sorted(terms)),
                   Story.first_seen_at.between(moment - window, moment + window))
            .group_by(StoryEventTerm.story_id).having(shared >= MIN_SHARED_TERMS)).all()

    start_day = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)
    for size in sizes:
        rng = np.random.default_rng(1)
        with tempfile.TemporaryDirectory() as tmp:
            make_session = open_database(f"sqlite:///{Path(tmp) / 'scale.db'}")
            with make_session() as session:
                session.execute(insert(Event.__table__), [{"id": 1, "title": None, "first_seen_at": start_day}])
                for first in range(0, size, 20000):
                    stories, terms = [], []
                    for i in range(first, min(size, first + 20000)):
                        seen = start_day + dt.timedelta(minutes=i * 3 * 365 * 24 * 60 // size)
                        stories.append({"id": i + 1, "key": f"{i:016x}", "first_seen_at": seen, "published_at": seen,
                                        "event_id": 1})
                        day = day_number(seen)
                        terms += [{"term": f"t{z}", "story_id": i + 1, "published_day": day, "seen_day": day}
                                  for z in {int(z) for z in rng.zipf(1.3, 15) if z < 300_000}]
                    session.execute(insert(Story.__table__), stories)
                    session.execute(insert(StoryEventTerm.__table__), terms)
                    session.commit()
                now = start_day + dt.timedelta(days=3 * 365)
                timings: dict[str, list[float]] = {"event_matches (day index)": [], "baseline (date on stories)": []}
                for _ in range(queries):
                    terms = frozenset(f"t{int(z)}" for z in rng.zipf(1.3, 15) if z < 300_000)
                    for name, run, run_args in (
                            ("event_matches (day index)", event_matches, (session, 0, terms, now, now)),
                            ("baseline (date on stories)", baseline, (session, terms, now))):
                        begin = time.perf_counter()
                        run(*run_args)
                        timings[name].append(time.perf_counter() - begin)
        print(f"\nScale: {size} stories over three years, {queries} new stories looked up (SQLite)")
        for name, values in timings.items():
            print(f"  {name:28s} median {statistics.median(values) * 1e3:7.1f} ms   max {max(values) * 1e3:7.1f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="dev articles to compare (default: all)")
    parser.add_argument("--scale", default="100000", help="synthetic store sizes, comma-separated (0: skip)")
    args = parser.parse_args(argv)
    sample_sites()
    texts = distinct_articles(args.limit)
    cost(texts)
    sizes = [int(n) for n in args.scale.split(",") if int(n)]
    if sizes:
        scale(sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
