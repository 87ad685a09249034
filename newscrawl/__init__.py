"""newscrawl: crawl news sites and normalize syndicated stories into a clean SQL record."""

from newscrawl.page import Page
from newscrawl.process import process_page
from newscrawl.record import ArticleRecord, Fingerprint, Repair

__all__ = ["ArticleRecord", "Fingerprint", "Page", "Repair", "process_page"]
