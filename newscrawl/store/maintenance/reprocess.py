"""Re-running the stages over stored raw pages after an upgrade (``newscrawl reprocess``).

Every distinct download is kept in ``raw_pages`` (gzip, with its headers). When the stages
improve - better extraction, a new chrome rule, a repaired decoder - :func:`reprocess` runs
them again over the stored bytes and stores what comes out **only where it changed**: a text
already stored at that URL (same ``body_hash``) is left alone; a different one becomes a new
version. Running it twice creates nothing the second time. Design decisions:

* **Which pages**: each (raw page, URL) pair once - the same bytes served at two URLs (a mirror)
  are two pages, since the URL is an input of the stages - read as its *latest* download
  (status, time, source: the newest ``fetches`` row of that pair). ``--since`` keeps pages
  downloaded at or after a date (by that latest download), ``--site`` those of one site host.
* **Where a changed text goes**: to the story of the version this raw page produced before -
  the download is the same, only our reading of it changed, and a story key that analysts may
  have cited must not lose the page. A page that produced no version before (it was skipped:
  too short, not an article ...) is placed like a new download (exact text, LSH bands, URL).
* **Nothing pretends to be a download**: no ``fetches`` row is added (they are the incremental
  crawl's memory of what the sites served, and reprocessing served nothing). The new version's
  first/last fetched times are the download's, its ``fetch_count`` the number of downloads of
  those bytes at that URL; its ``derivation`` is computed against the story's first version as usual.
* **Old versions stay**: they are what the stored pages said under the old stages, and the
  first version of a story stays its first (its LSH bands are the story's index); a page that
  the new stages skip keeps its old versions and is counted as ``skipped``.
* **Concurrency**: each page is one transaction under the placement locks, retried on
  conflicts (:mod:`newscrawl.store.concurrency`), so it may run beside a crawl.
* **Bad input**: a raw page that cannot be decompressed, whose stages fail, or whose text the
  database refuses (:mod:`newscrawl.store.refusals`), is counted and reported with its id
  (``errors``) and the run goes on.
* **A record of every run** (``reprocess_runs``): start and end, status,
  the newscrawl version and the versions of the libraries the stages depend on
  (:func:`pipeline_versions`), the selection, pages per outcome and the first errors; each
  version a run creates is linked to it (``reprocess_run_versions``), in the same transaction.
  The row is written before the first page (``running``), so a run that dies leaves a trace;
  an exception or interrupt marks it ``failed``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newscrawl.model import Page
from newscrawl.store.concurrency import run_transaction
from newscrawl.store.models import (
    Fetch,
    RawPage,
    ReprocessRun,
    ReprocessRunVersion,
    Site,
    Version,
    utc,
)
from newscrawl.store.refusals import first_line, refusal_reason
from newscrawl.store.repository import raw_page_bytes, record_fingerprint, store_text

logger = logging.getLogger(__name__)

UNCHANGED = "unchanged"
NEW_VERSION = "new_version"
NEW_STORY = "new_story"
SKIPPED = "skipped"
ERROR = "error"
#: Raw pages read per query: bounded memory over a store of millions of pages.
BATCH = 200
#: Errors kept in a run's record (all are reported on the command line).
MAX_RECORDED_ERRORS = 100
#: Distributions whose versions change what the stages produce (recorded with each run).
STAGE_DISTRIBUTIONS = ("newscrawl", "trafilatura", "readability-lxml", "lxml", "ftfy",
                       "charset-normalizer", "htmldate", "langdetect", "py3langid", "datasketch")


def pipeline_versions() -> dict[str, str]:
    """Installed versions of newscrawl and the libraries its stages run on."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in STAGE_DISTRIBUTIONS:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found


@dataclass(slots=True)
class ReprocessResult:
    counts: Counter = field(default_factory=Counter)
    #: (raw_page_id, url, error) of the pages that could not be reprocessed.
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    #: (raw_page_id, url, story_key, version_id) of the new versions.
    new_versions: list[tuple[int, str, str, int]] = field(default_factory=list)
    #: The run's row in ``reprocess_runs``.
    run_id: int | None = None

    @property
    def pages(self) -> int:
        return sum(self.counts.values())


def _latest_fetches(session: Session, since: dt.datetime | None, site: str | None,
                    after_fetch_id: int) -> list[tuple[int, int | None]]:
    """(id of the latest fetch, the same id or None if before ``since``) of the next batch of
    (raw page, URL) pairs, in fetch id order after ``after_fetch_id``."""
    latest_id = func.max(Fetch.id).label("fetch_id")
    query = (select(latest_id)
             .where(Fetch.raw_page_id.is_not(None))
             .group_by(Fetch.raw_page_id, Fetch.url)
             .having(func.max(Fetch.id) > after_fetch_id))
    if site:
        query = query.join(Site, Site.id == Fetch.site_id).where(Site.host == site.lower())
    ids = [f for (f,) in session.execute(query.order_by(latest_id).limit(BATCH))]
    if since is None or not ids:
        return [(f, f) for f in ids]
    wanted = {f for (f,) in session.execute(
        select(Fetch.id).where(Fetch.id.in_(ids), Fetch.fetched_at >= utc(since)))}
    # Pages of the batch downloaded before ``since`` are passed over; the cursor moves on.
    return [(f, f if f in wanted else None) for f in ids]


def _store_changed(session: Session, raw_page_id: int, fetch: Fetch, record,
                   previous_story_id: int | None,
                   run_id: int | None) -> tuple[str, str | None, int | None]:
    """Store the text a reprocessed page gave, where it changed (module docstring)."""

    def downloads() -> int:
        # Every download of these bytes at this URL: what the new version stands for.
        count = session.execute(
            select(func.count()).select_from(Fetch)
            .where(Fetch.raw_page_id == raw_page_id, Fetch.url == fetch.url)).scalar()
        return max(count, 1)

    stored = store_text(session, record, record_fingerprint(record), record.url or fetch.url,
                        fetched_at=utc(fetch.fetched_at), site_id=fetch.site_id,
                        fetch_count=downloads, keep_in_story=previous_story_id)
    if not stored.created_version:
        return UNCHANGED, None, stored.version.id
    if run_id is not None:
        session.add(ReprocessRunVersion(version_id=stored.version.id, run_id=run_id,
                                        raw_page_id=raw_page_id))
        session.flush()
    return (NEW_STORY if stored.created_story else NEW_VERSION), stored.story.key, stored.version.id


def _start_run(make_session: Callable[[], Session], since: dt.datetime | None,
               site: str | None) -> int:
    versions = pipeline_versions()
    with make_session() as session:
        run = ReprocessRun(started_at=dt.datetime.now(dt.UTC), status="running",
                           newscrawl_version=versions["newscrawl"], pipeline=versions,
                           since=utc(since), site=site.lower() if site else None, pages=0,
                           counts={}, errors=[])
        session.add(run)
        session.commit()
        return run.id


def _end_run(make_session: Callable[[], Session], result: ReprocessResult, status: str) -> None:
    with make_session() as session:
        run = session.get(ReprocessRun, result.run_id)
        run.finished_at = dt.datetime.now(dt.UTC)
        run.status = status
        run.pages = result.pages
        run.counts = dict(sorted(result.counts.items()))
        run.errors = [{"raw_page_id": raw_page_id, "url": url, "error": error}
                      for raw_page_id, url, error in result.errors[:MAX_RECORDED_ERRORS]]
        session.commit()


def reprocess(make_session: Callable[[], Session], *, since: dt.datetime | None = None,
              site: str | None = None, run_steps: Callable | None = None,
              progress: Callable[[str, int, str, str | None], None] | None = None
              ) -> ReprocessResult:
    """Run the stages again over the stored raw pages (module docstring).

    ``run_steps(page) -> Work`` defaults to :func:`newscrawl.stages.process.run_steps`; ``progress``
    is called with (outcome, raw_page_id, url, story_key) after each page. The run is recorded
    in ``reprocess_runs`` (its id in the result's ``run_id``).
    """
    if run_steps is None:
        from newscrawl.stages.process import run_steps
    result = ReprocessResult(run_id=_start_run(make_session, since, site))
    try:
        _reprocess_pages(make_session, result, since, site, run_steps, progress)
    except BaseException:
        try:
            _end_run(make_session, result, "failed")
        except Exception as exc:  # noqa: BLE001 - the first error is the one to report
            logger.warning("Reprocess run %d could not be marked failed: %s", result.run_id, exc)
        raise
    _end_run(make_session, result, "finished")
    return result


def _reprocess_pages(make_session, result: ReprocessResult, since, site, run_steps,
                     progress) -> None:
    cursor = 0
    while True:
        with make_session() as session:
            batch = _latest_fetches(session, since, site, cursor)
        if not batch:
            return
        cursor = batch[-1][0]
        for _, fetch_id in batch:
            if fetch_id is None:
                continue
            with make_session() as session:
                fetch = session.get(Fetch, fetch_id)
                raw_page_id = fetch.raw_page_id
                raw = session.get(RawPage, raw_page_id)
                previous = (session.get(Version, fetch.version_id)
                            if fetch.version_id is not None else None)
                previous_story_id = previous.story_id if previous is not None else None
                session.expunge_all()
            try:
                page = Page.build(fetch.url, raw_page_bytes(raw), raw.headers or {},
                                  fetch.status or 200, utc(fetch.fetched_at))
                record = run_steps(page).record
            except Exception as exc:  # noqa: BLE001 - a bad page must not stop the run
                result.counts[ERROR] += 1
                result.errors.append((raw_page_id, fetch.url, f"{type(exc).__name__}: {exc}"))
                logger.warning("Raw page %d (%s) could not be reprocessed: %s", raw_page_id,
                               fetch.url, exc)
                if progress is not None:
                    progress(ERROR, raw_page_id, fetch.url, None)
                continue
            if not record.is_article:
                result.counts[SKIPPED] += 1
                if progress is not None:
                    progress(SKIPPED, raw_page_id, fetch.url, record.skip_reason)
                continue
            try:
                outcome, key, version_id = run_transaction(
                    make_session,
                    lambda s, raw_page_id=raw_page_id, fetch=fetch, record=record,
                    story=previous_story_id: _store_changed(s, raw_page_id, fetch, record, story,
                                                            result.run_id))
            except Exception as exc:
                reason = refusal_reason(exc)
                if reason is None:
                    raise
                # The database refused this page's text: an error of this page, not of the run.
                result.counts[ERROR] += 1
                result.errors.append((raw_page_id, fetch.url, f"{reason}: {first_line(exc)}"))
                logger.warning("Raw page %d (%s) refused by the database: %s", raw_page_id,
                               fetch.url, first_line(exc))
                if progress is not None:
                    progress(ERROR, raw_page_id, fetch.url, None)
                continue
            result.counts[outcome] += 1
            if outcome != UNCHANGED:
                result.new_versions.append((raw_page_id, record.url or fetch.url, key, version_id))
            if progress is not None:
                progress(outcome, raw_page_id, fetch.url, key)


__all__ = ["ReprocessResult", "pipeline_versions", "reprocess"]
