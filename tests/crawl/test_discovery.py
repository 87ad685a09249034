"""Feed, sitemap and robots.txt parsing (newscrawl.crawl.discovery): pure functions over bytes."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest

from newscrawl.crawl.discovery import (
    FeedEntry,
    parse_date,
    parse_feed,
    parse_sitemap,
    sitemaps_from_robots,
)

UTC = dt.UTC

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Daily</title>
  <link>http://daily.example/</link>
  <atom:link rel="self" href="http://daily.example/rss.xml"/>
  <item>
    <title>First &amp; foremost</title>
    <atom:link rel="related" href="http://daily.example/ignored"/>
    <link>http://daily.example/news/1</link>
    <pubDate>Tue, 05 Mar 2024 10:00:00 +0100</pubDate>
  </item>
  <item>
    <title><![CDATA[Second <b>one</b>]]></title>
    <link> /news/2 </link>
    <dc:date>2024-03-06T08:30:00Z</dc:date>
  </item>
  <item>
    <title>Guid only</title>
    <guid isPermaLink="true">http://daily.example/news/3</guid>
  </item>
  <item>
    <title>No link at all</title>
    <guid isPermaLink="false">tag:daily,4</guid>
  </item>
</channel>
</rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://wire.example/">
  <title>Wire</title>
  <entry>
    <title type="html">Story one</title>
    <link rel="edit" href="http://wire.example/edit/1"/>
    <link rel="alternate" type="text/html" href="stories/1"/>
    <published>2024-03-05T10:00:00+02:00</published>
    <updated>2024-03-05T12:00:00+02:00</updated>
  </entry>
  <entry>
    <title>Story two</title>
    <link href="http://wire.example/stories/2"/>
    <updated>2024-03-06T00:00:00Z</updated>
  </entry>
</feed>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="http://old.example/">
    <title>Old</title><link>http://old.example/</link>
  </channel>
  <item rdf:about="http://old.example/a">
    <title>RDF item</title>
    <link>http://old.example/a</link>
    <dc:date>2024-01-02</dc:date>
  </item>
</rdf:RDF>"""

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>http://daily.example/news/1</loc><lastmod>2024-03-05T10:00:00+01:00</lastmod></url>
  <url><loc> http://daily.example/news/2 </loc></url>
  <url><loc>http://daily.example/news/1</loc></url>
  <url><lastmod>2024-01-01</lastmod></url>
</urlset>"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>http://daily.example/sitemap-1.xml.gz</loc><lastmod>2024-03-01</lastmod></sitemap>
  <sitemap><loc>/sitemap-news.xml</loc></sitemap>
</sitemapindex>"""

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>http://daily.example/news/9</loc>
    <news:news>
      <news:publication><news:name>Daily</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2024-03-07T09:15:00-05:00</news:publication_date>
      <news:title>Breaking: things</news:title>
    </news:news>
  </url>
</urlset>"""


def test_rss():
    entries = parse_feed(RSS, "http://daily.example/rss.xml")
    assert entries.kind == "rss" and entries.error is None
    assert entries == [
        FeedEntry("http://daily.example/news/1", "First & foremost",
                  dt.datetime(2024, 3, 5, 9, 0, tzinfo=UTC), None),
        FeedEntry("http://daily.example/news/2", "Second <b>one</b>",
                  dt.datetime(2024, 3, 6, 8, 30, tzinfo=UTC), None),
        FeedEntry("http://daily.example/news/3", "Guid only", None, None),
    ]
    assert all(e.published is None or e.published.tzinfo is not None for e in entries)


def test_atom_resolves_xml_base_and_picks_alternate_link():
    entries = parse_feed(ATOM, "http://elsewhere.example/atom.xml")
    assert entries.kind == "atom"
    assert [e.url for e in entries] == ["http://wire.example/stories/1", "http://wire.example/stories/2"]
    first, second = entries
    assert first.title == "Story one"
    assert first.published == dt.datetime(2024, 3, 5, 8, 0, tzinfo=UTC)
    assert first.updated == dt.datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    assert second.published is None and second.updated == dt.datetime(2024, 3, 6, tzinfo=UTC)


def test_rdf():
    entries = parse_feed(RDF, "http://old.example/index.rdf")
    assert entries.kind == "rdf"
    assert entries == [FeedEntry("http://old.example/a", "RDF item", dt.datetime(2024, 1, 2, tzinfo=UTC))]


def test_sitemap_urlset():
    doc = parse_sitemap(URLSET, "http://daily.example/sitemap.xml")
    assert doc.kind == "urlset" and doc.error is None
    assert doc.urls == ["http://daily.example/news/1", "http://daily.example/news/2"]  # deduped
    assert doc.entries[0].lastmod == dt.datetime(2024, 3, 5, 9, 0, tzinfo=UTC)


def test_sitemap_index_resolves_relative_locs():
    doc = parse_sitemap(INDEX, "http://daily.example/sitemap_index.xml")
    assert doc.kind == "sitemapindex"
    assert doc.urls == ["http://daily.example/sitemap-1.xml.gz", "http://daily.example/sitemap-news.xml"]


def test_google_news_sitemap():
    doc = parse_sitemap(NEWS, "http://daily.example/sitemap-news.xml")
    (entry,) = doc.entries
    assert entry.loc == "http://daily.example/news/9"
    assert entry.news_title == "Breaking: things"
    assert entry.news_published == dt.datetime(2024, 3, 7, 14, 15, tzinfo=UTC)


def test_gzip_sitemap():
    doc = parse_sitemap(gzip.compress(URLSET), "http://daily.example/sitemap.xml.gz")
    assert doc.kind == "urlset" and len(doc.entries) == 2


def test_gzip_bomb_is_refused(monkeypatch):
    import newscrawl.crawl.discovery as discovery
    monkeypatch.setattr(discovery, "MAX_UNCOMPRESSED", 1000)
    doc = parse_sitemap(gzip.compress(URLSET + b" " * 5000), "http://x.example/s.xml.gz")
    assert doc.kind is None and "exceeds" in doc.error


def test_robots():
    body = (b"User-agent: *\nDisallow: /private/\n"
            b"Sitemap: http://daily.example/sitemap_index.xml\n"
            b"sitemap:/sitemap-news.xml  # relative, lower case\n"
            b"SITEMAP: http://daily.example/sitemap_index.xml\n")
    assert sitemaps_from_robots(body, "http://daily.example/robots.txt") == [
        "http://daily.example/sitemap_index.xml", "http://daily.example/sitemap-news.xml"]
    assert sitemaps_from_robots(b"User-agent: *\n", "http://x.example/robots.txt") == []


@pytest.mark.parametrize("body", [
    b"", b"not xml at all", b"<html><body><p>Oops</p></body></html>",
    b"\x1f\x8b\x08garbage-gzip", b"\x00\x01\x02\xff",
])
def test_malformed_gives_empty_result_and_error(body):
    entries = parse_feed(body, "http://x.example/feed")
    assert list(entries) == [] and entries.error
    doc = parse_sitemap(body, "http://x.example/sitemap.xml")
    assert doc.kind is None and doc.entries == () and doc.error


def test_feed_is_not_a_sitemap_and_vice_versa():
    assert parse_sitemap(RSS, "http://x.example/").kind is None
    assert "not a sitemap" in parse_sitemap(RSS, "http://x.example/").error
    entries = parse_feed(URLSET, "http://x.example/")
    assert list(entries) == [] and "not a feed" in entries.error


def test_truncated_feed_recovers_entries_and_reports_error():
    entries = parse_feed(RSS[: RSS.index(b"<title>Guid only")], "http://daily.example/rss.xml")
    assert [e.url for e in entries] == ["http://daily.example/news/1", "http://daily.example/news/2"]
    assert entries.error and "recovered" in entries.error


def test_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    body = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>
<rss version="2.0"><channel><item><title>a &xxe; b</title>
<link>http://x.example/1</link></item></channel></rss>""".encode()
    (entry,) = parse_feed(body, "http://x.example/feed")
    assert "TOPSECRET" not in (entry.title or "")


def test_billion_laughs_does_not_expand():
    lol = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss><channel><item><title>&lol4;</title><link>http://x.example/1</link></item></channel></rss>"""
    entries = parse_feed(lol, "http://x.example/feed")
    assert all(len(e.title or "") < 100 for e in entries)


def test_leading_whitespace_and_bom():
    assert parse_sitemap(b"\n\n  " + URLSET, "http://x.example/").kind == "urlset"
    assert parse_feed(b"\xef\xbb\xbf" + RSS, "http://daily.example/rss.xml").kind == "rss"
    # A byte order mark, then a blank line, then the declaration: read whole, no error.
    bom_first = parse_feed(b"\xef\xbb\xbf\r\n  " + RSS, "http://daily.example/rss.xml")
    assert bom_first.kind == "rss" and bom_first.error is None
    assert bom_first == parse_feed(RSS, "http://daily.example/rss.xml")


@pytest.mark.parametrize(("value", "expected"), [
    ("Tue, 05 Mar 2024 10:00:00 GMT", dt.datetime(2024, 3, 5, 10, tzinfo=UTC)),
    ("Tue, 05 Mar 2024 10:00:00 -0000", dt.datetime(2024, 3, 5, 10, tzinfo=UTC)),
    ("2024-03-05T10:00:00+01:00", dt.datetime(2024, 3, 5, 9, tzinfo=UTC)),
    ("2024-03-05T10:00:00", dt.datetime(2024, 3, 5, 10, tzinfo=UTC)),
    ("2024-03-05 10:00:00Z", dt.datetime(2024, 3, 5, 10, tzinfo=UTC)),
    ("2024-03-05", dt.datetime(2024, 3, 5, tzinfo=UTC)),
    ("2024-03", dt.datetime(2024, 3, 1, tzinfo=UTC)),
    ("yesterday", None), ("", None), (None, None), ("2024-13-45", None),
])
def test_parse_date(value, expected):
    got = parse_date(value)
    assert got == expected
    if got is not None:
        assert got.tzinfo is not None


def test_damaged_bytes_are_not_read_as_links():
    from newscrawl.crawl.discovery import parse_feed, parse_sitemap

    doc = parse_sitemap(b"<urlset><url><loc>\x00\xff garbage</loc></url>"
                        b"<url><loc>http://s.example/ok</loc></url></urlset>", "http://s.example/")
    assert doc.urls == ["http://s.example/ok"]
    feed = parse_feed("<rss><channel><item><link>http://s.example/\ufffd</link></item>"
                      "</channel></rss>".encode(), "http://s.example/")
    assert list(feed) == []
