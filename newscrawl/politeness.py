"""Moved to :mod:`newscrawl.crawl.politeness`; this alias goes in the next release."""

from newscrawl.crawl.politeness import *  # noqa: F403 - the politeness components, re-exported
from newscrawl.moved import warn_moved

warn_moved("newscrawl.politeness", "newscrawl.crawl.politeness")
