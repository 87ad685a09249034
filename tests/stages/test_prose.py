"""The one prose rule (newscrawl/stages/prose.py) and the thresholds each stage asks it with."""

from newscrawl.model import Block
from newscrawl.stages import clean, pagetype
from newscrawl.stages.language.chrome import PROSE_MIN_WORDS, is_article_prose, prose_words
from newscrawl.stages.prose import is_prose, whitespace_words

TWELVE = "one two three four five six seven eight nine ten eleven twelve"


def test_kind_link_ratio_sentence_end_and_length():
    block = Block(TWELVE + ".")
    assert is_prose(block, min_words=12)
    assert not is_prose(block, min_words=13)
    assert not is_prose(Block(TWELVE, kind="list"), min_words=1)
    assert is_prose(Block(TWELVE, kind="quote"), min_words=1, kinds=("p", "quote"))
    assert is_prose(Block(TWELVE, link_ratio=0.9), min_words=1)  # links ignored unless asked
    assert not is_prose(Block(TWELVE, link_ratio=0.5), min_words=1, max_link_ratio=0.5)
    assert is_prose(Block(TWELVE, link_ratio=0.49), min_words=1, max_link_ratio=0.5)
    assert is_prose(Block(TWELVE + ".  "), min_words=1, sentence_ends=(".",))  # trailing space aside
    assert not is_prose(Block(TWELVE), min_words=1, sentence_ends=(".", "!"))
    assert is_prose(Block("a-b c"), min_words=3, words=lambda text: len(text.replace("-", " ").split()))
    assert whitespace_words(" a  b\nc ") == 3


def test_clean_asks_for_more_than_twelve_words_ending_like_a_sentence():
    assert not clean.is_prose_paragraph(Block(TWELVE + "."))
    assert clean.is_prose_paragraph(Block(TWELVE + " thirteen."))
    assert clean.is_prose_paragraph(Block(TWELVE + " thirteen:"))
    assert not clean.is_prose_paragraph(Block(TWELVE + " thirteen"))
    assert clean.is_prose_paragraph(Block(TWELVE + " thirteen.", link_ratio=1.0))


def test_pagetype_asks_for_twenty_words_mostly_not_links():
    twenty = " ".join(["word"] * 20)
    assert pagetype.is_prose_paragraph(Block(twenty))
    assert not pagetype.is_prose_paragraph(Block(" ".join(["word"] * 19)))
    assert not pagetype.is_prose_paragraph(Block(twenty, link_ratio=0.5))
    assert not pagetype.is_prose_paragraph(Block(twenty, kind="quote"))


def test_language_counts_words_of_the_script_with_a_whitespace_fast_path():
    assert PROSE_MIN_WORDS == 12
    # Fewer than twelve whitespace tokens: never prose; twice as many: prose whatever the letters.
    assert prose_words("1 2 3", "Latin") == 3
    digits = " ".join(str(i) for i in range(24))
    assert prose_words(digits, "Latin") == 24 and is_article_prose(Block(digits), "Latin")
    # Between the two, words with letters are counted: twelve tokens, six of them numbers.
    mixed = "a 1 b 2 c 3 d 4 e 5 f 6"
    assert prose_words(mixed, "Latin") == 6 and not is_article_prose(Block(mixed), "Latin")
    # CJK: two characters a word, no whitespace test.
    assert prose_words("图书馆" * 8, "Han") == 12 and is_article_prose(Block("图书馆" * 8), "Han")
    assert is_article_prose(Block(TWELVE, kind="quote"), "Latin")
    assert not is_article_prose(Block(TWELVE, link_ratio=0.5), "Latin")
