"""``newscrawl ingest`` pages per second beside a naive trafilatura.extract + INSERT ingest.

    python benchmarks/ingest_throughput.py [--pages 250] [--repeat 2] [--databases sqlite,postgresql]
                                           [--before DIR] [--no-single] [--mix]

Real pages of ../shared/data/wcxb-dev-articles (709 in all) are written as ``.html`` files into a
scratch folder; with ``--mix``, the live crawl benchmark's pages instead (wcxb-dev-articles and the
six extraction corpora in turn, :func:`benchmarks.crawl_throughput.real_pages`: 4,621 in all,
lighter on average), so that an ingest and a crawl are measured on the same pages. Each run starts a fresh command on a fresh database (a SQLite file; a scratch
PostgreSQL database on ``NEWSCRAWL_TEST_POSTGRES_URL``'s server) and is timed from start to
exit, the interpreter's start and imports included for both sides:

* ``newscrawl ingest -q FOLDER`` with its default ``--jobs`` (one worker per usable core), and
  with ``--jobs 1``;
* the baseline: one Python process that, per file, reads it, runs ``trafilatura.extract``, and
  INSERTs the URL, the text and the raw bytes into a table, one commit a page.

``--before DIR`` adds ``newscrawl ingest`` run from another checkout (``git worktree add DIR
main``), the code before a change, in the same rounds.

Runs alternate (baseline, newscrawl, newscrawl -j 1, then the reverse order) ``--repeat`` times;
printed per database: pages/s of each run, the medians, and newscrawl's ratio to the baseline.
Beside the wall clock (the figure the target is about, but on a shared machine mostly a share
of it), each run's CPU time: the command's own process (``main``: reading, storing) and all of
it with its workers (``all``), in ms a page, and the cores it kept busy (CPU / wall).
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._common import process_cpu_seconds  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "wcxb-dev-articles"

NAIVE = r'''
import sys
from pathlib import Path
import trafilatura
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[2])
with engine.begin() as con:
    key = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
    blob = "BYTEA" if engine.dialect.name == "postgresql" else "BLOB"
    con.execute(text(f"CREATE TABLE pages (id {key} PRIMARY KEY, url TEXT, body TEXT, raw {blob})"))
for path in sorted(Path(sys.argv[1]).glob("*.html")):
    raw = path.read_bytes()
    body = trafilatura.extract(raw.decode("utf-8", "replace"))
    with engine.begin() as con:
        con.execute(text("INSERT INTO pages (url, body, raw) VALUES (:u, :b, :r)"),
                    {"u": path.as_uri(), "b": body, "r": raw})
'''


def write_pages(work: Path, limit: int, mix: bool = False) -> tuple[Path, int]:
    """The first ``limit`` real pages as ``.html`` files in ``work/pages`` (``mix``: the live
    crawl benchmark's pages); the folder and how many pages it holds."""
    pages = work / "pages"
    pages.mkdir()
    if mix:
        from benchmarks.crawl_throughput import real_pages

        for n, body in enumerate(real_pages(limit)):
            (pages / f"{n:05d}.html").write_bytes(body)
    else:
        for source in sorted((DATA / "html").glob("*.html.gz"))[:limit]:
            (pages / source.name.removesuffix(".gz")).write_bytes(gzip.decompress(source.read_bytes()))
    return pages, len(list(pages.glob("*.html")))


def scratch(kind: str, folder: Path, n: int):
    if kind == "sqlite":
        path = folder / f"run{n}.db"
        return f"sqlite:///{path}", lambda: [p.unlink() for p in folder.glob(f"run{n}.db*")]
    from benchmarks.store_step import scratch_database

    return scratch_database("postgresql")


def timed(cmd: list[str], cwd: Path = ROOT) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of the command's process, CPU seconds with its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
        main_cpu = 0.0
        while proc.poll() is None:
            # The process's own CPU, read until it exits (a zombie keeps it readable).
            main_cpu = process_cpu_seconds(proc.pid) or main_cpu
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd[:4])}... failed ({proc.returncode}): "
                             f"{err.read()[-2000:].decode(errors='replace')}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, min(main_cpu, total), total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--before", type=Path, help="a checkout of the code before a change")
    parser.add_argument("--no-single", action="store_true",
                        help="leave out the run with --jobs 1 (a long ingest's slowest)")
    parser.add_argument("--mix", action="store_true",
                        help="the live crawl benchmark's pages (seven corpora) instead of "
                             "wcxb-dev-articles'")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ingest-throughput-"))
    pages, count = write_pages(work, args.pages, args.mix)
    print(f"{count} real pages{' (the crawl benchmark mix)' if args.mix else ''}; cores usable: {len(os.sched_getaffinity(0))}")
    commands = {
        "baseline": lambda url: [sys.executable, "-c", NAIVE, str(pages), url],
        "newscrawl": lambda url: [sys.executable, "-m", "newscrawl", "ingest", "-q", str(pages),
                                  "--db", url],
        "newscrawl -j 1": lambda url: [sys.executable, "-m", "newscrawl", "ingest", "-q", "-j", "1",
                                       str(pages), "--db", url],
    }
    if args.no_single:
        del commands["newscrawl -j 1"]
    where = {name: ROOT for name in commands}
    if args.before is not None:
        commands["before"] = commands["newscrawl"]
        where["before"] = args.before.resolve()
    for kind in args.databases.split(","):
        rates: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
        n = 0
        for r in range(args.repeat):
            order = list(commands) if r % 2 == 0 else list(reversed(commands))
            for name in order:
                n += 1
                url, drop = scratch(kind, work, n)
                try:
                    wall, main_cpu, total = timed(commands[name](url), where[name])
                finally:
                    drop()
                rates[name].append(count / wall)
                cpus[name].append((1000 * main_cpu / count, 1000 * total / count, total / wall))
                print(f"  {kind} run {n}: {name}: {rates[name][-1]:.1f} pages/s; CPU ms/page main "
                      f"{cpus[name][-1][0]:.0f}, all {cpus[name][-1][1]:.0f}; cores busy "
                      f"{cpus[name][-1][2]:.2f}; load average {os.getloadavg()[0]:.1f}", flush=True)
        base = statistics.median(rates["baseline"])
        base_cpu = statistics.median(c[1] for c in cpus["baseline"])
        for name, values in rates.items():
            runs = " ".join(f"{v:5.1f}" for v in values)
            main_ms = statistics.median(c[0] for c in cpus[name])
            all_ms = statistics.median(c[1] for c in cpus[name])
            busy = statistics.median(c[2] for c in cpus[name])
            print(f"{kind:10s} {name:15s} pages/s: {runs}   median {statistics.median(values):5.1f}"
                  f"   {statistics.median(values) / base:4.2f}x the baseline;   CPU ms/page main "
                  f"{main_ms:5.1f}, all {all_ms:5.1f} ({all_ms / base_cpu:4.2f}x the baseline's); "
                  f"cores busy {busy:4.2f}")
    shutil.rmtree(pages)
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
