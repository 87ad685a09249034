import difflib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawl.model import Block
from newscrawl.stages.repair import (
    MAX_EXAMPLES,
    AnchoredMatcher,
    changed_spans,
    repair_blocks,
    repair_text,
)


def mojibake(text: str) -> str:
    """What a site shows when UTF-8 bytes are read as cp1252 (undefined bytes kept as C1 controls)."""
    return text.encode("utf-8").decode("cp1252", errors="replace").replace("\ufffd", "\u009d")


@pytest.mark.parametrize(
    "label, broken, expected, kind",
    [
        ("apostrophe", mojibake("The mayor’s office"), "The mayor’s office", "mojibake"),
        ("curly quotes", mojibake("“We are safe,” she said."), "“We are safe,” she said.", "mojibake"),
        ("accents", mojibake("Zoë Müller in São Tomé"), "Zoë Müller in São Tomé", "mojibake"),
        ("lost-byte em dash after dateline", 'HARLOW, Norland â" Two ferries collided.', "HARLOW, Norland — Two ferries collided.", "lost_byte_dash"),
        ("closing quote lost its last byte, ftfy reads a dagger", 'He called it â€œa fair dealâ€ on Monday.',
         "He called it “a fair deal” on Monday.", "lost_byte_quote"),
        ("closing quote lost its last byte before a full stop", 'It was â€œover budgetâ€. Then he left.',
         "It was “over budget”. Then he left.", "lost_byte_quote"),
        ("em dash with euro kept", 'The port â€" closed since May â€" reopened.', "The port — closed since May — reopened.", None),
    ],
)
def test_repairs(label, broken, expected, kind):
    fixed, repairs = repair_text(broken)
    assert fixed == expected, label
    assert repairs, label
    if kind:
        assert kind in {r.kind for r in repairs}


@pytest.mark.parametrize(
    "clean",
    [
        "Plain English text, nothing to do.",
        "“Curly quotes” and ‘single ones’ stay curly — and dashes stay.",
        "Literal &amp; entity text is content, not markup.",
        "Ｆｕｌｌｗｉｄｔｈ letters stay as they are.",
        "The ﬁnancial ligature stays.",
        "Le château est à côté du café.",
        "您的位置 首页 新闻",
        "Москва и Санкт-Петербург",
        "مرحبا بالعالم",
    ],
)
def test_clean_text_is_never_changed(clean):
    fixed, repairs = repair_text(clean)
    assert fixed == clean
    assert repairs == []


def test_dagger_outside_an_open_quote_stays():
    # A footnote dagger after a closed quote or a name is content.
    for text in ["“Done,” said Ames† in 1961.", "Ames† (deceased) founded it."]:
        assert repair_text(text) == (text, [])


def test_lone_a_circumflex_is_flagged_not_guessed():
    fixed, repairs = repair_text("word â word")
    assert fixed == "word â word"
    assert [r.kind for r in repairs] == ["mojibake_residue"]


def test_repair_blocks_merges_counts():
    blocks = [Block(mojibake("It’s one.")), Block(mojibake("It’s two.")), Block("Clean.")]
    fixed, repairs = repair_blocks(blocks)
    assert [b.text for b in fixed] == ["It’s one.", "It’s two.", "Clean."]
    assert [(r.kind, r.count) for r in repairs] == [("mojibake", 2)]


def test_typographic_text_is_left_alone_and_mojibake_next_to_it_is_still_fixed():
    clean = "“We’re back,” the captain said \u2013 the ferry sails at nine\u2026 and\u00a0on time \u2014 again."
    assert repair_text(clean) == (clean, [])
    broken = "The captain said itâ€™s back \u2013 “for good”."
    fixed, repairs = repair_text(broken)
    assert fixed == "The captain said it’s back \u2013 “for good”."
    assert [r.kind for r in repairs] == ["mojibake"]


def test_soft_hyphens_are_removed_and_recorded():
    text = "The Bundes\u00adregierung met the in\u00adcoming mayor."
    fixed, repairs = repair_text(text)
    assert fixed == "The Bundesregierung met the incoming mayor."
    (repair,) = repairs
    assert (repair.stage, repair.kind, repair.count) == ("repair", "soft_hyphen", 2)
    assert "Bundes&shy;regierung" in repair.examples[0]


def test_a_soft_hyphen_read_as_cp1252_is_removed_too():
    fixed, repairs = repair_text(mojibake("Ver\u00adkehr and café"))
    assert fixed == "Verkehr and café"
    assert {"mojibake", "soft_hyphen"} <= {r.kind for r in repairs}


# The mojibake record's spans come from difflib's opcodes; on long blocks the matcher's longest-match
# search is anchored instead of quadratic, and must give difflib's opcodes exactly (the record's
# count and examples are part of every page's record).
_PARAGRAPH = ("The mayor’s office said the café on São Tomé street — closed since “last spring” — "
              "would reopen; Zoë Müller’s team agreed. ")
_REPEATS = "the port the port the port, the port and the port. " * 12


def _difflib_spans(before: str, after: str) -> list[str]:
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return [before[max(0, i1 - 12) : i2 + 12] for tag, i1, i2, _, _ in matcher.get_opcodes()
            if tag != "equal"]


@pytest.mark.parametrize(
    "label, clean",
    [
        ("long block with mojibake throughout", _PARAGRAPH * 40),
        ("changes at both ends", "Zoë " + "plain words in between, " * 60 + "and “the end”"),
        ("change next to a token boundary", "x" * 150 + " café" + " y" * 100 + "’s " + "z" * 120),
        ("changes between repeated text", _REPEATS + "Müller " + _REPEATS + "São " + _REPEATS),
        ("one change in a long block", "Long clean text without any accent at all. " * 50 + "naïve"),
    ],
)
def test_mojibake_spans_are_difflibs_on_long_blocks(label, clean):
    broken = mojibake(clean)
    fixed, repairs = repair_text(broken)
    assert fixed == clean, label
    spans = _difflib_spans(broken, clean)
    (repair,) = [r for r in repairs if r.kind == "mojibake"]
    assert (repair.count, repair.examples) == (len(spans), tuple(spans[:MAX_EXAMPLES])), label
    assert changed_spans(broken, clean) == spans, label


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="ab ", min_size=1, max_size=12),
    st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["", "a", "b", "c", " "])), max_size=25),
    st.integers(4, 60),
)
def test_anchored_matcher_gives_difflibs_opcodes(unit, edits, repeats):
    # Few letters and repeated units: many equally long matches, so the tie rules are exercised.
    a = unit * repeats + "ab" * repeats
    b = list(a)
    for pos, char in edits:
        pos %= len(b) + 1
        if char and pos < len(b):
            b[pos] = char
        elif pos < len(b):
            del b[pos]
        else:
            b.append("c")
    b = "".join(b)
    expected = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    assert AnchoredMatcher(None, a, b, autojunk=False).get_opcodes() == expected


def test_anchored_matcher_breaks_ties_as_difflib():
    # Two equally long matches, one leftmost in a, the other leftmost in b: difflib takes the first.
    u, v = "Zoë Müller " * 10, "São Tomé! " * 11
    for a, b in [(u + v, v + u), (u + "x" + v, v + "y" + u), (u * 3, u * 2)]:
        expected = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        assert AnchoredMatcher(None, a, b, autojunk=False).get_opcodes() == expected


# Ideographs whose UTF-8 bytes are all defined in cp1252, so their mojibake is read back exactly.
_IDEOGRAPHS = [c for c in map(chr, range(0x4E00, 0x5200))
               if not set(c.encode("utf-8")) & {0x81, 0x8D, 0x8F, 0x90, 0x9D}]


def _cjk_text(chars: int) -> str:
    """Chinese-looking text: distinct ideographs in runs, numbers and Latin words between them."""
    out, k = [], 0
    while sum(map(len, out)) < chars:
        out.append("".join(_IDEOGRAPHS[(k * 7 + i * 13) % len(_IDEOGRAPHS)] for i in range(5 + k % 7)))
        out.append(f" {k} " if k % 3 else " AI ")
        k += 1
    return "".join(out)


def test_a_long_mostly_non_ascii_text_is_compared_by_runs(monkeypatch):
    import newscrawl.stages.repair as repair

    clean = _cjk_text(600)
    broken = mojibake(clean)
    fixed, _ = repair_text(broken)
    assert fixed == clean
    exact = _difflib_spans(broken, clean)
    # Under the length bound: the character diff.
    assert len(broken) < repair.RUN_DIFF_MIN_CHARS
    assert changed_spans(broken, clean) == exact
    # Over it (bound lowered): runs compared whole give the same changes here, since every
    # changed run is all non-ASCII and every ASCII run is left as it was.
    monkeypatch.setattr(repair, "RUN_DIFF_MIN_CHARS", 100)

    def no_character_diff(*args, **kwargs):
        raise AssertionError("the character diff ran")

    monkeypatch.setattr(repair, "AnchoredMatcher", no_character_diff)
    by_runs = changed_spans(broken, clean)
    assert by_runs == exact
    assert len(by_runs) == sum(1 for run in repair._RUN_RE.findall(broken) if not run.isascii())


def test_a_long_text_of_latin_words_keeps_the_character_diff(monkeypatch):
    import newscrawl.stages.repair as repair

    clean = "Zoë Müller in São Tomé met the mayor’s office. " * 120
    broken = mojibake(clean)
    assert len(broken) >= repair.RUN_DIFF_MIN_CHARS
    assert changed_spans(broken, clean) == _difflib_spans(broken, clean)
