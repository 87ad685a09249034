"""process_page on bad input: a clear skip reason or a recorded repair, never an exception."""

import gzip

import pytest

from newscrawl import process_page
from evaluation.samples import article_cases

ARTICLE = "".join(
    f"<p>Paragraph {i}: the harbor board met on Tuesday to discuss the repairs to the eastern quay, "
    f"and members said the work would take most of the winter season.</p>" for i in range(8)
)
PAGE = f"<html><head><title>Harbor board meets</title></head><body><article><h1>Harbor board meets</h1>{ARTICLE}</article></body></html>"


@pytest.mark.parametrize(
    "label, body, headers, status, reason",
    [
        ("empty body", b"", {"Content-Type": "text/html"}, 200, "empty_body"),
        ("whitespace body", b"  \n\t ", {"Content-Type": "text/html"}, 200, "empty_body"),
        ("png served as html", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, {"Content-Type": "text/html"}, 200, "not_text"),
        ("pdf by content type", b"%PDF-1.7 ...", {"Content-Type": "application/pdf"}, 200, "content_type:application/pdf"),
        ("gzip bytes not decoded", gzip.compress(PAGE.encode()), {}, 200, "not_text"),
        ("gone", PAGE.encode(), {"Content-Type": "text/html"}, 410, "http_status_410"),
        ("not found", PAGE.encode(), {"Content-Type": "text/html"}, 404, "http_status_404"),
        ("no article text", b"<html><body><nav>Home</nav></body></html>", {}, 200, None),
        ("index stub", b"<html><body><p>Subscribe to read this story.</p></body></html>", {}, 200, None),
    ],
)
def test_bad_input_is_skipped_with_reason(label, body, headers, status, reason):
    record = process_page(body, "http://site.example/a", headers, status=status)
    assert record.skip_reason is not None, label
    if reason:
        assert record.skip_reason.startswith(reason), (label, record.skip_reason)
    assert record.fingerprint is None


@pytest.mark.parametrize(
    "body",
    [
        b"<html><p>unclosed <div><<<>>> <b><i></p></b>" + ARTICLE.encode(),
        b"<<<<>>>>" * 1000,
        b"\xff\xfe\xfd garbage \x80\x81" * 200,
        ("<html><body>" + "<div>" * 5000 + ARTICLE + "</div>" * 5000 + "</body></html>").encode(),
    ],
)
def test_malformed_html_never_raises(body):
    process_page(body, "http://site.example/a", {"Content-Type": "text/html"})


def test_huge_page_is_cut_and_recorded():
    filler = "<p>" + "filler words in a comment section " * 40 + "</p>"
    body = (PAGE[:-len("</article></body></html>")] + filler * 4000 + "</article></body></html>").encode()
    assert len(body) > 5_000_000
    record = process_page(body, "http://site.example/a", {"Content-Type": "text/html; charset=utf-8"})
    assert "truncated_html" in {r.kind for r in record.repairs}


def test_article_is_processed():
    record = process_page(PAGE.encode(), "http://www.site.example/a", {"Content-Type": "text/html"})
    assert record.skip_reason is None
    assert record.title == "Harbor board meets"
    assert record.site == "site.example"
    assert record.body.count("\n\n") == 7
    assert record.fingerprint is not None and len(record.fingerprint.body_hash) == 64


def test_same_page_same_record():
    case = article_cases()[0]
    page = case.page()
    a = process_page(page.body, page.url, page.headers)
    b = process_page(page.body, page.url, page.headers)
    assert a.to_dict() == b.to_dict()


LEAD = ("<p>The harbor board met on Tuesday to discuss the repairs to the eastern quay, and members said "
        "the work would take most of the winter season, according to the minutes.</p>")


@pytest.mark.parametrize(
    "label, html, reason",
    [
        ("javascript shell",
         "<html><body><noscript>x</noscript><div id=app></div><p>You need to enable JavaScript to run this app.</p></body></html>",
         "javascript_required"),
        ("consent wall",
         "<html><body><div class=consent><h2>Before you continue</h2><p>We use cookies and data to deliver and "
         "maintain our services.</p><button>Accept all cookies</button></div></body></html>",
         "consent_wall"),
        ("paywall teaser",
         f"<html><body><article><h1>Harbor repairs</h1>{LEAD}<p>Subscribe now to continue reading this story.</p>"
         f"<p>Already a subscriber? Log in.</p></article></body></html>",
         "paywall"),
        ("index page",
         "<html><body><main>" + "".join(
             f"<p><a href='/story/{i}'>Harbor board story number {i} about the quay repairs</a></p>" for i in range(20))
         + "</main></body></html>",
         "index_page"),
    ],
)
def test_not_articles(label, html, reason):
    record = process_page(html.encode(), "http://site.example/x", {"Content-Type": "text/html"})
    assert record.skip_reason == reason, (label, record.skip_reason, record.body[:200])


def test_article_about_cookies_is_an_article():
    html = PAGE.replace("the harbor board met", "we use cookies, the baker said, and the harbor board met")
    assert process_page(html.encode(), "http://site.example/a", {"Content-Type": "text/html"}).skip_reason is None


# --- the metadata fields: listed once (ArticleMetadata), passed on whole ----------------------

def test_record_and_extract_result_share_the_one_list_of_metadata_fields():
    import dataclasses

    from newscrawl.model import METADATA_FIELDS, ArticleMetadata, ArticleRecord
    from newscrawl.stages.extract import Extracted

    assert METADATA_FIELDS == ("title", "published_at", "published_source", "modified_at", "modified_source",
                               "authors", "canonical_url", "site_name", "section")
    for cls in (Extracted, ArticleRecord):
        assert issubclass(cls, ArticleMetadata)
        assert set(METADATA_FIELDS) <= {f.name for f in dataclasses.fields(cls)}
    # The record's own fields stay positional: ArticleRecord(url, site) as before.
    record = ArticleRecord("http://site.example/a", "site.example")
    assert (record.url, record.site, record.title) == ("http://site.example/a", "site.example", None)


def test_extract_step_passes_every_metadata_field_to_the_record(monkeypatch):
    import datetime as dt

    from newscrawl.model import METADATA_FIELDS, Block, Page
    from newscrawl.stages import process
    from newscrawl.stages.extract import Extracted

    when = dt.datetime(2026, 10, 12, 8, tzinfo=dt.timezone.utc)
    values = {"title": "Harbor board meets", "published_at": when, "published_source": "json-ld",
              "modified_at": when + dt.timedelta(hours=2), "modified_source": "meta:article:modified_time",
              "authors": ["Ana Ruiz"], "canonical_url": "http://site.example/a", "site_name": "Site",
              "section": "Local"}
    assert set(values) == set(METADATA_FIELDS)
    extracted = Extracted(**values, blocks=[Block("text")])
    monkeypatch.setattr(process, "extract_article", lambda html, url: extracted)
    work = process.start(Page.build("http://site.example/a", PAGE.encode(), {"Content-Type": "text/html"}))
    process.step_decode(work)
    process.step_extract(work)
    assert {name: getattr(work.record, name) for name in METADATA_FIELDS} == values
    assert work.record.authors is not extracted.authors  # a copy: the record never shares a list


@pytest.mark.parametrize("canonical, flagged", [
    ("https://wire.example/stories/4", "wire.example"),   # a reprint naming its wire service
    ("//wire.example/stories/4", "wire.example"),          # protocol-relative
    ("https://www.site.example/a/other-slug", None),       # its own site (www. or not)
    ("/a/other-slug", None),                               # relative: its own site
    ("http://[broken/a", None),                            # malformed: names no site
])
def test_a_canonical_url_on_another_site_is_flagged_and_the_page_still_stored(canonical, flagged):
    page = PAGE.replace("<head>", f'<head><link rel="canonical" href="{canonical}">')
    record = process_page(page.encode(), "http://site.example/a/1", {"Content-Type": "text/html"})
    assert record.is_article  # syndication is legitimate: the flag records, it never refuses
    got = [r.examples for r in record.repairs if r.kind == "canonical_elsewhere"]
    assert got == ([(flagged,)] if flagged else [])


#: (URL requested, canonical or og:url the page names, site flagged or None). The organisation
#: is the registrable domain (Public Suffix List), so a publisher's own hosts are one site.
CANONICAL_SITES = [
    ("https://example.com/a/1", "https://www.example.com/a/1", None),
    ("https://www.example.com/a/1", "https://example.com/a/1", None),
    ("https://example.com/a/1", "https://m.example.com/a/1", None),
    ("https://m.example.com/a/1", "https://news.example.com/a/1", None),
    ("https://news.bbc.co.uk/a/1", "https://www.bbc.co.uk/news/a-1", None),
    ("https://EXAMPLE.com/a/1", "https://Example.COM./a/1", None),
    ("https://example.com/a/1", "https://example.org/a/1", "example.org"),
    ("https://example.com/a/1", "https://www.example.co.uk/a/1", "example.co.uk"),
    ("https://a.example.co.uk/1", "https://b.other.co.uk/1", "b.other.co.uk"),
    # A private suffix: each subdomain is another owner.
    ("https://alice.github.io/post", "https://bob.github.io/post", "bob.github.io"),
    ("https://alice.github.io/post", "https://www.alice.github.io/post", None),
    # No known public suffix: the host is compared whole (bar www.).
    ("http://127.0.0.1:8000/a", "http://127.0.0.2:8000/a", "127.0.0.2"),
    ("http://127.0.0.1:8000/a", "http://127.0.0.1:9000/b", None),
    ("http://site.example/a", "http://wire.example/a", "wire.example"),
    ("http://site.example/a", "http://m.site.example/a", "m.site.example"),
    ("http://intranet/a", "http://www.intranet/a", None),
]


@pytest.mark.parametrize("requested, canonical, flagged", CANONICAL_SITES)
@pytest.mark.parametrize("tag", ["canonical", "og:url"])
def test_canonical_elsewhere_compares_registrable_domains(requested, canonical, flagged, tag):
    head = (f'<link rel="canonical" href="{canonical}">' if tag == "canonical"
            else f'<meta property="og:url" content="{canonical}">')
    page = PAGE.replace("<head>", f"<head>{head}")
    record = process_page(page.encode(), requested, {"Content-Type": "text/html"})
    got = [r.examples for r in record.repairs if r.kind == "canonical_elsewhere"]
    assert got == ([(flagged,)] if flagged else [])


# --- short articles: a brief is an article, a caption, a strip of links or a soft 404 is not ------

BRIEF = ("<p>The harbor board approved on Tuesday a two-month closure of the eastern quay for repairs. "
         "Ferries will use the western pier from March, and the board said fares would not change while "
         "the work lasts.</p>")


def _short(body_html: str) -> str | None:
    html = f"<html><head><title>Quay closes</title></head><body><article><h1>Quay closes</h1>{body_html}</article></body></html>"
    return process_page(html.encode(), "http://site.example/brief", {"Content-Type": "text/html"}).skip_reason


def test_a_short_brief_of_two_sentences_is_an_article():
    assert _short(BRIEF) is None


@pytest.mark.parametrize(
    "label, body_html, reason",
    [
        ("one caption sentence",
         "<p>Workers lift a damaged section of the eastern quay onto a barge on Tuesday morning while "
         "the harbor board members and a crowd of local fishermen watch from the old western pier nearby</p>",
         "too_short"),
        ("two sentences, too few words", "<p>The quay closes in March. Ferries move west.</p>", "too_short"),
        ("a strip of links",
         "<ul>" + "".join(f"<li><a href='/s/{i}'>Harbor story number {i} ends here today.</a></li>" for i in range(6)) + "</ul>",
         "too_short"),
        ("soft 404",
         "<p>Page not found. Sorry, the page you are looking for does not exist or has been moved to "
         "another address. Try the search box above, or go back to our front page to find the latest "
         "news from the harbor and the city.</p>",
         "not_found"),
    ],
)
def test_short_pages_that_are_not_articles(label, body_html, reason):
    assert _short(body_html) == reason, label
