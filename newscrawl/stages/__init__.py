"""The normalization stages: pure functions from a page's bytes to an article record.

decode -> extract -> repair -> language -> clean -> fingerprint, each in its own module or
package; :func:`process_page` runs them all (:mod:`newscrawl.stages.process`). Nothing here
imports Scrapy, SQL or the crawl and store rooms (tests/test_architecture.py holds it so).
"""

from newscrawl.stages.process import STEPS, Work, process_page, run_steps

__all__ = ["STEPS", "Work", "process_page", "run_steps"]
