"""Test helpers shared across newscrawl's test suites.

* :class:`LoopbackSiteServer` - serve saved sites (fixtures layout) over real HTTP, as a proxy.
* :class:`SavedSites`, :func:`save_case` - read / write the fixtures layout (from
  :mod:`newscrawl.crawl.replay`, re-exported so tests have one import).
"""

from newscrawl.crawl.replay import SavedResponse, SavedSites, save_case
from newscrawl.testing.server import LoopbackSiteServer

__all__ = ["LoopbackSiteServer", "SavedResponse", "SavedSites", "save_case"]
