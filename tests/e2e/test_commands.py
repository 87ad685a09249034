"""The ``newscrawl`` command as a user runs it (real subprocesses): one line and exit 2 for each
user error, no traceback; fetch, export, filters, feed exports, ingest's report and progress."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event

from newscrawl.cli import Progress
from newscrawl.cli import main as cli_main
from newscrawl.stages.events import EVENT_WINDOW_DAYS
from newscrawl.export import write_rows
from newscrawl.fetch import FetchError, download
from newscrawl.store.db import make_engine
from newscrawl.store.queries import EXPORT_COLUMNS, iter_export_rows
from newscrawl.testing.server import LoopbackSiteServer

REPO = Path(__file__).resolve().parents[2]
SITES = REPO / "fixtures" / "sites"
KETTLE = SITES / "www.capitol-ledger.example" / "kettle-recall"
WIRE_TITLE = "Explosion rips through Marrowgate river port"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "NEWSCRAWL_SPOOL_DIR": str(tmp_path / "spool"), **extra}
    for name in ("NEWSCRAWL_DATABASE_URL", "NEWSCRAWL_REDIS_URL", "REDIS_URL", "http_proxy",
                 "HTTP_PROXY", "no_proxy", "NO_PROXY"):
        if name not in extra:
            env.pop(name, None)
    return env


def newscrawl(tmp_path: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300,
              **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newscrawl", *args], cwd=tmp_path,
                          env=env or _env(tmp_path), capture_output=True, text=True, timeout=timeout, **kwargs)


def one_line_error(run: subprocess.CompletedProcess) -> str:
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("newscrawl")
    return lines[0]


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> str:
    """The sample sites ingested (the same stories as a crawl of them)."""
    path = tmp_path_factory.mktemp("sample") / "news.db"
    url = f"sqlite:///{path}"
    assert cli_main(["ingest", "-q", str(SITES), "--db", url]) == 0
    return url


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("url, says", [
    ("notaurl", "not a database URL"),
    ("sqlite:/x", "not a database URL"),
    ("postgres://user@localhost/news", "postgresql+psycopg://"),
    ("postgresql+psycopg2://user@localhost/news", "postgresql+psycopg://"),
    ("mysql://user@localhost/news", "SQLite or PostgreSQL"),
])
def test_malformed_database_url_is_one_line(tmp_path, url, says):
    for command in (["stories"], ["ingest", str(KETTLE)], ["db", "upgrade"]):
        line = one_line_error(newscrawl(tmp_path, *command, "--db", url))
        assert says in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["stories"], ["events"], ["story", "0123456789abcdef"], ["export"]])
def test_read_command_on_a_missing_sqlite_file_creates_nothing(tmp_path, command):
    line = one_line_error(newscrawl(tmp_path, *command, "--db", "sqlite:///typo.db"))
    assert "no database at typo.db" in line
    assert not (tmp_path / "typo.db").exists()


def test_debug_adds_the_traceback(tmp_path):
    run = newscrawl(tmp_path, "stories", "--db", "notaurl", "--debug")
    assert run.returncode == 2 and "Traceback" in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("newscrawl: not a database URL")


def test_story_into_a_closed_pipe_ends_quietly(tmp_path, sample_db):
    key = json.loads(newscrawl(tmp_path, "stories", "--json", "--db", sample_db).stdout)[0]["key"]
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before a byte is written, like `| head` after its lines
    try:
        run = subprocess.run([sys.executable, "-m", "newscrawl", "story", key, "--db", sample_db],
                             cwd=tmp_path, env=_env(tmp_path), stdout=write_end, stderr=subprocess.PIPE,
                             text=True, timeout=120)
    finally:
        os.close(write_end)
    assert run.stderr == "" and run.returncode == 0


@pytest.mark.parametrize("content, says", [
    (None, "cannot read sources file"),
    ('[[sources]]\nname = "a"\nfeeds = ["http://a.example/rss"]\ncolour = 1\n', "unknown key(s) ['colour']"),
    ("[[sources]\n", "invalid TOML"),
    ('[[sources]]\nname = "a"\nfeeds = ["not-a-url"]\n', "not an absolute http(s) URL"),
])
def test_crawl_sources_errors_are_one_line(tmp_path, content, says):
    if content is not None:
        (tmp_path / "sources.toml").write_text(content)
    line = one_line_error(newscrawl(tmp_path, "crawl", "--sources", "sources.toml", "--db", "sqlite:///c.db"))
    assert says in line
    assert not (tmp_path / "c.db").exists()


@pytest.mark.parametrize("args, says", [
    (["--feed", "not-a-url"], "not an absolute http(s) URL"),
    ([], "nothing to crawl"),
    (["--feed", "http://a.example/rss", "-s", "LOG_LEVEL"], "NAME=VALUE"),
    (["--feed", "http://a.example/rss", "--replay-dir", "nowhere"], "no such folder"),
    (["--sample", "--feed", "http://a.example/rss"], "--sample crawls the bundled sample sites"),
    # Values a component cannot read as the crawler is built: one line naming the setting.
    (["--feed", "http://a.example/rss", "-s", "NEWSCRAWL_STAGE_WORKERS=many"],
     "NEWSCRAWL_STAGE_WORKERS must be a number of processes, got 'many'"),
    (["--feed", "http://a.example/rss", "-s", "DOWNLOAD_TIMEOUT=soon"], "-s DOWNLOAD_TIMEOUT=soon"),
    (["--feed", "http://a.example/rss", "-s", "NEWSCRAWL_ROBOTSTXT_MAXSIZE=-1"],
     "NEWSCRAWL_ROBOTSTXT_MAXSIZE must be >= 0 bytes, got -1"),
    # A folder that takes no files (procfs, even for root): said before the first page.
    (["--sample", "--warc", "/proc/sys"], "NEWSCRAWL_WARC_DIR /proc/sys: cannot write WARC files there"),
])
def test_crawl_argument_errors_are_one_line(tmp_path, args, says):
    assert says in one_line_error(newscrawl(tmp_path, "crawl", *args))


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_serve_refuses_a_port_out_of_range(tmp_path, sample_db, port):
    # Before the fix 99999 was taken modulo 65536: the view served on another port.
    line = one_line_error(newscrawl(tmp_path, "serve", "--db", sample_db, "--port", port, timeout=30))
    assert "not a port number" in line


def test_ingest_reports_ignored_files_and_an_empty_folder(tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a page")
    run = newscrawl(tmp_path, "ingest", str(folder), "--db", "sqlite:///i.db")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    ignored, error = run.stderr.strip().splitlines()
    assert ignored.startswith("ignored: ") and "notes.txt: not a saved page" in ignored
    assert error.startswith("newscrawl: no pages to ingest in ")
    assert not (tmp_path / "i.db").exists()

    (folder / "page.html").write_bytes((KETTLE / "body.html").read_bytes())
    run = newscrawl(tmp_path, "ingest", str(folder), "--db", "sqlite:///i.db")
    assert run.returncode == 0, run.stderr
    assert "notes.txt: not a saved page" in run.stderr
    assert run.stdout.strip().splitlines()[-1].endswith("0 unreadable; 1 ignored (not pages)")
    assert "\r" not in run.stderr  # stderr is a pipe here: no progress line


# ------------------------------------------------------------------ progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_on_a_terminal_only():
    terminal = _Terminal()
    progress = Progress(3, "pages", terminal)
    for _ in range(3):
        progress.advance()
    progress.clear()
    shown = terminal.getvalue()
    assert "\r3/3 pages" in shown and "/s" in shown and "left" in shown
    assert shown.endswith("\r")  # cleared, so the summary starts on a clean line
    piped = io.StringIO()
    quiet = Progress(3, "pages", piped)
    for _ in range(3):
        quiet.advance()
    quiet.clear()
    assert piped.getvalue() == ""


# ------------------------------------------------------------------ listings and export


def test_stories_and_events_filters_and_json(tmp_path, sample_db):
    every = json.loads(newscrawl(tmp_path, "stories", "--json", "--db", sample_db).stdout)
    assert len(every) == 5
    wire = next(s for s in every if s["title"].startswith(WIRE_TITLE))
    assert (wire["versions"], wire["sites"]) == (6, 6)
    limited = json.loads(newscrawl(tmp_path, "stories", "--json", "--limit", "2", "--db", sample_db).stdout)
    assert [s["key"] for s in limited] == [s["key"] for s in every[:2]]
    jinghai = json.loads(newscrawl(tmp_path, "stories", "--json", "--site", "news.jinghai.example",
                                   "--db", sample_db).stdout)
    assert [s["key"] for s in jinghai] == [wire["key"]]
    ledger = newscrawl(tmp_path, "stories", "--site", "www.capitol-ledger.example", "--db", sample_db)
    assert ledger.stdout.startswith("2 stories")
    assert json.loads(newscrawl(tmp_path, "stories", "--json", "--since", "2999-01-01",
                                "--db", sample_db).stdout) == []
    events = json.loads(newscrawl(tmp_path, "events", "--json", "--db", sample_db).stdout)
    assert len(events) == 1 and wire["key"] in [s["key"] for s in events[0]["stories"]]
    # Its size and its span (the stories' publication days) are shown, the span within the window.
    assert events[0]["size"] == len(events[0]["stories"]) >= 2
    assert events[0]["first_day"] is not None and 0 <= events[0]["span_days"] <= EVENT_WINDOW_DAYS
    listing = newscrawl(tmp_path, "events", "--db", sample_db).stdout
    assert f"{events[0]['size']} stories on" in listing and events[0]["first_day"] in listing
    assert json.loads(newscrawl(tmp_path, "events", "--json", "--site", "kbrx1040.example", "--all",
                                "--limit", "1", "--db", sample_db).stdout)[0]["id"] == events[0]["id"]
    line = one_line_error(newscrawl(tmp_path, "events", "--since", "yesterday", "--db", sample_db))
    assert line.startswith("newscrawl events: argument --since: not a date: 'yesterday'")


def test_export_jsonl_and_csv(tmp_path, sample_db):
    import csv

    run = newscrawl(tmp_path, "export", "--db", sample_db, "--output", "out.jsonl")
    assert run.returncode == 0, run.stderr
    assert "exported 10 story versions to out.jsonl (jsonl)" in run.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(rows) == 10 and list(rows[0]) == list(EXPORT_COLUMNS)
    wire_key = next(r["story_key"] for r in rows if r["title"].startswith(WIRE_TITLE))
    assert sum(r["story_key"] == wire_key for r in rows) == 6
    assert not list(tmp_path.glob("*.part"))
    run = newscrawl(tmp_path, "export", "--db", sample_db, "--output", "out.csv", "--site", "news.jinghai.example")
    assert run.returncode == 0, run.stderr
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert row["site"] == "news.jinghai.example" and row["encoding"] == "gb18030"
    assert isinstance(json.loads(row["repairs"]), list) and json.loads(row["chrome_languages"])


def test_export_streams(database_url, tmp_path):
    """Rows are read from the database a batch at a time (yield_per: a server-side cursor on
    PostgreSQL) and each is written before the next is read."""
    assert cli_main(["ingest", "-q", str(SITES), "--db", database_url]) == 0
    engine = make_engine(database_url)
    seen_options = []
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        event.listen(session, "do_orm_execute", lambda state: seen_options.append(state.execution_options))
        stream = io.StringIO()
        written_before_read = []

        def watched(rows):
            for n, row in enumerate(rows):
                written_before_read.append(stream.getvalue().count("\n") == n)
                yield row

        count = write_rows(watched(iter_export_rows(session, batch=3)), stream, "jsonl", EXPORT_COLUMNS)
    engine.dispose()
    assert count == 10 and all(written_before_read)
    assert seen_options and seen_options[0].get("yield_per") == 3


def test_export_into_a_folder_a_pipe_and_a_link(tmp_path, sample_db):
    import stat
    import threading

    line = one_line_error(newscrawl(tmp_path, "export", "--db", sample_db, "--output", str(tmp_path)))
    assert "a folder" in line
    # A named pipe is written into, and is still a pipe afterwards (a rename over it would
    # have replaced it with a regular file, and the reader would never see a byte).
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()), daemon=True)
    reader.start()
    run = newscrawl(tmp_path, "export", "--db", sample_db, "--output", str(pipe))
    reader.join(timeout=60)
    assert run.returncode == 0, run.stderr
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert got and len(got[0].splitlines()) == 10
    # A symbolic link: the file it names is written, the link stays.
    (tmp_path / "real.csv").write_text("old")
    (tmp_path / "link.csv").symlink_to("real.csv")
    for fmt in ("csv", "warc"):
        run = newscrawl(tmp_path, "export", "--db", sample_db, "--format", fmt, "--output", "link.csv")
        assert run.returncode == 0, run.stderr
        assert (tmp_path / "link.csv").is_symlink()
        assert (tmp_path / "real.csv").stat().st_size > 1000
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("command", [["export"], ["export", "--format", "warc"], ["stories"]])
def test_a_full_device_is_one_line(tmp_path, sample_db, command):
    # stdout (or the output) on a full disk: the write fails with ENOSPC; one line, no
    # traceback, and no second error from the interpreter flushing stdout at exit.
    with open("/dev/full", "wb") as full:
        run = subprocess.run([sys.executable, "-m", "newscrawl", *command, "--db", sample_db],
                             cwd=tmp_path, env=_env(tmp_path), stdout=full, stderr=subprocess.PIPE,
                             text=True, timeout=120)
    assert "No space left on device" in one_line_error(run)


def test_export_parquet_holds_what_jsonl_holds(tmp_path, sample_db):
    import pyarrow.parquet as pq

    run = newscrawl(tmp_path, "export", "--db", sample_db, "--output", "out.parquet")
    assert run.returncode == 0, run.stderr
    assert "exported 10 story versions to out.parquet (parquet)" in run.stderr
    assert newscrawl(tmp_path, "export", "--db", sample_db, "--output", "out.jsonl").returncode == 0
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.column_names == list(EXPORT_COLUMNS)
    as_json = json.loads(json.dumps(table.to_pylist(), default=lambda d: d.isoformat()))
    assert as_json == [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert not list(tmp_path.glob("*.part"))


def test_export_parquet_is_written_a_row_group_at_a_time(database_url, tmp_path):
    """Each row group is written before the rows of the next are read."""
    import pyarrow.parquet as pq

    from newscrawl.export import write_parquet

    assert cli_main(["ingest", "-q", str(SITES), "--db", database_url]) == 0
    engine = make_engine(database_url)
    from sqlalchemy.orm import Session

    path = tmp_path / "v.parquet"
    sizes = []

    def watched(rows):
        for row in rows:
            sizes.append(path.stat().st_size if path.exists() else 0)
            yield row

    with Session(engine) as session:
        count = write_parquet(watched(iter_export_rows(session, batch=3)), path, EXPORT_COLUMNS, row_group=4)
    engine.dispose()
    assert count == 10 and pq.ParquetFile(path).metadata.num_row_groups == 3
    assert sizes[4] > sizes[3] and sizes[8] > sizes[7]  # a group on disk before the next row is read


def test_export_parquet_without_pyarrow_says_how_to_install(tmp_path, sample_db):
    blocker = tmp_path / "no-pyarrow"
    (blocker / "pyarrow").mkdir(parents=True)
    (blocker / "pyarrow" / "__init__.py").write_text("raise ImportError('No module named pyarrow')\n")
    env = _env(tmp_path, PYTHONPATH=os.pathsep.join([str(blocker), str(REPO)]))
    line = one_line_error(newscrawl(tmp_path, "export", "--db", sample_db, "-o", "out.parquet", env=env))
    assert "pip install 'newscrawl[parquet]'" in line
    assert not list(tmp_path.glob("out.parquet*"))
    assert "give --output FILE.parquet" in one_line_error(
        newscrawl(tmp_path, "export", "--db", sample_db, "--format", "parquet"))


def test_export_progress_on_a_terminal(tmp_path, sample_db):
    """On a terminal, export draws "done/total versions" as it goes; into a pipe, only the
    summary (test_export_jsonl_and_csv)."""
    import pty

    main_end, terminal = pty.openpty()
    try:
        run = subprocess.run([sys.executable, "-m", "newscrawl", "export", "--db", sample_db, "-o", "out.jsonl"],
                             cwd=tmp_path, env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=terminal,
                             timeout=300)
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(main_end, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(main_end)
    assert run.returncode == 0
    text_shown = shown.decode()
    assert "10/10 versions" in text_shown and "exported 10 story versions" in text_shown


# ------------------------------------------------------------------ one page


def test_fetch_file_and_url(tmp_path):
    run = newscrawl(tmp_path, "fetch", str(KETTLE / "body.html"))
    assert run.returncode == 0, run.stderr
    record = json.loads(run.stdout)
    assert record["title"] == "Brightwell recalls 240,000 smart kettles over overheating risk"
    assert {"body", "language", "chrome_languages", "encoding", "repairs", "published_at", "authors",
            "wire", "fingerprint"} <= set(record)
    assert set(record["fingerprint"]) == {"body_hash"}
    url = json.loads((KETTLE / "info.json").read_text())["url"]
    with LoopbackSiteServer(SITES) as server:
        run = newscrawl(tmp_path, "fetch", url, env=_env(tmp_path, http_proxy=server.proxy_url))
        exchanges = server.exchanges
    assert run.returncode == 0, run.stderr
    fetched = json.loads(run.stdout)
    assert fetched["url"] == url and fetched["body"] == record["body"] and fetched["status"] == 200
    (exchange,) = exchanges
    assert exchange.request_headers.get("User-Agent", "").startswith("newscrawl/")
    assert not list(tmp_path.glob("*.db"))  # nothing stored


def test_fetch_size_limit(tmp_path):
    with LoopbackSiteServer(SITES) as server:
        url = json.loads((KETTLE / "info.json").read_text())["url"]
        os.environ["http_proxy"] = server.proxy_url
        try:
            with pytest.raises(FetchError, match="larger than the crawl's limit of 1000 bytes"):
                download(url, max_size=1000)
        finally:
            del os.environ["http_proxy"]


class RawServer:
    """A server on a random port that answers each path with raw bytes, or with what a
    function writes to the socket (a server that misbehaves the way real ones do)."""

    def __init__(self, routes) -> None:
        import socket
        import threading

        self.routes = routes
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import threading

        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                data = conn.recv(4096)
                if not data:
                    return
                request += data
            answer = self.routes[request.split()[1].decode()]
            try:
                answer(conn) if callable(answer) else conn.sendall(answer)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()


def test_fetch_of_misbehaving_servers(tmp_path, monkeypatch):
    import gzip
    import time

    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    page = (KETTLE / "body.html").read_bytes()

    def answer(body: bytes, *headers: str, length: int | None = None) -> bytes:
        head = [f"Content-Length: {len(body) if length is None else length}", *headers]
        return ("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + "".join(h + "\r\n" for h in head)
                + "Connection: close\r\n\r\n").encode() + body

    def trickle(conn) -> None:
        conn.sendall(answer(b"", length=len(page)))
        for i in range(40):  # long past the timeout, a byte at a time
            conn.sendall(page[i:i + 1])
            time.sleep(0.2)

    routes = {
        "/trickle": trickle,
        "/cut": answer(page[:1000], length=len(page)),
        "/gzip": answer(gzip.compress(page), "Content-Encoding: gzip"),
        "/bomb": answer(gzip.compress(b"<p>" + b"a" * 3_000_000), "Content-Encoding: gzip"),
        "/not-http": b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
        "/loop": b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n",
    }
    with RawServer(routes) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match="took longer than 1 seconds"):
            download(f"{server.url}/trickle", timeout=1)
        assert time.monotonic() - started < 10
        with pytest.raises(FetchError, match="ended after 1000 of"):
            download(f"{server.url}/cut")
        # Compressed although asked not to: decoded, as the crawl's downloader does.
        fetched = download(f"{server.url}/gzip")
        assert fetched.body == page and "content-encoding" not in fetched.headers
        with pytest.raises(FetchError, match="larger than the crawl's limit of 1000000 bytes once"):
            download(f"{server.url}/bomb", max_size=1_000_000)
        for path, says in (("/not-http", "SSH-2.0"), ("/loop", "redirect")):
            assert says in one_line_error(newscrawl(tmp_path, "fetch", f"{server.url}{path}"))


def test_fetch_decodes_brotli_within_the_limit(tmp_path, monkeypatch):
    """A br body is decoded as the crawl's downloader decodes it, with whichever of brotli and
    brotlicffi is installed (Scrapy needs one); without either, one line says so."""
    try:
        import brotli
    except ImportError:
        import brotlicffi as brotli

    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    page = (KETTLE / "body.html").read_bytes()

    def answer(body: bytes) -> bytes:
        return (f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: br\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body

    routes = {"/br": answer(brotli.compress(page)),
              "/bomb": answer(brotli.compress(b"<p>" + b"a" * 3_000_000)),
              "/bad": answer(b"this is not brotli data at all")}
    with RawServer(routes) as server:
        fetched = download(f"{server.url}/br")
        assert fetched.body == page and "content-encoding" not in fetched.headers
        with pytest.raises(FetchError, match="larger than the crawl's limit of 1000000 bytes once"):
            download(f"{server.url}/bomb", max_size=1_000_000)
        with pytest.raises(FetchError, match="not valid br data"):
            download(f"{server.url}/bad")
        assert "not valid br data" in one_line_error(newscrawl(tmp_path, "fetch", f"{server.url}/bad"))
        # Neither library importable: the error names the package to install.
        monkeypatch.setitem(sys.modules, "brotli", None)
        monkeypatch.setitem(sys.modules, "brotlicffi", None)
        with pytest.raises(FetchError) as error:
            download(f"{server.url}/br")
        assert "\n" not in str(error.value)
        assert str(error.value).endswith("(Content-Encoding: br); install the brotli package "
                                         "to decode it")


def test_fetch_refuses_a_compressed_body_cut_off(tmp_path, monkeypatch):
    """A gzip, deflate, br or zstd body whose stream stops before its end is one line and a
    non-zero exit, not the start of the page printed as the page: with a Content-Length that
    matches the bytes sent (the transport is complete) and without one (the end is the close)."""
    import gzip
    import zlib

    try:
        import brotli
    except ImportError:
        import brotlicffi as brotli
    try:
        from compression import zstd
    except ImportError:
        from backports import zstd

    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    page = (KETTLE / "body.html").read_bytes()

    def answer(body: bytes, coding: str, length: bool) -> bytes:
        head = f"Content-Length: {len(body)}\r\n" if length else ""
        return (f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: {coding}\r\n"
                f"{head}Connection: close\r\n\r\n").encode() + body

    packed = {"gzip": gzip.compress(page), "deflate": zlib.compress(page),
              "br": brotli.compress(page), "zstd": zstd.compress(page)}
    routes = {}
    for coding, body in packed.items():
        for length in (True, False):
            routes[f"/{coding}-{length}"] = answer(body[:-20], coding, length)
            routes[f"/{coding}-{length}-whole"] = answer(body, coding, length)
    with RawServer(routes) as server:
        for coding in packed:
            for length in (True, False):
                assert download(f"{server.url}/{coding}-{length}-whole").body == page
                with pytest.raises(FetchError, match=f"the {coding} body is cut off"):
                    download(f"{server.url}/{coding}-{length}")
        run = newscrawl(tmp_path, "fetch", f"{server.url}/gzip-True")
        assert run.returncode != 0 and not run.stdout
        assert "the gzip body is cut off" in one_line_error(run)


def test_fetch_of_conflicting_lengths_broken_chunks_and_a_redirect_nowhere(tmp_path, monkeypatch):
    """Two different Content-Length headers (the reader took the first: half the page) and a
    redirect without a Location are one clear line each; broken chunked framing says what it
    is; the same length twice is one length."""
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    page = (KETTLE / "body.html").read_bytes()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
    routes = {
        "/two-lengths": head + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n"
        % (len(page) // 2, len(page)) + page,
        "/same-twice": head + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n"
        % (len(page), len(page)) + page,
        "/bad-chunk": head + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n" + page + b"\r\n0\r\n\r\n",
        "/nowhere": b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    }
    with RawServer(routes) as server:
        with pytest.raises(FetchError, match=f"different lengths \\(Content-Length: {len(page) // 2}, "
                                             f"{len(page)}\\)"):
            download(f"{server.url}/two-lengths")
        assert download(f"{server.url}/same-twice").body == page
        with pytest.raises(FetchError, match="chunked framing is broken"):
            download(f"{server.url}/bad-chunk")
        assert "a 302 redirect without a Location header" in one_line_error(
            newscrawl(tmp_path, "fetch", f"{server.url}/nowhere"))


def test_fetch_errors_are_one_line(tmp_path):
    assert "no such file" in one_line_error(newscrawl(tmp_path, "fetch", "missing.html"))
    assert "cannot fetch" in one_line_error(newscrawl(tmp_path, "fetch", "http://127.0.0.1:9/x"))


# ------------------------------------------------------------------ feed exports


@pytest.mark.crawl
def test_scrapy_feed_export_writes_the_normalized_record(tmp_path):
    out = tmp_path / "out.jsonl"
    run = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "sources=fixtures/sample_sources.toml",
         "-s", f"NEWSCRAWL_REPLAY_DIR={SITES}", "-s", "NEWSCRAWL_STORE_ENABLED=False",
         "-s", "NEWSCRAWL_LOCK=False", "-s", "LOG_LEVEL=WARNING", "-O", str(out)],
        cwd=REPO, env=_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "ERROR" not in run.stderr, run.stderr[-3000:]
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 10
    assert all(line["title"] and line["body"] and line["url"].startswith("http://") for line in lines)
    assert sum(line["title"].startswith(WIRE_TITLE) for line in lines) >= 2
    assert all(isinstance(line["body"], str) and "stages" not in line for line in lines)


# ------------------------------------------------------------------ crawl log


@pytest.mark.crawl
@pytest.mark.parametrize("spider_argument, says", [
    ("sources=missing.toml", "missing.toml: cannot read sources file"),
    ("feeds=not-a-url", "not an absolute http(s) URL"),
])
def test_scrapy_crawl_with_bad_arguments_logs_one_line(tmp_path, spider_argument, says):
    """``scrapy crawl`` in a checkout: the error once, as one log line, no asyncio report of an
    unretrieved task exception, nothing crawled, exit status 1 (Scrapy's own for a crawl that
    could not start)."""
    run = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", spider_argument,
         "-s", f"NEWSCRAWL_LOCK_DIR={tmp_path}", "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{tmp_path / 'c.db'}"],
        cwd=REPO, env=_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr[-3000:]
    assert "Traceback" not in run.stderr and "never retrieved" not in run.stderr, run.stderr[-3000:]
    errors = [line for line in run.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and says in errors[0], run.stderr[-3000:]


@pytest.mark.crawl
def test_crawl_at_the_default_log_level_prints_its_own_lines_only(tmp_path):
    """``newscrawl crawl`` at LOG_LEVEL=INFO: the replay line, the incremental line and the
    summary; no Scrapy banner, component lists, overridden settings, migration steps or stats
    dump. At DEBUG those come back."""
    common = ["crawl", "--sources", str(REPO / "fixtures/sample_sources.toml"), "--replay-dir", str(SITES),
              "-s", f"NEWSCRAWL_LOCK_DIR={tmp_path}"]
    run = newscrawl(tmp_path, *common, "--db", "sqlite:///info.db")
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stderr.strip().splitlines()
    assert all("[newscrawl." in line for line in lines), run.stderr
    assert 2 <= len(lines) <= 5, run.stderr
    assert "Summary (finished, " in lines[-1] and "10 stored (5 new stories)" in lines[-1]
    debug = newscrawl(tmp_path, *common, "--db", "sqlite:///debug.db", "-s", "LOG_LEVEL=DEBUG")
    assert debug.returncode == 0, debug.stderr[-3000:]
    for chatter in ("Scrapy ", "Enabled extensions", "Overridden settings", "Dumping Scrapy stats"):
        assert chatter in debug.stderr
