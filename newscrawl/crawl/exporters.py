"""Feed exports (``scrapy crawl news -O out.jsonl``) that write the normalized record.

A :class:`~newscrawl.crawl.items.PageItem` carries the raw bytes of the page and the stages'
working state, neither of which belongs in a feed (bytes are not JSON at all). These exporters,
registered for Scrapy's formats in ``FEED_EXPORTERS`` (:mod:`newscrawl.crawl.settings`), write
:meth:`PageItem.export_dict <newscrawl.crawl.items.PageItem.export_dict>` instead: the page's
URL and response facts with the record the stages made of it (title, clean body, language,
dates, authors, wire, repairs, body hash). ``FEED_EXPORT_FIELDS`` then names fields of that
dict. Other items pass through unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from scrapy import exporters

from newscrawl.crawl.items import PageItem


def exported(item: Any) -> Any:
    return item.export_dict() if isinstance(item, PageItem) else item


class JsonLinesExporter(exporters.JsonLinesItemExporter):
    def export_item(self, item: Any) -> None:
        super().export_item(exported(item))


class JsonExporter(exporters.JsonItemExporter):
    def export_item(self, item: Any) -> None:
        super().export_item(exported(item))


class XmlExporter(exporters.XmlItemExporter):
    def export_item(self, item: Any) -> None:
        super().export_item(exported(item))


class CsvExporter(exporters.CsvItemExporter):
    """One row per page; lists and tables (authors, repairs, wire...) as JSON in their cell,
    so that they can be read back (Scrapy would join lists with commas and print dicts)."""

    def export_item(self, item: Any) -> None:
        row = exported(item)
        if isinstance(item, PageItem):
            row = {key: json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
                   for key, value in row.items()}
        super().export_item(row)


__all__ = ["CsvExporter", "JsonExporter", "JsonLinesExporter", "XmlExporter", "exported"]
