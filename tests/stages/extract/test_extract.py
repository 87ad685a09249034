"""Extraction: body choice by evidence, metadata with sources, block structure."""

import json

import lxml.html
import pytest

from newscrawl.stages.extract import extract_article
from newscrawl.stages.extract.body import choose_body
from newscrawl.stages.extract.metadata import page_title
from newscrawl.model import Block

PARAS = [f"Paragraph {i} of the ferry story: crossings to the island resume next week after the new "
         f"landing ramp passed its inspection, the operator said on Monday." for i in range(10)]


def page(body_html: str, head: str = "") -> str:
    return f"<html><head><title>Ferry crossings resume | Island Post</title>{head}</head><body>{body_html}</body></html>"


def test_title_character_references_left_by_double_escaping_are_resolved():
    # The CMS escaped the headline once more than the parser unescapes.
    head = ('<meta property="og:title" content="Council&amp;#8217;s ferry plan &amp;amp; the vote">'
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Mayor&#039;s plan",'
            ' "author": {"@type": "Person", "name": "Odile O&#8217;Hara"}}</script>')
    tree = lxml.html.fromstring(page("<p>text</p>", head))
    assert page_title(tree, None, {"og:title": "Council&#8217;s ferry plan &amp; the vote"}, None) == \
        "Council’s ferry plan & the vote"
    ex = extract_article(page("<h2>Other</h2>" + "".join(f"<p>{p}</p>" for p in PARAS), head), "http://x.example/a")
    assert ex.title == "Mayor's plan"
    assert ex.authors == ["Odile O’Hara"]


def test_title_without_references_keeps_its_ampersands():
    tree = lxml.html.fromstring(page("<p>text</p>"))
    assert page_title(tree, None, {"og:title": "Salt & pepper: R&D at the mill"}, None) == "Salt & pepper: R&D at the mill"


def test_json_ld_article_body_used_when_it_holds_more_of_the_same_text():
    ld = {"@type": "NewsArticle", "articleBody": "\n".join(PARAS)}
    short = [Block(p) for p in PARAS[:3]]
    blocks, source = choose_body(short, ld, "<html></html>", "http://x.example/a")
    assert source == "json-ld" and [b.text for b in blocks] == PARAS


def test_json_ld_of_other_text_is_ignored():
    ld = {"@type": "NewsArticle", "articleBody": " ".join(["Unrelated teaser text about a concert."] * 40)}
    ours = [Block(p) for p in PARAS[:3]]
    assert choose_body(ours, ld, "<html></html>", "http://x.example/a") == (ours, "trafilatura")


def test_title_prefers_h1_confirmed_by_metadata_and_strips_site_suffix():
    import lxml.html

    tree = lxml.html.document_fromstring(page("<h1>Ferry crossings resume</h1><p>x</p>",
                                              '<meta property="og:title" content="Ferry crossings resume - Island Post">'))
    assert page_title(tree, None, {"og:title": "Ferry crossings resume - Island Post"}, "Island Post") == "Ferry crossings resume"
    tree = lxml.html.document_fromstring(page("<p>x</p>"))
    assert page_title(tree, None, {}, "Island Post") == "Ferry crossings resume"


@pytest.mark.parametrize(
    "declared, url, expected",
    [
        # The site's address or its domain's name at either end, spaced or not.
        ("Harbourgazette.com: Ferry crossings resume", "https://www.harbourgazette.com/a", "Ferry crossings resume"),
        ("Ferry crossings resume | Harbourgazette", "https://harbourgazette.com/a", "Ferry crossings resume"),
        ("Ferry crossings resume|HARBOUR GAZETTE", "https://news.harbourgazette.co.uk/a", "Ferry crossings resume"),
        # Other end parts, and a title that is the site's name alone, stay.
        ("Ferries: crossings resume", "https://harbourgazette.com/a", "Ferries: crossings resume"),
        ("Harbour Gazette", "https://harbourgazette.com/a", "Harbour Gazette"),
        # A hyphen is a separator only with a space beside it: unspaced, it joins two words.
        ("Harbourgazette.com- Ferry crossings resume", "https://harbourgazette.com/a", "Ferry crossings resume"),
        ("Harbourgazette-funded ferry crossings resume", "https://harbourgazette.com/a",
         "Harbourgazette-funded ferry crossings resume"),
        # The decoration around the site's name goes with it; an ellipsis at the other end stays.
        (".:: HARBOURGAZETTE ::. Ferry crossings resume", "https://harbourgazette.com/a", "Ferry crossings resume"),
        ("Ferry crossings resume .:: HARBOURGAZETTE ::.", "https://harbourgazette.com/a", "Ferry crossings resume"),
        ("Harbourgazette: Ferry crossings resume...", "https://harbourgazette.com/a", "Ferry crossings resume..."),
    ],
)
def test_title_loses_an_end_part_naming_the_site(declared, url, expected):
    import lxml.html

    tree = lxml.html.document_fromstring(page("<p>x</p>"))
    assert page_title(tree, None, {"og:title": declared}, None, url) == expected


def test_metadata_with_sources():
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Ferry crossings resume",
          "datePublished": "2026-10-12T08:00:00+02:00", "dateModified": "2026-10-12T10:30:00+02:00",
          "author": [{"@type": "Person", "name": "By Ana Ruiz"}], "articleSection": "Local",
          "publisher": {"@type": "Organization", "name": "Island Post"}}
    html = page("<article><h1>Ferry crossings resume</h1>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article>",
                f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    ex = extract_article(html, "http://www.islandpost.example/local/2026/10/12/ferry")
    assert ex.title == "Ferry crossings resume"
    assert ex.published_at.isoformat() == "2026-10-12T06:00:00+00:00" and ex.published_source == "json-ld"
    assert ex.modified_at.isoformat() == "2026-10-12T08:30:00+00:00" and ex.modified_source == "json-ld"
    assert ex.authors == ["Ana Ruiz"]
    assert ex.section == "Local" and ex.site_name == "Island Post"
    assert [b.text for b in ex.blocks] == PARAS


def test_blog_br_paragraphs_split_and_heading_tail_kept():
    html = page("<div class='post-body'>" + "<br><br>".join(PARAS[:4]) + "</div>")
    ex = extract_article(html, "http://blog.example/p/1")
    assert [b.text for b in ex.blocks] == PARAS[:4]


def test_date_from_meta_then_url():
    html = page("<article>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article>",
                '<meta property="article:published_time" content="2026-10-12T08:00:00Z">')
    ex = extract_article(html, "http://x.example/a")
    assert ex.published_source == "meta:article:published_time"
    ex = extract_article(page("<article>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article>"),
                         "http://x.example/2026/10/12/ferry-story")
    assert ex.published_at is not None and ex.published_at.date().isoformat() == "2026-10-12"
    assert ex.published_source == "htmldate"


def test_a_year_alone_is_no_publication_date():
    # htmldate reports a year it found ("© 2024", a /2024/ URL) as 1 January: not a date.
    body = "<article>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article><footer>© 2024 Island Post</footer>"
    ex = extract_article(page(body), "http://x.example/2024/ferry-story")
    assert ex.published_at is None and ex.published_source is None
    # A full date on the page is still read.
    ex = extract_article(page(body.replace("<article>", "<article><p>Published 12 March 2024</p>")),
                         "http://x.example/2024/ferry-story")
    assert ex.published_at is not None and ex.published_at.date().isoformat() == "2024-03-12"


def test_collapsed_recall_body_is_checked_against_the_balanced_mode():
    from newscrawl.stages.extract.body import recall_collapse_rescue

    html = page("<article><h1>Ferry crossings resume</h1>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article>")
    visible = PARAS + ["Home", "News", "Sport"] * 20
    # favor_recall kept one paragraph of ten: far below the page's share, the balanced mode's
    # body holds it and the rest of the article.
    blocks, source = recall_collapse_rescue([Block(PARAS[0])], visible, html, "http://x.example/a")
    assert source == "trafilatura-balanced"
    assert [b.text for b in blocks if b.text in PARAS] == PARAS


def test_collapsed_recall_body_below_an_article_size_gives_way_to_other_text():
    from newscrawl.stages.extract.body import recall_collapse_rescue

    html = page("<article><h1>Ferry crossings resume</h1>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article>")
    visible = PARAS + ["Home", "News", "Sport"] * 100
    # favor_recall grabbed a header line and a legal footer (text the balanced body does not hold):
    # too small to be an article, so there is nothing for the containment check to protect.
    grabbed = [Block("Guides and advice"), Block("Reproduction only with the written permission of the editors.")]
    blocks, source = recall_collapse_rescue(grabbed, visible, html, "http://x.example/a")
    assert source == "trafilatura-balanced" and [b.text for b in blocks if b.text in PARAS] == PARAS
    # An article-sized body of other text is protected: the balanced body must hold it.
    other = [Block(f"Unrelated line {i} about the county fair and its prize-winning pumpkins.") for i in range(7)]
    assert recall_collapse_rescue(other, visible, html, "http://x.example/a") == (other, "trafilatura")


def test_collapsed_whitespace_is_the_pattern_s_plus_made_one_space():
    # Every reader normalizes whitespace with collapsed(); the pages' texts must come out as the
    # \s+ pattern made them: exotic spaces (no-break, ideographic, line and paragraph separators,
    # the information separators) are whitespace to both, zero-width ones to neither.
    import re
    import sys

    from newscrawl.stages.extract.whitespace import collapsed

    pattern = re.compile(r"\s+")
    spaces = "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if pattern.fullmatch(ch))
    assert "\u00a0" in spaces and "\u3000" in spaces and "\u2029" in spaces and "\x1f" in spaces
    samples = [f"{spaces}Ferry{spaces}crossings\u200b resume{spaces}", "a\ufeffb", "", spaces, "  x  y\n\tz "]
    for text in samples:
        assert collapsed(text) == pattern.sub(" ", text).strip()


def test_trafilatura_leaves_the_page_tree_it_is_given_as_parsed():
    # The extract stage parses a page once: the readers after trafilatura (the recall-collapse
    # rescue, the densest-paragraph fallback, the flattened-block walk) read the same tree, which
    # holds only while trafilatura prunes a copy of it. A trafilatura that pruned the tree itself
    # would change their input: this says so.
    from lxml import etree

    from newscrawl.stages.extract.body import trafilatura_body
    from newscrawl.stages.extract.tree import page_tree

    html = page("<nav><a href='/'>Home</a></nav><article><h1>Ferry crossings resume</h1>"
                + "".join(f"<p>{p}</p>" for p in PARAS) + "</article><footer><p>Contact us</p></footer>")
    tree = page_tree(html)
    for favor_recall in (True, False):
        assert trafilatura_body(tree, "http://x.example/a", favor_recall=favor_recall)
    assert etree.tostring(tree) == etree.tostring(page_tree(html))


def test_collapsed_recall_rescue_reads_the_given_tree_as_a_new_parse():
    from newscrawl.stages.extract.body import recall_collapse_rescue
    from newscrawl.stages.extract.tree import page_tree

    html = page("<article><h1>Ferry crossings resume</h1>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article>")
    visible = PARAS + ["Home", "News", "Sport"] * 20
    parsed = recall_collapse_rescue([Block(PARAS[0])], visible, html, "http://x.example/a")
    shared = recall_collapse_rescue([Block(PARAS[0])], visible, html, "http://x.example/a", tree=page_tree(html))
    assert shared == parsed and shared[1] == "trafilatura-balanced"


def test_body_covering_the_page_is_not_second_guessed(monkeypatch):
    import newscrawl.stages.extract.body as body

    def fail(*args, **kwargs):
        raise AssertionError("balanced mode must not run")

    monkeypatch.setattr(body.trafilatura, "bare_extraction", fail)
    ours = [Block(p) for p in PARAS]
    assert body.recall_collapse_rescue(ours, PARAS + ["Home"], "<html></html>", "http://x.example/a") == (
        ours, "trafilatura")


def test_article_after_an_early_closing_html_tag_is_found():
    # A template that includes a whole document closes </body></html> before the article:
    # browsers keep reading into the body, and so must the extractor.
    html = ("<html><head><title>Ferry crossings resume</title></head><body><nav><a href='/'>Home</a></nav>"
            "</body></html><div class='story'><h1>Ferry crossings resume</h1>"
            + "".join(f"<p>{p}</p>" for p in PARAS) + "</div><footer>Contact</footer></body></html>")
    extracted = extract_article(html, "http://x.example/a")
    assert [b.text for b in extracted.blocks] == PARAS


def test_densest_paragraphs_takes_the_container_of_the_article_paragraphs():
    import lxml.html

    from newscrawl.stages.extract.body import densest_paragraphs

    tree = lxml.html.document_fromstring(
        "<html><body><div class='teasers'><p>Short teaser one.</p><p>Short teaser two.</p></div>"
        "<div class='x1'><p>" + PARAS[0] + "</p><h2>Timetable</h2><p>" + PARAS[1] + "</p><ul><li>Monday</li>"
        "<li>Friday</li></ul><p>" + PARAS[2] + "</p></div></body></html>")
    blocks = densest_paragraphs(tree)
    assert [(b.kind, b.text) for b in blocks] == [
        ("p", PARAS[0]), ("head", "Timetable"), ("p", PARAS[1]), ("list", "Monday\nFriday"), ("p", PARAS[2])]
    assert densest_paragraphs(lxml.html.document_fromstring("<html><body><div>no paragraphs</div></body></html>")) == []


def test_article_swallowed_by_an_unclosed_menu_button_is_found():
    # A menu <button> left open in the markup holds the rest of the page, article included
    # (browsers show it). trafilatura deletes buttons whole; with a paragraph left outside the
    # button (a footer line) nothing brings the article back, unless the button is a container.
    for tag in ("button", "nav", "aside"):
        html = (f"<html><head><title>Ferry crossings resume</title></head><body><div class='top'>"
                f"<{tag} class='menu-toggle'><span>Menu</span><div class='story'><h1>Ferry crossings resume</h1>"
                + "".join(f"<p>{p}</p>" for p in PARAS) + "</div></div>"
                "<div class='bottom'><p>Island Post, 4 Harbour Lane. All rights reserved.</p></div></body></html>")
        extracted = extract_article(html, "http://x.example/a")
        assert [b.text for b in extracted.blocks][: len(PARAS)] == PARAS, tag


def test_small_furniture_is_still_furniture():
    import lxml.html

    from newscrawl.stages.extract.tree import demote_swallowing_furniture

    tree = lxml.html.document_fromstring(
        "<html><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav><div>"
        + "".join(f"<p>{p}</p>" for p in PARAS) + "</div><aside>Most read: " + PARAS[0] + "</aside>"
        "<footer>Contact us</footer></body></html>")
    assert demote_swallowing_furniture(tree) == 0
    assert [el.tag for el in tree.find("body")] == ["nav", "div", "aside", "footer"]



def _mega_menu(links: int) -> str:
    sections = ["Harbour", "Weather", "Schools", "Council", "Sport", "Markets", "Letters", "Obituaries"]
    return "".join(f"<li><a href='/s/{i}'>{sections[i % 8]} desk story number {i} of the week</a></li>"
                   for i in range(links))


def test_a_mega_menu_holding_most_of_a_short_page_is_still_furniture():
    # A site's navigation of hundreds of section and story links can hold more text than a short
    # article; it is links, not prose, so it is no wrapper that swallowed the article.
    from newscrawl.stages.extract.tree import demote_swallowing_furniture

    html = page("<nav class='main'><ul>" + _mega_menu(120) + "</ul></nav><div class='story'>"
                + "".join(f"<p>{p}</p>" for p in PARAS[:3]) + "</div>")
    tree = lxml.html.document_fromstring(html)
    assert demote_swallowing_furniture(tree) == 0
    texts = [b.text for b in extract_article(html, "http://x.example/a").blocks]
    assert texts[:3] == PARAS[:3]
    assert not any("desk story number" in t for t in texts)


def test_an_article_inside_an_unclosed_noscript_is_read():
    # A tracking pixel's <noscript> left open in a template takes in the rest of the page: the
    # article is inside it, and a browser shows it.
    html = page("<noscript><img src='/pixel.gif'><div class='story'><h1>Ferry crossings resume</h1>"
                + "".join(f"<p>{p}</p>" for p in PARAS[:4]) + "</div>")
    assert [b.text for b in extract_article(html, "http://x.example/a").blocks][:4] == PARAS[:4]


def test_a_page_that_is_all_noscript_fallback_is_read_and_a_small_fallback_is_dropped():
    # A script-built site whose whole page, menus included, is its no-script fallback.
    whole = page("<noscript><ul>" + _mega_menu(20) + "</ul><div class='story'>"
                 + "".join(f"<p>{p}</p>" for p in PARAS[:4]) + "</div></noscript>")
    assert [b.text for b in extract_article(whole, "http://x.example/a").blocks][:4] == PARAS[:4]
    # A real fallback is a line beside the article: never part of it.
    small = page("<noscript><p>Please turn on JavaScript to see the harbour webcam and the tide table.</p>"
                 "</noscript><div class='story'>" + "".join(f"<p>{p}</p>" for p in PARAS[:4]) + "</div>")
    texts = [b.text for b in extract_article(small, "http://x.example/a").blocks]
    assert texts[:4] == PARAS[:4] and not any("JavaScript" in t for t in texts)

# --- flattened blocks cut back into lines ----------------------------------------------------

_FLATTENED_PAGE = """<html><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<div class="post">
  <h1>Harbor ferry returns after winter repairs</h1>
  <p class="byline">By Mara Quill</p>
  <p>The Riverton harbor ferry carried its first passengers of the year on Monday, after a winter in
  dry dock where crews replaced its <a href="/engines">two diesel engines</a> and repainted the hull.</p>
  <div class="promo"><button>Subscribe</button></div>
  <p>Captain Ines Boyle said the new engines burn a third less fuel and are quieter on the water.</p>
  <p>Tickets stay at four dollars for adults, and children under twelve ride free until June.</p>
</div>
<footer>Contact the newsroom</footer>
</body></html>"""


def test_rendered_lines_break_at_blocks_and_run_on_through_inline_elements():
    from newscrawl.stages.extract.flattened import rendered_lines
    from newscrawl.stages.extract.tree import page_tree

    lines = rendered_lines(page_tree(_FLATTENED_PAGE).find("body"))
    texts = [text for text, _ in lines]
    assert "Harbor ferry returns after winter repairs" in texts
    assert ("Harbor ferry returns after winter repairs", "head") in lines
    # The link runs on inside its paragraph: one line, spaced as the page has it.
    assert any(t.startswith("The Riverton harbor ferry") and "two diesel engines and repainted" in t for t in texts)
    assert "Subscribe" in texts and "Home News" in texts


def _flattened_block(*parts: str) -> Block:
    return Block(" ".join(" ".join(p.split()) for p in parts))


def test_flattened_block_is_cut_back_into_its_lines_passing_over_what_the_extractor_dropped(monkeypatch):
    import newscrawl.stages.extract.flattened as flattened
    from newscrawl.stages.extract.tree import page_tree

    monkeypatch.setattr(flattened, "FLATTENED_BLOCK_WORDS", 20)  # the fixture is short
    paragraphs = [
        "Harbor ferry returns after winter repairs", "By Mara Quill",
        "The Riverton harbor ferry carried its first passengers of the year on Monday, after a winter"
        " in dry dock where crews replaced its two diesel engines and repainted the hull.",
        # "Subscribe" (a button) was dropped by the extractor.
        "Captain Ines Boyle said the new engines burn a third less fuel and are quieter on the water.",
        "Tickets stay at four dollars for adults, and children under twelve ride free until June.",
    ]
    out = flattened.resegment_flattened([_flattened_block(*paragraphs)],
                                      lambda: page_tree(_FLATTENED_PAGE))
    assert [b.text for b in out] == paragraphs
    assert out[0].kind == "head"


def test_flattened_block_starting_and_ending_inside_lines_is_cut_there(monkeypatch):
    import newscrawl.stages.extract.flattened as flattened
    from newscrawl.stages.extract.tree import page_tree

    monkeypatch.setattr(flattened, "FLATTENED_BLOCK_WORDS", 20)
    flat = _flattened_block(
        "harbor ferry carried its first passengers of the year on Monday, after a winter in dry dock where"
        " crews replaced its two diesel engines and repainted the hull.",
        "Captain Ines Boyle said the new engines burn a third less fuel")
    out = flattened.resegment_flattened([flat], lambda: page_tree(_FLATTENED_PAGE))
    assert [b.text for b in out] == [
        "harbor ferry carried its first passengers of the year on Monday, after a winter in dry dock where"
        " crews replaced its two diesel engines and repainted the hull.",
        "Captain Ines Boyle said the new engines burn a third less fuel"]


def test_flattened_block_not_found_in_the_page_stays_whole(monkeypatch):
    import newscrawl.stages.extract.flattened as flattened
    from newscrawl.stages.extract.tree import page_tree

    monkeypatch.setattr(flattened, "FLATTENED_BLOCK_WORDS", 20)
    flat = _flattened_block("The Riverton harbor ferry carried its first passengers of the year on Monday, and the"
                            " mayor cut a ribbon on the quay while a brass band played two marches for the crowd.")
    assert flattened.resegment_flattened([flat], lambda: page_tree(_FLATTENED_PAGE)) == [flat]


def test_deeply_nested_markup_is_walked_without_recursion():
    from newscrawl.stages.extract.flattened import rendered_lines

    root = lxml.html.fromstring("<div>x</div>")
    node = root
    for _ in range(5000):  # deeper than Python's recursion limit
        node = lxml.html.etree.SubElement(node, "span")
    node.text = "deep text"
    lxml.html.etree.SubElement(root, "p").text = "after"
    assert rendered_lines(root) == [("xdeep text", "p"), ("after", "p")]  # spans run on, no space


def test_article_nested_deeper_than_libxml2s_default_limit_is_read():
    # libxml2 drops what lies deeper than 256 elements unless told otherwise; broken markup (an
    # unclosed <div> per comment or ad slot) nests that deep.
    paragraph = "The Riverton ferry sails again after a winter of repairs, the harbor office said. " * 8
    html = "<html><body>" + "<div>" * 400 + f"<p>{paragraph}</p>" + "</div>" * 400 + "</body></html>"
    extracted = extract_article(html, "https://riverton.example/news/ferry")
    assert "winter of repairs" in " ".join(b.text for b in extracted.blocks)


def test_an_xhtml_page_opening_with_an_xml_encoding_declaration_is_read():
    # The page reaches extract as text; lxml refuses text that declares its own encoding.
    body = "<div class='story'>" + "".join(f"<p>{p}</p>" for p in PARAS[:6]) + "</div>"
    for opening in ('<?xml version="1.0" encoding="UTF-8"?>\n', '\ufeff  <?xml version="1.0" encoding="utf-8" ?>'):
        ex = extract_article(opening + '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
                             '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
                             '<html xmlns="http://www.w3.org/1999/xhtml">' + page(body)[6:], "http://x.example/a")
        assert ex.title == "Ferry crossings resume"
        assert [b.text for b in ex.blocks] == PARAS[:6]



def test_an_xml_declaration_that_never_closes_with_a_question_mark_is_read_past():
    # lxml refuses text opening with an encoding declaration however it ends; a template's
    # broken encoding value closed by "/>" (or a bare ">") still makes one. The declaration
    # ends at the first ">", as the HTML parser ends it in the page's bytes.
    body = "<div class='story'>" + "".join(f"<p>{p}</p>" for p in PARAS[:6]) + "</div>"
    for opening in ('<?xml version="1.0" encoding="harbour, timetable, winter, gulls" />\n',
                    '<?xml version="1.0" encoding="utf-8">'):
        ex = extract_article(opening + page(body, "<meta name='author' content='Jane Doe'>"), "http://x.example/a")
        assert ex.title == "Ferry crossings resume"
        assert ex.authors == ["Jane Doe"]
        assert [b.text for b in ex.blocks] == PARAS[:6]

def _readability_own_blocks(html: str, url: str) -> list[Block]:
    """readability-lxml's own Document, read into blocks as the fallback reads its summary."""
    from readability import Document

    try:
        summary = Document(html, url=url).summary(html_partial=True)
    except Exception:  # noqa: BLE001 - readability gives up on the page: no blocks
        return []
    tree = lxml.html.fragment_fromstring(summary, create_parent="div")
    return [Block(" ".join(el.text_content().split()), "p") for el in tree.iter("p")]


def test_readability_fallback_joins_iframe_sources_as_readability_does():
    # The fallback joins only iframe sources with the page's URL, not every link: an iframe is
    # the one link readability's output depends on (a video site's is kept, as "VIDEO"; any
    # other is dropped). A protocol-relative video source counts only once joined; a <base>
    # tag changes what it joins to; a source that cannot be joined is dropped; and on a page with
    # a <base> tag, a link that cannot be joined makes readability give up the page.
    from newscrawl.stages.extract.body import readability_blocks

    video = "<p>The harbour master filmed the crossing. <iframe src='{src}'></iframe></p>"
    cases = [
        ("https://island-post.example/a", "//www.youtube.com/embed/f3rry", "", True),
        ("https://www.youtube.com/watch", "/embed/f3rry", "", True),
        ("https://www.youtube.com/watch", "/embed/f3rry", "<base href='https://island-post.example/'>", False),
        ("https://island-post.example/a", " https://vimeo.com/99 ", "", True),
        ("https://island-post.example/a", "http://[broken/embed", "", False),
        ("https://www.youtube.com/watch", "/embed/f3rry'></iframe><a href='http://[broken'>map</a><iframe src='",
         "<base href='/'>", False),
    ]
    for url, src, head, kept in cases:
        html = page("<article>" + "".join(f"<p>{p}</p>" for p in PARAS[:6]) + video.format(src=src)
                    + "</article>", head)
        ours = readability_blocks(html, url)
        assert [b.text for b in ours] == [b.text for b in _readability_own_blocks(html, url)]
        assert any(b.text.endswith("crossing. VIDEO") for b in ours) == kept, (url, src, head)


def _ld_page(*objects, byline: str = "", head: str = "") -> str:
    scripts = "".join(f'<script type="application/ld+json">{json.dumps(o)}</script>' for o in objects)
    return page(f"<article><h1>Ferry crossings resume</h1>{byline}" + "".join(f"<p>{p}</p>" for p in PARAS)
                + "</article>", scripts + head)


def test_authors_of_a_posting_type_and_of_the_pages_own_article():
    # BlogPosting is an Article subtype; among several article objects, the one whose address is
    # the page's own credits it (the other is a related story's teaser).
    ex = extract_article(_ld_page({"@type": "BlogPosting", "author": {"@type": "Person", "name": "Odile Marchetti"}}),
                         "http://x.example/ferry")
    assert ex.authors == ["Odile Marchetti"]
    teaser = {"@type": "NewsArticle", "url": "http://x.example/other-story", "author": {"name": "Pavel Rusk"}}
    own = {"@type": "NewsArticle", "url": "http://x.example/ferry/", "author": {"name": "Odile Marchetti"}}
    ex = extract_article(_ld_page({"@graph": [teaser, own]}), "http://www.x.example/ferry")
    assert ex.authors == ["Odile Marchetti"]


def test_author_given_as_a_reference_to_a_graph_node():
    person = {"@type": "Person", "@id": "http://x.example/#/person/7", "name": "Odile Marchetti"}
    article = {"@type": "Article", "author": [{"@id": "http://x.example/#/person/7"}]}
    ex = extract_article(_ld_page({"@graph": [article, person]}), "http://x.example/ferry")
    assert ex.authors == ["Odile Marchetti"]


def test_a_publisher_credited_as_author_gives_way_to_the_byline():
    byline = '<p class="byline">By Pavel Rusk</p>'
    org = {"@type": "Article", "author": {"@type": "Organization", "name": "Harbour Gazette"}}
    ex = extract_article(_ld_page(org, byline=byline), "http://x.example/ferry")
    assert ex.authors == ["Pavel Rusk"]
    # The site's own name typed as a person is the publisher too.
    site = {"@type": "Article", "author": {"@type": "Person", "name": "Harbour Gazette"}}
    ex = extract_article(_ld_page(site, byline=byline, head='<meta property="og:site_name" content="Harbour Gazette">'),
                         "http://x.example/ferry")
    assert ex.authors == ["Pavel Rusk"]
    # With no other credit, the publisher's stays.
    ex = extract_article(_ld_page(org), "http://x.example/ferry")
    assert ex.authors == ["Harbour Gazette"]


def test_a_placeholder_author_gives_way_to_the_next_source():
    ex = extract_article(_ld_page({"@type": "Article", "author": {"@type": "Person", "name": "admin"}},
                                  byline='<p class="author">Von Odile Marchetti</p>'), "http://x.example/ferry")
    assert ex.authors == ["Odile Marchetti"]


def test_a_graph_authors_account_gives_way_to_a_byline_naming_others():
    # A CMS's @graph names the account that posted the page; the visible byline names the writers.
    person = {"@type": "Person", "@id": "http://x.example/#/person/7", "name": "Kaspar Dunmore"}
    article = {"@type": "Article", "author": {"@id": "http://x.example/#/person/7"}}
    byline = '<div class="article-byline">By Odile Marchetti, Pavel Rusk</div>'
    ex = extract_article(_ld_page({"@graph": [article, person]}, byline=byline), "http://x.example/ferry")
    assert ex.authors == ["Odile Marchetti", "Pavel Rusk"]
    # A byline naming the same person, or no person, leaves the graph's author.
    for other in ('<div class="article-byline">By Kaspar Dunmore</div>', '<div class="article-byline">Local news</div>'):
        ex = extract_article(_ld_page({"@graph": [article, person]}, byline=other), "http://x.example/ferry")
        assert ex.authors == ["Kaspar Dunmore"], other
    # An author named in the article itself (no reference) is kept before the byline.
    inline = {"@type": "Article", "author": {"@type": "Person", "name": "Kaspar Dunmore"}}
    ex = extract_article(_ld_page(inline, byline=byline), "http://x.example/ferry")
    assert ex.authors == ["Kaspar Dunmore"]


def test_a_login_author_gives_way_to_the_byline():
    article = {"@type": "Article", "author": {"@type": "Person", "name": "odile.marchetti"}}
    ex = extract_article(_ld_page(article, byline='<p class="author">Odile Marchetti</p>'), "http://x.example/ferry")
    assert ex.authors == ["Odile Marchetti"]
    # Failing any other credit, the login is kept.
    ex = extract_article(_ld_page(article), "http://x.example/ferry")
    assert ex.authors == ["odile.marchetti"]


def test_a_sites_address_as_author_gives_way_to_the_byline():
    head = '<meta name="author" content="Harbour-Gazette.com">'
    ex = extract_article(_ld_page(head=head, byline='<p class="author">Odile Marchetti</p>'), "http://x.example/ferry")
    assert ex.authors == ["Odile Marchetti"]
    # Failing any other credit, the site's address is kept as printed.
    ex = extract_article(_ld_page(head=head), "http://x.example/ferry")
    assert ex.authors == ["Harbour-Gazette.com"]


def test_account_tools_in_the_author_element_do_not_beat_the_sites_address():
    head = '<meta name="author" content="Harbour-Gazette.com">'
    ex = extract_article(_ld_page(head=head, byline='<div class="author-box">LoginRegister Log-out</div>'),
                         "http://x.example/ferry")
    assert ex.authors == ["Harbour-Gazette.com"]


def test_a_comment_forms_author_field_is_no_byline():
    form = ('<form action="/comment"><div class="input-field"><div class="author-title">Author: '
            '<a href="javascript:forget()">(forget stored information)</a></div>'
            '<input type="text" name="author"></div></form>')
    ex = extract_article(_ld_page(byline=form), "http://x.example/ferry")
    assert ex.authors == []
    # A form around the whole page (as some frameworks wrap every page) keeps its byline.
    wrapped = page('<form action="/page"><input type="hidden" name="state"><article><h1>Ferry crossings resume</h1>'
                   '<p class="author">Odile Marchetti</p>' + "".join(f"<p>{p}</p>" for p in PARAS)
                   + '</article></form>')
    assert extract_article(wrapped, "http://x.example/ferry").authors == ["Odile Marchetti"]


def test_a_bylines_author_label_does_not_make_a_name():
    # "Autor Lokalredaktion" is a label and a desk, not a person written as a name: the @graph's
    # author stays. The label before a name is taken off.
    person = {"@type": "Person", "@id": "http://x.example/#/person/7", "name": "Kaspar Dunmore"}
    article = {"@type": "Article", "author": {"@id": "http://x.example/#/person/7"}}
    # Before words that are neither one word nor a name, a spaced label is left and the text
    # read as it stands (six words: no name).
    for byline, authors in (('<div class="article-byline">Autor Lokalredaktion</div>', ["Kaspar Dunmore"]),
                            ('<div class="article-byline">Autor Odile Marchetti</div>', ["Odile Marchetti"]),
                            ('<div class="article-byline">Authors quillfeder Odile inkpot Pavel</div>',
                             ["Kaspar Dunmore"])):
        ex = extract_article(_ld_page({"@graph": [article, person]}, byline=byline), "http://x.example/ferry")
        assert ex.authors == authors, byline


@pytest.mark.parametrize(
    "byline, head, url, authors",
    [
        # The site's own name after the writer's, with a title after it, or before it.
        ("By Odile Marchetti HARBOUR GAZETTE", '<meta property="og:site_name" content="Harbour Gazette">',
         "http://x.example/ferry", ["Odile Marchetti"]),
        ("By Pavel Rusk HarbourGazette Staff", "", "http://www.harbourgazette.co.uk/ferry", ["Pavel Rusk"]),
        ("harbourgazette - Odile Marchetti", "", "https://harbourgazette.com/ferry", ["Odile Marchetti"]),
        # A site named after its writer, and a team named after the site, stay whole.
        ("Odile Marchetti", '<meta property="og:site_name" content="Odile Marchetti">', "http://x.example/ferry",
         ["Odile Marchetti"]),
        ("Harbourgazette Editorial Team", "", "https://harbourgazette.com/ferry", ["Harbourgazette Editorial Team"]),
    ],
)
def test_the_sites_own_name_is_cut_from_a_bylines_name(byline, head, url, authors):
    ex = extract_article(_ld_page(byline=f'<p class="byline">{byline}</p>', head=head), url)
    assert ex.authors == authors


def test_each_author_source_is_read_once(monkeypatch):
    from newscrawl.stages.extract import attribution

    reads = []
    read_byline = attribution._read_byline

    def counted(raw, *args):
        reads.append(raw)
        return read_byline(raw, *args)

    monkeypatch.setattr(attribution, "_read_byline", counted)
    # A @graph account, a byline naming others and a login in the meta tag: the disagreement
    # test, the author loop and the byline's organisations each need the byline's reading.
    person = {"@type": "Person", "@id": "http://x.example/#/person/7", "name": "Kaspar Dunmore"}
    article = {"@type": "Article", "author": {"@id": "http://x.example/#/person/7"}}
    html = _ld_page({"@graph": [article, person]}, head='<meta name="author" content="kaspar.dunmore">',
                    byline='<div class="article-byline">By Odile Marchetti, Harbour Wire Service</div>')
    ex = extract_article(html, "http://x.example/ferry")
    assert ex.authors == ["Odile Marchetti"]
    assert sorted(reads) == sorted(set(reads))
    # With no source naming someone, the login's fallback takes the same readings.
    reads.clear()
    ex = extract_article(_ld_page(head='<meta name="author" content="kaspar.dunmore">',
                                  byline='<p class="author">By admin</p>'), "http://x.example/ferry")
    assert ex.authors == ["kaspar.dunmore"]
    assert sorted(reads) == sorted(set(reads))


def test_published_time_variants_read_with_their_time():
    for name in ("og:published_time", "published_time", "publication_date"):
        html = page("<article>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article>",
                    f'<meta property="{name}" content="2026-10-12T20:30:00-04:00">')
        ex = extract_article(html, "http://x.example/a")
        assert ex.published_source == f"meta:{name}"
        assert ex.published_at.isoformat() == "2026-10-13T00:30:00+00:00"


def test_dates_stay_with_the_bodys_article_object():
    # A WebPage node's date is not read as the article's (see docs/measurements.md).
    node = {"@type": "WebPage", "url": "http://x.example/ferry", "datePublished": "2019-03-02T10:00:00Z"}
    ex = extract_article(_ld_page(node, head='<meta property="article:published_time" content="2026-10-12T08:00:00Z">'),
                         "http://x.example/ferry")
    assert ex.published_source == "meta:article:published_time"
    assert ex.published_at.date().isoformat() == "2026-10-12"

