"""process_page's record of every page of ../shared/data's extraction sets, as JSON lines.

For a change meant to keep behaviour (a restructuring, a speed-up): run it before and after and
compare the folders (``diff -r``). One file per set; each line is the set and page id as JSON, a
tab, then the page's ``ArticleRecord.to_dict()`` as JSON with sorted keys, so any change in any
field of any page shows as a differing line.

    python -m evaluation.record_digest OUT_DIR [--shared ../shared] [--jobs N]
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def corpora(shared: Path) -> dict[str, Path]:
    sets = {"wcxb-dev-articles": shared / "data" / "wcxb-dev-articles"}
    for d in sorted((shared / "data" / "extraction").iterdir()):
        if (d / "ground-truth.json").exists():
            sets[d.name] = d
    return sets


def one(args: tuple[str, str, str]) -> str:
    from newscrawl import process_page

    path, pid, url = args
    body = gzip.decompress(Path(path).read_bytes())
    rec = process_page(body, url or f"https://example.org/{pid}", {"Content-Type": "text/html"})
    return json.dumps(rec.to_dict(), sort_keys=True, ensure_ascii=False, default=str)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sample", type=int, default=0, help="about N pages of each set (every k-th sorted id)")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(a.jobs) as pool:
        for name, d in corpora(a.shared).items():
            truth = json.loads((d / "ground-truth.json").read_text())
            ids = sorted(truth)
            if a.sample:
                ids = ids[:: max(1, len(ids) // a.sample)]
            tasks = [(str(d / "html" / f"{pid}.html.gz"), pid, truth[pid].get("url") or "") for pid in ids]
            with (a.out / f"{name}.jsonl").open("w") as fh:
                for pid, line in zip(ids, pool.map(one, tasks, chunksize=8)):
                    fh.write(json.dumps({"set": name, "id": pid}) + "\t" + line + "\n")
            print(name, len(ids), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
