"""Body blocks that stand only in elements the page hides."""

import pytest

from newscrawl.model import Block
from newscrawl.model import Page
from newscrawl.stages.extract import Extracted
from newscrawl.stages.extract.hidden import drop_hidden_blocks, hidden_only_keys, words_key
from newscrawl.stages.extract.tree import parse_page
from newscrawl.stages.process import process_page, start, step_clean

PARAS = [f"Paragraph {i} of the harbour story: the new ferry landing opens to foot passengers next "
         f"month, the port authority said after a week of trial crossings." for i in range(5)]
TEASERS = ["Council votes to keep the night bus running through the winter.",
           "Lighthouse keeper's cottage to open as a museum in the spring."]


def page(extra: str, story_extra: str = "") -> str:
    story = "".join(f"<p>{p}</p>" for p in PARAS) + story_extra
    return f"<html><head><title>Harbour</title></head><body><article>{story}</article>{extra}</body></html>"


def tree_of(html: str):
    return parse_page(html)[0]


def drop(blocks, html):
    return drop_hidden_blocks(blocks, hidden_only_keys(blocks, tree_of(html)))


@pytest.mark.parametrize("mark", [
    'style="display:none"', 'style="DISPLAY : None;"', 'style="visibility: hidden"', "hidden",
    'aria-hidden="true"',
])
def test_a_block_inside_a_hidden_element_only_is_dropped(mark):
    html = page(f"<div {mark}>" + "".join(f"<p>{t}</p>" for t in TEASERS) + "</div>")
    blocks = [Block(p) for p in PARAS] + [Block(t) for t in TEASERS]
    kept, dropped = drop(blocks, html)
    assert [b.text for b in kept] == PARAS
    assert dropped == len(TEASERS)


def test_a_hidden_copy_of_shown_text_keeps_the_block():
    # A hidden duplicate (another screen size's copy) of a paragraph that is also shown.
    html = page(f"<div style='display:none'><p>{PARAS[1]}</p></div>")
    blocks = [Block(p) for p in PARAS]
    assert drop(blocks, html) == (blocks, 0)


def test_class_names_and_other_styles_do_not_hide():
    # A class called "hidden" is a style sheet's business; other inline styles show the text.
    html = page(f"<div class='hidden'><p>{TEASERS[0]}</p></div><div style='display:block'><p>{TEASERS[1]}</p></div>")
    blocks = [Block(p) for p in PARAS] + [Block(t) for t in TEASERS]
    assert drop(blocks, html) == (blocks, 0)


def test_the_tail_after_a_hidden_element_is_shown():
    # Text right after a hidden element is not inside it.
    html = page("", story_extra=f"<div><span hidden>menu</span>{TEASERS[0]}</div>")
    blocks = [Block(p) for p in PARAS] + [Block(TEASERS[0])]
    assert drop(blocks, html) == (blocks, 0)


def test_a_body_hidden_whole_is_kept():
    html = page(f"<div style='display:none'><p>{TEASERS[0]}</p><p>{TEASERS[1]}</p></div>")
    blocks = [Block(t) for t in TEASERS]
    assert drop(blocks, html) == (blocks, 0)


#: A hidden slideshow holding most of the page's text: trafilatura prunes hidden elements only
#: where they hold a small share of it.
SLIDES = [f"Slide {i}: boats at the old quay in the morning, before the fish market opens its doors."
          for i in range(60)]


@pytest.mark.parametrize("style", ["display:none", "visibility: hidden"])
def test_process_page_drops_a_hidden_slideshow_from_the_body_and_records_it(style):
    slides = "".join(f"<p>{s}</p>" for s in SLIDES)
    record = process_page(page("", story_extra=f"<div style='{style}'>{slides}</div>").encode(),
                          "https://harbour.example/ferry")
    assert not any(s in record.body for s in SLIDES)
    assert all(p in record.body for p in PARAS)
    assert any(r.kind == "hidden_blocks_dropped" for r in record.repairs)
    shown = process_page(page("", story_extra=f"<div>{slides}</div>").encode(), "https://harbour.example/ferry")
    assert not any(r.kind == "hidden_blocks_dropped" for r in shown.repairs)


def test_react_streamed_segments_are_shown():
    # React's streaming render writes a finished part as a hidden segment that its script moves
    # into the page: the words in it are shown text.
    segment = "".join(f"<p>{t}</p>" for t in TEASERS)
    html = page(f'<template id="B:1"></template><div hidden id="S:1a">{segment}</div>')
    blocks = [Block(p) for p in PARAS] + [Block(t) for t in TEASERS]
    assert drop(blocks, html) == (blocks, 0)


@pytest.mark.parametrize("marks", ['hidden id="sidebar"', 'hidden id="S:menu"', 'hidden aria-hidden="true" id="S:2"',
                                   'hidden style="display:none" id="S:2"'])
def test_other_hidden_ids_and_other_marks_on_a_segment_still_hide(marks):
    html = page(f"<div {marks}>" + "".join(f"<p>{t}</p>" for t in TEASERS) + "</div>")
    blocks = [Block(p) for p in PARAS] + [Block(t) for t in TEASERS]
    assert drop(blocks, html)[1] == len(TEASERS)


def test_process_page_keeps_an_article_streamed_in_react_segments():
    # The shown shell holds a line; the article arrives in streamed segments after it.
    segments = "".join(f'<div hidden id="S:{i:x}"><p>{p}</p></div>' for i, p in enumerate(PARAS))
    html = (f"<html><head><title>Harbour</title></head><body><main><p>{TEASERS[0]}</p>"
            f'<template id="P:0"></template></main>{segments}</body></html>')
    record = process_page(html.encode(), "https://harbour.example/ferry")
    assert sum(p in record.body for p in PARAS) >= 4
    assert not any(r.kind == "hidden_blocks_dropped" for r in record.repairs)



def test_a_hidden_line_in_the_closing_run_still_counts_for_the_closing_cut():
    # Dropped before the cut, the hidden heading would leave the footer a run of one line, under
    # the cut's length; the cut judges the page's run first, then the hidden line goes.
    footer, heading = "Harbour Gazette 2026", "Around the bay"
    blocks = [Block(p) for p in PARAS] + [Block(heading, kind="heading"), Block(footer)]
    extracted = Extracted(title="Harbour", blocks=list(blocks), container_text=words_key(" ".join(PARAS)),
                          hidden_keys=frozenset({words_key(heading)}))
    work = start(Page(url="https://harbour.example/ferry", body=b""))
    work.extracted, work.blocks = extracted, list(blocks)
    step_clean(work)
    assert work.record.body.split("\n\n") == PARAS
    assert ("clean", "closing_blocks_outside_article", 2) in {(r.stage, r.kind, r.count) for r in work.record.repairs}
