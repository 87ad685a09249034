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


def _fast_both(post_words: int, post_link_words: int, *, fired: bool = True) -> dict:
    row = _row(40, 1000, fast_rescue=fired)
    run = row["fast12"] if fired else row["fast1"]
    run.update(rescue_fired=fired, page_words=1000, post_words=post_words, post_link_words=post_link_words,
               first_cpu_run=0.008, rescue_cpu=0.006)
    return row


def test_sliver_gate_takes_the_page_as_is_and_pays_the_fast_runs_too():
    body, cpu = fast_mode._variant_v5(0.1, None)
    assert body(_fast_both(50, 0)) == "full"
    assert cpu(_fast_both(50, 0)) == 0.008 + 0.006 + 0.030
    assert body(_fast_both(150, 0)) == "fast, fast rescue"
    assert cpu(_fast_both(150, 0)) == 0.020


def test_sliver_gate_reads_link_text_lines_and_only_where_the_rescue_fired():
    body, _ = fast_mode._variant_v5(0, 0.5)
    assert body(_fast_both(150, 90)) == "full"
    assert body(_fast_both(150, 30)) == "fast, fast rescue"
    # No rescue after the fast first run: that run's body stands, whatever it holds.
    assert body(_fast_both(150, 150, fired=False)) == "fast"


def test_link_words_count_whole_link_lines_and_list_items():
    from newscrawl.model import Block

    links = {"sports desk", "weather today"}
    blocks = [Block("- Sports desk\n- a line that is no link", "list"), Block("Weather today"),
              Block("Weather today and tomorrow")]
    assert fast_mode._link_words(blocks, links) == 4


def test_constrained_choice_takes_the_cheapest_option_holding_f1_on_every_corpus():
    scores = {"as-is": {"a": {"f1": 0.900}, "b": {"f1": 0.800}},
              "cheap but worse on b": {"a": {"f1": 0.950}, "b": {"f1": 0.790}},
              "dear": {"a": {"f1": 0.9005}, "b": {"f1": 0.7995}},
              "cheaper": {"a": {"f1": 0.9000}, "b": {"f1": 0.8000}}}
    cpu = {"as-is": {"a": 10, "b": 10}, "cheap but worse on b": {"a": 1, "b": 1},
           "dear": {"a": 9, "b": 9}, "cheaper": {"a": 8, "b": 8}}
    assert fast_mode.choose_constrained(["a", "b"], scores, cpu, "as-is") == "cheaper"
    assert fast_mode.choose_constrained(["a"], scores, cpu, "as-is") == "cheap but worse on b"
    del scores["cheaper"], scores["dear"]
    assert fast_mode.choose_constrained(["a", "b"], scores, cpu, "as-is") == "as-is"
