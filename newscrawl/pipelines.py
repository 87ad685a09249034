"""Moved to :mod:`newscrawl.crawl.pipelines`; this alias goes in the next release."""

from newscrawl.crawl.pipelines import *  # noqa: F403 - the item pipelines, re-exported
from newscrawl.moved import warn_moved

warn_moved("newscrawl.pipelines", "newscrawl.crawl.pipelines")
