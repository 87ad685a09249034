"""The page tree: a page parsed as trafilatura parses it, then repaired as a browser would show it.

Every reader of the page (metadata, the body extractors, the flattened-block walk) reads this
tree. Three repairs make it the page a reader sees: content the parser left outside ``<body>``
is moved into it (:func:`move_stray_content_into_body`), furniture elements that an unclosed tag
made swallow the article are demoted to plain containers (:func:`demote_swallowing_furniture`),
and markup nested deeper than the parser goes is flattened and parsed again (:func:`parse_page`,
with :mod:`.nesting`). Invisible elements are dropped; JSON-LD scripts are kept for the metadata.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from newscrawl.stages.extract.nesting import cap_depth, drop_unclosed_elements, hit_depth_limit
from newscrawl.stages.extract.whitespace import collapsed

#: Elements that hold a block of visible text (see :func:`visible_blocks`).
_BLOCK_TAGS = {
    "p", "div", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "blockquote",
    "figcaption", "caption", "label", "button", "a", "span", "section", "article", "aside",
    "header", "footer", "nav", "form", "pre", "address", "option",
}


#: Elements whose content is never visible text (dropped from the tree, JSON-LD scripts kept).
_SKIP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe")


#: The parser settings trafilatura uses for the pages it parses itself (comments and processing
#: instructions dropped): the tree it is handed must be the one it would have built, or its
#: extraction changes (comment nodes cut paragraphs short).
#: One difference: ``huge_tree``, because libxml2 otherwise drops everything nested deeper than
#: 256 elements, and broken markup (an unclosed <div> per comment or ad slot) nests an article
#: that deep. The page's size is capped before parsing (``article.MAX_HTML_CHARS``), which is
#: what the limit guards against; extraction is otherwise the same either way.
PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False,
                               huge_tree=True)


# Every element an HtmlElement, chosen in C: lxml.html's own lookup is a Python method called
# for each element proxy made (thousands a page between trafilatura and the extract stage), only
# to give <form>, <input>, <select>, <textarea> and <label> their form-handling classes, which
# nothing here uses. The extraction is the same, and trafilatura a little faster.
ELEMENT_LOOKUP = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity)
PARSER.set_element_class_lookup(ELEMENT_LOOKUP)


def move_stray_content_into_body(tree: lxml.html.HtmlElement) -> None:
    """Content the parser left outside ``<body>`` is moved into it, as browsers do.

    A page with ``</body></html>`` in its middle (templates that include a whole document) makes
    libxml2 close the document there and put the rest in a *second* root ``<html>`` element, a
    sibling of the first; elements after ``<body>`` in the root are the milder form. Otherwise
    every reader of the body -- trafilatura included -- misses what may be the whole article."""
    body = tree.find("body")
    if body is None:
        return
    after = False
    for child in list(tree):
        if child is body:
            after = True
        elif after and isinstance(child.tag, str) and child.tag != "head":
            body.append(child)
    for root in list(tree.itersiblings()):
        if isinstance(root.tag, str) and root.tag == "html":
            for child in list(root):
                if not isinstance(child.tag, str) or child.tag == "head":
                    continue
                # A second <body> wrapper, if the parser made one, is unwrapped.
                for element in (list(child) if child.tag == "body" else [child]):
                    body.append(element)


#: Elements trafilatura deletes whole, as page furniture (its ``MANUALLY_CLEANED`` tags that can
#: hold flow content)...
_FURNITURE_TAGS = ("aside", "button", "dialog", "fieldset", "figure", "footer", "label", "menu", "nav")
#: ...are containers when they hold more than this share of the body's text: an unclosed
#: ``<button>`` or ``<nav>`` in the page's markup swallows everything after it, article included.
FURNITURE_MAX_TEXT_SHARE = 0.5
#: ...and when less than this share of that text is link text. An element that swallowed the
#: article holds its prose; a site's mega-menu (a ``<nav>`` of hundreds of section and story
#: links) can hold most of a short page's text too, and is furniture whatever its size.
SWALLOWING_MAX_LINK_SHARE = 0.5


def _link_share(element: lxml.html.HtmlElement, chars: int) -> float:
    """Share of an element's ``chars`` characters of text that lie inside links."""
    return sum(len(a.text_content()) for a in element.iter("a")) / chars if chars else 0.0


def demote_swallowing_furniture(tree: lxml.html.HtmlElement) -> int:
    """Furniture elements that hold most of the page's text become ``div``; returns how many.

    A browser shows what an unclosed menu button holds, so readers see the article; trafilatura
    deletes the button with all it holds. In its recall mode it puts the tree back only when no
    paragraph at all is left, so the page's own footer paragraphs (or a portal's chrome around
    a syndicated copy) decide between the article and nothing. trafilatura itself treats a
    ``<form>`` holding most of the text as a layout wrapper; this is the same rule for the other
    furniture."""
    body = tree.find("body")
    if body is None:
        return 0
    total = len(body.text_content())
    swallowing = [el for el in body.iter(*_FURNITURE_TAGS)
                  if (chars := len(el.text_content())) > FURNITURE_MAX_TEXT_SHARE * total
                  and _link_share(el, chars) < SWALLOWING_MAX_LINK_SHARE]
    for element in swallowing:
        element.tag = "div"
    return len(swallowing)


#: A ``<noscript>`` holding this share of the page's text is the page (a script-built site's
#: whole page as its no-script fallback): without it there is nothing to read.
NOSCRIPT_WHOLE_PAGE_SHARE = 0.9


def _swallowing_noscript(element: lxml.html.HtmlElement, total: int) -> bool:
    """A ``<noscript>`` that holds the page: most of its text, and prose rather than links (an
    unclosed one, a tracking pixel's left open in a template, takes in the rest of the page,
    article included, and a browser shows it), or nearly all of it (the whole page as the
    fallback of a script-built site). A real fallback holds a line or an image."""
    chars = len(element.text_content())
    return chars > FURNITURE_MAX_TEXT_SHARE * total and (
        _link_share(element, chars) < SWALLOWING_MAX_LINK_SHARE or chars >= NOSCRIPT_WHOLE_PAGE_SHARE * total)


def page_tree(html: str) -> lxml.html.HtmlElement | None:
    """The page parsed as trafilatura parses it, with stray content moved into the body and
    invisible elements (scripts, styles, ...) dropped; JSON-LD scripts are kept."""
    try:
        tree = lxml.html.document_fromstring(html, parser=PARSER)
    except (etree.ParserError, ValueError):
        return None
    move_stray_content_into_body(tree)
    noscripts = []
    for bad in list(tree.iter(*_SKIP_TAGS)):
        if bad.tag == "script" and bad.get("type") == "application/ld+json":
            continue
        if bad.tag == "noscript":
            noscripts.append(bad)
            continue
        bad.drop_tree() if bad.getparent() is not None else None
    if noscripts:
        body = tree.find("body")
        total = len(body.text_content()) if body is not None else 0
        for bad in noscripts:
            if _swallowing_noscript(bad, total):
                bad.tag = "div"
            else:
                bad.drop_tree() if bad.getparent() is not None else None
    demote_swallowing_furniture(tree)
    return tree


#: An XML declaration opening a page (after a byte-order mark or blanks, if any), up to the
#: first ``>``, closed by ``?>`` or not: libxml2's HTML parser and browsers end a ``<?`` there
#: too, so the page parses as it would from its bytes. A declaration that never closes as
#: ``?>`` (a ``/>``, a broken template value in its encoding) is still one lxml refuses.
_XML_DECLARATION_RE = re.compile(r"\A\ufeff?\s*<\?xml\b[^>]*>")


def parse_page(html: str) -> tuple[lxml.html.HtmlElement | None, str, int]:
    """The page tree (:func:`page_tree`), the HTML it was parsed from and how many elements'
    tags were dropped to parse it whole.

    Where libxml2 stopped at its nesting depth limit (what lies 2,048 levels down is lost), the
    page is flattened (:mod:`.nesting`: unclosed wrappers first, then what still lies too deep)
    and parsed again; the flattened HTML is returned, so that every later reader (readability
    too) gets the flattened page. Other pages are never rewritten (0 tags dropped).

    A leading XML declaration is removed first (from the HTML returned too): the page is text by
    now (the decode stage read its encoding), and lxml refuses text that declares an encoding
    (ValueError), which left an XHTML page opening with ``<?xml version="1.0"
    encoding="UTF-8"?>`` with no tree and no body at all. lxml refuses any text opening with
    ``<?xml``, a blank and an ``encoding="..."`` attribute, however the declaration ends (its
    test does not ask for ``?>``), so the declaration is taken up to the first ``>`` however it
    closes: where the HTML parser itself ends it, given the page's bytes.
    """
    html = _XML_DECLARATION_RE.sub("", html, count=1)
    tree = page_tree(html)
    flattened = 0
    for flatten in (drop_unclosed_elements, cap_depth):
        if tree is None or not hit_depth_limit(PARSER):
            break
        html, dropped = flatten(html)
        if dropped:
            flattened += dropped
            tree = page_tree(html)
    return tree, html, flattened


def visible_blocks(tree: lxml.html.HtmlElement) -> list[str]:
    """Text of the page's innermost block elements, in document order; a block element with
    block children gives its own loose text only (e.g. "Tags: " before links)."""
    # Invisible elements were dropped from the tree before; the head holds no visible text.
    # Block elements are picked out by lxml's tag filter (in C), and "has a block child" is read
    # off their parents' set: cheaper than testing every element's children in Python.
    body = tree.find("body")
    elements = list((body if body is not None else tree).iter(*_BLOCK_TAGS))
    parents = {element.getparent() for element in elements}
    blocks: list[str] = []
    for element in elements:
        text = (element.text or "") if element in parents else element.text_content()
        text = collapsed(text)
        if text:
            blocks.append(text)
    return blocks
