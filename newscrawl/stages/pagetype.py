"""Is this page an article? Pages that are not get a reason and are never stored as versions.

Judged after cleaning, on the body that would be stored and the rest of the page's text:

* ``javascript_required``: an empty shell that asks for JavaScript;
* ``consent_wall``: a cookie/consent interstitial in place of the article;
* ``paywall``: a teaser cut off by a subscription prompt;
* ``index_page``: a section or front page -- many links to stories, little prose of its own;
* ``too_short``: anything else with too little text to be an article.

The walls are recognised only when the body is short: an article that mentions cookies or
subscriptions is still an article.
"""

from __future__ import annotations

import re

from newscrawl.model import Block
from newscrawl.stages.prose import is_prose

#: Fewer words than this (CJK: twice as many characters) is not an article.
MIN_ARTICLE_WORDS = 60
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


def non_article_reason(body: str, page_text: str, extracted_blocks: list[Block]) -> str | None:
    """Why this page is not an article, or None when it is one."""
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
        return "too_short"
    link_lines = sum(1 for b in extracted_blocks if b.link_ratio >= 0.9)
    prose = sum(1 for b in extracted_blocks if is_prose_paragraph(b))
    if link_lines >= INDEX_MIN_LINK_LINES and prose < INDEX_MAX_PROSE:
        return "index_page"
    return None
