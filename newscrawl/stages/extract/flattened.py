"""Flattened blocks: a body block that holds a whole article cut back into the page's lines.

Some extractor fallbacks (trafilatura's baseline among them) return an article, or a whole page,
as one paragraph. :func:`resegment_flattened` walks such a block along the lines a browser would
show for the page (:func:`rendered_lines`) and cuts it where they end.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable

import lxml.html
from lxml import etree

from newscrawl.model import Block
from newscrawl.stages.extract.whitespace import collapsed

#: A body block at least this long, with no line break in it, may be an extractor's fallback that
#: flattened the whole article (or page) into one paragraph: trafilatura's baseline does.
FLATTENED_BLOCK_WORDS = 300
#: Elements that end a line where a browser renders them: the flattened text is cut there again.
_LINE_TAGS = frozenset({
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "table", "tr", "td", "th", "caption", "section", "article", "header", "footer", "nav",
    "aside", "main", "figure", "figcaption", "form", "address", "hr", "br", "details", "summary",
})
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def rendered_lines(root: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    """(text, kind) of each line a browser would show for ``root``: text runs cut wherever a
    block element starts or ends; inline elements (links, emphasis, spans) run on. Walked with
    lxml's event iterator, not recursion: malformed pages nest elements thousands deep."""
    lines: list[tuple[str, str]] = []
    buffer: list[str] = []
    kind = "p"

    def flush() -> None:
        text = collapsed("".join(buffer))
        if text:
            lines.append((text, kind))
        buffer.clear()

    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        block = tag in _LINE_TAGS
        if event == "start":
            if block:
                flush()
                kind = "head" if tag in _HEADING_TAGS else "p"
            buffer.append(element.text or "")
        else:
            if block:
                flush()
                kind = "p"
            if element is not root:
                buffer.append(element.tail or "")
    flush()
    return lines


def resegment_flattened(blocks: list[Block], page_tree: Callable[[], lxml.html.HtmlElement | None]) -> list[Block]:
    """A flattened block cut back into the lines it was made of.

    Where an extractor fell back to one paragraph holding a whole article, every later stage is
    blind: the clean rules and the language stage judge blocks, and a byline, a menu or a line of
    foreign chrome glued into 2,000 words is invisible. The block's text is walked along the
    page's rendered lines in order (compared without whitespace: extractors and browsers space
    block seams differently): a line the text continues with is one of its blocks, a line it does
    not is one the extractor dropped (a button, a tags line) and is passed over. The first and
    last lines may be cut. Where the walk does not account for the whole text, the block stays."""
    if not any(_flattened(b) for b in blocks):
        return blocks
    tree = page_tree()
    body = tree.find("body") if tree is not None else None
    if body is None:
        return blocks
    lines = [(text, kind, "".join(text.split())) for text, kind in rendered_lines(body)]
    out: list[Block] = []
    for block in blocks:
        pieces = _walk_lines(block, lines) if _flattened(block) else None
        out.extend(pieces if pieces and len(pieces) > 1 else [block])
    return out


def _flattened(block: Block) -> bool:
    return block.kind == "p" and "\n" not in block.text and len(block.text.split()) >= FLATTENED_BLOCK_WORDS


def _walk_lines(block: Block, lines: list[tuple[str, str, str]]) -> list[Block] | None:
    target = "".join(block.text.split())
    opening = target[:FLATTENED_ANCHOR_CHARS]
    starts, position = [], 0
    for _, _, compact in lines:
        starts.append(position)
        position += len(compact)
    joined = "".join(compact for _, _, compact in lines)
    # Where the walk may begin, in page order: where the block's opening occurs (it may start
    # inside a line, the extractor having cut the line's start, and run over several lines), and
    # lines the opening starts with (a short first line, the extractor having dropped what
    # followed it on the page). A menu word or a headline may occur more than once: each
    # candidate is tried until one walk accounts for the whole text.
    candidates: set[tuple[int, int]] = set()
    at = joined.find(opening)
    while at >= 0 and len(candidates) < FLATTENED_MAX_STARTS:
        first = bisect.bisect_right(starts, at) - 1
        candidates.add((first, at - starts[first]))
        at = joined.find(opening, at + 1)
    short_starts = (i for i, (_, _, compact) in enumerate(lines) if compact and opening.startswith(compact))
    for index in itertools.islice(short_starts, FLATTENED_MAX_STARTS):
        candidates.add((index, 0))
    for first, offset in sorted(candidates):
        pieces = _walk_from(block, target, lines, first, offset)
        if pieces:
            return pieces
    return None


#: Places to begin the walk of one flattened block that are tried before giving up (of each kind).
FLATTENED_MAX_STARTS = 8


def _walk_from(block: Block, target: str, lines: list[tuple[str, str, str]], first: int,
               at: int) -> list[Block] | None:
    pieces: list[Block] = []
    position = 0
    for index in range(first, len(lines)):
        text, kind, compact = lines[index]
        if index == first:
            text, compact = _from_compact_index(text, at), compact[at:]
        if not compact:
            continue
        left = len(target) - position
        if target.startswith(compact, position):
            pieces.append(Block(text, kind, block.link_ratio))
            position += len(compact)
        elif len(compact) > left and compact.startswith(target[position:]):
            # The text ends inside this line.
            pieces.append(Block(_upto_compact_index(text, left), kind, block.link_ratio))
            position = len(target)
        elif not pieces:
            return None  # the text does not begin here
        if position >= len(target):
            return pieces
    return None


#: How much of a flattened block's start (without whitespace) is looked for in the page's lines
#: to begin the walk: enough not to begin at every occurrence of a menu word.
FLATTENED_ANCHOR_CHARS = 40


def _from_compact_index(text: str, index: int) -> str:
    """``text`` from its ``index``-th non-space character on."""
    seen = 0
    for i, ch in enumerate(text):
        if not ch.isspace():
            if seen == index:
                return text[i:]
            seen += 1
    return ""


def _upto_compact_index(text: str, count: int) -> str:
    """``text`` up to and including its ``count``-th non-space character."""
    seen = 0
    for i, ch in enumerate(text):
        if not ch.isspace():
            seen += 1
            if seen == count:
                return text[: i + 1]
    return text
