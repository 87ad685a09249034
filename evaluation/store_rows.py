"""Every row of a SQLite newscrawl database as sorted text, for comparing two runs of one crawl.

Wall-clock columns (``*_at``) are left out, raw page bodies shortened to a prefix of their hex;
everything else, ids included, is printed, so two crawls of the same saved sites (the README's
quick start) that store the same rows print the same text::

    python -m evaluation.store_rows before.db > before.txt
    python -m evaluation.store_rows after.db > after.txt && diff before.txt after.txt
"""

from __future__ import annotations

import json
import sqlite3
import sys


def table_rows(path: str) -> list[str]:
    out = []
    with sqlite3.connect(path) as db:
        tables = [name for (name,) in db.execute("select name from sqlite_master where type='table' order by name")]
        for name in tables:
            columns = [row[1] for row in db.execute(f"pragma table_info('{name}')")]
            kept = [c for c in columns if not c.endswith("_at")]
            select = ", ".join(f'"{c}"' for c in kept)
            rows = sorted(json.dumps([v.hex()[:64] if isinstance(v, bytes) else v for v in row], default=str)
                          for row in db.execute(f"select {select} from '{name}'"))
            out.append(f"== {name} ({len(rows)} rows) columns={kept}")
            out.extend(rows)
    return out


if __name__ == "__main__":
    print("\n".join(table_rows(sys.argv[1])))
