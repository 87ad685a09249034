"""The store's error for a database that cannot be reached, and the masked URL it reports.

Beneath both :mod:`newscrawl.store.db` (which raises it when a connection fails) and
:mod:`newscrawl.store.concurrency` (which tells "down" from "busy" by it), so that neither has
to import the other for it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url


class DatabaseUnavailable(RuntimeError):
    """The database server cannot be reached (or the file cannot be opened)."""

    def __init__(self, url: str, cause: BaseException | None = None) -> None:
        self.url = mask_url(url)
        self.cause = cause
        text = str(cause).strip() if cause is not None else ""
        detail = f": {text.splitlines()[0]}" if text else ""
        super().__init__(f"database unavailable at {self.url}{detail}")

    @property
    def hint(self) -> str:
        """What a user can check, in a few words: a locked file is not a server that is down."""
        text = str(self.cause or "").lower()
        if "locked" in text or "lock timeout" in text or "lock_timeout" in text:
            return "another process holds a write lock on it: try again when that one is done"
        if self.url.startswith("sqlite"):
            return "is the path right, and its folder readable and writable?"
        return "is the server up and the URL right?"


def mask_url(url: str | Any) -> str:
    """The URL with its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: show it as given
        return str(url)


__all__ = ["DatabaseUnavailable", "mask_url"]
