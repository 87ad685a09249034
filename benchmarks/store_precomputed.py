"""The storing process's CPU per page with the store's pure work computed ahead by a worker,
beside the same store computing it itself, in the same run.

    python benchmarks/store_precomputed.py [--pages 100] [--databases sqlite,postgresql]

Real pages of ../shared/data/wcxb-dev-articles go through the stages once; then every page is
stored (``store_page`` + commit, one transaction a page) into two fresh databases of each kind
in turn, one as ``newscrawl ingest`` with workers stores it (the values of
:func:`newscrawl.store.precompute.store_precomputed` primed, computed beforehand as a worker
would), one as the store alone computes it (``-j 1``, and main before the change). The order
alternates page by page. Printed: median and mean CPU ms of the storing process a page, wall
ms median, and the CPU a worker spent computing the values ahead. Both databases are then
compared row by row (every table, ids included) to show the values changed nothing stored.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "wcxb-dev-articles"


def rows(make_session) -> list[tuple]:
    """Every row of every table but the wall-clock columns, for comparing two databases."""
    from sqlalchemy import inspect, text

    out = []
    with make_session() as session:
        names = inspect(session.get_bind()).get_table_names()
        for name in sorted(names):
            if name == "alembic_version":
                continue
            columns = [c["name"] for c in inspect(session.get_bind()).get_columns(name)
                       if not c["name"].endswith("_at")]
            select = ", ".join(f'"{c}"' for c in columns)
            out += sorted((name, *map(str, row)) for row in session.execute(text(f'SELECT {select} FROM "{name}"')))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args(argv)

    from benchmarks.store_step import scratch_database
    from newscrawl.model import Page
    from newscrawl.stages import process_page
    from newscrawl.stages.memo import primed
    from newscrawl.store.db import open_database
    from newscrawl.store.precompute import store_precomputed
    from newscrawl.store.repository import store_page

    items = []
    ahead_cpu = []
    for n, source in enumerate(sorted((DATA / "html").glob("*.html.gz"))[: args.pages]):
        body = gzip.decompress(source.read_bytes())
        page = Page.build(f"https://site{n % 7}.example/{source.stem}", body, None, 200, None)
        record = process_page(body, page.url)
        cpu = time.process_time()
        values = store_precomputed(page, record)
        ahead_cpu.append(1000 * (time.process_time() - cpu))
        items.append((page, record, values))
    print(f"{len(items)} real pages; values computed ahead: {statistics.median(ahead_cpu):.1f} ms "
          f"median, {statistics.mean(ahead_cpu):.1f} mean CPU a page (in a worker)")
    for kind in args.databases.split(","):
        databases = {}
        try:
            for which in ("computed ahead", "store computes"):
                url, drop = scratch_database(kind)
                databases[which] = (open_database(url), drop)
            cpu: dict[str, list[float]] = {w: [] for w in databases}
            wall: dict[str, list[float]] = {w: [] for w in databases}
            for n, (page, record, values) in enumerate(items):
                order = list(databases) if n % 2 == 0 else list(reversed(databases))
                for which in order:
                    make_session = databases[which][0]
                    started, cpu_started = time.perf_counter(), time.process_time()
                    with primed(values if which == "computed ahead" else None), make_session() as s:
                        store_page(s, page, record, source="ingest")
                        s.commit()
                    cpu[which].append(1000 * (time.process_time() - cpu_started))
                    wall[which].append(1000 * (time.perf_counter() - started))
            base = statistics.mean(cpu["store computes"])
            for which in databases:
                print(f"{kind:10s} {which:15s} CPU ms a page: median {statistics.median(cpu[which]):5.1f}, "
                      f"mean {statistics.mean(cpu[which]):5.1f} ({statistics.mean(cpu[which]) / base:4.2f}x); "
                      f"wall median {statistics.median(wall[which]):5.1f}")
            same = rows(databases["computed ahead"][0]) == rows(databases["store computes"][0])
            print(f"{kind:10s} stored rows identical: {same}")
        finally:
            for make_session, drop in databases.values():
                make_session.kw["bind"].dispose()
                drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
