"""Choosing among single-byte Latin encodings by the alphabet the decoded text is spelled in."""

import pytest

from newscrawl.stages.decode.alphabets import alphabet_fit, best_spelling, evidence_characters
from newscrawl.stages.decode import decode_html

# Original sentences, each in one language's orthography.
CZECH = "Přístavní úřad v Ostravě oznámil, že nová lávka přes řeku bude hotová až příští jaro."
POLISH = "Zarząd portu w Gdańsku poinformował, że nowa kładka będzie gotowa dopiero późną wiosną."
HUNGARIAN = "A győri kikötő igazgatója szerint az új gyalogoshíd csak jövő tavasszal készül el."
TURKISH = "İzmir limanı yönetimi, yeni yaya köprüsünün ancak gelecek ilkbaharda biteceğini açıkladı."
FRENCH = "La direction du port a précisé que la passerelle ne serait achevée qu'au printemps prochain."
NAMES = "The panel heard from José Ortiz, Zoë Grünewald, Øystein Berg and Françoise Lévêque."


def page(text: str) -> str:
    return f"<html><head><title>x</title></head><body><p>{text}</p><p>{text}</p></body></html>"


@pytest.mark.parametrize("text,encoding", [
    (CZECH, "cp1250"), (POLISH, "iso8859_2"), (POLISH, "cp1250"), (HUNGARIAN, "iso8859_2"),
    (HUNGARIAN, "cp1250"), (TURKISH, "cp1254"),
])
def test_central_european_and_turkish_pages_declared_latin1_are_corrected(text, encoding):
    decoded = decode_html(page(text).encode(encoding), "text/html; charset=iso-8859-1")
    assert text in decoded.text
    assert decoded.source == "corrected"
    assert decoded.conflict.startswith("header=cp1252 -> ")


@pytest.mark.parametrize("text,encoding", [
    (CZECH, "cp1250"), (POLISH, "iso8859_2"), (HUNGARIAN, "iso8859_2"), (TURKISH, "cp1254"),
    (FRENCH, "cp1252"),
])
def test_undeclared_latin_pages_are_read_in_the_alphabet_they_spell(text, encoding):
    decoded = decode_html(page(text).encode(encoding), "text/html")
    assert text in decoded.text
    assert decoded.source == "detected"


@pytest.mark.parametrize("text", [FRENCH, NAMES])
def test_right_western_declarations_are_kept(text):
    decoded = decode_html(page(text).encode("cp1252"), "text/html; charset=windows-1252")
    assert (decoded.encoding, decoded.source, decoded.conflict) == ("cp1252", "header", None)
    assert text in decoded.text


def test_right_central_european_declaration_is_kept():
    decoded = decode_html(page(CZECH).encode("cp1250"), "text/html; charset=windows-1250")
    assert (decoded.encoding, decoded.source) == ("cp1250", "header")


def test_a_little_evidence_changes_nothing():
    # One pound sign and one accented name: too little to overrule anything.
    body = page("Tickets cost £5 at the café door.").encode("cp1252")
    assert decode_html(body, "text/html").encoding == "cp1252"


def test_symbols_inside_words_are_evidence_but_punctuation_is_not():
    assert evidence_characters("w¹tpliwo") == ["¹"]
    assert evidence_characters("l’homme – “quoted” 5 €") == []
    assert evidence_characters("¿Qué?") == ["é"]


def test_fit_is_the_share_the_best_alphabet_explains():
    assert alphabet_fit(CZECH) == (1.0, len(evidence_characters(CZECH)))
    misread = CZECH.encode("cp1250").decode("cp1252")
    fit, evidence = alphabet_fit(misread)
    assert fit < 0.9 and evidence >= 10
    assert alphabet_fit("plain ascii") == (1.0, 0)


def test_best_spelling_needs_a_clear_winner():
    misread = HUNGARIAN.encode("iso8859_2").decode("cp1252")
    assert best_spelling({"cp1252": misread, "iso8859_2": HUNGARIAN}, "cp1252") == "iso8859_2"
    # Equally good (identical) spellings: the incumbent stays.
    assert best_spelling({"cp1252": FRENCH, "cp1250": FRENCH}, "cp1252") == "cp1252"
    mixed = NAMES.encode("cp1252").decode("cp1250")
    assert best_spelling({"cp1252": NAMES, "cp1250": mixed}, "cp1252") == "cp1252"


# Cyrillic variants that share the Russian letters' bytes and differ in a language's own letters.
KAZAKH = "Қала әкімдігі жаңа көпірдің құрылысы келесі көктемде аяқталатынын хабарлады, деп үнсіз қалды."
UKRAINIAN = "Міська рада повідомила, що ґрунтові роботи на новому мосту завершать лише наступної весни."
RUSSIAN = "Городская администрация сообщила, что строительство нового моста завершится будущей весной."


def test_kazakh_page_read_as_cp1251_is_read_as_kz1048():
    # Read as cp1251, the Kazakh letters come out Macedonian and Serbian: "Ќала јкімдігі".
    body = page(KAZAKH).encode("kz1048")
    assert KAZAKH not in body.decode("cp1251")
    for content_type in ("text/html", "text/html; charset=windows-1251"):
        decoded = decode_html(body, content_type)
        assert KAZAKH in decoded.text, content_type
        assert decoded.encoding == "kz1048"


@pytest.mark.parametrize("text,encoding", [(UKRAINIAN, "cp1251"), (RUSSIAN, "cp1251"), (UKRAINIAN, "koi8_u"),
                                           (RUSSIAN, "koi8_r")])
def test_cyrillic_pages_declared_right_are_kept(text, encoding):
    decoded = decode_html(page(text).encode(encoding), f"text/html; charset={encoding}")
    assert text in decoded.text and decoded.conflict is None


def test_common_cyrillic_letters_are_no_evidence():
    # Only the letters that tell the Cyrillic alphabets apart count ("Москва" has none of them).
    assert evidence_characters("Москва") == []
    assert "і" in evidence_characters(UKRAINIAN) and "ґ" in evidence_characters(UKRAINIAN)
