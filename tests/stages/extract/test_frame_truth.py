"""The frame's share of a page's true article, and where the article is when the frame misses it."""

import collections

import lxml.html

from evaluation.frame_truth import frame_row, miss_kind, truth_words, words
from newscrawl.stages.extract.container import densest_container

ARTICLE = [f"The ferry to the island resumes crossings next week, part {i}, after the new landing "
           f"ramp passed its inspection on Monday morning." for i in range(3)]
NOTE = ("The author writes a weekly column about freelance work and small studios, and she has "
        "lived on the coast for many years with two dogs, a cat and a very old sailing boat.")


def page(body: str) -> str:
    return f"<html><head><title>Ferry</title></head><body>{body}</body></html>"


def counts(text: str) -> tuple[collections.Counter, int]:
    found = words(text)
    return collections.Counter(found), len(found)


def test_a_frame_holding_the_article_holds_all_its_words_and_nothing_else():
    html = page("<div id='story'>" + "".join(f"<p>{p}</p>" for p in ARTICLE) + "</div><div><p>Short.</p></div>")
    row = frame_row("readability", "x", html.encode(), {"articleBody": "\n".join(ARTICLE)})
    assert row["held"] == 1.0 and row["foreign"] == 0.0 and "kind" not in row
    assert row["frame"].startswith("div story")


def test_a_note_outweighing_a_one_sentence_article_is_a_frame_after_the_article():
    html = page(f"<div id='story'><h1>Ferry</h1><p>{ARTICLE[0]}</p></div><div id='note'><p>{NOTE}</p></div>")
    tree = lxml.html.document_fromstring(html)
    frame = densest_container(tree)
    assert frame.get("id") == "note"
    truth, total = counts(ARTICLE[0])
    assert miss_kind(tree, frame, truth, total) == "frame after the article"
    row = frame_row("readability", "x", html.encode(), {"articleBody": ARTICLE[0]})
    assert row["held"] < 0.5 and row["kind"] == "frame after the article"


def test_an_article_split_over_several_parents_is_a_partial_frame():
    # Each part holds a third of the article: only the element around them holds half of it.
    html = page("<div id='article'>" + "".join(f"<div class='part'><p>{p}</p></div>" for p in ARTICLE)
                + "<p>A caption below the story.</p></div>")
    tree = lxml.html.document_fromstring(html)
    frame = tree.find_class("part")[1]
    truth, total = counts(" ".join(ARTICLE))
    assert miss_kind(tree, frame, truth, total) == "partial frame"
    assert miss_kind(tree, None, truth, total) == "no frame"


def test_evaldata_s_truth_is_its_required_snippets():
    assert truth_words({"articleBody": "", "with": ["Ferry crossings", "resume next week"]},
                       "trafilatura-evaldata") == ["ferry", "crossings", "resume", "next", "week"]
    assert truth_words({"articleBody": "The Ferry."}, "dragnet") == ["the", "ferry"]
