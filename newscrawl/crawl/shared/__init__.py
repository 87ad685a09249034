"""A crawl shared by several processes through Redis.

* :mod:`.keys` - the Redis URL and the name of every key of a shared crawl;
* :mod:`.leases` - locks and site slots on Redis that lapse when their process dies;
* :mod:`.frontier` - the shared scheduler and its per-site queue;
* :mod:`.addon` - the Scrapy add-on that puts the frontier and the shared politeness
  (:mod:`newscrawl.crawl.politeness`) in place when a Redis URL is set.

Nothing is re-exported here: the politeness middlewares import :mod:`.keys` and :mod:`.leases`,
and :mod:`.addon` imports the politeness middlewares, so importing the add-on from this
package's ``__init__`` would make the two rooms import each other.
"""
