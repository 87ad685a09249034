"""The language stage in phases: :func:`analyse_languages` reads the article's script and language,
cuts chrome glued into paragraphs, finds the article's core, judges every block inside or
outside it, lets chrome take its same-script neighbours, and lists the languages of the chrome.

Each phase is a function of its own; those that cut text change the :class:`ArticleBlocks` they
are given in place, as the next phase must see the blocks without what was cut.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from newscrawl.model import Block, Repair
from newscrawl.stages.language.chrome import (
    PROSE_MIN_WORDS,
    SAME_SCRIPT_CHROME_MAX_WORDS,
    SINGLE_WORD_MIN_LETTERS,
    bilingual,
    chrome_shaped,
    cut_inline_runs,
    english_furniture,
    glued_tail,
    is_article_prose,
    judged_text,
    label_first,
)
from newscrawl.stages.language.detectors import (
    MIN_WORDS_FOR_DETECTOR,
    SAME_SCRIPT_PROBABILITY,
    SCRIPT_CANDIDATES,
    SHORT_LINE_UNDECIDED_SCRIPTS,
    candidates,
    classify,
    detect,
    foreign_script_language,
    probabilities,
)
from newscrawl.stages.language.outside import outside_languages
from newscrawl.stages.language.scripts import (
    SCRIPT_LANGUAGE,
    SCRIPT_RES,
    WORD_RE,
    dominant,
    dominant_script,
    foreign_scripts,
    script_counts,
    script_words,
    word_count,
)
from newscrawl.stages.language.vocabulary import article_vocabulary, shares_vocabulary

#: A block this long is a page that extraction flattened into one block, not a paragraph.
FLATTENED_MIN_WORDS = 400
#: A chrome-shaped neighbour of removed chrome goes with it when the detector finds the
#: neighbour's language at least this share as likely as the article's (see
#: :func:`spread_along_runs`).
RUN_RELATIVE_PROBABILITY = 0.5


@dataclass(slots=True)
class LanguageResult:
    language: str | None
    confidence: float | None
    blocks: list[Block]
    block_languages: list[str | None]
    chrome_languages: list[str] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    #: The language of every input block (removed ones included), aligned with the input.
    input_languages: list[str | None] = field(default_factory=list)


@dataclass(slots=True)
class ArticleBlocks:
    """The article's blocks as the stage reads them: their texts, letters per script and dominant
    script (aligned), the article's script, language and vocabulary."""

    blocks: list[Block]
    texts: list[str]
    counts: list[Counter]
    scripts: list[str | None]
    script: str | None
    language: str | None
    confidence: float | None
    vocabulary: Counter
    #: :func:`prose_blocks` of the blocks as they are now (None once a cut may have changed it).
    prose: list[bool] | None = None

    def replace_text(self, i: int, text: str) -> None:
        self.blocks[i], self.texts[i] = self.blocks[i].with_text(text), text
        self.prose = None


def prose_blocks(article: ArticleBlocks) -> list[bool]:
    """Which blocks are prose paragraphs in the article's script."""
    return [s == article.script and is_article_prose(b, s) for b, s in zip(article.blocks, article.scripts)]


def read_article(article_blocks: list[Block]) -> ArticleBlocks:
    """Phase 1: each block's script, the article's script (the most letters) and language (of the
    text in that script), and the article's vocabulary."""
    blocks = list(article_blocks)
    texts = [b.text for b in blocks]
    counts = [script_counts(t) for t in texts]  # once per block: it is the costly part
    scripts = [dominant(c) for c in counts]
    total: Counter = Counter()
    for block_counts in counts:
        total.update(block_counts)  # one Counter, not one a block as sum() would build
    article_script = dominant(total)
    if article_script == "Kana":
        # A Japanese line written in kanji only is still Japanese.
        scripts = ["Kana" if s == "Han" else s for s in scripts]
    article_text = "\n".join(t for t, s in zip(texts, scripts) if s == article_script)
    language, confidence = detect(article_text, article_script)
    article = ArticleBlocks(blocks, texts, counts, scripts, article_script, language, confidence, Counter())
    # The article's own words: its prose paragraphs (chrome lines left in the body, such as a
    # copyright line naming the portal, must not vouch for the portal's other lines).
    article.prose = prose_blocks(article)
    article.vocabulary = article_vocabulary("\n".join(t for t, p in zip(texts, article.prose) if p) or article_text)
    return article


def cut_foreign_runs(article: ArticleBlocks) -> list[str]:
    """Phase 2: chrome in another script that extraction glued into a paragraph, cut out of it:
    anywhere in a page flattened into one huge block (:data:`FLATTENED_MIN_WORDS`), at the start
    or end of a prose paragraph (a caption with its translation is shorter than prose, and stays
    whole). Returns the runs cut."""
    runs: list[str] = []
    script = article.script
    for i, text in enumerate(article.texts):
        if script in SCRIPT_RES and article.scripts[i] == script \
                and foreign_scripts(article.counts[i], script) \
                and script_words(text, script) >= PROSE_MIN_WORDS:
            new_text, cut = cut_inline_runs(text, script, edges_only=len(text.split()) < FLATTENED_MIN_WORDS)
            if cut:
                article.replace_text(i, new_text)
                article.counts[i] = script_counts(new_text)
                runs += cut
    return runs


def cut_glued_tails(article: ArticleBlocks) -> list[tuple[str, str]]:
    """Phase 3: same-script chrome glued after a paragraph's last sentence ("... you may qualify
    for. Mots-clés : politique, économie"): the unpunctuated tail is judged on its own and cut
    when it is in another language. Returns (tail, its language) of each tail cut."""
    script, language = article.script, article.language
    if not (language and script in SCRIPT_CANDIDATES):
        return []
    cut: list[tuple[str, str]] = []
    for i, text in enumerate(article.texts):
        tail = glued_tail(text) if article.scripts[i] == script else None
        if not tail or not MIN_WORDS_FOR_DETECTOR <= word_count(tail.group(1), script) <= SAME_SCRIPT_CHROME_MAX_WORDS \
                or word_count(text[:tail.start(1)], script) < PROSE_MIN_WORDS \
                or shares_vocabulary(tail.group(1), article.vocabulary):
            continue
        found, probability = classify(tail.group(1), script, language)
        if found and found != language and (probability or 0) >= SAME_SCRIPT_PROBABILITY:
            article.replace_text(i, text[:tail.start(1)].rstrip())
            cut.append((tail.group(1), found))
    return cut


def other_script_languages(article: ArticleBlocks) -> dict[str, str | None]:
    """Phase 4: the language of the blocks in each script other than the article's, one for the
    whole page (portal chrome is in one language): the script's own language where the script
    names one, else one classification of all the page's text in that script."""
    other_scripts = {s for s in article.scripts if s and s != article.script}
    script_language: dict[str, str | None] = {}
    for script in other_scripts:
        if script == "Han" and "Kana" in other_scripts:
            script_language[script] = "ja"  # kanji-only lines of Japanese chrome
        elif script in SCRIPT_LANGUAGE:
            script_language[script] = SCRIPT_LANGUAGE[script]
        else:
            joined = " ".join(t for t, s in zip(article.texts, article.scripts) if s == script)
            script_language[script] = foreign_script_language(joined, script, article.language) or script.lower()
    return script_language


def same_script_language(text: str, article: ArticleBlocks) -> str | None:
    """The language of a block in the article's script that may be chrome: the article's unless
    a detector is sure of another on a short line not written with the article's words."""
    script, language = article.script, article.language
    if word_count(text, script) > SAME_SCRIPT_CHROME_MAX_WORDS or shares_vocabulary(text, article.vocabulary):
        return language
    if language != "en" and english_furniture(text):
        return "en"
    text = judged_text(text)
    words = WORD_RE.findall(text or "")
    if not words or (len(words) == 1 and len(words[0]) < SINGLE_WORD_MIN_LETTERS) \
            or (script in SHORT_LINE_UNDECIDED_SCRIPTS and len(words) < MIN_WORDS_FOR_DETECTOR):
        return language
    found, probability = classify(text, script, language)
    if found and found != language and (probability or 0) >= SAME_SCRIPT_PROBABILITY:
        return found
    return language


def find_core(article: ArticleBlocks, prose: list[bool]) -> tuple[int, int]:
    """Phase 5: the article's core, (first, last) index of its prose paragraphs in the article's
    language; (n, -1) when there is none. A prose paragraph in another language of the same script
    bounds no core (a Spanish "about us" paragraph after an English story)."""
    n = len(article.blocks)
    core = [i for i in range(n) if prose[i]]
    start = core[0] if core else n
    end = core[-1] if core else -1
    language = article.language
    if language and article.script in SCRIPT_CANDIDATES:
        while start <= end and same_script_language(article.texts[start], article) != language:
            start = next((i for i in range(start + 1, end + 1) if prose[i]), n)
        while end >= start and same_script_language(article.texts[end], article) != language:
            end = next((i for i in range(end - 1, start - 1, -1) if prose[i]), -1)
    return start, end


def judge_block(article: ArticleBlocks, i: int, inside: bool,
                script_language: dict[str, str | None]) -> tuple[str | None, bool]:
    """Phase 6, one block: (its language, whether it is chrome to remove). Outside the core a
    block in another language is chrome; inside it only when it also has the shape of chrome."""
    text, script, block = article.texts[i], article.scripts[i], article.blocks[i]
    article_script, language, vocabulary = article.script, article.language, article.vocabulary
    if script is None:
        return None, False
    shaped = False
    if script != article_script:
        shaped = inside and chrome_shaped(block, script)
        lang = script_language[script]
        counts = article.counts[i]
        if lang != language and article_script and counts.get(article_script) \
                and bilingual(text, article_script, foreign_scripts(counts, article_script), vocabulary):
            lang = language  # a bilingual caption: the article's
    elif inside and (block.kind == "head" or word_count(text, script) > SAME_SCRIPT_CHROME_MAX_WORDS):
        # Headings inside the core are the article's, and so is a block too long for chrome
        # in its script (same_script_language would say so: no need to ask its shape).
        lang = language
    elif not inside or (shaped := chrome_shaped(block, script, PROSE_MIN_WORDS)):
        # Outside the core, or a chrome-shaped line inside it (a tags line between the story
        # and the page's own trailing text).
        lang = same_script_language(text, article)
    else:
        lang = language
    if lang == language and not inside:
        found = foreign_scripts(article.counts[i], article_script)
        if found and label_first(text, found) and not bilingual(text, article_script, found, vocabulary):
            # A foreign label on article-script words ("关键词: drone, Baghdad") is chrome.
            script_name = sorted(found)[0]
            lang = SCRIPT_LANGUAGE.get(script_name) or script_language.get(script_name) or script_name.lower()
    return lang, lang is not None and lang != language and (not inside or shaped)


def judge_blocks(article: ArticleBlocks, core: tuple[int, int],
                 script_language: dict[str, str | None]) -> tuple[list[str | None], list[bool]]:
    """Phase 6: every block's language, and which blocks are chrome to remove (:func:`judge_block`)."""
    start, end = core
    judged = [judge_block(article, i, start <= i <= end, script_language) for i in range(len(article.blocks))]
    return [lang for lang, _ in judged], [chrome for _, chrome in judged]


def spread_along_runs(article: ArticleBlocks, prose: list[bool], languages: list[str | None],
                      foreign: list[bool]) -> None:
    """Phase 7: chrome comes in runs (a "related" heading over its list, an editor line under a
    tags line). A short neighbour of removed chrome in the article's script that is not written
    with the article's words goes too (``languages`` and ``foreign`` are updated) when the
    detector names its neighbour's language, however unsure, or when it is chrome-shaped and the
    neighbour's language is at least :data:`RUN_RELATIVE_PROBABILITY` as likely as the article's
    ("Compartir en Facebook, Twitter y WhatsApp": the brand names pull it towards English;
    "Photo via Pexels" next to German chrome stays: German is far less likely)."""
    n = len(article.blocks)
    script, language = article.script, article.language
    changed = True
    while changed:
        changed = False
        for i in range(n):
            if foreign[i] or article.scripts[i] != script or prose[i] or languages[i] is None:
                continue
            # Same-script runs only: a heading next to Arabic chrome is no part of it.
            neighbours = {languages[j] for j in (i - 1, i + 1)
                          if 0 <= j < n and foreign[j] and article.scripts[j] == script}
            text = article.texts[i]
            judged = judged_text(text)
            if script in SHORT_LINE_UNDECIDED_SCRIPTS and len(WORD_RE.findall(judged or "")) < MIN_WORDS_FOR_DETECTOR:
                judged = None  # its language cannot be told from its neighbours' (see the constant)
            if not neighbours or not judged or word_count(text, script) > SAME_SCRIPT_CHROME_MAX_WORDS \
                    or shares_vocabulary(text, article.vocabulary):
                continue
            found_language, _ = classify(judged, script, language)
            if found_language in neighbours and found_language != language:
                languages[i], foreign[i], changed = found_language, True, True
                continue
            if article.blocks[i].kind == "head" or not chrome_shaped(article.blocks[i], script, PROSE_MIN_WORDS):
                continue
            likely = probabilities(judged, candidates(script, language))
            neighbour = max(sorted(lang for lang in neighbours if lang), key=lambda lang: likely.get(lang, 0.0))
            if likely.get(neighbour, 0.0) >= RUN_RELATIVE_PROBABILITY * likely.get(language, 0.0):
                languages[i], foreign[i], changed = neighbour, True, True


def chrome_languages(article: ArticleBlocks, languages: list[str | None], foreign: list[bool], runs: list[str],
                     tails: list[tuple[str, str]], script_language: dict[str, str | None],
                     outside_blocks: list[str]) -> list[str]:
    """Phase 8: the languages other than the article's of the chrome removed (blocks, runs and
    tails cut) and of the page's text outside the article, sorted."""
    language = article.language
    chrome: Counter = Counter(lang for lang, f in zip(languages, foreign) if f and lang)
    chrome.update(lang for _, lang in tails)
    # Runs cut out of paragraphs: a script's language as the page's blocks gave it, else one
    # classification of all the runs of that script (a short run alone is too little: see
    # SHORT_LINE_UNDECIDED_SCRIPTS).
    runs_by_script: dict[str, list[str]] = {}
    for run in runs:
        if script := dominant_script(run):
            runs_by_script.setdefault(script, []).append(run)
    for script, script_runs in runs_by_script.items():
        chrome[SCRIPT_LANGUAGE.get(script) or script_language.get(script)
               or foreign_script_language(" ".join(script_runs), script, language) or script.lower()] += len(script_runs)
    chrome.update(outside_languages(outside_blocks, article.script, language, article.vocabulary))
    return sorted(lang for lang in chrome if lang and lang != language)


def analyse_languages(article_blocks: list[Block], outside_blocks: list[str] | None = None) -> LanguageResult:
    """The article's language, every block's language, foreign chrome removed, chrome languages."""
    if not article_blocks:
        return LanguageResult(None, None, [], [])
    article = read_article(article_blocks)
    runs = cut_foreign_runs(article)
    tails = cut_glued_tails(article)
    script_language = other_script_languages(article)
    prose = article.prose if article.prose is not None else prose_blocks(article)  # after the cuts
    languages, foreign = judge_blocks(article, find_core(article, prose), script_language)
    spread_along_runs(article, prose, languages, foreign)
    found = chrome_languages(article, languages, foreign, runs, tails, script_language, outside_blocks or [])
    removed = [t for t, f in zip(article.texts, foreign) if f]
    cut = runs + [tail for tail, _ in tails]
    repairs = []
    if removed:
        repairs.append(Repair("language", "foreign_chrome", len(removed), tuple(t[:60] for t in removed[:3])))
    if cut:
        repairs.append(Repair("language", "foreign_chrome_inline", len(cut), tuple(r[:60] for r in cut[:3])))
    return LanguageResult(article.language, article.confidence,
                          [b for b, f in zip(article.blocks, foreign) if not f],
                          [lang for lang, f in zip(languages, foreign) if not f],
                          found, repairs, languages)
