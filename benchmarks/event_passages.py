"""Shared passages (word k-grams, longest common run) of COUNTER's pairs, its different-story
pairs and the dev originals' pairs, beside whether main's rules put each in one event
(evaluation/passages.py). Writes the pairs' figures to a pickle for the rule grid.

    python benchmarks/event_passages.py OUT.pickle
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _engine(tmp: str, name: str):
    from benchmarks.story_evidence import scratch_sqlite
    from newscrawl.store.db import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp}/{name}.db")
    scratch_sqlite(engine)
    upgrade(engine)
    return engine


def main(argv: list[str] | None = None) -> int:
    from sqlalchemy.orm import sessionmaker

    from evaluation.corpus import evaluate, load_articles, one_day, stated_dates
    from evaluation.passages import counter_passage_pairs, dev_passage_pairs
    from evaluation.reuse import evaluate_counter, load_counter
    from evaluation.rewrites import counter_bodies

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    args = parser.parse_args(argv)
    log = lambda m: print("  " + m, file=sys.stderr)  # noqa: E731
    start = time.process_time()
    pairs = load_counter()
    cache = Path(args.out + ".counter")
    if cache.is_file():
        results = pickle.loads(cache.read_bytes())
    else:
        with tempfile.TemporaryDirectory() as tmp:
            engine = _engine(tmp, "counter")
            results = evaluate_counter(pairs, sessionmaker(engine, expire_on_commit=False), progress=log)
            engine.dispose()
        cache.write_bytes(pickle.dumps(results))
    bodies = counter_bodies(pairs)
    rows = counter_passage_pairs(pairs, results, bodies)
    log(f"COUNTER: {len(rows)} pairs measured; {sum(r.same_event for r in results)} in one event")
    articles = load_articles()
    dates_cache = Path(args.out + ".dates")
    if dates_cache.is_file():
        stated = pickle.loads(dates_cache.read_bytes())
    else:
        stated = stated_dates(articles, progress=log)
        dates_cache.write_bytes(pickle.dumps(stated))
    datings = {"stated": stated, "one-day": one_day(articles)}
    dev = {}
    for name, dates in datings.items():
        with tempfile.TemporaryDirectory() as tmp:
            engine = _engine(tmp, "dev")
            result = evaluate(articles, [], sessionmaker(engine, expire_on_commit=False), published=dates)
            engine.dispose()
        in_event = {frozenset((a, b)) for g in result.shared_events for i, a in enumerate(g) for b in g[i + 1:]}
        dev[name] = (dev_passage_pairs(articles, dates, in_event), in_event, len(result.false_merges))
        log(f"dev {name}: {len(in_event)} pairs in one event, {len(dev[name][0])} pairs sharing a 4-gram")
    with open(args.out, "wb") as f:
        pickle.dump({"counter": rows, "dev": dev}, f)
    print(f"CPU {time.process_time() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
