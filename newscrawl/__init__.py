"""newscrawl: crawl news sites and normalize syndicated stories into a clean SQL record.

The package's rooms, in the direction a page flows (docs/architecture.md):
:mod:`newscrawl.crawl` (Scrapy) -> :mod:`newscrawl.stages` (pure functions) -> :mod:`newscrawl.store`
(SQL); :mod:`newscrawl.model` holds the data passed between them.
"""

from newscrawl.model import ArticleMetadata, ArticleRecord, Block, Fingerprint, Page, Repair
from newscrawl.stages import process_page

__all__ = ["ArticleMetadata", "ArticleRecord", "Block", "Fingerprint", "Page", "Repair", "process_page"]
