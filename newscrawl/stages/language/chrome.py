"""Shapes: what a block looks like whatever its language -- a prose paragraph, or page chrome (a
label line, a list or a block of links, a breadcrumb or menu, a copyright line, a short line that
is not a sentence) -- and the parts of a line a detector may judge.

Inside the article a block in another language is kept (a quote in Arabic, a name, a bilingual
caption are the article's) unless it has the shape of chrome; these functions tell the shapes.
"""

from __future__ import annotations

import re
from collections import Counter

from newscrawl.model import Block
from newscrawl.stages.language.detectors import MIN_WORDS_FOR_DETECTOR
from newscrawl.stages.language.scripts import (
    CJK,
    SCRIPT_CLASSES,
    SCRIPT_RES,
    WORD_RE,
    script_counts,
    script_regex,
    script_words,
    without_invisible,
    word_count,
)
from newscrawl.stages.language.vocabulary import shares_vocabulary
from newscrawl.stages.prose import is_prose

# --- prose ------------------------------------------------------------------------------------

#: A prose paragraph: this many words (CJK: characters / 2) in the article's script. Language asks
#: where the article's running text is, in any script: quotes count, and words are the script's.
PROSE_MIN_WORDS = 12
PROSE_KINDS = ("p", "quote")
PROSE_MAX_LINK_RATIO = 0.5


def prose_words(text: str, script: str | None) -> int:
    """The words of ``text`` as the prose rule counts them in ``script``: outside CJK, whitespace
    tokens settle it when they are far fewer than PROSE_MIN_WORDS or twice as many (cheap), the
    words of the script (:func:`word_count`) otherwise."""
    if script not in CJK:
        tokens = len(text.split())
        if tokens < PROSE_MIN_WORDS or tokens >= 2 * PROSE_MIN_WORDS:
            return tokens
    return word_count(text, script)


def is_article_prose(block: Block, script: str | None) -> bool:
    """Whether ``block``, written in ``script``, is a prose paragraph (:mod:`newscrawl.stages.prose`)."""
    return is_prose(block, min_words=PROSE_MIN_WORDS, kinds=PROSE_KINDS, max_link_ratio=PROSE_MAX_LINK_RATIO,
                    words=lambda text: prose_words(text, script))


# --- chrome -----------------------------------------------------------------------------------

# A short label and a colon opening the line: "标签：", "Tags:", "Теги:", "Quelle :".
_LABEL_RE = re.compile(r"^[\W\d_]*[^\W\d_][^:：\n]{0,16}[:：]")
#: Quotation marks: foreign text between them is quoted, the article's.
QUOTE_CHARS = frozenset("\"“”„«»「」『』‘’‹›")
_QUOTE_RE = re.compile("[" + re.escape("".join(sorted(QUOTE_CHARS))) + "]")
_SEPARATOR_RE = re.compile(r"\s[>|/·»›]\s|\s[|]|[|]\s")
_SENTENCE_END_RE = re.compile(r"[.!?。！？؟…]")
_SENTENCE_ENDS = frozenset(".!?…")
# The text after a paragraph's last sentence end, when it has no sentence end of its own.
_GLUED_TAIL_RE = re.compile(r"[.!?…。！？][\"”’»)\]]*\s+([^.!?…。！？\n]+?)\s*$")
_TAIL_FREE_ENDS = frozenset(".!?…。！？")
_COPYRIGHT_RE = re.compile(r"©|\(c\)|ICP备|公网安备", re.IGNORECASE)

#: Same-script chrome is short: labels, menus, tag lines, headlines. A block longer than this in
#: the article's script is taken to be in the article's language without a detector call.
SAME_SCRIPT_CHROME_MAX_WORDS = 30
#: A line without sentence punctuation or quotes up to this many words is chrome-shaped (a menu,
#: a headline, a date and source line). Lines in the article's own script are held to the prose
#: length instead: each of them costs a detector call.
CHROME_LINE_MAX_WORDS = 20


def chrome_shaped(block: Block, script: str | None, max_words: int = CHROME_LINE_MAX_WORDS) -> bool:
    """Whether a block looks like page chrome whatever its language: a label line, a list or a
    block of links, a breadcrumb or menu, a copyright line, or a short line that is not a
    sentence. Quotes and sentences are what legitimate foreign text inside an article is."""
    text = block.text
    if block.kind in ("list", "head", "table") or block.link_ratio >= 0.5:
        return True
    if _COPYRIGHT_RE.search(text) or len(_SEPARATOR_RE.findall(text)) >= 2:
        return True
    quoted = bool(_QUOTE_RE.search(text))
    if _LABEL_RE.match(text) and not quoted:
        return True
    return not quoted and not _SENTENCE_END_RE.search(text) and word_count(text, script) <= max_words


def glued_tail(text: str) -> re.Match | None:
    """The text after a paragraph's last sentence end when it has no sentence end of its own
    (group 1): same-script chrome an extractor glued on ("... you may qualify for. Mots-clés :
    politique, économie"), or None."""
    # A block that ends on a sentence end has no such tail: most paragraphs, no search.
    if text.rstrip()[-1:] in _TAIL_FREE_ENDS:
        return None
    return _GLUED_TAIL_RE.search(text)


# --- what a detector may judge ----------------------------------------------------------------

#: A one-word line in the article's script is judged only from this many letters: "Startseite",
#: "Accueil" and "Inicio" are menu words a detector knows, "Jan" or "Blog" are anybody's.
SINGLE_WORD_MIN_LETTERS = 6

# A personal name: two to four capitalized words or initials ("Satya Nadella", "J. R. Smith",
# "Jean-Luc O'Neill"), with the particles surnames carry ("Pieter van Dijk").
_NAME_WORD = r"[^\W\d_a-z][^\W\d_]*(?:['’-][^\W\d_]+)*\.?"
_NAME = (rf"{_NAME_WORD}(?:\s+(?:(?:van|von|der|den|de|da|del|della|di|du|le|la|bin|ibn|al)\s+){{0,2}}"
         rf"{_NAME_WORD}){{1,3}}")
# A line of names only, after an optional short label: "CEO: Satya Nadella", "Photo: Lena Marquardt
# and Tomas Berg", "Hock Tan (Broadcom)". A list of single capitalized words is no list of names
# ("Schlagwörter: Politik, Wirtschaft": German capitalizes its nouns).
_NAMES_LINE_RE = re.compile(
    rf"^(?:(?P<label>[^\W\d_][^:：\n]{{0,20}}?)\s*[:：]\s*)?"
    rf"(?P<names>{_NAME}(?:\s*(?:,|&|\band\b)\s*{_NAME}){{0,3}})"
    r"(?:\s*\([^()]{1,40}\))?\s*$")


#: Words of English site furniture. English menus and footers are written in Title Case
#: ("Privacy Policy", "Most Read Stories"), the shape of a line of names; a names-shaped line with
#: one of these words is furniture, and judged like any other line (English chrome around a
#: Spanish story is removed). Personal names are rarely these words; a name that is ("Will Read")
#: is judged and, in an English article, is English anyway.
CHROME_WORDS = frozenset("""
    home news world latest top most read popular trending stories story more about contact us
    privacy policy terms use conditions cookie cookies settings sign log login logout register
    subscribe subscription newsletter newsletters account search menu follow share tags topics
    related recommended video videos photos gallery podcasts live opinion business sports
    technology science health politics entertainment lifestyle weather help careers jobs
    advertise advertising sitemap accessibility feedback editions edition archive archives
    """.split())
#: Small words such lines join their furniture words with ("Terms of Use", "Sign In").
_FURNITURE_JOINERS = frozenset("of in on to the and for with our your my now all up out".split())


def english_furniture(text: str) -> bool:
    """Whether a short line is English site furniture by its words alone: every word a furniture
    word or a joiner, at least one a furniture word ("Privacy Policy", "Terms of Use", "Most
    Read Stories"). Detectors cannot tell these lines: two or three Title Case words leave
    py3langid unsure of English, no surer than personal names leave it of any language."""
    words = [w.casefold() for w in WORD_RE.findall(text)]
    return bool(words) and len(words) <= 6 and all(w in CHROME_WORDS or w in _FURNITURE_JOINERS for w in words) \
        and any(w in CHROME_WORDS for w in words)


def judged_text(text: str) -> str | None:
    """The part of a short line a language detector may judge, or None when no part can be.

    Personal names have no language (a detector's answer on "Satya Nadella" is noise), so a line
    of names only is the article's, and of a "label: names" line only the label is judged: an
    editor line "Redacción: María Fernández" is Spanish by its label, "CEO: Satya Nadella" by
    nothing (an acronym, like a word shorter than SINGLE_WORD_MIN_LETTERS, is anybody's).
    Lines of one capitalized word are left to the one-word rule ("Startseite" is a menu).
    A Title Case line with a word of English site furniture (:data:`CHROME_WORDS`: "Privacy
    Policy", "Most Read Stories") is no line of names: it is judged."""
    text = without_invisible(text).strip()
    match = _NAMES_LINE_RE.match(text)
    if not match or any(w in CHROME_WORDS for w in WORD_RE.findall(match.group("names").casefold())):
        return text
    label = (match.group("label") or "").strip()
    words = WORD_RE.findall(label)
    if not words or label.isupper() or (len(words) == 1 and len(words[0]) < SINGLE_WORD_MIN_LETTERS):
        return None
    return label


# --- foreign text inside a block --------------------------------------------------------------


def bilingual(text: str, article_script: str, foreign: set[str], vocabulary: Counter) -> bool:
    """A caption or quote given in two languages: a sentence in each, and the article-script part
    about the story (it shares the article's words). A chrome line with a foreign label has a
    short foreign part; a foreign chrome line with a brand name has no article words."""
    foreign_words = sum(script_words(text, s) for s in foreign)
    article_part = " ".join(w for w in WORD_RE.findall(text) if SCRIPT_RES[article_script].match(w))
    if article_script in CJK:
        article_part = "".join(SCRIPT_RES[article_script].findall(text))
    return (foreign_words >= MIN_WORDS_FOR_DETECTOR
            and word_count(article_part, article_script) >= MIN_WORDS_FOR_DETECTOR
            and (article_script in CJK or shares_vocabulary(article_part, vocabulary)))


def label_first(text: str, foreign: set[str]) -> bool:
    """Whether the first letter of the block is of a foreign script ("关键词: drone, Baghdad")."""
    first = re.search(r"[^\W\d_]", text)
    return bool(first) and bool(script_regex(foreign).match(first.group()))


#: A foreign-script run inside a flattened block, or glued to the start or end of a paragraph, is
#: chrome from this many weighted letters (about six words, or eight CJK characters); shorter
#: runs are names and glosses.
INLINE_RUN_MIN_LETTERS = 24


def cut_inline_runs(text: str, article_script: str, edges_only: bool = False) -> tuple[str, list[str]]:
    """Long unquoted foreign-script runs cut out of a block: (text, runs cut). ``edges_only``:
    only a run that opens or closes the block (chrome glued to a paragraph by extraction)."""
    foreign = {s for s in SCRIPT_CLASSES if s != article_script
               and not (article_script == "Kana" and s == "Han") and not (article_script == "Han" and s == "Kana")}
    cls = "".join(SCRIPT_CLASSES[s] for s in sorted(foreign))
    run_re = re.compile(f"[{cls}](?:[{cls}\\s\\d\\W_]*[{cls}])?")
    cut: list[str] = []
    pieces, last = [], 0
    for m in run_re.finditer(text):
        run = m.group()
        before = text[:m.start()].rstrip()[-1:]
        after = text[m.end():].lstrip()[:1]
        if sum(script_counts(run).values()) < INLINE_RUN_MIN_LETTERS or (before and before in QUOTE_CHARS | set("(（[")) \
                or (after and after in QUOTE_CHARS | set(")）]")):
            continue
        if edges_only and SCRIPT_RES[article_script].search(text[:m.start()]) \
                and SCRIPT_RES[article_script].search(text[m.end():]) \
                and not (article_script not in CJK and text[:m.start()][-1:] in _SENTENCE_ENDS):
            # Inside a paragraph a foreign run is a quote or a name, unless it starts right on
            # a sentence end, without a space: the seam where an extractor joined the texts of
            # two elements ("...from scratch.Теги: политика, экономика"). (Not in CJK text,
            # which puts no space after its full stops.)
            continue
        pieces.append(text[last:m.start()].rstrip())
        last = m.end()
        cut.append(run)
    if not cut:
        return text, []
    pieces.append(text[last:].lstrip())
    return " ".join(p for p in pieces if p), cut
