"""The deadlines of a process share one watchdog thread: units of work that end in time start
no thread each, and a deadline that passes still cuts, again and again until stopped."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from newscrawl.store import concurrency
from newscrawl.store.concurrency import Deadline, run_transaction
from newscrawl.store.db import make_engine, open_database


def _watchdogs() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "newscrawl-deadline"]


def _wait_for(condition, seconds: float = 20.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_many_short_units_of_work_start_no_thread_each(tmp_path):
    make_session = open_database(f"sqlite:///{tmp_path / 'x.db'}", timeout=30)
    run_transaction(make_session, lambda s: s.execute(text("CREATE TABLE t (x INTEGER)")),
                    timeout=30)
    started = []
    real_start = threading.Thread.start

    def counting_start(thread):
        started.append(thread.name)
        return real_start(thread)

    threading.Thread.start = counting_start
    try:
        for n in range(200):
            run_transaction(make_session,
                            lambda s, n=n: s.execute(text("INSERT INTO t VALUES (:n)"), {"n": n}),
                            timeout=30)
    finally:
        threading.Thread.start = real_start
    assert started == []  # the watchdog of the first unit watches them all
    assert len(_watchdogs()) == 1
    assert run_transaction(make_session, lambda s: s.execute(text("SELECT count(*) FROM t")).scalar(),
                           timeout=30) == 200
    make_session.kw["bind"].dispose()


def test_an_expired_deadline_among_stopped_ones_cuts_until_stopped(tmp_path, monkeypatch):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    cuts: list = []
    monkeypatch.setattr(concurrency, "cut_connections",
                        lambda e: cuts.append((e, time.monotonic())) or 0)
    monkeypatch.setattr(concurrency, "RECUT_INTERVAL", 0.05)
    # Long deadlines stopped in time, and one far off still running: none of them cuts.
    for _ in range(50):
        Deadline(engine, 0.01).start().stop()
    later = Deadline(engine, 600).start()
    # A shorter one started after them is due first: the watchdog wakes for it.
    short = Deadline(engine, 0.2).start()
    assert _wait_for(lambda: len(cuts) >= 3), cuts
    assert short.expired and not later.expired
    assert all(e is engine for e, _ in cuts)
    short.stop()
    time.sleep(0.2)  # a cut already under way when stop came may still land
    settled = len(cuts)
    time.sleep(0.3)
    assert len(cuts) == settled  # stopped: no more cuts
    later.stop()
    engine.dispose()


def test_a_deadline_stopped_in_time_never_cuts(tmp_path, monkeypatch):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    cuts = []
    monkeypatch.setattr(concurrency, "cut_connections", lambda e: cuts.append(e) or 0)
    deadlines = [Deadline(engine, 0.3).start() for _ in range(20)]
    for deadline in deadlines:
        deadline.stop()
    marker = Deadline(engine, 0.4).start()  # expires after every stopped one was due
    assert _wait_for(lambda: marker.expired)
    marker.stop()
    assert len(cuts) >= 1 and not any(d.expired for d in deadlines)
    assert len(cuts) <= 3  # the marker's own cut (and a recut or two), none of the stopped ones
    engine.dispose()


def test_the_watchdog_lets_go_of_a_stopped_deadline_s_engine(tmp_path):
    import gc
    import weakref

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    Deadline(engine, 600).start().stop()
    ref = weakref.ref(engine)
    engine.dispose()
    del engine
    gc.collect()
    assert ref() is None
