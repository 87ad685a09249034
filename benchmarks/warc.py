"""Reading WARC: warcio beside FastWARC (resiliparse) on the same file, and the stages beside both.

    python benchmarks/warc.py [--records 3000] [--repeat 3]

A WARC file of ``--records`` response records (a gzip member per record, as CC-NEWS) is written
with warcio from the sample articles of ``evaluation.newsroom`` (each page made distinct by a
counter), with a request record before each response. Measured in the same run, best of
``--repeat``:

* **warcio**: ``ArchiveIterator`` over the file, each response's HTTP payload read in full;
* **fastwarc**: ``ArchiveIterator`` (responses only, HTTP headers parsed), each payload read;
* **newscrawl.warc**: ``iter_warc`` (warcio plus what ingest does per record: URL, date, status,
  headers, the HTML check, a ``Page``);
* **stages**: ``run_steps`` on 200 of the pages, the work ingest does on every page after reading;
* **ingest**: ``newscrawl ingest -q`` into a new SQLite database of ``--ingest`` of the pages, as
  one WARC file and as as many ``.html`` files (the same bytes; URLs differ: the WARC's target
  URIs, the files' canonical links), pages/s of each;
* **peak memory** (max RSS) of the process after the readers, before the stages: run with 10×
  the records to see that it does not grow with the file.

FastWARC is optional here (``pip install fastwarc``); without it its line says so.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(path: Path, records: int) -> int:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from evaluation import newsroom

    pages = [newsroom.page(*article) for article in newsroom.ARTICLES.values()]
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for n in range(records):
            body = pages[n % len(pages)].replace(b"</body>", b"<!-- %d --></body>" % n)
            url = f"http://news{n % 50}.example/story/{n}"
            request = writer.create_warc_record(
                url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http))
            writer.write_record(request)
    return path.stat().st_size


def read_warcio(path: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    count = 0
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                record.content_stream().read()
                count += 1
    return count


def read_fastwarc(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    count = 0
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh, record_types=WarcRecordType.response, parse_http=True):
            record.reader.read()
            count += 1
    return count


def read_newscrawl(path: Path) -> int:
    from newscrawl.warc import iter_warc

    return sum(1 for _ in iter_warc(path, 10 * 1024 * 1024))


def best(func, path: Path, repeat: int) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = func(path)
        times.append(time.perf_counter() - started)
    return min(times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ingest", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.warc.gz"
        size = build(path, args.records)
        print(f"{args.records} responses (+ as many requests), {size / 1e6:.1f} MB gzip per record")
        readers = [("warcio", read_warcio), ("fastwarc", read_fastwarc),
                   ("newscrawl.warc", read_newscrawl)]
        for name, func in readers:
            try:
                seconds, count = best(func, path, args.repeat)
            except ImportError as exc:
                print(f"{name:16s} not installed ({exc})")
                continue
            print(f"{name:16s} {count:6d} records  {seconds:7.3f} s  {count / seconds:9.0f} "
                  f"records/s  {size / seconds / 1e6:6.1f} MB/s")

        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory after reading: {peak:.0f} MB")

        from newscrawl.stages.process import run_steps
        from newscrawl.warc import iter_warc

        pages = [p for _, p in zip(range(200), iter_warc(path, 10 * 1024 * 1024))]
        started = time.perf_counter()
        for page in pages:
            run_steps(page)
        seconds = time.perf_counter() - started
        print(f"{'stages':16s} {len(pages):6d} pages    {seconds:7.3f} s  "
              f"{len(pages) / seconds:9.0f} pages/s")
        ingest(Path(tmp), args.ingest)


def ingest(tmp: Path, count: int) -> None:
    """The same pages ingested from one WARC file and from HTML files."""
    from newscrawl.cli import main as cli_main

    warc = tmp / "ingest.warc.gz"
    build(warc, count)
    folder = tmp / "html"
    folder.mkdir()
    from newscrawl.warc import iter_warc

    for n, page in enumerate(iter_warc(warc, 10 * 1024 * 1024)):
        (folder / f"{n:06d}.html").write_bytes(page.body)
    for name, target in (("ingest .warc.gz", warc), ("ingest .html", folder)):
        started = time.perf_counter()
        code = cli_main(["ingest", "-q", str(target), "--db", f"sqlite:///{tmp / name}.db"])
        seconds = time.perf_counter() - started
        print(f"{name:16s} {count:6d} pages    {seconds:7.3f} s  {count / seconds:9.1f} pages/s"
              f"  (exit {code})")


if __name__ == "__main__":
    main()
