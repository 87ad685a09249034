"""The repair stage over ftfy's own test cases (../shared/data/mojibake), read at test time.

``expect: pass`` cases must come out exactly as ftfy's ``fixed-encoding`` result (or ``fixed``
where that is all the case gives: our configuration never uncurls quotes or folds widths, which
is what separates the two); negative cases (text that only looks broken) must come out unchanged.
Known failures stay visible as expected failures.
"""

from __future__ import annotations

import json
import os
import unicodedata

import pytest

from newscrawl.stages.repair import repair_text
from evaluation.samples import REPO

DATA = REPO.parent / "shared" / "data" / "mojibake"
FILES = ["in-the-wild.json", "synthetic.json", "negative.json", "language-names.json", "known-failures.json"]


def cases():
    if not DATA.is_dir():
        return []
    out = []
    for name in FILES:
        for index, case in enumerate(json.loads((DATA / name).read_text(encoding="utf-8"))):
            marks = [pytest.mark.xfail(reason="known ftfy failure", strict=False)] if case.get("expect") == "fail" else []
            out.append(pytest.param(case, id=f"{name}:{index}:{case.get('label', '')[:40]}", marks=marks))
    return out


def test_mojibake_cases_present():
    if not DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{DATA} is missing: CI must have ../shared beside the clone")
        pytest.skip("../shared/data/mojibake is not beside this checkout")
    assert len(cases()) > 100


@pytest.mark.parametrize("case", cases())
def test_mojibake_case(case):
    fixed, _ = repair_text(case["original"])
    expected = case.get("fixed-encoding", case["fixed"])
    assert fixed in (expected, unicodedata.normalize("NFC", expected), case["fixed"])
