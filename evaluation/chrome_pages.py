"""The language-chrome evidence set: real articles wrapped in foreign page chrome, built by code.

Two directions:

* **Foreign chrome around English articles.** Each page of ``../shared/data/wcxb-dev-articles``
  gets the chrome of one language (zh, ja, ar, ru, es, fr, de in turn, by page order). Chrome is
  put where a portal puts it: the header (login box, menu, scrolling-news ticker) at the top of
  ``<body>``, the breadcrumb and source line right *before the article's first paragraph*, the
  tags, keywords, share and editor lines and a related list right *after its last paragraph*
  (siblings of the article's paragraphs: that is the chrome that survives extraction), and a
  most-read list and footer at the end. Which pieces a page gets is drawn with the page id as the
  seed, so the set is the same on every run.
* **English chrome around non-English articles.** The seven stories of
  :mod:`evaluation.chrome_text` (the dev set has no non-English article), each served in
  several chrome variants.

Each wrapped page is compared with the *same* page without the chrome (the dev page parsed and
serialized the same way, so the only difference is the chrome): body F1 against the ground truth
(scored by ``../shared/eval/score_extraction.py``), chrome left in the body, article paragraphs
lost, and the language of every block the language stage saw.

How a block's true language is known: a block whose text lies inside the ground-truth article is
in the article's language; a block that holds an inserted chrome piece and is not article text is
in the chrome's language; any other block (the original page's own menus and captions) has no
known language and is left out of the accuracy figure.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import Path

import lxml.html

from newscrawl.stages import process
from newscrawl.stages.language import FLATTENED_MIN_WORDS, analyse_languages, dominant_script
from newscrawl.model import Page
from evaluation.chrome_text import CHROME, STORIES, Chrome, Story

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DEV = SHARED / "data" / "wcxb-dev-articles"
SCORER = SHARED / "eval" / "score_extraction.py"

#: Chrome languages wrapped around the English dev articles, in turn.
FOREIGN_CHROME = ("zh", "ja", "ar", "ru", "es", "fr", "de")
#: A wrapped page whose extraction found this much less of the article than the plain page's
#: (4-gram recall) is a page where the chrome changed extraction.
EXTRACTION_RECALL_DROP = 0.1
PLAIN_RECALL_MIN = 0.5
#: Chrome variants (different draws of pieces) per non-English story.
STORY_VARIANTS = 4

_TOKEN = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")


def norm(text: str) -> str:
    return " ".join(_TOKEN.findall(text.casefold()))


@lru_cache(maxsize=1)
def scorer():
    """``../shared/eval/score_extraction.py`` as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("score_extraction", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class ChromePiece:
    text: str
    language: str
    where: str  # header | before | after | footer


@dataclass
class Case:
    id: str
    article_language: str
    chrome_language: str
    truth: str
    url: str
    plain_html: str
    wrapped_html: str
    pieces: list[ChromePiece]


# --- building ---------------------------------------------------------------------------------


def _draw(chrome: Chrome, rng: random.Random) -> dict[str, list[ChromePiece]]:
    """Which pieces of ``chrome`` a page gets, by place. Every page gets chrome at both edges of
    the article (a source line or breadcrumb before it, a tags line after it): that is the case
    the language stage exists for."""
    lang = chrome.language

    def piece(text: str, where: str) -> ChromePiece:
        return ChromePiece(text, lang, where)

    headlines = list(chrome.headlines)
    rng.shuffle(headlines)
    header = [piece(t, "header") for t in chrome.login] + [piece(t, "header") for t in chrome.menu]
    if rng.random() < 0.7:
        header += [piece(chrome.ticker_label, "header")] + [piece(h, "header") for h in headlines[:3]]
    before = [piece(chrome.source_line, "before")]
    if rng.random() < 0.6:
        before.insert(0, piece(chrome.breadcrumb, "before"))
    after = [piece(chrome.tags, "after")]
    for text, p in ((chrome.keywords, 0.6), (chrome.share, 0.5), (chrome.editor, 0.6)):
        if rng.random() < p:
            after.append(piece(text, "after"))
    if rng.random() < 0.6:
        after += [piece(chrome.related_label, "after")] + [piece(h, "after") for h in headlines[3:6]]
    footer = [piece(chrome.most_read_label, "footer")] + [piece(h, "footer") for h in headlines[:4]]
    footer += [piece(t, "footer") for t in chrome.footer_links]
    footer += [piece(chrome.copyright, "footer"), piece(chrome.legal, "footer")]
    return {"header": header, "before": before, "after": after, "footer": footer}


def _element(tag: str, text: str, cls: str | None = None):
    el = lxml.html.Element(tag)
    el.text = text
    if cls:
        el.set("class", cls)
    return el


def _list_element(tag: str, label: ChromePiece | None, items: list[ChromePiece], cls: str):
    box = lxml.html.Element("div")
    box.set("class", cls)
    if label is not None:
        box.append(_element("h3", label.text))
    ul = lxml.html.Element(tag)
    for item in items:
        li = lxml.html.Element("li")
        a = _element("a", item.text)
        a.set("href", "#")
        li.append(a)
        ul.append(li)
    box.append(ul)
    return box


def _header(pieces: list[ChromePiece], chrome: Chrome):
    header = lxml.html.Element("div")
    header.set("class", "portal-top")
    login = [p for p in pieces if p.text in chrome.login]
    menu = [p for p in pieces if p.text in chrome.menu]
    ticker = [p for p in pieces if p not in login and p not in menu]
    header.append(_list_element("ul", None, login, "login-box"))
    header.append(_list_element("ul", None, menu, "nav"))
    if ticker:
        header.append(_list_element("ul", ticker[0], ticker[1:], "ticker"))
    return header


def _footer(pieces: list[ChromePiece], chrome: Chrome):
    footer = lxml.html.Element("div")
    footer.set("class", "portal-bottom")
    most_read = [p for p in pieces if p.text == chrome.most_read_label or p.text in chrome.headlines]
    footer.append(_list_element("ol", most_read[0], most_read[1:], "most-read"))
    links = [p for p in pieces if p.text in chrome.footer_links]
    footer.append(_list_element("ul", None, links, "footer-links"))
    footer.append(_element("p", chrome.copyright, "copyright"))
    footer.append(_element("p", chrome.legal, "legal"))
    return footer


def _after_elements(pieces: list[ChromePiece], chrome: Chrome) -> list:
    out, related = [], []
    for p in pieces:
        if p.text == chrome.related_label or p.text in chrome.headlines:
            related.append(p)
        else:
            out.append(_element("p", p.text, "article-meta"))
    if related:
        out.append(_list_element("ul", related[0], related[1:], "related"))
    return out


def _article_elements(doc, truth: str) -> tuple[object, object] | None:
    """First and last elements of the page that hold article paragraphs (innermost ones)."""
    truth_norm = norm(truth)
    found = []
    for el in doc.iter("p", "div", "li", "blockquote", "h2", "h3", "h4", "section", "span", "td"):
        text = norm(el.text_content())
        if len(text.split()) >= 8 and text in truth_norm:
            found.append(el)
    if not found:
        return None
    inner = set(found)
    innermost = [el for el in found if not any(d in inner for d in el.iterdescendants())]
    return _block_level(innermost[0]), _block_level(innermost[-1])


_INLINE = frozenset({"span", "a", "em", "strong", "b", "i", "u", "font", "small", "mark"})


def _block_level(el):
    """The element itself, or the block element around it: chrome paragraphs go beside blocks
    (a ``<p>`` put inside a ``<p>``, a list or a table would be re-parsed into something else)."""
    while el.getparent() is not None and (el.tag in _INLINE | {"li", "td", "tr", "tbody"}
                                          or el.getparent().tag in _INLINE | {"p"}):
        el = el.getparent()
    return el


def wrap_html(html: str, truth: str, chrome: Chrome, rng: random.Random) -> tuple[str, str, list[ChromePiece]] | None:
    """(plain page, wrapped page, chrome pieces) or None when the article cannot be located."""
    doc = lxml.html.document_fromstring(html)
    plain = lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")
    located = _article_elements(doc, truth)
    body = doc.find("body")
    if located is None or body is None:
        return None
    first, last = located
    drawn = _draw(chrome, rng)
    for el in (_element("p", p.text, "article-meta") for p in drawn["before"]):
        first.addprevious(el)
    anchor = last
    for el in _after_elements(drawn["after"], chrome):
        anchor.addnext(el)
        anchor = el
    body.insert(0, _header(drawn["header"], chrome))
    body.append(_footer(drawn["footer"], chrome))
    wrapped = lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")
    pieces = [p for where in ("header", "before", "after", "footer") for p in drawn[where]]
    return plain, wrapped, pieces


def story_html(story: Story, chrome: Chrome | None, rng: random.Random) -> tuple[str, list[ChromePiece]]:
    """A news page holding ``story``, inside ``chrome`` (None: the bare article page)."""
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    top = before = after = bottom = ""
    pieces: list[ChromePiece] = []
    if chrome is not None:
        drawn = _draw(chrome, rng)

        def html_of(el) -> str:
            return lxml.html.tostring(el, encoding="unicode")

        top = html_of(_header(drawn["header"], chrome))
        before = "".join(html_of(_element("p", p.text, "article-meta")) for p in drawn["before"])
        after = "".join(html_of(el) for el in _after_elements(drawn["after"], chrome))
        bottom = html_of(_footer(drawn["footer"], chrome))
        pieces = [p for where in ("header", "before", "after", "footer") for p in drawn[where]]
    page = (f'<!DOCTYPE html><html lang="{story.language}"><head><meta charset="utf-8">'
            f"<title>{escape(story.title)}</title></head><body>{top}<main><article>"
            f"<h1>{escape(story.title)}</h1>{before}<div class=\"story-body\">{paragraphs}</div>"
            f"{after}</article></main>{bottom}</body></html>")
    return page, pieces


def english_control(case: Case) -> Case:
    """The same dev page wrapped in *English* chrome drawn with the same seed: the same places
    (header, before, after, footer), the same kinds of pieces, the same boxes and lists; only the
    language differs.

    Inserting a box changes a page's layout, and an extractor may choose differently on the new
    layout whatever language the box is in (a link list inserted mid-article makes trafilatura
    drop the line after it). A paragraph lost both ways is lost to the layout; one lost only in
    foreign chrome is lost to the language, which is what this set measures (Outcome.loss_by_language)."""
    built = wrap_html(_dev_html(case.id), case.truth, CHROME["en"], random.Random(case.id))
    assert built is not None, case.id  # the same page, located the same way as for case
    plain, wrapped, pieces = built
    return Case(case.id, "en", "en", case.truth, case.url, plain, wrapped, pieces)


def _dev_html(page_id: str) -> str:
    return gzip.decompress((DEV / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8", "replace")


def dev_truth() -> dict[str, dict]:
    return json.loads((DEV / "ground-truth.json").read_text(encoding="utf-8"))


def dev_cases(ids: list[str] | None = None) -> Iterator[Case]:
    """English dev articles in foreign chrome (pages whose article cannot be located are skipped
    and counted by the caller: ids in, fewer cases out)."""
    truth = dev_truth()
    all_ids = sorted(truth)
    for i in ids if ids is not None else all_ids:
        language = FOREIGN_CHROME[all_ids.index(i) % len(FOREIGN_CHROME)]
        built = wrap_html(_dev_html(i), truth[i]["articleBody"], CHROME[language], random.Random(i))
        if built is None:
            continue
        plain, wrapped, pieces = built
        yield Case(i, "en", language, truth[i]["articleBody"], truth[i]["url"], plain, wrapped, pieces)


def story_cases() -> Iterator[Case]:
    """The non-English stories in English chrome, ``STORY_VARIANTS`` draws each."""
    for language, story in STORIES.items():
        plain, _ = story_html(story, None, random.Random(0))
        for variant in range(STORY_VARIANTS):
            rng = random.Random(f"{language}-{variant}")
            wrapped, pieces = story_html(story, CHROME["en"], rng)
            url = f"https://news.example/{language}/story-{variant}.html"
            yield Case(f"{language}-{variant}", language, "en", "\n\n".join(story.paragraphs), url,
                       plain, wrapped, pieces)


# --- evaluating -------------------------------------------------------------------------------


@dataclass
class Outcome:
    case: Case
    plain_body: str
    wrapped_body: str
    language: str | None
    chrome_languages: list[str]
    #: Chrome pieces whose text is in the wrapped body.
    chrome_left: list[str]
    #: Paragraphs of the plain page's body missing from the wrapped page's body.
    paragraphs_lost: list[str]
    #: (true language, language the stage gave) for each block of known language.
    block_pairs: list[tuple[str, str | None]] = field(default_factory=list)
    language_ms: float = 0.0
    total_ms: float = 0.0
    skip_reason: str | None = None
    #: The chrome changed what extraction gave the language stage (see extraction_changed).
    extraction_changed: bool = False
    #: The wrapped page is recorded as not an article (no body stored, see pagetype).
    wrapped_skipped: bool = False
    #: Where the chrome changed extraction and a paragraph was lost: the paragraphs lost when the
    #: same page gets English chrome in the same places instead (see english_control); None when
    #: not measured (no loss, or the article is not English).
    lost_in_english_chrome: list[str] | None = None

    @property
    def loss_by_language(self) -> bool:
        """A paragraph lost that the same layout in the article's own language keeps: what the
        language of the chrome, not the layout the chrome brings, cost."""
        if not self.paragraphs_lost:
            return False
        if self.lost_in_english_chrome is None:
            return True
        control = {norm(p) for p in self.lost_in_english_chrome}
        return any(norm(p) not in control for p in self.paragraphs_lost)


@dataclass
class Run:
    work: process.Work
    #: What the language stage was given: the body's blocks and the page's other text.
    language_input: list = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    language_ms: float = 0.0
    total_ms: float = 0.0


def _run(html: str, url: str) -> Run:
    page = Page.build(url, html.encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})
    run = Run(process.start(page))
    for step in process.STEPS:
        if step is process.step_language and not run.work.skipped:
            run.language_input = list(run.work.blocks)
            extracted = run.work.extracted
            run.outside = list(extracted.outside_blocks) if extracted else []
        start = time.perf_counter()
        step(run.work)
        elapsed = (time.perf_counter() - start) * 1000
        run.total_ms += elapsed
        if step is process.step_language:
            run.language_ms = elapsed
    return run


def extraction_changed(plain: Run, wrapped: Run, truth_norm: str, case: Case) -> bool:
    """Whether the chrome changed what *extraction* gave the language stage: an article paragraph
    the plain page's extraction found is missing from the wrapped page's, the wrapped page came
    out flattened into one huge block (an extractor fallback) where the plain page did not, or
    chrome in the article's own script was glued into such a block (a script boundary is what
    lets the stage cut chrome out of a block). Such pages measure the extractor, not the language
    stage, and are counted apart."""
    def flattened(run: Run) -> bool:
        return any(len(b.text.split()) >= FLATTENED_MIN_WORDS for b in run.language_input)

    if flattened(wrapped) and not flattened(plain):
        return True
    if dominant_script(case.pieces[0].text + " " + case.pieces[-1].text) == dominant_script(case.truth[:2000]):
        pieces = [norm(p.text) for p in case.pieces if len(norm(p.text).split()) >= 2]
        for block in wrapped.language_input:
            if len(block.text.split()) >= FLATTENED_MIN_WORDS and any(p in norm(block.text) for p in pieces):
                return True
    # Extraction of the wrapped page found clearly less of the article (by the scorer's 4-grams).
    score = scorer()
    recalls = [score.recall(*score.tp_fp_fn(case.truth, " ".join(b.text for b in run.language_input)))
               for run in (plain, wrapped)]
    if recalls[1] < recalls[0] - EXTRACTION_RECALL_DROP or recalls[0] < PLAIN_RECALL_MIN:
        # (Or extraction missed the article on the plain page already: nothing to protect.)
        return True
    wrapped_input = f" {norm(' '.join(b.text for b in wrapped.language_input))} "
    return any(norm(b.text) in truth_norm and f" {norm(b.text)} " not in wrapped_input
               for b in plain.language_input if norm(b.text))


def chrome_left_in(body: str, plain_body: str, pieces: list[ChromePiece]) -> list[str]:
    """Pieces of chrome found in ``body`` (and not already in the plain page's body: a one-word
    menu item such as "Sport" can be an article word)."""
    body_norm, plain_norm = f" {norm(body)} ", f" {norm(plain_body)} "
    body_paragraphs = {norm(p) for p in body.split("\n\n")}
    left = []
    for piece in pieces:
        text = norm(piece.text)
        if not text:
            continue
        if len(text.split()) >= 2 or len(text) >= 4 and not text.isascii():
            if f" {text} " in body_norm and f" {text} " not in plain_norm:
                left.append(piece.text)
        elif text in body_paragraphs and text not in {norm(p) for p in plain_body.split("\n\n")}:
            left.append(piece.text)
    return left


def block_truth(block: str, case: Case, truth_norm: str, piece_norms: list[str],
                page_lines: frozenset[str] = frozenset()) -> str | None:
    """The true language of a block the language stage saw, or None when unknown (the page's own
    menus and captions; a paragraph with chrome glued to it is of two languages; a line that is
    both the page's own and a chrome line, such as "Videos" in an English menu and in German
    chrome, is either)."""
    text = norm(block)
    if not text or not _LETTER.search(text):
        return None  # numbers and symbols have no language
    if text in truth_norm:
        story = STORIES.get(case.article_language) if case.article_language != "en" else None
        if story and norm(story.foreign_inside) in text \
                and dominant_script(block) != dominant_script(" ".join(story.paragraphs)):
            return story.foreign_language  # the story's foreign quote, a paragraph of its own
        return case.article_language
    if text in page_lines:
        return None
    # Whole words only: the German chrome's "Sport" is not the page's own "Sports" menu.
    padded = f" {text} "
    found = [p for p in piece_norms if p and f" {p} " in padded]
    if found:
        rest = padded
        for piece in found:
            rest = rest.replace(f" {piece} ", " ")
        return case.chrome_language if len(rest.split()) < 5 else None
    return None


def evaluate(case: Case) -> Outcome:
    plain, wrapped = _run(case.plain_html, case.url), _run(case.wrapped_html, case.url)
    plain_body, wrapped_body = plain.work.record.body or "", wrapped.work.record.body or ""
    # Article paragraphs (the plain page's body paragraphs that are ground-truth text) missing
    # from the wrapped page's body; by normalized containment, so a paragraph with chrome glued
    # to it counts as kept once the chrome is cut out of it again.
    truth_norm, wrapped_norm = norm(case.truth), f" {norm(wrapped_body)} "
    lost = [p for p in plain_body.split("\n\n")
            if norm(p) and norm(p) in truth_norm and f" {norm(p)} " not in wrapped_norm]
    record = wrapped.work.record
    outcome = Outcome(case, plain_body, wrapped_body, record.language, list(record.chrome_languages),
                      chrome_left_in(wrapped_body, plain_body, case.pieces), lost,
                      language_ms=wrapped.language_ms, total_ms=wrapped.total_ms,
                      skip_reason=record.skip_reason or plain.work.record.skip_reason,
                      extraction_changed=extraction_changed(plain, wrapped, truth_norm, case),
                      wrapped_skipped=bool(record.skip_reason))
    if lost and outcome.extraction_changed and case.article_language == "en" and case.chrome_language != "en":
        control = english_control(case)
        control_body = _run(control.wrapped_html, control.url).work.record.body or ""
        control_norm = f" {norm(control_body)} "
        outcome.lost_in_english_chrome = [p for p in plain_body.split("\n\n")
                                          if norm(p) and norm(p) in truth_norm
                                          and f" {norm(p)} " not in control_norm]
    if wrapped.language_input:
        # The stage again on the same input, for the language of every block it judged
        # (deterministic: same input, same answer).
        result = analyse_languages(wrapped.language_input, wrapped.outside)
        piece_norms = [norm(p.text) for p in case.pieces if len(norm(p.text)) >= 2]
        page_lines = frozenset(norm(t) for t in lxml.html.document_fromstring(case.plain_html).itertext())
        for block, predicted in zip(wrapped.language_input, result.input_languages):
            true = block_truth(block.text, case, truth_norm, piece_norms, page_lines)
            if true is not None:
                outcome.block_pairs.append((true, predicted))
    return outcome


@dataclass
class Summary:
    pages: int
    f1_plain: float
    f1_wrapped: float
    #: Over all pages.
    pages_with_chrome_left: int
    #: ... of which the pipeline stores the body (the others it records as not articles).
    pages_with_chrome_left_stored: int
    pages_losing_paragraphs: int
    #: Pages whose extraction the chrome changed (counted apart: see extraction_changed), and the
    #: two figures above over the other pages: what the language stage is answerable for.
    extraction_changed: int
    chrome_left_stage: int
    paragraphs_lost_stage: int
    #: Pages that lost a paragraph which the same layout in English chrome keeps (all pages).
    paragraphs_lost_to_language: int
    article_language_right: float
    chrome_language_found: float
    block_accuracy: dict[str, tuple[int, int]]  # true language -> (right, total)
    language_ms_median: float
    total_ms_median: float


def summarize(outcomes: list[Outcome]) -> Summary:
    import statistics

    score = scorer()
    plain_rows = [score.tp_fp_fn(o.case.truth, o.plain_body) for o in outcomes]
    wrapped_rows = [score.tp_fp_fn(o.case.truth, o.wrapped_body) for o in outcomes]
    accuracy: dict[str, list[int]] = {}
    for o in outcomes:
        for true, predicted in o.block_pairs:
            right_total = accuracy.setdefault(true, [0, 0])
            right_total[0] += predicted == true
            right_total[1] += 1
    return Summary(
        pages=len(outcomes),
        f1_plain=score.prf(plain_rows)["f1"],
        f1_wrapped=score.prf(wrapped_rows)["f1"],
        pages_with_chrome_left=sum(bool(o.chrome_left) for o in outcomes),
        pages_with_chrome_left_stored=sum(bool(o.chrome_left) and not o.wrapped_skipped for o in outcomes),
        pages_losing_paragraphs=sum(bool(o.paragraphs_lost) for o in outcomes),
        extraction_changed=sum(o.extraction_changed for o in outcomes),
        chrome_left_stage=sum(bool(o.chrome_left) for o in outcomes if not o.extraction_changed),
        paragraphs_lost_stage=sum(bool(o.paragraphs_lost) for o in outcomes if not o.extraction_changed),
        paragraphs_lost_to_language=sum(o.loss_by_language for o in outcomes),
        article_language_right=sum(o.language == o.case.article_language for o in outcomes) / len(outcomes),
        chrome_language_found=sum(o.case.chrome_language in o.chrome_languages for o in outcomes) / len(outcomes),
        block_accuracy={k: (v[0], v[1]) for k, v in sorted(accuracy.items())},
        language_ms_median=statistics.median(o.language_ms for o in outcomes),
        total_ms_median=statistics.median(o.total_ms for o in outcomes),
    )
