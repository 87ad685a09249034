"""Scrapy settings for newscrawl: a polite, bounded news crawler.

Every setting carries a one-line reason. Override per run with ``-s NAME=VALUE``; e.g. an
offline crawl of saved sites::

    scrapy crawl news -a sources=fixtures/sample_sources.toml -s NEWSCRAWL_REPLAY_DIR=fixtures/sites

This module is the one home of every ``NEWSCRAWL_*`` setting and its default: each is assigned
here once, under a comment that says what it means. Code reads them from the Scrapy settings;
where it must also work on settings that do not come from this module (a test's ``Settings()``,
a deployment's own settings module), it falls back to the value here
(``from newscrawl.crawl import settings as defaults``), never to a copy. docs/settings.md
lists them all (tests/crawl/test_settings_doc.py keeps the two in step).
"""

# Project identity, used in logs and as the robots.txt agent name.
BOT_NAME = "newscrawl"
# Where `scrapy crawl` looks for spiders.
SPIDER_MODULES = ["newscrawl.crawl.spiders"]
# Where `scrapy genspider` puts new spiders.
NEWSPIDER_MODULE = "newscrawl.crawl.spiders"

# Say who we are and where to complain: publishers block anonymous bots first.
USER_AGENT = "newscrawl/0.1 (+https://github.com/newscrawl/newscrawl)"
# Honour robots.txt: we crawl other people's sites.
ROBOTSTXT_OBEY = True
# Bytes of a robots.txt read and parsed; rules past them are ignored (RFC 9309 2.5 asks for at
# least 500 KiB, the limit Google documents): a huge robots.txt is a mistake or an attack, and
# every process of a shared crawl would hold its parsed rules. 0: up to DOWNLOAD_MAXSIZE.
NEWSCRAWL_ROBOTSTXT_MAXSIZE = 500 * 1024

# Adapt the delay to each server's latency instead of hammering it at a fixed rate.
AUTOTHROTTLE_ENABLED = True
# First delay before AutoThrottle has measured anything (the default 5 s is needlessly slow).
AUTOTHROTTLE_START_DELAY = 1.0
# Back off at most this far on a slow server before giving up on politeness gains.
AUTOTHROTTLE_MAX_DELAY = 30.0
# At most two requests in flight per site: polite, yet a slow page does not stall the site.
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Items of one response taken through the pipelines at once. An article response yields one
# item and a feed its requests (queued at once, nothing to wait for); Scrapy starts this many
# tasks for every response however few items it yields, and its default of 100 made that a
# quarter of the reactor's CPU on a crawl (docs/measurements.md, "Live crawl: worker start-up").
CONCURRENT_ITEMS = 2
# News pages are well under 1 MiB; anything past 10 MiB is not an article (abort the download).
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
# Log pages over 2 MiB: usually inline images or a misconfigured endpoint worth a look.
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# A news page that takes over 30 s is broken; do not hold a slot for Scrapy's default 180 s.
DOWNLOAD_TIMEOUT = 30

# Retry transient failures (timeouts, 5xx, 429) ...
RETRY_ENABLED = True
# ... after a pause (an overloaded server needs time, and the pause holds no download slot):
# Seconds before the first retry, doubled for each further one (newscrawl/crawl/faults.py).
NEWSCRAWL_RETRY_BACKOFF_BASE = 2.0
# Longest pause before a retry, seconds; a longer Retry-After is honoured up to this too, and
# one beyond it gives the page up at once: retrying before then only asks to be refused again.
NEWSCRAWL_RETRY_BACKOFF_MAX = 60.0
# ... twice, so a flaky server gets three tries without us hammering a dead one.
RETRY_TIMES = 2
# Server errors, gateway errors, timeouts and rate limiting are worth another try; 4xx are not.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Let 404/410 reach the spider so the store can record that a page is gone (not an article),
# and 304 so it can record an unchanged page (the incremental crawl asks conditionally).
HTTPERROR_ALLOWED_CODES = [304, 404, 410]

# No telnet console: an open debug port on a crawler host is a needless risk.
TELNETCONSOLE_ENABLED = False
# Same for Scrapy 2.19's remote-control HTTP server (on by default, it can run code in the crawler).
REMOTE_CONTROL_ENABLED = False
# REQUEST_FINGERPRINTER_IMPLEMENTATION is not set: Scrapy >= 2.14 removed it (one fingerprinter).
# Request duplicates filtered within a run only, even with JOBDIR: every scheduled run re-reads
# the feeds, and a request a killed run never sent is sent again (newscrawl/crawl/jobdir.py).
DUPEFILTER_CLASS = "newscrawl.crawl.jobdir.RunDupeFilter"
# Scrapy's scheduler, but a JOBDIR queue left by a killed run is dropped, not resumed (its index
# is stale; the requests are found again in the feeds) (newscrawl/crawl/jobdir.py).
SCHEDULER = "newscrawl.crawl.jobdir.CrashSafeScheduler"
# Write exported feeds as UTF-8, not \u-escaped ASCII.
FEED_EXPORT_ENCODING = "utf-8"
# Feed exports (-o/-O) write each page's normalized record, not its raw bytes (newscrawl/crawl/exporters.py).
FEED_EXPORTERS = {
    "json": "newscrawl.crawl.exporters.JsonExporter",
    "jsonlines": "newscrawl.crawl.exporters.JsonLinesExporter",
    "jsonl": "newscrawl.crawl.exporters.JsonLinesExporter",
    "jl": "newscrawl.crawl.exporters.JsonLinesExporter",
    "csv": "newscrawl.crawl.exporters.CsvExporter",
    "xml": "newscrawl.crawl.exporters.XmlExporter",
}
# INFO shows progress and stats without per-request noise.
LOG_LEVEL = "INFO"
# Scrapy's in-memory stats, without the per-attribute hook that made counting them costly
# (newscrawl/crawl/run.py).
STATS_CLASS = "newscrawl.crawl.run.StatsCollector"

DOWNLOADER_MIDDLEWARES = {
    # Redirect and meta-refresh hops stay inside the source's domains; IP-literal URLs of
    # private addresses are refused (newscrawl/crawl/safety.py). Before robots.txt (100), so an
    # off-site target's robots.txt is not fetched either.
    "newscrawl.crawl.safety.SafetyMiddleware": 50,
    # robots.txt that answers 5xx or cannot be reached means "disallow all" for the run
    # (RFC 9309), where Scrapy's middleware allows everything (newscrawl/crawl/politeness/robots.py).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newscrawl.crawl.politeness.robots.StrictRobotsTxtMiddleware": 100,
    # Revisit decision and conditional GET for known article URLs (newscrawl/crawl/incremental.py).
    # After robots.txt (100), so only requests robots.txt allows are decided and counted.
    "newscrawl.crawl.incremental.IncrementalMiddleware": 120,
    # Scrapy's retries, with an exponential pause before each (newscrawl/crawl/faults.py).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newscrawl.crawl.faults.BackoffRetryMiddleware": 550,
    # Redirect chains that come back to one of their URLs fail at once (newscrawl/crawl/faults.py);
    # above RedirectMiddleware (600) so it sees the 3xx first.
    "newscrawl.crawl.faults.RedirectLoopMiddleware": 610,
    # An article whose compressed body is cut off mid-stream fails instead of being stored as
    # its start; a robots.txt is decoded only as far as NEWSCRAWL_ROBOTSTXT_MAXSIZE
    # (newscrawl/crawl/compression.py). Scrapy's position.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "newscrawl.crawl.compression.StrictHttpCompressionMiddleware": 590,
    # At most CONCURRENT_REQUESTS_PER_DOMAIN requests in flight per site (newscrawl/crawl/politeness/slots.py):
    # Scrapy 2.19's downloader alone lets a burst through at DOWNLOAD_DELAY 0. After everything
    # that may drop or hold back a request, so a slot is held only on the way out. Slots shared
    # in Redis when a Redis URL is set, in this process's memory otherwise.
    "newscrawl.crawl.politeness.slots.SharedConcurrencyMiddleware": 890,
    # Offline replay (only when NEWSCRAWL_REPLAY_DIR is set). Placed last, where the network
    # would be, so robots.txt rules, retries, redirects, decompression and stats all behave as
    # live; robots.txt fetches pass through the same chain and are replayed too.
    "newscrawl.crawl.replay.ReplayDownloaderMiddleware": 950,
    # Each response and its request written as WARC (only when NEWSCRAWL_WARC_DIR is set;
    # newscrawl/crawl/warcwriter.py). Next to the network and replay, so it archives what came
    # back before decompression, redirects or retries act on it.
    "newscrawl.crawl.warcwriter.WarcWriterMiddleware": 940,
}
# Scrapy's DNS resolver, refusing names that resolve to loopback, private, link-local (cloud
# metadata) or unique-local addresses (newscrawl/crawl/safety.py).
TWISTED_DNS_RESOLVER = "newscrawl.crawl.safety.SafeResolver"
# True = connect to loopback, private, link-local and unique-local addresses too (an intranet
# crawl, tests on loopback servers); False = refuse them, recorded as blocked_address.
NEWSCRAWL_ALLOW_PRIVATE_ADDRESSES = False
# Directory of saved sites (fixtures layout) to crawl instead of the network; None = live crawl.
NEWSCRAWL_REPLAY_DIR = None
# True = one request per connection (Connection: close, nothing kept alive), so bytes a server
# sends past a response's end can never answer the next request (newscrawl/crawl/connections.py);
# False = keep-alive, a handshake saved per request.
NEWSCRAWL_CONNECTION_CLOSE = False
# HTTP(S) downloads: Scrapy's HTTP/1.1 handler, with the option above.
DOWNLOAD_HANDLERS = {"http": "newscrawl.crawl.connections.HTTPDownloadHandler",
                     "https": "newscrawl.crawl.connections.HTTPDownloadHandler"}
# Folder where every response and request of the crawl is written as WARC files; None = none.
NEWSCRAWL_WARC_DIR = None
# Size at which a WARC file is finished and the next one started (bytes, gzip): CC-NEWS's size.
NEWSCRAWL_WARC_MAX_BYTES = 1_000_000_000
# Database URL of the store; the environment variable of the same name comes first; None (and
# no variable) = sqlite:///newscrawl.db (newscrawl/store/db.py).
NEWSCRAWL_DATABASE_URL = None
# Days apart two stories' publication days (else first download days) may be and still report
# one event; no event spans more (docs/matching.md, "Events").
NEWSCRAWL_EVENT_WINDOW_DAYS = 3
# Worker processes that run the stages (decode .. fingerprint) of the crawled pages, so that
# they use the other cores while this process fetches and stores (newscrawl/crawl/pipelines.py,
# StageWorkersPipeline); None = one per usable core; 0 or 1 = in this process, none started.
NEWSCRAWL_STAGE_WORKERS = None
# Whether the crawl writes to the store; False = pages go through the stages only (e.g. to a
# feed export with -o), and the incremental crawl is off too (it has no memory of earlier runs).
NEWSCRAWL_STORE_ENABLED = True

# Incremental crawling (newscrawl/crawl/incremental.py): known article URLs are requested again only
# when due, with If-None-Match / If-Modified-Since; False = every listed article every run.
NEWSCRAWL_INCREMENTAL = True
# Seconds after which a known article is due again; None = by the article's age (a quarter of
# it, 15 min .. 30 days); 0 = every run.
NEWSCRAWL_REVISIT_AFTER = None
# Seconds before 404/410 pages, PDFs, images are checked again: a week, not every run.
NEWSCRAWL_GONE_REVISIT_AFTER = 7 * 24 * 3600
# Stop article downloads whose Content-Type is plainly not a page (PDF, image...) at their
# headers (newscrawl/crawl/faults.py); False = download them whole (they are still not stored).
NEWSCRAWL_STOP_NON_ARTICLE_DOWNLOADS = True
# Progress line in the log this often (seconds; 0 = none), plus a summary at the end (newscrawl/crawl/run.py).
NEWSCRAWL_PROGRESS_INTERVAL = 60
# A lock file stops a second run of the same crawl on this machine while one is going
# (newscrawl/crawl/run.py); False = no lock. A shared frontier switches it off (processes join).
NEWSCRAWL_LOCK = True
# Directory of the lock files that stop overlapping runs of one crawl; None = the temp dir.
NEWSCRAWL_LOCK_DIR = None

# With a shared frontier: seconds between two requests to one site across all processes
# (newscrawl/crawl/politeness/pacing.py); None = DOWNLOAD_DELAY (or AutoThrottle's delay where longer).
NEWSCRAWL_SITE_DELAY = None
# With a shared frontier: seconds a site's robots.txt copy may outlive an unfinished run.
NEWSCRAWL_ROBOTSTXT_TTL = 24 * 3600
# Requests in flight to one site (with a shared frontier: across all processes, leases in Redis);
# None = CONCURRENT_REQUESTS_PER_DOMAIN (newscrawl/crawl/politeness/slots.py).
NEWSCRAWL_SITE_CONCURRENCY = None
# With a shared frontier: the per-site limit counted across processes; False = each process
# counts only its own, in Scrapy's downloader (for measuring the difference).
NEWSCRAWL_SHARED_SITE_CONCURRENCY = True
# Without Redis: the same per-site limit kept in this process's memory; False = Scrapy's
# downloader alone (which sends bursts past the limit at DOWNLOAD_DELAY 0; for measuring).
NEWSCRAWL_LOCAL_SITE_CONCURRENCY = True
# Scrapy's queue per site, least busy site first, but counting requests that wait in the
# middlewares and skipping sites at their limit (newscrawl/crawl/politeness/queue.py), so the engine's
# CONCURRENT_REQUESTS are not taken up by requests waiting for a site slot. Without Redis only
# (a shared frontier has its own queue).
SCHEDULER_PRIORITY_QUEUE = "newscrawl.crawl.politeness.queue.SiteAwarePriorityQueue"
# Requests per site beyond its limit that queue lets into the downloader: one waits, ready, to
# take the next free slot at once (without it the next request must first cross the engine and
# every middleware; docs/measurements.md "Crawl: figures behind its settings").
NEWSCRAWL_SITE_QUEUE_AHEAD = 1
# With a shared frontier: seconds a dead process's locks and site slots outlive it (the living
# renew theirs every quarter of this); short, so a crash blocks the others only briefly.
NEWSCRAWL_LEASE_TTL = 10
# A shared frontier on Redis for several crawler processes (newscrawl/crawl/shared/addon.py): active only
# when NEWSCRAWL_REDIS_URL (or REDIS_URL) is set; then scrapy-redis' scheduler and dupefilter.
ADDONS = {"newscrawl.crawl.shared.addon.RedisFrontier": 0}
# Redis URL of a shared frontier; the environment variable of the same name (or REDIS_URL)
# comes first; None (and no variable) = one process, no Redis (newscrawl/crawl/shared/keys.py).
NEWSCRAWL_REDIS_URL = None
# First part of every key of a shared crawl in Redis; one prefix per crawl (newscrawl/crawl/shared/keys.py).
NEWSCRAWL_REDIS_PREFIX = "newscrawl"
# A process leaves a shared crawl once the Redis queue has been empty this long (seconds).
NEWSCRAWL_REDIS_IDLE_TIMEOUT = 10
# Folder of the disk spool that takes the items the database cannot (newscrawl/crawl/spool.py); the
# environment variable of the same name comes first; None = $XDG_STATE_HOME/newscrawl/spool.
NEWSCRAWL_SPOOL_DIR = None
# While the database is down, seconds between two attempts to reach it (items spooled meanwhile).
NEWSCRAWL_SPOOL_RETRY_INTERVAL = 10
# Seconds a connection attempt to PostgreSQL may take before the database counts as down.
NEWSCRAWL_DATABASE_CONNECT_TIMEOUT = 10
# Seconds a store waits for a lock another process holds (SQLite's busy timeout, PostgreSQL's
# lock_timeout); held longer, the database counts as unavailable and the item is spooled.
NEWSCRAWL_DATABASE_LOCK_TIMEOUT = 30
# Seconds one store (or revisit look-up) may take in all, above the lock timeout: PostgreSQL's
# statement_timeout, and the bound after which newscrawl cuts the connection of a server that
# stopped answering (newscrawl/store/concurrency.py) and spools the item.
NEWSCRAWL_DATABASE_TIMEOUT = 60

EXTENSIONS = {
    # Passwords in user:password@ URLs (a feed behind HTTP auth) never reach the log.
    "newscrawl.crawl.safety.CredentialLogMask": 0,
    # Taken before the scheduler opens JOBDIR; a second overlapping run exits with a message.
    "newscrawl.crawl.run.CrawlLock": 0,
    "newscrawl.crawl.run.CrawlProgress": 500,
    # PDFs, images... in article slots are not downloaded past their headers.
    "newscrawl.crawl.faults.NonArticleDownloadStop": 500,
}

# The normalization stages, in order: each reads only what the ones before it wrote.
ITEM_PIPELINES = {
    # All of them in a worker process when NEWSCRAWL_STAGE_WORKERS asks for more than one; the
    # six that follow are then left out (they would only pass such an item on): the store remains.
    "newscrawl.crawl.pipelines.StageWorkersPipeline": 50,
    "newscrawl.crawl.pipelines.DecodePipeline": 100,
    "newscrawl.crawl.pipelines.ExtractPipeline": 200,
    "newscrawl.crawl.pipelines.RepairPipeline": 300,
    "newscrawl.crawl.pipelines.LanguagePipeline": 400,
    "newscrawl.crawl.pipelines.CleanPipeline": 500,
    "newscrawl.crawl.pipelines.FingerprintPipeline": 600,
    "newscrawl.crawl.pipelines.StorePipeline": 700,
}
