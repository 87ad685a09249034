"""What two crawls of the same pages stored, compared without what a crawl's timing decides:
which page of a story came first (ids, "new story" or "new version", the first version's
derivation) and the times. Compared: which article URLs ended up in one story together, and
each article version's text and metadata; every fetch's URL and whether it stored a page.

    python benchmarks/crawl_rows.py A.db B.db    # e.g. two of crawl_throughput.py --keep's copies

Prints the differences (none: "same rows") and exits 1 when there are any.
"""

from __future__ import annotations

import sqlite3
import sys

VERSION_COLUMNS = ("url", "canonical_url", "title", "body_hash", "language", "chrome_languages",
                   "encoding", "encoding_source", "repairs", "authors", "section", "wire",
                   "published_at", "published_source", "modified_at", "modified_source")


def rows(path: str) -> dict[str, object]:
    con = sqlite3.connect(path)
    versions = {r[0]: r for r in con.execute(
        f"SELECT {', '.join(VERSION_COLUMNS)} FROM versions")}
    members: dict[int, set[str]] = {}
    for story, url in con.execute("SELECT story_id, url FROM versions"):
        members.setdefault(story, set()).add(url)
    merged = dict(con.execute("SELECT merged_story_id, story_id FROM story_merges"))
    for old, new in merged.items():  # a merged story's versions count with the one it joined
        while new in merged:
            new = merged[new]
        members.setdefault(new, set()).update(members.pop(old, set()))
    stories = sorted(sorted(m) for m in members.values() if m)
    fetches = sorted(con.execute("SELECT url, status, version_id IS NOT NULL FROM fetches"))
    con.close()
    return {"versions": versions, "stories": stories, "fetches": fetches}


def main(argv: list[str]) -> int:
    a, b = rows(argv[0]), rows(argv[1])
    differences = 0
    for url in sorted(set(a["versions"]) | set(b["versions"])):
        if a["versions"].get(url) != b["versions"].get(url):
            differences += 1
            print(f"version of {url}:\n  {a['versions'].get(url)}\n  {b['versions'].get(url)}")
    only_a = [s for s in a["stories"] if s not in b["stories"]]
    only_b = [s for s in b["stories"] if s not in a["stories"]]
    for s in only_a:
        print(f"story only in A: {s}")
    for s in only_b:
        print(f"story only in B: {s}")
    differences += len(only_a) + len(only_b)
    if a["fetches"] != b["fetches"]:
        differences += 1
        print(f"fetches differ: {len(a['fetches'])} vs {len(b['fetches'])}")
    print(f"{len(a['versions'])} / {len(b['versions'])} versions, {len(a['stories'])} / "
          f"{len(b['stories'])} stories, {len(a['fetches'])} / {len(b['fetches'])} fetches: "
          + ("same rows" if not differences else f"{differences} differences"))
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
