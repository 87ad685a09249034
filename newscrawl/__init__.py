"""newscrawl: crawl news sites and normalize syndicated stories into a clean SQL record."""

from newscrawl.page import Page
from newscrawl.record import ArticleRecord, Fingerprint, Repair

__all__ = ["ArticleRecord", "Fingerprint", "Page", "Repair"]
