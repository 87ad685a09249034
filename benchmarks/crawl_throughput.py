"""A live crawl of real pages into SQLite: pages/s with the stages in the crawler's process
beside the same crawl with stage worker processes, and the memory of every process.

    python benchmarks/crawl_throughput.py [--pages 500] [--sites 8] [--workers 1,2] [--repeat 1]
    python benchmarks/crawl_throughput.py --pages 10000 --workers 2 --memory   # the memory run

Real pages of ../shared/data (wcxb-dev-articles and the extraction corpora, interleaved by
corpus) are served from the loopback server (:class:`newscrawl.testing.LoopbackSiteServer`) as
``--sites`` outlets, each with a robots.txt and an RSS feed listing its articles. Past the
pages there are, they are served again under new URLs (each copy is then stored as another
version of a story already stored, which the store decides as it would in a real crawl).

Each run is ``scrapy crawl news`` on a fresh SQLite file (migrated before the clock starts), with
``NEWSCRAWL_STAGE_WORKERS`` set to each ``--workers`` value (1 = every stage in the crawler's
process: the baseline; 2 = two worker processes), runs alternating ABBA over ``--repeat``.
Printed per run: the span (process start to the last fetch stored), article fetches stored and
pages/s over the span, the CPU seconds of the crawler and its workers, and the RSS of the
crawler and of each worker, sampled every second from /proc (median and maximum over the
crawl), and of the workers' fork server where there is one; the start-up: when the first article
was fetched (to the second), the CPU the crawler and the workers had spent by then, and their
CPU per page after it. With ``--memory``: the crawler's and the workers' RSS at each tenth of the
pages fetched, and how far the crawler's last tenth is from its first (the flatness).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import html
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from benchmarks._common import crawl_command, process_cpu_seconds, proxy_env  # noqa: E402
from newscrawl.crawl.replay import save_case  # noqa: E402
from newscrawl.store.models import Fetch  # noqa: E402
from newscrawl.testing import LoopbackSiteServer  # noqa: E402

DATA = REPO.parent / "shared" / "data"
CORPORA = ["wcxb-dev-articles", "extraction/cleanportaleval", "extraction/dragnet",
           "extraction/l3s-gn1", "extraction/msv-big9-chaos", "extraction/readability",
           "extraction/trafilatura-evaldata"]


def real_pages(limit: int) -> list[bytes]:
    """Up to ``limit`` distinct real pages, one corpus after another in turn."""
    lists = [sorted((DATA / corpus / "html").glob("*.html.gz")) for corpus in CORPORA]
    pages: list[bytes] = []
    for index in range(max(map(len, lists))):
        for files in lists:
            if index < len(files) and len(pages) < limit:
                pages.append(gzip.decompress(files[index].read_bytes()))
    return pages


def build_sites(root: Path, pages: list[bytes], count: int, sites: int) -> tuple[Path, list[str]]:
    """``count`` article URLs over ``sites`` outlets (pages reused past their number)."""
    urls: list[list[str]] = [[] for _ in range(sites)]
    for n in range(count):
        site = n % sites
        url = f"http://outlet{site}.example/news/{n}.html"
        save_case(root / "sites", url, pages[n % len(pages)],
                  headers={"Content-Type": "text/html"})
        urls[site].append(url)
    toml = []
    for site, listed in enumerate(urls):
        base = f"http://outlet{site}.example"
        save_case(root / "sites", f"{base}/robots.txt", b"User-agent: *\nAllow: /\n",
                  headers={"Content-Type": "text/plain"})
        items = "".join(f"<item><title>Article {html.escape(u.rsplit('/', 1)[1])}</title>"
                        f"<link>{u}</link></item>\n" for u in listed)
        feed = (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Outlet {site}</title>"
                f"<link>{base}/</link>\n{items}</channel></rss>").encode()
        save_case(root / "sites", f"{base}/rss.xml", feed,
                  headers={"Content-Type": "application/rss+xml"})
        toml.append(f'[[sources]]\nname = "Outlet {site}"\nfeeds = ["{base}/rss.xml"]\n')
    sources = root / "sources.toml"
    sources.write_text("\n".join(toml), encoding="utf-8")
    return sources, [u for listed in urls for u in listed]


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def children(pid: int) -> list[tuple[int, int]]:
    """Every descendant of ``pid`` and its parent (the stage workers, their fork server, and
    multiprocessing's helper)."""
    found = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            kids = [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
        for kid in kids:
            found.append((kid, pid))
            found.extend(children(kid))
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class Sampler(threading.Thread):
    """Every second: pages the server answered, the crawler's RSS and each worker's."""

    def __init__(self, pid: int, server, articles: set[str]) -> None:
        super().__init__(daemon=True)
        self.pid, self.server, self.articles = pid, server, articles
        self.samples: list[tuple[float, int, float, dict[int, float]]] = []
        #: The RSS (MB) of the workers' fork server at each sample (None: none ran then).
        self.server_rss: list[float | None] = []
        #: (seconds, pages fetched, the crawler's CPU seconds, its workers' CPU seconds) each second.
        self.cpu: list[tuple[float, int, float, float]] = []
        #: The last CPU seconds seen of each worker (they are gone when the crawl ends).
        self.worker_cpu: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        t0 = time.monotonic()
        seen, read = 0, 0
        while not self.done.wait(1.0):
            own = rss_mb(self.pid)
            if own is None:
                break
            workers = {}
            fork_server = None
            for kid, parent in children(self.pid):
                command = cmdline(kid)
                # The resource tracker of multiprocessing is a child too, but not a worker.
                if "resource_tracker" in command:
                    continue
                cpu = process_cpu_seconds(kid)
                if cpu is not None:  # the fork server's warm-up is the workers' CPU too
                    self.worker_cpu[kid] = cpu
                value = rss_mb(kid)
                if parent == self.pid and "forkserver" in command:
                    fork_server = value  # the workers are forked from it (their command is its)
                elif value is not None:
                    workers[kid] = value
            exchanges = self.server.exchanges[read:]
            read += len(exchanges)
            seen += sum(1 for e in exchanges if e.url in self.articles)
            self.samples.append((time.monotonic() - t0, seen, own, workers))
            self.server_rss.append(fork_server)
            own_cpu = process_cpu_seconds(self.pid)
            if own_cpu is not None:
                self.cpu.append((time.monotonic() - t0, seen, own_cpu, sum(self.worker_cpu.values())))


def run(label: str, workers: int, sources: Path, urls: list[str], server, tmp: Path,
        n: int, keep: Path | None = None) -> dict:
    db = tmp / f"run{n}.db"
    db_url = f"sqlite:///{db}"
    subprocess.run([sys.executable, "-m", "newscrawl", "db", "upgrade", "--db", db_url],
                   cwd=REPO, check=True, capture_output=True)
    env = proxy_env(server.proxy_url,
                    drop=("NEWSCRAWL_DATABASE_URL", "NEWSCRAWL_REDIS_URL", "REDIS_URL"))
    cmd = crawl_command(sources, db_url, tmp / "locks", "NEWSCRAWL_INCREMENTAL=False",
                        f"NEWSCRAWL_STAGE_WORKERS={workers}",
                        f"NEWSCRAWL_SPOOL_DIR={tmp / 'spool'}", log_level="INFO")
    server.clear_log()
    log = tmp / f"{label}-{n}.log"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = dt.datetime.now(dt.UTC)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    sampler = Sampler(proc.pid, server, set(urls))
    sampler.start()
    proc.wait()
    wall = time.monotonic() - t0
    sampler.done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(Fetch)
                              .where(Fetch.url.like("%/news/%"))).scalar()
        last = conn.execute(select(func.max(Fetch.fetched_at))).scalar()
        outcomes = dict(conn.execute(select(Fetch.outcome, func.count()).group_by(Fetch.outcome)).all())
    engine.dispose()
    if keep is not None:  # for benchmarks/crawl_rows.py: the rows of two trees' crawls compared
        keep.mkdir(parents=True, exist_ok=True)
        import sqlite3

        source, copy = sqlite3.connect(db), sqlite3.connect(keep / f"run{n}.db")
        with copy:
            source.backup(copy)
        source.close()
        copy.close()
    for path in tmp.glob(f"run{n}.db*"):
        path.unlink()
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    span = (last - started).total_seconds() if last is not None else float("nan")
    # Workers' CPU as last sampled (up to a second short); the crawler's is the rest.
    workers_cpu = sum(sampler.worker_cpu.values())
    crawler = [s[2] for s in sampler.samples]
    worker = [v for s in sampler.samples for v in s[3].values()]
    fork_server = [v for v in sampler.server_rss if v is not None]
    # Start-up: from the process start to the first sample that saw an article fetched; what
    # the processes spent before it, and per page after it (the steady crawl).
    first = next((c for c in sampler.cpu if c[1] > 0), None)
    startup = {"seconds": first[0], "crawler_cpu": first[2], "workers_cpu": first[3],
               "pages": first[1]} if first is not None else None
    return {"label": label, "workers": workers, "wall": wall, "span": span, "stored": stored,
            "startup": startup,
            "rate": stored / span if span > 0 else float("nan"), "cpu": cpu,
            "crawler_cpu": cpu - workers_cpu, "workers_cpu": workers_cpu,
            "outcomes": outcomes, "samples": sampler.samples, "exit": proc.returncode,
            "crawler_rss": (statistics.median(crawler), max(crawler)) if crawler else (0, 0),
            "worker_rss": (statistics.median(worker), max(worker)) if worker else (0, 0),
            "server_rss": (statistics.median(fork_server), max(fork_server)) if fork_server else None,
            "worker_pids": len({pid for s in sampler.samples for pid in s[3]}), "log": log}


def memory_report(result: dict, pages: int) -> None:
    """RSS by tenths of the pages fetched (median and maximum of the samples taken while that
    tenth was fetched), and how far the last tenth is from the first (the flatness)."""
    samples = result["samples"]
    print(f"memory of {result['label']}: RSS (MB) by tenth of the {pages} pages fetched, "
          f"median/max of the samples in it "
          f"(start-up, before the first page, left out)")
    print(f"{'pages':>13s} {'seconds':>8s} {'samples':>7s} {'crawler':>13s}  workers (each)")
    tenths = []
    for tenth in range(10):
        low, high = pages * tenth // 10, pages * (tenth + 1) // 10
        # Samples before the first page (start-up) belong to no tenth.
        inside = [s for s in samples if low < s[1] <= high]
        if not inside:
            continue
        crawler = [s[2] for s in inside]
        workers: dict[int, list[float]] = {}
        for s in inside:
            for pid, value in s[3].items():
                workers.setdefault(pid, []).append(value)
        tenths.append((crawler, [v for values in workers.values() for v in values]))
        print(f"{low + 1:6d}-{high:<6d} {inside[-1][0]:8.0f} {len(inside):7d} "
              f"{statistics.median(crawler):6.1f}/{max(crawler):<6.1f} "
              + " ".join(f"{statistics.median(v):.1f}/{max(v):.1f}" for v in workers.values()))
    if len(tenths) >= 2:
        for name, index in (("crawler", 0), ("each worker", 1)):
            first, last = tenths[0][index], tenths[-1][index]
            if not first or not last:
                continue
            every = [v for t in tenths for v in t[index]]
            a, b = statistics.median(first), statistics.median(last)
            print(f"{name}: median {statistics.median(every):.1f} MB, max {max(every):.1f} MB over "
                  f"the crawl; first tenth median {a:.1f} MB, last tenth {b:.1f} MB "
                  f"({100 * (b - a) / a:+.1f}%); max after the first tenth "
                  f"{max(v for t in tenths[1:] for v in t[index]):.1f} MB")
        print(f"samples: {len(samples)} (one a second)")


def save_samples(result: dict, path: Path) -> None:
    """Every RSS sample of a run as JSON lines (seconds, pages fetched, crawler MB, workers)."""
    import json

    with path.open("a", encoding="utf-8") as out:
        for seconds, seen, own, workers in result["samples"]:
            out.write(json.dumps({"run": result["label"], "s": round(seconds, 1), "pages": seen,
                                  "crawler_mb": round(own, 1),
                                  "workers_mb": {str(k): round(v, 1) for k, v in workers.items()}})
                      + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500, help="article pages to crawl")
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--workers", default="1,2", help="NEWSCRAWL_STAGE_WORKERS of each run")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--memory", action="store_true", help="print RSS by tenths of the pages")
    parser.add_argument("--samples", type=Path, help="append every RSS sample to this file (JSON lines)")
    parser.add_argument("--keep", type=Path, help="keep a copy of each run's database in this folder")
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]
    with tempfile.TemporaryDirectory(prefix="crawl-throughput-") as tmp_dir:
        tmp = Path(tmp_dir)
        pages = real_pages(args.pages)
        sources, urls = build_sites(tmp, pages, args.pages, args.sites)
        print(f"{len(urls)} article URLs ({len(pages)} distinct real pages, "
              f"{sum(map(len, pages)) / len(pages) / 1024:.0f} KB average) on {args.sites} "
              f"loopback sites; cores usable: {len(os.sched_getaffinity(0))}; load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        results = []
        with LoopbackSiteServer(tmp / "sites") as server:
            n = 0
            for repetition in range(args.repeat):
                order = counts if repetition % 2 == 0 else list(reversed(counts))
                for workers in order:
                    n += 1
                    label = "in-process" if workers <= 1 else f"{workers} workers"
                    result = run(label, workers, sources, urls, server, tmp, n, args.keep)
                    results.append(result)
                    print(f"  run {n}: {label}: {result['rate']:.1f} pages/s "
                          f"({result['stored']} stored in {result['span']:.1f} s; exit "
                          f"{result['exit']}; CPU ms/page crawler "
                          f"{1000 * result['crawler_cpu'] / max(result['stored'], 1):.1f}, workers "
                          f"{1000 * result['workers_cpu'] / max(result['stored'], 1):.1f}; RSS MB med/max crawler "
                          f"{result['crawler_rss'][0]:.0f}/{result['crawler_rss'][1]:.0f}, "
                          f"each worker {result['worker_rss'][0]:.0f}/{result['worker_rss'][1]:.0f}"
                          + (f", their fork server {result['server_rss'][0]:.0f}/"
                             f"{result['server_rss'][1]:.0f}" if result["server_rss"] else "")
                          + "; "
                          f"load average {os.getloadavg()[0]:.1f})", flush=True)
                    if result["startup"] is not None:
                        first = result["startup"]
                        after = max(result["stored"] - first["pages"], 1)
                        print(f"    start-up: first article fetched {first['seconds']:.1f} s after "
                              f"the start (a one-second sample), CPU s before it: crawler "
                              f"{first['crawler_cpu']:.1f}, workers {first['workers_cpu']:.1f}; "
                              f"CPU ms/page after it: crawler "
                              f"{1000 * (result['crawler_cpu'] - first['crawler_cpu']) / after:.1f}, "
                              f"workers {1000 * (result['workers_cpu'] - first['workers_cpu']) / after:.1f}",
                              flush=True)
                    if result["exit"] != 0 or result["stored"] != len(urls):
                        print(open(result["log"]).read()[-3000:])
                    if args.memory:
                        memory_report(result, len(urls))
                    if args.samples:
                        save_samples(result, args.samples)
        print(f"{'run':12s} {'span s':>7s} {'stored':>6s} {'pages/s':>8s} {'CPU s':>6s} "
              f"{'CPU ms/page':>11s} {'crawler RSS MB med/max':>22s} {'worker RSS MB med/max':>21s} "
              f"{'workers':>7s}  outcomes")
        for r in results:
            print(f"{r['label']:12s} {r['span']:7.1f} {r['stored']:6d} {r['rate']:8.1f} "
                  f"{r['cpu']:6.1f} {1000 * r['cpu'] / max(r['stored'], 1):11.0f} "
                  f"{r['crawler_rss'][0]:10.1f}/{r['crawler_rss'][1]:<11.1f} "
                  f"{r['worker_rss'][0]:10.1f}/{r['worker_rss'][1]:<10.1f} {r['worker_pids']:7d}  "
                  + ", ".join(f"{k} {v}" for k, v in sorted(r["outcomes"].items())))
        print("CPU-bound rate on two idle cores (what the CPU time per page allows: the crawler "
              "process alone on one core, everything on two):")
        for r in results:
            crawler = r["crawler_cpu"] / max(r["stored"], 1)
            total = r["cpu"] / max(r["stored"], 1)
            bound = min(1 / crawler, 2 / total) if r["workers"] > 1 else 1 / total
            print(f"  {r['label']:12s} crawler {1000 * crawler:5.0f} ms/page, all processes "
                  f"{1000 * total:5.0f} ms/page -> at most {bound:5.1f} pages/s")
        if len(counts) > 1:
            least = min(counts)
            base = statistics.median(r["rate"] for r in results if r["workers"] == least)
            for workers in sorted(set(counts) - {least}):
                rates = [r["rate"] for r in results if r["workers"] == workers]
                print(f"NEWSCRAWL_STAGE_WORKERS={workers}: median {statistics.median(rates):.1f} "
                      f"pages/s, {statistics.median(rates) / base:.2f}x "
                      f"NEWSCRAWL_STAGE_WORKERS={least}'s {base:.1f}")
    return 0 if all(r["exit"] == 0 and r["stored"] == len(urls) for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
