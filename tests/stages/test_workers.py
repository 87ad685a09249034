"""The stage workers' pool (newscrawl/stages/workers.py): workers forked warm from one fork
server, and none left behind when the process that started them is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newscrawl.stages.workers import stage_pool, stop_fork_server

REPO = Path(__file__).resolve().parents[2]


def _parent_and_warm() -> tuple[int, int, bool]:
    """In a worker: its pid, its parent's, and whether the detectors' models were loaded before
    the task (held a while, so that the other task goes to the other worker)."""
    from newscrawl.stages.language import detectors

    warm = detectors._py3langid_model.cache_info().currsize > 0
    time.sleep(3)
    return os.getpid(), os.getppid(), warm


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_workers_are_forked_warm_from_one_server_which_ends_with_them():
    pool = stage_pool(2, forkserver=True)
    try:
        futures = [pool.submit(_parent_and_warm) for _ in range(2)]
        answers = [future.result(timeout=300) for future in futures]
    finally:
        pool.shutdown(wait=True)
    (first, server, warm), (second, other_server, other_warm) = answers
    assert first != second
    # One fork server, not this process, is the parent of both, and they came warm from it.
    assert server == other_server != os.getpid()
    assert warm and other_warm
    assert _alive(server)
    stop_fork_server()
    assert not _alive(server)
    assert not _alive(first) and not _alive(second)


_KILLED_PARENT = """
import os, sys, time
from newscrawl.stages.workers import stage_pool
pool = stage_pool(2, forkserver=len(sys.argv) > 1)
futures = [pool.submit(os.getpid) for _ in range(2)]
pids = [f.result(timeout=300) for f in futures]
print(*pids, flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize("forked", [True, False], ids=["forkserver", "spawn"])
def test_workers_end_when_the_process_that_started_them_is_killed(forked):
    args = [sys.executable, "-c", _KILLED_PARENT] + (["forkserver"] if forked else [])
    parent = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert workers and all(map(_alive, workers))
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in workers if _alive(pid)]
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_a_process_warms_each_part_up_once(monkeypatch):
    # A worker forked from the warm fork server calls warm_up again: it must find all loaded.
    from newscrawl.stages import process

    calls = []
    monkeypatch.setattr(process, "_WARMED", set())
    monkeypatch.setattr(process, "load_models", lambda: calls.append("models"))
    monkeypatch.setattr(process, "warm_up_extract", lambda: calls.append("extract"))
    monkeypatch.setattr(process, "warm_up_dates", lambda: calls.append("dates"))
    monkeypatch.setattr(process.gc, "freeze", lambda: None)
    process.warm_up(dates=False)
    assert sorted(calls) == ["extract", "models"]
    process.warm_up()
    process.warm_up()
    assert sorted(calls) == ["dates", "extract", "models"]


def _fail():
    raise ValueError("a page's error")


def test_a_worker_trims_its_heap_every_trim_every_tasks(monkeypatch):
    from newscrawl.stages import workers

    trims = []
    monkeypatch.setattr(workers, "TRIM_EVERY", 3)
    monkeypatch.setattr(workers, "_tasks", 0)
    monkeypatch.setattr(workers, "trim_heap", lambda: trims.append(workers._tasks))
    assert [workers.run_task(str.upper, "page") for _ in range(2)] == ["PAGE", "PAGE"]
    assert trims == []
    with pytest.raises(ValueError):  # a task that fails counts too: it used the heap
        workers.run_task(_fail)
    assert trims == [3]
    for _ in range(4):
        workers.run_task(len, "page")
    assert trims == [3, 6]


@pytest.mark.parametrize("ignore_interrupt", [False, True])
def test_every_task_of_a_stage_pool_runs_through_run_task(monkeypatch, ignore_interrupt):
    from concurrent.futures import ProcessPoolExecutor

    from newscrawl.stages import workers

    sent = []
    monkeypatch.setattr(ProcessPoolExecutor, "submit", lambda self, *args, **kwargs: sent.append((args, kwargs)))
    pool = stage_pool(1, ignore_interrupt=ignore_interrupt)  # no worker starts: submit is replaced
    try:
        pool.submit(max, 1, 2, key=abs)
    finally:
        pool.shutdown(wait=True)
    assert sent == [((workers.run_task, max, 1, 2), {"key": abs})]


def test_trim_heap_is_glibcs_malloc_trim_on_linux_and_nothing_elsewhere(monkeypatch):
    import ctypes.util

    from newscrawl.stages import workers

    workers._malloc_trim.cache_clear()
    monkeypatch.setattr(workers.sys, "platform", "darwin")
    assert workers.trim_heap() is False
    workers._malloc_trim.cache_clear()
    monkeypatch.undo()
    glibc = sys.platform.startswith("linux") and "libc.so.6" == ctypes.util.find_library("c")
    assert workers.trim_heap() is glibc
    workers._malloc_trim.cache_clear()
