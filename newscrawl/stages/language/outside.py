"""Languages of the page's text outside the article (menus, headers, footers): they tell analysts
which portal republished a story ("English stories republished by Chinese portals")."""

from __future__ import annotations

from collections import Counter

from newscrawl.stages.language.chrome import SAME_SCRIPT_CHROME_MAX_WORDS, judged_text
from newscrawl.stages.language.detectors import (
    MIN_WORDS_FOR_DETECTOR,
    SAME_SCRIPT_PROBABILITY,
    SCRIPT_CANDIDATES,
    classify_many,
    foreign_script_language,
)
from newscrawl.stages.language.scripts import SCRIPT_LANGUAGE, SCRIPT_RES, dominant_script, script_counts
from newscrawl.stages.language.vocabulary import shares_vocabulary

#: Names of languages in their own script, as language switchers list them ("日本語", "Español"):
#: an English site's language menu is no foreign chrome.
LANGUAGE_ENDONYMS = frozenset({
    "english", "español", "français", "deutsch", "italiano", "português", "nederlands", "русский",
    "українська", "العربية", "عربي", "فارسی", "中文", "简体中文", "繁體中文", "繁体中文", "日本語",
    "한국어", "हिन्दी", "türkçe", "polski", "ελληνικά", "עברית", "ไทย", "tiếng việt",
})
#: Page text outside the article in the article's script is judged block by block (a Spanish
#: portal's header around an English story); at most this many blocks, half from the top of the
#: page and half from the bottom, where portal chrome is.
OUTSIDE_SAME_SCRIPT_MAX_CALLS = 12


def outside_languages(outside_blocks: list[str], article_script: str | None, language: str | None,
                      vocabulary: Counter) -> Counter:
    """Languages of the page's text outside the article, with the number of blocks in each."""
    found: Counter = Counter()
    by_script: dict[str, list[str]] = {}
    for block in dict.fromkeys(outside_blocks):  # containers repeat their children's text
        if block.isascii():
            # ASCII text is Latin (or no script at all): no need to count scripts for it.
            script = "Latin" if SCRIPT_RES["Latin"].search(block) else None
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
            lang = SCRIPT_LANGUAGE.get(script) or foreign_script_language(joined, script, language)
            if lang:
                found[lang] += len(texts)
            continue
        if script not in SCRIPT_CANDIDATES:
            continue
        # Same script: menus of one to three words are no evidence, and text written with the
        # article's own words is the article's language; the rest is judged block by block.
        candidates = outside_candidates(texts, vocabulary)
        votes: Counter = Counter()
        for lang, probability in classify_many(candidates, script, language):
            if lang and lang != language and (probability or 0) >= SAME_SCRIPT_PROBABILITY:
                votes[lang] += 1
        # Two lines in the same other language: one misjudged English headline is not a portal.
        found.update({lang: n for lang, n in votes.items() if n >= 2})
    return found


def outside_candidates(texts: list[str], vocabulary: Counter) -> list[str]:
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
