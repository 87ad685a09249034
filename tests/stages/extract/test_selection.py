"""Selection features: what each measures on candidates written here."""

from pathlib import Path

from newscrawl.stages.extract.selection import FEATURES, PageView, candidate, load_model, pair_features, select

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
