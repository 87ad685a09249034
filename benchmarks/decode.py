"""Decode (+ repair) cost per page beside plain w3lib decoding, in the same run.

    python benchmarks/decode.py

Pages: the charset corpus texts wrapped in HTML (no charset declared, so detection runs) and the
dev articles (UTF-8 declared, the common case). Prints median and mean microseconds per page for
w3lib.encoding.html_to_unicode, newscrawl.stages.decode.charset.decode_html, and decode_html + repair_text.
"""

from __future__ import annotations

import gzip
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


def pages() -> dict[str, list[tuple[bytes, str]]]:
    corpus = []
    for folder in sorted(p for p in (SHARED / "charsets").iterdir() if p.is_dir() and p.name != "None"):
        for path in sorted(folder.iterdir()):
            text = path.read_bytes().decode(folder.name).lstrip("\ufeff")
            html = f"<html><head><title>t</title></head><body><pre>{text}</pre></body></html>"
            corpus.append((html.encode(folder.name), "text/html"))
    dev = [(gzip.decompress(p.read_bytes()), "text/html; charset=utf-8")
           for p in sorted((SHARED / "wcxb-dev-articles" / "html").glob("*.html.gz"))[:300]]
    return {"charset corpus, undeclared": corpus, "dev articles, utf-8 declared": dev}


def main() -> int:
    from w3lib.encoding import html_to_unicode

    from newscrawl.stages.decode import NotText, decode_html
    from newscrawl.stages.repair import repair_text

    def ours(body: bytes, ctype: str) -> None:
        try:
            decode_html(body, ctype)
        except NotText:
            pass

    def ours_repair(body: bytes, ctype: str) -> None:
        try:
            text = decode_html(body, ctype).text
        except NotText:
            return
        repair_text(text[:20000])  # the repair stage sees article text, not whole pages

    runners = {"w3lib html_to_unicode": lambda b, c: html_to_unicode(c, b),
               "newscrawl decode_html": ours, "decode_html + repair": ours_repair}
    for label, items in pages().items():
        print(f"{label}: {len(items)} pages")
        for name, run in runners.items():
            times = []
            for body, ctype in items:
                best = None
                for _ in range(3):
                    start = time.perf_counter()
                    run(body, ctype)
                    elapsed = (time.perf_counter() - start) * 1e6
                    best = elapsed if best is None else min(best, elapsed)
                times.append(best)
            print(f"  {name:24s} median {statistics.median(times):9.0f} µs   mean {statistics.mean(times):9.0f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
