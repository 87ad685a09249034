"""newscrawl: crawl news sites and normalize syndicated stories into a clean SQL record.

The package's rooms, in the direction a page flows (docs/architecture.md):
:mod:`newscrawl.crawl` (Scrapy) -> :mod:`newscrawl.stages` (pure functions) -> :mod:`newscrawl.store`
(SQL); :mod:`newscrawl.model` holds the data passed between them.
"""

from newscrawl.model import ArticleMetadata, ArticleRecord, Block, Fingerprint, Page, Repair

__all__ = ["ArticleMetadata", "ArticleRecord", "Block", "Fingerprint", "Page", "Repair", "process_page"]


def __getattr__(name: str):
    # process_page is imported when first asked for: importing it imports every stage and its
    # libraries (trafilatura, lxml, the language models' code), which a process that only
    # stores what workers made (``newscrawl ingest --jobs N``), or only reads the database,
    # does not need.
    if name == "process_page":
        from newscrawl.stages import process_page

        return process_page
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
