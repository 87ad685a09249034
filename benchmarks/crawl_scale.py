"""Crawl throughput with 1, 2 and 4 crawler processes sharing a Redis frontier.

Serves a generated wire network (:func:`evaluation.wiresite.build_wire_network`:
``--stories`` stories on ``--sites`` outlets, overlapping feeds) on the loopback server and
crawls it into a fresh PostgreSQL schema per run, all in the same run of this script:

* baseline: one ``scrapy crawl news`` process with Scrapy's own scheduler (no Redis);
* 1, 2 and 4 processes with ``NEWSCRAWL_REDIS_URL`` set (one shared frontier);
* with ``--per-process-concurrency``, each of those again with
  ``NEWSCRAWL_SHARED_SITE_CONCURRENCY=False`` (``redis-N-own``): each process counts only its own
  requests per site - what the shared per-site concurrency is compared with;
* with ``--local-concurrency``, the baseline again with ``NEWSCRAWL_LOCAL_SITE_CONCURRENCY=False``
  and Scrapy's own scheduler queue (``baseline-scrapy``): Scrapy's downloader alone keeps the
  per-site limit - what the in-memory slots of one process without Redis are compared with.
  ``--processes 0`` leaves out the Redis runs; ``--repeat N`` runs everything N times (the two
  baselines in ABBA order, so that a drift over the runs favours neither) and adds the median of
  each run's figures.

For each: wall time (process start to the last exit: start-up and the idle timeout
included), the CPU time the crawler processes used (user + system, from the kernel's
accounting of waited-for children), the crawl span (first process start to the last stored page, what throughput is
measured on), articles stored per second of span, article requests (each URL must be fetched
once), versions stored, the most requests one site had in progress at once (the
server's count: the per-site concurrency the sites saw), and ``sent/s/site``: each site's
article requests per second between the first and the last one's arrival at the server,
averaged over the sites (the rate a site saw, without start-up, feeds and the storing of the
last pages; with ``--delay D`` and 2 in flight per site it cannot exceed 2 / D). ``--delay`` makes the server answer each article after that many
seconds (network latency), which is where more processes help beyond the CPU count.

Run from the repository root (PostgreSQL and Redis servers as for the tests)::

    .venv/bin/python benchmarks/crawl_scale.py --stories 150 --sites 8
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from benchmarks._common import crawl_command, proxy_env, scratch_postgres  # noqa: E402
from newscrawl.store.models import Fetch, Version  # noqa: E402
from newscrawl.testing import LoopbackSiteServer  # noqa: E402
from evaluation.wiresite import build_wire_network  # noqa: E402

POSTGRES = os.environ.get("NEWSCRAWL_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: The "before" of the per-site limit without Redis: Scrapy's downloader and queue alone.
SCRAPY_ALONE = ("NEWSCRAWL_LOCAL_SITE_CONCURRENCY=False",
                "SCHEDULER_PRIORITY_QUEUE=scrapy.pqueues.DownloaderAwarePriorityQueue")
REDIS = os.environ.get("NEWSCRAWL_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


def run(label: str, processes: int, use_redis: bool, network, server, tmp: Path,
        idle_timeout: float, *settings: str) -> dict:
    db_url, drop_schema = scratch_postgres(POSTGRES)
    # Migrate before timing, so the processes do not race on creating the schema.
    subprocess.run([sys.executable, "-m", "newscrawl", "db", "upgrade", "--db", db_url],
                   cwd=REPO, check=True, capture_output=True)
    prefix = f"ncbench-{uuid.uuid4().hex[:8]}"
    env = proxy_env(server.proxy_url,
                    drop=("NEWSCRAWL_DATABASE_URL", "NEWSCRAWL_REDIS_URL", "REDIS_URL"))
    if use_redis:
        env["NEWSCRAWL_REDIS_URL"] = REDIS
    cmd = crawl_command(network.sources, db_url, tmp / "locks",
                        f"NEWSCRAWL_SPOOL_DIR={tmp / 'spool'}", f"NEWSCRAWL_REDIS_PREFIX={prefix}",
                        f"NEWSCRAWL_REDIS_IDLE_TIMEOUT={idle_timeout}", *settings,
                        log_level="INFO")
    server.clear_log()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = dt.datetime.now(dt.UTC)
    t0 = time.monotonic()
    logs = [tmp / f"{label}-{n}.log" for n in range(processes)]
    procs = [subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
             for log in logs]
    for proc in procs:
        proc.wait()
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    failed = [log for proc, log in zip(procs, logs) if proc.returncode != 0]
    articles = set(network.article_urls)
    requests = Counter(e.url for e in server.exchanges if e.url in articles)
    peak = max(server.peak_in_flight.values(), default=0)
    # Each site's view of the rate: its article requests per second between the first and the
    # last one's arrival (no start-up, feeds or storing of the last pages in it), averaged.
    arrivals: dict[str, list[float]] = {}
    for e in server.exchanges:
        if e.url in articles:
            arrivals.setdefault(urlsplit(e.url).netloc, []).append(e.arrived_at)
    site_rates = [(len(times) - 1) / (max(times) - min(times))
                  for times in arrivals.values() if len(times) > 1 and max(times) > min(times)]
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.connect() as conn:
        versions = conn.execute(select(func.count()).select_from(Version)).scalar()
        last = conn.execute(select(func.max(Fetch.fetched_at))).scalar()
    engine.dispose()
    drop_schema()
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    span = (last - started).total_seconds() if last is not None else float("nan")
    return {"label": label, "wall": wall, "span": span, "versions": versions, "cpu": cpu,
            "rate": versions / span if span > 0 else float("nan"),
            "requests": sum(requests.values()), "twice": sum(1 for n in requests.values() if n > 1),
            "peak": peak, "sent_rate": statistics.fmean(site_rates) if site_rates else float("nan"),
            "failed": [str(f) for f in failed]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=150)
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--delay", type=float, default=0.0,
                        help="seconds the server waits before answering each article")
    parser.add_argument("--idle-timeout", type=float, default=2.0)
    parser.add_argument("--per-process-concurrency", action="store_true",
                        help="also run each Redis setup with per-process site concurrency")
    parser.add_argument("--local-concurrency", action="store_true",
                        help="also run the baseline with Scrapy's downloader alone keeping the limit")
    parser.add_argument("--repeat", type=int, default=1, help="run everything this many times")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a Scrapy setting for every run (e.g. DOWNLOAD_DELAY=0.001)")
    args = parser.parse_args()
    processes = [int(x) for x in args.processes.split(",") if x.strip() and int(x) > 0]

    with tempfile.TemporaryDirectory(prefix="crawl-scale-") as tmp_dir:
        tmp = Path(tmp_dir)
        network = build_wire_network(tmp / "net", stories=args.stories, sites=args.sites)
        print(f"{len(network.stories)} stories, {len(network.article_urls)} article pages on "
              f"{args.sites} outlets; server delay {args.delay:g} s; {os.cpu_count()} CPUs")
        if args.delay:
            # What 2 requests in flight per site allow at most, were the crawler infinitely fast.
            print(f"at 2 in flight per site: at most {2 * args.sites / args.delay:.1f} pages/s")
        results = []
        with LoopbackSiteServer(network.root) as server:
            if args.delay:
                for url in network.article_urls:
                    server.fault(url, "delay", seconds=args.delay)
            for repetition in range(max(1, args.repeat)):
                baselines = [("baseline", ())]
                if args.local_concurrency:
                    baselines.append(("baseline-scrapy", SCRAPY_ALONE))
                if repetition % 2 == 0:  # ABBA: a drift over the runs favours neither
                    baselines.reverse()
                for label, extra in baselines:
                    results.append(run(label, 1, False, network, server, tmp, args.idle_timeout,
                                       *args.set, *extra))
                for n in processes:
                    if args.per_process_concurrency:
                        results.append(run(f"redis-{n}-own", n, True, network, server, tmp,
                                           args.idle_timeout, *args.set,
                                           "NEWSCRAWL_SHARED_SITE_CONCURRENCY=False"))
                    results.append(run(f"redis-{n}", n, True, network, server, tmp, args.idle_timeout,
                                       *args.set))
    base = statistics.median(r["rate"] for r in results if r["label"] == "baseline")
    print(f"{'run':14s} {'wall s':>7s} {'span s':>7s} {'versions':>8s} {'pages/s':>8s} "
          f"{'vs base':>7s} {'crawler CPU s':>13s} {'CPU ms/page':>11s} {'requests':>8s} "
          f"{'fetched twice':>13s} {'peak/site':>9s} {'sent/s/site':>12s}")
    for r in results:
        print(f"{r['label']:14s} {r['wall']:7.1f} {r['span']:7.1f} {r['versions']:8d} "
              f"{r['rate']:8.1f} {r['rate'] / base:6.2f}x {r['cpu']:13.1f} "
              f"{1000 * r['cpu'] / max(r['versions'], 1):11.0f} {r['requests']:8d} {r['twice']:13d} {r['peak']:9d} {r['sent_rate']:12.2f}"
              + (f"  FAILED: {r['failed']}" if r["failed"] else ""))
    if args.repeat > 1:
        labels = list(dict.fromkeys(r["label"] for r in results))
        for label in labels:
            rates = [r["rate"] for r in results if r["label"] == label]
            cpus = [1000 * r["cpu"] / max(r["versions"], 1) for r in results if r["label"] == label]
            peaks = [r["peak"] for r in results if r["label"] == label]
            sent = statistics.median(r["sent_rate"] for r in results if r["label"] == label)
            print(f"median {label:14s} {statistics.median(rates):6.1f} pages/s "
                  f"({statistics.median(rates) / base:.2f}x; runs {', '.join(f'{x:.1f}' for x in rates)}), "
                  f"{statistics.median(cpus):.0f} CPU ms/page, peak/site {min(peaks)}-{max(peaks)}, "
                  f"articles sent {sent:.2f}/s per site")
    return 0 if all(not r["failed"] and r["twice"] == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
