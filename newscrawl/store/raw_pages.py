"""How the store compresses a raw page: apart from :mod:`newscrawl.store.repository` so that a
stage worker, which computes it ahead (:mod:`newscrawl.store.precompute`), imports neither
SQLAlchemy nor the store's models."""

from __future__ import annotations

import gzip

from newscrawl.stages.memo import primable

#: zlib's own default. Level 9 gains well under 1% on real pages and costs several times the
#: time on a large repetitive body (docs/measurements.md); the bytes read back are the same.
RAW_PAGE_GZIP_LEVEL = 6


@primable
def compress_raw(body: bytes) -> bytes:
    """A raw page's bytes as the store keeps them (the same bytes give the same result)."""
    return gzip.compress(body, compresslevel=RAW_PAGE_GZIP_LEVEL, mtime=0)
