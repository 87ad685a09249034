"""Code-point ranges of the East Asian scripts, for the stages that count their characters (the
language stage's script classes, the decode stage's test of an East Asian reading).

Ranges are inclusive (first, last) pairs of Unicode blocks.
"""

from __future__ import annotations

#: Hiragana and Katakana.
KANA = ((0x3040, 0x30FF),)
#: CJK Unified Ideographs Extension A, CJK Unified Ideographs, CJK Compatibility Ideographs.
HAN = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
#: Hangul Syllables (the whole block) and Hangul Jamo.
HANGUL = ((0xAC00, 0xD7AF), (0x1100, 0x11FF))


def char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    r"""The ranges as the body of a regular-expression character class (``\u3040-\u30ff``)."""
    return "".join(f"\\u{first:04x}-\\u{last:04x}" for first, last in ranges)
