"""The web view's pages: stories, one story, events, one event, sites.

Each page is also JSON (``/api/...`` or ``?format=json``) and lists the SQL it ran. The pages
are drawn by Jinja2 templates with autoescaping on for every template, so stored text (hostile
web text: titles and bodies are whatever a page said) is always shown as text; the responses
also carry a Content-Security-Policy that allows no script at all, and the view ships none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, PackageLoader
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from newscrawl.store.browse import event_timeline, search_stories, site_statistics, story_page
from newscrawl.store.queries import list_events
from newscrawl.web.charts import Row, timeline
from newscrawl.web.database import record_statements, statements_run
from newscrawl.web.diff import paragraphs, text_changes

#: Rows per page of every list, unless ``?limit=`` asks for fewer (or up to MAX_PAGE_SIZE).
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
#: Words of a search, at most: each one is a condition on every version's text.
MAX_WORDS = 8

#: No script, no plugin, no frame, nothing from elsewhere: the view is HTML, SVG and one style sheet.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; img-src 'self'; "
                                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class BadRequest(Exception):
    """A parameter the page cannot use: shown as a 400 page saying which and why."""


class NotFound(Exception):
    """No such story or event: a 404 page."""


@dataclasses.dataclass
class View:
    """What a page handler found: the template and its context, and the same data as JSON."""

    template: str
    title: str
    context: dict[str, Any]
    data: dict[str, Any]


def _templates() -> Environment:
    env = Environment(loader=PackageLoader("newscrawl.web", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = lambda v: "" if v is None else v.strftime("%Y-%m-%d %H:%M:%S")
    env.filters["web_link"] = web_link
    env.filters["delay"] = delay_text
    return env


def web_link(url: str | None) -> str | None:
    """``url`` when it is an http(s) address a link may point to; None otherwise (a stored URL is
    page data: a ``javascript:`` one must not become a link)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def delay_text(delay: dt.timedelta | None) -> str:
    if delay is None:
        return "-"
    seconds = delay.total_seconds()
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 120:
        return f"{sign}{seconds:.0f} s"
    if seconds < 7200:
        return f"{sign}{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{sign}{seconds / 3600:.1f} h"
    return f"{sign}{seconds / 86400:.1f} days"


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return str(value)


# --- request parameters -------------------------------------------------------------------

def _int(request: Request, name: str, default: int | None = None, *, low: int = 1,
         high: int | None = None) -> int | None:
    text = request.query_params.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < low or (high is not None and int(text) > high):
        bound = f"{low}..{high}" if high is not None else f"{low} or more"
        raise BadRequest(f"{name} must be a whole number, {bound}; got {text[:40]!r}")
    return int(text)


def _date(request: Request, name: str) -> dt.datetime | None:
    text = request.query_params.get(name, "").strip()
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name} must be an ISO date or date-time (2026-03-01, 2026-03-01T08:00); "
                         f"got {text[:40]!r}") from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _paging(request: Request) -> tuple[int, int]:
    """(page number from 1, rows per page)."""
    return _int(request, "page", 1), _int(request, "limit", PAGE_SIZE, high=MAX_PAGE_SIZE)


def _page_links(request: Request, page: int, more: bool) -> dict[str, str | None]:
    def at(n: int) -> str:
        params = dict(request.query_params)
        params["page"] = str(n)
        return f"{request.url.path}?{urlencode(params)}"

    return {"previous": at(page - 1) if page > 1 else None, "next": at(page + 1) if more else None}


# --- pages --------------------------------------------------------------------------------

def stories_view(session: Session, request: Request) -> View:
    page, size = _paging(request)
    query = request.query_params.get("q", "").strip()
    words = query.split()
    if len(words) > MAX_WORDS:
        raise BadRequest(f"a search takes at most {MAX_WORDS} words")
    filters = {
        "q": query,
        "site": request.query_params.get("site", "").strip(),
        "language": request.query_params.get("language", "").strip().lower(),
        "since": _date(request, "since"),
        "until": _date(request, "until"),
        "min_sites": _int(request, "min_sites"),
    }
    rows = search_stories(session, words=words, site=filters["site"] or None,
                          language=filters["language"] or None, since=filters["since"],
                          until=filters["until"], min_sites=filters["min_sites"],
                          limit=size + 1, offset=(page - 1) * size)
    stories, more = rows[:size], len(rows) > size
    links = _page_links(request, page, more)
    data = {"page": page, "filters": filters, "stories": stories, **links}
    shown = {k: request.query_params.get(k, "") for k in ("q", "site", "language", "since", "until", "min_sites")}
    return View("stories.html", "Stories", {"stories": stories, "form": shown, "page": page,
                                            "first_rank": (page - 1) * size + 1, **links}, data)


def story_view(session: Session, request: Request) -> View:
    key = request.path_params["key"]
    page, size = _paging(request)
    try:
        found = story_page(session, key, limit=size + 1, offset=(page - 1) * size,
                           a=_int(request, "a"), b=_int(request, "b"))
    except KeyError as missing:
        raise BadRequest(f"story {key} has no version {missing.args[0]}") from None
    if found is None:
        raise NotFound(f"no story with key {key!r}")
    detail = found.story
    versions, more = detail.versions[:size], len(detail.versions) > size
    detail = dataclasses.replace(detail, versions=versions)
    links = _page_links(request, page, more)
    if found.version_count > 1:
        diff = {"a": found.a.id, "b": found.b.id, "changes": text_changes(found.a_text, found.b_text)}
    else:  # one text: shown as it is, paragraph by paragraph
        diff = {"a": found.a.id, "b": found.b.id,
                "changes": [{"op": "equal", "text": p} for p in paragraphs(found.a_text)]}
    chart = timeline([Row(f"{v.site} (v{v.id})", v.first_fetched_at, v.last_fetched_at, f"#v{v.id}",
                          v.derivation or "") for v in versions])
    counts = {"version_count": found.version_count, "site_count": found.site_count,
              "more_same_event": found.more_same_event}
    data = {"story": detail, **counts, "page": page, **links,
            **({"diff": diff} if found.version_count > 1 else {"text": [p["text"] for p in diff["changes"]]})}
    # The compare form offers this page's versions and the two compared, wherever they are.
    choices = list(versions) + [v for v in (found.a, found.b) if v.id not in {w.id for w in versions}]
    by_id = {v.id: v for v in (*choices, found.a, found.b)}
    return View("story.html", f"Story {detail.key}",
                {"story": detail, **counts, "chart": chart, "diff": diff, "by_id": by_id,
                 "choices": sorted(by_id.values(), key=lambda v: v.id), **links}, data)


def events_view(session: Session, request: Request) -> View:
    page, size = _paging(request)
    show_all = request.query_params.get("all", "") not in ("", "0")
    rows = list_events(session, min_stories=1 if show_all else 2, limit=size + 1, offset=(page - 1) * size)
    events, more = rows[:size], len(rows) > size
    links = _page_links(request, page, more)
    data = {"page": page, "all": show_all, "events": events, **links}
    return View("events.html", "Events", {"events": events, "all": show_all, **links}, data)


def event_view(session: Session, request: Request) -> View:
    text = request.path_params["event_id"]
    if not text.isdigit():
        raise NotFound(f"no event {text[:40]!r}")
    page, size = _paging(request)
    event = event_timeline(session, int(text), limit=size, offset=(page - 1) * size)
    if event is None:
        raise NotFound(f"no event {text}")
    more = page * size < event.story_count
    links = _page_links(request, page, more)
    chart = timeline([Row(s.title or s.key, s.published_at or s.first_seen_at, s.first_seen_at,
                          f"/stories/{s.key}", f"{s.site_count} sites") for s in event.stories])
    data = {"page": page, "event": event, **links}
    return View("event.html", f"Event {event.id}", {"event": event, "chart": chart, **links}, data)


def sites_view(session: Session, request: Request) -> View:
    page, size = _paging(request)
    rows = site_statistics(session, limit=size + 1, offset=(page - 1) * size)
    sites, more = rows[:size], len(rows) > size
    links = _page_links(request, page, more)
    data = {"page": page, "sites": [{**dataclasses.asdict(s), "foreign_chrome_share": s.foreign_chrome_share}
                                    for s in sites], **links}
    return View("sites.html", "Sites", {"sites": sites, "first_rank": (page - 1) * size + 1, **links}, data)


# --- the application ----------------------------------------------------------------------

def _respond(request: Request, env: Environment, engine: Engine,
             handler: Callable[[Session, Request], View]) -> Response:
    as_json = request.url.path.startswith("/api/") or request.query_params.get("format") == "json"
    with statements_run() as statements, Session(engine) as session:
        try:
            view = handler(session, request)
            status = 200
        except (BadRequest, NotFound) as exc:
            status = 400 if isinstance(exc, BadRequest) else 404
            view = View("error.html", "Not found" if status == 404 else "Bad request",
                        {"message": str(exc)}, {"error": str(exc)})
    if as_json:
        body = json.dumps({**view.data, "sql": statements}, default=_json_default, ensure_ascii=False, indent=1)
        return Response(body, status_code=status, media_type="application/json", headers=SECURITY_HEADERS)
    params = dict(request.query_params)
    params["format"] = "json"
    html = env.get_template(view.template).render(
        title=view.title, statements=statements, json_link=f"{request.url.path}?{urlencode(params)}",
        **view.context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


#: Host names a view listening on loopback answers to. Any other Host header is refused: a web
#: page the analyst visits could otherwise point its own host name at 127.0.0.1 (DNS rebinding)
#: and read the view from the analyst's browser.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def create_app(engine: Engine, *, allowed_hosts: list[str] | tuple[str, ...] | None = None) -> Starlette:
    """The web view on ``engine`` (open it with :func:`newscrawl.web.database.open_read_only`);
    ``allowed_hosts``: the Host headers it answers (default: any)."""
    env = _templates()
    record_statements(engine)

    def endpoint(handler: Callable[[Session, Request], View]):
        # A plain function: Starlette runs it in its thread pool, so the blocking database
        # calls never hold the event loop.
        def run(request: Request) -> Response:
            return _respond(request, env, engine, handler)

        return run

    routes = [Route("/", lambda request: RedirectResponse("/stories"))]
    for path, handler in (("/stories", stories_view), ("/stories/{key}", story_view),
                          ("/events", events_view), ("/events/{event_id}", event_view),
                          ("/sites", sites_view)):
        routes.append(Route(path, endpoint(handler)))
        routes.append(Route("/api" + path, endpoint(handler)))
    routes.append(Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"))
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))] if allowed_hosts else []
    return Starlette(routes=routes, middleware=middleware)


__all__ = ["LOOPBACK_NAMES", "MAX_PAGE_SIZE", "PAGE_SIZE", "SECURITY_HEADERS", "create_app", "web_link"]
