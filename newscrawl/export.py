"""``newscrawl export``: story versions as JSON Lines, CSV or Parquet, written as they are read.

The rows come from :func:`newscrawl.store.queries.iter_export_rows`, a batch at a time; each is
written before the next is read, so an export of any size holds one batch in memory (Parquet:
one row group). Dates are ISO 8601 (UTC); in CSV, lists and tables (authors, repairs, wire,
chrome languages) are JSON in their cell, so that they read back unchanged; Parquet keeps them
as typed lists. Parquet needs pyarrow, an optional extra (``pip install 'newscrawl[parquet]'``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

#: Formats written to a text stream (:func:`write_rows`).
FORMATS = ("jsonl", "csv")
#: Every format of ``newscrawl export``; Parquet is written to a file (:func:`write_parquet`).
ALL_FORMATS = (*FORMATS, "parquet")

#: Rows per Parquet row group: what is held in memory at once (a row is a few kB of text).
PARQUET_ROW_GROUP = 5_000

#: The Parquet type of each export column (pyarrow type names, built in :func:`parquet_schema`).
#: The lists keep the fields the store writes: a wire credit's name and evidence, a repair's
#: stage, kind, count and examples.
PARQUET_TYPES = {
    "story_key": "string", "version_id": "int64", "is_canonical": "bool", "derivation": "string",
    "similarity": "float64", "site": "string", "url": "string", "canonical_url": "string",
    "title": "string", "body": "string", "body_hash": "string", "language": "string",
    "language_confidence": "float64", "chrome_languages": "list<string>", "encoding": "string",
    "encoding_source": "string", "encoding_conflict": "string", "published_at": "timestamp",
    "published_source": "string", "modified_at": "timestamp", "modified_source": "string",
    "authors": "list<string>", "section": "string", "wire": "list<wire>", "repairs": "list<repair>",
    "first_fetched_at": "timestamp", "last_fetched_at": "timestamp", "fetch_count": "int64",
    "event_id": "int64",
}


class MissingPyarrow(ImportError):
    """Parquet was asked for without pyarrow installed."""


def _pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise MissingPyarrow("--format parquet needs pyarrow: pip install 'newscrawl[parquet]'") from None
    return pyarrow, pyarrow.parquet


def parquet_schema(columns: Sequence[str]):
    """The pyarrow schema of ``columns`` (see :data:`PARQUET_TYPES`)."""
    pa, _ = _pyarrow()
    types = {
        "string": pa.string(), "int64": pa.int64(), "bool": pa.bool_(), "float64": pa.float64(),
        "timestamp": pa.timestamp("us", tz="UTC"), "list<string>": pa.list_(pa.string()),
        "list<wire>": pa.list_(pa.struct([("name", pa.string()), ("evidence", pa.string())])),
        "list<repair>": pa.list_(pa.struct([("stage", pa.string()), ("kind", pa.string()),
                                            ("count", pa.int64()), ("examples", pa.list_(pa.string()))])),
    }
    return pa.schema([(name, types[PARQUET_TYPES[name]]) for name in columns])


def _utc(value: Any) -> Any:
    # SQLite gives back naive datetimes; the store writes UTC.
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def write_parquet(rows: Iterable[dict[str, Any]], path: Path, columns: Sequence[str],
                  progress: Callable[[int], None] | None = None,
                  row_group: int = PARQUET_ROW_GROUP) -> int:
    """Write ``rows`` to the Parquet file ``path``, ``row_group`` rows at a time; the number
    written. ``progress`` is called with the count after each row."""
    pa, pq = _pyarrow()
    schema = parquet_schema(columns)
    count = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        group: list[dict[str, Any]] = []
        for row in rows:
            group.append({name: _utc(row.get(name)) for name in columns})
            count += 1
            if len(group) >= row_group:
                writer.write_table(pa.Table.from_pylist(group, schema=schema))
                group = []
            if progress is not None:
                progress(count)
        if group or count == 0:
            writer.write_table(pa.Table.from_pylist(group, schema=schema))
    return count


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


__all__ = ["ALL_FORMATS", "FORMATS", "MissingPyarrow", "PARQUET_ROW_GROUP", "parquet_schema", "write_parquet",
           "write_rows"]
