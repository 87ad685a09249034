"""Where an ingest's wall time goes: a timeline of ``newscrawl ingest``, second by second.

    python benchmarks/ingest_timeline.py [--pages 250] [--database sqlite|postgresql] [--jobs N]
                                         [--root DIR] [--step 1.0]

Real pages of ../shared/data/wcxb-dev-articles are written as ``.html`` files into a scratch
folder and ingested by one fresh command (from ``--root``'s tree, this one by default) into a
fresh database. Sampled every ``--step`` seconds from /proc: the CPU of the command's own
process (``main``: reading, handing over, storing), of its child processes (the stage workers,
a fork server), and of the PostgreSQL server processes serving its connections (found by
their client ports in ``pg_stat_activity``, sampled as it runs), and the pages stored so far
(the lines the command prints, one a page). A row per step: CPU seconds used in the step by
each, as a share of the step (1.00 = one core busy), and pages stored in it; then the whole
run's figures: time to the first stored page, the pages/s between the first and the last, the
tail after the last page, and CPU ms a page of each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._common import process_cpu_seconds  # noqa: E402
from benchmarks.ingest_throughput import write_pages  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds) of ``pid``, None when gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1: raw.rindex(")")]
    fields = raw.rsplit(")", 1)[1].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _local_ports(pid: int) -> set[int]:
    """The local TCP ports of process ``pid``'s sockets."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        lines = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
        lines += Path(f"/proc/{pid}/net/tcp6").read_text().splitlines()[1:]
    except OSError:
        return set()
    return {int(f[1].rsplit(":", 1)[1], 16) for f in map(str.split, lines) if f[9] in inodes}


def _sessions_of(pid: int) -> set[int]:
    """The PostgreSQL server processes serving ``pid``'s connections (the server's own
    processes and other clients' sessions are not counted)."""
    ports = _local_ports(pid)
    if not ports or _SERVER is None:
        return set()
    with _SERVER.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE client_port = ANY(%s)", (list(ports),))
        return {row[0] for row in cur.fetchall()}


_SERVER = None


def _snapshot(main_pid: int, seen: dict[int, float],
              server: dict[int, list[float]]) -> tuple[float, float, float]:
    """(main, descendants, postgres) CPU seconds; ``seen`` keeps the last reading of each
    descendant, so that one which has exited still counts what it used; ``server``, the first
    and last readings of each PostgreSQL process (a session's ends with the command), whose
    differences are what the server used for it."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            got = _stat(int(entry))
            if got is not None:
                stats[int(entry)] = got
    main = stats.get(main_pid, (None, 0, 0.0))[2]
    family = {main_pid}
    changed = True
    while changed:
        changed = False
        for pid, (_, parent, _cpu) in stats.items():
            if parent in family and pid not in family:
                family.add(pid)
                changed = True
    for pid in family - {main_pid}:
        seen[pid] = stats[pid][2]
    for pid in _sessions_of(main_pid):
        if pid in stats:
            server.setdefault(pid, [0.0, 0.0])[1] = stats[pid][2]
    postgres = sum(last - start for start, last in server.values())
    return main, sum(seen.values()), postgres


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=250)
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--root", type=Path, default=ROOT, help="the tree whose newscrawl runs")
    parser.add_argument("--step", type=float, default=1.0)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ingest-timeline-"))
    pages, count = write_pages(work, args.pages)
    if args.database == "sqlite":
        url, drop = f"sqlite:///{work / 'run.db'}", lambda: None
    else:
        import psycopg

        from benchmarks.store_step import POSTGRES, scratch_database

        url, drop = scratch_database("postgresql")
        global _SERVER
        _SERVER = psycopg.connect(POSTGRES.replace("postgresql+psycopg://", "postgresql://"),
                                  autocommit=True)
    cmd = [sys.executable, "-m", "newscrawl", "ingest", str(pages), "--db", url]
    if args.jobs:
        cmd[4:4] = ["-j", str(args.jobs)]
    env = dict(os.environ, PYTHONPATH=str(args.root.resolve()))
    stored: list[float] = []
    seen: dict[int, float] = {}
    rows = []
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                cwd=args.root, env=env, text=True)

        def read() -> None:
            for _line in proc.stdout:
                stored.append(time.perf_counter() - start)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        server: dict = {}
        last = (0.0, 0.0, _snapshot(0, {}, server)[2])
        done = 0
        tick = prev = start
        while proc.poll() is None:
            tick += args.step
            try:
                proc.wait(timeout=max(0.0, tick - time.perf_counter()))
                tick = time.perf_counter()  # the last row: a part of a step
            except subprocess.TimeoutExpired:
                pass
            main_cpu = process_cpu_seconds(proc.pid)
            now = _snapshot(proc.pid, seen, server)
            if main_cpu is not None:
                now = (main_cpu, now[1], now[2])
            else:
                now = (last[0], now[1], now[2])
            n = sum(1 for t in stored if t <= tick - start)
            rows.append((tick - start, tick - max(start, prev),
                         *(b - a for a, b in zip(last, now, strict=True)), n - done))
            prev = tick
            last, done = now, n
        wall = time.perf_counter() - start
        reader.join()
        postgres_total = last[2]
    finally:
        drop()
        shutil.rmtree(pages)
        shutil.rmtree(work)
    print(f"{' '.join(cmd[3:5])} ... {args.database}, {count} pages, root {args.root}")
    print("   t    main workers postgres  pages")
    for t, step, m, w, pg, n in rows:
        step = max(step, 1e-3)
        print(f"{t:5.1f} {m / step:6.2f} {w / step:6.2f} {pg / step:7.2f} {n:6d}")
    stored_n = len(stored) - 1  # the summary line
    first, last_t = stored[0], stored[max(0, stored_n - 1)]
    print(f"wall {wall:.1f} s; first page stored at {first:.1f} s; {stored_n} lines; "
          f"{(stored_n - 1) / max(1e-9, last_t - first):.1f} pages/s between the first and the "
          f"last; tail {wall - last_t:.1f} s")
    total_main = last[0]
    print(f"CPU ms a page: main {1000 * total_main / count:.0f}, workers "
          f"{1000 * last[1] / count:.0f}, postgres {1000 * postgres_total / count:.0f}; "
          f"cores busy {(total_main + last[1] + postgres_total) / wall:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
