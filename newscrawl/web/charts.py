"""Time-axis charts as plain geometry: the page template draws them as SVG (no script, no
library, nothing fetched), and every label goes through the template's escaping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: Drawing size in SVG user units (the SVG scales to the page width).
WIDTH = 900
LABEL_WIDTH = 230
ROW_HEIGHT = 24
AXIS_HEIGHT = 34
RIGHT_MARGIN = 50
#: Intervals between ticks, at most (ticks fall on round times: see TICK_STEPS).
TICKS = 6


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the chart: a mark at ``start``, a bar on to ``end`` (when later)."""

    label: str
    start: dt.datetime
    end: dt.datetime | None = None
    href: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Mark:
    label: str
    href: str | None
    note: str
    x: float
    x_end: float
    y: float
    tooltip: str


@dataclass(frozen=True, slots=True)
class Timeline:
    width: int
    height: int
    plot_left: int
    plot_right: int
    axis_y: float
    marks: list[Mark] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)


#: Tick steps a time axis may take, in microseconds: the round ones (1, 2, 5 of a unit; a
#: quarter and a half hour; 3, 6 and 12 hours; a week), so that ticks fall on times a reader
#: would name. Beyond two weeks the steps are calendar months.
_MS, _S, _MIN, _H, _DAY = 1_000, 1_000_000, 60_000_000, 3_600_000_000, 86_400_000_000
TICK_STEPS = (
    _MS, 2 * _MS, 5 * _MS, 10 * _MS, 20 * _MS, 50 * _MS, 100 * _MS, 200 * _MS, 500 * _MS,
    _S, 2 * _S, 5 * _S, 10 * _S, 15 * _S, 30 * _S,
    _MIN, 2 * _MIN, 5 * _MIN, 10 * _MIN, 15 * _MIN, 30 * _MIN,
    _H, 2 * _H, 3 * _H, 6 * _H, 12 * _H, _DAY, 2 * _DAY, 7 * _DAY, 14 * _DAY,
)
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _microseconds(when: dt.datetime) -> int:
    return (when - _EPOCH) // dt.timedelta(microseconds=1)


def _round_ticks(first: dt.datetime, last: dt.datetime) -> tuple[list[dt.datetime], str]:
    """The round times from ``first`` to ``last`` (both included when round) at the smallest
    round step that makes at most TICKS + 1 of them, and the label format for that step (UTC)."""
    start, end = _microseconds(first), _microseconds(last)
    for step in TICK_STEPS:
        if (end - start) // step <= TICKS:
            # Aligned on the epoch in UTC: a day's or an hour's ticks fall on its starts.
            tick = -(-start // step) * step
            times = [_EPOCH + dt.timedelta(microseconds=t) for t in range(tick, end + 1, step)]
            if step >= _DAY:
                fmt = "%Y-%m-%d"
            elif step >= _MIN:
                fmt = "%m-%d %H:%M" if first.date() != last.date() or end - start >= 6 * _H else "%H:%M"
            elif step >= _S:
                fmt = "%H:%M:%S"
            else:
                fmt = "%H:%M:%S.%f"
            return times, fmt
    months_first = first.year * 12 + first.month - 1
    months_last = last.year * 12 + last.month - 1
    step = next((m for m in MONTH_STEPS if (months_last - months_first) // m <= TICKS), MONTH_STEPS[-1])
    month = -(-months_first // step) * step
    if dt.datetime(month // 12, month % 12 + 1, 1, tzinfo=dt.UTC) < first:
        month += step
    times = [dt.datetime(m // 12, m % 12 + 1, 1, tzinfo=dt.UTC) for m in range(month, months_last + 1, step)]
    return times, "%Y-%m" if step < 12 else "%Y"


def timeline(rows: list[Row]) -> Timeline:
    """Rows on one time axis, from the earliest start to the latest end."""
    top = 8
    height = top + ROW_HEIGHT * len(rows) + AXIS_HEIGHT
    left, right = LABEL_WIDTH, WIDTH - RIGHT_MARGIN
    if not rows:
        return Timeline(WIDTH, height, left, right, top)
    first = min(r.start for r in rows)
    last = max(max(r.start, r.end or r.start) for r in rows)
    # One second at least: copies stored within the same second still get an axis.
    span = max(last - first, dt.timedelta(seconds=1))

    def x(when: dt.datetime) -> float:
        return round(left + (right - left) * ((when - first) / span), 1)

    marks = []
    for n, r in enumerate(rows):
        end = r.end if r.end is not None and r.end > r.start else r.start
        tooltip = f"{r.label}: {r.start.isoformat(timespec='seconds')}"
        if end > r.start:
            tooltip += f" to {end.isoformat(timespec='seconds')}"
        marks.append(Mark(r.label, r.href, r.note, x(r.start), x(end), top + ROW_HEIGHT * n + ROW_HEIGHT / 2,
                          tooltip))
    times, fmt = _round_ticks(first, first + span)
    ticks = []
    for when in times:
        label = when.strftime(fmt)
        # Sub-second steps are shown in milliseconds; %f gives microseconds.
        ticks.append((x(when), label[:-3] if fmt.endswith("%f") else label))
    return Timeline(WIDTH, height, left, right, top + ROW_HEIGHT * len(rows) + 4, marks, ticks)


__all__ = ["Mark", "Row", "Timeline", "timeline"]
