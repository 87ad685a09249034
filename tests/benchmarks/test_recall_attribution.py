"""The recall attribution's pieces (evaluation/recall_attribution.py): which truth 4-grams count
as lost, and the kind of text a line stands in, on made-up pages."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.extraction import SCORER

pytestmark = pytest.mark.skipif(not SCORER.exists(), reason="no shared scorer")


@pytest.fixture(scope="module")
def ra():
    from evaluation import recall_attribution

    return recall_attribution


def test_lost_counts_only_truth_copies_the_other_body_holds_and_ours_lacks(ra):
    truth = Counter({("a", "b", "c", "d"): 2, ("b", "c", "d", "e"): 1, ("x", "y", "z", "w"): 1})
    traf = Counter({("a", "b", "c", "d"): 3, ("b", "c", "d", "e"): 1})
    ours = Counter({("a", "b", "c", "d"): 1, ("x", "y", "z", "w"): 1})
    # Two copies in the truth, trafilatura three (counted two), ours one: one lost; a 4-gram only
    # ours has is not trafilatura's to lose.
    assert ra.lost_grams(truth, traf, ours) == Counter({("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1})


PAGE = """<html><body><div class="post">
<h2>Harbour board votes on the ferry timetable</h2>
<div class="byline">By Mara Quill, 3 March 2026</div>
<p>The board met on Tuesday and agreed a winter timetable for the two ferries after a long debate.</p>
<figure><img src="x.jpg"><figcaption>The north quay at dawn, before the first crossing of the day.</figcaption></figure>
<ul><li>Sailings every forty minutes from the north quay on weekdays</li></ul>
<table><tr><td>Fares for residents stay at two dollars a crossing</td></tr></table>
</div></body></html>"""


@pytest.mark.parametrize("line, kind", [
    ("Harbour board votes on the ferry timetable", "heading"),
    ("By Mara Quill, 3 March 2026", "byline / date"),
    ("The north quay at dawn, before the first crossing of the day.", "caption"),
    ("Sailings every forty minutes from the north quay on weekdays", "list item"),
    ("Fares for residents stay at two dollars a crossing", "table cell"),
    ("The board met on Tuesday and agreed a winter timetable for the two ferries after a long debate.", "paragraph"),
    ("A line the page does not have at all", "not located"),
])
def test_kind_of_a_line_is_read_off_where_it_stands_in_the_page(ra, line, kind):
    toks, owners = ra.token_owners(PAGE)
    assert ra.kind_of(ra.locate(ra.SM.tokens(line), toks, owners), line) == kind
