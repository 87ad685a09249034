"""``newscrawl story KEY`` (derivations, merges) and ``newscrawl story KEY --diff [A B]`` on the
sample sites' wire copies, ingested through every stage; and "unchanged" for a page whose only
differences are a repaired encoding, a date line and a share count."""

from __future__ import annotations

import html
import re

from sqlalchemy import text

from newscrawl.cli import main as cli_main
from newscrawl.cli import text_diff, word_diff
from newscrawl.store.db import make_engine
from evaluation.samples import SITES

WIRE = sorted(SITES.glob("*/wire-port-blast"))


def ingest(db: str, *paths) -> None:
    assert cli_main(["ingest", *map(str, paths), "--db", db, "-q"]) == 0


def test_story_lists_derivations_and_diff_shows_the_spinner_swaps(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'wire.db'}"
    # A reprint first: the wire's own copy, published before it, is still the story's original.
    first = next(p for p in WIRE if "kbrx1040" in str(p))
    ingest(db, first, *[p for p in WIRE if p != first])
    engine = make_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT story_key, version_id, site, derivation "
                                 "FROM story_versions ORDER BY version_id")).all()
    engine.dispose()
    assert len({r.story_key for r in rows}) == 1 and len(rows) == len(WIRE)
    derivation = {r.site: r.derivation for r in rows}
    assert derivation["capitol-ledger.example"] == "original"
    assert derivation["kbrx1040.example"] == "exact"
    assert derivation["linkhub-dailynews.example"] == "reworded"
    assert set(derivation.values()) <= {"original", "exact", "trimmed", "reworded", "edited"}
    key = rows[0].story_key
    capsys.readouterr()

    assert cli_main(["story", key, "--db", db]) == 0
    out = capsys.readouterr().out
    assert f"{len(WIRE)} versions on {len(WIRE)} sites" in out
    assert re.search(r"linkhub-dailynews\.example .* reworded 0\.\d\d", out), out
    assert re.search(r"\* v\d+ +capitol-ledger\.example .* original", out), out

    spun_id = next(r.version_id for r in rows if r.site == "linkhub-dailynews.example")
    assert cli_main(["story", key, "--diff", str(rows[0].version_id), f"v{spun_id}",
                     "--db", db]) == 0
    out = capsys.readouterr().out
    assert f"v{spun_id} (#" in out and "reworded" in out
    assert "[-said-]" in out and "{+stated+}" in out  # the fixture's spinner swaps

    # Defaults: the first version against the latest; an unknown id is a clear error.
    assert cli_main(["story", key, "--diff", "--db", db]) == 0
    assert f"v{rows[-1].version_id} (#{len(rows)}" in capsys.readouterr().out
    assert cli_main(["story", key, "--diff", "v999999", "--db", db]) == 2
    assert "has no version v999999" in capsys.readouterr().err
    assert cli_main(["story", key, "--diff", "x", "--db", db]) == 2


def test_text_diff_marks_kept_changed_removed_and_added_paragraphs():
    a = "The ferry resumed on Monday.\n\nThe ramp was inspected.\n\nTickets cost five euros."
    b = "The ferry restarted on Monday.\n\nTickets cost five euros.\n\nA new timetable follows."
    assert text_diff(a, b) == [
        "~ The ferry [-resumed-] {+restarted+} on Monday.",
        "- The ramp was inspected.",
        "  Tickets cost five euros.",
        "+ A new timetable follows.",
    ]
    assert text_diff(a, a.replace("\n\n", "\n")) == ["(no change in the text)"]
    assert word_diff("a b c", "a x c") == "a [-b-] {+x+} c"


PARAGRAPHS = [
    "The ferry operator said on Monday that crossings to Amberly Island would resume next week "
    "once the new landing ramp has been inspected by the maritime authority.",
    "The café at the pier will reopen on the same day, its owner Zoë Marchetti said, after "
    "three weeks in which the island’s 400 residents relied on a water taxi.",
    "Engineers replaced the old ramp’s hinges and lifting cables, which had failed during the "
    "storm of 2 October, at a cost of about 85,000 euros.",
]


def page(body_lines: list[str], *, extra_top: str = "", extra_bottom: str = "",
         charset: str = "utf-8", mojibake: bool = False) -> bytes:
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in body_lines)
    doc = (f'<html><head><meta charset="{charset}"><title>Ferry crossings to resume</title>'
           '<link rel="canonical" href="https://ferries.example/news/ramp"></head><body>'
           f"<article><h1>Ferry crossings to resume</h1>{extra_top}{paras}{extra_bottom}"
           "</article></body></html>")
    if mojibake:
        # The whole text saved as UTF-8, read as cp1252 and saved again as UTF-8.
        return doc.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    return doc.encode("utf-8")


def test_new_version_only_when_the_clean_text_changes(tmp_path):
    db = f"sqlite:///{tmp_path / 'ferry.db'}"
    folder = tmp_path / "pages"
    folder.mkdir()
    variants = {
        "a-first.html": page(PARAGRAPHS, extra_top="<p>Updated 14 October 2026, 09:12</p>",
                             extra_bottom="<p>12 shares</p>"),
        "b-date-and-count.html": page(PARAGRAPHS, extra_top="<p>Updated 14 October 2026, 17:40</p>",
                                      extra_bottom="<p>3.1K shares</p>"),
        "c-whitespace.html": page([p.replace(" ", "  ") for p in PARAGRAPHS]),
        "d-mojibake.html": page(PARAGRAPHS, mojibake=True),
        "e-real-edit.html": page(PARAGRAPHS[:2] + [PARAGRAPHS[2].replace("85,000", "95,000")]),
    }
    for name, data in variants.items():
        (folder / name).write_bytes(data)
        ingest(db, folder / name)
    engine = make_engine(db)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT body, derivation FROM story_versions")).all()
        outcomes = [r[0] for r in conn.execute(text("SELECT outcome FROM fetches ORDER BY id"))]
    engine.dispose()
    assert outcomes == ["stored_new_story", "unchanged", "unchanged", "unchanged",
                        "stored_new_version"]
    assert len(versions) == 2 and versions[1].derivation == "edited"
    assert "Zoë Marchetti" in versions[0].body and "95,000" in versions[1].body
