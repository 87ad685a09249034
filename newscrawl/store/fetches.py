"""What the store remembers about a URL's downloads, for the incremental crawl.

The ``fetches`` table is the crawl's memory: every download (and every 304) is a row. Before
requesting a listed article URL, :class:`~newscrawl.crawl.incremental.IncrementalMiddleware` asks
:func:`fetch_history` when it was last fetched, how that went, which validators (ETag,
Last-Modified) the server gave for the text we hold, and how old the article is. A 304 answer
is written by :func:`store_not_modified`.

Design decisions:

* **Lookup per URL, on demand**, not a table loaded at start: a crawl that has run for months
  knows millions of URLs, a run requests a few hundred; two indexed queries per request (on
  ``fetches.url`` / ``fetches.requested_url`` and on ``versions (url, body_hash)``) cost next
  to nothing beside the request itself, and no memory.
* **A URL is found by the URL that was requested** as well as by the final URL, so a listed URL
  that redirects is still known (``fetches.requested_url``).
* **Validators come from the latest response that had content** (a 200, or a 304 that confirmed
  it): the text we hold is the one those validators describe. A 200 without validators means the
  server stopped sending them; old ones are then not resent (a stale ETag matching by accident
  would hide an edit).
* **A 304 is an ``unchanged`` fetch with the reason ``not_modified``**: it points at the version
  the previous response produced (if any) and bumps that version's ``last_fetched_at`` and
  ``fetch_count``, exactly like a re-download with the same text, but stores no raw page. Its
  validators are the ones the 304 carried, else the previous ones (RFC 9110 lets a 304 omit
  Last-Modified), so the next run can ask again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from newscrawl.model import normalize_headers, site_of
from newscrawl.store.models import OUTCOME_FAILED, OUTCOME_UNCHANGED, Fetch, Story, Version, utc
from newscrawl.store.repository import StoreOutcome, add_fetch, upsert_site

__all__ = ["NOT_MODIFIED", "FetchHistory", "fetch_history", "store_not_modified"]

#: ``fetches.reason`` of a 304 answer (its outcome is ``unchanged``).
NOT_MODIFIED = "not_modified"


@dataclass(frozen=True, slots=True)
class FetchHistory:
    """The last download of a URL, the validators of the text we hold, the article's date."""

    url: str  # the final URL of the last download (what the page is stored under)
    fetched_at: dt.datetime
    status: int | None
    outcome: str
    reason: str | None
    etag: str | None = None
    last_modified: str | None = None
    version_id: int | None = None
    published_at: dt.datetime | None = None

    @property
    def failed(self) -> bool:
        return self.outcome == OUTCOME_FAILED


def _of_url(url: str):
    return or_(Fetch.url == url, Fetch.requested_url == url)


def _latest_with_content(session: Session, url: str) -> Fetch | None:
    return session.execute(
        select(Fetch).where(_of_url(url), Fetch.status.in_((200, 304)),
                            Fetch.outcome != OUTCOME_FAILED)
        .order_by(Fetch.fetched_at.desc(), Fetch.id.desc()).limit(1)
    ).scalar()


def fetch_history(session: Session, url: str) -> FetchHistory | None:
    """What the store knows about ``url`` (requested or final URL), or None if never fetched."""
    last = session.execute(
        select(Fetch).where(_of_url(url)).order_by(Fetch.fetched_at.desc(), Fetch.id.desc())
        .limit(1)
    ).scalar()
    if last is None:
        return None
    content = last if last.status in (200, 304) and last.outcome != OUTCOME_FAILED else (
        _latest_with_content(session, url))
    published = session.execute(
        select(Version.published_at).where(Version.url == last.url, Version.published_at.is_not(None))
        .order_by(Version.id.desc()).limit(1)
    ).scalar()
    return FetchHistory(
        url=last.url, fetched_at=utc(last.fetched_at), status=last.status, outcome=last.outcome,
        reason=last.reason,
        etag=content.etag if content is not None else None,
        last_modified=content.last_modified if content is not None else None,
        version_id=content.version_id if content is not None else None,
        published_at=utc(published),
    )


def store_not_modified(session: Session, url: str, headers: Mapping[str, str] | None = None,
                       fetched_at: dt.datetime | None = None, *, source: str | None = None,
                       requested_url: str | None = None) -> StoreOutcome:
    """Record a 304 for ``url``: an ``unchanged`` fetch of the text held (see module docstring).

    Flushes, never commits. A 304 for a URL never fetched with content (a server answering 304
    to a request without validators) is recorded the same way, with no version.
    """
    now = utc(fetched_at) or dt.datetime.now(dt.UTC)
    headers = normalize_headers(headers)
    previous = _latest_with_content(session, requested_url or url)
    if previous is None and requested_url:
        previous = _latest_with_content(session, url)
    version_id = previous.version_id if previous is not None else None
    if previous is not None:
        # Validators the 304 left out still describe the text we hold.
        if previous.etag:
            headers.setdefault("etag", previous.etag)
        if previous.last_modified:
            headers.setdefault("last-modified", previous.last_modified)
        headers.setdefault("content-type", previous.content_type or "")
    if version_id is not None:
        version = session.get(Version, version_id)
        version.last_fetched_at = max(utc(version.last_fetched_at), now)
        version.fetch_count = (version.fetch_count or 0) + 1
    host = site_of(url)
    site_id = upsert_site(session, host, None, now) if host else None
    fetch_id = add_fetch(session, url, 304, {k: v for k, v in headers.items() if v},
                         site_id=site_id, fetched_at=now, outcome=OUTCOME_UNCHANGED,
                         source=source, reason=NOT_MODIFIED, version_id=version_id,
                         requested_url=requested_url)
    story_key = None
    if version_id is not None:
        story_key = session.execute(
            select(Story.key).join(Version, Version.story_id == Story.id)
            .where(Version.id == version_id)).scalar()
    return StoreOutcome(fetch_id, OUTCOME_UNCHANGED, story_key, version_id)
