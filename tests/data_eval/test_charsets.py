"""Decoding accuracy over ../shared/data/charsets (real texts in 48 encodings, plus binaries).

Each text is served as an HTML page encoded in its own encoding, three ways: with no charset
declared, with the right one in the HTTP header, and with a wrong one (iso-8859-1 on every
non-Western page, the commonest lie; utf-8 on Western pages). A page counts as right when the
decoded page contains the text exactly, as Python's codec for the folder or as the browser
(WHATWG) decoder for that label reads it (shift_jis pages are read as windows-31j by browsers).

Issue 4 asks for 97 % in each case. Measured (docs/measurements.md): none 0.996, right 1.000,
wrong 0.996; the misses are DOS/EBCDIC code pages (cp852, cp424).
"""

from __future__ import annotations

import os

import pytest
from newscrawl.stages.decode import NotText, decode_html
from newscrawl.stages.decode.labels import resolve_label
from evaluation.samples import REPO

DATA = REPO.parent / "shared" / "data" / "charsets"
FLOORS = {"none": 0.97, "right": 0.99, "wrong": 0.97}
WESTERN = {"cp1252", "latin_1", "iso8859_1", "ascii", "windows_1252"}


def corpus() -> list[tuple[str, bytes, str]]:
    if not DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{DATA} is missing: CI must have ../shared beside the clone")
        pytest.skip("../shared/data/charsets is not beside this checkout")
    out = []
    for folder in sorted(p for p in DATA.iterdir() if p.is_dir() and p.name != "None"):
        for path in sorted(folder.iterdir()):
            out.append((folder.name, path.read_bytes(), path.name))
    return out


def acceptable_texts(codec: str, raw: bytes) -> list[str]:
    texts = [raw.decode(codec).lstrip("\ufeff")]
    browser = resolve_label(codec)
    if browser:
        try:
            texts.append(raw.decode(browser).lstrip("\ufeff"))
        except UnicodeDecodeError:
            pass
    return texts


def test_charset_corpus_decoding():
    results = {case: [0, 0] for case in FLOORS}
    failures: dict[str, list[str]] = {case: [] for case in FLOORS}
    for codec, raw, name in corpus():
        texts = acceptable_texts(codec, raw)
        page = ("<html><head><title>t</title></head><body><pre>" + texts[0] + "</pre></body></html>").encode(codec)
        wrong = "utf-8" if codec in WESTERN else "iso-8859-1"
        for case, content_type in (("none", "text/html"), ("right", f"text/html; charset={codec}"),
                                   ("wrong", f"text/html; charset={wrong}")):
            try:
                decoded = decode_html(page, content_type).text
                ok = any(t in decoded for t in texts)
            except NotText:
                ok = False
            results[case][0] += ok
            results[case][1] += 1
            if not ok:
                failures[case].append(f"{codec}/{name}")
    rates = {case: right / total for case, (right, total) in results.items()}
    print({case: f"{rate:.3f}" for case, rate in rates.items()})
    for case, floor in FLOORS.items():
        assert rates[case] >= floor, (case, rates[case], failures[case][:20])


def test_binaries_are_not_text():
    if not (DATA / "None").is_dir():
        corpus()  # fails under CI, skips elsewhere
    for path in sorted((DATA / "None").iterdir()):
        with pytest.raises(NotText):
            decode_html(path.read_bytes(), "text/html")
