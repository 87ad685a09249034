"""The disk spool: items the database could not take are kept and replayed, none lost.

The outage is played with a TCP proxy in front of the real PostgreSQL server
(:class:`~newscrawl.testing.tcpproxy.TcpProxy`): stopping it cuts the pipeline's connections
and refuses new ones, as a stopped server would, without stopping the shared server.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from newscrawl.crawl.items import PageItem
from newscrawl.crawl.pipelines import StorePipeline
from newscrawl.crawl.spool import KIND_PAGE, Spool, SpoolEntry
from newscrawl.store.db import make_engine
from newscrawl.store.models import Fetch, Story, Version
from newscrawl.testing.tcpproxy import TcpProxy

from evaluation.articles import LIBRARY_PARTS, TRAM, VINEYARD, article_html

T0 = dt.datetime(2025, 10, 14, 20, 0, tzinfo=dt.UTC)


class Stats(dict):
    def inc_value(self, key, count=1, start=0):
        self[key] = self.get(key, start) + count

    def set_value(self, key, value):
        self[key] = value


def entry(n: int) -> SpoolEntry:
    return SpoolEntry(kind=KIND_PAGE, url=f"http://x.example/{n}", status=200,
                      headers={"content-type": "text/html"}, fetched_at=T0, body=b"<p>\xe9</p>")


def test_entries_round_trip_and_replay_in_order(tmp_path):
    spool = Spool(tmp_path, "sqlite:///x.db")
    for n in range(3):
        spool.append(entry(n))
    assert spool.pending_count() == 3
    again = SpoolEntry.from_json(entry(7).to_json())
    assert again == entry(7)  # bytes that are not UTF-8 survive (base64)
    stored = []
    result = Spool(tmp_path, "sqlite:///x.db").replay(stored.append, lambda exc: False)
    assert [e.url for e in stored] == [f"http://x.example/{n}" for n in range(3)]
    assert result.replayed == 3 and spool.pending_count() == 0
    # A spool belongs to its database: another URL has its own (empty) folder.
    assert Spool(tmp_path, "sqlite:///other.db").pending_count() == 0


def test_a_torn_line_is_set_aside_and_the_rest_replayed(tmp_path):
    spool = Spool(tmp_path, "sqlite:///x.db")
    spool.append(entry(1))
    spool.close()
    path = spool.pending_files()[0]
    with path.open("a", encoding="utf-8") as f:
        f.write(entry(2).to_json()[:40] + "\n")  # a crash in the middle of a write
        f.write(entry(3).to_json() + "\n")
    stored = []
    result = spool.replay(stored.append, lambda exc: False)
    assert [e.url for e in stored] == ["http://x.example/1", "http://x.example/3"]
    assert result.rejected == 1
    rejected = (spool.directory / "rejected.jsonl").read_text()
    assert "ValueError" in rejected or "JSONDecodeError" in rejected


def test_an_interrupted_replay_keeps_what_was_not_stored(tmp_path):
    spool = Spool(tmp_path, "sqlite:///x.db")
    for n in range(5):
        spool.append(entry(n))
    stored = []

    def store(e):
        if len(stored) == 2:
            raise ConnectionError("gone again")
        stored.append(e)

    result = spool.replay(store, lambda exc: isinstance(exc, ConnectionError))
    assert result.interrupted and result.replayed == 2
    assert spool.pending_count() == 3
    rest = []
    spool.replay(rest.append, lambda exc: False)
    assert [e.url for e in stored + rest] == [f"http://x.example/{n}" for n in range(5)]


def test_an_entry_that_cannot_be_stored_is_set_aside_and_replay_goes_on(tmp_path):
    spool = Spool(tmp_path, "sqlite:///x.db")
    for n in range(3):
        spool.append(entry(n))
    stored = []

    def store(e):
        if e.url.endswith("/1"):
            raise ZeroDivisionError("division by zero")
        stored.append(e.url)

    result = spool.replay(store, lambda exc: False)
    assert stored == ["http://x.example/0", "http://x.example/2"]
    assert result.replayed == 2 and result.rejected == 1 and not result.interrupted
    assert spool.pending_count() == 0
    (rejected,) = [json.loads(line) for line in spool.rejected_path.read_text().splitlines()]
    assert rejected["error"] == "ZeroDivisionError: division by zero"
    assert SpoolEntry.from_json(rejected["line"]) == entry(1)  # the whole entry, to look at
    assert dt.datetime.fromisoformat(rejected["at"]).tzinfo is not None


def _item(url: str, body: str, title: str) -> PageItem:
    return PageItem(url=url, body=article_html(title, body), status=200,
                    headers={"content-type": "text/html; charset=utf-8"}, fetched_at=T0,
                    source="test")


def _proxied(database_url: str, proxy: TcpProxy) -> str:
    url = make_url(database_url)
    return url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_pipeline_spools_while_the_database_is_down_and_replays_when_it_returns(
        database_url, tmp_path):
    real = make_url(database_url)
    proxy = TcpProxy((real.host, real.port or 5432)).start()
    items = [
        _item("http://a.example/tram", TRAM, "Council approves eastern tram line"),
        _item("http://b.example/vineyard", VINEYARD, "Vineyard harvest"),
        _item("http://c.example/tram", TRAM, "Tram line approved"),
        _item("http://c.example/library", "\n\n".join(LIBRARY_PARTS), "Library"),
        PageItem(url="http://c.example/gone", body=b"", status=503, fetched_at=T0,
                 error="http_status_503"),
    ]
    stats = Stats()
    pipeline = StorePipeline(_proxied(database_url, proxy), stats=stats, spool_root=tmp_path,
                             retry_interval=0)
    try:
        pipeline.open_store()
        pipeline.store_or_spool(items[0])
        proxy.stop()  # the server "stops"
        pipeline.store_or_spool(items[1])
        pipeline.store_or_spool(items[2])
        assert stats["newscrawl/spool/spooled"] == 2
        assert pipeline.spool.pending_count() == 2
        proxy.start()  # ... and comes back on the same port
        pipeline.store_or_spool(items[3])  # stored, then the spool is replayed
        pipeline.store_or_spool(items[4])
        pipeline.close_store()
    finally:
        proxy.stop()
    assert stats["newscrawl/spool/replayed"] == 2
    assert stats["newscrawl/spool/pending"] == 0
    engine = make_engine(database_url)
    with engine.connect() as conn:
        versions = conn.execute(select(Version.url)).scalars().all()
        assert sorted(versions) == sorted(i.url for i in items[:4])
        assert conn.execute(select(func.count()).select_from(Story)).scalar() == 3
        assert conn.execute(select(func.count()).select_from(Fetch)).scalar() == 5
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_run_that_starts_without_database_spools_and_the_next_run_replays(database_url, tmp_path):
    real = make_url(database_url)
    proxy = TcpProxy((real.host, real.port or 5432))
    proxy.start()
    port = proxy.port
    proxy.stop()  # down from the start
    url = _proxied(database_url, proxy)
    stats = Stats()
    first = StorePipeline(url, stats=stats, spool_root=tmp_path, retry_interval=60)
    first.open_store()
    first.store_or_spool(_item("http://a.example/tram", TRAM, "Tram"))
    first.store_or_spool(_item("http://b.example/vineyard", VINEYARD, "Vineyard"))
    first.close_store()
    assert stats["newscrawl/spool/spooled"] == 2 and stats["newscrawl/spool/pending"] == 2

    proxy = TcpProxy((real.host, real.port or 5432), port=port).start()
    try:
        stats = Stats()
        second = StorePipeline(url, stats=stats, spool_root=tmp_path)
        second.open_store()  # replays the earlier run's spool
        second.close_store()
    finally:
        proxy.stop()
    assert stats["newscrawl/spool/replayed"] == 2
    assert stats["newscrawl/store/stored_new_story"] == 2
    assert stats["newscrawl/spool/pending"] == 0
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Version)).scalar() == 2
    engine.dispose()


@pytest.mark.crawl
def test_a_spooled_entry_the_database_refuses_does_not_stop_the_next_crawl(tmp_path, database_url):
    """One bad entry among good ones: the next crawl opens, stores the good ones, sets the bad
    one aside in rejected.jsonl with its reason, and crawls."""
    import subprocess
    import sys

    from evaluation import newsroom
    from newscrawl.testing import LoopbackSiteServer

    from ..store.test_page_data import refuse_urls
    from .test_incremental import ARTICLES, article_exchanges, crawl, stat

    refuse_urls(database_url, "versions", "fetches")  # refused even as a failed fetch
    spool_root = tmp_path / "spool"
    spool = Spool(spool_root, database_url)
    for item in (_item("http://a.example/tram", TRAM, "Council approves eastern tram line"),
                 _item("http://b.example/refuse-me", "\n\n".join(LIBRARY_PARTS), "Library"),
                 _item("http://c.example/vineyard", VINEYARD, "Vineyard harvest")):
        spool.append(StorePipeline.entry_of_item(item))
    spool.close()
    # As a crawl that died left it: the file of a process that is gone.
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    (path,) = spool.pending_files()
    host, _pid, rest = path.name.split("-", 2)
    path.rename(path.with_name(f"{host}-{gone.stdout.strip()}-{rest}"))

    sources = newsroom.build_site(tmp_path / "site")
    with LoopbackSiteServer(tmp_path / "site" / "sites") as server:
        log = crawl(tmp_path, sources, database_url, server.proxy_url,
                    f"NEWSCRAWL_SPOOL_DIR={spool_root}")
        assert len(article_exchanges(server)) == len(ARTICLES)  # it crawled
    assert stat(log, "newscrawl/spool/replayed") == 2
    assert stat(log, "newscrawl/spool/rejected") == 1
    assert spool.pending_count() == 0
    (rejected,) = [json.loads(line) for line in spool.rejected_path.read_text().splitlines()]
    assert SpoolEntry.from_json(rejected["line"]).url == "http://b.example/refuse-me"
    assert rejected["error"].startswith("StoreRefused: db_error:"), rejected["error"]
    engine = make_engine(database_url)
    with engine.connect() as conn:
        urls = set(conn.execute(select(Version.url)).scalars())
    engine.dispose()
    assert {"http://a.example/tram", "http://c.example/vineyard"} <= urls
    assert len(urls) == 2 + len(ARTICLES)


def test_the_pipeline_records_a_refused_page_and_sets_aside_what_it_cannot_record(
        tmp_path, database_url):
    from ..store.test_page_data import refuse_urls

    refuse_urls(database_url, "versions")
    stats = Stats()
    pipeline = StorePipeline(database_url, stats=stats, spool_root=tmp_path)
    pipeline.open_store()
    pipeline.store_or_spool(_item("http://a.example/tram", TRAM, "Tram"))
    pipeline.store_or_spool(_item("http://b.example/refuse-me", VINEYARD, "Vineyard"))
    pipeline.close_store()
    assert stats["newscrawl/store/refused"] == 1 and stats["newscrawl/store/failed"] == 1
    engine = make_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Fetch.url, Fetch.outcome, Fetch.reason).order_by(Fetch.id)).all()
    engine.dispose()
    assert [tuple(r)[:2] for r in rows] == [("http://a.example/tram", "stored_new_story"),
                                           ("http://b.example/refuse-me", "failed")]
    assert rows[1].reason.startswith("db_error:")

    # Refused even as a failed fetch: set aside with the reason, the crawl goes on.
    refuse_urls(database_url, "fetches")
    pipeline = StorePipeline(database_url, stats=(stats := Stats()), spool_root=tmp_path)
    pipeline.open_store()
    pipeline.store_or_spool(_item("http://c.example/refuse-me", LIBRARY_PARTS[0] * 3, "Library"))
    pipeline.store_or_spool(_item("http://c.example/vineyard", VINEYARD, "Vineyard"))
    pipeline.close_store()
    assert stats["newscrawl/spool/rejected"] == 1 and stats["newscrawl/store/stored_new_story"] == 1
    (rejected,) = [json.loads(line) for line in pipeline.spool.rejected_path.read_text().splitlines()]
    assert SpoolEntry.from_json(rejected["line"]).url == "http://c.example/refuse-me"
    assert "db_error:" in rejected["error"]
