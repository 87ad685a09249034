"""The article's container: the element whose own running text holds the most prose, and what it says
about the lines that close a body.

Many layouts close the story with short lines that are not the story: a "News Tracker" of past
headlines, the publisher's boilerplate, a comment count, "Print this story | Email this story",
a network's list of sister sites. trafilatura keeps them when they sit near the article; their
shape alone does not tell them from an article's own closing lines (a tagline, a contact line).
Where they stand does: an article's paragraphs are siblings in one container, and these lines
stand outside it. The extract stage reads the container's words (:func:`container_key`); the
clean stage, once its own rules have removed what they know, runs
:func:`cut_closing_run_outside_container`, which cuts, of the run of blocks that
closes the body and are neither prose nor lists nor tables, those after the last block the
container holds, when the container holds most of the body before that run (it is the
article's, not a sidebar's). This is the agreement readability's choice of a container would give (tried
before: docs/extraction.md), read off the page tree at the cost of one walk over its paragraphs.
"""

from __future__ import annotations

import re

import lxml.html

from newscrawl.model import Block
from newscrawl.stages.prose import is_prose


def densest_container(tree: lxml.html.HtmlElement | None) -> lxml.html.HtmlElement | None:
    """The article's frame: the element whose own running text holds the most prose (None: no
    paragraph and no other running text).

    An element's running text is its ``<p>`` children, the runs of its own text (its text and its
    children's tails with the inline elements between them, a run ending at a ``<br>`` or a block
    child) and its ``<div>`` children that hold text and no block: a short article written as
    ``<br>``-separated lines or as text ``<div>``s is running text as much as one written in
    ``<p>``s, and must outweigh a single paragraph elsewhere (an author's note, a comment).

    A piece of running text counts as its text outside links and form controls, and only when it
    reads as a sentence (it ends like one, :data:`FRAME_SENTENCE_ENDS`) and is not mostly link text: a column of other
    stories' teasers (a linked headline with the start of a summary in each paragraph) or a link
    row can hold more characters than the article beside it, but little of them is unlinked
    sentences. An element named as a reader's comment (:func:`names_a_comment`) is the frame only
    where nothing else on the page reads as prose: a long comment under a short article holds more
    sentences than the article. Where no piece of the page counts, the element whose paragraphs
    hold the most text."""
    if tree is None:
        return None
    controls = next(tree.iter(*FORM_CONTROL_TAGS), None) is not None
    text_divs = _text_divs(tree, controls)
    # In the order found (not a set's), so that of two equal candidates the same one wins on
    # every run.
    candidates = dict.fromkeys(p.getparent() for p in tree.iter("p", "br"))
    candidates.update(dict.fromkeys(div.getparent() for div in tree.iter("div") if div in text_divs))
    candidates.pop(None, None)
    # A candidate's prose and paragraph characters are parts of its text, so its text's length
    # bounds both: taken longest first, the walk stops at the first candidate that cannot reach
    # the best score so far. The candidate's place in the order found breaks ties, as before.
    bounded = sorted(((len(parent.text_content()), index, parent) for index, parent in enumerate(candidates)),
                     key=lambda item: (-item[0], item[1]))
    best, best_score = None, (0, 0, 0)
    # Readers' comments compete only where nothing else on the page reads as prose.
    comment, comment_score = None, (0, 0, 0)
    for bound, index, parent in bounded:
        if (bound, bound) < best_score[:2]:
            break
        prose = chars = 0
        for text, linked, is_p in _running_text(parent, text_divs, controls):
            if is_p:
                chars += len(text)
            if linked < FRAME_MAX_LINK_SHARE * len(text) and text.rstrip().endswith(FRAME_SENTENCE_ENDS):
                prose += len(text) - linked
        score = (prose, chars, -index)
        if (prose, chars) <= (0, 0):
            continue
        if names_a_comment(parent):
            if score > comment_score:
                comment, comment_score = parent, score
        elif score > best_score:
            best, best_score = parent, score
    if best_score[0] > 0 or comment_score <= best_score:
        return best
    return comment


#: Class and id tokens that name a reader's comment (:func:`names_a_comment`).
COMMENT_NAMES = frozenset({"comment", "comments"})
_NAME_SPLIT_RE = re.compile(r"[^a-z]+")


def names_a_comment(element: lxml.html.HtmlElement) -> bool:
    """Whether ``element``'s own class or id, split into lower-case words at every other character,
    has the word "comment" or "comments".

    A long reader's comment below a short article out-prosed it as the frame. Only the element's
    own names are read: a page's wrapper named for the article's genre (an opinion column's
    "comment" section) holds the article itself, while the element holding a comment's text is
    named for it ("comment-body", "dsq-comment-message")."""
    names = " ".join(filter(None, (element.get("class"), element.get("id"))))
    return bool(names) and not COMMENT_NAMES.isdisjoint(_NAME_SPLIT_RE.split(names.lower()))


#: Children that end a run of an element's own text (:func:`densest_container`); a ``<div>`` among
#: them is running text itself when it holds none of them.
FRAME_BLOCK_TAGS = frozenset({
    "p", "div", "ul", "ol", "dl", "li", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "section", "article", "aside", "header", "footer", "nav", "form", "figure",
})


#: A menu's options or a button's label are not running text wherever they stand.
FORM_CONTROL_TAGS = ("select", "option", "textarea", "button", "label")


def _text(el: lxml.html.HtmlElement, controls: bool = True) -> str:
    """``el``'s text without the text of form controls inside it (``controls``: the page has any)."""
    if not controls or next(el.iter(*FORM_CONTROL_TAGS), None) is None:
        return el.text_content()
    if el.tag in FORM_CONTROL_TAGS:
        return ""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _linked_chars(el: lxml.html.HtmlElement, controls: bool) -> int:
    return sum(len(_text(a, controls)) for a in el.iter("a"))


def _text_divs(tree: lxml.html.HtmlElement, controls: bool) -> set[lxml.html.HtmlElement]:
    """The ``<div>`` elements that hold text and no block, found in one walk: every ancestor of a
    block holds a block."""
    holding: set = set()
    for block in tree.iter(*FRAME_BLOCK_TAGS):
        for ancestor in block.iterancestors():
            if ancestor in holding:
                break
            holding.add(ancestor)
    return {div for div in tree.iter("div") if div not in holding and _holds_text(div, controls)}


def _holds_text(el: lxml.html.HtmlElement, controls: bool) -> bool:
    """Whether :func:`_text` of ``el`` is more than white space, without joining it."""
    if controls:
        return bool(_text(el).strip())
    return any(piece.strip() for piece in el.itertext(with_tail=True) if isinstance(piece, str))


def _running_text(parent: lxml.html.HtmlElement, text_divs: set, controls: bool):
    """The pieces of ``parent``'s running text as (text, linked characters, is a ``<p>``)."""
    run, linked = [parent.text or ""], 0
    for child in parent:
        tag = child.tag if isinstance(child.tag, str) else None
        if tag == "br" or tag in FRAME_BLOCK_TAGS:
            if "".join(run).strip():
                yield "".join(run), linked, False
            run, linked = [], 0
            if tag == "p" or child in text_divs:
                yield _text(child, controls), _linked_chars(child, controls), tag == "p"
        elif tag is not None:
            run.append(_text(child, controls))
            linked += _linked_chars(child, controls)
        run.append(child.tail or "")
    if "".join(run).strip():
        yield "".join(run), linked, False


#: A closing block is the article's prose (and ends the run) when it has this many words and ends
#: like a sentence: clean's measure of a prose paragraph (``clean.PROSE_MIN_WORDS``).
PROSE_MIN_WORDS = 13
PROSE_ENDS = tuple('.!?:;,"”’)…»')
#: The frame's sentences also end as Chinese and Japanese ones do: an article in those scripts
#: must not weigh nothing beside one Latin line (a copyright notice) elsewhere on its page.
FRAME_SENTENCE_ENDS = PROSE_ENDS + tuple("。！？」』）")
#: A paragraph with at least this share of its characters in links is a link row or a teaser,
#: not the frame's prose (:func:`densest_container`).
FRAME_MAX_LINK_SHARE = 0.5
#: Lists and tables are the article's own structure (a "See also" list, a data table) as often as
#: furniture: they end the run as prose does.
RUN_STOP_KINDS = ("list", "table")
#: Only a run of at least this many blocks is weighed: a single closing line is as often the
#: article's own (a tagline, a correction) as furniture.
MIN_RUN_BLOCKS = 2
#: The container must hold at least this share of the words of the body before the closing run:
#: otherwise it is not the article's (a page whose story is not written in sibling ``<p>``
#: elements).
MIN_CONTAINER_SHARE = 0.5

_WORD_RE = re.compile(r"\w+")


def words_key(text: str) -> str:
    """The words of ``text``, case-folded and joined by single spaces: what a block is looked up
    by, in the container's words (:func:`container_key`) or in a page's hidden and shown text
    (:mod:`.hidden`)."""
    return " ".join(_WORD_RE.findall(text.casefold()))


def _closing_run_start(blocks: list[Block]) -> int:
    """Index of the first block of the closing run of blocks that are not prose, lists or tables."""
    start = len(blocks)
    while start > 0:
        block = blocks[start - 1]
        if block.kind in RUN_STOP_KINDS or is_prose(
                block, min_words=PROSE_MIN_WORDS, kinds=(block.kind,), sentence_ends=PROSE_ENDS):
            break
        start -= 1
    return start


def container_key(container: lxml.html.HtmlElement | None) -> str:
    """The words of the article's container (``container``, :func:`densest_container` of the page),
    case-folded and joined by single spaces ('' when the page has no paragraph): what a block is
    looked up in."""
    return words_key(container.text_content()) if container is not None else ""


def cut_closing_run_outside_container(blocks: list[Block], held: str) -> tuple[list[Block], int]:
    """The body without the closing non-prose blocks that stand after the last block the
    article's container holds (``held``: its :func:`container_key`); returns the blocks and how
    many were cut."""
    start = _closing_run_start(blocks)
    if len(blocks) - start < MIN_RUN_BLOCKS or not held:
        return blocks, 0
    keys = [words_key(b.text) for b in blocks]
    inside = [bool(k) and k in held for k in keys]
    words = [len(k.split()) for k in keys]
    # The share is taken of the body before the run: the run is what is being judged, and a long
    # run of furniture (lists of other stories with their teasers) would otherwise outweigh the
    # article it follows and hide itself.
    if sum(w for w, i in zip(words[:start], inside[:start]) if i) < MIN_CONTAINER_SHARE * sum(words[:start]):
        return blocks, 0
    last = max((i for i, i_in in enumerate(inside) if i_in), default=-1)
    keep = max(start, last + 1)
    return blocks[:keep], len(blocks) - keep
