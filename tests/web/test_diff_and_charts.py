"""The story page's parts that are plain functions: the paragraph and word diff, the time axis."""

from __future__ import annotations

import datetime as dt

from newscrawl.web.app import delay_text, web_link
from newscrawl.web.charts import LABEL_WIDTH, WIDTH, Row, timeline
from newscrawl.web.diff import text_changes


def test_text_changes_marks_kept_changed_removed_and_added_paragraphs():
    a = "The ferry resumed on Monday.\n\nThe ramp was inspected.\n\nTickets cost five euros."
    b = "The ferry restarted on Monday.\n\nTickets cost five euros.\n\nA new timetable follows."
    assert text_changes(a, b) == [
        {"op": "change", "words": [{"op": "equal", "text": "The ferry"}, {"op": "delete", "text": "resumed"},
                                   {"op": "insert", "text": "restarted"}, {"op": "equal", "text": "on Monday."}]},
        {"op": "delete", "text": "The ramp was inspected."},
        {"op": "equal", "text": "Tickets cost five euros."},
        {"op": "insert", "text": "A new timetable follows."},
    ]
    # A paragraph rewritten past recognition is one removed and one added, not a word soup.
    assert [p["op"] for p in text_changes("One two three four.", "Five six seven eight.")] == ["delete", "insert"]
    assert text_changes(a, a) == [{"op": "equal", "text": p} for p in a.split("\n\n")]


def test_timeline_places_marks_in_time_order_inside_the_plot():
    t0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    rows = [Row("a.example", t0, t0 + dt.timedelta(hours=5)),
            Row("b.example", t0 + dt.timedelta(hours=2)),
            Row("c.example", t0 + dt.timedelta(hours=10), t0 + dt.timedelta(hours=9))]
    chart = timeline(rows)
    xs = [m.x for m in chart.marks]
    assert xs[0] == LABEL_WIDTH and xs[0] < xs[1] < xs[2] <= WIDTH
    assert chart.marks[0].x_end > chart.marks[0].x  # a bar from first seen to last fetched
    assert chart.marks[2].x_end == chart.marks[2].x  # an end before the start draws no bar
    assert len({m.y for m in chart.marks}) == 3
    assert chart.ticks[0][1] == "03-01 08:00" and chart.ticks[-1][1] == "03-01 18:00"
    # Copies stored in the same instant still get an axis, in milliseconds.
    same = timeline([Row("a", t0), Row("b", t0)])
    assert [m.x for m in same.marks] == [LABEL_WIDTH, LABEL_WIDTH]
    assert same.ticks[1][1] == "08:00:00.200"
    assert timeline([]).marks == []


def test_timeline_ticks_fall_on_round_times():
    def labels(start: dt.datetime, end: dt.datetime) -> list[str]:
        return [label for _, label in timeline([Row("a", start), Row("b", end)]).ticks]

    t0 = dt.datetime(2026, 3, 1, 8, 7, 13, 520000, tzinfo=dt.UTC)
    assert labels(t0, t0 + dt.timedelta(hours=5, minutes=40)) == ["09:00", "10:00", "11:00", "12:00", "13:00"]
    assert labels(t0, t0 + dt.timedelta(minutes=13)) == ["08:08", "08:10", "08:12", "08:14", "08:16", "08:18", "08:20"]
    assert labels(t0, t0 + dt.timedelta(seconds=40)) == ["08:07:20", "08:07:30", "08:07:40", "08:07:50"]
    assert labels(t0, t0 + dt.timedelta(days=1, hours=8)) == [
        "03-01 12:00", "03-01 18:00", "03-02 00:00", "03-02 06:00", "03-02 12:00"]
    assert labels(t0, t0 + dt.timedelta(days=9)) == [
        "2026-03-02", "2026-03-04", "2026-03-06", "2026-03-08", "2026-03-10"]
    assert labels(t0, t0 + dt.timedelta(days=400)) == [
        "2026-05", "2026-07", "2026-09", "2026-11", "2027-01", "2027-03"]
    # Each tick sits where its time is on the axis.
    chart = timeline([Row("a", t0), Row("b", t0 + dt.timedelta(hours=4))])
    (x_at_nine, _), (x_at_ten, _) = chart.ticks[:2]
    assert chart.plot_left < x_at_nine < x_at_ten
    assert abs((x_at_ten - x_at_nine) - (chart.plot_right - chart.plot_left) / 4) < 0.2


def test_only_web_addresses_become_links_and_delays_read_as_time():
    assert web_link("https://example.com/a") == "https://example.com/a"
    assert web_link("javascript:alert(1)") is None
    assert web_link(" JavaScript:alert(1)") is None
    assert web_link("data:text/html,x") is None
    assert web_link(None) is None
    assert delay_text(None) == "-"
    assert delay_text(dt.timedelta(seconds=30)) == "30 s"
    assert delay_text(dt.timedelta(minutes=90)) == "90 min"
    assert delay_text(dt.timedelta(hours=5)) == "5.0 h"
    assert delay_text(dt.timedelta(days=-3)) == "-3.0 days"
