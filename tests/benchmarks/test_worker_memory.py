"""The worker memory benchmark's readings (benchmarks/worker_memory.py)."""

from __future__ import annotations

import functools
import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import worker_memory  # noqa: E402


def test_rss_is_read_from_proc():
    before = worker_memory.rss_mb()
    held = bytearray(64 * 1024 * 1024)
    held[::4096] = b"x" * len(held[::4096])  # touched: resident
    assert worker_memory.rss_mb() - before > 50
    del held


def test_lru_caches_found_also_when_frozen_out_of_the_collectors_sight():
    @functools.lru_cache(maxsize=7)
    def doubled(n: int) -> int:
        return 2 * n

    for n in range(3):
        doubled(n)
    gc.freeze()
    try:
        found = {name: (size, bound) for name, size, bound in worker_memory.lru_caches()}
    finally:
        gc.unfreeze()
    assert found[f"{__name__}.test_lru_caches_found_also_when_frozen_out_of_the_collectors_sight.<locals>.doubled"] == (3, 7)
