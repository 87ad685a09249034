"""Spiders of the newscrawl project (``scrapy crawl news``)."""
