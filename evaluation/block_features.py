"""A page's text blocks in document order, each with a feature vector and a truth label, for a
block classifier judged leave-one-corpus-out (evaluation/block_classifier.py).

**Blocks.** The page is parsed as the extract stage parses it (:func:`tree.parse_page`: stray
content moved into the body, invisible elements dropped). Every block element (:data:`BLOCK_TAGS`)
owns the text that stands directly in it or in inline elements under it; a nested block element
ends the running segment, and the text after it (the nested element's tail, further inline
children) starts a new segment of the outer element. So ``<div>Intro <p>Para</p> more</div>``
gives three blocks "Intro", "Para", "more", in document order; no text of the page is lost and
none is counted twice (:func:`visible_blocks` keeps only the text before the first nested block).
A segment with no ``\\w`` token is no block.

**Features** (:data:`FEATURES`; the same on any site, none names a site). Page-independent:

* ``log_words``, ``log_chars``: log(1 + tokens), log(1 + characters) of the block;
* ``link_share``: share of the block's characters inside ``<a>``;
* ``punct_share``: share of characters that are neither word characters nor spaces;
* ``sentence_ends``: sentence-ending marks (``. ! ? 。 ！ ？``) per token; ``ends_sentence``:
  the block ends with one; ``commas``: commas per token;
* ``stop_share``: share of tokens in the stop-word lists of :data:`STOP_LANGUAGES` (justext's);
  ``short_share``: share of tokens of at most three characters (a language-free stand-in: prose
  is full of short function words, menus and teasers are not); ``digit_share``: share of tokens
  that are numbers; ``mean_token_chars``;
* ``tag_*``: the owning element's kind (p, li, td/th, h1-h6, div, blockquote/pre,
  figcaption/caption, other);
* ``depth``: the element's depth over the page's deepest block; ``position``: the block's index
  over the number of blocks; ``char_position``: characters before it over the page's;
* ``in_frame``: inside the article's frame (:func:`container.densest_container`);
* ``in_header`` / ``in_footer`` / ``in_nav`` / ``in_aside`` / ``in_form``: inside such an element;
* ``cls_*``: the element or an ancestor has a class or id naming comments, related stories,
  sharing, footers, navigation, bylines, captions, ads/newsletters, or an article's content
  (:data:`CLASS_FLAGS`);
* ``ld_share``: share of the block's n-grams in the page's JSON-LD ``articleBody``; ``has_ld``;
* ``page_log_words``: log(1 + the page's block tokens);
* ``in_hidden``: inside an element the markup hides (:func:`hidden.hidden_elements`: ``hidden``,
  ``aria-hidden``, an inline ``display: none``); ``repeat``: the same text stands in an earlier
  block; ``log_copies``: log of how many blocks hold that text (responsive layouts repeat the
  article's paragraphs). ``<textarea>`` text (a "republish this article" box holds the article's
  HTML source) is no block.

Body-relative features, once for each body (suffix ``_shipped``: newscrawl's body as shipped by
``process_page``; ``_nofb``: ``process_page``'s body with both extract fallbacks off, the
recall-collapse rescue and the short-body branch of :func:`body.choose_body`):

* ``in_body``: share of the block's n-grams in the body; ``in_extracted``: the same in the
  extract stage's blocks before repair/clean (what clean removed is in here, not in the body);
* ``prev_in``, ``next_in``: the neighbours' ``in_body``; ``window_in``: the mean over the two
  blocks either side;
* ``before_first``, ``after_last``: the block lies before the first / after the last block that
  is in the body (``in_body`` >= 0.5); ``log_distance``: log(1 + blocks to the nearest such);
* ``body_log_words``: log(1 + the body's tokens); ``body_empty``.

A block's n-grams are the scorer's word 4-grams (../shared/eval/score_extraction.py's tokens,
case kept); a block of fewer than four tokens uses all its tokens as one n-gram.

**Label** (pages with a full truth body only): ``share`` = the share of the block's n-grams
present in the page's truth body; a block is positive when ``share >= 0.5``: a block is the
article's when most of its word sequences are, so a paragraph with a trailing "Read more" is
positive and a teaser that quotes one sentence of the article is not.
"""

from __future__ import annotations

import functools
import math
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

#: Elements that own a block of text (the running text of inline elements under them).
BLOCK_TAGS = frozenset({
    "html", "body", "main", "p", "div", "li", "ul", "ol", "dl", "dd", "dt", "td", "th", "tr", "table", "tbody",
    "thead", "tfoot", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "figure", "figcaption", "caption",
    "section", "article", "aside", "header", "footer", "nav", "form", "address", "center", "fieldset", "details",
    "summary", "hr", "select", "option", "button", "menu", "video", "audio", "picture"})
#: Elements whose content is never read (JSON-LD scripts stay in the tree for the metadata).
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "head", "title", "meta", "link",
                       "textarea"})
#: Containers that mark page furniture by their tag.
CONTAINER_TAGS = ("header", "footer", "nav", "aside", "form")
#: Class/id words that name what a part of the page is.
CLASS_FLAGS = {
    "comment": re.compile(r"comment|disqus|reply|respond"),
    "related": re.compile(r"related|recommend|more-?stor|read-?more|teaser|trending|popular|most-?read|widget"),
    "share": re.compile(r"share|social|facebook|twitter|whatsapp|sharing"),
    "footer": re.compile(r"footer|copyright|legal"),
    "nav": re.compile(r"nav|menu|breadcrumb|masthead|header|topbar"),
    "byline": re.compile(r"byline|author|dateline|date|timestamp|meta"),
    "caption": re.compile(r"caption|credit|figure|photo|image|gallery"),
    "ad": re.compile(r"(?:^|[-_ ])ads?(?:$|[-_ ])|advert|promo|sponsor|banner|newsletter|subscribe|signup|paywall"),
    "content": re.compile(r"article|content|story|post|entry|body|text"),
}
TAG_KINDS = {"p": "p", "li": "li", "dd": "li", "dt": "li", "td": "td", "th": "td",
             "h1": "h", "h2": "h", "h3": "h", "h4": "h", "h5": "h", "h6": "h", "div": "div",
             "blockquote": "quote", "pre": "quote", "figcaption": "caption", "caption": "caption"}
KINDS = ("p", "li", "td", "h", "div", "quote", "caption", "other")
STOP_LANGUAGES = ("English", "German", "French", "Spanish", "Italian", "Portuguese", "Dutch", "Polish", "Russian",
                  "Swedish", "Danish", "Norwegian_Bokmal", "Finnish", "Czech", "Turkish", "Indonesian")
TOKEN = re.compile(r"\w+")
PUNCT = re.compile(r"[^\w\s]")
SENTENCE_END = re.compile(r"[.!?。！？](?=\s|$|[\"'”’»)])")
N = 4

COMMON = (["log_words", "log_chars", "link_share", "punct_share", "sentence_ends", "ends_sentence", "commas",
           "stop_share", "short_share", "digit_share", "mean_token_chars"]
          + [f"tag_{k}" for k in KINDS]
          + ["depth", "position", "char_position", "in_frame"]
          + [f"in_{t}" for t in CONTAINER_TAGS]
          + [f"cls_{name}" for name in CLASS_FLAGS]
          + ["ld_share", "has_ld", "page_log_words", "in_hidden", "repeat", "log_copies"])
BODY = ("in_body", "in_extracted", "prev_in", "next_in", "window_in", "before_first", "after_last",
        "log_distance", "body_log_words", "body_empty")
BODIES = ("shipped", "nofb")
FEATURES = tuple(COMMON) + tuple(f"{f}_{b}" for b in BODIES for f in BODY)


def feature_columns(body: str) -> list[int]:
    """Column indexes of the features a model of body set ``body`` (shipped | nofb) reads: the
    page-independent ones and that body's relative ones."""
    return [i for i, name in enumerate(FEATURES) if name in COMMON or name.endswith("_" + body)]


@dataclass(slots=True)
class RawBlock:
    text: str
    tag: str
    depth: int
    link_chars: int
    in_frame: bool
    containers: tuple[bool, ...]
    flags: tuple[bool, ...]
    hidden: bool = False


@dataclass(slots=True)
class _Context:
    element: object
    depth: int
    containers: tuple[bool, ...]
    flags: tuple[bool, ...]
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0


def _class_flags(element) -> tuple[bool, ...]:
    return _name_flags((element.get("class") or "") + " " + (element.get("id") or ""))


@functools.lru_cache(maxsize=4096)
def _name_flags(names: str) -> tuple[bool, ...]:
    names = names.casefold()
    if not names.strip():
        return (False,) * len(CLASS_FLAGS)
    return tuple(bool(rx.search(names)) for rx in CLASS_FLAGS.values())


def page_blocks(tree, frame=None, hidden: frozenset | set = frozenset()) -> list[RawBlock]:
    """The page's text blocks in document order (see the module docstring), iteratively (pages
    nest deeper than Python's recursion limit); ``hidden``: elements the markup hides."""
    if tree is None:
        return []
    root = tree.find("body")
    if root is None:
        root = tree
    out: list[RawBlock] = []
    none_flags = (False,) * len(CLASS_FLAGS)
    contexts = [_Context(root, 0, (False,) * len(CONTAINER_TAGS), _class_flags(root) if root is not tree else none_flags)]
    links = 0
    frames = 0
    hides = 0

    def add(text: str | None) -> None:
        if text:
            ctx = contexts[-1]
            ctx.parts.append(text)
            if links:
                ctx.link_chars += len(text)

    def flush() -> None:
        ctx = contexts[-1]
        if ctx.parts:
            text = " ".join("".join(ctx.parts).split())
            if TOKEN.search(text):
                tag = ctx.element.tag if isinstance(ctx.element.tag, str) else "div"
                out.append(RawBlock(text, tag, ctx.depth, min(ctx.link_chars, len(text)), frames > 0,
                                    ctx.containers, ctx.flags, hides > 0))
        ctx.parts = []
        ctx.link_chars = 0

    if root is frame:
        frames += 1
    add(root.text)
    stack: list[tuple[bool, object]] = [(True, child) for child in reversed(root)]
    while stack:
        entering, el = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else None
        if not entering:
            if tag in BLOCK_TAGS:
                flush()
                contexts.pop()
            if tag == "a":
                links -= 1
            if el is frame:
                frames -= 1
            if el in hidden:
                hides -= 1
            if tag == "br":
                add(" ")
            add(el.tail)
            continue
        if tag is None or tag in SKIP_TAGS:
            add(el.tail)
            continue
        if el is frame:
            frames += 1
        if el in hidden:
            hides += 1
        if tag in BLOCK_TAGS:
            flush()
            parent = contexts[-1]
            containers = tuple(c or tag == name for c, name in zip(parent.containers, CONTAINER_TAGS, strict=True))
            own = _class_flags(el)
            contexts.append(_Context(el, parent.depth + 1, containers,
                                     tuple(a or b for a, b in zip(parent.flags, own, strict=True))))
        elif tag == "a":
            links += 1
        add(el.text)
        stack.append((False, el))
        stack.extend((True, child) for child in reversed(el))
    flush()
    return out


def ngrams(tokens: list[str]) -> set[tuple[str, ...]]:
    """The scorer's word 4-grams; a shorter token list is one n-gram of all its tokens."""
    if len(tokens) < N:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + N]) for i in range(len(tokens) - N + 1)}


class Grams:
    """A text's n-grams of every length 1..N (to look up blocks shorter than N tokens)."""

    def __init__(self, text: str) -> None:
        self.tokens = TOKEN.findall(text or "")
        self.words = len(self.tokens)
        self.sets: dict[int, set[tuple[str, ...]]] = {}

    def share(self, grams: set[tuple[str, ...]]) -> float:
        if not grams:
            return 0.0
        n = len(next(iter(grams)))
        known = self.sets.get(n)
        if known is None:
            toks = self.tokens
            known = self.sets[n] = {tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)}
        return len(grams & known) / len(grams)


_STOPWORDS: frozenset[str] | None = None


def stopwords() -> frozenset[str]:
    global _STOPWORDS
    if _STOPWORDS is None:
        import justext

        words: set[str] = set()
        for language in STOP_LANGUAGES:
            try:
                words |= justext.get_stoplist(language)
            except ValueError:
                continue
        _STOPWORDS = frozenset(w.casefold() for w in words)
    return _STOPWORDS


def _in_body_features(shares: np.ndarray, extracted: np.ndarray, body_words: int) -> np.ndarray:
    n = len(shares)
    out = np.zeros((n, len(BODY)), dtype=np.float32)
    if not n:
        return out
    out[:, 0] = shares
    out[:, 1] = extracted
    out[1:, 2] = shares[:-1]
    out[:-1, 3] = shares[1:]
    padded = np.concatenate([np.zeros(2), shares, np.zeros(2)])
    window = (padded[:-4] + padded[1:-3] + padded[3:-1] + padded[4:]) / 4
    out[:, 4] = window
    inside = np.flatnonzero(shares >= 0.5)
    idx = np.arange(n)
    if len(inside):
        out[:, 5] = idx < inside[0]
        out[:, 6] = idx > inside[-1]
        nearest = np.abs(idx[:, None] - inside[None, :]).min(axis=1) if n * len(inside) < 4_000_000 else \
            np.minimum.reduce([np.abs(idx - i) for i in inside])
        out[:, 7] = np.log1p(nearest)
    else:
        out[:, 5] = 1.0
        out[:, 7] = math.log1p(n)
    out[:, 8] = math.log1p(body_words)
    out[:, 9] = float(body_words == 0)
    return out


def block_matrix(blocks: list[RawBlock], bodies: dict[str, tuple[str, str]], ld_body: str | None) -> np.ndarray:
    """The feature matrix (:data:`FEATURES`) of ``blocks``; ``bodies`` maps each of
    :data:`BODIES` to (body text, the extract stage's blocks joined)."""
    n = len(blocks)
    x = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if not n:
        return x
    stop = stopwords()
    toks = [TOKEN.findall(b.text) for b in blocks]
    grams = [ngrams(t) for t in toks]
    total_chars = sum(len(b.text) for b in blocks) or 1
    max_depth = max(b.depth for b in blocks) or 1
    ld = Grams(ld_body) if ld_body else None
    col = {name: i for i, name in enumerate(FEATURES)}
    before = 0
    for i, (b, t, g) in enumerate(zip(blocks, toks, grams, strict=True)):
        row = x[i]
        words = len(t)
        chars = len(b.text)
        row[col["log_words"]] = math.log1p(words)
        row[col["log_chars"]] = math.log1p(chars)
        row[col["link_share"]] = b.link_chars / chars
        row[col["punct_share"]] = len(PUNCT.findall(b.text)) / chars
        row[col["sentence_ends"]] = len(SENTENCE_END.findall(b.text)) / words
        row[col["ends_sentence"]] = float(b.text.rstrip("\"'”’») ")[-1:] in ".!?。！？")
        row[col["commas"]] = (b.text.count(",") + b.text.count("，")) / words
        row[col["stop_share"]] = sum(1 for w in t if w.casefold() in stop) / words
        row[col["short_share"]] = sum(1 for w in t if len(w) <= 3) / words
        row[col["digit_share"]] = sum(1 for w in t if w.isdigit()) / words
        row[col["mean_token_chars"]] = sum(len(w) for w in t) / words
        row[col["tag_" + TAG_KINDS.get(b.tag, "other")]] = 1.0
        row[col["depth"]] = b.depth / max_depth
        row[col["position"]] = i / n
        row[col["char_position"]] = before / total_chars
        before += chars
        row[col["in_frame"]] = float(b.in_frame)
        for name, inside in zip(CONTAINER_TAGS, b.containers, strict=True):
            row[col["in_" + name]] = float(inside)
        for name, flag in zip(CLASS_FLAGS, b.flags, strict=True):
            row[col["cls_" + name]] = float(flag)
        if ld is not None:
            row[col["ld_share"]] = ld.share(g)
    seen: dict[str, int] = {}
    for i, b in enumerate(blocks):
        x[i, col["in_hidden"]] = float(b.hidden)
        x[i, col["repeat"]] = float(b.text in seen)
        seen[b.text] = seen.get(b.text, 0) + 1
    for i, b in enumerate(blocks):
        x[i, col["log_copies"]] = math.log(seen[b.text])
    x[:, col["has_ld"]] = float(ld is not None)
    x[:, col["page_log_words"]] = math.log1p(sum(len(t) for t in toks))
    # The two bodies are often the same text: each distinct text is looked up once.
    looked_up: dict[str, tuple[np.ndarray, int]] = {}

    def shares_in(text: str) -> tuple[np.ndarray, int]:
        if text not in looked_up:
            known = Grams(text)
            looked_up[text] = np.array([known.share(g) for g in grams], dtype=np.float32), known.words
        return looked_up[text]

    for name in bodies:
        body, extracted = bodies[name]
        shares, body_words = shares_in(body)
        start = col["in_body_" + name]
        x[:, start : start + len(BODY)] = _in_body_features(shares, shares_in(extracted)[0], body_words)
    return x


def truth_shares(blocks: list[RawBlock], truth_body: str) -> np.ndarray:
    """The label's measure: share of each block's n-grams in the truth body (case kept)."""
    truth = Grams(truth_body)
    return np.array([truth.share(ngrams(TOKEN.findall(b.text))) for b in blocks], dtype=np.float32)


# --- the two bodies a page's features are relative to ------------------------------------------

@contextmanager
def fallbacks_off():
    """``process_page`` with the recall-collapse rescue and the short-body branch off (the
    package's behaviour is restored on exit): favor_recall's body is kept as it came, and
    :func:`body.choose_body` weighs only the JSON-LD body against it."""
    from newscrawl.stages.extract import article, body

    rescue, short = article.recall_collapse_rescue, body.SHORT_BODY_WORDS
    article.recall_collapse_rescue = lambda blocks, *args, **kwargs: (blocks, "trafilatura")
    body.SHORT_BODY_WORDS = 0
    try:
        yield
    finally:
        article.recall_collapse_rescue, body.SHORT_BODY_WORDS = rescue, short


def process_bodies(html: bytes, url: str) -> tuple[str, str, object]:
    """``process_page``'s body and the extract stage's blocks (joined), and the Work."""
    from newscrawl.model import Page
    from newscrawl.stages.process import run_steps

    work = run_steps(Page.build(url, html, {"Content-Type": "text/html"}, 200, None))
    extracted = "\n".join(b.text for b in work.extracted.blocks) if work.extracted is not None else ""
    return work.record.body or "", extracted, work


@dataclass(slots=True)
class PageTable:
    pid: str
    texts: list[str]
    x: np.ndarray
    share: np.ndarray | None
    bodies: dict[str, str]
    ms: dict[str, float]


def page_table(pid: str, html: bytes, url: str, truth_body: str | None) -> PageTable:
    """One page's blocks, features and labels, with the bodies they are judged beside
    (newscrawl as shipped, without the fallbacks, trafilatura.extract) and each one's CPU."""
    import trafilatura

    from newscrawl.stages.decode import decode_html
    from newscrawl.stages.extract import MAX_HTML_CHARS
    from newscrawl.stages.extract.container import densest_container
    from newscrawl.stages.extract.hidden import hidden_elements
    from newscrawl.stages.extract.tree import parse_page

    ms: dict[str, float] = {}
    t0 = time.process_time()
    shipped, shipped_ex, _work = process_bodies(html, url)
    t1 = time.process_time()
    with fallbacks_off():
        nofb, nofb_ex, work = process_bodies(html, url)
    t2 = time.process_time()
    try:
        traf = trafilatura.extract(html, include_comments=False) or ""
    except Exception:  # noqa: BLE001 - a crash is an empty body, as the benchmark scores it
        traf = ""
    t3 = time.process_time()
    text = work.decoded.text[:MAX_HTML_CHARS] if work.decoded is not None else decode_html(html, "text/html").text
    tree, _html, _dropped = parse_page(text) if text.strip() else (None, "", 0)
    t4 = time.process_time()
    frame = densest_container(tree)
    blocks = page_blocks(tree, frame, frozenset(hidden_elements(tree)) if tree is not None else frozenset())
    ld = work.extracted.json_ld_body if work.extracted is not None else None
    x = block_matrix(blocks, {"shipped": (shipped, shipped_ex), "nofb": (nofb, nofb_ex)}, ld)
    t5 = time.process_time()
    share = truth_shares(blocks, truth_body) if truth_body is not None else None
    ms.update(shipped=(t1 - t0) * 1000, nofb=(t2 - t1) * 1000, trafilatura=(t3 - t2) * 1000,
              parse=(t4 - t3) * 1000, features=(t5 - t4) * 1000)
    return PageTable(pid, [b.text for b in blocks], x, share,
                     {"shipped": shipped, "nofb": nofb, "trafilatura": traf}, ms)
