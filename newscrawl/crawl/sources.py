"""Where to crawl: news sources as lists of feeds and sitemaps.

A *source* is one publication: a name plus the RSS/Atom feeds and sitemaps (sitemap indexes or
``robots.txt`` files listing them) through which its article URLs are discovered. Article URLs
are only followed inside the source's *allowed domains*: the hosts of its feeds and sitemaps,
plus any listed under ``domains`` (and their subdomains, as Scrapy's domain matching does); a
public suffix (``com``, ``co.uk``) is refused there, since it would let in every site under it.

Ports: a site is a host *and* a port. An allowed domain is ``host`` (any port of that host, as
Scrapy's offsite rule has it) or ``host:port`` (that port only; ``[::1]:8080`` for IPv6). A feed
or sitemap URL that names a port other than its scheme's default (``http://127.0.0.1:8765/rss``)
gives ``host:port``, because another port of the same host is usually another server - on a
shared host, someone else's. :func:`url_in_domains` compares a URL with the list; Scrapy's
``url_is_from_any_domain`` cannot be used, as it compares the URL's ``host:port`` with each
entry as a whole and so never matches a URL with a port.

The sources file is TOML::

    [[sources]]
    name = "Daily Example"
    feeds = ["http://daily.example/rss.xml"]
    sitemaps = ["http://daily.example/robots.txt"]
    domains = ["cdn.daily.example"]   # optional

Everything here is pure (no network, no Scrapy) so the spider, the CLI and tests share it.
Errors are :class:`ValueError` with the file and the entry named, because the file is written
by hand and a vague error costs more than the check.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from newscrawl.stages.domains import is_public_suffix

__all__ = ["Source", "is_public_suffix", "load_sources", "parse_sources", "site_of", "sources_from_args",
           "split_urls", "url_in_domains"]

_ENTRY_KEYS = {"name", "feeds", "sitemaps", "domains"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Source:
    """One news source: its feeds, sitemaps and the domains its articles may live on."""

    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()


def _join(host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host  # IPv6 literal
    return host if port is None else f"{host}:{port}"


def site_of(url: str) -> str:
    """The allowed-domain entry a URL gives: ``host``, or ``host:port`` when the URL names a
    port other than its scheme's default (``http://a.example:80/`` is ``a.example``)."""
    parts = urlsplit(url)
    port = parts.port
    if port == _DEFAULT_PORTS.get(parts.scheme):
        port = None
    return _join((parts.hostname or "").lower().rstrip("."), port)


def _split_domain(domain: str) -> tuple[str, int | None]:
    parts = urlsplit(f"//{domain}")
    return (parts.hostname or "").rstrip("."), parts.port


def url_in_domains(url: str, domains: Iterable[str]) -> bool:
    """Whether ``url`` is on one of ``domains`` (``host`` or ``host:port`` entries, see the
    module docstring): the same host or a subdomain of it, and the same port where the entry
    names one. A URL without a usable host or with a malformed port is on none."""
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # port out of range or not a number
        return False
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return False
    for domain in domains:
        d_host, d_port = _split_domain(domain.lower())
        if d_host and (host == d_host or host.endswith(f".{d_host}")) and (
                d_port is None or d_port == port):
            return True
    return False


def _check_url(url: object, where: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"{where}: URL must be a non-empty string, got {url!r}")
    url = url.strip()
    parts = urlsplit(url)
    # Only HTTP(S): the downloader would otherwise happily read file:// or s3:// URLs.
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{where}: not an absolute http(s) URL: {url!r}")
    return url


def _check_domain(domain: object, where: str) -> str:
    if not isinstance(domain, str) or not domain.strip():
        raise ValueError(f"{where}: domain must be a non-empty string, got {domain!r}")
    domain = domain.strip().lower()
    problem = f"{where}: domain must be a host name, or host:port (no scheme/path): {domain!r}"
    if any(c in domain for c in "/?#@ \\"):
        raise ValueError(problem)
    try:
        host, port = _split_domain(domain)
    except ValueError:  # a port out of range or not a number
        raise ValueError(problem) from None
    if not host or (domain.endswith(":") and port is None):
        raise ValueError(problem)
    if is_public_suffix(host):
        raise ValueError(f"{where}: {host!r} is a public suffix: it would let every site under it "
                         "in; name the publication's own domain (e.g. news.example.co.uk)")
    return _join(host, port)


def _url_list(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):  # a lone string is an easy TOML slip; accept it
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list of URLs, got {type(value).__name__}")
    return tuple(dict.fromkeys(_check_url(u, where) for u in value))


def _derive_domains(urls: Iterable[str], extra: Iterable[str] = ()) -> tuple[str, ...]:
    # dict.fromkeys keeps first-seen order and drops repeats.
    return tuple(dict.fromkeys([*(site_of(u) for u in urls), *extra]))


def make_source(name: str, feeds: Sequence[str] = (), sitemaps: Sequence[str] = (),
                domains: Sequence[str] = ()) -> Source:
    """Build a :class:`Source`, deriving the allowed domains from its URLs."""
    feeds, sitemaps = tuple(feeds), tuple(sitemaps)
    return Source(name=name, feeds=feeds, sitemaps=sitemaps,
                  allowed_domains=_derive_domains((*feeds, *sitemaps), domains))


def parse_sources(data: dict, origin: str = "<sources>") -> list[Source]:
    """Validate already-parsed TOML data; ``origin`` names the file in error messages."""
    unknown = set(data) - {"sources"}
    if unknown:
        raise ValueError(f"{origin}: unknown top-level key(s) {sorted(unknown)}; expected [[sources]]")
    entries = data.get("sources")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{origin}: no [[sources]] entries")
    out: list[Source] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        label = f"{origin}: sources entry #{i}"
        if not isinstance(entry, dict):
            raise ValueError(f"{label}: expected a table")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{label}: missing or empty 'name'")
        name = name.strip()
        label = f"{origin}: source {name!r} (entry #{i})"
        unknown = set(entry) - _ENTRY_KEYS
        if unknown:
            raise ValueError(f"{label}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_ENTRY_KEYS)}")
        if name in seen:
            raise ValueError(f"{label}: duplicate name")
        seen.add(name)
        feeds = _url_list(entry.get("feeds"), f"{label} feeds")
        sitemaps = _url_list(entry.get("sitemaps"), f"{label} sitemaps")
        if not feeds and not sitemaps:
            raise ValueError(f"{label}: needs at least one feed or sitemap")
        raw_domains = entry.get("domains") or []
        if isinstance(raw_domains, str):
            raw_domains = [raw_domains]
        if not isinstance(raw_domains, list):
            raise ValueError(f"{label} domains: expected a list of host names")
        domains = [_check_domain(d, f"{label} domains") for d in raw_domains]
        out.append(make_source(name, feeds, sitemaps, domains))
    return out


def load_sources(path: str | Path) -> list[Source]:
    """Read and validate a sources TOML file (see the module docstring for the format)."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise ValueError(f"{path}: cannot read sources file: {e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path}: invalid TOML: {e}") from e
    return parse_sources(data, str(path))


def split_urls(value: str | Sequence[str] | None) -> list[str]:
    """``"a,b , c"`` or ``["a", "b"]`` -> list of stripped non-empty strings (for ``-a`` args)."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [s.strip() for s in items if s and s.strip()]


def sources_from_args(sources: str | Path | None = None,
                      feeds: str | Sequence[str] | None = None,
                      sitemaps: str | Sequence[str] | None = None) -> list[Source]:
    """Sources for a crawl from the spider's arguments.

    ``sources`` is a TOML path; ``feeds``/``sitemaps`` are one-off URLs (comma-separated string or
    list). One-off URLs are grouped into one ad-hoc source per site (host, or ``host:port``),
    named after it, so the off-site rule stays "same site as the feed/sitemap" and stored pages
    still carry a source name.
    """
    out = load_sources(sources) if sources else []
    feed_urls = [_check_url(u, "feeds argument") for u in split_urls(feeds)]
    sitemap_urls = [_check_url(u, "sitemaps argument") for u in split_urls(sitemaps)]
    by_host: dict[str, tuple[list[str], list[str]]] = {}
    for u in feed_urls:
        by_host.setdefault(site_of(u), ([], []))[0].append(u)
    for u in sitemap_urls:
        by_host.setdefault(site_of(u), ([], []))[1].append(u)
    taken = {s.name for s in out}
    for host, (f, s) in by_host.items():
        name = host if host not in taken else f"{host} (args)"
        out.append(make_source(name, list(dict.fromkeys(f)), list(dict.fromkeys(s))))
    if not out:
        raise ValueError("nothing to crawl: give -a sources=PATH, -a feeds=URL[,URL] "
                         "or -a sitemaps=URL[,URL]")
    return out
