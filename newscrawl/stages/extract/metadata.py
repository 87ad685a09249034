"""Metadata: what a page says about its article besides the text.

Read from the page tree before the body extractor prunes it: JSON-LD (the ``Article`` object,
``@graph`` included), meta tags, ``<title>``/``<h1>``, bylines and the URL.

Dates are kept apart (published vs modified) with where each came from. Explicit machine-readable
metadata wins (JSON-LD ``datePublished``/``dateModified``, then ``article:published_time`` style
meta tags) because it carries the time and zone; htmldate (which also reads the URL and the
visible text) is the fallback.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html
from htmldate import find_date
from lxml import etree

from newscrawl.model import ArticleMetadata
from newscrawl.stages.domains import registrable_domain
from newscrawl.stages.extract.attribution import CleanedAuthors, looks_like_person, read_authors
from newscrawl.stages.extract.datecheck import could_be_strict_date
from newscrawl.stages.extract.whitespace import collapsed, normalized_text

#: Meta tags that may hold the publication date, the most specific first.
_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate",
    "publish-date", "publish_date", "date", "dc.date.issued", "sailthru.date", "parsely-pub-date",
    # Variants of the same names that some CMSs write (htmldate reads them too, but answers with
    # the day alone): read here, the time and zone are kept.
    "og:published_time", "published_time", "article:published", "og:article:published",
    "article:published_date", "article:publicationdate", "vr:published_time", "mediator_published_time",
    "shareaholic:article_published_time", "og:publish_date", "og:pubdate", "publishdate",
    "published_date", "published-date", "publication_date", "date_published",
)


#: ...and the modification date.
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "last-modified",
                  "dc.date.modified")


def parse_datetime(value: str | None) -> dt.datetime | None:
    """ISO 8601 date or date-time -> aware UTC datetime (naive values are taken as UTC)."""
    if not value:
        return None
    value = value.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    value = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = dt.datetime.fromisoformat(value[:10])
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def json_ld_objects(tree: lxml.html.HtmlElement) -> list[dict]:
    """Every JSON object of the page's JSON-LD scripts, ``@graph`` members included."""
    objects: list[dict] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                objects.append(item)
                if "@graph" in item:
                    stack.append(item["@graph"])
    return objects


def _article_ld(objects: list[dict]) -> dict | None:
    for obj in objects:
        types = obj.get("@type")
        types = types if isinstance(types, list) else [types]
        if any(isinstance(t, str) and ("Article" in t or t == "Report") for t in types):
            return obj
    return None


#: Schema.org types of a page's own text besides the ``Article`` family's names: the posting
#: types (``BlogPosting``, ``SocialMediaPosting``, ``LiveBlogPosting``) are Article subtypes.
_POSTING_SUFFIX = "Posting"


def _types(obj: dict) -> list[str]:
    types = obj.get("@type")
    return [t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]


def _is_article(obj: dict) -> bool:
    return any("Article" in t or t == "Report" or t.endswith(_POSTING_SUFFIX) for t in _types(obj))


def _address(value) -> str | None:
    """A URL without fragment, query or trailing slash, for telling a page's own node apart."""
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # a malformed address ("http://[broken") names no page
        return None
    return f"{parts.netloc.lower().removeprefix('www.')}{parts.path.rstrip('/')}" or None


def _is_own(obj: dict, addresses: set[str]) -> bool:
    return any(_address(obj.get(key)) in addresses for key in ("url", "@id", "mainEntityOfPage"))


def page_article(objects: list[dict], addresses: set[str]) -> dict | None:
    """The JSON-LD object that describes this page's own article, for its authors.

    A page can carry several article objects (teasers of related stories, a list's items): the
    one whose ``url``, ``@id`` or ``mainEntityOfPage`` is the page's address is its own; else the
    first one that has a ``datePublished``; else the first article object."""
    articles = [obj for obj in objects if _is_article(obj)]
    own = [obj for obj in articles if _is_own(obj, addresses)]
    dated = [obj for obj in own + articles if obj.get("datePublished")]
    return (dated or own or articles or [None])[0]


def _resolved(value, objects: list[dict]):
    """A JSON-LD reference (``{"@id": ...}`` with no name) replaced by the object it names
    (``@graph`` nodes refer to one another so)."""
    if isinstance(value, dict) and "@id" in value and "name" not in value:
        for obj in objects:
            if obj is not value and obj.get("@id") == value["@id"] and obj.get("name"):
                return obj
    return value


def _meta_values(tree: lxml.html.HtmlElement) -> dict[str, str]:
    values: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if key and content and key not in values:
            values[key] = content.strip()
    return values


def _ld_authors(article: dict | None, objects: list[dict] = ()) -> tuple[list[str], list[str]]:
    """(names of the article's JSON-LD authors, names of those typed as an organisation).

    References to a ``@graph`` node (``{"@id": ...}``) are read from the node they name."""
    if not article:
        return [], []
    raw = article.get("author")
    raw = raw if isinstance(raw, list) else [raw]
    names, organisations = [], []
    for author in (a for item in raw for a in (item if isinstance(item, list) else [item])):
        author = _resolved(author, objects)
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str) and name.strip():
            name = collapsed(unescaped(name))
            names.append(name)
            if isinstance(author, dict) and "Organization" in _types(author):
                organisations.append(name)
    return names, organisations


def _referenced(article: dict | None) -> bool:
    """Whether the JSON-LD article names an author by an ``@id`` reference to another node."""
    raw = (article or {}).get("author")
    return any(isinstance(a, dict) and a.get("@id") for a in (raw if isinstance(raw, list) else [raw]))


def _byline_disagrees(shown: list[str], credited: list[str]) -> bool:
    """The visible byline's names (``shown``) are people (every one written as a name) and none
    of them is among ``credited``."""
    if not shown or not all(looks_like_person(n) for n in shown):
        return False
    credited_folded = {n.casefold() for n in credited}
    return not any(n.casefold() in credited_folded for n in shown)


def _site_names(site_name: str | None, ld_site_name: str | None, url: str) -> tuple[str, ...]:
    """The names a site calls itself by: its stated names, and its registrable domain's name
    without the suffix ("harbourgazette" for www.harbourgazette.co.uk)."""
    names = [n.strip() for n in (site_name, ld_site_name) if n and len(n.strip()) >= 3]
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # a malformed address names no site
        host = ""
    domain = registrable_domain(host) if host else ""
    if "." in domain and len(label := domain.split(".")[0]) >= 4:
        names.append(label)
    return tuple(dict.fromkeys(names))


def _people(names: list[str], publishers: set[str]) -> list[str]:
    """``names`` without the publisher's own name (a site crediting itself, not a writer)."""
    return [n for n in names if n.casefold() not in publishers]


#: How htmldate reports a date it found only the year of (see :func:`_find_dates`).
YEAR_ONLY_SUFFIX = "-01-01"


def _find_dates(tree, url: str, ld: dict | None, meta: dict[str, str]) -> tuple:
    published = modified = None
    published_source = modified_source = None
    if ld:
        published = parse_datetime(str(ld.get("datePublished") or "")) or None
        modified = parse_datetime(str(ld.get("dateModified") or "")) or None
        published_source = "json-ld" if published else None
        modified_source = "json-ld" if modified else None
    if published is None:
        for key in _PUBLISHED_META:
            if (value := parse_datetime(meta.get(key))) is not None:
                published, published_source = value, f"meta:{key}"
                break
    if modified is None:
        for key in _MODIFIED_META:
            if (value := parse_datetime(meta.get(key))) is not None:
                modified, modified_source = value, f"meta:{key}"
                break
    if published is None:
        # htmldate also reads the URL and the visible text; it answers with a day, not a time.
        # Markup and URL first; the extensive text search (dateparser, costly) only when they
        # say nothing: asked first, it finds no more correct days.
        # A year alone ("© 2025", "the 2025 guide", a /2025/ URL) comes back from htmldate as 1
        # January of that year: not a publication date (such answers are wrong or stand for no
        # date at all); left out, and the next search asked.
        for extensive in (False, True):
            found = find_date(tree, url=url, original_date=True, extensive_search=extensive)
            if found and not found.endswith(YEAR_ONLY_SUFFIX):
                published, published_source = parse_datetime(found), "htmldate"
                break
    return published, published_source, modified, modified_source


_TITLE_SEPARATORS_RE = re.compile(r"\s+[|\-–—:·•»]+\s+")


#: An HTML character reference left in a text: the page escaped it twice (a CMS escaping its
#: already-escaped headline into JSON-LD or a meta tag), so the parser's one unescape left it.
_ENTITY_RE = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def unescaped(text: str | None) -> str | None:
    """``text`` with character references left in it resolved ("GOP&#8217;s" -> "GOP’s")."""
    return html.unescape(text) if text and _ENTITY_RE.search(text) else text


def page_title(tree: lxml.html.HtmlElement, ld: dict | None, meta: dict[str, str],
               site_name: str | None, url: str | None = None) -> str | None:
    """The article's headline.

    An ``<h1>`` that the page's own metadata agrees with wins (it is what readers see); else the
    JSON-LD ``headline``, ``og:title`` or ``twitter:title``; else ``<title>`` without the site
    name that CMSs append after a separator ("Headline | Site"). A declared or ``<title>``
    headline also loses an end part that names the site (its name or its address's domain):
    "Site.com: Headline", "Headline | Domainname".
    """
    sites = _site_keys(site_name, url)
    declared = [normalized_text(unescaped(v)) for v in ((ld or {}).get("headline"), meta.get("og:title"),
                                              meta.get("twitter:title")) if isinstance(v, str) or v is None]
    declared = [d for d in declared if isinstance(d, str)]
    doc_title = normalized_text(unescaped(tree.findtext(".//title")))
    h1s = [t for t in (normalized_text(unescaped(h.text_content())) for h in tree.iter("h1")) if t]
    references = [d.casefold() for d in declared + ([doc_title] if doc_title else [])]
    for h1 in h1s:
        if any(ref.startswith(h1.casefold()) for ref in references) and len(h1.split()) >= 2:
            return h1
    if declared:
        return _without_site_ends(_strip_site(declared[0], site_name), sites)
    if len(h1s) == 1:
        return h1s[0]
    return _without_site_ends(_strip_site(doc_title, site_name), sites) if doc_title else None


#: Where a headline and a site's name meet: a separator, spaced or not ("Site.com: Headline",
#: "Headline|Site"); a hyphen only with a space on at least one side ("Site.Com- Headline"), since
#: an unspaced one joins words ("BBC-funded", "Privatkredit-Zinsen") rather than a name and a
#: headline.
_SITE_END_SEPARATOR_RE = re.compile(r"\s*[|:–—·•»]+\s*|\s+-+\s*|-+\s+")


def _site_key(text: str | None) -> str:
    return re.sub(r"\W+", "", (text or "").casefold())


def _site_keys(site_name: str | None, url: str | None) -> set[str]:
    """The forms a title may name its site in, punctuation and spaces ignored: the site's name,
    the address's host and registrable domain, and that domain without its public suffix."""
    keys = {_site_key(site_name)}
    try:
        host = (urlsplit(url).hostname or "") if url else ""
    except ValueError:  # a malformed address names no host
        host = ""
    if host:
        domain = registrable_domain(host)
        keys |= {_site_key(host.removeprefix("www.")), _site_key(domain), _site_key(domain.split(".")[0])}
    return {k for k in keys if len(k) >= 3}


#: Punctuation that a site's name is decorated with (".:: Site ::. Headline"): a run of it left,
#: spaced, at the end a site's name was taken from is taken too.
_LEFT_DECORATION_RE = re.compile(r"^[^\w\s]+\s+(?=\w)")
_RIGHT_DECORATION_RE = re.compile(r"(?<=\w)\s+[^\w\s]+$")


def _without_site_ends(title: str, sites: set[str]) -> str:
    """``title`` without a first or last part that names the site; a title that is the site's
    name alone is kept."""
    if not sites:
        return title
    for sep in _SITE_END_SEPARATOR_RE.finditer(title):
        if sep.start() > 0 and _site_key(title[: sep.start()]) in sites and title[sep.end():].strip():
            title = _LEFT_DECORATION_RE.sub("", title[sep.end():])
            break
    for sep in reversed(list(_SITE_END_SEPARATOR_RE.finditer(title))):
        if sep.end() < len(title) and _site_key(title[sep.end():]) in sites and title[: sep.start()].strip():
            title = _RIGHT_DECORATION_RE.sub("", title[: sep.start()])
            break
    return title


def _strip_site(title: str, site_name: str | None) -> str:
    parts = _TITLE_SEPARATORS_RE.split(title)
    if len(parts) < 2:
        return title
    site = (site_name or "").casefold()
    kept = [p for p in parts if p.casefold() != site]
    if site and len(kept) < len(parts):
        return " - ".join(kept) if len(kept) > 1 else kept[0]
    # Without a known site name, the site is the shorter end part.
    if len(parts[-1]) < len(parts[0]):
        return _TITLE_SEPARATORS_RE.split(title, maxsplit=len(parts) - 2)[0] if len(parts) > 2 else parts[0]
    return parts[-1] if len(parts) == 2 and len(parts[0]) < len(parts[-1]) else title


def _meta_authors(meta: dict[str, str]) -> list[str]:
    raw = meta.get("author") or meta.get("article:author") or meta.get("dc.creator") or ""
    if not raw or raw.startswith(("http://", "https://")):
        return []
    # The whole string: attribution.clean_author knows names from roles ("Jane Doe, reporter").
    return [unescaped(raw)]


def _ld_site_name(ld: dict | None) -> str | None:
    publisher = (ld or {}).get("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        return normalized_text(publisher["name"])
    return None


#: A byline is a few names and a title or desk; longer "author" elements are bio boxes.
MAX_BYLINE_WORDS = 15


_MARK_ATTRIBUTES_XPATH = etree.XPath("//@class|//@id|//@itemprop|//@rel")


_BYLINE_MARK_RE = re.compile(r"byline|author|writer", re.IGNORECASE)


_NOT_BYLINE_TAGS = {"meta", "link", "input", "form", "img"}
#: A form's visible control: an author-marked element beside one (the element next to it is or
#: holds one) is the label of a form's field (a comment form's "Author:", with its "(forget
#: stored information)" link), not a byline.
_FORM_CONTROL_XPATH = etree.XPath("self::input[not(@type='hidden')]|self::textarea|self::select"
                                  "|.//input[not(@type='hidden')]|.//textarea|.//select")


def _form_field_label(element: lxml.html.HtmlElement) -> bool:
    """Whether ``element`` is inside a form with a visible control beside it. A form around the
    whole page (as some frameworks wrap every page) does not make its bylines labels, nor does a
    control elsewhere on the page."""
    if not any(a.tag == "form" for a in element.iterancestors()):
        return False
    return any(sibling is not None and _FORM_CONTROL_XPATH(sibling)
               for sibling in (_element_beside(element, True), _element_beside(element, False)))


def _element_beside(element: lxml.html.HtmlElement, following: bool) -> lxml.html.HtmlElement | None:
    """The next (or previous) sibling that is an element, comments skipped."""
    sibling = element.getnext() if following else element.getprevious()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getnext() if following else sibling.getprevious()
    return sibling


def byline_texts(tree: lxml.html.HtmlElement) -> list[str]:
    """Texts of elements marked as bylines (class, id, itemprop or rel naming an author).

    One XPath query returns the values of those attributes in document order, and the regex
    runs on each value: only a matching value's element is looked at (cheaper than visiting every
    element that has attributes, or than case-folding in XPath)."""
    found: list[str] = []
    seen = None
    for value in _MARK_ATTRIBUTES_XPATH(tree):
        if not _BYLINE_MARK_RE.search(value):
            continue
        element = value.getparent()
        if element is seen or element.tag in _NOT_BYLINE_TAGS:
            continue
        seen = element  # an element's attributes come one after another
        attrib = element.attrib
        marks = " ".join(filter(None, (attrib.get(a) for a in ("class", "id", "itemprop", "rel"))))
        if not _BYLINE_MARK_RE.search(marks) or "comment" in marks.lower() or _form_field_label(element):
            continue
        text = normalized_text(element.text_content())
        if text and len(text.split()) <= MAX_BYLINE_WORDS and not any(text in f or f in text for f in found):
            found.append(text)
        if len(found) >= 3:
            break
    return found


def page_section(ld: dict | None, meta: dict[str, str], url: str) -> str | None:
    """JSON-LD ``articleSection``, else ``article:section``, else a word-only first URL segment
    of an article URL (``/world/2026/10/14/slug`` -> ``world``)."""
    section = (ld or {}).get("articleSection")
    if isinstance(section, list):
        section = section[0] if section else None
    if isinstance(section, str) and normalized_text(section):
        return normalized_text(section)
    if meta.get("article:section"):
        return normalized_text(meta["article:section"])
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if len(segments) >= 2 and re.fullmatch(r"[a-z]{3,20}", segments[0]) and segments[0] not in (
            "news", "article", "articles", "story", "stories", "post", "posts", "blog", "p", "amp"):
        return segments[0]
    return None


def page_canonical(tree: lxml.html.HtmlElement, meta: dict[str, str]) -> str | None:
    """The first ``<link rel="canonical">``, else ``og:url``."""
    canonical = None
    for link in tree.xpath('//link[@rel="canonical"]/@href'):
        canonical = link.strip() or None
        break
    return canonical or meta.get("og:url")


@dataclass(slots=True)
class PageMetadata:
    """What :func:`read_metadata` found: the fields the record keeps, and what the attribution
    of the body still needs (the page's JSON-LD article and the organisations its byline names)."""

    article: ArticleMetadata
    json_ld: dict | None
    byline_orgs: list[str]


def read_metadata(tree: lxml.html.HtmlElement, url: str) -> PageMetadata:
    """Title, dates with their sources, authors, canonical URL, site name and section of the
    page (nothing in the tree is changed)."""
    objects = json_ld_objects(tree)
    # The body's JSON-LD object (its ``articleBody`` is a body candidate) ...
    ld = _article_ld(objects)
    meta = _meta_values(tree)
    canonical = page_canonical(tree, meta)
    addresses = {a for a in (_address(url), _address(canonical)) if a}
    published, published_source, modified, modified_source = _find_dates(tree, url, ld, meta)
    # ... and the object that credits this page's authors: its own article among several, the
    # posting types included. Dates stay with the body's object (docs/measurements.md, the
    # issue 18 metadata section, says why this object's and a ``WebPage`` node's are not used).
    own = page_article(objects, addresses) or ld
    site_name = normalized_text(meta.get("og:site_name")) or _ld_site_name(ld) or normalized_text(
        meta.get("application-name"))
    title = page_title(tree, ld, meta, site_name, url)
    # Only the first visible byline: later ones belong to teasers of other stories.
    bylines = byline_texts(tree)[:1]
    # The first source that names someone: a JSON-LD author that is the publisher itself (an
    # organisation, or the site's own name) credits no writer, so the meta tag and the visible
    # byline are asked first and it is kept only failing them; a source whose every name is a
    # placeholder ("admin") or a date gives way to the next.
    ld_names, ld_organisations = _ld_authors(own, objects)
    publishers = {n.casefold() for n in ld_organisations + [site_name or "", _ld_site_name(own) or ""] if n}
    sources = [_people(ld_names, publishers), _meta_authors(meta), bylines, ld_names]
    # Each source is read once: the disagreement test, the author loop, the accounts' fallback
    # and the byline's organisations all take the same reading.
    read: dict[tuple[str, ...], CleanedAuthors] = {}
    # The site's own names, cut from before or after a byline's name ("Jane Doe SITE Staff").
    sites = _site_names(site_name, _ld_site_name(own), url)

    def reading(source: list[str]) -> CleanedAuthors:
        key = tuple(source)
        if key not in read:
            read[key] = read_authors(source, sites)
        return read[key]

    if sources[0] and _referenced(own) and _byline_disagrees(reading(bylines).names, reading(sources[0]).names):
        # An author given as a ``@graph`` node's ``@id`` (a CMS's own graph) names the account
        # that posted the page; a visible byline naming other people is the writer's credit.
        sources.insert(0, bylines)
    authors: list[str] = []
    byline_orgs: list[str] = []
    for source in sources:
        authors = reading(source).names
        byline_orgs = byline_orgs or reading(source).orgs
        if authors:
            break
    else:
        # A CMS login ("jane.doe") gives way to any source naming someone; failing all, the
        # account is the only credit the page gives.
        for source in sources:
            if authors := reading(source).with_accounts:
                break
    if not byline_orgs:
        # Structured authors often omit the agency that the visible byline names.
        byline_orgs = reading(bylines).orgs
    article = ArticleMetadata(
        title=title,
        published_at=published,
        published_source=published_source,
        modified_at=modified,
        modified_source=modified_source,
        authors=authors,
        canonical_url=canonical,
        site_name=site_name,
        section=page_section(ld, meta, url),
    )
    return PageMetadata(article=article, json_ld=ld, byline_orgs=byline_orgs)


#: A date-like text that no locale reads as a date: parsing it makes dateparser try every locale.
#: It holds numbers for a day and a year, so that the check in front of the parser
#: (:func:`~newscrawl.stages.extract.datecheck.could_be_strict_date`) lets it through.
_NO_LOCALE_DATE = "Posted 12 Qzx 2021 vrt"


def warm_up_dates() -> None:
    """Make htmldate's date parser (dateparser, asked by the extensive text search) ready now.

    Its first call in a process builds and compiles the language data of every locale it tries
    (seconds; the calls after it take milliseconds), so one page would pay that in the middle of
    a run: the crawl's reactor stalls on it, and an ingest's in-order hand-over of records waits.
    The parser keeps no state between calls besides those caches (it does not try previously
    used locales first), so what later pages get is the same. htmldate's own parser is asked,
    with its settings, as the caches are kept per settings; where htmldate has no such function
    (another version's layout) nothing is done and the first page pays, as before."""
    try:
        from htmldate.extractors import get_external_parser
    except ImportError:
        return
    try:
        get_external_parser().get_date_data(_NO_LOCALE_DATE)
    except Exception:  # noqa: BLE001 - a warm-up that fails leaves the first page to pay
        return



def _checked_date_parser(htmldate_parser):
    """htmldate's date parser, not asked about texts it cannot read as a date.

    dateparser (strict) tries every locale on a text before it answers that there is no date
    there; :func:`~newscrawl.stages.extract.datecheck.could_be_strict_date` tells such texts
    apart beforehand by their numbers alone, and they get the answer dateparser would give."""
    import functools

    @functools.cache
    def checked():
        from dateparser.date import DateData

        parser = htmldate_parser()
        parse = parser.get_date_data

        def get_date_data(date_string, *args, **kwargs):
            if isinstance(date_string, str) and not could_be_strict_date(date_string):
                return DateData(date_obj=None, period="day", locale=None)
            return parse(date_string, *args, **kwargs)

        parser.get_date_data = get_date_data
        return parser

    return checked


def _install_date_check() -> None:
    """Put the check in front of the parser that htmldate's extractors ask (its one date parser,
    made on first use); where this htmldate has no such function, its parser is asked as is."""
    try:
        from htmldate import extractors
    except ImportError:
        return
    if callable(getattr(extractors, "get_external_parser", None)) and not getattr(
            extractors.get_external_parser, "newscrawl_checked", False):
        checked = _checked_date_parser(extractors.get_external_parser)
        checked.newscrawl_checked = True
        extractors.get_external_parser = checked


_install_date_check()
