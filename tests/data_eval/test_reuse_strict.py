"""The different-story figures of the COUNTER benchmark (evaluation/reuse.py), loose and strict,
on made-up pair results."""

from __future__ import annotations

import datetime as dt

from evaluation.reuse import PairResult, ReusePair, different_stories_in_one_event

DAY = dt.date(2026, 3, 2)


def _result(name: str, source_event: int | None, derived_event: int | None) -> PairResult:
    pair = ReusePair(id=name, source="Headline\n\nAgency text.", derived="Newspaper text.",
                     label="partially_derived", domain="national", source_name=f"agency-{name}",
                     source_date=DAY, derived_date=DAY, derived_paper="paper")
    return PairResult(pair, source_event=source_event, derived_event=derived_event,
                      same_event=source_event is not None and source_event == derived_event)


def test_strict_figure_leaves_out_newspaper_stories_in_their_own_agency_story_event():
    results = [
        _result("1", source_event=1, derived_event=1),  # rightly with its own agency story
        _result("2", source_event=1, derived_event=None),  # newspaper text not stored
        _result("3", source_event=2, derived_event=1),  # with agency stories 1 and 2, not its own
    ]
    # Newspaper story 1 against agency stories 2 (event 1) and 3 (event 2); newspaper story 3
    # against agency stories 1 and 2 (both event 1).
    assert different_stories_in_one_event(results)["chosen on"] == (3, 4)
    assert different_stories_in_one_event(results, strict=True)["chosen on"] == (2, 4)
    assert different_stories_in_one_event(results, strict=True)["held out"] == (0, 0)
