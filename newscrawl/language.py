"""Language stage: the article's language, each block's language, and foreign page chrome.

Fast path first: most foreign chrome around a syndicated story is in another *script* (a Chinese
portal around an English story), and a script is read off the code points for free. langdetect
(~1 ms a call, and unreliable on short text) is called only where script cannot decide: the
article's own language, and Latin-script blocks at the body's edges long enough to judge.

Chrome that survived extraction sits at the *edges* of the body (source lines and breadcrumbs
before it, tags, keywords and footers after it). Contiguous runs of foreign-language blocks at
either edge are removed; a foreign-language block *inside* the article (a quote in Arabic, a
Chinese name with its gloss) is kept, because that is where real multilingual article text lives.

``chrome_languages`` lists the languages of the page text outside the article (and of removed
blocks) that differ from the article's language, so analysts can find "English stories
republished by Chinese portals".

langdetect is seeded (its results are random otherwise) and never called on fewer than
:data:`MIN_WORDS_FOR_DETECTOR` words, or on text without letters.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from newscrawl.block import Block
from newscrawl.record import Repair

MIN_WORDS_FOR_DETECTOR = 4
#: Probability langdetect must give a different language before an edge block is removed on its
#: word alone (same-script chrome); below that the block stays.
SAME_SCRIPT_REMOVAL_PROBABILITY = 0.95
#: Characters given to langdetect: its cost grows with the text, and its answer on a news article
#: is stable well before this many.
DETECTOR_SAMPLE_CHARS = 800
#: langdetect averages this many random trials (its default is 7). Measured on the 709 dev
#: articles: 3 trials on 800 characters agree with 7 trials on 3000 characters on every page,
#: at a quarter of the cost (~2.5 ms instead of ~9 ms a call).
DETECTOR_TRIALS = 3
DETECTOR_SEED = 0
#: Same-script chrome (a Spanish "Lo más leído" list around an English story) is short: labels,
#: menus, tag lines. An edge block longer than this in the article's script is taken to be in the
#: article's language without a detector call (each costs ~10 ms on this machine).
SAME_SCRIPT_CHROME_MAX_WORDS = 30

# Character classes of the scripts that decide a language or a family. Counting with compiled
# regular expressions keeps the per-character loop in C: this runs on every block of every page.
_SCRIPT_CLASSES = {
    "Latin": r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff",
    "Greek": r"\u0370-\u03ff",
    "Cyrillic": r"\u0400-\u052f",
    "Hebrew": r"\u0590-\u05ff",
    "Arabic": r"\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff",
    "Devanagari": r"\u0900-\u097f",
    "Thai": r"\u0e00-\u0e7f",
    "Kana": r"\u3040-\u30ff",
    "Han": r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
    "Hangul": r"\uac00-\ud7af\u1100-\u11ff",
}
_SCRIPT_RES = {name: re.compile(f"[{cls}]") for name, cls in _SCRIPT_CLASSES.items()}
_NON_LATIN_RE = re.compile(
    "[" + "".join(cls for name, cls in _SCRIPT_CLASSES.items() if name != "Latin") + "]"
)
# Scripts that name one language (Han alone is Chinese; Han with Kana is Japanese).
_SCRIPT_LANGUAGE = {"Han": "zh", "Kana": "ja", "Hangul": "ko", "Greek": "el", "Hebrew": "he",
                    "Thai": "th"}
_WORD_RE = re.compile(r"[^\W\d_]+")
# One CJK character carries about as much text as a short word (2-3 Latin letters); counting it
# that much keeps a Chinese article with English chrome a Chinese article.
_SCRIPT_WEIGHT = {"Han": 3, "Kana": 3, "Hangul": 3}


@dataclass(slots=True)
class LanguageResult:
    language: str | None
    confidence: float | None
    blocks: list[Block]
    block_languages: list[str | None]
    chrome_languages: list[str] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)


def script_counts(text: str) -> Counter:
    """Letters per script, CJK characters weighted (see ``_SCRIPT_WEIGHT``)."""
    counts: Counter = Counter()
    latin = len(_SCRIPT_RES["Latin"].findall(text))
    if latin:
        counts["Latin"] = latin
    if not text.isascii() and _NON_LATIN_RE.search(text):
        for script, regex in _SCRIPT_RES.items():
            if script != "Latin" and (n := len(regex.findall(text))):
                counts[script] = n * _SCRIPT_WEIGHT.get(script, 1)
    return counts


def dominant_script(text: str) -> str | None:
    return _dominant(script_counts(text))


def _dominant(counts: Counter) -> str | None:
    if not counts:
        return None
    counts = Counter(counts)
    if counts.get("Kana") and counts.get("Han"):
        # Japanese mixes kana and kanji; count them as one script.
        counts["Kana"] += counts.pop("Han")
    return counts.most_common(1)[0][0]


@lru_cache(maxsize=1)
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = DETECTOR_SEED
    return factory


def detect(text: str) -> tuple[str | None, float | None]:
    """(ISO 639-1 language, probability) or (None, None) when the text cannot be judged."""
    script = dominant_script(text)
    if script is None:
        return None, None
    if script in _SCRIPT_LANGUAGE:
        return _SCRIPT_LANGUAGE[script], 1.0
    if script in ("Latin", "Cyrillic", "Arabic", "Devanagari"):
        # Several languages share these scripts: only a detector can tell, and only on enough words.
        if len(_WORD_RE.findall(text)) < MIN_WORDS_FOR_DETECTOR:
            return None, None
        return _detect_sample(text[:DETECTOR_SAMPLE_CHARS])
    return None, None


@lru_cache(maxsize=4096)
def _detect_sample(sample: str) -> tuple[str | None, float | None]:
    # Cached on the exact sample: a site's chrome (menus, footers) is the same text on every page
    # of a crawl, and a seeded detector gives the same answer for the same text.
    detector = _factory().create()
    detector.n_trial = DETECTOR_TRIALS
    detector.append(sample)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return None, None
    lang = best.lang.split("-")[0]  # zh-cn / zh-tw -> zh
    return lang, round(best.prob, 4)


#: A block whose words are mostly words of the article itself is in the article's language and
#: needs no detector call: langdetect misjudges short text (it called an English headline
#: Norwegian with p > 0.95), and a real same-script chrome line ("Lo más leído", "Startseite")
#: shares almost no words with an English article.
VOCABULARY_MIN_SHARE = 0.5


def article_vocabulary(text: str) -> Counter:
    return Counter(w.casefold() for w in _WORD_RE.findall(text))


def shares_vocabulary(text: str, vocabulary: Counter) -> bool:
    """Whether most of the block's words occur in the article *elsewhere* than in the block."""
    words = Counter(w.casefold() for w in _WORD_RE.findall(text))
    total = sum(words.values())
    if not total or not vocabulary:
        return False
    shared = sum(n for w, n in words.items() if vocabulary[w] > n)
    return shared >= 2 and shared >= VOCABULARY_MIN_SHARE * total


def _block_language(block: str, script: str | None, article_script: str | None,
                    article_language: str | None, judge_same_script: bool,
                    vocabulary: Counter | None = None) -> str | None:
    if script is None:
        return None
    if script != article_script:
        language, _ = detect(block)
        return language or script.lower()
    if (judge_same_script and len(block.split()) <= SAME_SCRIPT_CHROME_MAX_WORDS
            and not shares_vocabulary(block, vocabulary or Counter())):
        language, prob = detect(block)
        if language and language != article_language and (prob or 0) >= SAME_SCRIPT_REMOVAL_PROBABILITY:
            return language
    return article_language


#: A prose paragraph: this many words (CJK: characters / 2) in the article's script.
PROSE_MIN_WORDS = 12


def _is_prose(text: str, script: str | None) -> bool:
    if script in ("Han", "Kana", "Hangul"):
        return len(text) >= 2 * PROSE_MIN_WORDS
    return len(text.split()) >= PROSE_MIN_WORDS


def _foreign_scripts(text: str, article_script: str | None) -> set[str]:
    found = set()
    for script, n in script_counts(text).items():
        if script != article_script and not (article_script == "Kana" and script == "Han") \
                and n >= 2 * _SCRIPT_WEIGHT.get(script, 1):
            found.add(script)
    return found


def _has_foreign_script(text: str, article_script: str | None) -> bool:
    return not text.isascii() and bool(_foreign_scripts(text, article_script))


def analyse_languages(article_blocks: list[Block], outside_blocks: list[str] | None = None) -> LanguageResult:
    """Detect the article language, per-block languages, strip foreign chrome at the edges."""
    if not article_blocks:
        return LanguageResult(None, None, [], [])
    blocks = [b.text for b in article_blocks]
    block_counts = [script_counts(b) for b in blocks]  # once per block: it is the costly part
    block_scripts = [_dominant(c) for c in block_counts]
    article_script = _dominant(sum(block_counts, Counter()))
    article_text = "\n".join(b for b, s in zip(blocks, block_scripts) if s == article_script)
    language, confidence = detect(article_text)
    vocabulary = article_vocabulary(article_text)

    n = len(blocks)
    languages: list[str | None] = [None] * n
    foreign = [False] * n
    # The article's core runs from its first to its last prose paragraph in the article's script.
    # Outside the core (title repeats, source and date lines, tags, keywords) a block with text in
    # another language is chrome; inside it, it is the article's own (a quote, a name, a gloss).
    prose = [s == article_script and _is_prose(b, s) for b, s in zip(blocks, block_scripts)]

    def in_article_language(i: int) -> bool:
        if shares_vocabulary(blocks[i], vocabulary):
            return True
        return detect(blocks[i])[0] in (language, None)

    core_start = next((i for i in range(n) if prose[i] and in_article_language(i)), n)
    core_end = next((i for i in range(n - 1, core_start - 1, -1) if prose[i] and in_article_language(i)), -1)
    for i in range(n):
        inside = core_start <= i <= core_end
        lang = _block_language(blocks[i], block_scripts[i], article_script, language,
                               judge_same_script=not inside, vocabulary=vocabulary)
        if not inside and lang == language and _has_foreign_script(blocks[i], article_script):
            # A foreign label on article-script words ("关键词: drone, Baghdad") is chrome too.
            script = sorted(_foreign_scripts(blocks[i], article_script))[0]
            lang = _SCRIPT_LANGUAGE.get(script, script.lower())
        languages[i] = lang
        foreign[i] = not inside and lang is not None and lang != language

    kept = [b for b, f in zip(article_blocks, foreign) if not f]
    kept_languages = [lang for lang, f in zip(languages, foreign) if not f]
    removed = [b for b, f in zip(blocks, foreign) if f]
    chrome: Counter = Counter(lang for lang, f in zip(languages, foreign) if f and lang)
    outside_by_script: dict[str, list[str]] = {}
    for block in outside_blocks or []:
        # ASCII text is Latin (or no script at all): no need to count scripts for it.
        if block.isascii():
            script = "Latin" if _SCRIPT_RES["Latin"].search(block) else None
        else:
            script = dominant_script(block)
        if script:
            outside_by_script.setdefault(script, []).append(block)
    for script, texts in outside_by_script.items():
        if script == article_script:
            # Menus of one or two words are no evidence of a language (and langdetect guesses
            # on word salad); phrases and sentences are. Same-script chrome needs them.
            texts = [t for t in texts if len(t.split()) >= MIN_WORDS_FOR_DETECTOR]
            if not texts or shares_vocabulary(" ".join(texts)[:DETECTOR_SAMPLE_CHARS], vocabulary):
                continue  # none, or written with the article's own words: its language
        lang, _ = detect(" ".join(texts))
        if lang:
            chrome[lang] += len(texts)
    chrome_languages = sorted(lang for lang in chrome if lang != language)
    repairs = []
    if removed:
        repairs.append(Repair("language", "foreign_chrome", len(removed),
                              tuple(b[:60] for b in removed[:3])))
    return LanguageResult(language, confidence, kept, kept_languages, chrome_languages, repairs)
