"""The article's container and the closing lines that stand outside it."""

import lxml.html

from newscrawl.model import Block
from newscrawl.stages.extract.container import (
    container_key,
    cut_closing_run_outside_container,
    densest_container,
    names_a_comment,
)

PARAS = [f"Paragraph {i} of the ferry story: crossings to the island resume next week after the new "
         f"landing ramp passed its inspection, the operator said on Monday." for i in range(6)]
FOOTER = ["News Tracker: past stories on this issue", "Print this story | Email this story", "Harbour Post Network"]


def tree(story: str, after: str = "") -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(
        f"<html><body><div class='story'>{story}</div><div class='bottom'>{after}</div></body></html>")


def story_html(paras: list[str], extra: str = "") -> str:
    return "".join(f"<p>{p}</p>" for p in paras) + extra


def footer_html() -> str:
    return "".join(f"<div>{line}</div>" for line in FOOTER)


def test_densest_container_is_the_parent_of_the_article_paragraphs():
    page = tree(story_html(PARAS), "<p>One short line.</p>")
    assert densest_container(page).get("class") == "story"
    assert densest_container(lxml.html.document_fromstring("<html><body><div>no paragraphs</div></body></html>")) is None


def teaser_column(n: int) -> str:
    # Other stories' teasers: a linked headline and an unfinished summary in each paragraph, more
    # characters in all than the article beside them.
    return "".join(f"<p><a href='/story/{i}'>Council votes on the new parking scheme, part {i}</a> The "
                   f"plan would add meters along the seafront and the old market street and" "</p>"
                   for i in range(n))


def test_a_column_of_linked_teasers_is_not_the_frame_even_when_it_holds_more_text():
    short = PARAS[:3]
    page = lxml.html.document_fromstring(
        f"<html><body><div class='teasers'>{teaser_column(6)}</div>"
        f"<div class='story'>{story_html(short)}</div></body></html>")
    teasers = page.find_class("teasers")[0]
    assert sum(len(p.text_content()) for p in teasers) > sum(len(p) for p in short)
    assert densest_container(page).get("class") == "story"


def test_link_rows_and_unfinished_lines_do_not_make_a_frame():
    # A row of links and a paragraph that does not end like a sentence weigh nothing; the
    # article's sentences do, even with a link inside them.
    linked = ("The operator's <a href='/timetable'>timetable</a> lists the first crossing at "
              "seven, and the last one leaves the island at ten in the evening.")
    page = lxml.html.document_fromstring(
        "<html><body><div class='links'><p>" + " | ".join(
            f"<a href='/s/{i}'>Section number {i} of the site</a>" for i in range(12)) + "</p>"
        "<p>Weather, tides, sailing times and the harbour webcam for the whole coast all in one place</p></div>"
        f"<div class='story'><p>{linked}</p><p>{PARAS[0]}</p></div></body></html>")
    assert densest_container(page).get("class") == "story"


AUTHOR_NOTE = ("<div class='author'><p>Morag Fraser has written about the island's ferries, harbours and "
               "weather for the Harbour Post since she moved to the coast twenty years ago.</p></div>")


def test_a_short_article_in_br_separated_lines_outweighs_a_single_paragraph_elsewhere():
    # The article is the story element's own text, its lines separated by <br>: it is running text
    # as much as <p>s are, and together its sentences hold more than the author's note.
    lines = [PARAS[0], "Tickets bought for cancelled crossings will be refunded at the office.", PARAS[1][:60]]
    page = lxml.html.document_fromstring(
        "<html><body><div class='story'><b>Ferry news.</b> " + "<br><br>".join(lines) + "</div>"
        + AUTHOR_NOTE + "</body></html>")
    story_text = sum(len(line) for line in lines)
    assert story_text > len(page.find_class("author")[0].text_content())
    assert densest_container(page).get("class") == "story"
    # Each run is weighed alone: the unfinished last line does not count, and without the others
    # the note is the heavier.
    short = lxml.html.document_fromstring(
        "<html><body><div class='story'>" + PARAS[1][:60] + "<br>" + PARAS[1][:50] + "</div>"
        + AUTHOR_NOTE + "</body></html>")
    assert densest_container(short).get("class") == "author"


def test_a_short_article_in_text_divs_outweighs_a_single_paragraph_elsewhere():
    page = lxml.html.document_fromstring(
        "<html><body><div class='story'>" + "".join(f"<div>{p}</div>" for p in PARAS[:2])
        + "<div><p>A nested block is not a line of running text.</p></div></div>" + AUTHOR_NOTE + "</body></html>")
    assert densest_container(page).get("class") == "story"


def test_linked_lines_between_brs_are_not_running_text():
    row = "<br>".join(f"<a href='/s/{i}'>Other story number {i} about the harbour and the sea.</a>" for i in range(8))
    page = lxml.html.document_fromstring(
        f"<html><body><div class='links'>{row}</div>" + AUTHOR_NOTE + "</body></html>")
    assert densest_container(page).get("class") == "author"


def test_an_article_in_chinese_or_japanese_outweighs_a_latin_line_elsewhere():
    # Sentences ending in a full-width full stop are prose; a copyright line in an <address>
    # is one sentence of Latin text and must not outweigh them.
    sentences = ["港口的渡轮下周恢复运行，新的登船坡道已经通过了检查。", "运营方表示，第一班船早上七点出发。"]
    page = lxml.html.document_fromstring(
        "<html><body><div class='story'>" + "".join(f"<p>{x}</p>" for x in sentences) + "</div>"
        "<address>Copyright (C) 2026 Harbour Post Network Limited. All rights reserved by the publisher.</address>"
        "</body></html>")
    assert densest_container(page).get("class") == "story"


def test_a_menu_s_options_are_not_running_text():
    options = "".join(f"<option>Archive of month {i} of the harbour news (12)</option>" for i in range(20))
    page = lxml.html.document_fromstring(
        f"<html><body><div class='menu'><div><select>{options}</select></div></div>" + AUTHOR_NOTE + "</body></html>")
    assert densest_container(page).get("class") == "author"


def test_of_two_equal_frames_the_first_on_the_page_is_chosen():
    for _ in range(5):
        page = lxml.html.document_fromstring(
            "<html><body>" + "".join(f"<div class='{name}'>{story_html(PARAS[:2])}</div>" for name in ("first", "second"))
            + "</body></html>")
        assert densest_container(page).get("class") == "first"


def test_without_any_sentence_the_frame_is_the_element_with_the_most_paragraph_text():
    page = lxml.html.document_fromstring(
        "<html><body><div class='small'><p>A caption line</p></div>"
        "<div class='big'><p>Opening times of the ferry office and the ticket desk</p>"
        "<p>Parking near the landing ramp for residents and visitors</p></div></body></html>")
    assert densest_container(page).get("class") == "big"


def test_closing_lines_outside_the_article_container_are_cut():
    blocks = [Block(p) for p in PARAS] + [Block(line) for line in FOOTER]
    kept, cut = cut_closing_run_outside_container(blocks, container_key(densest_container(tree(story_html(PARAS), footer_html()))))
    assert [b.text for b in kept] == PARAS
    assert cut == len(FOOTER)


def test_closing_lines_inside_the_container_are_the_article_s_own():
    # A short tagline and a contact line written in the story's own container stay.
    closing = ["Reporting by Jane Doe", "Editing by John Roe"]
    page = tree(story_html(PARAS, "".join(f"<p>{c}</p>" for c in closing)), footer_html())
    blocks = [Block(p) for p in PARAS + closing] + [Block(line) for line in FOOTER]
    kept, cut = cut_closing_run_outside_container(blocks, container_key(densest_container(page)))
    assert [b.text for b in kept] == PARAS + closing
    assert cut == len(FOOTER)


def test_a_single_closing_line_lists_tables_and_prose_end_nothing():
    page = tree(story_html(PARAS), footer_html() + "<ul><li>See also the tide table</li></ul>"
                "<p>A closing paragraph written outside the container is still the article's prose, it ends well.</p>")
    one = [Block(p) for p in PARAS] + [Block(FOOTER[0])]
    assert cut_closing_run_outside_container(one, container_key(densest_container(page))) == (one, 0)
    listed = [Block(p) for p in PARAS] + [Block(FOOTER[0]), Block("- See also the tide table", "list")]
    assert cut_closing_run_outside_container(listed, container_key(densest_container(page))) == (listed, 0)
    prose = [Block(p) for p in PARAS] + [Block(line) for line in FOOTER[:2]] + [
        Block("A closing paragraph written outside the container is still the article's prose, it ends well.")]
    assert cut_closing_run_outside_container(prose, container_key(densest_container(page))) == (prose, 0)


def test_a_container_holding_less_than_half_the_body_is_not_the_article_s():
    # The story is written in table cells, which are not running text of any element; the
    # densest container is a small box beside it.
    page = lxml.html.document_fromstring(
        "<html><body><table class='story'>" + "".join(f"<tr><td>{p}</td></tr>" for p in PARAS)
        + "</table><div class='box'><p>Subscribe to the Harbour Post.</p></div>" + footer_html() + "</body></html>")
    blocks = [Block(p) for p in PARAS] + [Block(line) for line in FOOTER]
    assert cut_closing_run_outside_container(blocks, container_key(densest_container(page))) == (blocks, 0)
    assert cut_closing_run_outside_container(blocks, container_key(None)) == (blocks, 0)


def test_a_closing_run_longer_than_a_short_article_is_still_cut():
    # A short story followed by more furniture than it has words: the container's share is taken
    # of the body before the closing run, which is what is being judged.
    short = PARAS[:2]
    furniture = [f"Harbour Post network site number {i} for the region and its ferries" for i in range(8)]
    page = tree(story_html(short), "".join(f"<div>{line}</div>" for line in furniture))
    blocks = [Block(p) for p in short] + [Block(line) for line in furniture]
    kept, cut = cut_closing_run_outside_container(blocks, container_key(densest_container(page)))
    assert [b.text for b in kept] == short
    assert cut == len(furniture)


def test_process_page_records_the_cut_closing_lines(monkeypatch):
    from newscrawl.stages import process_page
    from newscrawl.stages.extract import article

    # trafilatura keeps the closing lines on the layouts this is for; here it is made to.
    monkeypatch.setattr(article, "trafilatura_body", lambda *a, **k: [Block(p) for p in PARAS]
                        + [Block(line) for line in FOOTER])
    html = ("<html><head><title>Ferry crossings resume</title></head><body>"
            + f"<div class='story'>{story_html(PARAS)}</div><div>{footer_html()}</div></body></html>")
    record = process_page(html.encode(), "http://x.example/a", {"Content-Type": "text/html"})
    assert record.body == "\n\n".join(PARAS)
    assert ("clean", "closing_blocks_outside_article", len(FOOTER)) in {
        (r.stage, r.kind, r.count) for r in record.repairs}


COMMENT = ("I have taken this ferry for twenty years and the old ramp was never the problem, the "
           "problem was the timetable, which nobody at the operator has changed since the new boats "
           "came, so the evening crossing still leaves before the last train arrives at the harbour.")


def test_a_reader_s_comment_longer_than_a_short_article_is_not_the_frame():
    page = lxml.html.document_fromstring(
        f"<html><body><div class='story'><h1>Ferry crossings resume</h1><p>{PARAS[0]}</p></div>"
        f"<ol class='comment-list'><li><div class='comment-body'><p>{COMMENT}</p><p>{COMMENT}</p></div></li>"
        "</ol></body></html>")
    assert densest_container(page).get("class") == "story"


def test_a_comment_is_the_frame_where_nothing_else_reads_as_prose():
    page = lxml.html.document_fromstring(
        "<html><body><div class='menu'><p>Home</p><p>News</p></div>"
        f"<div id='comments'><p>{COMMENT}</p></div></body></html>")
    assert densest_container(page).get("id") == "comments"


def test_a_wrapper_named_for_an_opinion_column_does_not_hide_the_article_inside_it():
    # Only the element's own names count: the article's paragraphs sit in a wrapper whose
    # ancestor names the section "comment", and they are still the frame.
    page = lxml.html.document_fromstring(
        f"<html><body><div class='content content--comment'><div class='article-body'>{story_html(PARAS[:2])}"
        f"</div></div><div class='promo'><p>{PARAS[3]}</p></div></body></html>")
    assert densest_container(page).get("class") == "article-body"


def test_names_a_comment_reads_whole_words_of_the_class_and_id():
    def element(attrs: str) -> lxml.html.HtmlElement:
        return lxml.html.fragment_fromstring(f"<div {attrs}>x</div>")

    assert names_a_comment(element("class='dsq-comment-message'"))
    assert names_a_comment(element("id='comments_42'"))
    assert not names_a_comment(element("class='commentary column'"))
    assert not names_a_comment(element("class='story'"))
    assert not names_a_comment(element(""))
