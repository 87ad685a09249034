"""Crawl throughput with 1, 2 and 4 crawler processes sharing a Redis frontier (issue 8).

Serves a generated wire network (:func:`newscrawl.testing.wiresite.build_wire_network`:
``--stories`` stories on ``--sites`` outlets, overlapping feeds) on the loopback server and
crawls it into a fresh PostgreSQL schema per run, all in the same run of this script:

* baseline: one ``scrapy crawl news`` process with Scrapy's own scheduler (no Redis);
* 1, 2 and 4 processes with ``NEWSCRAWL_REDIS_URL`` set (one shared frontier);
* with ``--per-process-concurrency``, each of those again with
  ``NEWSCRAWL_SHARED_SITE_CONCURRENCY=False`` (``redis-N-own``): each process counts only its own
  requests per site, as before the shared limit - the "before" of the shared per-site concurrency.

For each: wall time (process start to the last exit: start-up and the idle timeout
included), the CPU time the crawler processes used (user + system, from the kernel's
accounting of waited-for children), the crawl span (first process start to the last stored page, what throughput is
measured on), articles stored per second of span, article requests (each URL must be fetched
once), versions stored, and the most requests one site had in progress at once (the
server's count: the per-site concurrency the sites saw). ``--delay`` makes the server answer each article after that many
seconds (network latency), which is where more processes help beyond the CPU count.

Run from the repository root (PostgreSQL and Redis servers as for the tests)::

    .venv/bin/python benchmarks/crawl_scale.py --stories 150 --sites 8
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from newscrawl.store.models import Fetch, Version  # noqa: E402
from newscrawl.testing import LoopbackSiteServer  # noqa: E402
from newscrawl.testing.wiresite import build_wire_network  # noqa: E402

POSTGRES = os.environ.get("NEWSCRAWL_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS = os.environ.get("NEWSCRAWL_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


def run(label: str, processes: int, use_redis: bool, network, server, tmp: Path,
        idle_timeout: float, *settings: str) -> dict:
    schema = f"nc_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES).update_query_dict({"options": f"-csearch_path={schema}"})
    db_url = url.render_as_string(hide_password=False)
    # Migrate before timing, so the processes do not race on creating the schema.
    subprocess.run([sys.executable, "-m", "newscrawl", "db", "upgrade", "--db", db_url],
                   cwd=REPO, check=True, capture_output=True)
    prefix = f"ncbench-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
           and k not in ("NEWSCRAWL_DATABASE_URL", "NEWSCRAWL_REDIS_URL", "REDIS_URL")}
    env["http_proxy"] = server.proxy_url
    if use_redis:
        env["NEWSCRAWL_REDIS_URL"] = REDIS
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sources={network.sources}",
           "-s", f"NEWSCRAWL_DATABASE_URL={db_url}", "-s", "AUTOTHROTTLE_ENABLED=False",
           "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=INFO",
           "-s", f"NEWSCRAWL_LOCK_DIR={tmp / 'locks'}", "-s", f"NEWSCRAWL_SPOOL_DIR={tmp / 'spool'}",
           "-s", f"NEWSCRAWL_REDIS_PREFIX={prefix}",
           "-s", f"NEWSCRAWL_REDIS_IDLE_TIMEOUT={idle_timeout}"]
    for setting in settings:
        cmd += ["-s", setting]
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
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.connect() as conn:
        versions = conn.execute(select(func.count()).select_from(Version)).scalar()
        last = conn.execute(select(func.max(Fetch.fetched_at))).scalar()
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    span = (last - started).total_seconds() if last is not None else float("nan")
    return {"label": label, "wall": wall, "span": span, "versions": versions, "cpu": cpu,
            "rate": versions / span if span > 0 else float("nan"),
            "requests": sum(requests.values()), "twice": sum(1 for n in requests.values() if n > 1),
            "peak": peak,
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
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="crawl-scale-") as tmp_dir:
        tmp = Path(tmp_dir)
        network = build_wire_network(tmp / "net", stories=args.stories, sites=args.sites)
        print(f"{len(network.stories)} stories, {len(network.article_urls)} article pages on "
              f"{args.sites} outlets; server delay {args.delay:g} s; {os.cpu_count()} CPUs")
        with LoopbackSiteServer(network.root) as server:
            if args.delay:
                for url in network.article_urls:
                    server.fault(url, "delay", seconds=args.delay)
            results = [run("baseline", 1, False, network, server, tmp, args.idle_timeout)]
            for n in (int(x) for x in args.processes.split(",")):
                if args.per_process_concurrency:
                    results.append(run(f"redis-{n}-own", n, True, network, server, tmp,
                                       args.idle_timeout, "NEWSCRAWL_SHARED_SITE_CONCURRENCY=False"))
                results.append(run(f"redis-{n}", n, True, network, server, tmp, args.idle_timeout))
    base = results[0]["rate"]
    print(f"{'run':14s} {'wall s':>7s} {'span s':>7s} {'versions':>8s} {'pages/s':>8s} "
          f"{'vs base':>7s} {'crawler CPU s':>13s} {'CPU ms/page':>11s} {'requests':>8s} "
          f"{'fetched twice':>13s} {'peak/site':>9s}")
    for r in results:
        print(f"{r['label']:14s} {r['wall']:7.1f} {r['span']:7.1f} {r['versions']:8d} "
              f"{r['rate']:8.1f} {r['rate'] / base:6.2f}x {r['cpu']:13.1f} "
              f"{1000 * r['cpu'] / max(r['versions'], 1):11.0f} {r['requests']:8d} {r['twice']:13d} {r['peak']:9d}"
              + (f"  FAILED: {r['failed']}" if r["failed"] else ""))
    return 0 if all(not r["failed"] and r["twice"] == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
