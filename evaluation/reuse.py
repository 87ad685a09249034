"""Real newsroom reuse: COUNTER's agency -> newspaper pairs through the real pipeline and store.

COUNTER (``../shared/data/reuse/counter-urdu``, read at run time, never copied into the project)
holds 600 pairs of an Urdu news-agency story and a newspaper story, labelled by hand: *wholly
derived* (the newspaper rewrote the agency copy), *partially derived* (it took part of it and
added its own reporting) or *non derived* (it reported the same event on its own).
:func:`evaluate_counter` wraps each text as a plain article page (headline, paragraphs, the
story's date as its publication date), runs it through ``process_page``'s steps and
``store_page`` into an empty store, every agency story first, then the newspaper stories, and
says for each pair:

* ``linked``: the newspaper story got the agency story's key;
* ``candidate``: the agency story was among the candidates the store verified (the lookup's
  recall, apart from the verification's);
* ``same_event``: the two stories ended in one event.

All pages are "fetched" at one moment, as files ingested together are: the events must come
from the publication dates, not from the download time.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Where COUNTER is (beside the project, see ../shared/README.md).
COUNTER_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "reuse" / "counter-urdu"
LABELS = ("wholly_derived", "partially_derived", "non_derived")
#: The domains the verification's thresholds were chosen on; the others are held out.
CHOSEN_ON = frozenset({"national", "foreign"})
#: Every page is downloaded at this one moment (an archive ingested at once).
FETCHED_AT = dt.datetime(2026, 10, 14, 12, 0, tzinfo=dt.timezone.utc)


class ReuseUnavailable(RuntimeError):
    """The reuse data is not beside the project."""


@dataclass(frozen=True, slots=True)
class ReusePair:
    id: str
    source: str  # the agency text: headline, blank line, body
    derived: str  # the newspaper text
    label: str
    domain: str
    source_name: str  # the agency's file name: pairs may share one agency story
    source_date: dt.date | None
    derived_date: dt.date | None
    derived_paper: str


def read_date(text: str | None) -> dt.date | None:
    """COUNTER's ``DD.MM.YY``, also with ``-`` or ``/`` between the parts as a day-first date
    reader would take it (one is written ``DD-MM-YY``); None for a damaged one (a part missing,
    a day the month has not)."""
    m = re.fullmatch(r"(\d{1,2})([./-])(\d{1,2})\2(\d{2})", (text or "").strip())
    if not m:
        return None
    try:
        return dt.date(2000 + int(m.group(4)), int(m.group(3)), int(m.group(1)))
    except ValueError:
        return None


def load_counter(data: Path = COUNTER_DATA) -> list[ReusePair]:
    path = data / "pairs.jsonl"
    if not path.is_file():
        raise ReuseUnavailable(f"{path} is missing (../shared/data/reuse beside the project)")
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        pairs.append(ReusePair(r["id"], r["a"], r["b"], r["label"], r["domain"],
                               r["a_meta"]["filename"], read_date(r["a_meta"].get("newsdate")),
                               read_date(r["b_meta"].get("newsdate")), r["b_meta"].get("newspaper", "")))
    return pairs


def article_page(text: str, url: str, published: dt.date | None, lang: str = "ur") -> bytes:
    """``text`` (headline, blank line, paragraphs) as a plain article page (UTF-8 HTML)."""
    e = html.escape
    head, _, body = text.strip().partition("\n\n")
    if not body:
        head, body = "", head
    paras = "".join(f"<p>{e(p.strip())}</p>" for p in re.split(r"\n+", body) if p.strip())
    date = (f'<meta property="article:published_time" content="{published.isoformat()}T09:00:00+05:00">'
            if published else "")
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{e(head)}</title>'
            f'<link rel="canonical" href="{e(url)}">{date}</head><body><article><h1>{e(head)}</h1>'
            f'{paras}</article></body></html>').encode("utf-8")


@dataclass(slots=True)
class PairResult:
    pair: ReusePair
    linked: bool = False
    candidate: bool = False
    same_event: bool = False
    stored: bool = True  # both texts became articles
    derived_key: str | None = None
    source_key: str | None = None  # the agency story's key (None: not stored)
    derivation: str | None = None
    similarity: float | None = None
    source_event: int | None = None  # the agency story's event at the end (None: not stored)
    derived_event: int | None = None  # the newspaper story's


def _store(session_factory: Callable, url: str, text: str, published: dt.date | None,
           probe: Callable | None = None):
    from sqlalchemy import select

    from newscrawl.model import Page
    from newscrawl.stages.process import run_steps
    from newscrawl.store import store_page
    from newscrawl.store.models import Story, Version

    page = Page.build(url, article_page(text, url, published),
                      {"Content-Type": "text/html; charset=utf-8"}, fetched_at=FETCHED_AT)
    record = run_steps(page).record
    if not record.is_article:
        return None
    with session_factory() as session:
        probed = probe(session, record) if probe else None
        out = store_page(session, page, record, source="reuse")
        row = session.execute(
            select(Story.id, Story.event_id, Version.derivation, Version.similarity)
            .join(Version, Version.story_id == Story.id).where(Version.id == out.version_id)).one()
        session.commit()
    return out.story_key, row, probed


def evaluate_counter(pairs: Sequence[ReusePair], session_factory: Callable, *,
                     progress: Callable[[str], None] | None = None) -> list[PairResult]:
    """Store every agency story, then every newspaper story; score each pair (module docstring).

    ``session_factory`` makes sessions on an empty, migrated database."""
    from sqlalchemy import select

    from newscrawl.store.matching import story_candidates
    from newscrawl.store.models import Story
    from newscrawl.store.repository import record_fingerprint, text_day

    source_story: dict[str, tuple[str, int]] = {}  # agency file -> (story key, story id)
    for n, p in enumerate(pairs):
        if p.source_name in source_story:
            continue
        got = _store(session_factory, f"https://agency.example/{p.source_name}", p.source,
                     p.source_date)
        if got is not None:
            key, row, _ = got
            source_story[p.source_name] = (key, row.id)
        if progress and n % 100 == 99:
            progress(f"agency stories stored: {n + 1}")

    def probe(session, record):
        return story_candidates(session, record.body, record_fingerprint(record),
                                text_day(record, FETCHED_AT, True))

    results = []
    for n, p in enumerate(pairs):
        res = PairResult(p)
        results.append(res)
        src = source_story.get(p.source_name)
        res.source_key = src[0] if src is not None else None
        got = _store(session_factory, f"https://paper.example/{p.derived_paper}/{p.id}", p.derived,
                     p.derived_date, probe)
        if src is None or got is None:
            res.stored = False
            continue
        key, row, candidates = got
        res.derived_key = key
        res.linked = key == src[0]
        res.candidate = src[1] in candidates
        res.derivation, res.similarity = row.derivation, row.similarity
        if progress and n % 100 == 99:
            progress(f"newspaper stories stored: {n + 1}")
    # Events move while stories are stored (events merge): read them at the end.
    with session_factory() as session:
        event_of = dict(session.execute(select(Story.key, Story.event_id)).all())
    for res in results:
        src = source_story.get(res.pair.source_name)
        res.source_event = event_of.get(src[0]) if src is not None else None
        res.derived_event = event_of.get(res.derived_key) if res.derived_key is not None else None
        if res.stored and src is not None:
            a, b = res.source_event, res.derived_event
            res.same_event = a is not None and a == b
    return results


def agency_files_in_one_story(results: Sequence[PairResult], days: int = 3) -> dict[str, tuple[int, int]]:
    """{group: (pairs, of them more than ``days`` apart)} over the pairs of *distinct* agency
    files the store put in one story: ``chosen on`` (both of the chosen domains), ``held out``
    (both of the others), ``across`` (one of each). Different files are different stories
    unless the agency filed one twice; those far apart in time are hardly one story."""
    files: dict[str, tuple[str, str, dt.date | None]] = {}
    for r in results:
        if r.source_key is not None:
            files[r.pair.source_name] = (r.source_key, r.pair.domain, r.pair.source_date)
    by_story: dict[str, list[tuple[str, dt.date | None]]] = {}
    for key, domain, day in files.values():
        by_story.setdefault(key, []).append((domain, day))
    out = {"chosen on": [0, 0], "held out": [0, 0], "across": [0, 0]}
    for members in by_story.values():
        for i, (dom_a, day_a) in enumerate(members):
            for dom_b, day_b in members[i + 1:]:
                a, b = dom_a in CHOSEN_ON, dom_b in CHOSEN_ON
                group = out["across" if a != b else "chosen on" if a else "held out"]
                group[0] += 1
                group[1] += day_a is not None and day_b is not None and abs((day_a - day_b).days) > days
    return {k: (v[0], v[1]) for k, v in out.items()}


def different_stories_in_one_event(results: Sequence[PairResult], days: int = 3, *,
                                   strict: bool = False) -> dict[str, tuple[int, int]]:
    """{group: (pairs in one event, pairs)} over the pairs of an agency story and a newspaper
    story of *another* agency story published at most ``days`` apart: ``chosen on`` (both of
    the chosen domains), ``held out`` (both of the others), ``across`` (one of each). COUNTER
    has no event labels: some of these are one event the agency told twice, so the shares are
    upper bounds of false links.

    ``strict``: a pair in one event counts only when the newspaper story is not in its own
    agency story's event. A newspaper story that rightly joins its own agency story's event,
    which also holds other agency stories of the days around, counts once per such agency story
    in the loose figure though it joined nothing wrong; in the strict figure it counts only
    where it was put with agency stories and not with its own."""
    agency: dict[str, tuple[str, dt.date, int]] = {}
    for r in results:
        if r.source_event is not None and r.pair.source_date is not None:
            agency[r.pair.source_name] = (r.pair.domain, r.pair.source_date, r.source_event)
    out = {"chosen on": [0, 0], "held out": [0, 0], "across": [0, 0]}
    for r in results:
        if r.derived_event is None or r.pair.derived_date is None:
            continue
        for name, (domain, day, event_id) in agency.items():
            if name == r.pair.source_name or abs((day - r.pair.derived_date).days) > days:
                continue
            a, b = domain in CHOSEN_ON, r.pair.domain in CHOSEN_ON
            group = out["across" if a != b else "chosen on" if a else "held out"]
            group[0] += event_id == r.derived_event and not (strict and r.same_event)
            group[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}
