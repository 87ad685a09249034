"""The shared robots.txt middleware's look-lock-look: a copy stored between a process's first look
and its lock is taken, not downloaded again."""

from newscrawl.crawl.politeness.robots import SharedRobotsTxtMiddleware


class _Server:
    """Redis as the middleware sees it: the copy appears right after the first look (another
    process stored it and let go of its lock in between)."""

    def __init__(self, stored: bytes) -> None:
        self.stored = stored
        self.looks = 0

    def hget(self, key, field):
        self.looks += 1
        return None if self.looks == 1 else self.stored


class _Keeper:
    def __init__(self) -> None:
        self.unlocked = []

    def try_lock(self, key):
        return "token"

    def unlock(self, key, token):
        self.unlocked.append((key, token))


class _Stats:
    def __init__(self) -> None:
        self.values = {}

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count


def _run(coroutine):
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the middleware waited instead of answering")


def test_a_copy_stored_between_the_look_and_the_lock_is_shared_not_downloaded():
    middleware = SharedRobotsTxtMiddleware.__new__(SharedRobotsTxtMiddleware)
    middleware.server = _Server(b"200\nUser-agent: *\nDisallow: /private\n")
    middleware.keeper = _Keeper()
    middleware.hash_key = "nc:robots"
    middleware._stats = _Stats()

    async def no_download(*args, **kwargs):
        raise AssertionError("downloaded a robots.txt another process had stored")

    middleware._download = no_download
    entry = _run(middleware._shared_copy("http://outlet.example/robots.txt", "outlet.example", None))
    assert entry is not None
    assert middleware.keeper.unlocked  # the lock taken for nothing is let go
    assert middleware._stats.values.get("newscrawl/robotstxt/shared") == 1
    assert "newscrawl/robotstxt/fetched" not in middleware._stats.values
