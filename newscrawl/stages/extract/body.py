"""Body candidates: trafilatura's body as blocks, the other candidates, and the choice among them.

The body comes from trafilatura (the strongest open extractor on news benchmarks) with comments
excluded; its body tree gives one block per paragraph, heading, list, quote or table, which keeps
the block structure that the later stages (language, clean) work on. Where trafilatura's
favor_recall run collapsed to a sliver of the page, its balanced mode is asked again
(:func:`recall_collapse_rescue`); where its body is short, the publisher's JSON-LD
``articleBody``, readability and the densest run of paragraphs are weighed against it
(:func:`choose_body`). Another candidate wins only when it holds the same text and more.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from urllib.parse import urljoin

import lxml.html
import trafilatura

from newscrawl.model import Block
from newscrawl.stages.extract.container import densest_container
from newscrawl.stages.extract.tree import ELEMENT_LOOKUP, page_tree
from newscrawl.stages.extract.whitespace import WHITESPACE_RE, collapsed, normalized_text
from newscrawl.stages.pagetype import body_size

# trafilatura's inline elements: text inside them runs on; any other element is a break.
_INLINE_TAGS = {"hi", "ref", "del"}


def _pieces(element, out: list[str]) -> None:
    out.append(element.text or "")
    for child in element:
        inline = child.tag in _INLINE_TAGS
        if not inline:
            out.append(" ")
        _pieces(child, out)
        if not inline:
            out.append(" ")
        out.append(child.tail or "")


def _text(element) -> str:
    """An element's text with a space where a nested block (line break, paragraph, cell) ends,
    so "<item>March 16<lb/>FABCON</item>" does not become "March 16FABCON"."""
    out: list[str] = []
    _pieces(element, out)
    return collapsed("".join(out))


def _split_on_breaks(element) -> list[str]:
    """Text segments of an element, split where two or more line breaks follow each other: blog
    platforms write paragraphs as ``text<br><br>text`` inside one element."""
    segments: list[list[str]] = [[]]
    pending_breaks = 0

    def flush_breaks() -> None:
        nonlocal pending_breaks
        if pending_breaks >= 2:
            segments.append([])
        elif pending_breaks == 1:
            segments[-1].append(" ")
        pending_breaks = 0

    segments[-1].append(element.text or "")
    for child in element:
        if child.tag == "lb":
            pending_breaks += 1
            if (child.tail or "").strip():
                flush_breaks()
                segments[-1].append(child.tail)
            continue
        flush_breaks()
        segments[-1].append(_text(child) if child.tag not in _INLINE_TAGS else "".join(child.itertext()))
        segments[-1].append(child.tail or "")
    texts = (collapsed("".join(parts)) for parts in segments)
    return [t for t in texts if t]


def link_texts(tree: lxml.html.HtmlElement) -> set[str]:
    """Case-folded, space-normalized texts of the page's links (to tell link-only blocks)."""
    texts = set()
    for anchor in tree.iter("a"):
        text = collapsed(anchor.text_content()).casefold()
        if text:
            texts.add(text)
    return texts


def body_blocks(body, links: set[str] | frozenset = frozenset()) -> list[Block]:
    """Blocks from trafilatura's body tree (p, head, list, quote, table, code elements).

    Link density comes from the page's own links (``links``): trafilatura's ``include_links``
    mode would give it directly, but it also splits paragraphs at links, which costs recall.
    A block whose whole text is one link's text counts as all link.
    """
    blocks: list[Block] = []

    def add(text: str, kind: str) -> None:
        if text:
            ratio = 1.0 if text.casefold() in links else 0.0
            blocks.append(Block(text, kind, ratio))

    for element in body:
        if not isinstance(element.tag, str):
            continue
        kind = element.tag if element.tag in ("p", "head", "list", "quote", "table", "code") else "p"
        if kind == "list":
            # Direct items only: a nested list is part of its parent item's text.
            items = [_text(item) for item in element.findall("item")]
            add("\n".join(f"- {item}" for item in items if item), kind)
        elif kind == "table":
            rows = [" | ".join(_text(cell) for cell in row.iter("cell")) for row in element.iter("row")]
            add("\n".join(r for r in rows if r.strip(" |")), kind)
        else:
            for text in _split_on_breaks(element):
                add(text, kind)
        # Text after an element (trafilatura leaves paragraph text as a heading's tail) is a
        # paragraph of its own.
        add(collapsed(element.tail or ""), "p")
    return blocks


#: When trafilatura's body is shorter than this, a second extractor is consulted: below it,
#: readability's bodies raise recall; above it, more pages would pay readability's cost for
#: about the same score.
SHORT_BODY_WORDS = 300
#: Another candidate replaces the body only when it is this many times longer...
REPLACE_RATIO = 1.3
#: ...and contains this share of the body's word 3-grams (it is the same text, only more of it).
REPLACE_MIN_CONTAINMENT = 0.6


def _words(blocks: list[Block]) -> int:
    return sum(len(b.text.split()) for b in blocks)


def _trigrams(text: str) -> set[tuple[str, ...]]:
    toks = re.findall(r"\w+", text.casefold())
    return {tuple(toks[i : i + 3]) for i in range(len(toks) - 2)}


def _contains(candidate: str, body: list[Block]) -> bool:
    ours = _trigrams(" ".join(b.text for b in body))
    return not ours or len(ours & _trigrams(candidate)) / len(ours) >= REPLACE_MIN_CONTAINMENT


#: The parser readability-lxml builds its page with (``readability.htmls.build_doc``: UTF-8 bytes,
#: the parser's defaults), with every element an HtmlElement chosen in C as in :data:`.tree.PARSER`:
#: lxml.html's own lookup is a Python call per element proxy, thousands a page in readability's
#: scoring, for form-handling classes that neither readability nor its cleaner use.
_READABILITY_PARSER = lxml.html.HTMLParser(encoding="utf-8")
_READABILITY_PARSER.set_element_class_lookup(ELEMENT_LOOKUP)

#: A ``<base>`` tag could be in the page (a superset: the text may also be in a script or comment).
_BASE_TAG_RE = re.compile(r"<base", re.IGNORECASE)


@functools.cache
def _readability_document() -> type:
    """readability-lxml's ``Document`` reading the page for its text only.

    readability makes every link of the page absolute (``make_links_absolute`` with the page's
    URL) on each of its parses, a walk over every link and URL join, though only one link
    decides anything in its output: an ``<iframe>`` is kept (as the text "VIDEO") when its
    ``src`` is a video site's, else dropped. So only iframe sources are joined with the URL here,
    as lxml's rewrite would join them (stripped; a source that cannot be joined is removed);
    where the page has a ``<base>`` tag (which lxml's rewrite resolves first, failing the whole
    parse on a bad link) readability's own rewrite runs. Each parse is a new tree from the HTML,
    as readability's own parse gives it (its retry parses again)."""
    from readability import Document

    class TextDocument(Document):
        def _parse(self, input):  # noqa: A002 - readability's name
            doc = lxml.html.document_fromstring(input.encode("utf-8", "replace"), parser=_READABILITY_PARSER)
            url = self.url
            if not url or _BASE_TAG_RE.search(input):
                return super()._parse(doc)
            self.url = None  # readability then only looks for a <base> tag: there is none
            try:
                doc = super()._parse(doc)
            finally:
                self.url = url
            for iframe in doc.iter("iframe"):
                src = iframe.get("src")
                if src is None:
                    continue
                try:
                    iframe.set("src", urljoin(url, src.strip()))
                except ValueError:
                    del iframe.attrib["src"]
            return doc

    return TextDocument


def readability_blocks(html: str, url: str) -> list[Block]:
    """readability-lxml's article as blocks (outermost paragraphs, headings, list items, quotes,
    code), [] when it fails: the short-body fallback of :func:`choose_body`."""
    try:
        summary = _readability_document()(html, url=url).summary(html_partial=True)
        tree = lxml.html.fragment_fromstring(summary, create_parent="div")
    except Exception:  # noqa: BLE001 - a failed fallback just means no second candidate
        return []
    kinds = {"p": "p", "h1": "head", "h2": "head", "h3": "head", "h4": "head", "li": "p",
             "blockquote": "quote", "pre": "code"}
    out = []
    for element in tree.iter(*kinds):
        text = normalized_text(element.text_content())
        if text and not any(a.tag in kinds for a in element.iterancestors()):
            out.append(Block(text, kinds[element.tag]))
    return out


#: favor_recall skips trafilatura's comparison with its fallbacks once the first candidate holds
#: some text, and on some layouts that candidate is one small part of a long article, where the
#: balanced mode keeps most of it. A body below this share of the page's visible words is
#: checked against the balanced mode...
RECALL_COLLAPSE_PAGE_SHARE = 0.2
#: ...whose body replaces it when this many times longer and containing it (REPLACE_MIN_CONTAINMENT).
RECALL_COLLAPSE_RATIO = 1.5
#: A favor_recall body this small (pagetype.body_size: words, two CJK characters a word) is below
#: an article's size (pagetype.MIN_ARTICLE_WORDS): the page would be recorded as not an article.
#: Containment protects a body from being replaced by other text; such a body has nothing to
#: protect, and a favor_recall run that grabbed a header and a footer line is what it often is
#: (a guide page's favor_recall body can be its header and legal footer lines where the
#: balanced mode keeps the article's paragraphs), so there the balanced body replaces it when
#: longer by RECALL_COLLAPSE_RATIO, whatever it holds.
RECALL_COLLAPSE_NO_BODY_WORDS = 60


def trafilatura_body(page, url: str, links: set[str] | frozenset = frozenset(), *,
                     favor_recall: bool = False) -> list[Block]:
    """trafilatura's body (no metadata, no comments, tables kept) of a page (HTML text or a parsed
    tree, which it prunes), as blocks."""
    # output_format="txt": only the body tree is read here. With the default ("python") format
    # trafilatura also renders that tree as text for the returned document, which nothing here
    # uses; the format changes nothing else (no formatting either way), so the body is the same.
    doc = trafilatura.bare_extraction(page, url=url, with_metadata=False, include_comments=False,
                                      include_tables=True, favor_recall=favor_recall, output_format="txt")
    return body_blocks(doc.body, links) if doc is not None and doc.body is not None else []


def recall_collapse_rescue(blocks: list[Block], visible: list[str], html: str, url: str,
                           links: set[str] | frozenset = frozenset(),
                           tree: lxml.html.HtmlElement | None = None) -> tuple[list[Block], str]:
    """trafilatura's favor_recall body, or its balanced-mode body where favor_recall collapsed.

    ``tree``: the page tree the first run was given (:func:`page_tree` of ``html``), read again
    here instead of parsing ``html`` anew: trafilatura works on a copy of a tree it is given and
    leaves the tree itself as it was."""
    words = _words(blocks)
    page_words = sum(len(v.split()) for v in visible)
    if not blocks or words >= RECALL_COLLAPSE_PAGE_SHARE * page_words:
        return blocks, "trafilatura"
    # The page as the first run had it (stray content moved in, furniture that swallowed the
    # article demoted).
    if tree is None:
        tree = page_tree(html)
    other = trafilatura_body(tree if tree is not None else html, url, links)
    if _words(other) >= RECALL_COLLAPSE_RATIO * words and (
            body_size(" ".join(b.text for b in blocks)) < RECALL_COLLAPSE_NO_BODY_WORDS
            or _contains(" ".join(b.text for b in other), blocks)):
        return other, "trafilatura-balanced"
    return blocks, "trafilatura"


#: Paragraph-like children counted by :func:`densest_paragraphs`.
_CLUSTER_TAGS = {"p": "p", "h2": "head", "h3": "head", "h4": "head", "blockquote": "quote", "ul": "list",
                 "ol": "list", "pre": "code"}


def densest_paragraphs(tree: lxml.html.HtmlElement | None) -> list[Block]:
    """The paragraphs of the article's frame (:func:`.container.densest_container`).

    The last resort where both extractors come back (nearly) empty: an article is a run of
    sibling paragraphs in one container, whatever class names the layout uses. Headings, lists
    and quotes between those paragraphs come along; nothing outside the container does."""
    best = densest_container(tree)
    if best is None:
        return []
    out = []
    for child in best:
        kind = _CLUSTER_TAGS.get(child.tag) if isinstance(child.tag, str) else None
        if kind == "list":
            text = "\n".join(t for t in (normalized_text(li.text_content()) for li in child.iter("li")) if t)
        else:
            text = normalized_text(child.text_content()) if kind else None
        if text:
            out.append(Block(text, kind))
    return out


def json_ld_blocks(ld_body: str) -> list[Block]:
    """The publisher's JSON-LD ``articleBody`` as blocks, one a line."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\r?\n", ld_body) if p.strip()]
    return [Block(WHITESPACE_RE.sub(" ", p)) for p in paragraphs]


def choose_body(blocks: list[Block], ld: dict | None, html: str, url: str,
                page_tree: Callable[[], lxml.html.HtmlElement | None] | None = None) -> tuple[list[Block], str]:
    """The body by evidence: trafilatura's, unless another source holds the same text and more.

    * JSON-LD ``articleBody`` that is longer and contains trafilatura's text: the publisher's own
      complete copy (trafilatura stopped early, e.g. at an inline widget);
    * for a short body, readability's extraction on the same terms (the two extractors fail on
      different page layouts).
    The body's source is returned with it (docs/measurements.md has what each rule gains).
    """
    words = _words(blocks)
    ld_body = (ld or {}).get("articleBody")
    if isinstance(ld_body, str) and len(ld_body.split()) >= REPLACE_RATIO * max(words, 40) \
            and _contains(ld_body, blocks):
        return json_ld_blocks(ld_body), "json-ld"
    if words < SHORT_BODY_WORDS:
        other = readability_blocks(html, url)
        if _words(other) >= REPLACE_RATIO * max(words, 40) and _contains(
                " ".join(b.text for b in other), blocks):
            return other, "readability"
        cluster = densest_paragraphs(page_tree() if page_tree else None)
        # Both extractors must fall short of it: the longer short body is the bar.
        if _words(cluster) >= REPLACE_RATIO * max(words, _words(other), 40) and _contains(
                " ".join(b.text for b in cluster), blocks):
            return cluster, "paragraphs"
    return blocks, "trafilatura"


def readability_text(html: str | bytes, url: str) -> str:
    """readability-lxml's article as paragraphs (outermost paragraph-like elements), '' when it
    finds none or fails."""
    from readability import Document

    try:
        summary = Document(html, url=url).summary(html_partial=True)
        if not summary.strip():
            return ""
        tree = lxml.html.fragment_fromstring(summary, create_parent="div")
    except Exception:  # noqa: BLE001 - a failed candidate is no candidate
        return ""
    blocks = []
    for element in tree.iter("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th",
                             "figcaption", "dd", "dt"):
        if any(a.tag in ("p", "li", "blockquote", "pre", "td", "th") for a in element.iterancestors()):
            continue
        text = " ".join(element.text_content().split())
        if text:
            blocks.append(text)
    if not blocks:
        return " ".join(tree.text_content().split())
    return "\n\n".join(blocks)


def alternative_bodies(html: str | bytes, url: str) -> dict[str, str]:
    """The bodies a selection weighs against the default, by name: trafilatura's balanced and
    favor_precision modes as plain text, and readability's."""
    out = {}
    for name, options in (("trafilatura-balanced", {}), ("trafilatura-precision", {"favor_precision": True})):
        try:
            out[name] = trafilatura.extract(html, url=url, include_comments=False, **options) or ""
        except Exception:  # noqa: BLE001 - a failed candidate is no candidate
            out[name] = ""
    out["readability"] = readability_text(html, url)
    return out


#: The other extractors' bodies :func:`other_body` reads, by name.
FILL_CANDIDATES = ("readability", "json-ld", "trafilatura-balanced", "trafilatura-recall")
#: A cleaned body under this many words (:func:`~newscrawl.stages.pagetype.body_size`) is nearly
#: empty: the extractor found little or nothing, or the clean stage took away what it found...
FILL_BELOW_WORDS = 50
#: ...and the first of these candidates whose body, cleaned as the body is, holds at least
#: FILL_MIN_WORDS replaces it (:func:`fills`).
FILL_ORDER = ("readability",)
FILL_MIN_WORDS = 20


def needs_fill(body: str) -> bool:
    """Whether a cleaned body is so short that another extractor's body is read for the page.

    An article page whose body comes out (nearly) empty is lost whole: no record, or a stub.
    trafilatura and readability-lxml fail on different layouts (trafilatura prunes by its own
    rules of what is boilerplate, readability scores containers by their paragraphs' text), so
    where one found almost nothing the other often holds the article. Only such pages pay for
    the second extractor. The thresholds and the candidate were chosen leave-one-corpus-out over
    seven corpora and held on each held out (docs/measurements.md, "Empty bodies filled from
    another extractor")."""
    return body_size(body) < FILL_BELOW_WORDS


def fills(candidate_body: str) -> bool:
    """Whether another extractor's cleaned body is enough to replace a nearly empty one: a few
    sentences at least, so a candidate that is a stray line of chrome does not replace it."""
    return body_size(candidate_body) >= FILL_MIN_WORDS


def other_body(name: str, html: str, url: str, links: set[str] | frozenset, ld_body: str | None) -> list[Block]:
    """Another extractor's body of the page, as blocks: readability-lxml's
    (:func:`readability_blocks`), the JSON-LD ``articleBody``, or trafilatura's balanced or
    favor_recall mode run on the page's HTML as it came (not on the repaired tree the body was
    read from: where that reading gave nothing, the page as it came is the other view)."""
    if name == "readability":
        return readability_blocks(html, url)
    if name == "json-ld":
        return json_ld_blocks(ld_body) if ld_body and ld_body.strip() else []
    if name in ("trafilatura-balanced", "trafilatura-recall"):
        try:
            return trafilatura_body(html, url, links, favor_recall=name == "trafilatura-recall")
        except Exception:  # noqa: BLE001 - a failed candidate is no candidate
            return []
    raise ValueError(f"no body candidate named {name!r}")


def warm_up_extract() -> None:
    """Build now the stoplist trafilatura's justext fallback builds on its first use (every
    language's stopwords in one set: most of a second), so that no page pays it mid-run. Guarded
    like :func:`~newscrawl.stages.extract.metadata.warm_up_dates`: where trafilatura has no such
    function (another version's layout) nothing is done and the first page pays, as before."""
    try:
        from justext.core import define_stoplist
        from trafilatura.external import jt_stoplist_init

        define_stoplist(jt_stoplist_init())
    except Exception:  # noqa: BLE001 - a warm-up that fails leaves the first page to pay
        return
