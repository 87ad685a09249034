"""A crawl shared by several processes through Redis: keys, leases, the frontier add-on."""
