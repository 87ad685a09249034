"""Many WARC files, many processes: the database's list of files (newscrawl.store.ingest_files),
WARC files over HTTP, ``--status``.

Ingest processes here are real ``python -m newscrawl ingest`` subprocesses on one database
(SQLite and PostgreSQL), reading WARC files written with warcio, some served by a loopback HTTP
server on a random port."""

from __future__ import annotations

import gzip
import http.server
import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.cli import main as cli_main
from newscrawl.store import open_database
from newscrawl.store.models import Fetch, IngestFile

from evaluation import newsroom

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = [newsroom.page(*article) for article in newsroom.ARTICLES.values()]


def write_warc(path: Path, site: str, records: int) -> list[str]:
    """A gzip-per-record WARC of ``records`` distinct article responses; their URLs."""
    urls = []
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for n in range(records):
            body = ARTICLES[n % len(ARTICLES)].replace(b"</body>", b"<!-- %s %d --></body>"
                                                      % (site.encode(), n))
            url = f"http://{site}/story/{n}"
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http,
                warc_headers_dict={"WARC-Date": "2026-10-13T08:00:00Z"}))
            urls.append(url)
    return urls


def ingest(*args: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen}
    return subprocess.Popen([sys.executable, "-m", "newscrawl", "ingest", *args],
                            cwd=ROOT, env=env, text=True, **popen)


def fetch_counts(db: str) -> Counter:
    with open_database(db)() as session:
        return Counter(session.scalars(select(Fetch.url)))


def files(db: str) -> dict[str, IngestFile]:
    with open_database(db)() as session:
        return {Path(f.location).name: f for f in session.scalars(select(IngestFile))}


def test_two_processes_share_one_list_and_store_each_record_once(tmp_path, database_url):
    expected = []
    for n in range(4):
        expected += write_warc(tmp_path / f"part{n}.warc.gz", f"site{n}.example", 6)
    listing = tmp_path / "warc.paths.gz"  # gzip-compressed, as Common Crawl's lists
    listing.write_bytes(gzip.compress(b"".join(b"part%d.warc.gz\n" % n for n in range(4))))

    runs = [ingest("-q", str(listing), "--db", database_url) for _ in range(2)]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err[-2000:]
        assert "Traceback" not in err
    assert fetch_counts(database_url) == Counter(expected)  # every record, once
    table = files(database_url)
    assert sorted(table) == [f"part{n}.warc.gz" for n in range(4)]
    assert all(f.state == "done" and f.position == 6 and f.attempts == 1 for f in table.values())
    assert sum(sum(f.counts.values()) for f in table.values()) == len(expected)

    # Run again: every file is done, nothing is read or stored twice; --again reads them again.
    again = ingest(str(listing), "--db", database_url)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0 and "4 WARC files already ingested" in out
    assert err.count("already ingested: ") == 4
    assert fetch_counts(database_url) == Counter(expected)

    status = ingest("--status", "--db", database_url)
    out, err = status.communicate(timeout=120)
    assert status.returncode == 0, err
    assert out.splitlines()[0] == "4 WARC files: 4 done, 0 claimed, 0 pending, 0 failed"
    assert sum(line.startswith("done ") and "part" in line for line in out.splitlines()) == 4


#: Records of the file a process is killed in the middle of: enough that an idle machine's ingest
#: cannot finish the file between the poll that sees it started and the kill.
KILLED_FILE_RECORDS = 300


def test_a_killed_process_file_is_taken_up_after_its_last_stored_record(tmp_path, database_url):
    expected = write_warc(tmp_path / "big.warc.gz", "big.example", KILLED_FILE_RECORDS)
    first = ingest("-q", "--lease", "2", str(tmp_path / "big.warc.gz"), "--db", database_url)
    deadline = time.monotonic() + 300
    position = 0
    while position < 3:  # killed while it is in the middle of the file
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()[1][-2000:]
        time.sleep(0.2)
        try:
            position = files(database_url).get("big.warc.gz").position
        except AttributeError:  # not registered yet
            position = 0
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=60)
    killed = files(database_url)["big.warc.gz"]
    assert killed.state == "claimed" and 3 <= killed.position < KILLED_FILE_RECORDS

    second = ingest("--lease", "2", str(tmp_path / "big.warc.gz"), "--db", database_url)
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err[-2000:]
    resumed_at = files(database_url)["big.warc.gz"]
    assert resumed_at.state == "done" and resumed_at.attempts == 2 and resumed_at.position == KILLED_FILE_RECORDS
    assert f"after record {killed.position}" in err  # it went on from there
    # The records stored before the kill are not stored again, those after it are stored once.
    assert fetch_counts(database_url) == Counter(expected)
    assert len(out.strip().splitlines()) == KILLED_FILE_RECORDS - killed.position + 1  # lines of the second run


class BarrierServer(http.server.ThreadingHTTPServer):
    """Serves WARC files from a folder; each answer waits until ``parties`` downloads are in
    flight at once (a serial reader never gets past the first: it is answered 503 after
    ``patience`` seconds). Records the peak of concurrent downloads."""

    def __init__(self, folder: Path, parties: int, patience: float = 120.0) -> None:
        self.folder = folder
        self.barrier = threading.Barrier(parties, timeout=patience)
        self.in_flight = self.peak = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _BarrierHandler)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _BarrierHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        server = self.server
        path = server.folder / self.path.lstrip("/")
        if not path.is_file():
            self.send_error(404)
            return
        with server.lock:
            server.in_flight += 1
            server.peak = max(server.peak, server.in_flight)
        try:
            server.barrier.wait()
        except threading.BrokenBarrierError:
            self.send_error(503)
            return
        finally:
            with server.lock:
                server.in_flight -= 1
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_two_ingests_read_files_in_parallel_over_http(tmp_path, database_url):
    # --jobs is the stage workers of one ingest, which reads one file at a time; several files
    # at once come from several ingests given the same list. The server answers a download only
    # while another is in flight, so two ingests that did not read at the same time would fail.
    served = tmp_path / "served"
    served.mkdir()
    expected = []
    for n in range(2):
        expected += write_warc(served / f"cc{n}.warc.gz", f"outlet{n}.example", 3)
    server = BarrierServer(served, parties=2)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        listing = tmp_path / "warc.paths"
        listing.write_text(f"{server.base}/cc0.warc.gz\n{server.base}/cc1.warc.gz\n"
                           f"{server.base}/gone.warc.gz\n")
        # One with stage workers, one with the stages in its own process.
        runs = [ingest("--jobs", jobs, str(listing), "--db", database_url) for jobs in ("2", "1")]
        results = [run.communicate(timeout=600) for run in runs]
    finally:
        server.shutdown()
        server.server_close()
    # Both downloads were in flight at once: the two ingests read at the same time.
    assert server.peak == 2
    errs = [err for _, err in results]
    assert all("Traceback" not in err for err in errs)
    # The missing file was claimed by one of them: its error, exit status 1; the other's 0.
    failed = [i for i, err in enumerate(errs) if "gone.warc.gz: cannot download: HTTP 404" in err]
    assert len(failed) == 1
    assert sorted(run.returncode for run in runs) == [0, 1] and runs[failed[0]].returncode == 1
    assert fetch_counts(database_url) == Counter(expected)  # each record stored once
    table = files(database_url)
    assert table["gone.warc.gz"].state == "failed" and "404" in table["gone.warc.gz"].message
    pids = {table[f"cc{n}.warc.gz"].claim.split(":")[1] for n in range(2)}
    assert pids == {str(run.pid) for run in runs}  # one file each
    status = ingest("--status", "--db", database_url)
    out, _ = status.communicate(timeout=120)
    assert out.splitlines()[0] == "3 WARC files: 2 done, 0 claimed, 0 pending, 1 failed"


def test_status_of_a_database_without_files(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'empty.db'}"
    assert cli_main(["ingest", "--status", "--db", db]) == 2  # no database: one line
    assert "no database at" in capsys.readouterr().err
    open_database(db)
    assert cli_main(["ingest", "--status", "--db", db]) == 0
    assert capsys.readouterr().out.startswith("0 WARC files: 0 done")
    assert cli_main(["ingest", "--db", db]) == 2
    assert "give the files" in capsys.readouterr().err


@pytest.mark.parametrize("lease", ["0", "-3", "soon"])
def test_a_bad_lease_is_one_line(lease, capsys):
    with pytest.raises(SystemExit):
        cli_main(["ingest", "--lease", lease, "x.warc.gz"])
    assert "not a positive number" in capsys.readouterr().err


def test_progress_by_bytes_on_a_terminal_and_quiet_otherwise(tmp_path):
    import pty

    path = tmp_path / "p.warc.gz"
    write_warc(path, "progress.example", 8)
    size = path.stat().st_size
    main, child = pty.openpty()
    try:
        run = ingest("-q", str(path), "--db", f"sqlite:///{tmp_path / 'tty.db'}", stderr=child)
        os.close(child)
        shown = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            shown += chunk
        out, _ = run.communicate(timeout=300)
    finally:
        os.close(main)
    assert run.returncode == 0
    text = shown.decode()
    # Redrawn in place (carriage returns), in MB of the file, with a rate and time left.
    assert 1e3 < size < 1e6
    total = f"{size / 1e3:,.1f}"
    assert "\r" in text and f"/{total} kB" in text and "MB/s" in text and " left" in text
    assert f"{total}/{total} kB" in text  # the whole file, at the end
    assert out.startswith("ingested: ")
    # Not a terminal: only the summary, no progress line.
    piped = ingest("-q", str(path), "--again", "--db", f"sqlite:///{tmp_path / 'pipe.db'}")
    out, err = piped.communicate(timeout=300)
    assert piped.returncode == 0 and err == "" and out.count("\n") == 1
