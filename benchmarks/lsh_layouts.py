"""Story lookup + insert time against 10k-1M stored stories of random band hashes (SQLite):
the two story_bands layouts and revision 0006. Real-like texts: benchmarks/lsh_scale.py.

    python benchmarks/lsh_layouts.py [--sizes 10000,100000] [--probes 200] [--layouts rowid,without_rowid]
    nice -n 10 python benchmarks/lsh_layouts.py --sizes 10000,100000,1000000   # 1M: 17 GB, ~25 min

For each size N, a scratch SQLite database (the real schema, migrated by Alembic) gets N
synthetic stories with their band rows (``BAND_COUNT`` per story, random 64-bit hashes: what
unrelated texts' bands look like), generated inside SQLite by a child process, one band at a
time in primary-key order, with story_bands' secondary indexes built after the load (see
:func:`load_synthetic`). Then 100 real articles of ../shared/data/wcxb-dev-articles are stored
through ``store_page`` (so lookups have real stories to find and verify), and the probes are
timed through the real store code on the real engine: half are spun or trimmed copies of those
articles (a band lookup, candidates verified, a version inserted), half are new articles (a band
lookup finding nothing, a story and its bands inserted). Printed per N: the database size; the
median band query alone (the candidate query ``matching.place`` runs, its first run for the
probe: the index pages it needs are read from the OS cache or the disk); median and mean
milliseconds per page for the lookup (``matching.place``, run right after: exact-hash check,
band query on pages now cached, verification) and for the whole store (``store_page`` + commit:
lookup again, locks, insert of the new bands at random places of the index); copies found; and
memory: this process's resident set after the probes and its peak, and the loader's
peak (a separate process, so its page cache never counts here).

Baselines in the same run:

* the same band lookup with SQLite told not to use the indexes (``NOT INDEXED``), i.e. what a
  lookup costs when it reads all of story_bands: it grows linearly with N, the indexed lookup
  must not;
* ``--layouts``: each size is built once per story_bands layout, ``rowid`` (an ordinary SQLite
  table: a rowid b-tree holding the rows plus the primary key's separate index holding them
  again) and ``without_rowid`` (``WITHOUT ROWID``: the primary key's b-tree *is* the table).
  The layout is set on the empty table before the load (:func:`set_story_bands_layout`),
  whatever the migrations made, so both are measured by the same code in the same run. Both
  databases of a size are built first, then every probe is run on each in turn (alternating
  which goes first), so that load from other work on the machine falls on both alike; the RSS
  figures are then those of the process holding both. The size of story_bands itself (table
  and indexes, from SQLite's ``dbstat``) is printed beside the file's.

``--migrate``: after the probes of a ``rowid`` database, what revision 0006 costs on it: the
database is stamped at revision 0005 (what it is: an ordinary story_bands table) and upgraded
to head, timed; then the file size, the free pages the rebuild left in it (SQLite reuses them
as the database grows; only ``VACUUM`` gives them back to the file system) and ``VACUUM``'s
time and result.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLANTED = 100


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident set size (``VmRSS``) or its peak (``VmHWM``) from Linux /proc,
    else getrusage's peak (which, unlike VmHWM, a spawned process inherits from its parent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: story_bands layouts --layouts may name.
LAYOUTS = ("rowid", "without_rowid")


def set_story_bands_layout(con, layout: str) -> None:
    """Re-create the *empty* story_bands table of the sqlite3 connection ``con`` as an ordinary
    (``rowid``) or a ``WITHOUT ROWID`` table, from the CREATE TABLE statement the migrations
    stored (so columns, keys and constraints stay theirs; only the table option changes).
    Its indexes must have been dropped (the loader drops them and builds them after the load)."""
    sql = con.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'story_bands'").fetchone()[0]
    assert con.execute("SELECT COUNT(*) FROM story_bands").fetchone()[0] == 0, "not empty"
    body = sql.rstrip()
    if body.upper().endswith("WITHOUT ROWID"):
        body = body[: -len("WITHOUT ROWID")].rstrip()
    con.execute("DROP TABLE story_bands")
    con.execute(body + (" WITHOUT ROWID" if layout == "without_rowid" else ""))


def story_bands_bytes(con) -> dict[str, int]:
    """Bytes of each of story_bands' b-trees, the table's and its indexes' (``dbstat``)."""
    names = [name for (name,) in con.execute(
        "SELECT name FROM sqlite_master WHERE tbl_name = 'story_bands'"
        " AND type IN ('table', 'index')")]
    marks = ", ".join("?" for _ in names)
    return dict(con.execute(f"SELECT name, pgsize FROM dbstat WHERE aggregate = TRUE"
                            f" AND name IN ({marks})", names).fetchall())


def load_synthetic(path: str, n: int, band_count: int,
                   layout: str = "rowid") -> tuple[float, float, dict[str, int]]:
    """Insert ``n`` synthetic stories and their band rows into the migrated SQLite database at
    ``path``, story_bands in ``layout`` (see :func:`set_story_bands_layout`); returns (seconds,
    the loading process's peak RSS in MB, bytes of story_bands' b-trees).

    Runs in a child process (:func:`load_in_child`) on a plain sqlite3 connection, so that the
    loader's page cache and sort buffers never count in the measured process's memory. Scratch
    settings for the load only: no journal, no fsync, a 256 MB page cache, foreign keys off
    (the rows are consistent by construction). The measured lookups and inserts afterwards run
    on the real engine with its own settings.
    """
    import sqlite3

    start = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)  # autocommit: transactions are explicit
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("PRAGMA foreign_keys = OFF")
        con.execute("PRAGMA cache_size = -262144")  # KiB
        con.execute("PRAGMA temp_store = FILE")  # index sorts spill to disk, not to memory
        # story_bands' secondary indexes, dropped and built once after the load (one sort each)
        # instead of one random b-tree insert per row; their SQL is read from the schema, so
        # the load follows whatever the migrations made.
        secondary = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'story_bands'"
            " AND sql IS NOT NULL").fetchall()
        for name, _ in secondary:
            con.execute(f'DROP INDEX "{name}"')
        set_story_bands_layout(con, layout)
        con.execute("BEGIN")
        # Rows are generated inside SQLite (a recursive counter, random()): a Python executemany
        # loaded 47k rows/s here, far too slow for 128 million rows.
        counter = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        con.execute(f"{counter} INSERT INTO stories (id, key, first_seen_at) "
                    "SELECT i, printf('synthetic%012d', i), '2026-01-01 00:00:00.000000' FROM n",
                    (n,))
        for band in range(band_count):
            # One band at a time, sorted by hash: rows arrive in primary-key order (band, hash,
            # story_id), so the primary key's index only appends. random() is SQLite's 64-bit
            # PRNG, what unrelated texts' band hashes look like.
            con.execute(f"{counter} INSERT INTO story_bands (band, hash, story_id) "
                        "SELECT ?, h, i FROM (SELECT random() AS h, i FROM n) ORDER BY h, i",
                        (n, band))
        con.execute("COMMIT")
        for _, sql in secondary:
            con.execute(sql)
        # Planner statistics as a long-lived database would have them; a sample of each index
        # is enough (a full ANALYZE reads every one of the 128 million rows).
        con.execute("PRAGMA analysis_limit = 1000")
        con.execute("ANALYZE")
        seconds = time.perf_counter() - start
        bands_bytes = story_bands_bytes(con)  # reads story_bands' pages: not load time
    finally:
        con.close()
    return seconds, rss_mb("VmHWM"), bands_bytes


def load_in_child(path: str, n: int, band_count: int,
                  layout: str = "rowid") -> tuple[float, float, dict[str, int]]:
    """:func:`load_synthetic` in a fresh (spawned) process."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(load_synthetic, path, n, band_count, layout).result()


def scan_lookup_ms(session, bands: tuple[int, ...]) -> float:
    """The band lookup with story_bands' indexes disabled: the scan baseline.

    ``(band, hash) IN (VALUES ...)``: SQLite builds a temporary index of the 128 wanted pairs
    and probes it once per stored row, the cheapest scan there is (128 OR-ed comparisons per
    row cost 10x more).
    """
    from sqlalchemy import text

    pairs = ", ".join(f"({i}, {h})" for i, h in enumerate(bands))
    sql = text("SELECT story_id, COUNT(*) AS shared FROM story_bands NOT INDEXED"
               f" WHERE (band, hash) IN (VALUES {pairs})"
               " GROUP BY story_id ORDER BY shared DESC, story_id LIMIT 25")
    start = time.perf_counter()
    session.execute(sql).all()
    return (time.perf_counter() - start) * 1000


def time_migration(engine, path: str) -> dict[str, float]:
    """Revision 0006 on the ``rowid`` database at ``path`` (see the module docstring)."""
    import sqlite3

    from alembic import command
    from newscrawl.store.db import alembic_config, upgrade

    with engine.connect() as conn:
        command.stamp(alembic_config(conn), "0005")
        conn.commit()
    start = time.perf_counter()
    upgrade(engine)
    rebuild_s = time.perf_counter() - start
    engine.dispose()
    con = sqlite3.connect(path, isolation_level=None)
    try:
        free = (con.execute("PRAGMA freelist_count").fetchone()[0]
                * con.execute("PRAGMA page_size").fetchone()[0])
        size = Path(path).stat().st_size
        start = time.perf_counter()
        con.execute("VACUUM")
        vacuum_s = time.perf_counter() - start
    finally:
        con.close()
    return {"rebuild_s": rebuild_s, "size": size, "free": free, "vacuum_s": vacuum_s,
            "vacuumed": Path(path).stat().st_size}


def _scratch_connection(dbapi_connection, _record) -> None:
    # Scratch database: no fsync per commit (the lookup is measured, not the disk).
    dbapi_connection.execute("PRAGMA synchronous = OFF")


@dataclass
class LayoutRun:
    """One layout's database of one size, and its figures as the probes go."""

    path: str
    engine: object
    session: object
    db_gb: float
    bands_bytes: dict[str, int]
    load_s: float
    load_rss: float
    queries: list[float] = field(default_factory=list)
    lookups: list[float] = field(default_factory=list)
    stores: list[float] = field(default_factory=list)
    found: int = 0


def main(argv: list[str] | None = None) -> int:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from evaluation.corpus import CorpusUnavailable, load_articles, trimmed_copy
    from evaluation.spinner import spin
    from newscrawl.model import ArticleRecord, Page
    from newscrawl.stages.fingerprint import BAND_COUNT, fingerprint
    from newscrawl.store import store_page
    from newscrawl.store.db import make_engine, upgrade
    from newscrawl.store.matching import band_candidates, place

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="comma-separated story counts (default 10000,100000)")
    parser.add_argument("--probes", type=int, default=200, help="pages timed per size")
    parser.add_argument("--baseline-probes", type=int, default=3,
                        help="scan lookups per size (each reads all of story_bands)")
    parser.add_argument("--layouts", default=",".join(LAYOUTS),
                        help="story_bands layouts to build each size in (default: both, "
                             "rowid,without_rowid)")
    parser.add_argument("--migrate", action="store_true",
                        help="time revision 0006 (and VACUUM) on each rowid database afterwards")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    layouts = [name for name in args.layouts.split(",") if name]
    if unknown := set(layouts) - set(LAYOUTS):
        parser.error(f"unknown layouts: {', '.join(sorted(unknown))} (known: {', '.join(LAYOUTS)})")

    try:
        articles = load_articles()
    except CorpusUnavailable as exc:
        print(f"lsh_layouts: {exc}", file=sys.stderr)
        return 2
    planted = articles[:PLANTED]
    fresh = articles[PLANTED:]
    half = args.probes // 2
    probe_texts = []  # (url, body, kind)
    for i in range(half):
        art = planted[i % len(planted)]
        body = spin(art.body, 0.6, i) if i % 2 else trimmed_copy(art.body)
        probe_texts.append((f"https://copies.example/{i}", body, "copy"))
    for i in range(args.probes - half):
        art = fresh[i % len(fresh)]
        probe_texts.append((f"https://fresh.example/{art.id}/{i}", art.body, "new"))
    # Fingerprints are computed before timing: the store is measured, not the hashing.
    probes = [(url, body, kind, fingerprint(body)) for url, body, kind in probe_texts]
    at = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)

    def page_record(url: str, body: str, fp):
        page = Page.build(url, body.encode("utf-8"), {"Content-Type": "text/plain"}, fetched_at=at)
        record = ArticleRecord(url=url, site=url.split("/")[2], title=url, body=body,
                               language="en", fingerprint=fp)
        return page, record

    print(f"bands per story: {BAND_COUNT}; probes per size: {len(probes)} "
          f"({half} copies of stored stories, {len(probes) - half} new articles)")
    print("| stories | layout | band rows | db GB | story_bands GB | load s | band query median ms |"
          " lookup median ms | lookup mean ms | store median ms | store mean ms | copies found |"
          " scan lookup ms | RSS MB | peak RSS MB | loader peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    migrations = []
    for n in sizes:
        with tempfile.TemporaryDirectory(dir=None) as tmp:
            dbs = {}
            for layout in layouts:
                path = f"{tmp}/{layout}.db"
                engine = make_engine(f"sqlite:///{path}")
                event.listen(engine, "connect", _scratch_connection)
                upgrade(engine)
                engine.dispose()  # the loader must be the only connection to the file
                load_s, load_rss, bands_bytes = load_in_child(path, n, BAND_COUNT, layout)
                session = Session(engine)
                for art in planted:
                    url = f"https://originals.example/{art.id}"
                    store_page(session, *page_record(url, art.body, fingerprint(art.body)))
                session.commit()
                dbs[layout] = LayoutRun(path, engine, session, Path(path).stat().st_size / 1e9,
                                        bands_bytes, load_s, load_rss)
            for i, (url, body, kind, fp) in enumerate(probes):
                # The layouts take turns, first one then the other, probe by probe: whatever
                # else the machine runs meanwhile weighs on both alike.
                for layout in (layouts if i % 2 == 0 else layouts[::-1]):
                    run = dbs[layout]
                    session = run.session
                    # The band query alone (the indexed part of a lookup), as place() runs it.
                    tq = time.perf_counter()
                    band_candidates(session, fp.bands)
                    run.queries.append((time.perf_counter() - tq) * 1000)
                    t0 = time.perf_counter()
                    placement = place(session, url, body, fp)
                    t1 = time.perf_counter()
                    out = store_page(session, *page_record(url, body, fp))
                    session.commit()
                    t2 = time.perf_counter()
                    run.lookups.append((t1 - t0) * 1000)
                    # store_page repeats the lookup: the store figure is lookup + insert + commit.
                    run.stores.append((t2 - t1) * 1000)
                    if kind == "copy" and placement.story_id is not None and not out.created_story:
                        run.found += 1
            peak = rss_mb("VmHWM")
            for layout in layouts:
                run = dbs[layout]
                baseline = statistics.median(
                    scan_lookup_ms(run.session, fp.bands)
                    for _, _, _, fp in probes[: args.baseline_probes])
                run.session.close()
                run.engine.dispose()
                print(f"| {n:,} | {layout} | {n * BAND_COUNT:,} | {run.db_gb:.2f} |"
                      f" {sum(run.bands_bytes.values()) / 1e9:.2f} | {run.load_s:.0f} |"
                      f" {statistics.median(run.queries):.2f} |"
                      f" {statistics.median(run.lookups):.1f} | {statistics.mean(run.lookups):.1f} |"
                      f" {statistics.median(run.stores):.1f} | {statistics.mean(run.stores):.1f} |"
                      f" {run.found}/{half} | {baseline:.0f} | {rss_mb():.0f} | {peak:.0f} |"
                      f" {run.load_rss:.0f} |", flush=True)
            for layout in layouts:
                trees = ", ".join(f"{name} {size / 1e6:,.0f} MB"
                                  for name, size in sorted(dbs[layout].bands_bytes.items()))
                print(f"|  | {layout}: story_bands' b-trees: {trees} |")
            for layout in layouts:
                if args.migrate and layout == "rowid":
                    run = dbs[layout]
                    migrations.append((n, run.db_gb, time_migration(run.engine, run.path)))
    if migrations:
        print("\nRevision 0006 on the rowid databases (after their probes):")
        print("| stories | db GB before | rebuild s | db GB after | free pages GB |"
              " VACUUM s | db GB after VACUUM |")
        print("|---|---|---|---|---|---|---|")
        for n, before_gb, m in migrations:
            print(f"| {n:,} | {before_gb:.2f} | {m['rebuild_s']:.0f} | {m['size'] / 1e9:.2f} |"
                  f" {m['free'] / 1e9:.2f} | {m['vacuum_s']:.0f} | {m['vacuumed'] / 1e9:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
