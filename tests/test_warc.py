"""newscrawl.warc and ``newscrawl ingest FILE.warc.gz``: WARC files written here with warcio's
writer (real WARC bytes, a gzip member per record), each kind of record and its outcome."""

from __future__ import annotations

import datetime as dt
import gzip
import io

import pytest

from sqlalchemy import select
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.cli import main as cli_main
from newscrawl.ingest import IngestError, WarcInput, find_inputs, iter_pages
from newscrawl.model import Page
from newscrawl.store import open_database
from newscrawl.store.models import Fetch, Version
from newscrawl.warc import WarcError, WarcSkip, iter_warc

from evaluation import newsroom
from tests.e2e.test_commands import RawServer

SEALS = newsroom.page(*newsroom.ARTICLES["harbour-seals"])
ROOF = newsroom.page(*newsroom.ARTICLES["library-roof"])
BIG = 10 * 1024 * 1024


def chunked(body: bytes, size: int = 700) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
             for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


class Archive:
    """A WARC file built record by record."""

    def __init__(self, gzip_records: bool = True) -> None:
        self.buf = io.BytesIO()
        self.writer = WARCWriter(self.buf, gzip=gzip_records)

    def response(self, url, body, headers=(("Content-Type", "text/html; charset=utf-8"),),
                 status="200 OK", date="2026-10-13T08:00:00Z", **warc_headers):
        http = StatusAndHeaders(status, list(headers), protocol="HTTP/1.1")
        record = self.writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=http,
            warc_headers_dict={"WARC-Date": date, **warc_headers})
        self.writer.write_record(record)
        return record

    def revisit(self, url, original, date="2026-10-14T09:30:00Z"):
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                protocol="HTTP/1.1")
        head = original.rec_headers
        record = self.writer.create_revisit_record(
            url, head.get_header("WARC-Payload-Digest"), head.get_header("WARC-Target-URI"),
            head.get_header("WARC-Date"), http_headers=http)
        record.rec_headers.replace_header("WARC-Date", date)
        self.writer.write_record(record)

    def raw(self, data: bytes) -> None:
        self.buf.write(data)

    def save(self, path):
        path.write_bytes(self.buf.getvalue())
        return path


def sample(tmp_path, gzip_records=True):
    warc = Archive(gzip_records)
    warc.writer.write_record(warc.writer.create_warcinfo_record("sample.warc.gz",
                                                                 {"software": "tests"}))
    seals = warc.response("http://news.example/seals", SEALS)
    warc.revisit("http://mirror.example/seals", seals)
    warc.response("http://news.example/cut", SEALS[:500],
                  **{"WARC-Truncated": "length"})
    warc.response("http://news.example/photo.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 300,
                  headers=[("Content-Type", "image/jpeg")])
    warc.response("http://news.example/roof", chunked(gzip.compress(ROOF)),
                  headers=[("Content-Type", "text/html"), ("Transfer-Encoding", "chunked"),
                           ("Content-Encoding", "gzip")])
    # A record broken in the middle of the file: a gzip member cut short, then a member that
    # holds no WARC record at all.
    warc.raw(gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n" + b"x" * 4000)[:60])
    warc.raw(gzip.compress(b"this is not a WARC record\r\n\r\n"))
    warc.response("http://news.example/seals-again", SEALS, date="2026-10-15T07:00:00Z")
    warc.response("http://news.example/gone", b"<html>gone</html>", status="404 Not Found")
    return warc.save(tmp_path / ("sample.warc.gz" if gzip_records else "sample.warc"))


def test_each_kind_of_record_has_its_outcome(tmp_path):
    items = list(iter_warc(sample(tmp_path), BIG))
    pages = {i.url: i for i in items if isinstance(i, Page)}
    skips = {i.page.url: i.reason for i in items if isinstance(i, WarcSkip)}
    errors = [i for i in items if isinstance(i, WarcError)]

    seals = pages["http://news.example/seals"]
    assert seals.body == SEALS and seals.status == 200
    assert seals.fetched_at == dt.datetime(2026, 10, 13, 8, 0, tzinfo=dt.timezone.utc)
    assert seals.content_type == "text/html; charset=utf-8"
    # The revisit takes its payload from the response it names, its own URL and date.
    mirror = pages["http://mirror.example/seals"]
    assert mirror.body == SEALS
    assert mirror.fetched_at == dt.datetime(2026, 10, 14, 9, 30, tzinfo=dt.timezone.utc)
    # Chunked and gzip-encoded on the wire: the page is the decoded body, without the
    # headers that described the encoding.
    roof = pages["http://news.example/roof"]
    assert roof.body == ROOF
    assert "content-encoding" not in roof.headers and "transfer-encoding" not in roof.headers
    assert skips == {"http://news.example/cut": "warc_truncated:length",
                     "http://news.example/photo.jpg": "content_type:image/jpeg"}
    assert all(skip.page.body == b"" for skip in items if isinstance(skip, WarcSkip))
    # One error line for the broken stretch, and the records after it are read.
    assert len(errors) == 1 and "broken WARC data" in str(errors[0])
    assert pages["http://news.example/seals-again"].body == SEALS
    assert pages["http://news.example/gone"].status == 404
    order = [i.url if isinstance(i, Page) else getattr(i, "page", None) and i.page.url
             for i in items]
    assert order.index("http://news.example/roof") < order.index("http://news.example/seals-again")


def test_an_uncompressed_warc_reads_the_same(tmp_path):
    plain = [i for i in iter_warc(sample(tmp_path, gzip_records=False), BIG)
             if not isinstance(i, WarcError)]
    packed = [i for i in iter_warc(sample(tmp_path), BIG) if not isinstance(i, WarcError)]
    assert [(getattr(i, "url", None), getattr(i, "body", None)) for i in plain] == \
           [(getattr(i, "url", None), getattr(i, "body", None)) for i in packed]


def test_a_warc_gzipped_as_one_stream_reads_the_same(tmp_path):
    # ``gzip file.warc``: one gzip stream for the whole file, not a member per record.
    plain = sample(tmp_path, gzip_records=False)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    offsets = []
    one_stream = list(iter_warc(whole, BIG, progress=offsets.append))
    expected = list(iter_warc(plain, BIG))

    def view(items):
        return [(type(i).__name__, getattr(i, "url", None) or getattr(getattr(i, "page", None),
                                                                      "url", None),
                 getattr(i, "body", None)) for i in items]

    assert view(one_stream) == view(expected)
    assert "http://mirror.example/seals" in [i.url for i in one_stream if isinstance(i, Page)]
    # Progress is told offsets in the compressed file, up to its size.
    assert offsets == sorted(offsets) and 0 < offsets[-1] <= whole.stat().st_size


def test_a_file_cut_off_inside_a_record_gives_no_partial_page(tmp_path, capsys):
    # An interrupted download or copy: the file stops in the middle of the last record's
    # payload. The records before it are whole; the cut one is an error, not a shorter page.
    for gzip_records in (False, True):
        warc = Archive(gzip_records)
        warc.response("http://news.example/roof", ROOF)
        warc.response("http://news.example/seals", SEALS)
        data = warc.buf.getvalue()
        cut = tmp_path / f"cut{gzip_records}.warc{'.gz' if gzip_records else ''}"
        cut.write_bytes(data[:len(data) - 200])
        items = list(iter_warc(cut, BIG))
        assert [type(i).__name__ for i in items] == ["Page", "WarcError"]
        assert items[0].body == ROOF
        assert "http://news.example/seals" in str(items[1]) and "cut off" in str(items[1])
        db = f"sqlite:///{tmp_path / f'cut{gzip_records}.db'}"
        assert cli_main(["ingest", str(cut), "--db", db]) == 1
        assert "cut off" in capsys.readouterr().err
        with open_database(db)() as conn:
            assert conn.scalars(select(Version.url)).all() == ["http://news.example/roof"]


def test_a_not_modified_revisit_reads_as_the_earlier_response_of_its_url(tmp_path):
    warc = Archive()
    warc.response("http://news.example/seals", SEALS)
    warc.response("http://news.example/roof", ROOF)
    for url in ("http://news.example/seals", "http://news.example/elsewhere"):
        record = warc.writer.create_warc_record(
            url, "revisit", http_headers=StatusAndHeaders("304 Not Modified", [("ETag", '"x"')],
                                                          protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": "2026-10-20T08:00:00Z", "WARC-Refers-To-Target-URI": url,
                               "WARC-Profile": "http://netpreserve.org/warc/1.1/revisit/"
                                               "server-not-modified"})
        warc.writer.write_record(record)
    items = list(iter_warc(warc.save(tmp_path / "nm.warc.gz"), BIG))
    revisit = items[2]
    assert isinstance(revisit, Page) and revisit.body == SEALS and revisit.status == 200
    assert revisit.fetched_at == dt.datetime(2026, 10, 20, 8, 0, tzinfo=dt.timezone.utc)
    assert isinstance(items[3], WarcSkip) and items[3].reason == "revisit_original_not_in_file"


def test_limits_and_unresolvable_records(tmp_path):
    warc = Archive()
    # A revisit whose original is not in this file, and a broken gzip payload.
    other = Archive().response("http://news.example/elsewhere", ROOF)
    warc.revisit("http://news.example/elsewhere", other)
    warc.response("http://news.example/badzip", b"not gzip at all " * 20,
                  headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")])
    warc.response("http://news.example/large", SEALS)
    warc.response("http://news.example/zstd", b"(\xb5/\xfd" + b"\0" * 40,
                  headers=[("Content-Type", "text/html"), ("Content-Encoding", "zstd")])
    items = list(iter_warc(warc.save(tmp_path / "x.warc.gz"), 1000))
    assert len(SEALS) > 1000
    skips = {i.page.url: i.reason for i in items if isinstance(i, WarcSkip)}
    pages = {i.url: i for i in items if isinstance(i, Page)}
    assert skips["http://news.example/elsewhere"] == "revisit_original_not_in_file"
    assert skips["http://news.example/large"] == "oversize"
    assert skips["http://news.example/zstd"] == "content_encoding:zstd"
    # A payload that does not decompress as its Content-Encoding says is handed over as it
    # is (warcio falls back to the raw bytes); the stages then judge what those bytes are.
    assert pages["http://news.example/badzip"].body == b"not gzip at all " * 20


def test_a_paths_list_and_a_folder_find_warc_files(tmp_path):
    path = sample(tmp_path)
    (tmp_path / "warc.paths").write_text("sample.warc.gz\nmissing.warc.gz\n"
                                         "https://data.example/x.warc.gz\nnotes.txt\n")
    found = find_inputs([tmp_path / "warc.paths", tmp_path])
    assert found.count(WarcInput(path)) == 2
    assert WarcInput("https://data.example/x.warc.gz") in found  # downloaded when read
    errors = [str(e) for e in found if isinstance(e, IngestError)]
    assert len(errors) == 2 and any("no such file" in e for e in errors)
    assert any("notes.txt: not a .warc" in e for e in errors)
    assert sum(isinstance(p, Page) for p in iter_pages([path])) == 5


def test_ingest_stores_warc_responses_with_their_reasons(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert cli_main(["ingest", str(sample(tmp_path)), "--db", db]) == 1  # the broken stretch
    captured = capsys.readouterr()
    assert captured.err.count("error: ") == 1 and "Traceback" not in captured.err
    with open_database(db)() as conn:
        fetches = {row.url: row for row in conn.scalars(select(Fetch))}
        versions = conn.execute(select(Version.url, Version.story_id)).all()
    assert fetches["http://news.example/cut"].reason == "warc_truncated:length"
    assert fetches["http://news.example/photo.jpg"].reason == "content_type:image/jpeg"
    assert fetches["http://news.example/gone"].reason == "http_status_404"
    # The WARC-Date is the fetch time.
    assert fetches["http://news.example/seals"].fetched_at.replace(tzinfo=None) == \
        dt.datetime(2026, 10, 13, 8, 0)
    stories = {url: story for url, story in versions}
    assert stories["http://news.example/seals"] == stories["http://mirror.example/seals"] \
        == stories["http://news.example/seals-again"]
    assert stories["http://news.example/roof"] != stories["http://news.example/seals"]


def test_ingest_filters_by_site_date_and_language(tmp_path, capsys):
    warc = Archive()
    warc.response("http://www.news.example/seals", SEALS, date="2026-10-13T08:00:00Z")
    warc.response("http://m.news.example/roof", ROOF, date="2026-10-14T08:00:00Z")
    warc.response("http://other.example/seals", SEALS, date="2026-10-14T09:00:00Z")
    warc.response("http://news.example/late", ROOF, date="2026-10-16T00:00:00Z")
    path = warc.save(tmp_path / "f.warc.gz")

    def urls(*options):
        db = tmp_path / f"f{len(list(tmp_path.glob('*.db')))}.db"
        assert cli_main(["ingest", "-q", str(path), "--db", f"sqlite:///{db}", *options]) == 0
        summary = capsys.readouterr().out
        with open_database(f"sqlite:///{db}")() as session:
            return sorted(session.scalars(select(Fetch.url))), summary

    stored, summary = urls("--site", "news.example", "--since", "2026-10-14", "--until", "2026-10-15")
    assert stored == ["http://m.news.example/roof"] and "3 filtered out" in summary
    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nname = "other"\nfeeds = ["http://other.example/rss.xml"]\n')
    assert urls("--sources", str(sources))[0] == ["http://other.example/seals"]
    assert urls("--language", "fr")[0] == []
    assert len(urls("--language", "en", "--language", "fr")[0]) == 4


def test_ingest_jobs_share_the_files_between_processes(tmp_path, database_url, capfd):
    files = []  # the same two articles on three sites, one WARC file a site
    for n in range(3):
        warc = Archive()
        warc.response(f"http://site{n}.example/seals", SEALS)
        warc.response(f"http://site{n}.example/roof", ROOF)
        warc.response(f"http://site{n}.example/logo.png", b"\x89PNG", headers=[("Content-Type", "image/png")])
        files.append(str(warc.save(tmp_path / f"part{n}.warc.gz")))
    assert cli_main(["ingest", "--jobs", "2", *files, "--db", database_url]) == 0
    out = capfd.readouterr().out  # the workers print to the process's stdout
    assert out.strip().splitlines()[-1].startswith("ingested: ")
    assert len(out.strip().splitlines()) == 10  # a line per record, then the summary
    with open_database(database_url)() as session:
        fetches = sorted(session.scalars(select(Fetch.url)))
        stories = dict(session.execute(select(Version.url, Version.story_id)).all())
    assert len(fetches) == 9 and len(set(fetches)) == 9  # every record stored once
    assert len({stories[f"http://site{n}.example/seals"] for n in range(3)}) == 1
    assert len({stories[f"http://site{n}.example/roof"] for n in range(3)}) == 1
    assert stories["http://site0.example/seals"] != stories["http://site0.example/roof"]


def test_export_as_warc_writes_repeated_bytes_as_revisits_and_reads_back(tmp_path, capsys):
    first, second = (f"sqlite:///{tmp_path / name}.db" for name in ("first", "second"))
    cli_main(["ingest", "-q", str(sample(tmp_path)), "--db", first])
    out = tmp_path / "export.warc.gz"
    assert cli_main(["export", "--format", "warc", "-o", str(out), "--db", first]) == 0
    # The 404 too; not the two responses recorded without their bodies (image, truncated).
    assert "exported 5 downloads" in capsys.readouterr().err
    from warcio.archiveiterator import ArchiveIterator

    with out.open("rb") as fh:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"),
                    r.rec_headers.get_header("WARC-Date")) for r in ArchiveIterator(fh)]
    kinds = [kind for kind, _, _ in records]
    # The seals article's bytes were fetched at three URLs: stored once, one response and two
    # revisits that refer to it.
    assert kinds.count("revisit") == 2 and kinds[0] == "warcinfo"
    assert ("response", "http://news.example/seals", "2026-10-13T08:00:00.000000Z") in records
    assert cli_main(["ingest", "-q", str(out), "--db", second]) == 0
    with open_database(first)() as one, open_database(second)() as two:
        query = select(Version.url, Version.body).order_by(Version.url)
        assert one.execute(query).all() == two.execute(query).all()
        fetched = select(Fetch.url, Fetch.fetched_at, Fetch.status, Fetch.reason).order_by(Fetch.url)
        assert [r for r in one.execute(fetched) if r.reason is None or "http" in r.reason] == \
            two.execute(fetched).all()


def _answer(body: bytes) -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/warc\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))


def test_a_download_that_trickles_is_given_up(tmp_path):
    import time

    from newscrawl.warc import download

    body = b"x" * 2_000

    def trickle(conn) -> None:
        # A byte each 50 ms: every read arrives well within any socket timeout.
        conn.sendall(_answer(body))
        for i in range(len(body)):
            time.sleep(0.05)
            conn.sendall(body[i:i + 1])

    with RawServer({"/slow.warc.gz": trickle}) as server:
        with pytest.raises(WarcError, match="slower than"):
            download(f"{server.url}/slow.warc.gz", tmp_path / "slow.warc.gz", timeout=1.0)


def test_a_download_at_a_fair_rate_is_whole(tmp_path):
    from newscrawl.warc import download

    body = bytes(range(256)) * 400
    with RawServer({"/fast.warc.gz": _answer(body) + body}) as server:
        assert download(f"{server.url}/fast.warc.gz", tmp_path / "fast.warc.gz", timeout=1.0) == len(body)
    assert (tmp_path / "fast.warc.gz").read_bytes() == body
