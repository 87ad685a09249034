"""Property tests for the repair stage: clean text is never changed; one or two rounds of
UTF-8-read-as-cp1252 damage are undone."""

from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawl.stages.repair import repair_text

# Letters of several scripts plus common punctuation; no control characters (not article text).
WORDS = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        + list("éèêëàâçôûüïöäßñøåæ")
        + list("абвгдежзиклмнопрстуфхцчшщыэюя")
        + list("新闻首页标签关键词滚动港口爆炸")
        + list("αβγδεζηθικλμ")
        + list("مرحبا")
    ),
    min_size=1, max_size=10,
)
SENTENCES = st.lists(WORDS, min_size=3, max_size=12).map(" ".join).map(lambda s: s + ".")


def mojibake(text: str) -> str:
    return text.encode("utf-8").decode("cp1252", errors="replace").replace("\ufffd", "\u009d")


@settings(max_examples=200, deadline=None)
@given(SENTENCES)
def test_clean_text_unchanged(sentence):
    fixed, repairs = repair_text(sentence)
    assert fixed == sentence
    assert [r for r in repairs if r.kind == "mojibake"] == []


LATIN_WORDS = st.lists(
    st.sampled_from(["café", "naïve", "Zoë", "Müller", "São", "Tomé", "déjà", "vu", "port", "the",
                     "“quoted”", "it’s", "fiancée", "résumé", "Ærø", "señor", "Øresund", "—"]),
    min_size=4, max_size=12,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(LATIN_WORDS)
def test_one_round_of_mojibake_restored(sentence):
    assert repair_text(mojibake(sentence))[0] == sentence


@settings(max_examples=100, deadline=None)
@given(LATIN_WORDS)
def test_two_rounds_of_mojibake_restored(sentence):
    assert repair_text(mojibake(mojibake(sentence)))[0] == sentence
