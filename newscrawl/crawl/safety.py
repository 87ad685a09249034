"""Where the crawl may go: redirects stay on the source's domains, private addresses are refused.

A crawler fetches URLs that strangers write (feeds, sitemaps, ``Location`` headers, ``<meta
http-equiv=refresh>``). Left alone, one of them can point it at the crawler host itself, the
cloud metadata service (``169.254.169.254``) or an intranet server, and the answer would be
stored and shown. Two rules, on by default:

* **Redirects stay inside the source.** Every redirect hop and meta-refresh target of a request
  that belongs to a source (feeds, sitemaps, articles) must lie inside the source's allowed
  domains, as the links the spider follows do. :class:`SafetyMiddleware` (a downloader
  middleware placed before robots.txt, so an off-site target's robots.txt is not fetched
  either) checks each hop Scrapy's redirect middlewares produce; a refused hop is recorded as
  ``offsite_redirect:<host>`` or ``offsite_refresh:<host>``.
* **Only public addresses are connected to.** A host that is, or resolves to, a loopback,
  private, link-local (the metadata services), unique-local, shared, multicast or reserved
  address is refused, after DNS resolution, so a public name that resolves to ``127.0.0.1`` is
  refused too. :class:`SafetyMiddleware` looks the address up before the request is sent and
  records a refusal as ``blocked_address:<address>``; :class:`SafeResolver` (Scrapy's default
  DNS resolver, plus the same check) refuses at connect time whatever reaches it.

``NEWSCRAWL_ALLOW_PRIVATE_ADDRESSES = True`` lifts the address rule (intranet crawls, tests on
loopback servers); the redirect rule has no switch: a source that redirects elsewhere names the
other host in its ``domains``. Through an HTTP proxy the proxy resolves and connects, so only IP
literals are checked; offline replay (``NEWSCRAWL_REPLAY_DIR``) never connects and skips the
address rule.

Refusals raise :class:`Refused` (an :class:`~scrapy.exceptions.IgnoreRequest` with a
``reason``): not retried, and the spider's errback records the reason in ``fetches``.
Stats: ``newscrawl/safety/<kind>`` per refusal.

:class:`CredentialLogMask` (an extension) masks the password of ``user:password@host`` URLs in
every log line, since feed URLs with credentials appear in Scrapy's request logs.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies, getproxies_environment, proxy_bypass, proxy_bypass_environment

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from newscrawl.crawl import settings as defaults

logger = logging.getLogger(__name__)

__all__ = ["BlockedLookup", "CredentialLogMask", "Refused", "SafeResolver", "SafetyMiddleware", "allow_private",
           "is_public_address", "mask_credentials"]

STATS = "newscrawl/safety"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(IgnoreRequest):
    """A request newscrawl will not send; ``reason`` goes to ``fetches.reason``."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(message or reason)
        self.reason = reason


def is_public_address(ip: IPAddress) -> bool:
    """Whether the crawler may connect to ``ip``: a globally routable unicast address.

    ``is_global`` excludes loopback, private (10/8, 172.16/12, 192.168/16), link-local
    (169.254/16: the metadata services; fe80::/10), unique-local (fc00::/7), shared (100.64/10)
    and reserved ranges. IPv6 forms that carry an IPv4 address (mapped ``::ffff:a.b.c.d``, 6to4)
    are judged by that address, so ``::ffff:127.0.0.1`` is loopback.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            return is_public_address(embedded)
    return ip.is_global and not ip.is_multicast


def _literal(host: str | None) -> IPAddress | None:
    try:
        return ipaddress.ip_address((host or "").strip("[]"))
    except ValueError:
        return None


def allow_private(settings) -> bool:
    return settings.getbool("NEWSCRAWL_ALLOW_PRIVATE_ADDRESSES",
                            defaults.NEWSCRAWL_ALLOW_PRIVATE_ADDRESSES)


class BlockedLookup(DNSLookupError):
    """A host name that resolved to a non-public address (a DNS error: Twisted logs none)."""

    def __init__(self, name: str, address: str) -> None:
        super().__init__(f"{name} resolves to {address}, not a public address; set "
                         "NEWSCRAWL_ALLOW_PRIVATE_ADDRESSES to crawl it")
        self.address = address


def _proxy_hosts() -> set[str]:
    """Host names of the proxies set in the environment: connecting to them is the user's choice."""
    hosts = set()
    for url in getproxies().values():
        if host := urlsplit(url if "://" in url else f"http://{url}").hostname:
            hosts.add(host.lower())
    return hosts


class SafeResolver(CachingThreadedResolver):
    """Scrapy's caching DNS resolver, refusing names that resolve to non-public addresses.

    Installed on the reactor by ``TWISTED_DNS_RESOLVER``; every TCP connection asks it (IPv4
    literals too), so the address checked is the one connected to. The proxies named in the
    environment (``http_proxy``...) are exempt.
    """

    def __init__(self, reactor, cache_size: int, timeout: float, allow: bool = False) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.allow = allow
        self.exempt = _proxy_hosts()

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow = allow_private(crawler.settings)
        return resolver

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 - Twisted's interface
        d = super().getHostByName(name, timeout)
        if not self.allow and name.lower() not in self.exempt:
            d.addCallback(self._check, name)
        return d

    @staticmethod
    def _check(address: str, name: str) -> str:
        ip = _literal(address)
        if ip is None or not is_public_address(ip):
            raise BlockedLookup(name, address)
        return address


class SafetyMiddleware:
    """Downloader middleware: redirect hops inside the source, no private address (module docstring).

    The address of a host name is looked up here, through the reactor's resolver (the DNS cache
    the connection then uses), so a refusal is recorded with its reason and not retried;
    :class:`SafeResolver` is the check at connect time. A request that goes through a proxy is
    not looked up: the proxy resolves it.
    """

    def __init__(self, crawler, check_addresses: bool, proxies: dict[str, str] | None = None) -> None:
        self.crawler = crawler
        self.check_addresses = check_addresses
        self.proxies = proxies or {}
        # Where urllib's proxy_bypass is the environment's no_proxy (not macOS or Windows, which
        # ask the system), it reads the whole environment again on every call: once here.
        self._environment = (getproxies_environment() if proxy_bypass is proxy_bypass_environment
                             else None)

    def _bypassed(self, host: str) -> bool:
        if self._environment is not None:
            return proxy_bypass_environment(host, self._environment)
        return bool(proxy_bypass(host))

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        replay = bool(settings.get("NEWSCRAWL_REPLAY_DIR"))
        proxies = getproxies() if settings.getbool("HTTPPROXY_ENABLED", True) else {}
        return cls(crawler, check_addresses=not (allow_private(settings) or replay), proxies=proxies)

    def _refuse(self, reason: str, message: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"{STATS}/{reason.split(':')[0]}")
        logger.warning("Refused: %s", mask_credentials(message))
        raise Refused(reason, message)

    def _proxied(self, request, scheme: str, host: str) -> bool:
        return bool(request.meta.get("proxy")) or (scheme in self.proxies and not self._bypassed(host))

    async def process_request(self, request, spider=None):
        parts = urlparse_cached(request)
        host = parts.hostname or ""
        redirects = request.meta.get("redirect_urls")
        source = request.cb_kwargs.get("source") if redirects else None
        allows = getattr(self.crawler.spider, "allows", None)
        if source is not None and allows is not None and not allows(request.url, source):
            reasons = request.meta.get("redirect_reasons") or []
            refresh = bool(reasons) and reasons[-1] == "meta refresh"
            self._refuse(f"{'offsite_refresh' if refresh else 'offsite_redirect'}:{host}",
                         f"{redirects[-1]} {'refreshes' if refresh else 'redirects'} to "
                         f"{request.url}, outside the domains of source {source!r}")
        if not self.check_addresses or not host:
            return None
        ip = _literal(host)
        if ip is None and not self._proxied(request, parts.scheme, host):
            ip = await self._lookup(host)
        if ip is not None and not is_public_address(ip):
            self._refuse(f"blocked_address:{ip}",
                         f"{request.url}: {host} is {ip}, not a public address; set "
                         "NEWSCRAWL_ALLOW_PRIVATE_ADDRESSES to crawl it")
        return None

    @staticmethod
    async def _lookup(host: str) -> IPAddress | None:
        """The address ``host`` resolves to; None when it does not (the download reports that)."""
        from twisted.internet import reactor

        try:
            address = await maybe_deferred_to_future(reactor.resolve(host))
        except BlockedLookup as exc:
            return _literal(exc.address)
        except Exception:  # noqa: BLE001 - a failed lookup fails the download, with its own reason
            return None
        return _literal(address)


#: ``scheme://user:password@`` - the password part is masked.
_USERINFO = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*):(?P<secret>[^/\s@]+)@")


def mask_credentials(text: str) -> str:
    """``http://user:secret@host/`` -> ``http://user:***@host/``, anywhere in ``text``."""
    return _USERINFO.sub(lambda m: f"{m.group('head')}:***@", text)


class _MaskFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is the logging module's to report
            return True
        masked = mask_credentials(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class CredentialLogMask:
    """Extension: mask URL passwords in every log line of the crawl (handlers of the root logger).

    A filter on a handler sees the records of every logger that reaches it, Scrapy's included.
    Installed again when the engine starts, because Scrapy replaces its root handler after the
    extensions are built; removed when the crawl ends.
    """

    def __init__(self) -> None:
        self.filter = _MaskFilter()
        self.handlers: list[logging.Handler] = []

    @classmethod
    def from_crawler(cls, crawler: Any):
        ext = cls()
        ext.install()
        from scrapy import signals

        crawler.signals.connect(ext.install, signal=signals.engine_started)
        crawler.signals.connect(ext.uninstall, signal=signals.engine_stopped)
        return ext

    def install(self) -> None:
        for handler in logging.getLogger().handlers:
            if self.filter not in handler.filters:
                handler.addFilter(self.filter)
                self.handlers.append(handler)

    def uninstall(self) -> None:
        for handler in self.handlers:
            handler.removeFilter(self.filter)
        self.handlers.clear()
