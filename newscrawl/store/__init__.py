"""The store: SQL tables of sites, stories, versions, raw pages and fetches (see :mod:`.models`)."""

import importlib

#: Where each name of the package lives, imported when first asked for: importing one module of
#: the store (newscrawl.store.precompute, in a stage worker) must not import SQLAlchemy, the
#: models, the queries and the repository.
_HOMES = {
    **dict.fromkeys(["DEFAULT_DATABASE_URL", "DatabaseUnavailable", "database_url", "downgrade",
                     "make_engine", "open_database", "upgrade"], "db"),
    **dict.fromkeys(["Base", "Fetch", "RawPage", "Site", "Story", "StoryBand", "Version"], "models"),
    **dict.fromkeys(["StoryDetail", "StorySummary", "VersionSummary", "list_stories",
                     "story_detail"], "queries"),
    **dict.fromkeys(["StoreOutcome", "store_fetch_only", "store_page"], "repository"),
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = [
    "DEFAULT_DATABASE_URL", "Base", "DatabaseUnavailable", "Fetch", "RawPage", "Site",
    "StoreOutcome", "Story", "StoryBand", "StoryDetail", "StorySummary", "Version",
    "VersionSummary", "database_url", "downgrade", "list_stories", "make_engine",
    "open_database", "store_fetch_only", "store_page", "story_detail", "upgrade",
]
