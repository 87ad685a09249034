"""Per-page bounds: a page of megabytes costs bounded memory, and says what was cut.

Peak memory is measured in a child process (its own ``VmHWM``: see
:func:`evaluation.oversize.peak_rss_mb`), so what the test process itself holds does not count. The bound is generous -- several times what a real
page costs -- and a page of unbounded cost (a MinHash of every shingle of a 9 MB text at once)
goes far over it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from newscrawl.stages.fingerprint import MAX_FINGERPRINT_TOKENS

from evaluation.oversize import long_article

REPO = Path(__file__).resolve().parents[2]
#: Peak resident memory allowed for one oversize page, interpreter and libraries included.
PEAK_MB = 600

CHILD = """
import json, sys
from pathlib import Path
from newscrawl import process_page
from evaluation.oversize import peak_rss_mb
record = process_page(Path(sys.argv[1]).read_bytes(), "https://news.example/a/long-report",
                      {"Content-Type": "text/html; charset=utf-8"})
print(json.dumps({"peak_mb": peak_rss_mb(),
                  "skip": record.skip_reason, "body_chars": len(record.body),
                  "words": len(record.body.split()),
                  "repairs": {r.kind: r.count for r in record.repairs},
                  "bands": len(record.fingerprint.bands) if record.fingerprint else 0}))
"""


def test_a_9mb_article_is_processed_in_bounded_memory_and_the_cut_is_recorded(tmp_path):
    page = tmp_path / "long.html"
    page.write_bytes(long_article(9 * 1024 * 1024))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(page)], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["peak_mb"] < PEAK_MB, got
    assert got["skip"] is None and got["bands"] > 0
    # Extract read the first MAX_HTML_CHARS of the page and says so; the body it kept is whole
    # (millions of characters), only its fingerprint saw the first words.
    assert got["repairs"]["truncated_html"] == 1
    assert got["body_chars"] > 4_000_000
    assert got["words"] > MAX_FINGERPRINT_TOKENS
    assert got["repairs"]["fingerprint_text_cut"] > 0
