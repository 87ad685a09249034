"""How the COUNTER reader reads a pair's dates (evaluation/reuse.py): the events are found by
them, so a date a day-first reader would take must not be lost."""

from __future__ import annotations

import datetime as dt

import pytest

from evaluation.reuse import read_date


@pytest.mark.parametrize("text, expected", [
    ("04.10.14", dt.date(2014, 10, 4)),
    ("8.09.14", dt.date(2014, 9, 8)),
    (" 01.12.14 ", dt.date(2014, 12, 1)),
    ("27-07-14", dt.date(2014, 7, 27)),
    ("03/11/14", dt.date(2014, 11, 3)),
    ("0..14", None),  # a part missing
    ("31.09.14", None),  # September has 30 days
    ("27-07.14", None),  # two separators: not one date
    ("", None),
    (None, None),
])
def test_counter_dates(text, expected):
    assert read_date(text) == expected
