"""Imported by the fork server of stage workers (:func:`newscrawl.stages.workers.stage_pool`
with ``forkserver``): importing this module warms the stages up
(:func:`~newscrawl.stages.process.warm_up`, the date parser included), once, in the server, so
that every worker forked from it starts with the models and parser data loaded. Nothing else
imports it."""

from newscrawl.stages.process import warm_up

warm_up()
