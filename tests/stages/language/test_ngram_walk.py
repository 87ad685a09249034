"""The numpy walk of py3langid's automaton gives py3langid's own counts and answers."""

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier, visit_counts

from newscrawl.stages.language import classify
from newscrawl.stages.language.detectors import classify_many, clear_caches
from newscrawl.stages.language.ngram_walk import SEPARATOR, WINDOW, FeatureWalker, WindowedIdentifier

TEXTS = [
    "Fire crews worked through the night to contain a blaze at the river port, officials said.",
    "Startseite",
    "Lo más leído",
    "Mots-clés : politique, économie, relations internationales",
    "Ключевые слова: новости мира, главное за день",
    "河港周二凌晨发生大火，消防人员连夜扑救。",
    "ニュース 速報 ログイン",
    "a",
    "42 17",
    "THE HARBOUR WAS CLOSED",
    "Ein Brand im Hafen: die Feuerwehr war die ganze Nacht im Einsatz, sagte die Polizei am Dienstag. " * 9,
    "emoji 🔥 and a lone surrogate \udc80 in it",
]


@pytest.fixture(scope="module")
def model():
    return WindowedIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def encoded(text: str) -> bytes:
    return LanguageIdentifier._encode(text)


def test_the_automaton_forgets_what_came_before_the_window(model):
    # From every state, the same WINDOW bytes land where they land from the start state (all
    # states, a sample of byte strings; the exhaustive check is in docs/measurements.md).
    walker = FeatureWalker(model)
    states = np.arange(len(walker.rowbase))
    rng = np.random.default_rng(0)
    text_bytes = np.frombuffer(" ".join(TEXTS).encode("utf-8", "surrogatepass"), dtype=np.uint8)
    for start in rng.integers(0, len(text_bytes) - WINDOW, 40):
        window = text_bytes[start:start + WINDOW]
        reached = states.copy()
        from_start = 0
        for byte in window:
            reached = walker.nextmove[walker.rowbase[reached] + byte]
            from_start = walker.nextmove[walker.rowbase[from_start] + byte]
        assert (reached == from_start).all()
    assert (walker.nextmove[walker.rowbase + SEPARATOR] == 0).all()


def test_counts_equal_py3langid_walk_in_order(model):
    walker = FeatureWalker(model)
    texts = [encoded(t) for t in TEXTS] + [b""]
    batch = walker.counts(texts)
    for text, counts in zip(texts, batch):
        own = visit_counts(model.tk_nextmove, model._rowbase, model.tk_output, text)
        assert walker.counts([text])[0] == own
        assert (list(counts.items()) if counts else None) == (list(own.items()) if own else None)


def test_identifier_answers_as_py3langid(model):
    plain = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    windowed = model
    assert isinstance(windowed, WindowedIdentifier)
    for text in TEXTS:
        assert windowed.classify(text) == plain.classify(text)
        assert windowed.rank(text) == plain.rank(text)
    langs = ["de", "en", "es", "fr", "ru"]
    plain.set_languages(langs)
    restricted = WindowedIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    restricted.set_languages(langs)
    assert restricted.classify_many(TEXTS) == [plain.classify(t) for t in TEXTS]


def test_classify_many_as_classify_one_by_one():
    lines = ["Startseite", "Lo más leído", "42 17", "Harbor fire forces river port closure, officials say",
             "Lo más leído", "Impressum und Datenschutz der Zeitung"]
    clear_caches()
    batch = classify_many(lines, "Latin", "en")
    clear_caches()
    assert batch == [classify(line, "Latin", "en") for line in lines]
    assert batch[2] == (None, None)
    assert classify_many(lines, "Han", "en") == [(None, None)] * len(lines)


def test_restricted_identifiers_answer_as_py3langid_restricted(model):
    # Every candidate set a stage meets, sets holding a label of two columns (sr, uz), one language.
    from newscrawl.stages.language.detectors import SCRIPT_CANDIDATES

    sets = [sorted(set(langs) | {extra}) for langs in SCRIPT_CANDIDATES.values() for extra in ("en", "de", "ja")]
    sets += [["sr", "hr"], ["uz", "ru", "en"], ["en"], ["de", "en", "es", "fr", "it", "nl", "pl", "pt", "ru", "uk"]]
    plain = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    for langs in sets:
        plain.set_languages(langs)
        restricted = WindowedIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        restricted.set_languages(langs)
        assert restricted.nb_classes == plain.nb_classes
        for text in TEXTS:
            assert restricted.rank(text) == plain.rank(text)
            assert restricted.classify(text) == plain.classify(text)
        assert restricted.classify_many(TEXTS) == [plain.classify(t) for t in TEXTS]
    restricted.set_languages(None)
    plain.set_languages(None)
    assert [restricted.rank(t) for t in TEXTS] == [plain.rank(t) for t in TEXTS]
    with pytest.raises(ValueError, match="Unknown language"):
        restricted.set_languages(["en", "xx"])


def test_a_restriction_copies_no_part_of_the_models_table(model):
    # A stage worker keeps one restricted identifier for each candidate set it meets: a copy of
    # the candidates' columns would be 0.2 MB a language each, held for the process's life.
    import copy
    import tracemalloc

    full = model.nb_ptc
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        kept = []
        for langs in (["de", "en"], ["en", "fr", "it"], ["bg", "en", "mk", "ru", "sr", "uk"]):
            restricted = copy.copy(model)
            restricted.set_languages(langs)
            kept.append(restricted)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert all(np.shares_memory(r.nb_ptc, full) for r in kept)
    assert grown < 64 * 1024, grown
    assert model.nb_ptc is full and len(model.nb_classes) == full.shape[1]
