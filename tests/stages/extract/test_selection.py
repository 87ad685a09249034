"""Selection features: what each measures on candidates written here."""

import json
from pathlib import Path

from newscrawl import process_page
from newscrawl.stages.extract import selection
from newscrawl.stages.extract.selection import (FEATURES, Gate, PageView, candidate, load_model,
                                                model_gate, pair_features, select, select_body)

ARTICLE = ("The ferry service to the island resumes on Monday after the new landing ramp passed inspection.\n"
           "Crews worked through the weekend to finish the ramp, the operator said in a statement.\n"
           "Fares stay the same for the summer, and the first crossing leaves at seven in the morning.")
LINKS = "Council passes budget after a long night\nHarbor festival returns with a new stage"
PAGE = PageView("Home\nNews\n" + ARTICLE + "\n" + LINKS, frozenset(line.casefold() for line in LINKS.split("\n")))


def features(default: str, alt: str, alt_name: str = "readability") -> dict[str, float]:
    values = pair_features(candidate("trafilatura", default), candidate(alt_name, alt), [], PAGE, None)
    assert len(values) == len(FEATURES)
    return dict(zip(FEATURES, values, strict=True))


def test_features_of_a_longer_candidate_holding_the_default():
    first = ARTICLE.split("\n")[0]
    f = features(first, ARTICLE)
    assert f["log_words_ratio"] > 0.5
    assert f["default_in_alt"] == 1.0 and f["alt_in_default"] < 0.5
    assert f["alt_sentence_ends"] == 1.0 and f["alt_link_share"] == 0.0
    assert f["is_readability"] == 1.0 and f["is_json_ld"] == 0.0
    assert 0.0 < f["alt_page_share"] < 1.0


def test_link_lines_and_their_position_are_measured():
    f = features(ARTICLE, LINKS)
    assert f["alt_link_share"] == 1.0 and f["alt_sentence_ends"] == 0.0
    assert f["alt_start"] > f["default_start"]


def test_selection_keeps_the_default_below_the_threshold():
    model = {"features": list(FEATURES), "mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES),
             "weights": [0.0] * len(FEATURES), "bias": 0.0, "threshold": 0.6}
    default = candidate("trafilatura", ARTICLE)
    chosen, p = select(default, [candidate("readability", LINKS)], PAGE, None, model)
    assert chosen is default and p == 0.5
    model["threshold"] = 0.4
    assert select(default, [candidate("readability", LINKS)], PAGE, None, model)[0].name == "readability"


def test_a_model_of_other_features_is_not_loaded(tmp_path: Path):
    path = tmp_path / "model.json"
    path.write_text('{"features": ["something_else"], "weights": [1.0]}')
    assert load_model(path) is None
    assert load_model(tmp_path / "absent.json") is None


# --- the gate and the selection at run time ---------------------------------------------------


def test_gate_fires_on_a_body_that_is_a_sliver_of_the_page_or_misses_the_publishers_copy():
    gate = Gate(max_page_share=0.25, min_link_share=0.2, max_ld_agreement=0.8)
    whole, first = candidate("newscrawl", ARTICLE), candidate("newscrawl", ARTICLE.split("\n")[0])
    long_page = PageView(PAGE.visible_text + ("\nAn unrelated line of furniture text in the footer." * 12),
                         PAGE.link_texts)
    assert not gate.fires_for(whole, PAGE, None)
    assert gate.fires_for(first, long_page, None)
    assert gate.fires_for(candidate("newscrawl", LINKS), PAGE, None)  # all link text
    assert not gate.fires_for(whole, PAGE, candidate("json-ld", ARTICLE))
    other_copy = "A different story about a bridge closing for repairs in the spring, the city council said today."
    assert gate.fires_for(whole, PAGE, candidate("json-ld", other_copy * 2))


def forced_model(threshold: float, gate: dict) -> dict:
    # Zero weights and a high bias: every alternative gets the same probability, above threshold.
    return {"features": list(FEATURES), "mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES),
            "weights": [0.0] * len(FEATURES), "bias": 3.0, "threshold": threshold, "gate": gate}


HTML = ("<html><head><title>Ferry</title></head><body><nav><a href='/'>Home</a></nav><article>"
        + "".join(f"<p>{line}</p>" for line in ARTICLE.split("\n"))
        + "</article><footer>" + "".join(f"<p>Footer line {i} of the site with its address.</p>" for i in range(4))
        + "</footer></body></html>")


def test_select_body_runs_the_other_extractors_only_when_the_gate_fires():
    visible = ["Home"] + ARTICLE.split("\n")
    never = forced_model(0.5, {"max_page_share": 0.0, "min_link_share": 2.0, "max_ld_agreement": 0.0})
    assert select_body(ARTICLE, visible, frozenset(), None, HTML, "https://example.org/a", never) == (False, None)
    always = forced_model(0.5, {"max_page_share": 3.0, "min_link_share": 2.0, "max_ld_agreement": 0.0})
    fired, choice = select_body(ARTICLE.split("\n")[0], visible, frozenset(), None, HTML, "https://example.org/a",
                                always)
    assert fired and choice is not None
    name, text = choice
    assert name in ("trafilatura-balanced", "trafilatura-precision", "readability")
    assert "first crossing leaves at seven" in text
    # Above every probability, the default stays though the candidates ran.
    assert select_body(ARTICLE.split("\n")[0], visible, frozenset(), None, HTML, "https://example.org/a",
                       forced_model(0.99, always["gate"])) == (True, None)


def test_process_page_stores_the_selected_body_and_says_so(tmp_path: Path, monkeypatch):
    path = tmp_path / "model.json"
    path.write_text(json.dumps(forced_model(0.5, {"max_page_share": 3.0, "min_link_share": 2.0,
                                                  "max_ld_agreement": 0.0})))
    monkeypatch.setattr(selection, "MODEL_PATH", path)
    record = process_page(HTML.encode(), "https://example.org/a", {"Content-Type": "text/html"})
    kinds = [(r.stage, r.kind) for r in record.repairs]
    assert ("extract", "body_selected") in kinds
    assert "first crossing leaves at seven" in record.body


def test_without_a_model_file_nothing_is_selected(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(selection, "MODEL_PATH", tmp_path / "absent.json")
    visible = ["Home"] + ARTICLE.split("\n")
    assert select_body(ARTICLE.split("\n")[0], visible, frozenset(), None, HTML, "https://example.org/a") == (False, None)
    record = process_page(HTML.encode(), "https://example.org/a", {"Content-Type": "text/html"})
    assert not any(r.kind == "body_selected" for r in record.repairs)


def test_a_trained_model_file_carries_its_gate(tmp_path: Path):
    path = tmp_path / "model.json"
    gate = {"max_page_share": 0.15, "min_link_share": 0.5, "max_ld_agreement": 0.5}
    path.write_text(json.dumps(forced_model(0.6, gate)))
    assert model_gate(load_model(path)) == Gate(**gate)


def test_a_guarded_model_never_shrinks_an_article_sized_default_below_the_guard():
    model = forced_model(0.5, {})
    default, short = candidate("newscrawl", ARTICLE), candidate("readability", LINKS)
    assert short.words < 20 <= default.words
    assert select(default, [short], PAGE, None, model)[0] is short  # unguarded: the switch happens
    model["guard_words"] = 20
    assert select(default, [short], PAGE, None, model)[0] is default
    # A longer candidate still wins, and a default already under the guard may still switch.
    longer = candidate("readability", ARTICLE + "\nThe operator thanked the crews for their patience.")
    assert select(default, [short, longer], PAGE, None, model)[0] is longer
    tiny = candidate("newscrawl", ARTICLE.split("\n")[0][:40])
    assert select(tiny, [short], PAGE, None, model)[0] is short
