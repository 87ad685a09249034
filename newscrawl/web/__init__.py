"""The read-only web view of the store (``newscrawl serve``): stories, versions, events, sites."""

from newscrawl.web.app import create_app
from newscrawl.web.database import ViewError, open_read_only
from newscrawl.web.server import DEFAULT_HOST, DEFAULT_PORT, serve

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "ViewError", "create_app", "open_read_only", "serve"]
