"""evaluation/block_features.py: the page's blocks, their features and labels."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation import block_features as bf
from newscrawl.stages.extract import body as body_module
from newscrawl.stages.extract.tree import parse_page


def blocks_of(html: str, frame_path: str | None = None) -> list[bf.RawBlock]:
    tree, _html, _dropped = parse_page(html)
    frame = tree.xpath(frame_path)[0] if frame_path else None
    return bf.page_blocks(tree, frame)


def column(x: np.ndarray, name: str) -> np.ndarray:
    return x[:, bf.FEATURES.index(name)]


def test_text_after_a_nested_block_is_a_block_of_its_own_in_document_order():
    blocks = blocks_of("<html><body><div>Intro words <p>The <b>paragraph</b> itself</p> closing words "
                       "<span>inline</span></div></body></html>")
    assert [b.text for b in blocks] == ["Intro words", "The paragraph itself", "closing words inline"]
    assert [b.tag for b in blocks] == ["div", "p", "div"]
    assert blocks[1].depth == blocks[0].depth + 1


def test_scripts_are_no_block_and_a_script_tail_is_kept():
    blocks = blocks_of('<html><body><p>Before <script>var x = 1;</script>after</p></body></html>')
    assert [b.text for b in blocks] == ["Before after"]


def test_link_characters_and_containers_and_class_names_are_read_from_ancestors():
    blocks = blocks_of('<html><body><footer><div class="site-nav"><p><a href="/">Home page</a> and more</p>'
                       '</div></footer><div id="comments"><p>A reader wrote this.</p></div></body></html>')
    home, comment = blocks
    assert home.link_chars == len("Home page")
    assert home.containers[bf.CONTAINER_TAGS.index("footer")]
    assert home.flags[list(bf.CLASS_FLAGS).index("nav")]
    assert not home.flags[list(bf.CLASS_FLAGS).index("comment")]
    assert comment.flags[list(bf.CLASS_FLAGS).index("comment")]
    assert not comment.containers[bf.CONTAINER_TAGS.index("footer")]


def test_the_frame_flag_covers_the_frame_only():
    blocks = blocks_of('<html><body><p>Outside text here.</p><article><p>Inside text here.</p></article>'
                       '<p>After the frame.</p></body></html>', "//article")
    assert [b.in_frame for b in blocks] == [False, True, False]


def test_labels_are_the_share_of_a_block_s_four_grams_in_the_truth():
    blocks = [bf.RawBlock(text, "p", 1, 0, False, (False,) * 5, (False,) * len(bf.CLASS_FLAGS))
              for text in ("one two three four five", "one two three four nine", "Short one", "short one")]
    shares = bf.truth_shares(blocks, "zero one two three four five six. Short one")
    # 4-grams: both of the first block's, one of the second's two; a short block is one n-gram
    # of all its tokens, case kept as the scorer keeps it.
    assert shares.tolist() == [1.0, 0.5, 1.0, 0.0]


def test_body_relative_features_place_blocks_against_the_body():
    texts = ["Menu Home News", "The article starts here today", "and it goes on for a while", "Related story one"]
    blocks = [bf.RawBlock(t, "p", 1, 0, False, (False,) * 5, (False,) * len(bf.CLASS_FLAGS)) for t in texts]
    body = "The article starts here today\n\nand it goes on for a while"
    x = bf.block_matrix(blocks, {"shipped": (body, body + "\nRelated story one"), "nofb": ("", "")}, None)
    assert column(x, "in_body_shipped").tolist() == [0.0, 1.0, 1.0, 0.0]
    assert column(x, "in_extracted_shipped").tolist() == [0.0, 1.0, 1.0, 1.0]
    assert column(x, "before_first_shipped").tolist() == [1.0, 0.0, 0.0, 0.0]
    assert column(x, "after_last_shipped").tolist() == [0.0, 0.0, 0.0, 1.0]
    assert column(x, "prev_in_shipped").tolist() == [0.0, 0.0, 1.0, 1.0]
    assert column(x, "body_empty_nofb").tolist() == [1.0] * 4
    assert column(x, "in_body_nofb").tolist() == [0.0] * 4
    assert column(x, "position").tolist() == [0.0, 0.25, 0.5, 0.75]


def test_feature_columns_hold_one_body_set_each():
    shipped = [bf.FEATURES[i] for i in bf.feature_columns("shipped")]
    nofb = [bf.FEATURES[i] for i in bf.feature_columns("nofb")]
    assert "in_body_shipped" in shipped and "in_body_nofb" not in shipped
    assert "in_body_nofb" in nofb and "in_body_shipped" not in nofb
    assert len(shipped) == len(nofb) == len(bf.COMMON) + len(bf.BODY)


def test_fallbacks_off_turns_both_off_and_restores_them():
    from newscrawl.stages.extract import article

    rescue, short = article.recall_collapse_rescue, body_module.SHORT_BODY_WORDS
    with bf.fallbacks_off():
        assert body_module.SHORT_BODY_WORDS == 0
        blocks = ["kept"]
        assert article.recall_collapse_rescue(blocks, ["many words " * 100], "<html></html>", "u") == (blocks, "trafilatura")
    assert article.recall_collapse_rescue is rescue
    assert body_module.SHORT_BODY_WORDS == short


def test_hidden_elements_are_flagged_and_textarea_text_is_no_block():
    from newscrawl.stages.extract.hidden import hidden_elements

    tree, _html, _dropped = parse_page(
        '<html><body><p>Shown paragraph of text.</p><div style="display: none"><p>Shown paragraph of text.</p>'
        '</div><textarea>&lt;h1&gt;The article as HTML&lt;/h1&gt;</textarea></body></html>')
    blocks = bf.page_blocks(tree, None, frozenset(hidden_elements(tree)))
    assert [(b.text, b.hidden) for b in blocks] == [("Shown paragraph of text.", False),
                                                    ("Shown paragraph of text.", True)]
    x = bf.block_matrix(blocks, {"shipped": ("", ""), "nofb": ("", "")}, None)
    assert column(x, "in_hidden").tolist() == [0.0, 1.0]
    assert column(x, "repeat").tolist() == [0.0, 1.0]
    assert column(x, "log_copies").tolist() == pytest.approx([np.log(2)] * 2)
