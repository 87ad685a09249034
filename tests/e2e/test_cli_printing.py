"""The CLI prints page text (titles, URLs, diffs) with control characters escaped, never raw."""

from __future__ import annotations

import re

from newscrawl.cli import main as cli_main, printable

from evaluation import newsroom

#: What a terminal would act on: C0 controls but newline, DEL, C1 controls, bidi overrides.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_printable_escapes_terminal_controls():
    assert printable("Rates \x1b]0;pwned\x07rise") == "Rates \\x1b]0;pwned\\x07rise"
    assert printable("a\x9bb\u202ec") == "a\\x9bb\\u202ec"
    assert printable("Île-de-France 東京 👍🏽") == "Île-de-France 東京 👍🏽"
    assert printable(None) == ""


def test_a_title_with_escape_sequences_is_printed_escaped(tmp_path, capsys):
    title, paragraphs = newsroom.ARTICLES["harbour-seals"]
    # The stages drop C0 controls from this title and turn the C1 one into a letter; the bidi
    # override reaches the store.
    hostile = "Seals\x1b]0;owned\x07 return \x9b2J\u202eto the harbour"
    page = tmp_path / "seals.html"
    page.write_bytes(newsroom.page(title, paragraphs).replace(
        title.encode(), hostile.encode(), 2))
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert cli_main(["ingest", str(page), "--db", db]) == 0
    capsys.readouterr()
    assert cli_main(["stories", "--db", db]) == 0
    out = capsys.readouterr().out
    assert not RAW.search(out), out
    assert "\\u202eto the harbour" in out
    key = out.splitlines()[2].split()[0]
    assert cli_main(["story", key, "--db", db]) == 0
    out = capsys.readouterr().out
    assert not RAW.search(out) and "\\u202e" in out, out
