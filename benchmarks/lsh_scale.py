"""Story lookup and store per page against 10k, 100k (1M) stored stories of real-like text, SQLite.

    python benchmarks/lsh_scale.py [--sizes 10000,100000] [--probes 200] [--jobs 2]

Stored stories are distinct articles made of real sentences: every sentence (6 to 60 words) of
the ground-truth bodies of ../shared/data (wcxb-dev-articles and the extraction sets) is put in
one pool, and each story draws 12 to 40 of them at random (seeded), in paragraphs of three. Two
stories therefore share whole sentences now and then, and common phrases often, as unrelated
news texts do; random band hashes (benchmarks/lsh_layouts.py) share nothing, so no lookup there
ever meets a false candidate.

Filling: the texts are fingerprinted by the real ``fingerprint`` in ``--jobs`` processes and
written straight into the migrated database (stories, one first version each, their band rows
and verification features) by a plain sqlite3 connection: a bulk-load path, the rows the store
would write. Then, through
the real code on the real engine, ``--probes`` pages are timed, interleaved:

* ``new``: another generated article (its band candidates are all false);
* ``copy``: a stored story's text cut to its first two thirds with one new sentence added (its
  own story must be found among the candidates);

each as ``place`` alone (the lookup: exact hash, band query, verification of the candidates)
and as ``store_page`` + commit (a fresh session: lookup, locks, insert), and beside each
probe, in the same database and loop, the baseline: one plain INSERT of the page's URL and body
and a commit. Printed per size: false candidates per probe (band-sharing stories that are not
the probe's own, all of them: ``place`` verifies at most ``MAX_BAND_CANDIDATES``) and per
1,000 stored stories, copies found, p50/p95 of lookup, store and
baseline (wall clock, and below it this process's CPU time: on a loaded machine the
steadier figure). The false-candidate rate of the real articles themselves (pairs of distinct
wcxb-dev-articles bodies that share a band) is printed first, beside the generated texts'.
Last, per size, the verification of each ``new`` probe's candidates (at most
``MAX_BAND_CANDIDATES``, all false) timed both ways in the same loop: from the stored features
(``story_features``, what ``place`` reads) and from the bodies, tokenised (what it read before).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import re
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+")


def sentence_pool(data: Path = DATA) -> list[str]:
    """Every sentence of 6 to 60 words of the ground-truth bodies under ``data``, once."""
    files = [data / "wcxb-dev-articles" / "ground-truth.json",
             *sorted((data / "extraction").glob("*/ground-truth.json"))]
    seen: set[str] = set()
    pool: list[str] = []
    for path in files:
        truth = json.loads(path.read_text(encoding="utf-8"))
        for entry in truth.values():
            body = entry.get("articleBody") if isinstance(entry, dict) else None
            for paragraph in (body or "").split("\n"):
                for sentence in _SENTENCE_END.split(paragraph.strip()):
                    words = len(sentence.split())
                    if 6 <= words <= 60 and sentence not in seen:
                        seen.add(sentence)
                        pool.append(sentence)
    return pool


def article(pool: list[str], seed: int) -> str:
    rng = random.Random(seed)
    sentences = rng.sample(pool, rng.randint(12, 40))
    return "\n\n".join(" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3))


def copy_of(pool: list[str], body: str, seed: int) -> str:
    """A lead reprint of ``body`` (its first two thirds) with a sentence of another text added."""
    paragraphs = body.split("\n\n")
    kept = paragraphs[: max(1, (2 * len(paragraphs)) // 3)]
    return "\n\n".join(kept + [random.Random(seed).choice(pool)])


_POOL: list[str] = []


def _init(pool: list[str]) -> None:
    _POOL[:] = pool


def _fingerprint_range(start: int, stop: int) -> list[tuple]:
    from newscrawl.stages.fingerprint import fingerprint
    from newscrawl.stages.fingerprint.matching import stored_features

    out = []
    for i in range(start, stop):
        body = article(_POOL, i)
        fp = fingerprint(body)
        out.append((body, fp.body_hash, fp.bands, stored_features(body)))
    return out


def fill(path: str, pool: list[str], n: int, jobs: int) -> float:
    """Store ``n`` generated stories (seeds 0..n-1) in the migrated database at ``path``;
    returns seconds."""
    import sqlite3

    from newscrawl.store.models import url_hash

    started = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("PRAGMA cache_size = -262144")
    con.execute("BEGIN")
    con.execute("INSERT INTO sites (id, host, first_seen_at) VALUES (1, 'stored.example', "
                "'2026-01-01 00:00:00.000000')")
    at = "2026-01-01 00:00:00.000000"
    chunk = 2000
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_init, initargs=(pool,)) as workers:
        ranges = [(s, min(n, s + chunk)) for s in range(0, n, chunk)]
        for (start, _), rows in zip(ranges, workers.map(_fingerprint_range, *zip(*ranges))):
            stories, versions, bands, features = [], [], [], []
            for offset, (body, body_hash, fp_bands, (words, pairs, named)) in enumerate(rows):
                sid = start + offset + 1
                stories.append((sid, body_hash[:16] + f"-{sid}", at, sid))
                url = f"https://stored.example/{sid}"
                versions.append((sid, sid, 1, url, url_hash(url), body, body_hash,
                                 "[]", "[]", "[]", "[]", at, at, 1, "original", 1.0))
                bands.extend((b, h, sid) for b, h in enumerate(fp_bands))
                features.append((sid, words, pairs, named))
            con.executemany("INSERT INTO stories (id, key, first_seen_at, canonical_version_id) "
                            "VALUES (?, ?, ?, ?)", stories)
            con.executemany(
                "INSERT INTO versions (id, story_id, site_id, url, url_hash, body, body_hash, "
                "chrome_languages, repairs, authors, wire, first_fetched_at, last_fetched_at, "
                "fetch_count, derivation, similarity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?)", versions)
            con.executemany("INSERT OR IGNORE INTO story_bands (band, hash, story_id) VALUES (?, ?, ?)",
                            bands)
            con.executemany("INSERT INTO story_features (story_id, words, anchor_pairs, named) "
                            "VALUES (?, ?, ?, ?)", features)
    con.execute("COMMIT")
    con.execute("PRAGMA analysis_limit = 1000")
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def band_pairs_rate(bands_of: list[tuple[int, ...]]) -> tuple[int, int]:
    """(pairs sharing at least one band, all pairs) among texts with these bands."""
    by_band: dict[tuple[int, int], list[int]] = {}
    for i, bands in enumerate(bands_of):
        for b, h in enumerate(bands):
            by_band.setdefault((b, h), []).append(i)
    pairs = set()
    for members in by_band.values():
        if 1 < len(members) < 1000:
            pairs.update((a, b) for x, a in enumerate(members) for b in members[x + 1:])
    n = len(bands_of)
    return len(pairs), n * (n - 1) // 2


def real_rate() -> tuple[int, int, int]:
    from evaluation.corpus import load_articles
    from newscrawl.stages.fingerprint import fingerprint

    articles = load_articles()
    shared, pairs = band_pairs_rate([fingerprint(a.body).bands for a in articles])
    return len(articles), shared, pairs


def probe_size(path: str, pool: list[str], n: int, probes: int) -> dict[str, list]:
    from sqlalchemy import text

    from newscrawl.model import ArticleRecord, Page, site_of
    from newscrawl.stages.fingerprint import fingerprint
    from newscrawl.store.db import open_database
    from newscrawl.stages.fingerprint import TextFeatures, match_features
    from newscrawl.store.matching import (
        MAX_BAND_CANDIDATES,
        canonical_bodies,
        band_candidates,
        candidate_features,
        place,
    )
    from newscrawl.store.repository import store_page

    make_session = open_database(f"sqlite:///{path}")
    with make_session() as s:
        s.execute(text("CREATE TABLE baseline_pages (id INTEGER PRIMARY KEY, url TEXT, body TEXT)"))
        s.commit()
    out: dict[str, list] = {}

    def timed(key: str, wall: float, cpu: float) -> None:
        out.setdefault(key, []).append((time.perf_counter() - wall) * 1000)
        out.setdefault(key + " cpu", []).append((time.process_time() - cpu) * 1000)

    rng = random.Random(n)
    for p in range(probes):
        kind = "new" if p % 2 == 0 else "copy"
        if kind == "new":
            body, own = article(pool, 10_000_000 + n + p), None
        else:
            own = rng.randint(1, n)
            body = copy_of(pool, article(pool, own - 1), p)
        url = f"https://probe.example/{n}/{p}"
        record = ArticleRecord(url=url, site=site_of(url), title=f"Probe {p}", body=body,
                               language="en", fingerprint=fingerprint(body))
        page = Page.build(url, body.encode("utf-8"), {"Content-Type": "text/plain"})
        with make_session() as s:
            # Every band-sharing story, not only the MAX_BAND_CANDIDATES that place() verifies.
            candidates = band_candidates(s, record.fingerprint.bands, limit=10 ** 9)
            cpu, wall = time.process_time(), time.perf_counter()
            placement = place(s, url, body, record.fingerprint)
            timed(f"{kind} lookup", wall, cpu)
        out.setdefault(f"false {kind}", []).append(sum(c != own for c in candidates))
        if kind == "new":
            # The verification of the candidates place() verifies, read both ways in turn:
            # from the stored features, and from the bodies, tokenised (as before the table).
            first = candidates[:MAX_BAND_CANDIDATES]
            mine = TextFeatures.of(body)
            with make_session() as s:
                cpu, wall = time.process_time(), time.perf_counter()
                for theirs in candidate_features(s, first).values():
                    match_features(mine, theirs)
                timed("verify stored", wall, cpu)
            with make_session() as s:
                cpu, wall = time.process_time(), time.perf_counter()
                for canonical in canonical_bodies(s, first).values():
                    match_features(mine, TextFeatures.of(canonical))
                timed("verify bodies", wall, cpu)
        if kind == "copy":
            out.setdefault("found", []).append(placement.story_id == own)
        with make_session() as s:
            cpu, wall = time.process_time(), time.perf_counter()
            store_page(s, page, record, source="bench")
            s.commit()
            timed(f"{kind} store", wall, cpu)
        with make_session() as s:
            cpu, wall = time.process_time(), time.perf_counter()
            s.execute(text("INSERT INTO baseline_pages (url, body) VALUES (:u, :b)"), {"u": url, "b": body})
            s.commit()
            timed("baseline", wall, cpu)
    make_session.kw["bind"].dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2, help="processes fingerprinting the fill")
    parser.add_argument("--keep", type=Path, help="keep each database in this folder")
    args = parser.parse_args(argv)
    from newscrawl.stages.fingerprint import fingerprint
    from newscrawl.store.db import upgrade
    from newscrawl.store.matching import MAX_BAND_CANDIDATES

    pool = sentence_pool()
    print(f"sentence pool: {len(pool):,} sentences")
    arts, shared, pairs = real_rate()
    print(f"real distinct articles (wcxb-dev-articles, >= 100 words): {arts}; pairs sharing a band: "
          f"{shared} of {pairs:,} = {1000 * shared / pairs:.2f} per 1,000 stored stories")
    sample = 1500
    g_shared, g_pairs = band_pairs_rate([fingerprint(article(pool, 20_000_000 + i)).bands
                                         for i in range(sample)])
    print(f"generated articles ({sample}): pairs sharing a band: {g_shared} of {g_pairs:,} = "
          f"{1000 * g_shared / g_pairs:.2f} per 1,000 stored stories")
    print()
    print(f"{'stories':>9s} {'fill s':>7s} {'MB':>6s}  {'false/probe new':>15s} {'copy':>5s} "
          f"{'per 1k':>6s}  {'copies found':>12s}  {'lookup new p50/p95':>18s}  {'copy p50/p95':>13s}  "
          f"{'store new p50/p95':>17s}  {'copy p50/p95':>13s}  {'INSERT+commit p50/p95':>21s}")
    for n in (int(x) for x in args.sizes.split(",")):
        folder = args.keep or Path(tempfile.mkdtemp(prefix="lsh-scale-"))
        folder.mkdir(parents=True, exist_ok=True)
        path = str(folder / f"stories-{n}.db")
        upgrade(f"sqlite:///{path}")
        seconds = fill(path, pool, n, args.jobs)
        r = probe_size(path, pool, n, args.probes)
        size = Path(path).stat().st_size / 1e6
        fn, fc = statistics.mean(r["false new"]), statistics.mean(r["false copy"])

        def pp(key: str, r: dict = r) -> str:
            return f"{statistics.median(r[key]):.1f}/{pct(r[key], .95):.1f}"
        print(f"{n:9,d} {seconds:7.0f} {size:6.0f}  {fn:15.1f} {fc:5.1f} {1000 * fn / n:6.2f}  "
              f"{sum(r['found']):5d} of {len(r['found']):4d}  {pp('new lookup'):>18s}  "
              f"{pp('copy lookup'):>13s}  {pp('new store'):>17s}  {pp('copy store'):>13s}  "
              f"{pp('baseline'):>21s}", flush=True)
        print(f"{'CPU ms of this process:':>62s}  {pp('new lookup cpu'):>18s}  {pp('copy lookup cpu'):>13s}  "
              f"{pp('new store cpu'):>17s}  {pp('copy store cpu'):>13s}  {pp('baseline cpu'):>21s}",
              flush=True)
        print(f"{'verifying a new probe candidates (at most ' + str(MAX_BAND_CANDIDATES) + '), p50/p95 ms:':>62s}"
              f"  from stored features {pp('verify stored')} (CPU {pp('verify stored cpu')}),"
              f" from the bodies, tokenised {pp('verify bodies')} (CPU {pp('verify bodies cpu')})", flush=True)
        if args.keep is None:
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
