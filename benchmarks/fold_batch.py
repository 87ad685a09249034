"""The word-count fold per batch size: rows written and CPU a story, the batch's transaction, lag.

    python benchmarks/fold_batch.py [--sizes 64,128,256,512] [--stream 3072] [--prefill 10000]
                                    [--databases sqlite,postgresql] [--lag yes|no|only]
    python benchmarks/fold_batch.py --counter [--sizes ...]
    python benchmarks/fold_batch.py --store-share RECORDS [--limit 300] [--sizes ...]

Word sets are real: ``stored_word_set`` of the ground-truth bodies of ../shared/data
(wcxb-dev-articles and the extraction sets), each body once, shuffled (seeded) so a batch
mixes corpora as a crawl mixes sites. The first ``--stream`` bodies are the stories stored
while timing; the counts already in the database are those of ``--prefill`` stories made of
the sentences of the *other* bodies (benchmarks/lsh_scale.py's ``article``: 12 to 40 sentences
drawn at random), so a batch meets the common words already counted and its own rare words
new, as a store holding 10,000 stories would.

Per database kind and batch size (``FOLD_EVERY`` passed as ``every``), a fresh database (a
scratch SQLite file; a scratch PostgreSQL schema) gets the prefill's counts, then each stream
story in a transaction of its own: a ``stories`` row and its ``story_features`` row (its real
words, anchors and word set) inserted, ``fold_word_counts`` (the store's own call), commit.
Timed per story, in the same loop: the insert (the baseline: a minimal store of the story), the
fold call, the commit (wall and this process's CPU). Printed per size: folds, the word rows
each fold upserted (distinct words of the batch's word sets, from the word sets themselves;
two more rows are the bookkeeping) per story, the fold's CPU per story (the fold calls plus
the fold transactions' commits beyond a plain commit's median), the fold transaction (fold +
commit) wall and CPU p50 / max beside the plain transaction's p50 / p95, and the p95 / p99 of
all the stream's transactions.

``--counter``: COUNTER's same-event figures (benchmarks/story_evidence.py's COUNTER run: every
agency story stored, then every newspaper story, through the real pipeline and store) with
``FOLD_EVERY`` set to each of ``--sizes`` in turn, nothing else timed.

``--store-share RECORDS``: the fold's share of the store's CPU on real pages: the ``new`` round
of benchmarks/store_step.py (its ``--records`` pickle, made if missing; ``--limit`` pages)
through ``store_page`` + commit, the store's ``fold_word_counts`` calls timed inside it, at
each of ``--sizes``, nothing else run.

``--lag``: whether the event evidence's decision (``words_event_figure``) changes when the
counts lag: every pair of stream bodies whose plain Jaccard reaches ``WEIGHTED_FLOOR`` (the
pairs the weights decide), decided when the later one is stored, with the counts of every
story before it (prefill + stream so far) and with those of the whole batches of each size
counted by then; the change of the word weights on those pairs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from bisect import bisect_left
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from lsh_scale import DATA, SENTENCE_END, article  # noqa: E402
from store_step import pct, scratch_database  # noqa: E402


def real_bodies(data: Path = DATA) -> list[str]:
    """Every distinct non-empty ground-truth body under ``data``."""
    files = [data / "wcxb-dev-articles" / "ground-truth.json",
             *sorted((data / "extraction").glob("*/ground-truth.json"))]
    seen: set[str] = set()
    out: list[str] = []
    for path in files:
        for entry in json.loads(path.read_text(encoding="utf-8")).values():
            body = (entry.get("articleBody") if isinstance(entry, dict) else None) or ""
            if body.strip() and body not in seen:
                seen.add(body)
                out.append(body)
    return out


def sentences_of(bodies: list[str]) -> list[str]:
    seen: set[str] = set()
    pool: list[str] = []
    for body in bodies:
        for paragraph in body.split("\n"):
            for sentence in SENTENCE_END.split(paragraph.strip()):
                if 6 <= len(sentence.split()) <= 60 and sentence not in seen:
                    seen.add(sentence)
                    pool.append(sentence)
    return pool


def word_set(raw: bytes) -> list[int]:
    return np.frombuffer(raw, dtype="<u4").tolist()


def prefill_counts(word_sets: list[bytes]) -> Counter:
    counts: Counter[int] = Counter()
    for raw in word_sets:
        counts.update(word_set(raw))
    return counts


def run(kind: str, every: int, prefill: Counter, prefill_stories: int, stream: list[tuple]) -> dict:
    from sqlalchemy import delete, insert

    from newscrawl.store.db import open_database
    from newscrawl.store.models import COUNTED_THROUGH, STORIES_COUNTED, Story, StoryFeatures, WordCount
    from newscrawl.store.word_counts import fold_word_counts, stories_counted

    url, drop = scratch_database(kind)
    try:
        make_session = open_database(url)
        with make_session() as s:
            rows = [{"hash": h, "stories": n} for h, n in sorted(prefill.items())]
            rows.append({"hash": STORIES_COUNTED, "stories": prefill_stories})
            s.execute(delete(WordCount).where(WordCount.hash.in_([COUNTED_THROUGH, STORIES_COUNTED])))
            rows.append({"hash": COUNTED_THROUGH, "stories": 0})
            for i in range(0, len(rows), 10_000):
                s.execute(insert(WordCount), rows[i:i + 10_000])
            s.commit()
        now = dt.datetime.now(dt.timezone.utc)
        t = {k: [] for k in ("insert", "insert cpu", "fold", "fold cpu", "commit", "commit cpu", "all")}
        folds: list[tuple[int, int, int]] = []  # (story index, stories counted, word rows)
        pending: list[int] = []
        for n, (words, anchors, named, ws) in enumerate(stream):
            with make_session() as s:
                c0, w0 = time.process_time(), time.perf_counter()
                sid = s.execute(insert(Story).values(key=f"{n:064x}", first_seen_at=now)).inserted_primary_key[0]
                s.execute(insert(StoryFeatures).values(story_id=sid, words=words, anchor_pairs=anchors,
                                                       named=named, word_set=ws))
                c1, w1 = time.process_time(), time.perf_counter()
                counted = fold_word_counts(s, sid, every=every)
                c2, w2 = time.process_time(), time.perf_counter()
                s.commit()
                c3, w3 = time.process_time(), time.perf_counter()
            pending.append(n)
            if counted:
                batch, pending = pending[:counted], pending[counted:]
                folds.append((n, counted, len(set().union(*(word_set(stream[i][3]) for i in batch)))))
            for key, value in (("insert", w1 - w0), ("insert cpu", c1 - c0), ("fold", w2 - w1),
                               ("fold cpu", c2 - c1), ("commit", w3 - w2), ("commit cpu", c3 - c2),
                               ("all", w3 - w0)):
                t[key].append(value * 1000)
        with make_session() as s:
            total = stories_counted(s)
        make_session.kw["bind"].dispose()
    finally:
        drop()
    fold_at = {i for i, _, _ in folds}
    plain = [i for i in range(len(stream)) if i not in fold_at]
    commit_cpu_plain = statistics.median(t["commit cpu"][i] for i in plain)
    fold_cpu = sum(t["fold cpu"]) + sum(max(0.0, t["commit cpu"][i] - commit_cpu_plain) for i in fold_at)
    fold_txn = [t["fold"][i] + t["commit"][i] for i in fold_at]
    fold_txn_cpu = [t["fold cpu"][i] + t["commit cpu"][i] for i in fold_at]
    plain_txn = [t["all"][i] for i in plain]
    return {
        "kind": kind, "every": every, "stories": len(stream), "folds": len(folds),
        "counted": sum(c for _, c, _ in folds), "counted total": total - prefill_stories,
        "rows per story": sum(r for _, _, r in folds) / max(1, sum(c for _, c, _ in folds)),
        "rows per fold": statistics.median(r for _, _, r in folds) if folds else 0,
        "fold cpu per story": fold_cpu / len(stream),
        "check cpu p50": statistics.median(t["fold cpu"][i] for i in plain),
        "fold txn p50": statistics.median(fold_txn) if folds else 0,
        "fold txn max": max(fold_txn, default=0),
        "fold txn cpu p50": statistics.median(fold_txn_cpu) if folds else 0,
        "fold txn cpu max": max(fold_txn_cpu, default=0),
        "plain txn p50": statistics.median(plain_txn), "plain txn p95": pct(plain_txn, .95),
        "insert cpu p50": statistics.median(t["insert cpu"]),
        "all p95": pct(t["all"], .95), "all p99": pct(t["all"], .99), "all max": max(t["all"]),
    }


def report(results: list[dict]) -> None:
    print(f"{'db':10s} {'every':>5s} {'folds':>5s} {'rows/story':>10s} {'rows/fold':>9s} "
          f"{'fold CPU/story':>14s} {'check CPU':>9s}  {'fold txn p50/max':>16s} {'CPU p50/max':>13s}  "
          f"{'plain txn p50/p95':>17s}  {'all p95/p99/max':>18s}")
    for r in results:
        print(f"{r['kind']:10s} {r['every']:5d} {r['folds']:5d} {r['rows per story']:10.1f} "
              f"{r['rows per fold']:9.0f} {r['fold cpu per story']:11.3f} ms {r['check cpu p50']:6.3f} ms  "
              f"{r['fold txn p50']:7.1f}/{r['fold txn max']:6.1f} ms {r['fold txn cpu p50']:5.1f}/"
              f"{r['fold txn cpu max']:5.1f} ms  {r['plain txn p50']:6.2f}/{r['plain txn p95']:6.2f} ms  "
              f"{r['all p95']:5.2f}/{r['all p99']:6.2f}/{r['all max']:6.1f} ms"
              + ("" if r["counted"] == r["counted total"] else "  (counted mismatch!)"))


def lag_effect(stream_sets: list[frozenset[int]], prefill: Counter, prefill_stories: int,
               sizes: list[int]) -> None:
    """Decisions of the pairs past the floor with the counts up to date and as batches of each
    of ``sizes`` leave them."""
    from scipy import sparse

    from newscrawl.stages.fingerprint.words import WEIGHTED_FLOOR, WordCounts, words_event_figure

    vocab: dict[int, int] = {}
    rows, cols = [], []
    for i, ws in enumerate(stream_sets):
        for h in ws:
            rows.append(i)
            cols.append(vocab.setdefault(h, len(vocab)))
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)),
                          shape=(len(stream_sets), len(vocab)))
    shared = (m @ m.T).tocoo()
    sizes_of = np.array([len(ws) for ws in stream_sets])
    pairs = [(int(i), int(j)) for i, j, k in zip(shared.row, shared.col, shared.data)
             if i < j and k / (sizes_of[i] + sizes_of[j] - k) >= WEIGHTED_FLOOR]
    positions: dict[int, list[int]] = {}
    for i, ws in enumerate(stream_sets):
        for h in ws:
            positions.setdefault(h, []).append(i)

    def counts_before(words: set[int], upto: int) -> WordCounts:
        """The counts of the prefill and of the first ``upto`` stream stories."""
        return WordCounts(prefill_stories + upto,
                          {h: prefill.get(h, 0) + bisect_left(positions.get(h, []), upto) for h in words})

    print(f"pairs of stream bodies with plain Jaccard >= {WEIGHTED_FLOOR} (decided when the later "
          f"is stored, counts of the {prefill_stories} prefill stories and of the stream before it): "
          f"{len(pairs)}")
    for every in [1, *sizes]:
        linked, changed, dws = 0, 0, []
        for i, j in pairs:
            a, b = stream_sets[i], stream_sets[j]
            words = set(a | b)
            now = counts_before(words, j)
            lagged = counts_before(words, (j // every) * every)  # whole batches counted
            fig_now, fig_lag = words_event_figure(a, b, now), words_event_figure(a, b, lagged)
            linked += fig_lag is not None
            changed += (fig_now is None) != (fig_lag is None)
            dws.extend(abs(now.weight(h) - lagged.weight(h)) for h in words)
        label = "up to date" if every == 1 else f"FOLD_EVERY {every}"
        print(f"  {label:14s} linked {linked:5d}, decisions unlike up to date {changed:3d}; word weight "
              f"change median {statistics.median(dws):.4f}, p99 {pct(dws, .99):.4f}, max {max(dws):.4f}")


def store_share(kind: str, every: int, items) -> None:
    """The CPU of the fold calls inside ``store_page`` + commit of the new stories ``items``."""
    import newscrawl.store.matching as matching
    import newscrawl.store.word_counts as word_counts
    from newscrawl.store.db import open_database
    from newscrawl.store.repository import store_page

    real = matching.fold_word_counts
    spent = {"cpu": 0.0, "calls": 0, "folds": 0}

    def timed(session, story_id, **kw):
        start = time.process_time()
        counted = real(session, story_id, **kw)
        spent["cpu"] += time.process_time() - start
        spent["calls"] += 1
        spent["folds"] += bool(counted)
        return counted

    word_counts.FOLD_EVERY, matching.fold_word_counts = every, timed
    url, drop = scratch_database(kind)
    total = 0.0
    try:
        make_session = open_database(url)
        for page, record in items:
            with make_session() as s:
                start = time.process_time()
                store_page(s, page, record, source="bench")
                s.commit()
                total += time.process_time() - start
        make_session.kw["bind"].dispose()
    finally:
        matching.fold_word_counts = real
        drop()
    calls = max(1, spent["calls"])
    print(f"{kind:10s} FOLD_EVERY {every:3d}: {spent['calls']} new stories, {spent['folds']} folds; "
          f"store_page + commit {total * 1000 / calls:.2f} ms CPU a story, the fold calls in it "
          f"{spent['cpu'] * 1000 / calls:.3f} ms ({spent['cpu'] / max(total, 1e-9):.1%})", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="64,128,256,512")
    parser.add_argument("--stream", type=int, default=3072, help="real stories stored while timing")
    parser.add_argument("--prefill", type=int, default=10_000, help="stories already counted")
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--lag", choices=("yes", "no", "only"), default="yes",
                        help="the decisions check: also, not, or alone")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--counter", action="store_true", help="COUNTER's figures per size, only")
    parser.add_argument("--store-share", type=Path, metavar="RECORDS",
                        help="the fold's share of store_page's CPU on real pages, only")
    parser.add_argument("--limit", type=int, default=300, help="real pages for --store-share")
    args = parser.parse_args(argv)
    if args.store_share:
        from store_step import load_items

        items = [(page, record) for round_, page, record in load_items(args.limit, args.store_share)
                 if round_ == "new"]
        for kind in args.databases.split(","):
            for every in (int(x) for x in args.sizes.split(",")):
                store_share(kind, every, items)
        return 0
    if args.counter:
        import story_evidence

        import newscrawl.store.word_counts as word_counts
        for every in (int(x) for x in args.sizes.split(",")):
            word_counts.FOLD_EVERY = every
            print(f"\n===== FOLD_EVERY = {every}", flush=True)
            story_evidence.run_counter(None)
        return 0

    from newscrawl.stages.fingerprint.matching import stored_features, stored_word_set

    cpu = time.process_time()
    bodies = real_bodies()
    random.Random(args.seed).shuffle(bodies)
    stream_bodies, rest = bodies[:args.stream], bodies[args.stream:]
    stream = []
    for body in stream_bodies:
        words, anchors, named = stored_features(body)
        stream.append((words, anchors, named, stored_word_set(body)))
    pool = sentences_of(rest)
    prefill = prefill_counts([stored_word_set(article(pool, args.seed * 1_000_003 + k))
                              for k in range(args.prefill)])
    set_sizes = [len(word_set(s[3])) for s in stream]
    print(f"{len(bodies)} real bodies; stream {len(stream)} (word set p50 {statistics.median(set_sizes):.0f}, "
          f"mean {statistics.mean(set_sizes):.0f} words); prefill {args.prefill} stories of {len(pool)} sentences "
          f"of the other {len(rest)} bodies, {len(prefill)} distinct words; "
          f"prepared in {time.process_time() - cpu:.0f} s CPU", flush=True)
    sizes = [int(x) for x in args.sizes.split(",")]
    if args.lag != "no":
        lag_effect([frozenset(word_set(s[3])) for s in stream], prefill, args.prefill, sizes)
        if args.lag == "only":
            return 0
    results = []
    for kind in args.databases.split(","):
        for every in sizes:
            results.append(run(kind, every, prefill, args.prefill, stream))
            report(results[-1:])
            sys.stdout.flush()
    print()
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
