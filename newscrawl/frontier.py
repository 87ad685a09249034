"""Moved to :mod:`newscrawl.crawl.shared.frontier`; this alias goes in the next release."""

from newscrawl.crawl.shared.frontier import *  # noqa: F403 - the Redis frontier, re-exported
from newscrawl.moved import warn_moved

warn_moved("newscrawl.frontier", "newscrawl.crawl.shared.frontier")
