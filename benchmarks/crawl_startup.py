"""A crawl's start-up, checkouts alternating: when the workers' fork server started (seconds
after the process start, and the crawler's CPU by then), and when the first fetch and the
first article fetch came, with the CPU the crawler and the fork server had spent by then.

    python benchmarks/crawl_startup.py [--pages 16] [--pairs 3] TREE [TREE ...]

Each TREE is a checkout of newscrawl (e.g. main in a second worktree, and this one); each run
is ``scrapy crawl news`` with two stage workers run from that checkout (``PYTHONPATH`` and the
working directory set to it) on a fresh SQLite file, over the real pages of
benchmarks/crawl_throughput.py served by the loopback server. The crawler and its fork server
are read from /proc every 50 ms; the fetch times come from the crawl's DEBUG log.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import crawl_throughput  # noqa: E402
from benchmarks._common import crawl_command, process_cpu_seconds, proxy_env  # noqa: E402
from newscrawl.testing import LoopbackSiteServer  # noqa: E402

CRAWLED = re.compile(r"^(\d+\.\d+) \[scrapy\.core\.engine\] DEBUG: Crawled \(\d+\) <GET (\S+)>", re.M)


def fork_server_of(pid: int) -> int | None:
    for kid, parent in crawl_throughput.children(pid):
        if parent == pid and "forkserver" in crawl_throughput.cmdline(kid):
            return kid
    return None


def run(tree: Path, sources: Path, server, tmp: Path, n: int) -> dict:
    db = f"sqlite:///{tmp}/run{n}.db"
    env = proxy_env(server.proxy_url, drop=("NEWSCRAWL_DATABASE_URL", "NEWSCRAWL_REDIS_URL", "REDIS_URL"))
    env["PYTHONPATH"] = str(tree)
    subprocess.run([sys.executable, "-m", "newscrawl", "db", "upgrade", "--db", db], cwd=tree,
                   env=env, check=True, capture_output=True)
    cmd = crawl_command(sources, db, tmp / "locks", "NEWSCRAWL_INCREMENTAL=False",
                        "NEWSCRAWL_STAGE_WORKERS=2", f"NEWSCRAWL_SPOOL_DIR={tmp / 'spool'}",
                        "LOG_FORMAT=%(created).3f [%(name)s] %(levelname)s: %(message)s",
                        log_level="DEBUG")
    log = tmp / f"run{n}.log"
    start = time.time()
    proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    samples = []  # (time, crawler CPU, fork server CPU or None)
    fork_server = None
    while proc.poll() is None:
        now = time.time()
        if fork_server is None:
            fork_server = fork_server_of(proc.pid)
        samples.append((now, process_cpu_seconds(proc.pid),
                        process_cpu_seconds(fork_server) if fork_server else None))
        time.sleep(0.05)
    fetches = [(float(t), url) for t, url in CRAWLED.findall(log.read_text())]
    first = min(t for t, _ in fetches)
    article = min(t for t, url in fetches if "/news/" in url)
    seen = next((s for s in samples if s[2] is not None), None)
    before = [s for s in samples if s[0] <= first and s[1] is not None]
    return {"exit": proc.returncode, "first": first - start, "article": article - start,
            "server_seen": seen[0] - start if seen else float("nan"),
            "crawler_then": seen[1] if seen else float("nan"),
            "crawler_at_first": before[-1][1] if before else float("nan"),
            "server_at_first": max((s[2] for s in before if s[2] is not None), default=float("nan"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", type=Path)
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    results: dict[Path, list[dict]] = {tree: [] for tree in args.trees}
    with tempfile.TemporaryDirectory(prefix="crawl-startup-") as tmp_dir:
        tmp = Path(tmp_dir)
        sources, _ = crawl_throughput.build_sites(
            tmp, crawl_throughput.real_pages(args.pages), args.pages, 8)
        with LoopbackSiteServer(tmp / "sites") as server:
            n = 0
            for pair in range(args.pairs):
                for tree in (args.trees if pair % 2 == 0 else list(reversed(args.trees))):
                    n += 1
                    r = run(tree, sources, server, tmp, n)
                    results[tree].append(r)
                    print(f"{tree}: exit {r['exit']}; fork server started {r['server_seen']:.1f} s "
                          f"after the start, crawler CPU then {r['crawler_then']:.2f} s; first "
                          f"fetch {r['first']:.1f} s, first article {r['article']:.1f} s; CPU s at "
                          f"the first fetch: crawler {r['crawler_at_first']:.2f}, fork server "
                          f"{r['server_at_first']:.2f}; load average {os.getloadavg()[0]:.1f}",
                          flush=True)
    for tree, rows in results.items():
        print(f"{tree}: median fork server started at crawler CPU "
              f"{statistics.median(r['crawler_then'] for r in rows):.2f} s; first fetch "
              f"{statistics.median(r['first'] for r in rows):.1f} s, first article "
              f"{statistics.median(r['article'] for r in rows):.1f} s")
    return 0 if all(r["exit"] == 0 for rows in results.values() for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
