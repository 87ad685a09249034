"""Event terms: names and numbers of a story's lead, and when two stories report one event."""

import datetime as dt

from newscrawl.stages.events import EVENT_WINDOW_DAYS, compare_terms, event_terms, same_event
from evaluation.articles import FLOOD, FLOOD_OTHER, TOWN_BUDGET

def test_names_are_words_capitalised_inside_sentences_and_never_in_lower_case():
    terms = event_terms("Thousands flee as Vessa River floods Dunmere", FLOOD)
    assert {"vessa", "dunmere", "oskar", "lindgren", "holt", "saint", "brigid", "hospital",
            "basin", "authority"} <= terms
    # Sentence-initial capitals ("Floodwater", "Mayor", "Two", "The") are not names; "Sunday" is
    # a calendar word; 2009 is a year.
    assert not {"floodwater", "mayor", "two", "the", "sunday", "we", "#2009"} & terms
    assert "river" not in terms  # "The river rose": a common word, capitalised in a name
    assert {"#2300", "#36", "#42"} <= terms


def test_a_word_also_written_in_lower_case_is_not_a_name():
    terms = event_terms(None, "Workers at the Harbour Board met on Friday.\n\nThe harbour was closed "
                              "by the Harbour Board until Monday, said Ilse Brandt.")
    assert "harbour" not in terms and "board" in terms and "brandt" in terms


def test_title_case_lines_give_numbers_but_no_names():
    terms = event_terms("Big Storm Hits Coastal Towns In 48 Hours",
                        "Latest Updates From The Coast Today\n\nThe storm reached the small fishing town of Velm early on Monday.")
    assert "#48" in terms
    assert not {"big", "storm", "coastal", "updates", "coast", "today"} & terms
    assert "velm" in terms


def test_two_reports_of_one_event_match_and_the_same_town_s_other_news_does_not():
    flood = event_terms("Thousands flee as Vessa River floods Dunmere", FLOOD)
    other = event_terms("A night in the gym: Dunmere's flood families", FLOOD_OTHER)
    budget = event_terms("Dunmere passes 48m budget", TOWN_BUDGET)
    assert compare_terms(flood, other).is_match
    assert not compare_terms(flood, budget).is_match  # shares Dunmere and the mayor, no more
    assert not compare_terms(other, budget).is_match


def test_reports_must_fall_within_the_window():
    flood = event_terms(None, FLOOD)
    other = event_terms(None, FLOOD_OTHER)
    day = dt.datetime(2026, 3, 1, 9, tzinfo=dt.timezone.utc)
    window, beyond = dt.timedelta(days=EVENT_WINDOW_DAYS), dt.timedelta(days=EVENT_WINDOW_DAYS + 1)
    # (published, first fetched in a crawl) of each story: a story's day is its publication
    # date, else its fetch; None for both: read from a file without a date.
    assert same_event(flood, other, (day, day), (day + window, day + beyond))
    assert same_event(flood, other, (None, day), (day + window, None))
    # Downloaded together, published apart: the publication dates speak.
    assert not same_event(flood, other, (day, day + beyond), (day + beyond, day + beyond))
    assert not same_event(flood, other, (None, day), (None, day + beyond))
    assert not same_event(flood, other, (None, None), (None, None))
    assert not same_event(flood, event_terms(None, TOWN_BUDGET), (day, day), (day, day))


def test_lead_only_and_no_terms_from_empty_text():
    assert event_terms(None, "") == frozenset()
    filler = "word " * 400
    assert "Zelda" not in filler and "zelda" not in event_terms(None, filler + " then Zelda Quist spoke.")
