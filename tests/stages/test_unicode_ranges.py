"""The shared East Asian code-point ranges (newscrawl/stages/unicode_ranges.py) and their users."""

import re

from newscrawl.stages.decode.cjk import reading_figures
from newscrawl.stages.language.scripts import SCRIPT_CLASSES, dominant_script
from newscrawl.stages.unicode_ranges import HAN, HANGUL, KANA, char_class


def test_char_class_spells_the_ranges_as_a_regex_class():
    assert char_class(KANA) == r"\u3040-\u30ff"
    assert char_class(HAN) == r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    assert re.fullmatch(f"[{char_class(HANGUL)}]+", "한국어")
    assert not re.search(f"[{char_class(HAN)}]", "ひらがな")


def test_language_and_decode_count_kana_and_han_alike():
    assert SCRIPT_CLASSES["Han"] == char_class(HAN) and SCRIPT_CLASSES["Kana"] == char_class(KANA)
    text = "図書館はあした開く\uf900"  # kanji, kana and a compatibility ideograph
    assert dominant_script(text) == "Kana"
    east, share, _, kana = reading_figures(text)
    assert east == len(text) and share == 1.0 and kana == 5 / len(text)  # は あ し た く
