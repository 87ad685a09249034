"""The language-walk benchmark (benchmarks/language_walk.py): a tiny run on invented pages prints
its figures for both walks and that they agree, and its comparison reports a walk that answers
otherwise."""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import language_walk  # noqa: E402

from newscrawl.stages.language.ngram_walk import WindowedIdentifier  # noqa: E402

# Invented articles in two languages, long enough for the numpy walk (not its short-text path).
ENGLISH = " ".join(
    f"The harbour committee of Eastwick met on day {n} to weigh the ferry timetable, the dredging "
    f"contract and the lighthouse repairs that residents have asked about for years." for n in range(8))
GERMAN = " ".join(
    f"Der Hafenausschuss von Ostwick hat am Tag {n} über den Fahrplan der Fähre, den Vertrag zum "
    f"Ausbaggern und die Reparatur des Leuchtturms beraten, die sich die Anwohner seit Jahren wünschen."
    for n in range(8))


def _corpus(directory: Path) -> Path:
    (directory / "html").mkdir(parents=True)
    truth = {}
    for number, text in enumerate((ENGLISH, GERMAN)):
        pid = f"page{number}"
        paragraphs = "".join(f"<p>{s.strip()}.</p>" for s in text.split(".") if s.strip())
        page = (f"<html><head><title>Harbour committee {number}</title></head><body><article>"
                f"<h1>Harbour committee weighs ferry timetable {number}</h1>{paragraphs}</article>"
                f"</body></html>")
        (directory / "html" / f"{pid}.html.gz").write_bytes(gzip.compress(page.encode()))
        truth[pid] = {"url": f"http://outlet.example/news/{number}.html"}
    (directory / "ground-truth.json").write_text(json.dumps(truth))
    return directory


def _run(tmp_path, capsys) -> str:
    data = _corpus(tmp_path / "corpus")
    assert language_walk.main(["--data", str(data), "--limit", "5", "--repeat", "1"]) == 0
    return capsys.readouterr().out


def test_a_tiny_run_prints_both_walks_and_that_they_agree(tmp_path, capsys):
    out = _run(tmp_path, capsys)
    assert re.search(r"^2 pages, CPU ms a page", out, re.M)
    for name in ("py3langid's walk", "numpy walk"):
        assert re.search(rf"^  {re.escape(name)} +median \d+\.\d{{3}}  mean \d+\.\d{{3}}$", out, re.M)
    assert "pages whose language result differs between the walks: 0" in out


def test_a_walk_that_answers_otherwise_is_counted(tmp_path, capsys, monkeypatch):
    """The numpy walk's scores reversed: its answers differ from py3langid's walk on each page."""
    scores = WindowedIdentifier._raw_score
    monkeypatch.setattr(WindowedIdentifier, "_raw_score", lambda self, text: scores(self, text)[::-1])
    out = _run(tmp_path, capsys)
    assert "pages whose language result differs between the walks: 2" in out
