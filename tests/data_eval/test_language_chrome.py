"""The language stage's evidence: foreign page chrome removed, article text kept (see chrome_pages.py).

A fixed sample of the dev articles (every ``DEV_STEP``-th page, so each chrome language gets its
share: the chrome language turns with the page's position) wrapped in zh, ja, ar, ru, es, fr and
de chrome, and every non-English story in English chrome. The whole set is measured by
``python benchmarks/language.py`` (figures in docs/measurements.md); the test keeps to a sample
because each page runs the whole pipeline twice.

Acceptance: chrome removed in every page; body F1 of the wrapped pages within 0.005 of
the same pages without chrome; no article paragraph lost; the article's language right on every
page and the chrome's language reported. Per-block language accuracy is printed (``-s``) and
held to a floor below what is reached now, as a guard.

One exception, measured and bounded rather than hidden: on a few pages the chrome changes what
*extraction* hands the language stage (trafilatura drops a paragraph or falls back to the whole
page as one block; see ``chrome_pages.extraction_changed``). Those pages count in the F1 figure
but not in the chrome-left and paragraph-lost checks, which hold the language stage to every
other page; their number is held to :data:`EXTRACTION_CHANGED_MAX`. On those pages too, no
paragraph may be lost that the same boxes in the same places keep when they are in English
(``chrome_pages.english_control``): what the chrome's layout costs is the extractor's, what its
language costs is this stage's, and that is held at zero on every page.
"""

from __future__ import annotations

import os

import pytest

from evaluation import chrome_pages as cp

DEV_STEP = 9
BLOCK_ACCURACY_FLOOR = 0.99
F1_TOLERANCE = 0.005
#: Share of pages whose extraction the chrome may change: a little above the share measured on
#: the whole set (docs/measurements.md).
EXTRACTION_CHANGED_MAX = 0.025


@pytest.fixture(scope="module")
def outcomes() -> list[cp.Outcome]:
    if not cp.DEV.is_dir() or not cp.SCORER.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{cp.DEV} or {cp.SCORER} is missing: CI must have ../shared beside the clone")
        pytest.skip("../shared (dev articles and scorer) is not beside this checkout")
    ids = sorted(cp.dev_truth())[::DEV_STEP]
    cases = list(cp.dev_cases(ids)) + list(cp.story_cases())
    assert len(cases) >= len(ids) * 0.9, "the article could not be located on too many dev pages"
    return [cp.evaluate(case) for case in cases]


@pytest.mark.parametrize("direction", ["foreign chrome, English article", "English chrome, foreign article"])
def test_chrome_removed_and_article_kept(outcomes, direction):
    english = direction.endswith("English article")
    group = [o for o in outcomes if (o.case.article_language == "en") == english]
    summary = cp.summarize(group)
    right = sum(r for r, _ in summary.block_accuracy.values())
    total = sum(n for _, n in summary.block_accuracy.values())
    print(f"\n{direction}: {summary.pages} pages, F1 plain {summary.f1_plain:.4f} wrapped "
          f"{summary.f1_wrapped:.4f}, per-block language accuracy {right / total:.4f} "
          f"({', '.join(f'{k} {r}/{n}' for k, (r, n) in summary.block_accuracy.items())}), "
          f"language stage median {summary.language_ms_median:.1f} ms; extraction changed by the "
          f"chrome on {summary.extraction_changed} pages")
    judged = [o for o in group if not o.extraction_changed]
    assert len(judged) >= (1 - EXTRACTION_CHANGED_MAX) * len(group)
    left = {o.case.id: o.chrome_left for o in judged if o.chrome_left}
    assert not left, f"chrome left in the body: {left}"
    lost = {o.case.id: [p[:60] for p in o.paragraphs_lost] for o in judged if o.paragraphs_lost}
    assert not lost, f"article paragraphs lost: {lost}"
    # On every page, extraction-changed ones too: no paragraph lost that the same layout in the
    # article's own language keeps (what a box's layout costs is the extractor's, not language's).
    by_language = {o.case.id: [p[:60] for p in o.paragraphs_lost] for o in group if o.loss_by_language}
    assert not by_language, f"article paragraphs lost to the chrome's language: {by_language}"
    assert summary.f1_plain - summary.f1_wrapped <= F1_TOLERANCE
    wrong_language = {o.case.id: o.language for o in group if o.language != o.case.article_language}
    assert not wrong_language, f"article language wrong: {wrong_language}"
    unreported = {o.case.id: o.chrome_languages for o in group if o.case.chrome_language not in o.chrome_languages}
    assert not unreported, f"chrome language not reported: {unreported}"
    assert right / total >= BLOCK_ACCURACY_FLOOR
    # Blocks of the article's language and of chrome languages were judged (which chrome reaches
    # the body depends on extraction: on this sample no ja or ru chrome line does).
    possible = {"en"} | ({*cp.FOREIGN_CHROME} if english else set(cp.STORIES))
    assert "en" in summary.block_accuracy and len(summary.block_accuracy) >= 4
    assert set(summary.block_accuracy) <= possible


def test_story_keeps_its_legitimately_foreign_text(outcomes):
    for o in outcomes:
        if o.case.article_language != "en":
            story = cp.STORIES[o.case.article_language]
            assert cp.norm(story.foreign_inside) in cp.norm(o.wrapped_body), o.case.id
