"""A page the database refuses: recorded as a failed fetch with the reason, never the end of a run.

A value the database will not take (a number out of range, a constraint, anything text
cleaning and unbounded columns did not foresee) fails one page's transaction. Raised, it would
end ``newscrawl ingest`` at that file and drop the page from every crawl without a trace. So
the store tells the kinds of failure apart:

* **down** (:func:`~newscrawl.store.concurrency.is_unavailable`): nothing is recorded here; the
  crawl spools the page, ingest stops with its one-line error;
* **a conflict with another writer** (:func:`~newscrawl.store.concurrency.is_retryable`): retried
  by :func:`~newscrawl.store.concurrency.run_transaction`, not a refusal;
* **refused**, any other error of the database or its driver (:func:`refusal_reason`): the page is
  stored as a ``failed`` fetch with the reason ``db_error:<class of the driver's error>``,
  its raw bytes kept (:func:`store_refused`), so the crawl's history has it, ``newscrawl
  reprocess`` can store its text once a newer newscrawl takes it, and the run goes on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from newscrawl.model import Page, site_of
from newscrawl.store.concurrency import is_retryable, is_unavailable, run_transaction
from newscrawl.store.models import OUTCOME_FAILED, utc
from newscrawl.store.repository import StoreOutcome, add_fetch, upsert_raw_page, upsert_site

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Reason prefix of a page the database refused.
DB_ERROR = "db_error"


class StoreRefused(RuntimeError):
    """The database refused a page, and recording the refusal failed as well."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def refusal_reason(exc: BaseException) -> str | None:
    """``db_error:<class>`` when ``exc`` is the database (or its driver) refusing what was
    written, None when it is something else: the database down, a conflict to retry, a bug."""
    if is_unavailable(exc) or is_retryable(exc):
        return None
    if isinstance(exc, (DBAPIError, StatementError)):
        # StatementError: the driver could not even send a value (a number too large for it).
        cause = exc.orig if exc.orig is not None else exc
        return f"{DB_ERROR}:{type(cause).__name__}"
    return None


def store_refused(session: Session, page: Page, reason: str, *, source: str | None = None,
                  requested_url: str | None = None) -> StoreOutcome:
    """Record ``page`` as a ``failed`` fetch with ``reason``: its site (by host only), its raw
    bytes and headers, no version. Flushes, never commits."""
    now = utc(page.fetched_at) or dt.datetime.now(dt.UTC)
    host = site_of(page.url)
    site_id = upsert_site(session, host, None, now) if host else None
    raw_page_id = upsert_raw_page(session, page.body, page.headers, page.url) if page.body else None
    fetch_id = add_fetch(session, page.url, page.status, page.headers, site_id=site_id,
                         fetched_at=now, outcome=OUTCOME_FAILED, source=source, reason=reason,
                         raw_page_id=raw_page_id, requested_url=requested_url)
    return StoreOutcome(fetch_id, OUTCOME_FAILED, reason=reason)


def store_or_record_refusal(make_session: Callable[[], Session], work: Callable[[Session], T],
                            refused: Callable[[Session, str], T], *, url: str = "",
                            on_retry: Callable[[BaseException], None] | None = None,
                            **transaction: Any) -> T:
    """``work`` in a transaction (:func:`~newscrawl.store.concurrency.run_transaction`); when the
    database refuses it, ``refused(session, reason)`` in a new one instead (module docstring).

    ``transaction``: further arguments of ``run_transaction`` (its lock wait and time limit), for
    both transactions. Raises what is not a refusal as it came; when recording the refusal fails
    too, that error if the database went down meanwhile, else :class:`StoreRefused` with the
    first reason."""
    try:
        return run_transaction(make_session, work, on_retry=on_retry, **transaction)
    except Exception as exc:
        reason = refusal_reason(exc)
        if reason is None:
            raise
        original = exc
    logger.warning("The database refused %s (%s): recorded as a failed fetch", url or "a page",
                   first_line(original))
    try:
        return run_transaction(make_session, lambda session: refused(session, reason),
                               on_retry=on_retry, **transaction)
    except Exception as exc:
        if is_unavailable(exc):
            raise
        raise StoreRefused(reason, f"{reason}: {first_line(original)} (recording it failed too: "
                                   f"{type(exc).__name__}: {first_line(exc)})") from original


__all__ = ["DB_ERROR", "StoreRefused", "first_line", "refusal_reason", "store_or_record_refusal",
           "store_refused"]
