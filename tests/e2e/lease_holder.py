"""A process that takes leases and then does nothing: to be killed by a test, as a crawler
that dies while holding a robots.txt lock or site slots would be.

    python -m tests.e2e.lease_holder REDIS_URL TTL lock KEY
    python -m tests.e2e.lease_holder REDIS_URL TTL slots KEY LIMIT

Prints its holder name (the start of every lease id and token it holds) once it holds them,
then keeps renewing them (its LeaseKeeper's thread) until it is killed.
"""

from __future__ import annotations

import sys
import time

import redis

from newscrawl.crawl.shared.leases import LeaseKeeper


def main(url: str, ttl: str, kind: str, key: str, limit: str = "1") -> None:
    keeper = LeaseKeeper(redis.Redis.from_url(url), float(ttl))
    if kind == "lock":
        if keeper.try_lock(key) is None:
            raise SystemExit(f"lock {key} is taken")
    else:
        for _ in range(int(limit)):
            if not keeper.try_slot(key, keeper.new_id(), int(limit)):
                raise SystemExit(f"no free slot under {key}")
    print(keeper.name, flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main(*sys.argv[1:])
