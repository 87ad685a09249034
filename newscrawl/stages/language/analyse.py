"""Language stage: the article's language, each block's language, and foreign page chrome.

**Detectors.** Scripts first: most foreign chrome around a syndicated story is in another
*script* (a Chinese portal around an English story), and a script is read off the code points
for free. Two detectors do the rest, each where it was measured to be the better choice
(``python benchmarks/language.py``, figures in README and docs/measurements.md):

* the article's own language: py3langid over all its 97 languages on a sample of the article's
  text (:data:`DETECTOR_SAMPLE_CHARS`); where it is less sure than :data:`ARTICLE_PROBABILITY`,
  langdetect (the detector the design names, seeded) decides. On the 716 article samples of the
  evidence set both are right on every one, py3langid at a fifth of the cost (0.3 against
  1.4 ms), so langdetect runs on the few pages py3langid finds hard. Never on fewer than
  :data:`MIN_WORDS_FOR_DETECTOR` words or on text without letters;
* everything else a script cannot decide (a Spanish tags line at the edge of an English story, the
  language of a block of Cyrillic chrome): py3langid restricted to the candidate languages of
  that script (:data:`SCRIPT_CANDIDATES`) plus the article's. On short same-script lines it is
  more accurate than langdetect (0.96 against 0.90 exact on 556 labelled lines, 0.80 against 0.58
  on lines of one to three words) at a fifteenth of the cost (~0.17 ms against ~2.6 ms a call);
  lingua restricted the same way is as accurate but 2.4x slower.

**Where chrome is.** Chrome that survived extraction sits mostly at the *edges* of the body
(source lines and breadcrumbs before the article, tags, keywords, editor lines and related lists
after it). The article's *core* runs from its first to its last prose paragraph in the article's
language. Outside the core, a block in another language is chrome and is removed. Inside the
core a block in another language is kept (a quote in Arabic, a name, a bilingual caption are the
article's) unless it has the *shape* of chrome: a label line ("标签：..."), a list or a block
that is mostly links, a breadcrumb or menu with separators, a copyright line, or a short line
without sentence punctuation or quotes. Where extraction flattened a whole page into one huge
block, long unquoted runs of a foreign script inside it are cut out (:data:`FLATTENED_MIN_WORDS`).

``chrome_languages`` lists the languages of the page text outside the article (and of removed
blocks) that differ from the article's language, so analysts can find "English stories
republished by Chinese portals".
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from newscrawl.model import Block, Repair

MIN_WORDS_FOR_DETECTOR = 4
#: Characters given to langdetect: its cost grows with the text, and its answer on a news article
#: is stable well before this many.
DETECTOR_SAMPLE_CHARS = 800
#: langdetect averages this many random trials (its default is 7). Measured on the 709 dev
#: articles: 3 trials on 800 characters agree with 7 trials on 3000 characters on every page,
#: at a quarter of the cost (~2.5 ms instead of ~9 ms a call).
DETECTOR_TRIALS = 3
DETECTOR_SEED = 0
#: py3langid's probability (normalized over its 97 languages) at or above which its answer is the
#: article's language without asking langdetect. On the 709 dev articles 707 samples score above
#: 0.99 and the lowest two 0.84 and 0.87 (both English, and langdetect agrees): the threshold
#: sends only such unsure samples to the slower detector.
ARTICLE_PROBABILITY = 0.95
#: The languages py3langid chooses among, per script, beside the article's own language: the
#: languages whose portals carry syndicated news in that script. A restricted choice is both
#: more accurate on short lines (no Frisian or Latin answers for "Startseite") and cheaper.
SCRIPT_CANDIDATES = {
    "Latin": ("en", "es", "fr", "de", "it", "pt", "nl"),
    "Cyrillic": ("ru", "uk", "bg", "sr"),
    "Arabic": ("ar", "fa", "ur"),
    "Devanagari": ("hi", "mr", "ne"),
}
#: Probability (among the candidates) py3langid must give another language before a block in
#: the article's script is taken to be in that language; below it the block is the article's.
#: Chosen on the evidence set: English edge lines are kept at this level, es/fr/de chrome goes.
SAME_SCRIPT_PROBABILITY = 0.8
#: Scripts whose candidate languages py3langid cannot tell apart on a line of fewer than
#: MIN_WORDS_FOR_DETECTOR words: on the Russian chrome lines of the evidence set it is right on 11
#: of 22 short lines (the rest bg, uk or sr) and on 13 of 13 longer ones; the Arabic script's
#: candidates differ in letters (22 of 22 short lines right), Latin ones 0.80 on one to three
#: words (README). A short line in such a script takes the page's language of the script: the
#: article's in the article's script, otherwise the one classification of all the page's text in
#: that script.
SHORT_LINE_UNDECIDED_SCRIPTS = frozenset({"Cyrillic"})
#: The language an unsure classification of such a script's text reports (see
#: :func:`foreign_script_language`): the one most text in the script is written in.
SCRIPT_DEFAULT_LANGUAGE = {"Cyrillic": "ru"}
#: A one-word line in the article's script is judged only from this many letters: "Startseite",
#: "Accueil" and "Inicio" are menu words a detector knows, "Jan" or "Blog" are anybody's.
SINGLE_WORD_MIN_LETTERS = 6
#: Same-script chrome is short: labels, menus, tag lines, headlines. A block longer than this in
#: the article's script is taken to be in the article's language without a detector call.
SAME_SCRIPT_CHROME_MAX_WORDS = 30
#: Page text outside the article in the article's script is judged block by block (a Spanish
#: portal's header around an English story); at most this many blocks, half from the top of the
#: page and half from the bottom, where portal chrome is.
OUTSIDE_SAME_SCRIPT_MAX_CALLS = 12
#: A block this long is a page that extraction flattened into one block, not a paragraph.
FLATTENED_MIN_WORDS = 400
#: A foreign-script run inside a flattened block, or glued to the start or end of a paragraph, is
#: chrome from this many weighted letters (about six words, or eight CJK characters); shorter
#: runs are names and glosses.
INLINE_RUN_MIN_LETTERS = 24

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


#: Names of languages in their own script, as language switchers list them ("日本語", "Español"):
#: an English site's language menu is no foreign chrome.
LANGUAGE_ENDONYMS = frozenset({
    "english", "español", "français", "deutsch", "italiano", "português", "nederlands", "русский",
    "українська", "العربية", "عربي", "فارسی", "中文", "简体中文", "繁體中文", "繁体中文", "日本語",
    "한국어", "हिन्दी", "türkçe", "polski", "ελληνικά", "עברית", "ไทย", "tiếng việt",
})


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


_DELETE_ASCII_LETTERS = str.maketrans("", "", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def script_counts(text: str) -> Counter:
    """Letters per script, CJK characters weighted (see ``_SCRIPT_WEIGHT``)."""
    counts: Counter = Counter()
    # ASCII letters are counted by deleting them (str.translate runs in C without building a list
    # of matches); only the rest, short in most text, goes through the regular expressions.
    rest = text.translate(_DELETE_ASCII_LETTERS)
    latin = len(text) - len(rest)
    if not rest.isascii():
        latin += len(_SCRIPT_RES["Latin"].findall(rest))
        if _NON_LATIN_RE.search(rest):
            for script, regex in _SCRIPT_RES.items():
                if script != "Latin" and (n := len(regex.findall(rest))):
                    counts[script] = n * _SCRIPT_WEIGHT.get(script, 1)
    if latin:
        counts["Latin"] = latin
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


# --- detectors --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = DETECTOR_SEED
    return factory


def detect(text: str, script: str | None = None) -> tuple[str | None, float | None]:
    """(ISO 639-1 language, probability) of a text, or (None, None) when it cannot be judged.

    Script first (``script`` when the caller knows it already); langdetect only for scripts
    several languages share, on enough words.
    """
    script = script or dominant_script(text)
    if script is None:
        return None, None
    if script in _SCRIPT_LANGUAGE:
        return _SCRIPT_LANGUAGE[script], 1.0
    if script in SCRIPT_CANDIDATES:
        if len(_WORD_RE.findall(text[:DETECTOR_SAMPLE_CHARS])) < MIN_WORDS_FOR_DETECTOR:
            return None, None
        return _article_language(_INVISIBLE_RE.sub("", text[:DETECTOR_SAMPLE_CHARS]))
    return None, None


@lru_cache(maxsize=4096)
def _article_language(sample: str) -> tuple[str | None, float | None]:
    language, probability = _py3langid_model().classify(sample)
    if probability >= ARTICLE_PROBABILITY:
        return language, round(float(probability), 4)
    return _detect_sample(sample)


@lru_cache(maxsize=4096)
def _detect_sample(sample: str) -> tuple[str | None, float | None]:
    # Cached on the exact sample: a seeded detector gives the same answer for the same text.
    detector = _factory().create()
    detector.n_trial = DETECTOR_TRIALS
    detector.append(sample)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return None, None
    lang = best.lang.split("-")[0]  # zh-cn / zh-tw -> zh
    return lang, round(best.prob, 4)


@lru_cache(maxsize=1)
def _py3langid_model():
    # Loading the model takes about a second (it is decompressed): once per process.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=64)
def _identifier(candidates: tuple[str, ...]):
    # A shallow copy restricted to the candidates: set_languages rebinds the copy's arrays (sliced
    # from the full model, which stays shared), so one loaded model serves every candidate set.
    identifier = copy.copy(_py3langid_model())
    identifier.set_languages(list(candidates))
    return identifier


def _candidates(script: str, article_language: str | None) -> tuple[str, ...]:
    known = set(SCRIPT_CANDIDATES.get(script, ()))
    if article_language and article_language in _py3langid_languages():
        known.add(article_language)
    return tuple(sorted(known))


@lru_cache(maxsize=1)
def _py3langid_languages() -> list[str]:
    return list(_py3langid_model().nb_classes)  # the full model is never restricted


# Invisible format characters (zero-width spaces and joiners, soft hyphens, direction marks, BOM):
# no language has them, but a detector counts them in its n-grams (seven zero-width spaces after
# "CEO:" made py3langid call an English line with a name Spanish at 0.93).
_INVISIBLE_RE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def classify(text: str, script: str, article_language: str | None = None) -> tuple[str | None, float | None]:
    """(language, probability) among the candidates of ``script`` and the article's language.

    py3langid judges short lines (one to three words) far better than langdetect (measured), so
    there is no minimum length here beyond having letters.
    """
    if script not in SCRIPT_CANDIDATES or not _WORD_RE.search(text):
        return None, None
    return _classify_sample(_INVISIBLE_RE.sub("", text[:DETECTOR_SAMPLE_CHARS]), _candidates(script, article_language))


def foreign_script_language(text: str, script: str, article_language: str | None) -> str | None:
    """The language of a page's text in a script other than the article's (all of it at once).

    Where the script's candidates are close languages that py3langid tells apart only on
    longer text (SHORT_LINE_UNDECIDED_SCRIPTS), an unsure answer (below SAME_SCRIPT_PROBABILITY)
    is the script's most used language (SCRIPT_DEFAULT_LANGUAGE): a Russian portal's menu words
    ("Карта сайта", "Вакансии") come out Bulgarian at ~0.5."""
    found, probability = classify(text, script, article_language)
    if script in SHORT_LINE_UNDECIDED_SCRIPTS and found != article_language \
            and (probability or 0) < SAME_SCRIPT_PROBABILITY:
        return SCRIPT_DEFAULT_LANGUAGE[script]
    return found


#: See the run rule in :func:`analyse_languages`.
RUN_RELATIVE_PROBABILITY = 0.5


@lru_cache(maxsize=1024)
def _probabilities(text: str, candidates: tuple[str, ...]) -> dict[str, float]:
    sample = _INVISIBLE_RE.sub("", text[:DETECTOR_SAMPLE_CHARS])
    return {lang: float(p) for lang, p in _identifier(candidates).rank(sample)}


@lru_cache(maxsize=8192)
def _classify_sample(sample: str, candidates: tuple[str, ...]) -> tuple[str | None, float | None]:
    # Cached: a site's menus and footers are the same text on every page of a crawl.
    language, probability = _identifier(candidates).classify(sample)
    return language, round(probability, 4)


def load_models() -> None:
    """Load both detectors' models now (about a second, py3langid's decompression most of it).
    A crawl calls it when it opens, so that its first page does not pay: a crawler that stalls
    on its first page while another shares its frontier leaves all the work to the other."""
    _factory()
    _py3langid_model()


def clear_caches() -> None:
    """Forget cached detector answers (benchmarks measure each page's calls in full)."""
    _article_language.cache_clear()
    _detect_sample.cache_clear()
    _classify_sample.cache_clear()
    _probabilities.cache_clear()


#: A block whose words are mostly words of the article itself is in the article's language and
#: needs no detector call: detectors misjudge short text (langdetect called an English headline
#: Norwegian with p > 0.95), and a real same-script chrome line ("Lo más leído", "Startseite")
#: shares almost no words with an English article.
VOCABULARY_MIN_SHARE = 0.5


def article_vocabulary(text: str) -> Counter:
    return Counter(_WORD_RE.findall(text.casefold()))


def shares_vocabulary(text: str, vocabulary: Counter) -> bool:
    """Whether most of the block's words occur in the article *elsewhere* than in the block."""
    words = Counter(w.casefold() for w in _WORD_RE.findall(text))
    total = sum(words.values())
    if not total or not vocabulary:
        return False
    shared = sum(n for w, n in words.items() if vocabulary[w] > n)
    return shared >= 2 and shared >= VOCABULARY_MIN_SHARE * total


# --- shapes -----------------------------------------------------------------------------------

#: A prose paragraph: this many words (CJK: characters / 2) in the article's script.
PROSE_MIN_WORDS = 12
_CJK = ("Han", "Kana", "Hangul")
# A short label and a colon opening the line: "标签：", "Tags:", "Теги:", "Quelle :".
_LABEL_RE = re.compile(r"^[\W\d_]*[^\W\d_][^:：\n]{0,16}[:：]")
_QUOTE_CHARS = frozenset("\"“”„«»「」『』‘’‹›")
_QUOTE_RE = re.compile("[" + re.escape("".join(sorted(_QUOTE_CHARS))) + "]")
_SEPARATOR_RE = re.compile(r"\s[>|/·»›]\s|\s[|]|[|]\s")
_SENTENCE_END_RE = re.compile(r"[.!?。！？؟…]")
_SENTENCE_ENDS = frozenset(".!?…")
# The text after a paragraph's last sentence end, when it has no sentence end of its own.
_GLUED_TAIL_RE = re.compile(r"[.!?…。！？][\"”’»)\]]*\s+([^.!?…。！？\n]+?)\s*$")
_TAIL_FREE_ENDS = frozenset(".!?…。！？")
_COPYRIGHT_RE = re.compile(r"©|\(c\)|ICP备|公网安备", re.IGNORECASE)


def _length(text: str, script: str | None) -> int:
    """Words, counting two CJK characters as one word."""
    if script in _CJK:
        return len(text) // 2
    return len(_WORD_RE.findall(text))


def _is_prose(block: Block, script: str | None) -> bool:
    if block.kind not in ("p", "quote") or block.link_ratio >= 0.5:
        return False
    if script not in _CJK:
        # Whitespace tokens first (cheap): far fewer than the bar, or twice as many, settle it.
        tokens = len(block.text.split())
        if tokens < PROSE_MIN_WORDS:
            return False
        if tokens >= 2 * PROSE_MIN_WORDS:
            return True
    return _length(block.text, script) >= PROSE_MIN_WORDS


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
    return not quoted and not _SENTENCE_END_RE.search(text) and _length(text, script) <= max_words


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
    Read Stories"). Detectors cannot tell these lines: two or three Title Case words give
    py3langid 0.3-0.7 for English, no more than personal names give for any language."""
    words = [w.casefold() for w in _WORD_RE.findall(text)]
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
    text = _INVISIBLE_RE.sub("", text).strip()
    match = _NAMES_LINE_RE.match(text)
    if not match or any(w in CHROME_WORDS for w in _WORD_RE.findall(match.group("names").casefold())):
        return text
    label = (match.group("label") or "").strip()
    words = _WORD_RE.findall(label)
    if not words or label.isupper() or (len(words) == 1 and len(words[0]) < SINGLE_WORD_MIN_LETTERS):
        return None
    return label


def _foreign_scripts(counts: Counter, article_script: str | None) -> set[str]:
    return {script for script, n in counts.items()
            if script != article_script and not (article_script == "Kana" and script == "Han")
            and n >= 2 * _SCRIPT_WEIGHT.get(script, 1)}


def _script_regex(scripts: set[str]) -> re.Pattern:
    return re.compile("[" + "".join(_SCRIPT_CLASSES[s] for s in sorted(scripts)) + "]")


def _script_words(text: str, script: str) -> int:
    regex = _SCRIPT_RES[script]
    if script in _CJK:
        return len(regex.findall(text)) // 2
    return sum(1 for w in _WORD_RE.findall(text) if regex.match(w))


def _bilingual(text: str, article_script: str, foreign: set[str], vocabulary: Counter) -> bool:
    """A caption or quote given in two languages: a sentence in each, and the article-script part
    about the story (it shares the article's words). A chrome line with a foreign label has a
    short foreign part; a foreign chrome line with a brand name has no article words."""
    foreign_words = sum(_script_words(text, s) for s in foreign)
    article_part = " ".join(w for w in _WORD_RE.findall(text) if _SCRIPT_RES[article_script].match(w))
    if article_script in _CJK:
        article_part = "".join(_SCRIPT_RES[article_script].findall(text))
    return (foreign_words >= MIN_WORDS_FOR_DETECTOR
            and _length(article_part, article_script) >= MIN_WORDS_FOR_DETECTOR
            and (article_script in _CJK or shares_vocabulary(article_part, vocabulary)))


def _label_first(text: str, foreign: set[str]) -> bool:
    """Whether the first letter of the block is of a foreign script ("关键词: drone, Baghdad")."""
    first = re.search(r"[^\W\d_]", text)
    return bool(first) and bool(_script_regex(foreign).match(first.group()))


def _cut_inline_runs(text: str, article_script: str, edges_only: bool = False) -> tuple[str, list[str]]:
    """Long unquoted foreign-script runs cut out of a block: (text, runs cut). ``edges_only``:
    only a run that opens or closes the block (chrome glued to a paragraph by extraction)."""
    foreign = {s for s in _SCRIPT_CLASSES if s != article_script
               and not (article_script == "Kana" and s == "Han") and not (article_script == "Han" and s == "Kana")}
    cls = "".join(_SCRIPT_CLASSES[s] for s in sorted(foreign))
    run_re = re.compile(f"[{cls}](?:[{cls}\\s\\d\\W_]*[{cls}])?")
    cut: list[str] = []
    pieces, last = [], 0
    for m in run_re.finditer(text):
        run = m.group()
        before = text[:m.start()].rstrip()[-1:]
        after = text[m.end():].lstrip()[:1]
        if sum(script_counts(run).values()) < INLINE_RUN_MIN_LETTERS or (before and before in _QUOTE_CHARS | set("(（[")) \
                or (after and after in _QUOTE_CHARS | set(")）]")):
            continue
        if edges_only and _SCRIPT_RES[article_script].search(text[:m.start()]) \
                and _SCRIPT_RES[article_script].search(text[m.end():]) \
                and not (article_script not in _CJK and text[:m.start()][-1:] in _SENTENCE_ENDS):
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


# --- the stage --------------------------------------------------------------------------------


def analyse_languages(article_blocks: list[Block], outside_blocks: list[str] | None = None) -> LanguageResult:
    """The article's language, every block's language, foreign chrome removed, chrome languages."""
    if not article_blocks:
        return LanguageResult(None, None, [], [])
    blocks = list(article_blocks)
    texts = [b.text for b in blocks]
    block_counts = [script_counts(t) for t in texts]  # once per block: it is the costly part
    block_scripts = [_dominant(c) for c in block_counts]
    article_script = _dominant(sum(block_counts, Counter()))
    if article_script == "Kana":
        # A Japanese line written in kanji only is still Japanese.
        block_scripts = ["Kana" if s == "Han" else s for s in block_scripts]
    article_text = "\n".join(t for t, s in zip(texts, block_scripts) if s == article_script)
    language, confidence = detect(article_text, article_script)
    # The article's own words: its prose paragraphs (chrome lines left in the body, such as a
    # copyright line naming the portal, must not vouch for the portal's other lines).
    prose = [s == article_script and _is_prose(b, s) for b, s in zip(blocks, block_scripts)]
    vocabulary = article_vocabulary("\n".join(t for t, p in zip(texts, prose) if p) or article_text)
    n = len(blocks)
    removed_inline: list[str] = []
    glued_languages: list[str] = []  # languages of same-script tails cut (no script to tell)

    # Chrome that extraction glued into a paragraph is cut out of it first: anywhere in a page
    # flattened into one huge block, at the start or end of a prose paragraph (a caption with its
    # translation is shorter than prose, and stays whole).
    for i, text in enumerate(texts):
        if article_script in _SCRIPT_RES and block_scripts[i] == article_script \
                and _foreign_scripts(block_counts[i], article_script) \
                and _script_words(text, article_script) >= PROSE_MIN_WORDS:
            new_text, cut = _cut_inline_runs(text, article_script,
                                             edges_only=len(text.split()) < FLATTENED_MIN_WORDS)
            if cut:
                blocks[i], texts[i] = blocks[i].with_text(new_text), new_text
                block_counts[i] = script_counts(new_text)
                removed_inline += cut
    if language and article_script in SCRIPT_CANDIDATES:
        # Same-script chrome glued after a paragraph's last sentence ("... you may qualify for.
        # Mots-clés : politique, économie"): the unpunctuated tail is judged on its own.
        for i, text in enumerate(texts):
            # (A block that ends on a sentence end has no such tail: most paragraphs, no search.)
            tail = _GLUED_TAIL_RE.search(text) if block_scripts[i] == article_script \
                and text.rstrip()[-1:] not in _TAIL_FREE_ENDS else None
            if not tail or not MIN_WORDS_FOR_DETECTOR <= _length(tail.group(1), article_script) <= SAME_SCRIPT_CHROME_MAX_WORDS \
                    or _length(text[:tail.start(1)], article_script) < PROSE_MIN_WORDS \
                    or shares_vocabulary(tail.group(1), vocabulary):
                continue
            found, probability = classify(tail.group(1), article_script, language)
            if found and found != language and (probability or 0) >= SAME_SCRIPT_PROBABILITY:
                new_text = text[:tail.start(1)].rstrip()
                blocks[i], texts[i] = blocks[i].with_text(new_text), new_text
                removed_inline.append(tail.group(1))
                glued_languages.append(found)

    # Blocks in other scripts: one classification per script for the whole page (portal chrome is
    # one language), a script's own language where the script names one.
    other_scripts = {s for s in block_scripts if s and s != article_script}
    script_language: dict[str, str | None] = {}
    for script in other_scripts:
        if script == "Han" and "Kana" in other_scripts:
            script_language[script] = "ja"  # kanji-only lines of Japanese chrome
        elif script in _SCRIPT_LANGUAGE:
            script_language[script] = _SCRIPT_LANGUAGE[script]
        else:
            joined = " ".join(t for t, s in zip(texts, block_scripts) if s == script)
            script_language[script] = foreign_script_language(joined, script, language) or script.lower()

    def same_script_language(i: int) -> str | None:
        """The language of a block in the article's script that may be chrome."""
        text = texts[i]
        if _length(text, article_script) > SAME_SCRIPT_CHROME_MAX_WORDS or shares_vocabulary(text, vocabulary):
            return language
        if language != "en" and english_furniture(text):
            return "en"
        text = judged_text(text)
        words = _WORD_RE.findall(text or "")
        if not words or (len(words) == 1 and len(words[0]) < SINGLE_WORD_MIN_LETTERS) \
                or (article_script in SHORT_LINE_UNDECIDED_SCRIPTS and len(words) < MIN_WORDS_FOR_DETECTOR):
            return language
        found, probability = classify(text, article_script, language)
        if found and found != language and (probability or 0) >= SAME_SCRIPT_PROBABILITY:
            return found
        return language

    # The core: first to last prose paragraph in the article's language.
    prose = [s == article_script and _is_prose(b, s) for b, s in zip(blocks, block_scripts)]  # after cuts
    core = [i for i in range(n) if prose[i]]
    core_start = core[0] if core else n
    core_end = core[-1] if core else -1
    if language and article_script in SCRIPT_CANDIDATES:
        # A prose paragraph in another language of the same script bounds no core (a Spanish
        # "about us" paragraph after an English story).
        while core_start <= core_end and same_script_language(core_start) != language:
            core_start = next((i for i in range(core_start + 1, core_end + 1) if prose[i]), n)
        while core_end >= core_start and same_script_language(core_end) != language:
            core_end = next((i for i in range(core_end - 1, core_start - 1, -1) if prose[i]), -1)

    languages: list[str | None] = [None] * n
    foreign = [False] * n
    for i in range(n):
        text, script = texts[i], block_scripts[i]
        inside = core_start <= i <= core_end
        if script is None:
            continue
        shaped = False
        if script != article_script:
            shaped = inside and chrome_shaped(blocks[i], script)
            lang = script_language[script]
            counts = block_counts[i]
            if lang != language and article_script and counts.get(article_script) \
                    and _bilingual(text, article_script, _foreign_scripts(counts, article_script), vocabulary):
                lang = language  # a bilingual caption: the article's
        elif inside and (blocks[i].kind == "head" or _length(text, script) > SAME_SCRIPT_CHROME_MAX_WORDS):
            # Headings inside the core are the article's, and so is a block too long for chrome
            # in its script (same_script_language would say so: no need to ask its shape).
            lang = language
        elif not inside or (shaped := chrome_shaped(blocks[i], script, PROSE_MIN_WORDS)):
            # Outside the core, or a chrome-shaped line inside it (a tags line between the story
            # and the page's own trailing text); headings inside the core are the article's.
            lang = same_script_language(i)
        else:
            lang = language
        if lang == language and not inside:
            found = _foreign_scripts(block_counts[i], article_script)
            if found and _label_first(text, found) and not _bilingual(text, article_script, found, vocabulary):
                # A foreign label on article-script words ("关键词: drone, Baghdad") is chrome.
                script_name = sorted(found)[0]
                lang = _SCRIPT_LANGUAGE.get(script_name) or script_language.get(script_name) or script_name.lower()
        languages[i] = lang
        foreign[i] = lang is not None and lang != language and (not inside or shaped)

    # Chrome comes in runs (a "related" heading over its list, an editor line under a tags line):
    # a short neighbour of removed chrome in the article's script that is not written with the
    # article's words goes too when the detector names its neighbour's language, however unsure,
    # or when it is chrome-shaped and the neighbour's language is at least half as likely as the
    # article's ("Compartir en Facebook, Twitter y WhatsApp": the brand names pull it towards
    # English; "Photo via Pexels" next to German chrome stays: German is a third as likely).
    changed = True
    while changed:
        changed = False
        for i in range(n):
            if foreign[i] or block_scripts[i] != article_script or prose[i] or languages[i] is None:
                continue
            # Same-script runs only: a heading next to Arabic chrome is no part of it.
            neighbours = {languages[j] for j in (i - 1, i + 1)
                          if 0 <= j < n and foreign[j] and block_scripts[j] == article_script}
            judged = judged_text(texts[i])
            if article_script in SHORT_LINE_UNDECIDED_SCRIPTS and len(_WORD_RE.findall(judged or "")) < MIN_WORDS_FOR_DETECTOR:
                judged = None  # its language cannot be told from its neighbours' (see the constant)
            if not neighbours or not judged or _length(texts[i], article_script) > SAME_SCRIPT_CHROME_MAX_WORDS \
                    or shares_vocabulary(texts[i], vocabulary):
                continue
            found_language, _ = classify(judged, article_script, language)
            if found_language in neighbours and found_language != language:
                languages[i], foreign[i], changed = found_language, True, True
                continue
            if blocks[i].kind == "head" or not chrome_shaped(blocks[i], article_script, PROSE_MIN_WORDS):
                continue
            probabilities = _probabilities(judged, _candidates(article_script, language))
            neighbour = max(sorted(n for n in neighbours if n), key=lambda lang: probabilities.get(lang, 0.0))
            if probabilities.get(neighbour, 0.0) >= RUN_RELATIVE_PROBABILITY * probabilities.get(language, 0.0):
                languages[i], foreign[i], changed = neighbour, True, True

    kept = [b for b, f in zip(blocks, foreign) if not f]
    kept_languages = [lang for lang, f in zip(languages, foreign) if not f]
    removed = [t for t, f in zip(texts, foreign) if f]
    chrome: Counter = Counter(lang for lang, f in zip(languages, foreign) if f and lang)
    chrome.update(glued_languages)
    # Runs cut out of paragraphs: a script's language as the page's blocks gave it, else one
    # classification of all the runs of that script (a short run alone is too little: see
    # SHORT_LINE_UNDECIDED_SCRIPTS).
    runs_by_script: dict[str, list[str]] = {}
    for run in removed_inline[: len(removed_inline) - len(glued_languages)]:
        if script := dominant_script(run):
            runs_by_script.setdefault(script, []).append(run)
    for script, runs in runs_by_script.items():
        chrome[_SCRIPT_LANGUAGE.get(script) or script_language.get(script)
               or foreign_script_language(" ".join(runs), script, language) or script.lower()] += len(runs)
    chrome.update(_outside_languages(outside_blocks or [], article_script, language, vocabulary))
    chrome_languages = sorted(lang for lang in chrome if lang and lang != language)
    repairs = []
    if removed:
        repairs.append(Repair("language", "foreign_chrome", len(removed), tuple(t[:60] for t in removed[:3])))
    if removed_inline:
        repairs.append(Repair("language", "foreign_chrome_inline", len(removed_inline),
                              tuple(r[:60] for r in removed_inline[:3])))
    return LanguageResult(language, confidence, kept, kept_languages, chrome_languages, repairs, languages)


def _outside_languages(outside_blocks: list[str], article_script: str | None, language: str | None,
                       vocabulary: Counter) -> Counter:
    """Languages of the page's text outside the article (menus, headers, footers)."""
    found: Counter = Counter()
    by_script: dict[str, list[str]] = {}
    for block in dict.fromkeys(outside_blocks):  # containers repeat their children's text
        if block.isascii():
            # ASCII text is Latin (or no script at all): no need to count scripts for it.
            script = "Latin" if _SCRIPT_RES["Latin"].search(block) else None
        else:
            if block.strip().casefold() in LANGUAGE_ENDONYMS:
                continue
            script = dominant_script(block)
        if script:
            by_script.setdefault(script, []).append(block)
    for script, texts in by_script.items():
        if script != article_script:
            joined = " ".join(texts)
            if sum(script_counts(joined).values()) < 2 * MIN_WORDS_FOR_DETECTOR:
                continue  # a stray symbol ("Δ") or a one-word switcher is no chrome
            lang = _SCRIPT_LANGUAGE.get(script) or foreign_script_language(joined, script, language)
            if lang:
                found[lang] += len(texts)
            continue
        if script not in SCRIPT_CANDIDATES:
            continue
        # Same script: menus of one to three words are no evidence, and text written with the
        # article's own words is the article's language; the rest is judged block by block.
        candidates = _outside_candidates(texts, vocabulary)
        votes: Counter = Counter()
        for text in candidates:
            lang, probability = classify(text, script, language)
            if lang and lang != language and (probability or 0) >= SAME_SCRIPT_PROBABILITY:
                votes[lang] += 1
        # Two lines in the same other language: one misjudged English headline is not a portal.
        found.update({lang: n for lang, n in votes.items() if n >= 2})
    return found


def _outside_candidates(texts: list[str], vocabulary: Counter) -> list[str]:
    """The page's outside lines in the article's script a detector judges: of the lines of
    MIN_WORDS_FOR_DETECTOR to SAME_SCRIPT_CHROME_MAX_WORDS words not written with the article's
    words, the first and the last OUTSIDE_SAME_SCRIPT_MAX_CALLS / 2 (what a detector may judge of
    them: see judged_text). The vocabulary test is the costly part (a page has hundreds of such
    lines), so lines are taken from both ends until enough are found."""
    eligible = [t for t in texts if MIN_WORDS_FOR_DETECTOR <= len(t.split()) <= SAME_SCRIPT_CHROME_MAX_WORDS]
    half = OUTSIDE_SAME_SCRIPT_MAX_CALLS // 2
    top: list[str] = []
    bottom: list[str] = []
    start, end = 0, len(eligible)
    for picked, step in ((top, 1), (bottom, -1)):
        while start < end and len(picked) < half:
            if step == 1:
                text, start = eligible[start], start + 1
            else:
                end -= 1
                text = eligible[end]
            if not shares_vocabulary(text, vocabulary) and (judged := judged_text(text)):
                picked.append(judged)  # names carry no language
    return top + bottom[::-1]
