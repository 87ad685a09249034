"""Extract stage: decoded HTML -> article text blocks and metadata.

The body comes from trafilatura (the strongest open extractor on news benchmarks) with comments
excluded; its text output is one block per line (paragraph, heading, list item), which keeps the
block structure that the later stages (language, clean) work on. A leading block equal to the
title is dropped: the title is stored on its own.

Dates are kept apart (published vs modified) with where each came from. Explicit machine-readable
metadata wins (JSON-LD ``datePublished``/``dateModified``, then ``article:published_time`` style
meta tags) because it carries the time and zone; htmldate (which also reads the URL and the
visible text) is the fallback.

The page's other text blocks (navigation, sidebars, footers...) are returned as ``outside_blocks``
so the language stage can tell what languages the page chrome is in; nothing is taken from them
into the body.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import lxml.html
import trafilatura
from htmldate import find_date
from lxml import etree

from newscrawl.stages.extract.attribution import Credit, clean_authors, credits
from newscrawl.model import Block
from newscrawl.stages.extract.nesting import cap_depth, drop_unclosed_elements, hit_depth_limit
from newscrawl.stages.pagetype import body_size

_BLOCK_TAGS = {
    "p", "div", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "blockquote",
    "figcaption", "caption", "label", "button", "a", "span", "section", "article", "aside",
    "header", "footer", "nav", "form", "pre", "address", "option",
}
#: Elements whose content is never visible text (dropped from the tree, JSON-LD scripts kept).
_SKIP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe")
_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate",
    "publish-date", "publish_date", "date", "dc.date.issued", "sailthru.date", "parsely-pub-date",
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "last-modified",
                  "dc.date.modified")
_WS_RE = re.compile(r"\s+")

#: Pages larger than this are cut before parsing: real articles are far smaller, and lxml's cost
#: and memory grow with the tree. Recorded as a repair so the cut is visible.
MAX_HTML_CHARS = 5_000_000


@dataclass(slots=True)
class Extracted:
    title: str | None
    blocks: list[Block]
    outside_blocks: list[str] = field(default_factory=list)
    published_at: dt.datetime | None = None
    published_source: str | None = None
    modified_at: dt.datetime | None = None
    modified_source: str | None = None
    authors: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    site_name: str | None = None
    section: str | None = None
    credits: list[Credit] = field(default_factory=list)
    #: Which extractor's body was kept: trafilatura | json-ld | readability.
    body_source: str = "trafilatura"
    truncated: bool = False
    #: Elements whose tags were dropped because the page nested deeper than the parser goes
    #: (newscrawl.stages.extract.nesting: unclosed wrappers, then what lies too deep); 0 on every other page.
    nesting_tags_dropped: int = 0


def parse_datetime(value: str | None) -> dt.datetime | None:
    """ISO 8601 date or date-time -> aware UTC datetime (naive values are taken as UTC)."""
    if not value:
        return None
    value = value.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    value = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = dt.datetime.fromisoformat(value[:10])
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def _json_ld_objects(tree: lxml.html.HtmlElement) -> list[dict]:
    objects: list[dict] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                objects.append(item)
                if "@graph" in item:
                    stack.append(item["@graph"])
    return objects


def _article_ld(objects: list[dict]) -> dict | None:
    for obj in objects:
        types = obj.get("@type")
        types = types if isinstance(types, list) else [types]
        if any(isinstance(t, str) and ("Article" in t or t == "Report") for t in types):
            return obj
    return None


def _meta_values(tree: lxml.html.HtmlElement) -> dict[str, str]:
    values: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if key and content and key not in values:
            values[key] = content.strip()
    return values


def _ld_authors(article: dict | None) -> list[str]:
    if not article:
        return []
    raw = article.get("author")
    raw = raw if isinstance(raw, list) else [raw]
    names = []
    for author in raw:
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str) and name.strip():
            names.append(_WS_RE.sub(" ", name).strip())
    return names


#: How htmldate reports a date it found only the year of (see _find_dates).
YEAR_ONLY_SUFFIX = "-01-01"


def _find_dates(tree, url: str, ld: dict | None, meta: dict[str, str]) -> tuple:
    published = modified = None
    published_source = modified_source = None
    if ld:
        published = parse_datetime(str(ld.get("datePublished") or "")) or None
        modified = parse_datetime(str(ld.get("dateModified") or "")) or None
        published_source = "json-ld" if published else None
        modified_source = "json-ld" if modified else None
    if published is None:
        for key in _PUBLISHED_META:
            if (value := parse_datetime(meta.get(key))) is not None:
                published, published_source = value, f"meta:{key}"
                break
    if modified is None:
        for key in _MODIFIED_META:
            if (value := parse_datetime(meta.get(key))) is not None:
                modified, modified_source = value, f"meta:{key}"
                break
    if published is None:
        # htmldate also reads the URL and the visible text; it answers with a day, not a time.
        # Markup and URL first; the extensive text search (dateparser, ~20 ms) only when they
        # say nothing. Measured on the 229 dev pages without JSON-LD/meta dates: the same 167
        # correct days as the extensive search alone.
        # A year alone ("© 2025", "the 2025 guide", a /2025/ URL) comes back from htmldate as 1
        # January of that year: not a publication date. Measured on the dev pages: 60 such
        # answers, none right (55 pages have no date at all, 5 another one); left out, and the
        # next search asked.
        for extensive in (False, True):
            found = find_date(tree, url=url, original_date=True, extensive_search=extensive)
            if found and not found.endswith(YEAR_ONLY_SUFFIX):
                published, published_source = parse_datetime(found), "htmldate"
                break
    return published, published_source, modified, modified_source


def _visible_blocks(tree: lxml.html.HtmlElement) -> list[str]:
    """Text of the page's innermost block elements, in document order; a block element with
    block children gives its own loose text only (e.g. "Tags: " before links)."""
    # Invisible elements were dropped from the tree before; the head holds no visible text.
    # Block elements are picked out by lxml's tag filter (in C), and "has a block child" is read
    # off their parents' set: a third less time than testing every element's children in Python.
    body = tree.find("body")
    elements = list((body if body is not None else tree).iter(*_BLOCK_TAGS))
    parents = {element.getparent() for element in elements}
    blocks: list[str] = []
    for element in elements:
        text = (element.text or "") if element in parents else element.text_content()
        text = _WS_RE.sub(" ", text).strip()
        if text:
            blocks.append(text)
    return blocks


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


_TITLE_SEPARATORS_RE = re.compile(r"\s+[|\-–—:·•»]+\s+")


def _clean(text: str | None) -> str | None:
    text = _WS_RE.sub(" ", text or "").strip()
    return text or None


def page_title(tree: lxml.html.HtmlElement, ld: dict | None, meta: dict[str, str],
               site_name: str | None) -> str | None:
    """The article's headline.

    An ``<h1>`` that the page's own metadata agrees with wins (it is what readers see); else the
    JSON-LD ``headline``, ``og:title`` or ``twitter:title``; else ``<title>`` without the site
    name that CMSs append after a separator ("Headline | Site").
    """
    declared = [_clean(v) for v in ((ld or {}).get("headline"), meta.get("og:title"),
                                    meta.get("twitter:title"))]
    declared = [d for d in declared if isinstance(d, str)]
    doc_title = _clean(tree.findtext(".//title"))
    h1s = [t for t in (_clean(h.text_content()) for h in tree.iter("h1")) if t]
    references = [d.casefold() for d in declared + ([doc_title] if doc_title else [])]
    for h1 in h1s:
        if any(ref.startswith(h1.casefold()) for ref in references) and len(h1.split()) >= 2:
            return h1
    if declared:
        return _strip_site(declared[0], site_name)
    if len(h1s) == 1:
        return h1s[0]
    return _strip_site(doc_title, site_name) if doc_title else None


def _strip_site(title: str, site_name: str | None) -> str:
    parts = _TITLE_SEPARATORS_RE.split(title)
    if len(parts) < 2:
        return title
    site = (site_name or "").casefold()
    kept = [p for p in parts if p.casefold() != site]
    if site and len(kept) < len(parts):
        return " - ".join(kept) if len(kept) > 1 else kept[0]
    # Without a known site name, the site is the shorter end part.
    if len(parts[-1]) < len(parts[0]):
        return _TITLE_SEPARATORS_RE.split(title, maxsplit=len(parts) - 2)[0] if len(parts) > 2 else parts[0]
    return parts[-1] if len(parts) == 2 and len(parts[0]) < len(parts[-1]) else title


def _meta_authors(meta: dict[str, str]) -> list[str]:
    raw = meta.get("author") or meta.get("article:author") or meta.get("dc.creator") or ""
    if not raw or raw.startswith(("http://", "https://")):
        return []
    # The whole string: attribution.clean_author knows names from roles ("Jane Doe, reporter").
    return [raw]


def _ld_site_name(ld: dict | None) -> str | None:
    publisher = (ld or {}).get("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        return _clean(publisher["name"])
    return None


#: A byline is a few names and a title or desk; longer "author" elements are bio boxes.
MAX_BYLINE_WORDS = 15


_MARK_ATTRIBUTES_XPATH = etree.XPath("//@class|//@id|//@itemprop|//@rel")
_BYLINE_MARK_RE = re.compile(r"byline|author|writer", re.IGNORECASE)
_NOT_BYLINE_TAGS = {"meta", "link", "input", "form", "img"}


def byline_texts(tree: lxml.html.HtmlElement) -> list[str]:
    """Texts of elements marked as bylines (class, id, itemprop or rel naming an author).

    One XPath query returns the values of those attributes in document order, and the regex
    runs on each value: only a matching value's element is looked at. (Measured per page: half
    the cost of visiting every element that has attributes; case-folding in XPath cost 10 ms.)"""
    found: list[str] = []
    seen = None
    for value in _MARK_ATTRIBUTES_XPATH(tree):
        if not _BYLINE_MARK_RE.search(value):
            continue
        element = value.getparent()
        if element is seen or element.tag in _NOT_BYLINE_TAGS:
            continue
        seen = element  # an element's attributes come one after another
        attrib = element.attrib
        marks = " ".join(filter(None, (attrib.get(a) for a in ("class", "id", "itemprop", "rel"))))
        if not _BYLINE_MARK_RE.search(marks) or "comment" in marks.lower():
            continue
        text = _clean(element.text_content())
        if text and len(text.split()) <= MAX_BYLINE_WORDS and not any(text in f or f in text for f in found):
            found.append(text)
        if len(found) >= 3:
            break
    return found


def page_section(ld: dict | None, meta: dict[str, str], url: str) -> str | None:
    """JSON-LD ``articleSection``, else ``article:section``, else a word-only first URL segment
    of an article URL (``/world/2026/10/14/slug`` -> ``world``)."""
    section = (ld or {}).get("articleSection")
    if isinstance(section, list):
        section = section[0] if section else None
    if isinstance(section, str) and _clean(section):
        return _clean(section)
    if meta.get("article:section"):
        return _clean(meta["article:section"])
    from urllib.parse import urlsplit

    segments = [s for s in urlsplit(url).path.split("/") if s]
    if len(segments) >= 2 and re.fullmatch(r"[a-z]{3,20}", segments[0]) and segments[0] not in (
            "news", "article", "articles", "story", "stories", "post", "posts", "blog", "p", "amp"):
        return segments[0]
    return None


def _text(element) -> str:
    """An element's text with a space where a nested block (line break, paragraph, cell) ends,
    so "<item>March 16<lb/>FABCON</item>" does not become "March 16FABCON"."""
    out: list[str] = []
    _pieces(element, out)
    return _WS_RE.sub(" ", "".join(out)).strip()


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
    texts = (_WS_RE.sub(" ", "".join(parts)).strip() for parts in segments)
    return [t for t in texts if t]


def link_texts(tree: lxml.html.HtmlElement) -> set[str]:
    """Case-folded, space-normalized texts of the page's links (to tell link-only blocks)."""
    texts = set()
    for anchor in tree.iter("a"):
        text = _WS_RE.sub(" ", anchor.text_content()).strip().casefold()
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
        add(_WS_RE.sub(" ", element.tail or "").strip(), "p")
    return blocks


#: When trafilatura's body is shorter than this, a second extractor is consulted. Measured on the
#: dev set: 150 -> F1 0.938, 300 -> 0.939 (recall 0.945), 500 -> 0.939 (0.946) at more pages paying
#: readability's ~30 ms.
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


def _readability_blocks(html: str, url: str) -> list[Block]:
    from readability import Document

    try:
        summary = Document(html, url=url).summary(html_partial=True)
        tree = lxml.html.fragment_fromstring(summary, create_parent="div")
    except Exception:  # noqa: BLE001 - a failed fallback just means no second candidate
        return []
    kinds = {"p": "p", "h1": "head", "h2": "head", "h3": "head", "h4": "head", "li": "p",
             "blockquote": "quote", "pre": "code"}
    out = []
    for element in tree.iter(*kinds):
        text = _clean(element.text_content())
        if text and not any(a.tag in kinds for a in element.iterancestors()):
            out.append(Block(text, kinds[element.tag]))
    return out


#: favor_recall skips trafilatura's comparison with its fallbacks once the first candidate holds
#: some text, and on some layouts that candidate is one small part of a long article (measured on
#: the dev set: 10 pages keep 10-40 % of their text where the balanced mode keeps 80-100 %). A body
#: below this share of the page's visible words is checked against the balanced mode...
RECALL_COLLAPSE_PAGE_SHARE = 0.2
#: ...whose body replaces it when this many times longer and containing it (REPLACE_MIN_CONTAINMENT).
RECALL_COLLAPSE_RATIO = 1.5
#: A favor_recall body this small (pagetype.body_size: words, two CJK characters a word) is below
#: an article's size (pagetype.MIN_ARTICLE_WORDS): the page would be recorded as not an article.
#: Containment protects a body from being replaced by other text; such a body has nothing to
#: protect, and a favor_recall run that grabbed a header and a footer line is what it often is
#: (measured: a guide page whose favor_recall body flipped to its header and legal footer lines
#: when the footer's wording changed, where the balanced mode kept the article's paragraphs), so
#: there the balanced body replaces it when longer by RECALL_COLLAPSE_RATIO, whatever it holds.
RECALL_COLLAPSE_NO_BODY_WORDS = 60


def trafilatura_body(page, url: str, links: set[str] | frozenset = frozenset(), *,
                     favor_recall: bool = False) -> list[Block]:
    """trafilatura's body (no metadata, no comments, tables kept) of a page (HTML text or a parsed
    tree, which it prunes), as blocks."""
    doc = trafilatura.bare_extraction(page, url=url, with_metadata=False, include_comments=False,
                                      include_tables=True, favor_recall=favor_recall)
    return body_blocks(doc.body, links) if doc is not None and doc.body is not None else []


def recall_collapse_rescue(blocks: list[Block], visible: list[str], html: str, url: str,
                           links: set[str] | frozenset = frozenset()) -> tuple[list[Block], str]:
    """trafilatura's favor_recall body, or its balanced-mode body where favor_recall collapsed."""
    words = _words(blocks)
    page_words = sum(len(v.split()) for v in visible)
    if not blocks or words >= RECALL_COLLAPSE_PAGE_SHARE * page_words:
        return blocks, "trafilatura"
    # The page parsed anew as the first run had it (stray content moved in, furniture that
    # swallowed the article demoted): the first run pruned its tree.
    tree = _page_tree(html)
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
    """The paragraphs of the element whose own <p> children hold the most text.

    The last resort where both extractors come back (nearly) empty: an article is a run of
    sibling paragraphs in one container, whatever class names the layout uses. Headings, lists
    and quotes between those paragraphs come along; nothing outside the container does."""
    if tree is None:
        return []
    best, best_chars = None, 0
    for parent in {p.getparent() for p in tree.iter("p") if p.getparent() is not None}:
        chars = sum(len(c.text_content()) for c in parent if c.tag == "p")
        if chars > best_chars:
            best, best_chars = parent, chars
    if best is None:
        return []
    out = []
    for child in best:
        kind = _CLUSTER_TAGS.get(child.tag) if isinstance(child.tag, str) else None
        if kind == "list":
            text = "\n".join(t for t in (_clean(li.text_content()) for li in child.iter("li")) if t)
        else:
            text = _clean(child.text_content()) if kind else None
        if text:
            out.append(Block(text, kind))
    return out


def choose_body(blocks: list[Block], ld: dict | None, html: str, url: str,
                page_tree: Callable[[], lxml.html.HtmlElement | None] | None = None) -> tuple[list[Block], str]:
    """The body by evidence: trafilatura's, unless another source holds the same text and more.

    * JSON-LD ``articleBody`` that is longer and contains trafilatura's text: the publisher's own
      complete copy (trafilatura stopped early, e.g. at an inline widget);
    * for a short body, readability's extraction on the same terms (the two extractors fail on
      different page layouts).
    Measured on the dev set (docs/measurements.md); the body's source is returned with it.
    """
    words = _words(blocks)
    ld_body = (ld or {}).get("articleBody")
    if isinstance(ld_body, str) and len(ld_body.split()) >= REPLACE_RATIO * max(words, 40) \
            and _contains(ld_body, blocks):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\r?\n", ld_body) if p.strip()]
        return [Block(_WS_RE.sub(" ", p)) for p in paragraphs], "json-ld"
    if words < SHORT_BODY_WORDS:
        other = _readability_blocks(html, url)
        if _words(other) >= REPLACE_RATIO * max(words, 40) and _contains(
                " ".join(b.text for b in other), blocks):
            return other, "readability"
        cluster = densest_paragraphs(page_tree() if page_tree else None)
        # Both extractors must fall short of it: the longer short body is the bar.
        if _words(cluster) >= REPLACE_RATIO * max(words, _words(other), 40) and _contains(
                " ".join(b.text for b in cluster), blocks):
            return cluster, "paragraphs"
    return blocks, "trafilatura"


#: The parser settings trafilatura uses for the pages it parses itself (comments and processing
#: instructions dropped): the tree it is handed must be the one it would have built, or its
#: extraction changes (measured: comment nodes cut paragraphs short on 4 % of the dev pages).
#: One difference: ``huge_tree``, because libxml2 otherwise drops everything nested deeper than
#: 256 elements, and broken markup (an unclosed <div> per comment or ad slot) nests an article
#: that deep. The page's size is capped before parsing (MAX_HTML_CHARS), which is what the limit
#: guards against; the dev pages extract the same either way.
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False,
                               huge_tree=True)
# Every element an HtmlElement, chosen in C: lxml.html's own lookup is a Python method called
# for each element proxy made (about 5,000 a page between trafilatura and this module), only to
# give <form>, <input>, <select>, <textarea> and <label> their form-handling classes, which
# nothing here uses. Same extraction on all pages tried, ~3 % less time in trafilatura.
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))


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
                  if len(el.text_content()) > FURNITURE_MAX_TEXT_SHARE * total]
    for element in swallowing:
        element.tag = "div"
    return len(swallowing)


def _page_tree(html: str) -> lxml.html.HtmlElement | None:
    """The page parsed as trafilatura parses it, with stray content moved into the body and
    invisible elements (scripts, styles, ...) dropped; JSON-LD scripts are kept."""
    try:
        tree = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    move_stray_content_into_body(tree)
    for bad in list(tree.iter(*_SKIP_TAGS)):
        if bad.tag == "script" and bad.get("type") == "application/ld+json":
            continue
        bad.drop_tree() if bad.getparent() is not None else None
    demote_swallowing_furniture(tree)
    return tree


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
        text = _WS_RE.sub(" ", "".join(buffer)).strip()
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


def extract_article(html: str, url: str) -> Extracted:
    """Title, body blocks, dates, authors, canonical URL and site name of an article page."""
    truncated = len(html) > MAX_HTML_CHARS
    if truncated:
        html = html[:MAX_HTML_CHARS]
    if not html.strip():
        return Extracted(title=None, blocks=[], truncated=truncated)
    tree = _page_tree(html)
    flattened = 0
    for flatten in (drop_unclosed_elements, cap_depth):
        if tree is None or not hit_depth_limit(_PARSER):
            break
        # libxml2 lost what lies 2,048 levels down: the page is flattened (newscrawl.stages.extract.nesting)
        # and parsed again; every later reader (readability too) gets the flattened page.
        html, dropped = flatten(html)
        if dropped:
            flattened += dropped
            tree = _page_tree(html)
    if tree is None:
        return Extracted(title=None, blocks=[], truncated=truncated)

    ld = _article_ld(_json_ld_objects(tree))
    meta = _meta_values(tree)
    published, published_source, modified, modified_source = _find_dates(tree, url, ld, meta)
    # Metadata is read here (title, authors, site, dates with their sources), so trafilatura is
    # asked for the body only: its own metadata pass would run htmldate a second time.
    site_name = _clean(meta.get("og:site_name")) or _ld_site_name(ld) or _clean(meta.get("application-name"))
    title = page_title(tree, ld, meta, site_name)
    links = link_texts(tree)
    visible = _visible_blocks(tree)
    canonical = None
    for link in tree.xpath('//link[@rel="canonical"]/@href'):
        canonical = link.strip() or None
        break
    canonical = canonical or meta.get("og:url")
    # Only the first visible byline: later ones belong to teasers of other stories.
    bylines = byline_texts(tree)[:1]
    # Everything that reads the whole page has read it: trafilatura gets this parse itself (one
    # parse a page, no copy), and prunes it. The rare readers that need the page again after
    # that (the densest-paragraph fallback, the flattened-block walk) share one parse anew, made
    # when the first of them asks (neither changes the tree).
    # Not fast mode: trafilatura's comparison with its readability and justext fallbacks costs
    # ~10 ms a page, and running it only where the fast result is short lost 0.002 F1 on the dev
    # set for 4 ms (measured); kept whole. favor_recall: measured on the dev set, F1 0.936 -> 0.938
    # with precision up too (0.931 -> 0.934): the clean stage removes what the wider net brings.
    # (favor_precision: 0.930, recall 0.923; tables off: 0.928.)
    blocks = trafilatura_body(tree, url, links, favor_recall=True)
    blocks, recall_source = recall_collapse_rescue(blocks, visible, html, url, links)
    reparsed = functools.cache(lambda: _page_tree(html))
    blocks, body_source = choose_body(blocks, ld, html, url, reparsed)
    if body_source == "trafilatura":
        body_source = recall_source
    blocks = resegment_flattened(blocks, reparsed)
    if blocks and title and _WS_RE.sub(" ", title).strip().casefold() == blocks[0].text.casefold():
        blocks = blocks[1:]

    body_keys = {b.text.casefold() for b in blocks}
    outside = [b for b in visible if b.casefold() not in body_keys]

    authors, byline_orgs = clean_authors(_ld_authors(ld) or _meta_authors(meta) or bylines)
    if not byline_orgs:
        # Structured authors often omit the agency that the visible byline names.
        byline_orgs = clean_authors(bylines)[1]
    return Extracted(
        title=title,
        blocks=blocks,
        outside_blocks=outside,
        published_at=published,
        published_source=published_source,
        modified_at=modified,
        modified_source=modified_source,
        authors=authors,
        canonical_url=canonical,
        site_name=site_name,
        section=page_section(ld, meta, url),
        credits=credits([b.text for b in blocks], outside, byline_orgs, ld),
        body_source=body_source,
        truncated=truncated,
        nesting_tags_dropped=flattened,
    )
