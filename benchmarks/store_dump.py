"""Store the same varied pages with the code of a given tree and dump every table: two trees'
dumps compared (``cmp``) show a change of the store's write path writes the same rows, ids
included, with the same time per page printed beside it.

    python benchmarks/store_dump.py ROOT DB DUMP [PAGES]

``ROOT``: the tree whose ``newscrawl`` stores (e.g. ``git archive main`` unpacked beside the
worktree, so that its ``../shared`` data is found); ``DB``: a SQLite file (a copy of an
``lsh_scale.py --keep`` fill: the pages copy its stories) or a PostgreSQL URL of an empty
database (migrated here; 60 stories are stored first by the same code). The pages, in a fixed
order over 7 sites: new articles (some with a date, some read from a file without one), lead
reprints of stored stories and of just-stored pages, the same page again (unchanged), the same
text on another site, a dated reprint of a story stored without a day, another text under a
stored story's title. Prints the storing process's CPU per outcome and of ``add_version``.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import statistics
import sys
import time


def main(argv: list[str]) -> int:
    root, db, dump = argv[0], argv[1], argv[2]
    pages = int(argv[3]) if len(argv) > 3 else 240
    sys.path[:0] = [root, root + "/benchmarks"]
    import newscrawl
    if not newscrawl.__file__.startswith(root):
        raise SystemExit(f"newscrawl imported from {newscrawl.__file__}, not {root}")
    import sqlalchemy as sa
    from lsh_scale import _title, article, copy_of, sentence_pool

    from newscrawl.model import ArticleRecord, Page, site_of
    from newscrawl.stages.fingerprint import fingerprint
    from newscrawl.store import repository
    from newscrawl.store.db import open_database, upgrade

    original = repository.add_version
    add_version_ms: dict[str, list[float]] = {}

    def timed_add_version(session, placement, *args, **kwargs):
        cpu = time.process_time()
        try:
            return original(session, placement, *args, **kwargs)
        finally:
            kind = "new story" if placement.story_id is None else "new version"
            add_version_ms.setdefault(kind, []).append((time.process_time() - cpu) * 1000)

    repository.add_version = timed_add_version
    pool = sentence_pool()
    pg = db.startswith("postgresql")
    if pg:
        upgrade(db)
    make_session = open_database(db if pg else f"sqlite:///{db}")

    def store(url, body, title, published, fetched_at, source="bench"):
        record = ArticleRecord(url=url, site=site_of(url), title=title, body=body, language="en",
                               fingerprint=fingerprint(body), published_at=published)
        page = Page.build(url, body.encode(), {"Content-Type": "text/plain"}, fetched_at=fetched_at)
        with make_session() as s:
            cpu = time.process_time()
            outcome = repository.store_page(s, page, record, source=source).outcome
            s.commit()
        return outcome, (time.process_time() - cpu) * 1000

    with make_session() as s:
        n = s.execute(sa.text("SELECT count(*) FROM stories")).scalar()
    if n == 0:
        start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
        for i in range(60):
            body = article(pool, i)
            store(f"https://base{i % 5}.example/b/{i}", body, _title(body), start, start)
        n = 60
    rng = random.Random(7)
    t0 = dt.datetime.now(dt.timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    stored: list[tuple[str, str, str]] = []
    times: dict[str, list[float]] = {}
    for p in range(pages):
        k, site = p % 12, f"site{p % 7}.example"
        url = f"https://{site}/a/{p}"
        published = t0 - dt.timedelta(days=p % 3) if p % 2 == 0 else None
        source = "bench"
        if k in (0, 6) or not stored:
            body = article(pool, 30_000_000 + p)
            title = _title(body)
            if k == 6:
                source, published = "ingest", None  # read from a file: no day
        elif k in (1, 7):
            original_body = article(pool, rng.randint(0, n - 1))
            body, title = copy_of(pool, original_body, p), _title(original_body)
        elif k in (2, 8):
            _, earlier, title = stored[-1]
            body = copy_of(pool, earlier, p)
        elif k == 3:
            url, body, title = stored[-2]  # the same page again: unchanged
        elif k == 4:
            _, body, title = stored[-3]  # the same text on another site
        elif k == 9:
            undated = [s for i, s in enumerate(stored) if i % 12 == 6] or stored
            _, earlier, title = undated[-1]
            body, published = copy_of(pool, earlier, p + 1), t0
        elif k == 10:
            body = article(pool, 40_000_000 + p)
            title = _title(article(pool, rng.randint(0, n - 1)))
        else:
            body = article(pool, 30_000_000 + p)
            title = _title(body)
        outcome, ms = store(url, body, title, published, t0 + dt.timedelta(seconds=p), source)
        times.setdefault(outcome, []).append(ms)
        stored.append((url, body, title))

    def line(name: str, values: list[float]) -> str:
        values = sorted(values)
        return (f"{name:28s} n={len(values):3d} CPU ms p50 {statistics.median(values):6.2f} "
                f"p95 {values[int(0.95 * (len(values) - 1))]:6.2f}")

    for outcome, values in sorted(times.items()):
        print(line(f"store + commit {outcome}", values))
    for kind, values in sorted(add_version_ms.items()):
        print(line(f"add_version {kind}", values))

    engine = make_session.kw["bind"]
    if pg:
        names = sorted(sa.inspect(engine).get_table_names())
        conn = engine.connect()

        def rows(name):
            return [tuple(r) for r in conn.execute(sa.text(f'SELECT * FROM "{name}"'))]
    else:
        engine.dispose()
        con = sqlite3.connect(db)
        # The full-text index's own tables too: the same rows inserted the same way.
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]

        def rows(name):
            return con.execute(f'SELECT * FROM "{name}"').fetchall()
    with open(dump, "w", encoding="utf-8") as out:
        for name in names:
            table = sorted(rows(name), key=repr)
            out.write(f"## {name} {len(table)}\n")
            out.writelines(repr(r) + "\n" for r in table)
    print(f"dumped {len(names)} tables to {dump}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
