"""Body blocks that stand only in elements the page hides."""

import pytest

from newscrawl.model import Block
from newscrawl.model import Page
from newscrawl.stages.extract import Extracted
from newscrawl.stages.extract.container import densest_container
from newscrawl.stages.extract.hidden import drop_hidden_blocks, hidden_only_keys, marked_elements, words_key
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
    tree = tree_of(html)
    return drop_hidden_blocks(blocks, hidden_only_keys(blocks, tree, densest_container(tree)))


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


#: A gallery's captions, one slide shown at a time by the page's script.
SLIDES = [f"Slide {i}: boats at the old quay in the morning, before the fish market opens its doors."
          for i in range(60)]
MENU = ["Home", "Harbour news", "Weather and tides", "Contact the newsroom"]


def gallery(style: str, slides=SLIDES) -> str:
    return "".join(f"<section style='{style}'><p>{s}</p></section>" for s in slides)


def menu() -> str:
    return "<nav style='display:none'><ul>" + "".join(f"<li>{m}</li>" for m in MENU) + "</ul></nav>"


@pytest.mark.parametrize("style", ["display:none", "visibility: hidden"])
def test_hidden_slides_inside_the_article_frame_are_kept_and_a_hidden_menu_outside_it_is_dropped(style):
    html = page(menu(), story_extra=gallery(style, SLIDES[:3]))
    blocks = [Block(p) for p in PARAS] + [Block(s) for s in SLIDES[:3]] + [Block(m) for m in MENU]
    kept, dropped = drop(blocks, html)
    assert [b.text for b in kept] == PARAS + SLIDES[:3]
    assert dropped == len(MENU)


def test_without_a_frame_every_hidden_element_hides():
    html = page("", story_extra=gallery("display:none", SLIDES[:3]))
    blocks = [Block(p) for p in PARAS] + [Block(s) for s in SLIDES[:3]]
    assert drop_hidden_blocks(blocks, hidden_only_keys(blocks, tree_of(html)))[1] == 3


def test_a_frame_standing_in_a_hidden_element_is_taken_as_the_shown_element_around_it():
    # The slides hold more prose than the shown lead, so the densest element is one hidden
    # slide: the article is the gallery the script shows, and the shown lead and every slide stay,
    # while the hidden menu beside the gallery still goes.
    slides = "".join(f"<section style='display:none'>{''.join(f'<p>{s}</p>' for s in SLIDES[i:i + 10])}</section>"
                     for i in range(0, 30, 10))
    html = (f"<html><body><main><p>{TEASERS[0]}</p><div class='gallery'>{slides}</div></main>"
            f"<div>{menu()}</div></body></html>")
    blocks = [Block(TEASERS[0])] + [Block(s) for s in SLIDES[:30]] + [Block(m) for m in MENU]
    kept, dropped = drop(blocks, html)
    assert [b.text for b in kept] == [TEASERS[0]] + SLIDES[:30]
    assert dropped == len(MENU)


@pytest.mark.parametrize("style", ["display:none", "visibility: hidden"])
def test_process_page_keeps_a_gallery_of_hidden_slides_inside_the_article(style):
    record = process_page(page("", story_extra=gallery(style)).encode(), "https://harbour.example/ferry")
    assert all(p in record.body for p in PARAS)
    assert sum(s in record.body for s in SLIDES) >= len(SLIDES) // 2
    assert not any(r.kind == "hidden_blocks_dropped" for r in record.repairs)


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


def test_marked_elements_in_document_order_each_once():
    tree = parse_page(
        '<html><body><div id="a" style="x" hidden aria-hidden="false"><p id="b" class="c">t</p>'
        '<span id="c" aria-hidden="true" style="y">u</span></div><p id="d" hidden>v</p>'
        '<p id="e" data-style="display:none">w</p><section id="f" style="">z</section></body></html>')
    tree = tree[0]
    assert [el.get("id") for el in marked_elements(tree)] == ["a", "c", "d", "f"]
    assert marked_elements(tree) == tree.xpath("//*[@hidden or @aria-hidden or @style]")
