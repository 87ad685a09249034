"""The per-site concurrency limit in one crawler process without Redis (the default setup: a plain
``scrapy crawl news``), measured by the site: a real ``scrapy crawl news`` process, a loopback
server that counts the requests each site has in progress at once, slow article pages listed by
one feed, so that a burst of requests for one site is ready at the same moment.

Without :class:`~newscrawl.crawl.politeness.slots.SharedConcurrencyMiddleware` in this mode, Scrapy 2.19's
downloader sends such a burst all at once (newscrawl/crawl/politeness/slots.py says why), several
times the site's limit in flight (docs/measurements.md, "Crawl: figures behind its settings").
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from urllib.parse import urlsplit

import pytest

from newscrawl.testing import LoopbackSiteServer
from evaluation.wiresite import build_wire_network

from .test_scale_out import REPO, assert_stored_once, crawl_command, crawl_env, stat, wait_all

pytestmark = pytest.mark.crawl


def test_one_crawler_without_redis_keeps_each_site_s_concurrency_limit(tmp_path):
    network = build_wire_network(tmp_path / "net", stories=14, sites=2, seed=51)
    sites = [urlsplit(base).netloc for base in network.outlets]
    database_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    with LoopbackSiteServer(network.root) as server:
        for url in network.article_urls:  # slow pages: a feed's articles overlap in flight
            server.fault(url, "delay", seconds=0.4)
        # The second site's limit is set for it alone (Scrapy's DOWNLOAD_SLOTS).
        cmd = crawl_command(network, database_url, tmp_path, "CONCURRENT_REQUESTS_PER_DOMAIN=2",
                            "DOWNLOAD_SLOTS=" + json.dumps({sites[1]: {"concurrency": 3}}))
        log = tmp_path / "crawler.log"
        proc = subprocess.Popen(cmd, cwd=REPO, env=crawl_env(server.proxy_url),
                                stdout=log.open("w"), stderr=subprocess.STDOUT)
        text = wait_all([proc], [log])[0]
        exchanges = server.exchanges
        peak = server.peak_in_flight

    # Each site had its limit in flight at most - and reached it: the limit is not bought by
    # sending one request at a time.
    assert peak == {sites[0]: 2, sites[1]: 3}, peak
    fetched = Counter(e.url for e in exchanges)
    assert set(fetched.values()) == {1} and set(network.article_urls) <= set(fetched)
    # Every request sent took a slot, and all were given back (no request waited forever).
    assert stat(text, "newscrawl/concurrency/leased") == len(exchanges)
    assert_stored_once(database_url, network)
