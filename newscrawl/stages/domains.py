"""Which organisation a host name belongs to: its registrable domain, by the Public Suffix List.

``www.example.com``, ``m.example.com`` and ``example.com`` are one publisher's; ``example.com``
and ``example.org``, or ``a.github.io`` and ``b.github.io``, are not. The list is the snapshot
that ships with tldextract: no download and no cache folder, so a crawl or a test never reaches
the network for it, and the answer does not change while a crawl runs.
"""

from __future__ import annotations

import functools


@functools.cache
def _suffix_list():
    import tldextract

    # Private suffixes count too (github.io, blogspot.com): each subdomain is another owner.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                 include_psl_private_domains=True)


def is_public_suffix(host: str) -> bool:
    """Whether ``host`` is a public suffix (``com``, ``co.uk``, ``github.io``), not a site."""
    parts = _suffix_list()(host)
    return bool(parts.suffix) and not parts.domain


def registrable_domain(host: str) -> str:
    """The registrable domain of ``host`` (``news.bbc.co.uk`` -> ``bbc.co.uk``), lower-cased.

    A host under no known public suffix (an IP address, ``localhost``, a reserved name such as
    ``site.example``, an intranet name) has no registrable domain to share: the host itself is
    returned, without a leading ``www.``, so only the same host (or its ``www.`` twin) matches.
    """
    host = host.lower().rstrip(".")
    domain = _suffix_list()(host).top_domain_under_public_suffix
    if domain:
        return domain
    return host[4:] if host.startswith("www.") else host


def is_site_address(text: str) -> bool:
    """Whether ``text`` is a site's address: a host name with a registrable domain under a
    public suffix ("example.de", "www.news-site.com"), not a login ("jane.doe") or a name."""
    parts = _suffix_list()(text.lower())
    return bool(parts.suffix) and bool(parts.domain)


__all__ = ["is_public_suffix", "is_site_address", "registrable_domain"]
