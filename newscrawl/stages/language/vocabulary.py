"""The article's own words: a block written with them is in the article's language, whatever a
detector would say of it."""

from __future__ import annotations

from collections import Counter

from newscrawl.stages.language.scripts import WORD_RE

#: A block whose words are mostly words of the article itself is in the article's language and
#: needs no detector call: detectors misjudge short text (langdetect calls some English headlines
#: Norwegian, sure of it), and a real same-script chrome line ("Lo más leído", "Startseite")
#: shares almost no words with an English article.
VOCABULARY_MIN_SHARE = 0.5


def article_vocabulary(text: str) -> Counter:
    return Counter(WORD_RE.findall(text.casefold()))


def shares_vocabulary(text: str, vocabulary: Counter) -> bool:
    """Whether most of the block's words occur in the article *elsewhere* than in the block."""
    words = Counter(map(str.casefold, WORD_RE.findall(text)))
    total = sum(words.values())
    if not total or not vocabulary:
        return False
    shared = sum(n for w, n in words.items() if vocabulary[w] > n)
    return shared >= 2 and shared >= VOCABULARY_MIN_SHARE * total
