"""End-to-end fixtures: the Redis server for the shared-frontier tests.

``redis_frontier`` gives a test the Redis URL (``NEWSCRAWL_TEST_REDIS_URL``, default
``redis://127.0.0.1:6379/0``) and a key prefix of its own, and deletes every key under that
prefix afterwards, so tests never see each other's queues. An unreachable server skips the
test, or fails it under ``CI=true`` (like PostgreSQL in tests/conftest.py).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest

REDIS_URL_ENV = "NEWSCRAWL_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class RedisFrontier:
    url: str
    prefix: str
    client: object

    def keys(self) -> list[str]:
        return sorted(k.decode() for k in self.client.keys(f"{self.prefix}:*"))


@pytest.fixture
def redis_frontier():
    import redis

    url = os.environ.get(REDIS_URL_ENV) or DEFAULT_REDIS_URL
    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis unreachable at {url} (set {REDIS_URL_ENV} to point elsewhere): {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    frontier = RedisFrontier(url, f"nctest-{uuid.uuid4().hex[:12]}", client)
    try:
        yield frontier
    finally:
        for key in client.scan_iter(f"{frontier.prefix}:*"):
            client.delete(key)
        client.close()
