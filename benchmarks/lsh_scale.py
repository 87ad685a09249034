"""Story lookup and store per page against 10k, 100k (1M) stored stories of real-like text, SQLite.

    python benchmarks/lsh_scale.py [--sizes 10000,100000] [--probes 200] [--jobs 2]

Stored stories are distinct articles made of real sentences: every sentence (6 to 60 words) of
the ground-truth bodies of ../shared/data (wcxb-dev-articles and the extraction sets) is put in
one pool, and each story draws 12 to 40 of them at random (seeded), in paragraphs of three. Two
stories therefore share whole sentences now and then, and common phrases often, as unrelated
news texts do; random band hashes (benchmarks/lsh_layouts.py) share nothing, so no lookup there
ever meets a false candidate.

Filling (:func:`fill`): a bulk load, not the store's own code. What the store computes for a new
story (body hash, bands, verification features, word set, word bands, event terms) is assembled
from each sentence's parts, computed once per worker (benchmarks/fill_features.py): equal to the
store's own functions on the whole text, which compute the stories whose parts might not compose,
and one story in :data:`CHECK_EVERY` again to compare (a difference stops the fill). ``--jobs``
worker processes stage every row the store writes for a new story (site, story, its event, its
one version, raw page, fetch, band rows, word-band rows of its day, event terms, features) in
databases of their own; then, indexes and triggers dropped, a plain sqlite3 connection copies
each table in sorted by its key; the full-text rows and the counts the triggers keep (migration
0013) are written in one statement each; then the indexes and triggers are created again from
their own SQL and ANALYZE runs. Stories are spread over days, ``--per-day`` a day ending today (a
crawl's days; word bands and event terms are looked up within days of a text's own), over
300 sites; half state a publication date. Stories are not linked into events among themselves
(each has its own). ``--keep DIR --fill-only`` fills and keeps; ``--keep DIR --reuse
--probe-offset N`` probes a kept database again with new probes.

Then, through the real code on the real engine, ``--probes`` pages are timed, interleaved:

* ``new``: another generated article (its band candidates are all false);
* ``copy``: a stored story's text cut to its first two thirds with one new sentence added (its
  own story must be found among the candidates);

each as ``place`` alone (the lookup: exact hash, band query, verification of the candidates)
and as ``store_page`` + commit (a fresh session: lookup, locks, insert): half the probes of a
kind (drawn by number) with the store computing its own pure work (gzip, verification hashes, word bands and set,
event terms: the "store" columns), the others with those values computed ahead as a stage
worker does in the live crawl and ``newscrawl ingest`` (``store_precomputed``, untimed: the
storing process's work, printed apart with the worker's CPU); and beside each
probe, in the same database and loop, the baseline: one plain INSERT of the page's URL and body
and a commit. Printed per size: false candidates per probe (band-sharing stories that are not
the probe's own, all of them: ``place`` verifies at most ``MAX_BAND_CANDIDATES``) and per
1,000 stored stories, copies found, p50/p95 of lookup, store and
baseline (wall clock, and below it this process's CPU time: on a loaded machine the
steadier figure). The false-candidate rate of the real articles themselves (pairs of distinct
wcxb-dev-articles bodies that share a band) is printed first, beside the generated texts'.
Last, per size, the verification of each ``new`` probe's candidates (at most
``MAX_BAND_CANDIDATES``, all false) timed three ways in the same loop: from the stored features
(``story_features``), from the bodies, tokenised (what ``place`` read before the table), and
what ``place`` runs now (``verify_candidates``: stored features, chance candidates screened
out by their containment on arrays before any set is built).
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
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
DATA = ROOT.parent / "shared" / "data"

SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+")


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
                for sentence in SENTENCE_END.split(paragraph.strip()):
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
_PARTS: list = []
#: One stored story in this many is also computed by the store's own functions on its whole
#: text and compared with the assembled features (benchmarks/fill_features.py): a difference
#: stops the fill.
CHECK_EVERY = 499


def _init(pool: list[str]) -> None:
    from fill_features import Parts

    _POOL[:] = pool
    _PARTS[:] = [Parts(pool)]


def _title(body: str) -> str:
    return " ".join(body.split()[:10])


def _features_range(start: int, stop: int) -> list[tuple]:
    """What the store computes for a new story, for the generated stories ``start..stop-1``,
    assembled from the stories' sentences' parts (benchmarks/fill_features.py), with the raw
    page's hash and compressed bytes."""
    import gzip
    import hashlib

    from fill_features import article_ids, features, real_features

    parts = _PARTS[0]
    out = []
    for i in range(start, stop):
        body = article(_POOL, i)
        title = _title(body)
        body_hash, bands, feats, w_bands, terms = features(parts, article_ids(len(_POOL), i), body, title)
        if i % CHECK_EVERY == 0 and (body_hash, bands, feats, w_bands, terms) != real_features(body, title):
            raise RuntimeError(f"story {i}: assembled features differ from the store's own")
        raw = body.encode("utf-8")
        out.append((body, title, body_hash, bands, feats, w_bands, terms, hashlib.sha256(raw).hexdigest(),
                    len(raw), gzip.compress(raw, compresslevel=6, mtime=0)))
    return out


#: Sites the stored stories are spread over.
FILL_SITES = 300

#: The rows of a new story, table by table: staged by each worker in a database of its own
#: (columns in the order of the insert into the real table), merged by :func:`fill`.
_STAGED = {
    "stories": "id, key, title, first_seen_at, canonical_version_id, event_id, published_at",
    "events": "id, title, first_seen_at, first_day, last_day",
    "versions": "id, story_id, site_id, url, url_hash, title, body, body_hash, language, chrome_languages, "
                "repairs, authors, wire, published_at, first_fetched_at, last_fetched_at, fetch_count, "
                "derivation, similarity",
    "raw_pages": "id, sha256, size, content, headers, url",
    "fetches": "id, url, site_id, source, fetched_at, status, content_type, outcome, version_id, raw_page_id",
    # A story's band and word-band hashes staged as one JSON array each (a row per band made in
    # Python costs more than the rest of the story's rows): json_each numbers them at the merge.
    "story_bands": "story_id, hashes",
    "story_word_bands": "story_id, day, hashes",
    "story_event_terms": "term, story_id, published_day, seen_day",
    "story_features": "story_id, words, anchor_pairs, named, word_set",
}
_STAGE: list = []
#: Threads SQLite's sorter may use besides the writing process's own.
SORT_THREADS = 2


def story_day(sid: int, n: int, per_day: int, today: int) -> int:
    """The day (days since 1970-01-01) of stored story ``sid`` of ``n``: ``per_day`` a day, the
    last ones today."""
    return today - (n - sid) // per_day


def _stage_range(folder: str, n: int, per_day: int, today: int, start: int, stop: int) -> tuple[str, Counter]:
    """Stage the rows ``store_page`` writes for new stories ``start+1..stop`` (seeds
    ``start..stop-1``) in this worker's own database under ``folder``; (its path, the stories
    holding each word-set hash among these)."""
    import datetime as dt
    import os
    import sqlite3
    from json import dumps

    from newscrawl.store.models import OUTCOME_NEW_STORY, url_hash

    if not _STAGE:
        path = os.path.join(folder, f"stage-{os.getpid()}.db")
        con = sqlite3.connect(path, isolation_level=None)
        for pragma in ("synchronous = OFF", "journal_mode = OFF", "cache_size = -65536"):
            con.execute(f"PRAGMA {pragma}")
        for table, columns in _STAGED.items():
            con.execute(f"CREATE TABLE {table} ({columns})")
        _STAGE[:] = [path, con]
    path, con = _STAGE
    rows: dict[str, list] = {table: [] for table in _STAGED}
    stories, events, versions, pages, fetches, bands, words, terms, features = rows.values()
    counts: Counter[int] = Counter()
    for offset, (body, title, body_hash, fp_bands, feats, w_bands, t, sha, size, packed) \
            in enumerate(_features_range(start, stop)):
        sid = start + offset + 1
        day = story_day(sid, n, per_day, today)
        date = dt.date(1970, 1, 1) + dt.timedelta(days=day)
        at = f"{date} {sid % 86400 // 3600:02d}:{sid % 3600 // 60:02d}:{sid % 60:02d}.000000"
        # Half the pages state their publication date (the day they were fetched).
        published = at if sid % 2 else None
        site = sid % FILL_SITES + 1
        url = f"https://site{site - 1}.example/news/{sid}"
        stories.append((sid, body_hash[:16] + f"-{sid}", title, at, sid, sid, published))
        events.append((sid, title, at, str(date), str(date)))
        versions.append((sid, sid, site, url, url_hash(url), title, body, body_hash, "en",
                         "[]", "[]", "[]", "[]", published, at, at, 1, "original", 1.0))
        pages.append((sid, sha, size, packed, "{}", url))
        fetches.append((sid, url, site, "bench", at, 200, "text/html", OUTCOME_NEW_STORY, sid, sid))
        bands.append((sid, dumps(fp_bands)))
        words.append((sid, day, dumps(w_bands)))
        terms.extend((term, sid, day if published else None, day) for term in t)
        features.append((sid, *feats))
        counts.update(np.frombuffer(feats[3], dtype="<u4").tolist())  # a set: each hash once
    con.execute("BEGIN")
    for table, columns in _STAGED.items():
        marks = ", ".join("?" * (columns.count(",") + 1))
        con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows[table])
    con.execute("COMMIT")
    return path, counts


def _bounded_map(workers, calls: list[tuple], ahead: int):
    """The result of each call of ``calls`` in order, at most ``ahead`` calls running ahead of
    the one awaited."""
    pending: list = []
    for call in calls:
        pending.append(workers.submit(*call))
        if len(pending) > ahead:
            yield pending.pop(0).result()
    for future in pending:
        yield future.result()


def fill(path: str, pool: list[str], n: int, jobs: int, per_day: int) -> float:
    """Store ``n`` generated stories (seeds 0..n-1) in the migrated database at ``path``;
    returns seconds. A bulk load: ``jobs`` worker processes compute what the store computes for
    each new story and stage the rows it writes in databases of their own; then, indexes and
    triggers of ``path`` dropped, each table's rows are copied in sorted by its key, the
    full-text rows and counts the triggers keep are written in one statement each, and the
    indexes and triggers are created again from their own SQL."""
    import datetime as dt
    import shutil
    import sqlite3

    started, cpu = time.perf_counter(), time.process_time()
    stage = tempfile.mkdtemp(prefix="fill-stage-", dir=str(Path(path).parent))
    today = (dt.datetime.now(dt.timezone.utc).date() - dt.date(1970, 1, 1)).days
    chunk = 1000
    staged: set[str] = set()
    # The document frequencies of the word sets (``word_counts``, when the schema has it), as
    # the store's backfill would count them: added up here, written at the end.
    word_counts: Counter[int] = Counter()
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_init, initargs=(pool,)) as workers:
        calls = [(_stage_range, stage, n, per_day, today, s, min(n, s + chunk)) for s in range(0, n, chunk)]
        for k, (part, counts) in enumerate(_bounded_map(workers, calls, 4 * jobs)):
            staged.add(part)
            word_counts.update(counts)
            if k and (k * chunk) % 100_000 == 0:
                print(f"  staged {k * chunk:,} of {n:,} in {time.perf_counter() - started:.0f} s", flush=True)
    staged_at = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("PRAGMA cache_size = -524288")
    # Helper threads for SQLite's sorter (the sorted copies and the index builds).
    con.execute(f"PRAGMA threads = {SORT_THREADS}")
    schema = con.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                         "AND sql IS NOT NULL").fetchall()
    for kind, name, _ in schema:
        con.execute(f"DROP {kind.upper()} {name}")
    parts = sorted(staged)
    for k, part in enumerate(parts):
        con.execute(f"ATTACH DATABASE ? AS w{k}", (part,))
    con.execute("BEGIN")
    con.executemany("INSERT INTO sites (id, host, first_seen_at) VALUES (?, ?, '2025-01-01 00:00:00.000000')",
                    [(k + 1, f"site{k}.example") for k in range(FILL_SITES)])
    keys = {"story_bands": "band, hash, story_id", "story_word_bands": "band, hash, day, story_id",
            "story_event_terms": "story_id, term", "story_features": "story_id"}
    for table, staged_columns in _STAGED.items():
        columns = {"story_bands": "band, hash, story_id", "story_word_bands": "band, hash, day, story_id"} \
            .get(table, staged_columns)
        selected = columns.replace("band, hash", "j.key AS band, j.value AS hash") if "hashes" in staged_columns else columns
        source = ", json_each(hashes) AS j" if "hashes" in staged_columns else ""
        union = " UNION ALL ".join(f"SELECT {selected} FROM w{k}.{table}{source}" for k in range(len(parts)))
        extra = ", language, version_count, site_count" if table == "stories" else ""
        values = f"{columns}, 'en', 1, 1" if table == "stories" else columns
        # (Bands of a story may repeat: one row each, as the store's insert-or-ignore writes.)
        ignore = " OR IGNORE" if table in keys and table != "story_features" else ""
        con.execute(f"INSERT{ignore} INTO {table} ({columns}{extra}) SELECT {values} FROM ({union}) "
                    f"ORDER BY {keys.get(table, 'id')}")
    if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'word_counts'").fetchone():
        from newscrawl.store.models import COUNTED_THROUGH, STORIES_COUNTED

        word_counts[STORIES_COUNTED], word_counts[COUNTED_THROUGH] = n, n
        con.executemany("INSERT OR REPLACE INTO word_counts (hash, stories) VALUES (?, ?)",
                        sorted(word_counts.items()))
    # What the triggers of versions and stories keep (migration 0013), for all rows at once.
    if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'versions_fts'").fetchone():
        con.execute("INSERT INTO versions_fts (rowid, title, body) SELECT (story_id << 32) | id, "
                    "coalesce(title, ''), substr(body, 1, 250000) FROM versions ORDER BY 1")
    # One pass over versions (not one per site: no index on site_id yet).
    con.execute("UPDATE sites SET copies = c.n, stories_originated = c.n FROM "
                "(SELECT site_id, count(*) AS n FROM versions GROUP BY site_id) AS c "
                "WHERE c.site_id = sites.id")
    con.execute("COMMIT")
    merged_at = time.perf_counter()
    for k in range(len(parts)):
        con.execute(f"DETACH DATABASE w{k}")
    shutil.rmtree(stage)
    for _, _, sql in schema:
        con.execute(sql)
    con.execute("PRAGMA analysis_limit = 1000")
    con.execute("ANALYZE")
    con.close()
    print(f"  fill {n:,}: staged by {jobs} workers in {staged_at - started:.0f} s, merged sorted in "
          f"{merged_at - staged_at:.0f} s, indexes and ANALYZE {time.perf_counter() - merged_at:.0f} s; "
          f"this process's CPU {time.process_time() - cpu:.0f} s", flush=True)
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


def probe_size(path: str, pool: list[str], n: int, probes: int, offset: int = 0) -> dict[str, list]:
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
        verify_candidates,
    )
    from newscrawl.stages.fingerprint.matching import shingle_array, text_hashes
    from newscrawl.stages.fingerprint.words import word_set_hashes
    from newscrawl.stages.memo import primed
    from newscrawl.store.precompute import store_precomputed
    from newscrawl.store.repository import store_page

    make_session = open_database(f"sqlite:///{path}")
    with make_session() as s:
        s.execute(text("CREATE TABLE IF NOT EXISTS baseline_pages (id INTEGER PRIMARY KEY, url TEXT, body TEXT)"))
        s.commit()
    out: dict[str, list] = {}

    def timed(key: str, wall: float, cpu: float) -> None:
        out.setdefault(key, []).append((time.perf_counter() - wall) * 1000)
        out.setdefault(key + " cpu", []).append((time.process_time() - cpu) * 1000)

    rng = random.Random(n + offset)
    for p in range(offset, offset + probes):
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
            # What place() runs: the stored features, chance candidates screened out first.
            hashes = text_hashes(body)
            mine = TextFeatures.from_hashes(*hashes, word_set=word_set_hashes(body))
            with make_session() as s:
                cpu, wall = time.process_time(), time.perf_counter()
                verify_candidates(s, mine, shingle_array(hashes[0]), first, [], {})
                timed("verify screened", wall, cpu)
        if kind == "copy":
            out.setdefault("found", []).append(placement.story_id == own)
        # Half the probes of a kind, drawn by the probe's number (the same ones in every run), are
        # stored as the live crawl and ``newscrawl ingest`` store them: the store's pure work
        # (raw page's gzip, verification hashes, word bands and set, event terms) computed
        # ahead, in a stage worker, outside the storing process's step. Drawn, not alternated:
        # a WAL checkpoint falls every few new stories, and a fixed alternation would hand it
        # to one half.
        ahead = None
        if random.Random(f"ahead {p}").random() < 0.5:
            cpu = time.process_time()
            ahead = store_precomputed(page, record)
            out.setdefault("ahead cpu", []).append((time.process_time() - cpu) * 1000)
        with primed(ahead), make_session() as s:
            cpu, wall = time.process_time(), time.perf_counter()
            store_page(s, page, record, source="bench")
            s.commit()
            timed(f"{kind} store{' ahead' if ahead is not None else ''}", wall, cpu)
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
    parser.add_argument("--per-day", type=int, default=3000,
                        help="stored stories a day (their days end today): the word-band and event "
                             "lookups read the days around a text's own")
    parser.add_argument("--keep", type=Path, help="keep each database in this folder")
    parser.add_argument("--fill-only", action="store_true", help="fill (with --keep), do not probe")
    parser.add_argument("--reuse", action="store_true",
                        help="probe the databases an earlier run kept in --keep instead of filling")
    parser.add_argument("--probe-offset", type=int, default=0,
                        help="first probe number: probes of a reused database must be new pages")
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
    print(f"fill: a bulk load by sqlite3, not store_page: indexes and triggers dropped, the rows "
          f"store_page writes for a new story appended (bands, word bands, terms sorted in at the "
          f"end), full-text rows and counts in one statement each, indexes and triggers created "
          f"again; {args.per_day:,} stories a day ending today, {FILL_SITES} sites, one version each")
    print()
    print(f"{'stories':>9s} {'fill s':>7s} {'MB':>6s}  {'false/probe new':>15s} {'copy':>5s} "
          f"{'per 1k':>6s}  {'copies found':>12s}  {'lookup new p50/p95':>18s}  {'copy p50/p95':>13s}  "
          f"{'store new p50/p95':>17s}  {'copy p50/p95':>13s}  {'INSERT+commit p50/p95':>21s}")
    for n in (int(x) for x in args.sizes.split(",")):
        folder = args.keep or Path(tempfile.mkdtemp(prefix="lsh-scale-"))
        folder.mkdir(parents=True, exist_ok=True)
        path = str(folder / f"stories-{n}.db")
        if args.reuse and Path(path).exists():
            seconds = 0.0  # filled by an earlier run (--keep)
        else:
            upgrade(f"sqlite:///{path}")
            seconds = fill(path, pool, n, args.jobs, args.per_day)
        if args.fill_only:
            print(f"{n:9,d} {seconds:7.0f} {Path(path).stat().st_size / 1e6:6.0f}  (filled, not probed)")
            continue
        r = probe_size(path, pool, n, args.probes, args.probe_offset)
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
        print(f"{'store + commit, values computed ahead (a worker), CPU ms:':>62s}  "
              f"new {pp('new store ahead cpu')} (wall {pp('new store ahead')}), "
              f"copy {pp('copy store ahead cpu')} (wall {pp('copy store ahead')}); "
              f"the worker's CPU computing them {pp('ahead cpu')}", flush=True)
        print(f"{'verifying a new probe candidates (at most ' + str(MAX_BAND_CANDIDATES) + '), p50/p95 ms:':>62s}"
              f"  from stored features {pp('verify stored')} (CPU {pp('verify stored cpu')}),"
              f" from the bodies, tokenised {pp('verify bodies')} (CPU {pp('verify bodies cpu')}),"
              f" stored and screened (place's) {pp('verify screened')} (CPU {pp('verify screened cpu')})",
              flush=True)
        if args.keep is None:
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
