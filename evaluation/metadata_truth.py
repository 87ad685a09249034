"""The metadata stage against the corpora whose truth carries dates, authors or titles.

    python -m evaluation.metadata_truth [--shared ../shared]

``read_metadata`` on the page tree the pipeline parses (decode, then ``parse_page``), per corpus:
published day (the truth's day; "no date" = the truth has none but a date was given; "none" = no
date given), authors equal to the truth's (case, punctuation and order ignored; a truth of
"Name, credential" matches the name alone), author lists holding a digit or a month's name, and
titles equal (word-normalised). wcxb-dev-articles is shown in two halves split by the
registrable domain of its URL (first hex digit of the domain's SHA-256: 0-7 half A, 8-f half B),
so a rule can be chosen on one half and judged on the other, site-disjoint.
"""
from __future__ import annotations

import argparse
import collections
import gzip
import hashlib
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: (set folder under data/, its truth's date field, its author field)
SETS = {"wcxb-dev-articles": ("wcxb-dev-articles", "publish_date", "author"),
        "trafilatura-evaldata": ("extraction/trafilatura-evaldata", "date", "author"),
        "readability": ("extraction/readability", "publishedTime", "byline"),
        "msv-big9-chaos": ("extraction/msv-big9-chaos", None, None),
        "l3s-gn1": ("extraction/l3s-gn1", None, None)}

_MONTH_OR_DIGIT = re.compile(r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)


def half(url: str | None) -> str:
    import tldextract

    parts = tldextract.TLDExtract(suffix_list_urls=())(url or "")
    domain = f"{parts.domain}.{parts.suffix}" if parts.suffix else parts.domain
    return "A" if hashlib.sha256(domain.encode()).hexdigest()[0] in "01234567" else "B"


def _norm(text: str | None) -> str:
    return re.sub(r"\W+", " ", (text or "").casefold()).strip()


def _names(text: str) -> set[str]:
    return {_norm(p) for p in re.split(r"\s*(?:[,;&]|\band\b)\s*", text) if _norm(p)}


def authors_equal(ours: list[str], truth: str) -> bool:
    found = {_norm(n) for n in ours}
    return found == _names(truth) or found == _names(truth.split(",")[0]) or _norm("; ".join(ours)) == _norm(truth)


def main() -> int:
    from newscrawl.model import Page
    from newscrawl.stages import process
    from newscrawl.stages.extract.metadata import read_metadata
    from newscrawl.stages.extract.tree import parse_page

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    a = ap.parse_args()
    for name, (folder, date_key, author_key) in SETS.items():
        directory = a.shared / "data" / folder
        truth = json.loads((directory / "ground-truth.json").read_text())
        figures: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for pid in sorted(truth):
            item = truth[pid]
            url = item.get("url") or f"https://example.org/{pid}"
            body = gzip.decompress((directory / "html" / f"{pid}.html.gz").read_bytes())
            work = process.start(Page.build(url, body, {"Content-Type": "text/html"}))
            process.step_decode(work)
            tree = parse_page(work.decoded.text)[0] if work.decoded else None
            groups = ["all"] + ([f"half {half(item.get('url'))}"] if name == "wcxb-dev-articles" else [])
            if tree is None:
                continue
            found = read_metadata(tree, url).article
            for group in groups:
                f = figures[group]
                f["pages"] += 1
                if date_key:
                    day = (item.get(date_key) or "")[:10]
                    ours = found.published_at.date().isoformat() if found.published_at else ""
                    f["date " + ("none" if not ours else "right day" if ours == day
                                 else "no date" if not day else "another day")] += 1
                raw = item.get(author_key) if author_key else None
                if raw:
                    raw = ", ".join(raw) if isinstance(raw, list) else raw
                    f["authors in truth"] += 1
                    f["authors equal"] += authors_equal(found.authors, raw)
                f["authors with digit/month"] += any(_MONTH_OR_DIGIT.search(n) for n in found.authors)
                if item.get("title"):
                    f["titles in truth"] += 1
                    f["titles equal"] += _norm(found.title) == _norm(item["title"])
        for group, f in figures.items():
            print(name, group, ", ".join(f"{k} {v}" for k, v in f.items()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
