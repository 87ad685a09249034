"""The fast-mode benchmark (benchmarks/fast_mode.py): a gated variant takes the full first run's
page where its gate fires and the fast run's elsewhere, pays for both runs where it fires, and a
run that was not needed (no rescue fired) stands for the one it equals."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import fast_mode  # noqa: E402


def _row(first_words: int, page_words: int, *, fast_rescue: bool = False) -> dict:
    row = {
        "as-is": {"body": "full", "cpu": 0.030, "first_cpu_run": 0.012, "rescue_fired": False},
        "fast1": {"body": "fast", "cpu": 0.025, "first_cpu_run": 0.008, "first_words": first_words,
                  "page_words": page_words, "first_chars": 6 * first_words, "rescue_fired": fast_rescue},
    }
    if fast_rescue:
        row["fast12"] = {"body": "fast, fast rescue", "cpu": 0.020, "first_cpu_run": 0.008}
    return row


def test_words_gate_takes_the_full_run_below_it_and_pays_both_runs():
    body, cpu = fast_mode._variant_v3("words", 100, False)
    short, long = _row(50, 1000), _row(150, 1000)
    assert body(short) == "full"
    assert cpu(short) == 0.008 + 0.030
    assert body(long) == "fast"
    assert cpu(long) == 0.025


def test_share_gate_reads_the_fast_body_against_the_page():
    body, _ = fast_mode._variant_v3("share", 0.1, False)
    assert body(_row(50, 1000)) == "full"
    assert body(_row(50, 400)) == "fast"


def test_fast_rescue_variant_falls_back_to_the_run_it_equals():
    body, cpu = fast_mode._variant_v3("words", 100, True)
    # Gated, and no rescue fired after the full first run: the as-is run is the fast-rescue run.
    assert body(_row(50, 1000)) == "full"
    # Not gated, the rescue fired after the fast first run: the run with both fast.
    assert body(_row(150, 1000, fast_rescue=True)) == "fast, fast rescue"
    assert cpu(_row(150, 1000, fast_rescue=True)) == 0.020
    # Not gated, no rescue after the fast first run: the fast first run itself.
    assert body(_row(150, 1000)) == "fast"
