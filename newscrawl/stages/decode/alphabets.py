"""Which single-byte Latin encoding spells a language: evidence for the decode stage.

A page in a Central-European or Turkish single-byte encoding (windows-1250, iso-8859-2,
windows-1254, ...) served as iso-8859-1 -- the commonest charset lie -- decodes *without error*
as cp1252, and the result is made of letters too: Czech "č ř ě" read as "è ø ì", Turkish "ş ğ ı"
read as "þ ð ý", Polish "ą ł ż" read as "¹ ³ ¿". Statistical detectors (charset-normalizer's
chaos and coherence figures) barely tell these apart on short texts: measured on
../shared/data/charsets, they confuse windows-1250, iso-8859-2 and cp1252 in both directions.

What does tell them apart is that real text is written in *one* alphabet: the accented letters
of a Czech page all belong to Czech's alphabet, while the same bytes read as cp1252 mix "ø" with
"è" and "š", which no language writes together. :func:`alphabet_fit` measures that: the share of
a text's non-ASCII letters (and of the symbols that sit *inside* words, like the "¹" of
"w¹tpliwoœæ") that the best-fitting language's alphabet accounts for. The decoding with the
highest fit spells a language; a declared or detected encoding is replaced only when another
decoding fits clearly better (:data:`FIT_MARGIN`) on enough evidence (:data:`MIN_EVIDENCE`).

The alphabets are the extra letters each language writes beyond a-z (standard orthographies;
loan-word letters are left out, which the margin tolerates).
"""

from __future__ import annotations

import re

_ALPHABET_LETTERS = {
    "en": "",
    "fr": "àâæçéèêëîïôœùûüÿ",
    "de": "äöüß",
    "es": "áéíóúñü",
    "pt": "áâãàçéêíóôõú",
    "it": "àèéìíîòóùú",
    "ca": "àçéèíïòóúü",
    "nl": "áéèëïóöü",
    "da": "æøåé",  # and Norwegian
    "sv": "åäöé",
    "fi": "äöåšž",
    "is": "áðéíóúýþæö",
    "fo": "áðíóúýæø",
    "ga": "áéíóú",
    "cy": "âêîôûŵŷáéíóúàèìòùäëïöü",
    "af": "êëîïôûéèáóú",
    "sq": "çë",
    "pl": "ąćęłńóśźż",
    "cs": "áčďéěíňóřšťúůýž",
    "sk": "áäčďéíĺľňóôŕšťúýž",
    "sl": "čšžćđ",
    "hr": "čćđšž",
    "hu": "áéíóöőúüű",
    "ro": "ăâîșțşţ",
    "tr": "çğıöşüâîû",
    "et": "äöõüšž",
    "lv": "āčēģīķļņšūž",
    "lt": "ąčęėįšųūž",
    "mt": "ċġħżàèìòù",
    # Vietnamese as windows-1258 writes it: some precomposed letters plus combining tone marks.
    "vi": "àáâãèéêìíòóôõùúýăđơư\u0300\u0301\u0303\u0309\u0323",
    # Cyrillic alphabets are written out whole (none is "a-z plus a few"). They tell apart the
    # single-byte code pages that share a layout and differ in a language's own letters:
    # Kazakh in kz1048 read as cp1251 spells "Ќазаќстан" with Macedonian and Serbian letters.
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "be": "абвгдеёжзійклмнопрстуўфхцчшыьэюя",
    "bg": "абвгдежзийклмнопрстуфхцчшщъьюя",
    "sr": "абвгдђежзијклљмнњопрстћуфхцчџш",
    "mk": "абвгдѓежзѕијклљмнњопрстќуфхцчџш",
    "kk": "абвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюяә",
}
#: Letters any of these languages uses in abbreviations (the ordinals 1º/1ª). The micro sign is
#: left out: it is the byte of Slovak "ľ" in iso-8859-2 read as windows-1250.
_COMMON = "ªº"


def _with_capitals(letters: str) -> frozenset[str]:
    chars = set(letters + _COMMON)
    chars |= {c.upper() for c in letters if len(c.upper()) == 1}
    if "ı" in letters:
        chars.add("İ")
    return frozenset(chars)


ALPHABETS: dict[str, frozenset[str]] = {lang: _with_capitals(s) for lang, s in _ALPHABET_LETTERS.items()}

#: The Cyrillic letters every listed Cyrillic alphabet has: they say nothing about which of those
#: languages a text is in, as a-z say nothing among the Latin ones, so they are no evidence (else
#: the hundred common letters of a Kazakh page would drown its four misread ones).
CYRILLIC_COMMON = frozenset.intersection(*(ALPHABETS[lang] for lang in ("ru", "uk", "be", "bg", "sr", "mk", "kk"))) - set(_COMMON)

#: Typographic symbols that legitimately touch letters in every language (apostrophes, quotes,
#: dashes, currency, the Catalan middle dot): never evidence either way.
_NEUTRAL = frozenset("\u00a0\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u2013\u2014\u2026\u2022"
                     "\u00b7\u00ab\u00bb\u2039\u203a\u2020\u2021\u2030\u20ac\u00a3\u00a5\u00a9\u00ae"
                     "\u2122\u00b0\u00a7\u00ad")
#: A challenger replaces the incumbent decoding only when it spells one language almost
#: perfectly (at least :data:`MIN_FIT` of its evidence) and better than the incumbent by
#: :data:`FIT_MARGIN`. Right decodings fit almost perfectly (a few loan-word letters miss);
#: Hungarian read as cp1252 fits nearly as well (only "ő ű" differ), so MIN_FIT sits between the
#: two, while Czech, Slovak, Polish and Turkish read as cp1252 fit far worse (figures in
#: docs/measurements.md). A page of names from many languages
#: (an English page citing "Zürich", "Øystein", "François") fits no single alphabet in any
#: decoding, so nothing reaches MIN_FIT and the incumbent stays.
MIN_FIT = 0.97
FIT_MARGIN = 0.03
#: Fewer counted characters than this are no evidence (a single "é" fits every alphabet).
MIN_EVIDENCE = 4

_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


def evidence_characters(text: str) -> list[str]:
    """The non-ASCII characters that say something about the alphabet: letters, and other
    symbols standing between two letters (a mis-decoded letter inside a word)."""
    out = []
    n = len(text)
    for match in _NON_ASCII_RE.finditer(text):
        c = match.group()
        if c in _NEUTRAL or c in CYRILLIC_COMMON:
            continue
        if c.isalpha():
            out.append(c)
            continue
        i = match.start()
        if 0 < i < n - 1 and text[i - 1].isalpha() and text[i + 1].isalpha():
            out.append(c)
    return out


def alphabet_fit(text: str) -> tuple[float, int]:
    """(share of evidence characters the best language accounts for, number of them).

    A text with no evidence fits perfectly (1.0, 0): pure ASCII spells English."""
    chars = evidence_characters(text)
    if not chars:
        return 1.0, 0
    counts: dict[str, int] = {}
    for c in chars:
        counts[c] = counts.get(c, 0) + 1
    best = max(sum(k for c, k in counts.items() if c in alphabet) for alphabet in ALPHABETS.values())
    return best / len(chars), len(chars)


def best_spelling(candidates: dict[str, str], incumbent: str) -> str:
    """The encoding (key of ``candidates``: encoding -> decoded text) whose text spells a
    language best. ``incumbent`` (the declared or detected encoding, which must be a key) keeps
    its place unless a challenger reaches :data:`MIN_FIT` and beats it by :data:`FIT_MARGIN`,
    on at least :data:`MIN_EVIDENCE` characters. Ties among challengers go to the earlier key."""
    incumbent_fit, evidence = alphabet_fit(candidates[incumbent])
    if evidence < MIN_EVIDENCE or incumbent_fit >= 1.0:
        return incumbent
    best, best_fit = incumbent, 0.0
    for encoding, text in candidates.items():
        if encoding != incumbent:
            fit, _ = alphabet_fit(text)
            if fit > best_fit:
                best, best_fit = encoding, fit
    if best_fit >= MIN_FIT and best_fit >= incumbent_fit + FIT_MARGIN:
        return best
    return incumbent
