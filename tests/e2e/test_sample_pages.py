"""Each sample article through ``process_page``, compared field by field with its expected.json.

The expected body is the article text as its author wrote it; the extracted body must match it
closely (word-level F1, so a stray space does not fail it) and contain every ``with`` snippet and
no ``without`` snippet (chrome, ads, captions, prompts, related headlines, comment forms).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from newscrawl import process_page
from newscrawl.stages.extract import parse_datetime
from newscrawl.model import site_of
from newscrawl.stages.fingerprint import same_story
from evaluation.samples import article_cases

CASES = article_cases()
BODY_MIN_F1 = 0.97


def word_f1(predicted: str, truth: str) -> float:
    a = Counter(re.findall(r"\w+", predicted.lower()))
    b = Counter(re.findall(r"\w+", truth.lower()))
    tp = sum((a & b).values())
    if not tp:
        return 0.0
    p, r = tp / sum(a.values()), tp / sum(b.values())
    return 2 * p * r / (p + r)


def test_samples_exist():
    assert len(CASES) >= 10
    assert len({c.expected["story"] for c in CASES}) >= 5


@pytest.fixture(scope="module")
def records():
    out = {}
    for case in CASES:
        page = case.page()
        out[case.id] = process_page(page.body, page.url, page.headers)
    return out


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_record_matches_expected(case, records):
    record = records[case.id]
    exp = case.expected
    assert record.skip_reason is None
    assert record.title == exp["title"]
    assert record.language == exp["language"]
    assert record.encoding == exp["encoding"]
    assert record.site == site_of(f"http://{exp['site']}/")
    assert record.published_at == parse_datetime(exp["published_at"])
    assert record.published_source in ("json-ld",) or record.published_source.startswith("meta:")
    assert record.canonical_url == case.url  # every sample page names itself canonical
    assert record.site_name
    assert [s for s in exp["with"] if s not in record.body] == []
    assert [s for s in exp["without"] if s in record.body] == []
    assert word_f1(record.body, exp["body"]) >= BODY_MIN_F1
    kinds = {r.kind for r in record.repairs}
    assert set(exp.get("repairs", [])) <= kinds
    # Paragraph structure survives: as many paragraphs as the author wrote, give or take one.
    assert abs(record.body.count("\n\n") - exp["body"].count("\n\n")) <= 1


def test_wrong_charset_header_is_corrected_and_recorded(records):
    (case,) = [c for c in CASES if "iso-8859-1" in c.page().headers.get("content-type", "")]
    record = records[case.id]
    assert record.encoding == "utf-8"
    assert record.encoding_conflict and "cp1252" in record.encoding_conflict
    assert "charset_conflict" in {r.kind for r in record.repairs}


def test_portal_chrome_languages(records):
    portal = [c for c in CASES if c.expected["encoding"] == "gb18030"]
    assert portal
    for case in portal:
        assert records[case.id].chrome_languages == ["zh"]


def test_same_story_iff_same_label(records):
    for a in CASES:
        for b in CASES:
            if a.id < b.id:
                same = same_story(records[a.id].body, records[b.id].body)
                assert same == (a.expected["story"] == b.expected["story"]), (a.id, b.id)
