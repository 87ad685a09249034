"""Body blocks that stand only in elements the page hides.

A page can carry text a browser never shows: a second copy of a widget kept for another screen
size, a gallery's or a slideshow's captions waiting for a click, a synthetic test's hidden
paragraph. trafilatura prunes hidden elements only when little of the page's text is in them
(its guard against pruning the article), and its fallbacks read the page with them, so that text
can reach the body. An element is hidden here by what its markup says on its own: an inline
``display: none`` or ``visibility: hidden`` style, the ``hidden`` attribute or
``aria-hidden="true"``. A body block is dropped only when its words stand inside such an element
and nowhere else in the page: a text that is also shown (a hidden copy of a visible paragraph)
stays, and so does a body that is hidden whole. Class names (``.hidden``, ``.js-hide``) are left alone:
a style sheet decides what they do.

React's streaming server render is not hidden text: it writes each finished part of the page as a
``<div hidden id="S:<hex>">`` segment (boundaries ``B:<hex>`` and placeholders ``P:<hex>`` are
templates) and an inline script moves the segment into place, so the article itself can stand in
one. An element hidden only by the ``hidden`` attribute with an id of that form counts as shown; a
style or ``aria-hidden`` on it still hides it.

Where the hidden text stands says whose it is. Inside the article's frame (the element that holds
its running text, :func:`.container.densest_container`) it is the article's own, shown by script
on a click: a gallery's slides, a tab, an expander, a code block behind a button. It is kept.
Outside the frame it is the page's chrome (a menu, a modal, an overlay, a second copy of a
widget) and it goes. When the frame itself stands in a hidden element, the article is what the
script shows, and the frame is taken as the shown element around that hidden one.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from newscrawl.model import Block
from newscrawl.stages.extract.container import words_key

#: React's streamed segment, boundary and placeholder ids (its default form, no identifier prefix).
_STREAMED_ID_RE = re.compile(r"[SBP]:[0-9a-f]+\Z")
#: The attributes that may hide an element, the page's one XPath of the rule (the style is read in
#: Python: an XPath test of it on every element costs more than the rest of the rule). Asking for
#: the attributes, not for the elements that have one, spares libxml2 a predicate on every
#: element; the attributes come in document order, an element's next to each other.
_MARK_ATTRIBUTES_XPATH = etree.XPath("//@hidden | //@aria-hidden | //@style")
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def _streamed_segment(element: lxml.html.HtmlElement) -> bool:
    return _STREAMED_ID_RE.match(element.get("id") or "") is not None


def _is_hidden(element: lxml.html.HtmlElement) -> bool:
    return ((element.get("hidden") is not None and not _streamed_segment(element))
            or element.get("aria-hidden") == "true"
            or bool(_HIDDEN_STYLE_RE.search(element.get("style") or "")))


def marked_elements(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The elements of ``tree``'s document with a ``hidden``, ``aria-hidden`` or ``style``
    attribute, in document order, each once."""
    marked: list[lxml.html.HtmlElement] = []
    for value in _MARK_ATTRIBUTES_XPATH(tree):
        element = value.getparent()
        if not marked or marked[-1] is not element:
            marked.append(element)
    return marked


def hidden_elements(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The outermost elements of ``tree`` that its markup hides."""
    hidden = [el for el in marked_elements(tree) if _is_hidden(el)]
    found = set(hidden)
    return [el for el in hidden if not any(a in found for a in el.iterancestors())]


def shown_frame(frame: lxml.html.HtmlElement | None,
                hidden: list[lxml.html.HtmlElement]) -> lxml.html.HtmlElement | None:
    """The article's frame as the page shows it: ``frame`` itself, or, when it stands in one of the
    outermost ``hidden`` elements (or is one), that element's parent."""
    if frame is None:
        return None
    found = set(hidden)
    for element in (frame, *frame.iterancestors()):
        if element in found:
            return element.getparent()
    return frame


def outside_frame(hidden: list[lxml.html.HtmlElement],
                  frame: lxml.html.HtmlElement | None) -> list[lxml.html.HtmlElement]:
    """The elements of ``hidden`` that do not stand inside ``frame`` (all of them without one)."""
    if frame is None:
        return hidden
    return [el for el in hidden if not any(a is frame for a in el.iterancestors())]


def shown_texts(tree: lxml.html.HtmlElement, hidden: set[lxml.html.HtmlElement]) -> list[str]:
    """The text nodes of ``tree`` outside every element of ``hidden``, in document order (a walk
    that skips hidden subtrees: an XPath testing each text node's ancestors costs several times
    more)."""
    out = []
    walker = etree.iterwalk(tree, events=("start", "end"))
    for event, element in walker:
        if event == "start":
            if element in hidden:
                walker.skip_subtree()
            elif isinstance(element.tag, str) and element.text:
                # Comments and processing instructions carry no shown text, only their tails.
                out.append(element.text)
        elif element.tail and element is not tree:
            out.append(element.tail)
    return out


def hidden_only_keys(blocks: list[Block], tree: lxml.html.HtmlElement | None,
                     frame: lxml.html.HtmlElement | None = None) -> frozenset[str]:
    """The :func:`words_key` of each block of ``blocks`` whose words stand only inside hidden
    elements of ``tree`` outside the article's ``frame`` (:func:`shown_frame` of it: hidden text
    inside it is the article's, shown by script); none when every block would go (a page whose
    whole body is hidden shows it by script, or the extractor read a hidden widget instead of the
    article: an empty body is no better than that body)."""
    if tree is None or not blocks:
        return frozenset()
    elements = hidden_elements(tree)
    elements = outside_frame(elements, shown_frame(frame, elements))
    hidden = [key for key in (words_key(" ".join(el.itertext())) for el in elements) if key]
    if not hidden:
        return frozenset()
    keys = [words_key(b.text) for b in blocks]
    candidates = {key for key in keys if key and any(key in h for h in hidden)}
    if not candidates:
        return frozenset()
    # Text nodes joined by spaces: a word split by inline markup ("<b>W</b>ord") is not found in
    # the shown text, nor in a hidden element's, the same way on both sides.
    shown = words_key(" ".join(shown_texts(tree, set(elements))))
    drop = frozenset(key for key in candidates if key not in shown)
    if all(key in drop for key in keys):
        return frozenset()
    return drop


def drop_hidden_blocks(blocks: list[Block], hidden: frozenset[str]) -> tuple[list[Block], int]:
    """``blocks`` without those whose :func:`words_key` is in ``hidden`` (:func:`hidden_only_keys`),
    and how many were dropped; all of them kept when none would be left."""
    if not hidden:
        return blocks, 0
    kept = [b for b in blocks if words_key(b.text) not in hidden]
    if not kept:
        return blocks, 0
    return kept, len(blocks) - len(kept)
