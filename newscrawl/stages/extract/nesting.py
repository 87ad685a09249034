"""Markup nested too deep to parse: unclosed elements dropped so that the page parses whole.

libxml2 stops building the tree 2,048 levels down, even with ``huge_tree`` (its XML_PARSE_HUGE):
everything below is silently lost, and with it the article (a page whose article sits behind
thousands of unclosed ``<div>``, ``<font>`` or ``<span>`` tags comes out as ``no_article_text``).
Pages get that deep through broken markup, not design: an element opened and never closed for
each comment, ad slot or forum line nests everything after it one level deeper.

Unclosed wrappers change no text, and a browser shows such a page like any other. So where the
parser reports the depth limit (:func:`hit_depth_limit`), :func:`drop_unclosed_elements` removes
the start tags of elements that no end tag of their own ever closes (they end only when an ancestor
ends, or with the document) and the page is parsed again; where it is still too deep (elements
that do close, nested thousands deep), :func:`cap_depth` drops the tags of elements opened deeper
than :data:`MAX_DEPTH`, keeping their text. Elements that HTML closes without an
end tag (``<p>``, ``<li>``, table rows and cells, ...) are never dropped: the parser closes them
where a browser would, without nesting. Pages under the limit are never rewritten.

The tags are found by a tokenizer that knows what a parser must know to pair them: comments,
raw-text elements (``<script>``, ``<style>``, ``<textarea>``, ``<title>``, whose content is not
markup), quoted attribute values that hold ``>``, void elements and ``/>``.
"""

from __future__ import annotations

import re
from collections import Counter

from lxml import etree

#: Elements without content: never open.
VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
                           "param", "source", "track", "wbr"})
#: Elements HTML closes without their end tag (by a sibling, or when the parent closes): an
#: unclosed one does not nest what follows, so it is never dropped. The document's own elements too.
IMPLIED_END_ELEMENTS = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option",
                                  "optgroup", "rb", "rp", "rt", "rtc", "colgroup", "caption", "html", "head",
                                  "body"})

#: Elements that end a line: a dropped tag of one leaves a line break, so that the text before and
#: after it does not run together (an inline element's leaves nothing: "<b>Mid</b>night").
LINE_ELEMENTS = frozenset({"address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
                           "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
                           "h6", "header", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td",
                           "th", "tr", "ul"})

_TOKEN_RE = re.compile(
    r"<!--.*?(?:-->|\Z)"                                             # a comment (or one left open)
    r"|<(script|style|textarea|title)\b(?:\"[^\"]*\"|'[^']*'|[^'\">])*>.*?(?:</\1\s*>|\Z)"  # raw text
    r"|<(/?)([a-zA-Z][^\s/>]*)((?:\"[^\"]*\"|'[^']*'|[^'\">])*)>",    # a start or end tag
    re.DOTALL | re.IGNORECASE,
)


def hit_depth_limit(parser: etree.HTMLParser) -> bool:
    """Whether the parser's last run stopped at libxml2's nesting depth limit."""
    return any("Excessive depth" in entry.message for entry in parser.error_log)


def drop_unclosed_elements(html: str) -> tuple[str, int]:
    """``html`` without the start tags of elements never closed by their own end tag, and how
    many were dropped (see the module docstring)."""
    # Pair start and end tags as a parser does. An end tag closes the nearest open element of
    # its name; the elements it closes on the way were never closed by their own.
    open_elements: list[tuple[str, int, int]] = []  # (name, start, end) of each open element's tag
    unclosed: list[tuple[int, int, str]] = []

    def close(elements: list[tuple[str, int, int]]) -> None:
        unclosed.extend((start, end, name) for name, start, end in elements if name not in IMPLIED_END_ELEMENTS)

    # How many elements of each name are open: an end tag with none open to close is skipped
    # without searching the stack (thousands of stray end tags would make that quadratic).
    open_count: Counter[str] = Counter()
    for match in _TOKEN_RE.finditer(html):
        name = match.group(3)
        if name is None:
            continue  # a comment or a raw-text element: complete in itself
        name = name.lower()
        if match.group(2):  # an end tag
            if not open_count[name]:
                continue  # nothing open to close: left to the parser
            depth = len(open_elements) - 1
            while open_elements[depth][0] != name:
                depth -= 1
            close(open_elements[depth + 1:])
            open_count.subtract(element[0] for element in open_elements[depth:])
            del open_elements[depth:]
            continue
        if name in VOID_ELEMENTS or match.group(4).rstrip().endswith("/"):
            continue
        open_elements.append((name, match.start(), match.end()))
        open_count[name] += 1
    close(open_elements)
    if not unclosed:
        return html, 0
    return _without(html, sorted(unclosed)), len(unclosed)


#: The depth :func:`cap_depth` keeps: half the parser's limit, far deeper than any layout.
MAX_DEPTH = 1024


def cap_depth(html: str, max_depth: int = MAX_DEPTH) -> tuple[str, int]:
    """``html`` with no element nested deeper than ``max_depth``, and how many elements lost
    their tags (their text stays).

    For the rarer page nested too deep by elements that *are* closed (thousands of ``<div>`` in
    ``<div>``), where :func:`drop_unclosed_elements` finds nothing to drop. What goes is the
    middle: an element keeps its tags when it lies within ``max_depth // 2`` of the top (the
    page's own layout) or holds fewer than ``max_depth // 2`` levels below it (the article's
    paragraphs, lists and links); on any path from the top down, at most ``max_depth`` such
    elements remain."""
    half = max_depth // 2
    # [start, end, name, depth, height, end tag's (start, end) or None] per element; height:
    # levels of elements below it (0: no child element), known once it is closed.
    elements: list[list] = []
    open_elements: list[list] = []

    open_count: Counter[str] = Counter()  # as in drop_unclosed_elements

    def pop() -> None:
        element = open_elements.pop()
        open_count[element[2]] -= 1
        if open_elements:
            open_elements[-1][4] = max(open_elements[-1][4], element[4] + 1)

    for match in _TOKEN_RE.finditer(html):
        name = match.group(3)
        if name is None:
            continue
        name = name.lower()
        if match.group(2):
            if not open_count[name]:
                continue
            depth = len(open_elements) - 1
            while open_elements[depth][2] != name:
                depth -= 1
            open_elements[depth][5] = (match.start(), match.end())
            while len(open_elements) > depth:
                pop()
            continue
        if name in VOID_ELEMENTS or match.group(4).rstrip().endswith("/"):
            continue
        element = [match.start(), match.end(), name, len(open_elements) + 1, 0, None]
        open_elements.append(element)
        open_count[name] += 1
        elements.append(element)
    while open_elements:
        pop()
    dropped = [e for e in elements if e[3] > half and e[4] >= half]
    if not dropped:
        return html, 0
    tags = [(e[0], e[1], e[2]) for e in dropped] + [(*e[5], e[2]) for e in dropped if e[5] is not None]
    return _without(html, sorted(tags)), len(dropped)


def _without(html: str, tags: list[tuple[int, int, str]]) -> str:
    """``html`` without the tags at the given (start, end, element name) spans, in order."""
    pieces, last = [], 0
    for start, end, name in tags:
        pieces.append(html[last:start])
        pieces.append("\n" if name in LINE_ELEMENTS else "")
        last = end
    pieces.append(html[last:])
    return "".join(pieces)
