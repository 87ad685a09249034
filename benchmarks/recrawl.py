"""What a scheduled re-crawl costs, with and without the incremental crawl.

Serves a site of ``--articles`` pages (the test newsroom's texts, varied) on the loopback server
and runs ``scrapy crawl news`` into a fresh SQLite store four times, all in the same run:

1. the first crawl;
2. a re-crawl with ``NEWSCRAWL_INCREMENTAL=False`` - the baseline: every article downloaded
   again, the store finds the same text;
3. a re-crawl with ``NEWSCRAWL_REVISIT_AFTER=0`` - every article asked for, conditionally;
4. a re-crawl with the default policy (by article age) - nothing due yet.

Prints wall time (subprocess, start-up included), article requests, article body bytes the
server sent and the fetch outcomes of each run. Run from the repository root::

    .venv/bin/python benchmarks/recrawl.py --articles 200
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, select  # noqa: E402

from benchmarks._common import timed_crawl  # noqa: E402
from newscrawl.crawl.replay import save_case  # noqa: E402
from newscrawl.store.db import upgrade  # noqa: E402
from newscrawl.store.models import Fetch  # noqa: E402
from newscrawl.testing import LoopbackSiteServer  # noqa: E402
from evaluation import newsroom  # noqa: E402


def build(root: Path, count: int) -> Path:
    texts = list(newsroom.ARTICLES.values()) + list(newsroom.LATER.values())
    sites = root / "sites"
    slugs = [f"story-{i:04d}" for i in range(count)]
    articles = {}
    for i, slug in enumerate(slugs):
        title, paragraphs = texts[i % len(texts)]
        shift = (i // len(texts)) % len(paragraphs)
        paragraphs = paragraphs[shift:] + paragraphs[:shift]
        articles[slug] = (f"{title} ({i})", [f"Bulletin {i} from the quay desk."] + paragraphs)
        save_case(sites, newsroom.url_of(slug), newsroom.page(*articles[slug]),
                  headers=newsroom.H_HTML)
    save_case(sites, f"{newsroom.HOST}/rss.xml", newsroom.feed(slugs[: count // 2], articles),
              headers={"Content-Type": "application/rss+xml"})
    save_case(sites, f"{newsroom.HOST}/sitemap.xml", newsroom.sitemap(slugs[count // 2:]),
              headers=newsroom.H_XML)
    toml = root / "sources.toml"
    toml.write_text(f'[[sources]]\nname = "Gazette"\nfeeds = ["{newsroom.HOST}/rss.xml"]\n'
                    f'sitemaps = ["{newsroom.HOST}/sitemap.xml"]\n', encoding="utf-8")
    return toml


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sources = build(root / "site", args.articles)
        db = f"sqlite:///{root / 'store.db'}"
        engine = create_engine(db)
        upgrade(engine)
        rows = []
        with LoopbackSiteServer(root / "site" / "sites") as server:
            for label, settings in [
                ("first crawl", ()),
                ("re-crawl, incremental off (baseline)", ("NEWSCRAWL_INCREMENTAL=False",)),
                ("re-crawl, REVISIT_AFTER=0 (conditional)", ("NEWSCRAWL_REVISIT_AFTER=0",)),
                ("re-crawl, default policy", ()),
            ]:
                server.clear_log()
                with engine.connect() as conn:
                    mark = conn.execute(select(Fetch.id).order_by(Fetch.id.desc())).scalar() or 0
                seconds, _ = timed_crawl(server.proxy_url, sources, db, root, *settings)
                articles = [e for e in server.exchanges if "/news/" in e.url]
                with engine.connect() as conn:
                    outcomes = Counter(f"{o}/{r}" if r else o for o, r in conn.execute(
                        select(Fetch.outcome, Fetch.reason).where(Fetch.id > mark)))
                rows.append((label, seconds, len(articles), sum(e.body_bytes for e in articles),
                             dict(outcomes)))
        engine.dispose()
    print(f"{args.articles} articles, one SQLite store, same run\n")
    print("| run | wall s | article requests | article body bytes | fetch outcomes |")
    print("|---|---|---|---|---|")
    for label, seconds, requests, body, outcomes in rows:
        print(f"| {label} | {seconds:.1f} | {requests} | {body:,} | {outcomes} |")


if __name__ == "__main__":
    main()
