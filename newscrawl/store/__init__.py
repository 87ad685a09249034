"""The store: SQL tables of sites, stories, versions, raw pages and fetches (see :mod:`.models`)."""

from newscrawl.store.db import (
    DEFAULT_DATABASE_URL,
    DatabaseUnavailable,
    database_url,
    downgrade,
    make_engine,
    open_database,
    upgrade,
)
from newscrawl.store.models import Base, Fetch, RawPage, Site, Story, StoryBand, Version
from newscrawl.store.queries import (
    StoryDetail,
    StorySummary,
    VersionSummary,
    list_stories,
    story_detail,
)
from newscrawl.store.repository import StoreOutcome, store_fetch_only, store_page

__all__ = [
    "DEFAULT_DATABASE_URL", "Base", "DatabaseUnavailable", "Fetch", "RawPage", "Site",
    "StoreOutcome", "Story", "StoryBand", "StoryDetail", "StorySummary", "Version",
    "VersionSummary", "database_url", "downgrade", "list_stories", "make_engine",
    "open_database", "store_fetch_only", "store_page", "story_detail", "upgrade",
]
