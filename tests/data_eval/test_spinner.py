import pytest

from evaluation.spinner import SYNONYMS, eligible_share, spin

TEXT = ("Officials said the fire began early on Monday. \"We need help,\" the mayor told "
        "residents.\n\nWorkers found 12 people near the old building.")


def test_spin_is_deterministic_and_seeded():
    assert spin(TEXT, 0.6, seed=1) == spin(TEXT, 0.6, seed=1)
    assert spin(TEXT, 0.6, seed=1) != spin(TEXT, 0.6, seed=2)


def test_strength_zero_is_the_text_and_higher_strength_swaps_more():
    assert spin(TEXT, 0.0, seed=5) == TEXT
    full = spin(TEXT, 1.0, seed=5)
    # Every eligible word swapped, names and numbers kept, paragraph break and quotes kept.
    assert "Officials" not in full and "said" not in full.split()
    assert "Monday" in full and "12" in full and "\n\n" in full and full.count('"') == 2
    # Copies nest: the words a weaker spin brings in are among those the full spin brings in.
    original = set(TEXT.split())
    for strength in (0.3, 0.6):
        new_words = set(spin(TEXT, strength, 5).split()) - original
        assert new_words <= set(full.split())
    assert len(set(spin(TEXT, 0.3, 5).split()) - original) < len(set(full.split()) - original)


def test_case_is_carried_over():
    out = spin("Said it. SAID it. said it.", 1.0, seed=0)
    first, second, third = out.split(". ")
    assert first[0].isupper() and first[1:].split()[0].islower()
    assert second.split()[0].isupper()
    assert third.split()[0].islower()


def test_bad_strength_is_refused():
    with pytest.raises(ValueError):
        spin(TEXT, 1.5, seed=0)


def test_table_is_symmetric_and_eligible_share_counts_it():
    for word, alternatives in SYNONYMS.items():
        assert word not in alternatives
        assert all(word in SYNONYMS.get(alt, ()) for alt in alternatives if alt in SYNONYMS)
    assert eligible_share("") == 0.0
    assert 0.2 < eligible_share(TEXT) < 0.8
