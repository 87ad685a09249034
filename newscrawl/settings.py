"""Moved to :mod:`newscrawl.crawl.settings`; this alias goes in the next release."""

from newscrawl.crawl.settings import *  # noqa: F403 - the Scrapy settings, re-exported
from newscrawl.moved import warn_moved

warn_moved("newscrawl.settings", "newscrawl.crawl.settings")
