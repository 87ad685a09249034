"""Language detectors: what a script cannot decide, two detectors do, each where it is the better
choice (``python benchmarks/language.py`` compares them; figures in docs/measurements.md):

* the article's own language: py3langid over all its languages on a sample of the article's text
  (:data:`DETECTOR_SAMPLE_CHARS`); where it is less sure than :data:`ARTICLE_PROBABILITY`,
  langdetect (the detector the design names, seeded) decides. On news articles both are right,
  py3langid at a fraction of the cost, so langdetect runs only on the few samples py3langid finds
  hard. Never on fewer than :data:`MIN_WORDS_FOR_DETECTOR` words or on text without letters;
* everything else (a Spanish tags line at the edge of an English story, the language of a block
  of Cyrillic chrome): py3langid restricted to the candidate languages of that script
  (:data:`SCRIPT_CANDIDATES`) plus the article's. On short same-script lines it is more accurate
  than langdetect, above all on lines of one to three words, and much cheaper; lingua restricted
  the same way is as accurate but slower.
"""

from __future__ import annotations

import copy
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from newscrawl.stages.language.scripts import SCRIPT_LANGUAGE, WORD_RE, dominant_script, without_invisible

MIN_WORDS_FOR_DETECTOR = 4
#: Characters given to a detector: its cost grows with the text, and its answer on a news article
#: is stable well before this many.
DETECTOR_SAMPLE_CHARS = 800
#: langdetect averages this many random trials (its default is 7): on news articles 3 trials on
#: DETECTOR_SAMPLE_CHARS characters agree with 7 trials on far longer samples, at a fraction of
#: the cost.
DETECTOR_TRIALS = 3
DETECTOR_SEED = 0
#: py3langid's probability (normalized over all its languages) at or above which its answer is the
#: article's language without asking langdetect. Nearly every article sample scores far above it;
#: the threshold sends only the rare unsure samples to the slower detector.
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
#: MIN_WORDS_FOR_DETECTOR words: on short Russian chrome lines it answers bg, uk or sr about as
#: often as ru, while it is right on longer ones; the Arabic script's candidates differ in
#: letters, and Latin ones are told apart well enough. A short line in such a script takes the
#: page's language of the script: the article's in the article's script, otherwise the one
#: classification of all the page's text in that script.
SHORT_LINE_UNDECIDED_SCRIPTS = frozenset({"Cyrillic"})
#: The language an unsure classification of such a script's text reports (see
#: :func:`foreign_script_language`): the one most text in the script is written in.
SCRIPT_DEFAULT_LANGUAGE = {"Cyrillic": "ru"}


class _DigestCache:
    """A bounded cache of detector answers keyed by a 16-byte digest of the text judged (and of
    the candidate languages), not by the text: a sample is up to DETECTOR_SAMPLE_CHARS
    characters, and a cache of thousands of them held megabytes a worker for answers that are
    a few bytes. Least recently used entries go first, as with ``functools.lru_cache``; two
    different texts share a key only if BLAKE2b-128 collides."""

    __slots__ = ("_entries", "maxsize")

    def __init__(self, maxsize: int) -> None:
        self._entries: OrderedDict[bytes, object] = OrderedDict()
        self.maxsize = maxsize

    @staticmethod
    def _key(text: str, extra: Hashable) -> bytes:
        return hashlib.blake2b(f"{extra}\x00{text}".encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, text: str, extra: Hashable, compute: Callable[[], object]):
        key = self._key(text, extra)
        entries = self._entries
        if key in entries:
            entries.move_to_end(key)
            return entries[key]
        value = compute()
        self._store(key, value)
        return value

    def put(self, text: str, extra: Hashable, value: object) -> None:
        self._store(self._key(text, extra), value)

    def _store(self, key: bytes, value: object) -> None:
        entries = self._entries
        entries[key] = value
        if len(entries) > self.maxsize:
            entries.popitem(last=False)

    def contains(self, text: str, extra: Hashable) -> bool:
        return self._key(text, extra) in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def cache_clear(self) -> None:
        self._entries.clear()


@lru_cache(maxsize=1)
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = DETECTOR_SEED
    return factory


def detect(text: str, script: str | None = None) -> tuple[str | None, float | None]:
    """(ISO 639-1 language, probability) of a text, or (None, None) when it cannot be judged.

    Script first (``script`` when the caller knows it already); a detector only for scripts
    several languages share, on enough words.
    """
    script = script or dominant_script(text)
    if script is None:
        return None, None
    if script in SCRIPT_LANGUAGE:
        return SCRIPT_LANGUAGE[script], 1.0
    if script in SCRIPT_CANDIDATES:
        if len(WORD_RE.findall(text[:DETECTOR_SAMPLE_CHARS])) < MIN_WORDS_FOR_DETECTOR:
            return None, None
        return _article_language(without_invisible(text[:DETECTOR_SAMPLE_CHARS]))
    return None, None


_ARTICLE_LANGUAGES = _DigestCache(4096)


def _article_language(sample: str) -> tuple[str | None, float | None]:
    # Cached: a page crawled again (a new version, another URL of it) has the same sample.
    return _ARTICLE_LANGUAGES.get(sample, None, lambda: _judge_article_sample(sample))


def _judge_article_sample(sample: str) -> tuple[str | None, float | None]:
    language, probability = _py3langid_model().classify(sample)
    if probability >= ARTICLE_PROBABILITY:
        return language, round(float(probability), 4)
    # langdetect (seeded: the same answer for the same text) is asked only here, on samples
    # the cache above keeps: no cache of its own.
    return langdetect_language(sample)


def langdetect_language(sample: str) -> tuple[str | None, float | None]:
    """(language, probability) langdetect gives a sample, seeded and with DETECTOR_TRIALS trials,
    uncached (benchmarks time it); (None, None) when it finds no feature."""
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
    from py3langid.langid import MODEL_FILE

    from newscrawl.stages.language.ngram_walk import WindowedIdentifier

    return WindowedIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=64)
def _identifier(candidates: tuple[str, ...]):
    # A shallow copy restricted to the candidates: set_languages rebinds the copy's arrays (sliced
    # from the full model, which stays shared), so one loaded model serves every candidate set.
    identifier = copy.copy(_py3langid_model())
    identifier.set_languages(list(candidates))
    return identifier


def candidates(script: str, article_language: str | None) -> tuple[str, ...]:
    """The languages a line in ``script`` is classified among: the script's candidates and the
    article's language (when py3langid knows it)."""
    known = set(SCRIPT_CANDIDATES.get(script, ()))
    if article_language and article_language in _py3langid_languages():
        known.add(article_language)
    return tuple(sorted(known))


@lru_cache(maxsize=1)
def _py3langid_languages() -> list[str]:
    return list(_py3langid_model().nb_classes)  # the full model is never restricted


def classify(text: str, script: str, article_language: str | None = None) -> tuple[str | None, float | None]:
    """(language, probability) among the candidates of ``script`` and the article's language.

    py3langid judges short lines (one to three words) far better than langdetect, so there is no
    minimum length here beyond having letters.
    """
    if script not in SCRIPT_CANDIDATES or not WORD_RE.search(text):
        return None, None
    return _classify_sample(without_invisible(text[:DETECTOR_SAMPLE_CHARS]), candidates(script, article_language))


def classify_many(texts: list[str], script: str,
                  article_language: str | None = None) -> list[tuple[str | None, float | None]]:
    """:func:`classify` of each text, those not cached judged in one batch (one walk of all
    their bytes: see :mod:`.ngram_walk`)."""
    if script not in SCRIPT_CANDIDATES:
        return [(None, None)] * len(texts)
    langs = candidates(script, article_language)
    samples = [without_invisible(text[:DETECTOR_SAMPLE_CHARS]) if WORD_RE.search(text) else None for text in texts]
    missing = list(dict.fromkeys(s for s in samples if s is not None and not _CLASSIFIED.contains(s, langs)))
    if len(missing) > 1:
        for sample, (language, probability) in zip(missing, _identifier(langs).classify_many(missing)):
            _CLASSIFIED.put(sample, langs, (language, round(probability, 4)))
    return [(None, None) if s is None else _classify_sample(s, langs) for s in samples]


def foreign_script_language(text: str, script: str, article_language: str | None) -> str | None:
    """The language of a page's text in a script other than the article's (all of it at once).

    Where the script's candidates are close languages that py3langid tells apart only on
    longer text (SHORT_LINE_UNDECIDED_SCRIPTS), an unsure answer (below SAME_SCRIPT_PROBABILITY)
    is the script's most used language (SCRIPT_DEFAULT_LANGUAGE): a Russian portal's menu words
    ("Карта сайта", "Вакансии") come out Bulgarian, unsure."""
    found, probability = classify(text, script, article_language)
    if script in SHORT_LINE_UNDECIDED_SCRIPTS and found != article_language \
            and (probability or 0) < SAME_SCRIPT_PROBABILITY:
        return SCRIPT_DEFAULT_LANGUAGE[script]
    return found


_PROBABILITIES = _DigestCache(1024)


def probabilities(text: str, candidates: tuple[str, ...]) -> dict[str, float]:
    """py3langid's probability of each of ``candidates`` for ``text``."""
    sample = without_invisible(text[:DETECTOR_SAMPLE_CHARS])
    return dict(_PROBABILITIES.get(sample, candidates, lambda: {
        lang: float(p) for lang, p in _identifier(candidates).rank(sample)}))


_CLASSIFIED = _DigestCache(8192)


def _classify_sample(sample: str, candidates: tuple[str, ...]) -> tuple[str | None, float | None]:
    # Cached: a site's menus and footers are the same text on every page of a crawl.
    return _CLASSIFIED.get(sample, candidates, lambda: _classify_uncached(sample, candidates))


def _classify_uncached(sample: str, candidates: tuple[str, ...]) -> tuple[str | None, float | None]:
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
    for cache in (_ARTICLE_LANGUAGES, _CLASSIFIED, _PROBABILITIES):
        cache.cache_clear()
