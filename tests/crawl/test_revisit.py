"""The revisit policy (pure) and the store's fetch history (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from newscrawl.crawl.incremental import DAY, HOUR, MINUTE, RevisitPolicy
from newscrawl.model import ArticleRecord, Page
from newscrawl.store.fetches import fetch_history, store_not_modified
from newscrawl.store.models import Version
from newscrawl.store.repository import store_fetch_only, store_page

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def history(ago: float, outcome="stored_new_story", reason=None, published=None, etag='"a"'):
    from newscrawl.store.fetches import FetchHistory

    return FetchHistory(url="http://s.example/a", fetched_at=NOW - dt.timedelta(seconds=ago),
                        status=200, outcome=outcome, reason=reason, etag=etag,
                        last_modified="Sun, 01 Mar 2026 10:00:00 GMT", published_at=published)


def test_interval_follows_article_age():
    policy = RevisitPolicy()
    assert policy.interval(NOW - dt.timedelta(minutes=20), NOW) == 15 * MINUTE  # floor
    assert policy.interval(NOW - dt.timedelta(days=1), NOW) == 6 * HOUR
    assert policy.interval(NOW - dt.timedelta(days=400), NOW) == 30 * DAY  # cap
    assert policy.interval(None, NOW) == 6 * HOUR
    assert RevisitPolicy(revisit_after=0).interval(NOW - dt.timedelta(days=400), NOW) == 0


def test_decisions():
    policy = RevisitPolicy()
    day_old = NOW - dt.timedelta(days=1)
    assert policy.decide(None, NOW).why == "new"
    assert not policy.decide(history(60, published=day_old), NOW).fetch  # 1 min < 6 h
    due = policy.decide(history(7 * HOUR, published=day_old), NOW)
    assert due.fetch and due.why == "due"
    assert dict(due.headers) == {"If-None-Match": '"a"',
                                 "If-Modified-Since": "Sun, 01 Mar 2026 10:00:00 GMT"}
    # An entry updated after our download is fetched at once; one updated before is not.
    assert policy.decide(history(60, published=day_old), NOW,
                         entry_updated=NOW - dt.timedelta(seconds=30)).why == "updated"
    assert not policy.decide(history(60, published=day_old), NOW,
                             entry_updated=NOW - dt.timedelta(hours=2)).fetch
    # Failures are retried every run; gone pages only after a week, even with revisit_after=0.
    assert policy.decide(history(5, outcome="failed", reason="timeout"), NOW).why == "retry"
    every_run = RevisitPolicy(revisit_after=0)
    gone = history(DAY, outcome="skipped", reason="http_status_410")
    assert every_run.decide(gone, NOW).why == "gone" and not every_run.decide(gone, NOW).fetch
    assert every_run.decide(history(8 * DAY, outcome="skipped", reason="content_type:image/png"),
                            NOW).fetch
    # A page skipped for its text (too short: maybe a stub) follows the normal schedule.
    assert every_run.decide(history(1, outcome="skipped", reason="too_short"), NOW).fetch
    # The feed's date stands in for the age when no version holds one.
    assert not policy.decide(history(HOUR), NOW, entry_published=NOW - dt.timedelta(days=10)).fetch


def _article(url: str, body: str, fetched_at: dt.datetime, etag: str):
    from newscrawl.stages.fingerprint import fingerprint

    page = Page.build(url, f"<p>{body}</p>".encode(), {
        "Content-Type": "text/html", "ETag": etag, "Last-Modified": "Sun, 01 Mar 2026 10:00:00 GMT"},
        fetched_at=fetched_at)
    record = ArticleRecord(url=url, site="s.example", title="T", body=body, language="en",
                           published_at=NOW - dt.timedelta(days=2), fingerprint=fingerprint(body))
    return page, record


BODY = ("A harbour crane operator spotted a drifting dinghy at dawn and guided the lifeboat crew "
        "to it by radio, and the two anglers aboard were brought back cold but unhurt. ") * 3


def test_history_and_not_modified(db_session):
    final, listed = "https://s.example/a", "http://s.example/a"
    assert fetch_history(db_session, listed) is None
    page, record = _article(final, BODY, NOW - dt.timedelta(hours=3), '"v1"')
    stored = store_page(db_session, page, record, source="S", requested_url=listed)
    db_session.flush()
    known = fetch_history(db_session, listed)  # found by the URL that redirected
    assert known is not None and known.url == final and known.etag == '"v1"'
    assert known.version_id == stored.version_id
    assert known.published_at == NOW - dt.timedelta(days=2)

    # A 304 without validators: recorded as unchanged, the version bumped, old validators kept.
    outcome = store_not_modified(db_session, final, {}, NOW - dt.timedelta(hours=1), source="S",
                                 requested_url=listed)
    assert (outcome.outcome, outcome.version_id, outcome.story_key) == (
        "unchanged", stored.version_id, stored.story_key)
    version = db_session.get(Version, stored.version_id)
    assert version.fetch_count == 2 and version.last_fetched_at == NOW - dt.timedelta(hours=1)
    after = fetch_history(db_session, listed)
    assert (after.status, after.reason, after.etag) == (304, "not_modified", '"v1"')

    # A failure afterwards: the history says failed, the validators still describe the text held.
    store_fetch_only(db_session, final, None, fetched_at=NOW, reason="timeout", source="S")
    failed = fetch_history(db_session, final)
    assert failed.failed and failed.reason == "timeout" and failed.etag == '"v1"'
