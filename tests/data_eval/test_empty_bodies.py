"""evaluation/empty_bodies.py: the fill rule as the held-out runs apply it, and the cause of a short body."""

from __future__ import annotations

from evaluation import empty_bodies as eb


def row(default_words: int, **candidates: int) -> dict:
    return {"digest_body": " ".join(["d"] * default_words),
            "candidates": {name: {"words": n, "body": " ".join([name[0]] * n)} for name, n in candidates.items()}}


def test_a_body_at_the_bar_is_kept():
    page = row(50, readability=300)
    assert eb.apply_rule((50, 20, ("readability",)), page) == (page["digest_body"], None)


def test_the_first_candidate_long_enough_fills_in_order():
    page = row(0, readability=10, **{"json-ld": 80, "trafilatura-balanced": 200})
    body, used = eb.apply_rule((1, 60, ("readability", "json-ld", "trafilatura-balanced")), page)
    assert used == "json-ld" and len(body.split()) == 80
    assert eb.apply_rule((1, 60, ("readability",)), page) == ("", None)


def test_grid_and_fixed_rules():
    names = ("readability", "json-ld", "trafilatura-balanced", "trafilatura-recall")
    rules = eb.grid(names)
    assert len(rules) == 3 * 3 * 16 and len(set(rules)) == len(rules)
    assert eb.FIXED["R1"][0] == 1 and eb.FIXED["R2"][0] == 50


def test_cause_names_the_step_that_left_the_body_short():
    full = {"extract": 200, "repair": 200, "language": 200, "clean": 200, "closing_cut": 10, "hidden": 10}
    assert eb.cause({"sizes": full, "extract_skip": None}, 50) == "closing_cut"
    assert eb.cause({"sizes": {"extract": 0}, "extract_skip": "no_article_text"}, 50) == "extract: nothing"
    short = {"extract": 30, "repair": 30, "language": 30, "clean": 0, "closing_cut": 0, "hidden": 0}
    assert eb.cause({"sizes": short, "extract_skip": None}, 50) == "extract: short, clean emptied it"
    assert eb.size_band(0) == "0" and eb.size_band(19) == "1-19" and eb.size_band(49) == "20-49"
