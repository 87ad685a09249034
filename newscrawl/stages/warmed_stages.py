"""Imported by the fork server of stage workers started without the date parser's warm-up
(:func:`newscrawl.stages.workers.stage_pool` with ``forkserver`` and ``warm_dates`` False):
importing this module warms the stages up (:func:`~newscrawl.stages.process.warm_up`) but
leaves the date parser's locale data to the first page that asks for it, in each worker.
Nothing else imports it."""

from newscrawl.stages.process import warm_up

warm_up(dates=False)
