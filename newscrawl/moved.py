"""Old module paths kept for one release after the package was arranged into rooms.

Scrapy settings name classes by dotted path (``ITEM_PIPELINES``, ``ADDONS``,
``DOWNLOADER_MIDDLEWARES``, ``SCRAPY_SETTINGS_MODULE``), so a deployment's own settings may
still say ``newscrawl.settings`` or ``newscrawl.pipelines.StorePipeline``. Those old modules
re-export the new ones and warn once with :class:`NewscrawlDeprecationWarning`, a ``Warning``
subclass shown by default (as Scrapy's own deprecation warning is: a crawler's operator, not
only a developer, must see it). The aliases go in the next release; docs/settings.md, "Old component
paths", lists every move.
"""

from __future__ import annotations

import warnings


class NewscrawlDeprecationWarning(Warning):
    """A newscrawl name that still works but has moved or will go."""


def warn_moved(old: str, new: str) -> None:
    warnings.warn(f"{old} has moved to {new}; the old path goes in the next release",
                  NewscrawlDeprecationWarning, stacklevel=3)


__all__ = ["NewscrawlDeprecationWarning", "warn_moved"]
