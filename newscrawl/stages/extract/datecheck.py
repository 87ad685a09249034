"""Which texts htmldate's date parser (dateparser) cannot read as a whole date.

htmldate hands dateparser the texts its own patterns could not read, with strict parsing on: a
date is given only when the text says its day, month and year. dateparser tries every locale on
a text before it answers that there is none, which is what most of its time goes to. The day
and the year can come only from numbers (the month may be a word): a text with fewer than two
numbers besides its clock times says no day with a year in any locale, so it is not asked.
"""

from __future__ import annotations

import re

#: A clock time ("7:05", "15:58:00"): its numbers are hours, minutes and seconds, never a day or a
#: year. Not when more numbers joined by colons follow or precede ("2008:01:12" is a date).
_CLOCK_RE = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])")

#: A run of digits (any script's: dateparser reads other scripts' digits too).
_NUMBER_RE = re.compile(r"\d+")

#: A number this long may hold a whole date by itself ("20080112").
_WHOLE_DATE_DIGITS = 5

#: A Roman numeral, which dateparser may read as a year ("6 Nov MMXII").
_ROMAN_RE = re.compile(r"\b[MDCLXVI]+\b")


def could_be_strict_date(text: str) -> bool:
    """Whether ``text`` holds enough numbers for a day and a year (or a Roman numeral).

    False means dateparser, parsing strictly, answers no date for it in every locale."""
    if _ROMAN_RE.search(text):
        return True
    numbers = _NUMBER_RE.findall(_CLOCK_RE.sub(" ", text))
    return len(numbers) >= 2 or any(len(n) >= _WHOLE_DATE_DIGITS for n in numbers)
