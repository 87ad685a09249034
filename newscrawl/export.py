"""``newscrawl export``: story versions as JSON Lines or CSV, written as they are read.

The rows come from :func:`newscrawl.store.queries.iter_export_rows`, a batch at a time; each is
written before the next is read, so an export of any size holds one batch in memory. Dates are
ISO 8601 (UTC); in CSV, lists and tables (authors, repairs, wire, chrome languages) are JSON
in their cell, so that they read back unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO

FORMATS = ("jsonl", "csv")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=_plain)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return "" if value is None else value


def write_rows(rows: Iterable[dict[str, Any]], stream: TextIO, fmt: str, columns: Sequence[str],
               progress: Callable[[int], None] | None = None) -> int:
    """Write ``rows`` to ``stream`` in ``fmt`` (:data:`FORMATS`), one at a time; the number
    written. ``progress`` is called with the count after each row."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    writer = None
    if fmt == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
    count = 0
    for row in rows:
        if writer is None:
            stream.write(json.dumps(row, ensure_ascii=False, default=_plain) + "\n")
        else:
            writer.writerow([_cell(row.get(name)) for name in columns])
        count += 1
        if progress is not None:
            progress(count)
    return count


__all__ = ["FORMATS", "write_rows"]
