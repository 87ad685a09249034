"""Event terms: what lets two *different* stories be recognised as reports of the same event.

A story key says "the same text" (one wire story and its copies, trimmed, spun); two outlets
reporting one event write different texts and are two stories. What such reports share is not
wording but *facts*: the names of the people, places and organisations involved and the numbers
(dead, injured, evacuated, money), and they appear within days of each other. So an event is
found by the overlap of those terms in the stories' leads, within a time window:

* :func:`event_terms`: the proper names of the first :data:`LEAD_WORDS` words of the body
  (words capitalised where no sentence begins and never written in lower case there, outside
  Title Case lines) and the numbers of two or more digits of the title and the lead (years left
  out: every story of a year shares them). The lead is where news states who, where and how
  many; the background further down is what unrelated stories of the same place share.
* :func:`same_event`: two term sets share at least :data:`MIN_SHARED_TERMS` terms, at least
  :data:`MIN_SHARED_NAMES` of them names, making up at least :data:`MIN_TERM_OVERLAP` of the
  smaller set, and the stories' days (publication date, else first fetch in a crawl) are no
  more than :data:`EVENT_WINDOW_DAYS` apart (:func:`within_window`). The store also keeps an
  event's span within that window (newscrawl.store.events: no chaining).

The thresholds are measured (``python benchmarks/events.py``; the figures are in
docs/measurements.md, "Events"): on the bundled sample sites the independent report of the port
explosion links to the wire story and the same city's budget vote does not; the seed pages'
stories are one event; among the dev articles, all taken as published the same day (the worst
case), only a handful of pairs are linked, each two pages on one subject.

Scripts without letter case (Chinese, Japanese, Arabic, ...) give no names by this rule, only
numbers, so their stories are linked only where numbers alone meet the thresholds; that is a
known limit, recorded rather than guessed around.

Pure functions; the store keeps the terms per story and finds candidates by them
(:mod:`newscrawl.store.events`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from newscrawl.stages.memo import primable

#: Words of the body read for terms (the lead: who, where, how many).
LEAD_WORDS = 300
#: Terms two stories of one event share at least, names among them at least (numbers alone
#: are what any two listicles share: 10, 12, 15, 20)...
MIN_SHARED_TERMS = 5
MIN_SHARED_NAMES = 3
#: ...making up at least this share of the smaller story's terms...
MIN_TERM_OVERLAP = 0.3
#: ...and dates at most this many days apart.
EVENT_WINDOW_DAYS = 3

#: Longer "words" are not names (joined-up URLs, code); the store's term column holds 100.
MAX_TERM_CHARS = 60

#: Capitalised words that name no one: calendar words, honorifics, pronouns and the words a
#: sentence-internal capital is common on in English news (they would link any two stories).
GENERIC_CAPITALISED = frozenset("""
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december mr mrs ms dr prof sir i u.s us uk eu un
""".split())

_SENTENCE_END_RE = re.compile(r"[.!?…:]['\"’”)]*$")
_TOKEN_RE = re.compile(r"\d[\d,.]*\d|\d|[^\W\d_][\w'’.-]*[^\W_]|[^\W\d_]")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True, slots=True)
class EventMatch:
    shared: int
    shared_names: int
    overlap: float

    @property
    def is_match(self) -> bool:
        return (self.shared >= MIN_SHARED_TERMS and self.shared_names >= MIN_SHARED_NAMES
                and self.overlap >= MIN_TERM_OVERLAP)


@primable
def event_terms(title: str | None, body: str) -> frozenset[str]:
    """Proper names (casefolded) of the body's lead, and numbers (``#`` + digits) of the title
    and the lead.

    A name is a word capitalised where a sentence does not begin, and never written in lower case
    in the lead ("Harbour" in "the Harbour Board" and "the harbour" is a common word). Lines in
    Title Case (headings, a headline) give numbers only: their capitals say nothing."""
    words_left = LEAD_WORDS
    lines: list[str] = []
    for line in body.splitlines():
        if words_left <= 0:
            break
        words = line.split()[:words_left]
        words_left -= len(words)
        lines.append(" ".join(words))
    lowercase = {w.casefold() for line in lines for w, _ in _tokens(line) if w[0].islower()}
    terms: set[str] = set()
    for text, names in [(title or "", False)] + [(line, not _title_case(line)) for line in lines]:
        first_in_sentence = True
        for word, ends_sentence in _tokens(text):
            if word[0].isdigit():
                digits = re.sub(r"\D", "", word).lstrip("0")
                if 2 <= len(digits) < MAX_TERM_CHARS and not _YEAR_RE.fullmatch(digits):
                    terms.add("#" + digits)
            elif names and word[0].isupper() and not first_in_sentence:
                name = word.casefold().rstrip(".")
                if 1 < len(name) <= MAX_TERM_CHARS and name not in GENERIC_CAPITALISED \
                        and name not in lowercase:
                    terms.add(name)
            first_in_sentence = ends_sentence
    return frozenset(terms)


#: A line whose words are capitalised at least this much is in Title Case (3 words or more).
TITLE_CASE_SHARE = 0.6


def _title_case(line: str) -> bool:
    words = [w for w, _ in _tokens(line) if not w[0].isdigit()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= TITLE_CASE_SHARE * len(words)


def _tokens(text: str):
    """(token, whether it ends a sentence) for each word or number of ``text``."""
    for piece in text.split():
        ends = bool(_SENTENCE_END_RE.search(piece))
        words = _TOKEN_RE.findall(piece)
        for i, word in enumerate(words):
            yield word, ends and i == len(words) - 1


def compare_terms(a: frozenset[str], b: frozenset[str]) -> EventMatch:
    shared = a & b
    smaller = min(len(a), len(b))
    names = sum(not term.startswith("#") for term in shared)
    return EventMatch(len(shared), names, len(shared) / smaller if smaller else 0.0)


def story_day(dates: tuple[dt.datetime | None, dt.datetime | None]) -> dt.date | None:
    """A story's day, from its (published, first fetched in a crawl) dates: the publication
    date, else the fetch (None: neither; a page read from a file has no fetch day)."""
    moment = dates[0] if dates[0] is not None else dates[1]
    return None if moment is None else moment.astimezone(dt.timezone.utc).date()


def within_window(a: tuple[dt.datetime | None, dt.datetime | None],
                  b: tuple[dt.datetime | None, dt.datetime | None],
                  window_days: int = EVENT_WINDOW_DAYS) -> bool:
    """Whether two stories, each given as (published, first fetched in a crawl), are close
    enough in time for one event: their days (:func:`story_day`) are at most ``window_days``
    calendar days apart.

    The publication date speaks first: an archive crawled or ingested at once has one download
    time for news of many years. A crawl's first download stands in where a page states no
    date (a scheduled crawl downloads news within hours of publication); a file's time never
    does: it says when the page was saved or copied."""
    x, y = story_day(a), story_day(b)
    return x is not None and y is not None and abs((x - y).days) <= window_days


def same_event(a: frozenset[str], b: frozenset[str], a_dates: tuple[dt.datetime | None, dt.datetime | None],
               b_dates: tuple[dt.datetime | None, dt.datetime | None]) -> bool:
    """Whether two stories (terms, (published, first seen)) report one event."""
    return within_window(a_dates, b_dates) and compare_terms(a, b).is_match
