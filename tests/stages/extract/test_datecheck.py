"""The check in front of htmldate's date parser: texts it lets through and texts it cuts, and the
parser htmldate asks answering as dateparser does."""

import pytest
from htmldate import extractors

from newscrawl.stages.extract import metadata  # noqa: F401 - puts the check in front of the parser
from newscrawl.stages.extract.datecheck import could_be_strict_date

# Texts with a day and a year (or what may be both): dateparser must still be asked.
ASKED = [
    "Sunday, March 3, 2024",
    "Tue, Mar 5, 24 at 10:15",         # a two-digit year
    "posted 20240305",                 # a whole date in one number
    "03/05/2024 6:01:09 PM",
    "5 марта 2024 г.",
    "4 Feb MMXXIV 11:30",              # a Roman numeral year
    "2024:03:05 10:15",                # numbers joined by colons that are not a clock time
]

# Texts with at most one number besides their clock times: no day with a year in any locale.
CUT = [
    "Tue Mar 5, 10:15 AM GMT",
    "March 5 21:40",
    "Wed 6 Mar11:02",
    "Thursday 14:05:33",
]


@pytest.mark.parametrize("text", ASKED)
def test_texts_with_a_day_and_a_year_are_asked(text):
    assert could_be_strict_date(text)


@pytest.mark.parametrize("text", CUT)
def test_texts_without_a_day_and_a_year_are_cut(text):
    assert not could_be_strict_date(text)


def test_the_parser_htmldate_asks_answers_as_dateparser_does():
    parser = extractors.get_external_parser()
    unchecked = type(parser).get_date_data  # the class's method: dateparser without the check
    for text in ASKED + CUT:
        assert parser.get_date_data(text)["date_obj"] == unchecked(parser, text)["date_obj"], text


def test_the_check_is_put_in_once():
    before = extractors.get_external_parser
    metadata._install_date_check()
    assert extractors.get_external_parser is before
    assert extractors.get_external_parser() is extractors.get_external_parser()
