"""Web view response times at scale: the stories and story pages (and events, sites) on SQLite and PostgreSQL.

    python benchmarks/webview.py [--stories N] [--repeat N] [--no-postgres] [--no-sqlite]

Fills a scratch database with N synthetic stories (default 100,000) by bulk inserts: 300 sites,
a version count per story from a Pareto law (most stories one copy, a few carried by dozens of
sites), pseudo-word titles and bodies (~600 characters), one event per three stories. Then
serves it with ``newscrawl serve`` (a real uvicorn server, over HTTP on loopback) and times, per
page, the median of ``--repeat`` requests beside the baseline in the same run: the bare
queries that page runs (the same functions, on a session of the same read-only engine, no HTTP,
no templates). PostgreSQL: a fresh schema on ``NEWSCRAWL_TEST_POSTGRES_URL`` (default the test
server), dropped afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SITES = 300
BATCH = 5000
SYLLABLES = ["ka", "lo", "mer", "tin", "sa", "ve", "dor", "ul", "pra", "ne", "ris", "to", "gan", "mi",
             "bel", "os", "tra", "cu", "fen", "da", "lim", "ro", "zel", "ha"]


def vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def fill(url: str, n: int, seed: int = 7) -> dict[str, int]:
    """``n`` stories with their versions, sites and events, in batches; returns the counts."""
    from sqlalchemy import bindparam, insert, text, update

    from newscrawl.store.db import make_engine, upgrade
    from newscrawl.store.models import Event, Site, Story, Version

    rng = random.Random(seed)
    words = vocabulary(rng)
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _scratch(dbapi_connection, _record):  # thrown away after the run: no fsync
            dbapi_connection.execute("PRAGMA synchronous = OFF")
    upgrade(engine)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    version_id = 0
    first_version: dict[int, int] = {}
    with engine.begin() as conn:
        conn.execute(insert(Site.__table__), [{"id": i + 1, "host": f"site{i}.example", "name": f"Site {i}",
                                               "first_seen_at": start} for i in range(SITES)])
        conn.execute(insert(Event.__table__), [{"id": i + 1, "title": None, "first_seen_at": start}
                                               for i in range(n // 3 + 1)])
    for first in range(0, n, BATCH):
        stories, versions = [], []
        for i in range(first, min(n, first + BATCH)):
            seen = start + dt.timedelta(seconds=i * 300)
            title = " ".join(rng.choices(words, k=8)).capitalize()
            body = "\n\n".join(" ".join(rng.choices(words, k=20)).capitalize() + "." for _ in range(4))
            stories.append({"id": i + 1, "key": f"{i:016x}", "title": title, "language": "en",
                            "first_seen_at": seen, "published_at": seen, "event_id": i // 3 + 1})
            copies = min(SITES, int(rng.paretovariate(1.6)))
            first_version[i + 1] = version_id + 1
            for n_copy, site in enumerate(rng.sample(range(SITES), copies)):
                version_id += 1
                fetched = seen + dt.timedelta(minutes=17 * n_copy)
                versions.append({
                    "id": version_id, "story_id": i + 1, "site_id": site + 1,
                    "url": f"https://site{site}.example/news/{i}", "title": title,
                    "body": body if n_copy == 0 else body.replace(words[n_copy % 50], words[-1 - n_copy % 50]),
                    "body_hash": f"{version_id:064x}", "language": "en", "chrome_languages": [],
                    "encoding": "utf-8", "encoding_source": "header", "repairs": [], "authors": [],
                    "wire": [], "first_fetched_at": fetched, "last_fetched_at": fetched, "fetch_count": 1,
                    "derivation": "original" if n_copy == 0 else "exact",
                    "similarity": 1.0,
                })
        with engine.begin() as conn:
            conn.execute(insert(Story.__table__), stories)
            conn.execute(insert(Version.__table__), versions)
        with engine.begin() as conn:  # the first version of each story, now that it exists
            conn.execute(update(Story.__table__).where(Story.__table__.c.id == bindparam("story"))
                         .values(canonical_version_id=bindparam("first")),
                         [{"story": story["id"], "first": first_version[story["id"]]} for story in stories])
    # As a settled database is: statistics, and on PostgreSQL the visibility map that
    # autovacuum keeps (index-only scans need it).
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return {"stories": n, "versions": version_id, "sites": SITES, "search_word": words[1234],
            "second_word": words[77]}


def serve(url: str):
    process = subprocess.Popen([sys.executable, "-m", "newscrawl", "serve", "--db", url, "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line.startswith("newscrawl: serving"):
        process.kill()
        raise SystemExit(f"newscrawl serve did not start: {line}{process.stderr.read()}")
    return process, line.split(" at ", 1)[1].split()[0].rstrip("/")


def median_ms(run, repeat: int) -> float:
    run()  # warm: the first request pays for imports, the pool's connection and the page cache
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        run()
        times.append(time.perf_counter() - begin)
    return statistics.median(times) * 1e3


def measure(url: str, counts: dict, repeat: int) -> list[tuple[str, float, float]]:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from newscrawl.store.browse import event_timeline, search_stories, site_statistics, story_page
    from newscrawl.store.models import Story, Version
    from newscrawl.store.queries import list_events
    from newscrawl.web.database import open_read_only

    engine = open_read_only(url)
    with Session(engine) as session:
        # The most-carried story, and one of the many carried once.
        top_key = session.execute(
            select(Story.key).join(Version, Version.story_id == Story.id).group_by(Story.id, Story.key)
            .order_by(func.count(Version.id).desc()).limit(1)).scalar_one()
        one_key = f"{counts['stories'] // 2:016x}"
        top_versions = session.execute(select(func.count()).select_from(Version).join(Story, Story.id == Version.story_id)
                                       .where(Story.key == top_key)).scalar_one()

    def bare_stories(**kwargs):
        def run():
            with Session(engine) as session:
                search_stories(session, limit=51, **kwargs)
        return run

    def bare(function, **kwargs):
        def run():
            with Session(engine) as session:
                function(session, **kwargs)
        return run

    def bare_story(key, page=1):
        def run():
            with Session(engine) as session:
                story_page(session, key, limit=51, offset=(page - 1) * 50)
        return run

    process, base = serve(url)
    try:
        def http(path):
            def run():
                with urllib.request.urlopen(base + path, timeout=600) as response:
                    response.read()
            return run

        word, word2 = counts["search_word"], counts["second_word"]
        cases = [
            ("stories, page 1 (sorted by spread)", "/stories", bare_stories()),
            ("stories, page 1, JSON", "/api/stories", bare_stories()),
            ("stories, page 200", "/stories?page=200", bare_stories(offset=199 * 50)),
            (f"stories, search '{word}'", f"/stories?q={word}", bare_stories(words=[word])),
            (f"stories, search '{word} {word2}'", f"/stories?q={word}+{word2}", bare_stories(words=[word, word2])),
            ("stories, min_sites=5", "/stories?min_sites=5", bare_stories(min_sites=5)),
            ("stories, site=site7.example", "/stories?site=site7.example", bare_stories(site="site7.example")),
            ("stories, one day (since/until)", "/stories?since=2025-03-01&until=2025-03-02",
             bare_stories(since=dt.datetime(2025, 3, 1, tzinfo=dt.UTC), until=dt.datetime(2025, 3, 2, tzinfo=dt.UTC))),
            (f"story, {top_versions} versions", f"/stories/{top_key}", bare_story(top_key)),
            (f"story, {top_versions} versions, page 3", f"/stories/{top_key}?page=3", bare_story(top_key, 3)),
            ("story, 1 version", f"/stories/{one_key}", bare_story(one_key)),
            ("events, page 1", "/events", bare(list_events, min_stories=2, limit=51)),
            ("event, page 1", f"/events/{counts['stories'] // 6}", bare(event_timeline, event_id=counts["stories"] // 6)),
            ("sites, page 1", "/sites", bare(site_statistics, limit=51)),
        ]
        rows = []
        for name, path, bare in cases:
            rows.append((name, median_ms(http(path), repeat), median_ms(bare, repeat)))
    finally:
        process.terminate()
        process.wait(timeout=30)
        engine.dispose()
    return rows


def report(label: str, counts: dict, fill_s: float, rows) -> None:
    print(f"\n{label}: {counts['stories']:,} stories, {counts['versions']:,} versions on {counts['sites']} sites "
          f"(bulk fill {fill_s:.0f} s)")
    print(f"  {'page':36s} {'newscrawl serve':>16s} {'bare queries':>13s}")
    for name, served_ms, bare_ms in rows:
        print(f"  {name:36s} {served_ms:13.1f} ms {bare_ms:10.1f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9, help="requests per page (median)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args(argv)

    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'webview.db'}"
            begin = time.perf_counter()
            counts = fill(url, args.stories)
            fill_s = time.perf_counter() - begin
            report("SQLite", counts, fill_s, measure(url, counts, args.repeat))

    if not args.no_postgres:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url
        from sqlalchemy.pool import NullPool

        server = os.environ.get("NEWSCRAWL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
        schema = f"nc_bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(server, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
                hide_password=False)
            begin = time.perf_counter()
            counts = fill(url, args.stories)
            fill_s = time.perf_counter() - begin
            report("PostgreSQL", counts, fill_s, measure(url, counts, args.repeat))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
