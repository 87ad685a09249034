"""Run the ``news`` spider from the ``newscrawl crawl`` command, without a ``scrapy.cfg``.

``scrapy crawl`` finds the project's settings through the ``scrapy.cfg`` of a checkout, so it
works only from there. An installed newscrawl has no such file: here the settings are loaded
from :mod:`newscrawl.crawl.settings` directly (the module ``scrapy.cfg`` names), at Scrapy's
"project" priority, and the command's own values on top at "cmdline" priority, exactly as
``scrapy crawl -s`` would put them. The spider arguments are checked before Scrapy starts, so
a bad sources file is one line from the command, not an error inside the reactor.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scrapy.settings import Settings

from newscrawl.crawl.sources import sources_from_args

#: Scrapy's asyncio reactor, the one its settings name by default.
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
#: The module that ``scrapy.cfg`` names: the one home of the crawl's settings.
SETTINGS_MODULE = "newscrawl.crawl.settings"


def crawl_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The project's settings with ``overrides`` on top (as ``scrapy crawl -s`` sets them)."""
    settings = Settings()
    settings.setmodule(SETTINGS_MODULE, priority="project")
    if overrides:
        settings.update(dict(overrides), priority="cmdline")
    return settings


#: The sample sites that ship in the package (``newscrawl crawl --sample``): the saved
#: responses of fixtures/sites and the sources file that points at them. In a checkout these
#: are symbolic links to fixtures/, so the tests and the package read the same files; a built
#: wheel holds copies.
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample"
SAMPLE_SOURCES = SAMPLE_DIR / "sources.toml"
SAMPLE_SITES = SAMPLE_DIR / "sites"

#: Loggers whose INFO lines describe Scrapy itself rather than the crawl: the banner and
#: versions, the enabled add-ons, middlewares, extensions and pipelines, the overridden
#: settings, the engine opening and closing, the per-minute page counts (newscrawl's own
#: progress line says more), the stats dump (the summary line holds what a reader needs), and
#: Alembic's migration steps. ``newscrawl crawl`` at LOG_LEVEL=INFO leaves them out; DEBUG
#: shows everything.
SCRAPY_CHATTER = ("scrapy.utils.log", "scrapy.addons", "scrapy.middleware", "scrapy.crawler",
                  "scrapy.core.engine", "scrapy.extensions.logstats", "scrapy.extensions.telnet",
                  "scrapy.statscollectors", "alembic.runtime.migration", "alembic.runtime.plugins")


class DropInfo(logging.Filter):
    """Lets through a record of its logger only when it is above INFO (a warning, an error)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO


def quiet_scrapy_log(settings: Settings) -> None:
    """At LOG_LEVEL=INFO, keep the crawl's own lines (progress, summary, warnings) and drop
    Scrapy's description of itself (:data:`SCRAPY_CHATTER`). The filters sit on the loggers,
    not on Scrapy's root handler, because Scrapy replaces that handler while it starts."""
    if logging.getLevelName(str(settings.get("LOG_LEVEL", "DEBUG")).upper()) != logging.INFO:
        return
    for name in SCRAPY_CHATTER:
        target = logging.getLogger(name)
        if not any(isinstance(f, DropInfo) for f in target.filters):
            target.addFilter(DropInfo())


def spider_arguments(sources: str | None = None, feeds: list[str] | None = None,
                     sitemaps: list[str] | None = None) -> dict[str, str]:
    """The ``news`` spider's arguments; raises ValueError (file and entry named) when they
    would give the spider nothing to crawl or a sources file it cannot read."""
    args = {key: value for key, value in (("sources", sources),
                                          ("feeds", ",".join(feeds or [])),
                                          ("sitemaps", ",".join(sitemaps or []))) if value}
    sources_from_args(**args)
    return args


class CrawlFailed(RuntimeError):
    """The crawl raised instead of running to its end (a setting a component cannot read);
    the exception it raised is the cause."""


def _keep_failure(started, failures: list[BaseException]) -> None:
    """Collect the exception the crawl's task or Deferred ends with. Taking it here also keeps
    asyncio and Twisted from printing it as an unretrieved error with its traceback."""
    if hasattr(started, "add_done_callback"):  # an asyncio task
        def done(task) -> None:
            if not task.cancelled() and task.exception() is not None:
                failures.append(task.exception())
        started.add_done_callback(done)
    elif hasattr(started, "addErrback"):  # a Twisted Deferred
        def failed(failure) -> None:
            failures.append(failure.value)
        started.addErrback(failed)


def run_news(settings: Settings, arguments: Mapping[str, str]) -> int:
    """Run the ``news`` spider in this process until it finishes: 0, or 1 when it could not
    start (the reason is in the log, as with ``scrapy crawl``). Raises :class:`CrawlFailed`
    when the crawl raised (a bad setting value met by a component as the crawler is built)."""
    from scrapy.crawler import AsyncCrawlerProcess, CrawlerProcess

    quiet_scrapy_log(settings)  # before the process logs its banner
    # The same choice as ``scrapy crawl`` (scrapy.cmdline): the process installs the reactor
    # the settings name itself, so nothing before this may import twisted.internet.reactor.
    if ((settings["TWISTED_REACTOR"] == ASYNCIO_REACTOR
         and not settings.getbool("FORCE_CRAWLER_PROCESS"))
            or not settings.getbool("TWISTED_REACTOR_ENABLED")):
        process = AsyncCrawlerProcess(settings)
    else:
        process = CrawlerProcess(settings)
    failures: list[BaseException] = []
    _keep_failure(process.crawl("news", **arguments), failures)
    process.start()
    if failures:
        first = (str(failures[0]).strip().splitlines() or [type(failures[0]).__name__])[0]
        raise CrawlFailed(first) from failures[0]
    return 1 if process.bootstrap_failed else 0


__all__ = ["CrawlFailed", "SAMPLE_SITES", "SAMPLE_SOURCES", "SETTINGS_MODULE", "SCRAPY_CHATTER", "crawl_settings", "quiet_scrapy_log", "run_news",
           "spider_arguments"]
