"""The crawl: everything Scrapy loads (settings, spiders, middlewares, pipelines, extensions).

:mod:`.settings` is the Scrapy settings module and the one home of every ``NEWSCRAWL_*``
default. The crawl hands pages to :mod:`newscrawl.stages` and records to :mod:`newscrawl.store`.
"""
