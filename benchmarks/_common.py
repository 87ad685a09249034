"""Pieces the benchmark scripts share: a crawl subprocess's command line and environment, and a
scratch PostgreSQL schema."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]

#: Proxy variables a crawl subprocess must not inherit: its only proxy is the loopback server.
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def crawl_command(sources: Path, database_url: str, lock_dir: Path, *settings: str,
                  log_level: str = "WARNING") -> list[str]:
    """``scrapy crawl news`` on ``sources`` into ``database_url``, without politeness delays
    (the server is ours), then each ``NAME=VALUE`` of ``settings``."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sources={sources}",
           "-s", f"NEWSCRAWL_DATABASE_URL={database_url}", "-s", f"NEWSCRAWL_LOCK_DIR={lock_dir}",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
           "-s", f"LOG_LEVEL={log_level}"]
    for setting in settings:
        cmd += ["-s", setting]
    return cmd


def proxy_env(proxy_url: str, drop: tuple[str, ...] = ()) -> dict[str, str]:
    """This process's environment for a crawl subprocess whose every request goes through the
    loopback server at ``proxy_url``, less the variables named in ``drop``."""
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in PROXY_VARIABLES and k not in drop}
    env["http_proxy"] = proxy_url
    return env


def timed_crawl(proxy_url: str, sources: Path, database_url: str, lock_dir: Path,
                *settings: str) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one crawl process through the loopback server at
    ``proxy_url``, 8 requests at a time per site; a failed crawl raises."""
    cmd = crawl_command(sources, database_url, lock_dir, "CONCURRENT_REQUESTS_PER_DOMAIN=8",
                        *settings)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, env=proxy_env(proxy_url), check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def scratch_postgres(server: str) -> tuple[str, Callable[[], None]]:
    """(URL of a fresh schema on the PostgreSQL ``server``, a function that drops it)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    schema = f"nc_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds process ``pid`` itself (not its children) has used so far;
    None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
