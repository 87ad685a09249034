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
TICKS = 5


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


def _label_format(span: dt.timedelta) -> str:
    if span >= dt.timedelta(days=3):
        return "%Y-%m-%d"
    if span >= dt.timedelta(hours=6):
        return "%m-%d %H:%M"
    if span >= dt.timedelta(minutes=1):
        return "%H:%M:%S"
    return "%H:%M:%S.%f"


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
    fmt = _label_format(span)
    ticks = []
    for i in range(TICKS):
        when = first + span * i / (TICKS - 1)
        label = when.strftime(fmt)
        # Sub-minute axes (copies stored in one go) show milliseconds; %f gives microseconds.
        ticks.append((x(when), label[:-3] if fmt.endswith("%f") else label))
    return Timeline(WIDTH, height, left, right, top + ROW_HEIGHT * len(rows) + 4, marks, ticks)


__all__ = ["Mark", "Row", "Timeline", "timeline"]
