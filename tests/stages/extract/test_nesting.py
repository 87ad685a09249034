"""Pages nested deeper than the parser goes: flattened, parsed whole, the repair recorded."""

import lxml.html
import pytest

from newscrawl import process_page
from newscrawl.stages.extract import extract_article
from newscrawl.stages.extract.nesting import cap_depth, drop_unclosed_elements

PARAGRAPHS = [f"Paragraph {i} of the harbour story: the new crane arrived by barge on Tuesday and will "
              f"start lifting containers next month, the port authority said." for i in range(8)]
ARTICLE = "<article><h1>Crane arrives</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article>"


def depth(html: str) -> int:
    root = lxml.html.document_fromstring(html, parser=lxml.html.HTMLParser(huge_tree=True))

    def height(element) -> int:  # iterative: the trees here are deeper than Python's recursion
        deepest, stack = 0, [(element, 1)]
        while stack:
            node, level = stack.pop()
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in node)
        return deepest
    return height(root)


def test_unclosed_wrappers_are_dropped_and_everything_else_kept():
    html = ("<html><body><div class='post'><font color='red'>first line<br>"
            "<div title='a > b'>quoted</div><b>bold</b> tail</div>"
            "<script>var t = '<div>';</script><!-- <span> --><ul><li>one<li>two</ul>"
            "<p>open paragraph<p>next paragraph<span>never closed</body></html>")
    flat, dropped = drop_unclosed_elements(html)
    # <font> (closed only by its parent's </div>) and <span> (by </body>) are dropped; the
    # attribute holding ">", the fake tags in the script and the comment, the <li> and <p>
    # that HTML closes by themselves, and <br> are left alone.
    assert dropped == 2
    assert "<font" not in flat and "<span>never" not in flat
    assert flat.count("<div") == 3 and "<div title='a > b'>" in flat  # two, and the script's
    assert "var t = '<div>';" in flat and "<!-- <span> -->" in flat
    assert flat.count("<li>") == 2 and flat.count("<p>") == 2 and "<br>" in flat
    assert lxml.html.fromstring(flat).text_content() == lxml.html.fromstring(html).text_content()


def test_well_formed_page_is_left_as_it_is():
    html = f"<html><body><div><span>a</span>{ARTICLE}<img src='x.png'><br/></div></body></html>"
    assert drop_unclosed_elements(html) == (html, 0)
    assert cap_depth(html) == (html, 0)


def test_cap_depth_keeps_the_top_and_the_bottom_of_the_tree():
    html = "<html><body>" + "<div>" * 3000 + ARTICLE + "</div>" * 3000 + "</body></html>"
    capped, dropped = cap_depth(html, max_depth=100)
    assert dropped > 2900
    assert depth(capped) <= 100
    tree = lxml.html.fromstring(capped)
    # The article keeps its own elements: each paragraph is still a <p>.
    assert [p.text_content() for p in tree.iter("p")] == PARAGRAPHS


@pytest.mark.parametrize("tag", ["div", "font", "span"])
def test_article_behind_thousands_of_unclosed_tags_is_extracted(tag):
    # libxml2 drops everything below 2,048 levels, even with huge_tree.
    html = f"<html><head><title>Crane arrives</title></head><body>{f'<{tag}>' * 2500}{ARTICLE}</body></html>"
    record = process_page(html.encode(), "https://harbour.example/crane", {"Content-Type": "text/html"})
    assert record.skip_reason is None
    assert record.body.split("\n\n") == PARAGRAPHS
    assert {(r.stage, r.kind, r.count) for r in record.repairs} == {("extract", "deep_nesting_flattened", 2500)}


def test_article_nested_in_thousands_of_closed_elements_is_extracted():
    html = "<html><body>" + "<div>" * 5000 + ARTICLE + "</div>" * 5000 + "</body></html>"
    record = process_page(html.encode(), "https://harbour.example/crane", {"Content-Type": "text/html"})
    assert record.skip_reason is None and record.body.split("\n\n") == PARAGRAPHS
    assert any(r.kind == "deep_nesting_flattened" for r in record.repairs)


def test_page_under_the_depth_limit_is_not_flattened():
    html = "<html><body>" + "<div>" * 1500 + ARTICLE + "</body></html>"
    extracted = extract_article(html, "https://harbour.example/crane")
    assert extracted.nesting_tags_dropped == 0
    assert [b.text for b in extracted.blocks] == PARAGRAPHS


def test_stray_end_tags_are_left_to_the_parser():
    # An end tag with nothing of its name open closes nothing (and is not searched for: pages
    # with thousands of them are flattened in linear time).
    assert drop_unclosed_elements("<div><b>x</span></div>") == ("<div>x</span></div>", 1)
    assert cap_depth("<div><div><div>x</span></div></div></div>", 2)[0].count("</span>") == 1
