"""Is this page an article? Pages that are not get a reason and are never stored as versions.

Judged after cleaning, on the body that would be stored and the rest of the page's text:

* ``javascript_required``: an empty shell that asks for JavaScript;
* ``consent_wall``: a cookie/consent interstitial in place of the article;
* ``paywall``: a teaser cut off by a subscription prompt;
* ``not_found``: a "page not found" message served as an ordinary page (a soft 404);
* ``index_page``: a section or front page -- many links to stories, little prose of its own;
* ``too_short``: anything else with too little text to be an article.

The walls and the not-found message are recognised only when the body is short: an article that
mentions cookies, subscriptions or a missing page is still an article.

A body under :data:`MIN_ARTICLE_WORDS` is still an article when it is a short prose text: at
least :data:`SHORT_ARTICLE_WORDS` words, :data:`SHORT_MIN_SENTENCES` sentences and mostly not
link text (a wire brief, a short post). What the page declares (JSON-LD, og:type, an
``<article>`` element) is not asked: on the extraction corpora it drops more short real
articles than pages that are not articles (docs/extraction.md, "Short articles").
"""

from __future__ import annotations

import re

from newscrawl.model import Block
from newscrawl.stages.prose import is_prose

#: Fewer words than this (CJK: twice as many characters) is not an article, unless it is short
#: prose (:func:`is_short_prose`).
MIN_ARTICLE_WORDS = 60
#: A short prose body needs at least this many words and sentences: a brief's one or two
#: sentences of news; a caption line, a byline, a menu strip or a bio line have fewer or none.
SHORT_ARTICLE_WORDS = 30
SHORT_MIN_SENTENCES = 2
#: Share of a short body's words in links at or above which it is not prose of its own.
SHORT_MAX_LINK_SHARE = 0.5
#: A link text of this many words found in a short body counts as link text there: a teaser or
#: a headline; a one- or two-word link ("Harbor", "the board") is a word the brief also uses.
LINK_TEXT_MIN_WORDS = 3
#: A wall may show a teaser: up to this many words of body still count as "behind a wall".
WALL_TEASER_WORDS = 150
#: An index page: at least this many link-only lines and fewer prose paragraphs than this.
INDEX_MIN_LINK_LINES, INDEX_MAX_PROSE = 8, 3

_JS_RE = re.compile(
    r"(?:enable|turn on|activate) javascript|javascript is (?:disabled|required|not enabled|turned off)|"
    r"requires? javascript|browser does(?: not|n't) support javascript|you need to enable javascript",
    re.IGNORECASE,
)
_CONSENT_RE = re.compile(
    r"we use cookies|accept all cookies|cookie (?:consent|settings|preferences)|before you continue|"
    r"manage (?:your )?(?:privacy|consent) (?:settings|preferences|choices)|we value your privacy",
    re.IGNORECASE,
)
_PAYWALL_RE = re.compile(
    r"subscribe (?:now )?to (?:continue|read|keep reading|unlock)|(?:for|only for) (?:paid )?subscribers|"
    r"already a subscriber|to continue reading|subscriber[- ]only|this (?:article|story|content) is (?:for|reserved for) "
    r"(?:subscribers|members)|create a free account to (?:continue|read)|unlock (?:this|full) (?:article|story)",
    re.IGNORECASE,
)
_NOT_FOUND_RE = re.compile(
    r"\b(?:page|file) (?:was |is )?not found\b|\berror 404\b|\b404 (?:error|not found)\b|"
    r"(?:page|content|article|story) (?:you (?:are|were) looking for|you requested|requested) "
    r"(?:could not be found|cannot be found|can't be found|does not exist|doesn't exist|no longer exists|"
    r"is no longer available|has been (?:moved|removed|deleted))",
    re.IGNORECASE,
)
#: A sentence's end: a Latin mark (or an ellipsis) with any closing quotes or brackets, then a
#: space or the end ("3.5", "e.g." inside a word do not count; "Jan. 15" does: a date strip has
#: one such, not two sentences); or a CJK or Arabic-script full stop or question mark, which
#: those scripts write without a space after it.
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’»)\]]*(?=\s|$)|[。！？۔؟]")
# Not unicode_ranges' classes: body_size counts running CJK text as pages write it, without the
# compatibility ideographs and conjoining jamo the language stage counts as letters. Which pages
# are long enough to be articles depends on it, so the count stays as its thresholds were set on.
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def body_size(body: str) -> int:
    """Words, counting every two CJK characters as one word."""
    cjk = len(_CJK_RE.findall(body))
    return len(_CJK_RE.sub(" ", body).split()) + cjk // 2


#: A prose paragraph, as pagetype asks it (:func:`newscrawl.stages.prose.is_prose`): at least this
#: many words, mostly not links. Pagetype asks whether a page has text of its own beside its links,
#: so a paragraph must be long (a teaser under a link is not) and need not end like a sentence.
PROSE_MIN_WORDS = 20
PROSE_MAX_LINK_RATIO = 0.5


def is_prose_paragraph(block: Block) -> bool:
    return is_prose(block, min_words=PROSE_MIN_WORDS, max_link_ratio=PROSE_MAX_LINK_RATIO)


def _linked_words(body: str, blocks: list[Block], link_texts: frozenset[str] | set[str]) -> float:
    """Words of ``body`` that are link text: by its blocks' link ratios, or by the page's link
    texts of :data:`LINK_TEXT_MIN_WORDS` or more words found in it (a body read from a list of
    teasers may keep no link ratio), whichever says more."""
    by_blocks = sum(len(b.text.split()) * b.link_ratio for b in blocks)
    folded = body.casefold()
    by_texts = sum(len(t.split()) for t in link_texts if len(t.split()) >= LINK_TEXT_MIN_WORDS and t in folded)
    return max(by_blocks, by_texts)


def is_short_prose(body: str, blocks: list[Block], size: int,
                   link_texts: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether a body under the article floor is still a short text of its own: enough words,
    at least two sentences, and less than half of its words link text."""
    if size < SHORT_ARTICLE_WORDS or len(_SENTENCE_END_RE.findall(body)) < SHORT_MIN_SENTENCES:
        return False
    words = len(body.split())
    return not words or _linked_words(body, blocks, link_texts) / words < SHORT_MAX_LINK_SHARE


def non_article_reason(body: str, page_text: str, extracted_blocks: list[Block],
                       body_blocks: list[Block] | None = None,
                       link_texts: frozenset[str] | set[str] = frozenset()) -> str | None:
    """Why this page is not an article, or None when it is one. ``body_blocks``: the blocks of
    ``body`` (their link ratios; None: the body's paragraphs, without links); ``link_texts``: the
    page's links' texts, case-folded (extract's ``link_texts``)."""
    size = body_size(body)
    if size < WALL_TEASER_WORDS:
        text = f"{body}\n{page_text}"
        if size < MIN_ARTICLE_WORDS and _JS_RE.search(text):
            return "javascript_required"
        if size < MIN_ARTICLE_WORDS and _CONSENT_RE.search(text):
            return "consent_wall"
        if _PAYWALL_RE.search(text):
            return "paywall"
    if size < MIN_ARTICLE_WORDS:
        if _NOT_FOUND_RE.search(body):
            return "not_found"
        if body_blocks is None:
            body_blocks = [Block(p) for p in body.split("\n\n")]
        if not is_short_prose(body, body_blocks, size, link_texts):
            return "too_short"
    link_lines = sum(1 for b in extracted_blocks if b.link_ratio >= 0.9)
    prose = sum(1 for b in extracted_blocks if is_prose_paragraph(b))
    if link_lines >= INDEX_MIN_LINK_LINES and prose < INDEX_MAX_PROSE:
        return "index_page"
    return None
