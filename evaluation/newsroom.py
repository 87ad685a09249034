"""A small fictional news site for the incremental-crawl tests: the *Harbour Gazette*.

``gazette.example`` has an RSS feed, a robots.txt (with a ``Disallow`` and a ``Sitemap:``
line) pointing at a sitemap index, which lists a plain sitemap and a Google News sitemap. Its
articles are original short reports written for these tests, long enough and different enough
that each is stored as its own story. :func:`build_site` writes the site in the fixtures layout;
:func:`edited` and :data:`LATER` give the edits and new articles a later crawl must pick up.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from newscrawl.crawl.replay import save_case

HOST = "http://gazette.example"
H_HTML = {"Content-Type": "text/html; charset=utf-8"}
H_XML = {"Content-Type": "application/xml"}

ARTICLES: dict[str, tuple[str, list[str]]] = {
    "ferry-timetable": ("Winter ferry timetable cuts evening crossings", [
        "The island ferry operator will run two fewer evening crossings from November, its "
        "board confirmed on Monday, after a season in which the last boat of the night often "
        "sailed with fewer than a dozen passengers aboard.",
        "Commuters who work late shifts at the mainland cannery said the change would leave "
        "them stranded or force them to pay for rooms in town. A petition gathered four "
        "hundred signatures in three days at the pier kiosk.",
        "The operator said fuel costs had doubled since the spring and that the saved hours "
        "would fund a second deck crew for stormy mornings. A review of the timetable is "
        "promised for March, once the winter figures are known.",
    ]),
    "library-roof": ("Library roof repairs finish ahead of schedule", [
        "Workers removed the last scaffolding from the central library on Thursday, three "
        "weeks earlier than planned, ending a repair that closed the reading room for most "
        "of the summer and moved the children's corner into a tent.",
        "The slate roof had leaked since a storm two winters ago, and water damaged a shelf "
        "of local history pamphlets that volunteers are still drying page by page in the "
        "basement with fans borrowed from the sports hall.",
        "The head librarian thanked the roofers and the patient readers, and said the "
        "reading room would reopen on Saturday with longer hours on weekdays until the "
        "end of the school term.",
    ]),
    "harbour-seals": ("Seal pups counted on the outer sandbanks", [
        "Volunteers from the coastal wildlife trust counted sixty-one grey seal pups on the "
        "outer sandbanks this week, the highest number since the survey began, and asked "
        "walkers to keep their dogs on a lead along the dunes.",
        "The count is made from a small boat at low tide, so that the animals are not "
        "disturbed, and photographs are compared with earlier seasons to recognise mothers "
        "returning to the same stretch of sand.",
        "Trust staff warned that pups left alone on the beach are usually waiting for their "
        "mothers and should not be touched or carried back to the water by well-meaning "
        "visitors, however hungry they look.",
    ]),
    "market-hall": ("Market hall traders vote to open on Sundays", [
        "Stallholders at the covered market hall voted by a narrow margin to open on Sundays "
        "from the spring, reversing a tradition that has kept the hall shut on the last day "
        "of the week since it was built.",
        "Supporters said tourists arriving on weekend cruises find the hall locked and spend "
        "their money at the supermarket by the ring road instead. Opponents, mostly older "
        "family businesses, said they could not staff a seventh day.",
        "The council, which owns the building, will now consult neighbours about delivery "
        "vans and noise before changing the lease, and has suggested a trial of six months "
        "with a review of takings at the end.",
    ]),
    "rowing-club": ("Rowing club launches boat built by apprentices", [
        "A wooden coastal rowing boat built over two winters by apprentices at the harbour "
        "boatyard was launched on Sunday in front of a crowd that filled the slipway and the "
        "sea wall above it.",
        "The apprentices steamed and bent every oak rib by hand, following plans drawn from "
        "a boat that once carried pilots out to ships waiting in the bay. Their instructor "
        "called it the finest hull the yard had turned out in years.",
        "The club will race the boat at the regional regatta in August and lend it to the "
        "secondary school for training sessions on weekday evenings through the summer.",
    ]),
}

# Edits a later crawl must store as new versions of the same stories.
EDITS: dict[str, list[str]] = {
    "ferry-timetable": [
        "The operator later agreed to keep one late crossing on Fridays and Saturdays, after "
        "the cannery offered to share the cost of the crew for the winter months.",
    ],
    "market-hall": [
        "A spokesperson for the traders' association said late on Tuesday that the trial "
        "would start in April, a month later than first suggested, to give families time "
        "to find extra staff.",
    ],
}

# Articles the site publishes after the first crawl.
LATER: dict[str, tuple[str, list[str]]] = {
    "lighthouse-keeper": ("Last lighthouse keeper's logbooks go on display", [
        "The logbooks kept by the point's last resident lighthouse keeper, filled in every "
        "night for twenty-two years, went on display at the maritime museum on Wednesday "
        "alongside his brass telescope and oilskin coat.",
        "His daughter donated the books after finding them in a sea chest. The entries "
        "record wind, visibility and passing ships, and now and then a few lines about "
        "storms, shipwrecked sailors and visiting inspectors.",
        "The museum plans to transcribe the logbooks with help from readers and publish "
        "them online, so that families of the crews mentioned can search for names.",
    ]),
    "cycle-path": ("Cliff-top cycle path reopens after landslip", [
        "The cliff-top cycle path between the harbour and the northern beaches reopened on "
        "Friday, eight months after a landslip carried away a stretch of fence and left a "
        "crack across the tarmac wide enough to swallow a wheel.",
        "Engineers moved the route ten metres inland and drained the field behind it, "
        "where rainwater had soaked the clay. Riders now pass a new viewing point with "
        "benches facing the bay.",
        "Cycling groups welcomed the reopening but asked for lighting on the inland "
        "section, which runs between tall hedges and becomes dark early in winter.",
    ]),
    "choir-competition": ("Fishermen's choir wins national competition", [
        "The fishermen's choir, whose thirty singers include trawler crews, net makers and "
        "a retired harbour master, won the national male voice competition on Saturday "
        "with a programme of sea songs and a hymn in four parts.",
        "The judges praised the choir's blend and its quiet final verse. The conductor "
        "said rehearsals had been squeezed between tides all year, with singers arriving "
        "straight from the quay in their boots.",
        "The choir will sing at the harbour festival in July and has been invited to a "
        "festival abroad next year, for which it is now raising money with a calendar.",
    ]),
}

PUBLISHED = dt.datetime(2026, 1, 10, 8, 0, tzinfo=dt.UTC)


def url_of(slug: str) -> str:
    return f"{HOST}/news/{slug}"


def page(title: str, paragraphs: list[str], published: dt.datetime = PUBLISHED) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)} | Harbour Gazette</title>"
            f"<meta property='article:published_time' content='{published.isoformat()}'>"
            f"</head><body><nav><a href='/'>Home</a> <a href='/news/'>News</a></nav>"
            f"<article><h1>{html.escape(title)}</h1>\n{body}</article>"
            f"<footer>Harbour Gazette, the quayside paper</footer></body></html>").encode()


def edited(slug: str) -> bytes:
    title, paragraphs = ARTICLES[slug]
    return page(title, paragraphs + EDITS[slug])


def feed(slugs: list[str], articles: dict[str, tuple[str, list[str]]]) -> bytes:
    items = "".join(
        f"<item><title>{html.escape(articles[s][0])}</title><link>{url_of(s)}</link>"
        f"<pubDate>Sat, 10 Jan 2026 08:00:00 GMT</pubDate></item>\n" for s in slugs)
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Harbour Gazette</title>"
            f"<link>{HOST}/</link>\n{items}<item><title>Draft</title><link>{HOST}/drafts/x</link>"
            f"</item>\n</channel></rss>").encode()


def news_sitemap(slugs: list[str], articles: dict[str, tuple[str, list[str]]]) -> bytes:
    urls = "".join(
        f"<url><loc>{url_of(s)}</loc><news:news><news:publication><news:name>Harbour Gazette"
        f"</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>2026-01-10T08:00:00Z</news:publication_date>"
        f"<news:title>{html.escape(articles[s][0])}</news:title></news:news></url>\n"
        for s in slugs)
    return ("<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
            "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>\n"
            f"{urls}</urlset>").encode()


def sitemap(slugs: list[str], lastmod: dict[str, str] | None = None) -> bytes:
    lastmod = lastmod or {}
    urls = "".join(
        f"<url><loc>{url_of(s)}</loc><lastmod>{lastmod.get(s, '2026-01-10')}</lastmod></url>\n"
        for s in slugs)
    return ("<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>\n"
            f"{urls}</urlset>").encode()


FIRST_FEED = ["ferry-timetable", "library-roof", "harbour-seals"]
FIRST_SITEMAP = ["market-hall", "rowing-club", "harbour-seals"]
FIRST_NEWS = ["rowing-club"]


def build_site(root: Path) -> Path:
    """Write the site's first state; returns a sources TOML path."""
    sites = root / "sites"
    save_case(sites, f"{HOST}/robots.txt",
              f"User-agent: *\nDisallow: /drafts/\nSitemap: {HOST}/sitemap_index.xml\n".encode(),
              headers={"Content-Type": "text/plain"})
    save_case(sites, f"{HOST}/rss.xml", feed(FIRST_FEED, ARTICLES),
              headers={"Content-Type": "application/rss+xml"})
    save_case(sites, f"{HOST}/sitemap_index.xml", (
        "<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        f"<sitemap><loc>{HOST}/sitemap-articles.xml</loc></sitemap>"
        f"<sitemap><loc>{HOST}/sitemap-news.xml</loc></sitemap></sitemapindex>").encode(),
        headers=H_XML)
    save_case(sites, f"{HOST}/sitemap-articles.xml", sitemap(FIRST_SITEMAP), headers=H_XML)
    save_case(sites, f"{HOST}/sitemap-news.xml", news_sitemap(FIRST_NEWS, ARTICLES), headers=H_XML)
    save_case(sites, f"{HOST}/drafts/x", page("Draft", ["Not for crawlers."]), headers=H_HTML)
    for slug, (title, paragraphs) in ARTICLES.items():
        save_case(sites, url_of(slug), page(title, paragraphs), headers=H_HTML)
    toml = root / "sources.toml"
    toml.write_text(f'[[sources]]\nname = "Harbour Gazette"\nfeeds = ["{HOST}/rss.xml"]\n'
                    f'sitemaps = ["{HOST}/robots.txt"]\n', encoding="utf-8")
    return toml
