"""The normalization stages: pure functions from a page's bytes to an article record.

decode -> extract -> repair -> language -> clean -> fingerprint, each in its own module or
package; :func:`process_page` runs them all (:mod:`newscrawl.stages.process`). Nothing here
imports Scrapy, SQL or the crawl and store rooms (tests/test_architecture.py holds it so).
"""

__all__ = ["STEPS", "Work", "process_page", "run_steps"]


def __getattr__(name: str):
    # Imported when first asked for, not with the package: importing one stage's module
    # (newscrawl.stages.fingerprint, .memo, .events, which the store uses) must not import every
    # stage and its libraries.
    if name in __all__:
        from newscrawl.stages import process

        return getattr(process, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
