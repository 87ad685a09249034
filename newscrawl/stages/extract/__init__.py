"""Extract: the article's blocks and metadata out of a page's HTML (see :mod:`.article`)."""

from newscrawl.stages.extract.article import MAX_HTML_CHARS, Extracted, extract_article
from newscrawl.stages.extract.body import warm_up_extract
from newscrawl.stages.extract.metadata import parse_datetime, warm_up_dates

__all__ = ["MAX_HTML_CHARS", "Extracted", "extract_article", "parse_datetime", "warm_up_dates", "warm_up_extract"]
