"""A test-only item pipeline: append each item's url/status/source/discovery as a JSON line.

Used by the ``scrapy crawl`` subprocess tests instead of the real pipelines (which need a
database): ``-s ITEM_PIPELINES='{"tests.crawl.collect.CollectPipeline": 1}'
-s NEWSCRAWL_COLLECT_PATH=/tmp/items.jsonl``. Body bytes are summarized by length and hash,
since bytes are not JSON. Importable in the subprocess because Scrapy puts the project dir
(where scrapy.cfg lives) on sys.path.
"""

from __future__ import annotations

import hashlib
import json

from scrapy.exceptions import NotConfigured


class CollectPipeline:
    def __init__(self, path: str):
        self.path = path

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("NEWSCRAWL_COLLECT_PATH")
        if not path:
            raise NotConfigured("NEWSCRAWL_COLLECT_PATH not set")
        return cls(path)

    def process_item(self, item):
        row = {
            "url": item.url,
            "status": item.status,
            "source": item.source,
            "discovery": item.discovery,
            "body_len": len(item.body),
            "body_sha256": hashlib.sha256(item.body).hexdigest(),
            "fetched_at": item.fetched_at.isoformat() if item.fetched_at else None,
            "content_type": item.headers.get("content-type"),
        }
        # One write per item in append mode: no state to flush if the crawl dies.
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        return item
