"""The story-fingerprint evidence corpus: copies of real articles, made by code, and their scores.

The question it answers: does a copy of a story get that story's key, whatever was done to it,
and does a *different* article never get it? :func:`build_copies` derives copies from the
articles of ``../shared/data/wcxb-dev-articles`` (real pages with their ground-truth bodies, read
at run time, never copied into the project); :func:`evaluate` stores the originals and then the
copies through the real store (:func:`newscrawl.store.store_page`: LSH bands, verification,
merges) in a scratch database and counts what landed where.

Kinds of copies (``Copy.kind``):

* ``exact``: the same text re-punctuated and re-flowed (straight quotes, one paragraph per line).
* ``trimmed``: a lead-only reprint, the first paragraphs holding about a third of the words.
* ``edited``: one paragraph dropped, a sentence of ours added, a number changed.
* ``spun-0.3``, ``spun-0.6``, ``spun-1.0``: :func:`evaluation.spinner.spin` at that
  strength (fraction of eligible words swapped), seeded by the article id.
* ``trimmed-spun``: a lead-only reprint spun at 0.6 (scrapers do both).
* ``real-page``: the article's real page (another site's chrome) through ``process_page``,
  against the ground-truth body stored first: extraction noise and all.
* ``rewrapped``: the ground-truth body inside chrome written here (navigation, share line,
  "Advertisement" blocks, related headlines, comment form, footer) through ``process_page``.

Distinct articles: every original is stored before any copy; an original that joins an
earlier original's story is a **false merge**. The data holds one article twice (the same URL
with and without a trailing slash): pairs whose URLs are equal up to the trailing slash and
the query are the same story, listed as ``duplicates_in_data``, not counted as false merges.
The hardest distinct pairs (highest 3-gram containment, the "same topic" pairs: two reports on
the same survey, two pages of one shop's terms) are scored and listed too.

Precision of a kind: of its copies that joined an existing story, the share that joined their
own. Recall: the share of its copies that got their own story's key.

Dates of the originals (``evaluate(..., published=)``): by default none is dated and every one
is placed in time by the one download day of the corpus (:data:`FETCHED_AT`), the condition of
a crawl that reads no date. :func:`stated_dates` gives each original the publication date its
own saved page states (``process_page`` reads it; a page stating none leaves its original
undated on the download day): the condition a crawl of these pages would store. :func:`one_day`
dates every original on the download day: the worst case for a rule taken only by dated pairs,
as if every page had been published on one day.
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import json
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from evaluation.spinner import spin

#: Where the corpus's source articles are (beside the project, see ../shared/README.md).
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "wcxb-dev-articles"
#: Articles shorter than this (words) are left out: a 40-word blurb has too few 3-grams for any
#: copy of it to be told apart from chance, and is not what syndication copies.
MIN_WORDS = 100
SPIN_STRENGTHS = (0.3, 0.6, 1.0)
TEXT_KINDS = ("exact", "trimmed", "edited", *(f"spun-{s}" for s in SPIN_STRENGTHS),
              "trimmed-spun")
PAGE_KINDS = ("real-page", "rewrapped")
KINDS = TEXT_KINDS + PAGE_KINDS
#: A lead-only reprint keeps paragraphs until it holds this share of the words.
TRIM_SHARE = 0.35
#: Sentences the "edited" copies gain (ours): what an editor appends to a reprint.
EDITOR_SENTENCES = (
    "This report was updated with further details after publication.",
    "An earlier version of this article misstated a figure; it has been corrected.",
    "Our newsroom contributed additional reporting to this article.",
    "Readers with more information are asked to contact the news desk.",
)
#: When the copies were "fetched" (fixed: the corpus must be the same on every run).
FETCHED_AT = dt.datetime(2026, 10, 14, 12, 0, tzinfo=dt.timezone.utc)


class CorpusUnavailable(RuntimeError):
    """The source articles are not where they should be."""


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    body: str
    url: str
    path: Path | None = None  # the saved real page (gzip), if any


@dataclass(frozen=True, slots=True)
class Copy:
    article_id: str
    kind: str
    url: str
    title: str
    body: str | None = None  # text copies
    html: bytes | None = None  # page copies: run through process_page


def load_articles(data: Path = DEFAULT_DATA, *, min_words: int = MIN_WORDS,
                  limit: int | None = None) -> list[Article]:
    """The dev articles with at least ``min_words`` words of ground-truth body, by id."""
    truth_file = data / "ground-truth.json"
    if not truth_file.is_file():
        raise CorpusUnavailable(f"{truth_file} not found (../shared beside the project?)")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    articles = []
    for article_id in sorted(truth):
        entry = truth[article_id]
        body = (entry.get("articleBody") or "").strip()
        if len(body.split()) < min_words:
            continue
        page = data / "html" / f"{article_id}.html.gz"
        articles.append(Article(article_id, (entry.get("title") or "").strip(), body,
                                entry.get("url") or f"https://dev.example/{article_id}",
                                page if page.is_file() else None))
    return articles[:limit] if limit is not None else articles


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", body) if p.strip()]


def exact_copy(body: str) -> str:
    """Re-punctuated, re-flowed: typographic quotes straightened, one paragraph per line."""
    table = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    return "\n".join(paragraphs(body.translate(table)))


def trimmed_copy(body: str, share: float = TRIM_SHARE) -> str:
    """The first paragraphs holding ``share`` of the words (the first sentences for one block)."""
    paras = paragraphs(body)
    total = sum(len(p.split()) for p in paras)
    if len(paras) < 3:
        words = body.split()
        return " ".join(words[: max(1, int(len(words) * share))])
    kept, count = [], 0
    for p in paras:
        kept.append(p)
        count += len(p.split())
        if count >= share * total:
            break
    return "\n\n".join(kept)


def edited_copy(body: str, rng: random.Random) -> str:
    """One paragraph dropped (not the lead), a sentence added, a number changed."""
    paras = paragraphs(body)
    if len(paras) >= 4:
        del paras[rng.randrange(1, len(paras))]
    paras.append(EDITOR_SENTENCES[rng.randrange(len(EDITOR_SENTENCES))])
    text = "\n\n".join(paras)
    numbers = list(re.finditer(r"\b\d+\b", text))
    if numbers:
        m = numbers[rng.randrange(len(numbers))]
        text = text[: m.start()] + str(int(m.group()) + 1) + text[m.end():]
    return text


def rewrapped_page(title: str, body: str, url: str) -> bytes:
    """``body`` inside a news site's chrome written for this corpus (UTF-8 HTML)."""
    e = html.escape
    host = urlsplit(url).hostname or "copy.example"
    blocks = []
    for i, p in enumerate(paragraphs(body)):
        blocks.append(f"<p>{e(p)}</p>")
        if i == 1:
            blocks.append('<div class="ad-slot"><p>Advertisement</p></div>')
    related = "".join(
        f'<li><a href="/news/{n}">{e(h)}</a></li>' for n, h in enumerate((
            "Harbour ferry timetable changes from Monday",
            "Five walks to try before the clocks go back",
            "Local bakery wins regional bread award",
            "Council opens consultation on cycle lanes",
        )))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)} | '
        f'Riverside Courier</title><link rel="canonical" href="{e(url)}"></head><body>'
        '<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a> '
        '<a href="/weather">Weather</a> <a href="/subscribe">Subscribe</a></nav></header>'
        f'<main><article><h1>{e(title)}</h1><p class="byline">By Courier Staff</p>'
        '<div class="share">Share this article</div>'
        f'<div class="article-body">{"".join(blocks)}</div></article>'
        f'<aside><h2>Related stories</h2><ul>{related}</ul></aside>'
        '<section class="comments"><h3>Leave a Reply</h3>'
        '<p>Your email address will not be published. Required fields are marked *</p>'
        '<form><textarea name="comment"></textarea><button>Post Comment</button></form>'
        '</section></main>'
        f'<footer><p>© 2026 Riverside Courier, {e(host)}. All rights reserved.</p>'
        '<p><a href="/privacy">Privacy</a> <a href="/terms">Terms</a></p></footer>'
        '</body></html>'
    ).encode("utf-8")


def build_copies(articles: Sequence[Article], kinds: Iterable[str] = KINDS) -> list[Copy]:
    """Every requested kind of copy of every article, deterministic (seeded by the article id)."""
    kinds = list(kinds)
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown copy kinds: {sorted(unknown)}")
    copies = []
    for art in articles:
        seed = int(art.id) if art.id.isdigit() else sum(map(ord, art.id))
        for kind in kinds:
            url = f"https://{kind.replace('.', '')}-copies.example/{art.id}"
            title = art.title or art.id
            if kind == "exact":
                copies.append(Copy(art.id, kind, url, title, body=exact_copy(art.body)))
            elif kind == "trimmed":
                copies.append(Copy(art.id, kind, url, title, body=trimmed_copy(art.body)))
            elif kind == "edited":
                copies.append(Copy(art.id, kind, url, title,
                                   body=edited_copy(art.body, random.Random(seed))))
            elif kind.startswith("spun-"):
                strength = float(kind.split("-", 1)[1])
                copies.append(Copy(art.id, kind, url, title, body=spin(art.body, strength, seed)))
            elif kind == "trimmed-spun":
                copies.append(Copy(art.id, kind, url, title,
                                   body=spin(trimmed_copy(art.body), 0.6, seed)))
            elif kind == "real-page":
                if art.path is not None:
                    copies.append(Copy(art.id, kind, art.url, title,
                                       html=gzip.decompress(art.path.read_bytes())))
            elif kind == "rewrapped":
                copies.append(Copy(art.id, kind, url, title,
                                   html=rewrapped_page(title, art.body, url)))
    return copies


def same_document_url(a: str, b: str) -> bool:
    """Two URLs of one document: equal up to scheme, "www.", query and trailing slash."""
    def norm(url: str) -> str:
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        return host + parts.path.rstrip("/")
    return norm(a) == norm(b)


@dataclass
class KindScore:
    copies: int = 0
    own_story: int = 0  # got the key of the story it was copied from
    other_story: int = 0  # joined a different existing story: a precision error
    new_story: int = 0  # made a story of its own: a recall miss
    not_article: int = 0  # process_page skipped it (page kinds): a recall miss
    derivations: Counter = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return self.own_story / self.copies if self.copies else 0.0

    @property
    def precision(self) -> float:
        joined = self.own_story + self.other_story
        return self.own_story / joined if joined else 1.0


@dataclass
class Evaluation:
    articles: int = 0
    false_merges: list[tuple[str, str]] = field(default_factory=list)  # (article, joined article)
    duplicates_in_data: list[tuple[str, str]] = field(default_factory=list)
    kinds: dict[str, KindScore] = field(default_factory=dict)
    misses: dict[str, list[str]] = field(default_factory=dict)  # kind -> article ids
    merges_recorded: int = 0
    #: Originals (distinct articles, all downloaded on one day; dated as ``evaluate``'s
    #: ``published`` says) that ended in one event with another original, grouped by event
    #: (before any copy is stored).
    shared_events: list[tuple[str, ...]] = field(default_factory=list)


def _record_for(url: str, title: str, body: str, published_at: dt.datetime | None = None):
    from newscrawl.model import ArticleRecord, site_of
    from newscrawl.stages.fingerprint import fingerprint

    return ArticleRecord(url=url, site=site_of(url), title=title, body=body, language="en",
                         fingerprint=fingerprint(body), published_at=published_at)


def stated_dates(articles: Sequence[Article], *,
                 progress: Callable[[str], None] | None = None) -> dict[str, dt.datetime | None]:
    """{article id: the publication date its saved page states, None: it states none or there
    is no saved page}, as ``process_page`` reads it (the page fetched at :data:`FETCHED_AT`, no
    HTTP headers, so a date comes from the page alone)."""
    from newscrawl.stages.process import process_page

    out: dict[str, dt.datetime | None] = {}
    for n, art in enumerate(articles):
        out[art.id] = None
        if art.path is not None:
            record = process_page(gzip.decompress(art.path.read_bytes()), art.url,
                                  {"Content-Type": "text/html"}, fetched_at=FETCHED_AT)
            out[art.id] = record.published_at
        if progress and n % 100 == 99:
            progress(f"dates read: {n + 1}")
    return out


def one_day(articles: Sequence[Article]) -> dict[str, dt.datetime]:
    """Every original dated on the download day (the stress case of dated-pair rules)."""
    return {art.id: FETCHED_AT for art in articles}


#: The choices of the originals' dates by name (benchmarks' ``--dates``).
DATINGS = ("none", "stated", "one-day")


def dates_for(dating: str, articles: Sequence[Article], *,
              progress: Callable[[str], None] | None = None) -> dict[str, dt.datetime | None] | None:
    """The ``published`` argument of :func:`evaluate` for a name of :data:`DATINGS`."""
    if dating == "none":
        return None
    if dating == "stated":
        return stated_dates(articles, progress=progress)
    if dating == "one-day":
        return dict(one_day(articles))
    raise ValueError(f"unknown dating {dating!r}; one of {DATINGS}")


def evaluate(articles: Sequence[Article], copies: Sequence[Copy], session_factory: Callable,
             *, progress: Callable[[str], None] | None = None,
             published: Mapping[str, dt.datetime | None] | None = None) -> Evaluation:
    """Store the originals, then the copies, through ``store_page``; score where they landed.

    ``published``: {article id: the publication date its original is stored with}; an id
    missing or None, and every original when ``published`` is None, is stored undated (placed
    by the download day). See :func:`stated_dates` and :func:`one_day`.

    ``session_factory`` makes sessions on an empty, migrated database (each page is committed,
    as a crawl does). The originals are stored at their own URLs under a ``originals.example``
    path so that a real-page copy (at the article's real URL) is not taken for an edit of it.
    """
    from sqlalchemy import func, select

    from newscrawl.model import Page
    from newscrawl.stages.process import run_steps
    from newscrawl.store import store_page
    from newscrawl.store.models import Story, StoryMerge, Version

    result = Evaluation(articles=len(articles))
    key_of: dict[str, str] = {}
    article_of_key: dict[str, str] = {}
    url_of = {a.id: a.url for a in articles}
    for n, art in enumerate(articles):
        url = f"https://originals.example/{art.id}"
        record = _record_for(url, art.title, art.body,
                             (published or {}).get(art.id))
        page = Page.build(url, art.body.encode("utf-8"), {"Content-Type": "text/plain"},
                          fetched_at=FETCHED_AT)
        with session_factory() as session:
            out = store_page(session, page, record, source="evidence")
            session.commit()
        if out.created_story:
            key_of[art.id] = out.story_key
            article_of_key[out.story_key] = art.id
        else:
            other = article_of_key.get(out.story_key, "?")
            key_of[art.id] = out.story_key
            if other != "?" and same_document_url(art.url, url_of[other]):
                result.duplicates_in_data.append((art.id, other))
            else:
                result.false_merges.append((art.id, other))
        if progress and n % 100 == 99:
            progress(f"originals stored: {n + 1}")
    with session_factory() as session:
        event_of = dict(session.execute(select(Story.key, Story.event_id)).all())
    groups: dict[int, list[str]] = {}
    for art_id, key in key_of.items():
        if event_of.get(key) is not None:
            groups.setdefault(event_of[key], []).append(art_id)
    result.shared_events = sorted(tuple(g) for g in groups.values() if len(set(key_of[a] for a in g)) > 1)

    for n, copy in enumerate(copies):
        score = result.kinds.setdefault(copy.kind, KindScore())
        score.copies += 1
        if copy.html is not None:
            page = Page.build(copy.url, copy.html, {"Content-Type": "text/html; charset=utf-8"},
                              fetched_at=FETCHED_AT)
            record = run_steps(page).record
            record.url = copy.url  # the page's canonical link may name another site
        else:
            page = Page.build(copy.url, copy.body.encode("utf-8"), {"Content-Type": "text/plain"},
                              fetched_at=FETCHED_AT)
            record = _record_for(copy.url, copy.title, copy.body)
        if not record.is_article:
            score.not_article += 1
            result.misses.setdefault(copy.kind, []).append(copy.article_id)
            continue
        with session_factory() as session:
            out = store_page(session, page, record, source="evidence")
            derivation = session.execute(
                select(Version.derivation).where(Version.id == out.version_id)).scalar()
            session.commit()
        if derivation:
            score.derivations[derivation] += 1
        if out.story_key == key_of[copy.article_id]:
            score.own_story += 1
        else:
            result.misses.setdefault(copy.kind, []).append(copy.article_id)
            if out.created_story:
                score.new_story += 1
            else:
                score.other_story += 1
        if progress and n % 500 == 499:
            progress(f"copies stored: {n + 1}/{len(copies)}")
    with session_factory() as session:
        result.merges_recorded = session.execute(
            select(func.count()).select_from(StoryMerge)).scalar_one()
    return result


def hardest_distinct_pairs(articles: Sequence[Article], top: int = 20) -> list[tuple]:
    """The ``top`` most similar pairs of distinct articles (by 3-gram containment), with their
    :class:`~newscrawl.stages.fingerprint.StoryMatch`: the "same topic" pairs a threshold must keep
    apart. Quadratic in the articles (about 10 s for 700): for measurement, not for tests."""
    from newscrawl.stages.fingerprint import TextFeatures, match_features

    feats = [TextFeatures.of(a.body) for a in articles]
    scored = []
    for i in range(len(articles)):
        for j in range(i + 1, len(articles)):
            if same_document_url(articles[i].url, articles[j].url):
                continue
            a, b = feats[i].shingles, feats[j].shingles
            if not a or not b:
                continue
            shared = len(a & b)
            if shared:
                scored.append((shared / min(len(a), len(b)), i, j))
    scored.sort(reverse=True)
    return [(articles[i].id, articles[j].id, match_features(feats[i], feats[j]))
            for _, i, j in scored[:top]]


__all__ = ["Article", "Copy", "CorpusUnavailable", "DATINGS", "Evaluation", "KINDS", "KindScore",
           "PAGE_KINDS", "TEXT_KINDS", "build_copies", "dates_for", "evaluate",
           "hardest_distinct_pairs", "load_articles", "one_day", "stated_dates"]
