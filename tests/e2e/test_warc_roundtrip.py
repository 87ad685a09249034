"""A crawl written as WARC (NEWSCRAWL_WARC_DIR), checked by warcio's own checker, and ingested
into a second database: the same stories as the crawl stored."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from warcio.archiveiterator import ArchiveIterator

from newscrawl.cli import main as cli_main
from evaluation.samples import SITES, SOURCES, assert_story_grouping
from tests.e2e.test_end_to_end import crawl, stat, stored, stories_by_pages


@pytest.mark.crawl
def test_crawl_to_warc_and_back(tmp_path):
    crawled, ingested = f"sqlite:///{tmp_path / 'crawl.db'}", f"sqlite:///{tmp_path / 'warc.db'}"
    archive = tmp_path / "warc"
    # A small size limit, so the run rotates through several files.
    log = crawl(crawled, "-s", f"NEWSCRAWL_REPLAY_DIR={SITES}", "-s", f"NEWSCRAWL_WARC_DIR={archive}",
                "-s", "NEWSCRAWL_WARC_MAX_BYTES=40000")
    files = sorted(archive.iterdir())
    assert len(files) >= 2 and all(f.name.endswith(".warc.gz") for f in files)  # none left .open
    assert stat(log, "newscrawl/warc/files") == len(files)

    responses, requests, infos = {}, {}, 0
    for path in files:
        # warcio's checker: every block and payload digest matches the bytes written.
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                head = record.rec_headers
                if record.rec_type == "warcinfo":
                    infos += 1
                    info = record.content_stream().read().decode()
                    assert "software: newscrawl" in info and "NEWSCRAWL_DATABASE_URL" not in info
                elif record.rec_type == "response":
                    assert head.get_header("WARC-Payload-Digest").startswith("sha1:")
                    responses[head.get_header("WARC-Record-ID")] = head.get_header("WARC-Target-URI")
                elif record.rec_type == "request":
                    assert record.http_headers.protocol == "GET"
                    requests[head.get_header("WARC-Concurrent-To")] = head.get_header("WARC-Target-URI")
    assert infos == len(files)
    assert requests == responses  # each response with the request that asked for it
    assert stat(log, "newscrawl/warc/records") == 2 * len(responses)

    assert cli_main(["ingest", "-q", str(archive), "--db", ingested]) == 0
    crawl_keys, crawl_bodies = stored(crawled)
    warc_keys, warc_bodies = stored(ingested)
    assert_story_grouping(warc_keys)
    # By pages, not keys: a story's key is its first stored copy's, and the crawl's store order
    # need not be the order its responses were written in (test_end_to_end.stories_by_pages).
    assert stories_by_pages(crawl_keys) == stories_by_pages(warc_keys)
    assert sorted(crawl_bodies) == sorted(warc_bodies)


@pytest.mark.crawl
def test_a_crawl_replayed_from_its_warc_and_a_database_exported_as_warc(tmp_path):
    """NEWSCRAWL_REPLAY_DIR on a crawl's WARC folder crawls the same stories offline; ``export
    --format warc`` of that database, ingested into another, gives the same stories and texts."""
    archive = tmp_path / "warc"
    first, replayed, imported = (f"sqlite:///{tmp_path / name}.db"
                                 for name in ("first", "replayed", "imported"))
    crawl(first, "-s", f"NEWSCRAWL_REPLAY_DIR={SITES}", "-s", f"NEWSCRAWL_WARC_DIR={archive}")
    # Through the command's own options: --replay-dir (the WARC folder) and --warc (written again).
    again = tmp_path / "warc-again"
    run = subprocess.run([sys.executable, "-m", "newscrawl", "crawl", "--sources", str(SOURCES),
                          "--replay-dir", str(archive), "--warc", str(again), "--db", replayed,
                          "-s", f"NEWSCRAWL_LOCK_DIR={tmp_path}", "-s", "DOWNLOAD_DELAY=0",
                          "-s", "AUTOTHROTTLE_ENABLED=False"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    replaying = re.search(r"Replaying (\d+) saved responses", run.stderr)
    assert replaying and int(replaying.group(1)) > 0, run.stderr[-3000:]
    assert any(p.name.endswith(".warc.gz") for p in again.iterdir())
    first_keys, first_bodies = stored(first)
    replayed_keys, replayed_bodies = stored(replayed)
    assert stories_by_pages(first_keys) == stories_by_pages(replayed_keys)
    assert sorted(first_bodies) == sorted(replayed_bodies)

    exported = tmp_path / "out" / "all.warc.gz"
    exported.parent.mkdir()
    assert cli_main(["export", "--output", str(exported), "--db", replayed]) == 0  # by its name
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(exported)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with exported.open("rb") as fh:
        kinds = [record.rec_type for record in ArchiveIterator(fh)]
    assert kinds[0] == "warcinfo" and kinds.count("response") > 0
    assert cli_main(["ingest", "-q", str(exported), "--db", imported]) == 0
    imported_keys, imported_bodies = stored(imported)
    assert stories_by_pages(imported_keys) == stories_by_pages(replayed_keys)
    assert sorted(imported_bodies) == sorted(replayed_bodies)
