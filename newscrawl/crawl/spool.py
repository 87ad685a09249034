"""A disk spool for pages the database could not take: JSON lines, replayed when it is back.

When the database is down (a restart, a network cut, a full disk on the server), a crawl must
neither stop nor drop what it downloaded: the store pipeline writes each item it cannot store
to the spool and carries on; the spool is replayed into the database as soon as a store
succeeds again, when the crawl closes, and when the next crawl starts. Design decisions:

* **The spool keeps the download, not the derived record**: URL, requested URL, status,
  headers, time, source, the failure reason and the raw body (base64). Replay runs the stages
  again (they are pure functions of these inputs). A serialized
  :class:`~newscrawl.model.ArticleRecord` would tie the spool to one version of the record
  class, and a spool may outlive an upgrade; the cost is one more pass of the stages per
  spooled page, paid only after an outage.
* **JSON lines, one file per process** (``<host>-<pid>-<time>.jsonl``): several crawler
  processes on one machine never interleave their writes; each line is written with one
  ``write`` and flushed and fsynced before the item is counted as spooled, so a crash loses at
  most the line being written (a torn last line is set aside, see below, never replayed half).
* **One folder per database** (``<spool dir>/<hash of the URL>/``, the URL without password in
  ``database.txt``): a spool is only ever replayed into the database it was meant for.
* **The default folder is ``$XDG_STATE_HOME/newscrawl/spool``** (``~/.local/state/...``):
  state that must survive a reboot, so not the temp dir, and not the working directory, which
  may be a read-only checkout. ``NEWSCRAWL_SPOOL_DIR`` (setting or environment) overrides it.
* **Replay claims a file by renaming it** (``.jsonl`` -> ``.jsonl.replaying-<host>-<pid>``, atomic):
  two processes starting at once never replay one file twice. Lines are stored in order; if the
  database goes away again mid-file, the lines not yet stored are written back to a new spool
  file and the claimed file removed. A claim left by a dead process (same host, pid gone) is
  taken over. A process that dies mid-replay may store its last few lines again on the next
  replay: the store then records them as ``unchanged`` re-fetches (one more ``fetches`` row),
  which is the safe side of "nothing lost".
* **Entries that cannot be stored** go to ``rejected.jsonl`` in the same folder, each with
  the reason and the time, counted, for a person to look at: a line that cannot be read (a
  torn write, a hand-edited file), and an entry whose store failed for any reason but "the
  database is unavailable" (a page the database refused even as a failed fetch, a bug). Never
  dropped silently, and never blocking the entries after them: one bad entry put back at the
  head of the spool would stop every later replay, and with it every later crawl's start.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newscrawl.model import Page

logger = logging.getLogger(__name__)

SPOOL_DIR_ENV = "NEWSCRAWL_SPOOL_DIR"
SETTINGS_KEY = "NEWSCRAWL_SPOOL_DIR"
FORMAT_VERSION = 1
SUFFIX = ".jsonl"
CLAIM_MARK = ".replaying-"
REJECTED_NAME = "rejected.jsonl"

#: Entry kinds: a page with a body, a failed download, a 304 answer.
KIND_PAGE = "page"
KIND_FAILED = "failed"
KIND_NOT_MODIFIED = "not_modified"


def default_spool_dir() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "newscrawl" / "spool"


def spool_dir(explicit: str | Path | None = None, settings: Any = None) -> Path:
    """``explicit`` > env ``NEWSCRAWL_SPOOL_DIR`` > Scrapy setting > :func:`default_spool_dir`."""
    if explicit:
        return Path(explicit)
    if os.environ.get(SPOOL_DIR_ENV):
        return Path(os.environ[SPOOL_DIR_ENV])
    if settings is not None and settings.get(SETTINGS_KEY):
        return Path(settings.get(SETTINGS_KEY))
    return default_spool_dir()


@dataclass(frozen=True, slots=True)
class SpoolEntry:
    """One download waiting for the database."""

    kind: str
    url: str
    status: int | None
    headers: dict[str, str]
    fetched_at: dt.datetime | None
    body: bytes = b""
    source: str | None = None
    requested_url: str | None = None
    error: str | None = None

    def to_json(self) -> str:
        return json.dumps({
            "v": FORMAT_VERSION, "kind": self.kind, "url": self.url, "status": self.status,
            "headers": self.headers,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
            "body": base64.b64encode(self.body).decode("ascii"), "source": self.source,
            "requested_url": self.requested_url, "error": self.error,
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> SpoolEntry:
        """Raises ValueError (or KeyError/TypeError) on a line that is not a whole entry."""
        data = json.loads(line)
        if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
            raise ValueError(f"not a spool entry of format {FORMAT_VERSION}")
        if data["kind"] not in (KIND_PAGE, KIND_FAILED, KIND_NOT_MODIFIED):
            raise ValueError(f"unknown entry kind {data['kind']!r}")
        fetched = data.get("fetched_at")
        return cls(kind=data["kind"], url=str(data["url"]), status=data.get("status"),
                   headers=dict(data.get("headers") or {}),
                   fetched_at=dt.datetime.fromisoformat(fetched) if fetched else None,
                   body=base64.b64decode(data.get("body") or "", validate=True),
                   source=data.get("source"), requested_url=data.get("requested_url"),
                   error=data.get("error"))

    def to_page(self) -> Page:
        return Page.build(self.url, self.body, self.headers, self.status or 200, self.fetched_at)


@dataclass(slots=True)
class ReplayResult:
    replayed: int = 0
    rejected: int = 0
    #: True when the database went away again before the spool was empty.
    interrupted: bool = False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class Spool:
    """The spool folder of one database (module docstring)."""

    def __init__(self, root: str | Path, database_url: str) -> None:
        from newscrawl.store.db import mask_url

        masked = mask_url(database_url)
        self.directory = Path(root) / hashlib.sha256(masked.encode()).hexdigest()[:16]
        self.database = masked
        # No "-" in it: it separates the parts of a spool file's name.
        self.host = socket.gethostname().replace("-", "_") or "host"
        self._file = None
        self._path: Path | None = None

    # ------------------------------------------------------------------ writing

    def _ensure_dir(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        label = self.directory / "database.txt"
        if not label.exists():
            label.write_text(self.database + "\n", encoding="utf-8")

    def append(self, entry: SpoolEntry) -> None:
        """Write ``entry`` durably (flushed and fsynced) to this process's spool file."""
        if self._file is None:
            self._ensure_dir()
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
            self._path = self.directory / f"{self.host}-{os.getpid()}-{stamp}{SUFFIX}"
            self._file = self._path.open("a", encoding="utf-8")
        self._file.write(entry.to_json() + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close this process's spool file (it stays on disk until replayed)."""
        if self._file is not None:
            self._file.close()
            self._file = None
            self._path = None

    # ------------------------------------------------------------------ reading

    def pending_files(self) -> list[Path]:
        """Spool files waiting for replay, oldest first (claims of dead processes included)."""
        if not self.directory.is_dir():
            return []
        files = []
        for path in self.directory.iterdir():
            if path.name.endswith(SUFFIX) and path.name != REJECTED_NAME:
                # <host>-<pid>-<time>.jsonl: a live process may still be appending to its file.
                host, pid = self._owner(path.name.split("-", 2)[:2])
                if self._free(host, pid):
                    files.append(path)
            elif CLAIM_MARK in path.name:
                host, pid = self._owner(path.name.rsplit(CLAIM_MARK, 1)[1].rsplit("-", 1))
                if self._free(host, pid) and pid != os.getpid():
                    files.append(path)
        return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))

    @staticmethod
    def _owner(parts: list[str]) -> tuple[str, int | None]:
        if len(parts) == 2 and parts[1].isdigit():
            return parts[0], int(parts[1])
        return "", None

    def _free(self, host: str, pid: int | None) -> bool:
        """Whether a file of (host, pid) may be replayed by this process: its own, or one of a
        process of this host that is gone. Files of other hosts (a shared spool folder) are left
        to their host, which alone can tell whether their writer still runs."""
        if host != self.host or pid is None:
            return False
        return pid == os.getpid() or not _pid_alive(pid)

    def pending_count(self) -> int:
        """Entries waiting (lines in the pending files)."""
        count = 0
        for path in self.pending_files():
            with path.open("rb") as f:
                count += sum(1 for line in f if line.strip())
        return count

    def _claim(self, path: Path) -> Path | None:
        base = path.name.split(CLAIM_MARK, 1)[0]
        claimed = path.with_name(f"{base}{CLAIM_MARK}{self.host}-{os.getpid()}")
        try:
            path.rename(claimed)
        except FileNotFoundError:  # another process claimed it first
            return None
        return claimed

    def _reject(self, line: str, error: str) -> None:
        self._ensure_dir()
        at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with (self.directory / REJECTED_NAME).open("a", encoding="utf-8",
                                                   errors="surrogateescape") as f:
            f.write(json.dumps({"error": error, "at": at, "line": line}) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def reject(self, entry: SpoolEntry, error: str) -> None:
        """Set ``entry`` aside in ``rejected.jsonl`` with ``error`` (module docstring)."""
        self._reject(entry.to_json(), error)

    @property
    def rejected_path(self) -> Path:
        return self.directory / REJECTED_NAME

    def replay(self, store: Callable[[SpoolEntry], Any],
               is_unavailable: Callable[[BaseException], bool]) -> ReplayResult:
        """Store every pending entry with ``store(entry)``, oldest first.

        ``store`` raising an error for which ``is_unavailable`` is true stops the replay and
        keeps the rest; any other error sets that entry aside in ``rejected.jsonl`` with the
        error and the replay goes on. This process's own open file is closed first so it is
        replayed too.
        """
        self.close()
        result = ReplayResult()
        for path in self.pending_files():
            claimed = self._claim(path)
            if claimed is None:
                continue
            lines = iter(claimed.read_text(encoding="utf-8", errors="surrogateescape").splitlines())
            for line in lines:
                if not line.strip():
                    continue
                try:
                    entry = SpoolEntry.from_json(line)
                except (ValueError, KeyError, TypeError) as exc:
                    self._reject(line, f"{type(exc).__name__}: {exc}")
                    result.rejected += 1
                    continue
                try:
                    store(entry)
                except Exception as exc:
                    if not is_unavailable(exc):
                        first = (str(exc).strip().splitlines() or [""])[0]
                        logger.error("Spool entry %s could not be stored, set aside in %s: %s: %s",
                                     entry.url, self.rejected_path, type(exc).__name__, first)
                        self._reject(line, f"{type(exc).__name__}: {first}".rstrip(": "))
                        result.rejected += 1
                        continue
                    # The claimed file is removed only once what is left of it is safe on disk.
                    self._put_back([line], lines)
                    claimed.unlink(missing_ok=True)
                    result.interrupted = True
                    return result
                result.replayed += 1
            claimed.unlink(missing_ok=True)
        return result

    def _put_back(self, first: list[str], rest: Iterator[str]) -> None:
        remaining = first + [line for line in rest if line.strip()]
        if not remaining:
            return
        self._ensure_dir()
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{self.host}-{os.getpid()}-{stamp}-rest{SUFFIX}"
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8", errors="surrogateescape") as f:
            f.write("\n".join(remaining) + "\n")
            f.flush()
            os.fsync(f.fileno())
        tmp.rename(path)  # appears whole or not at all


__all__ = ["KIND_FAILED", "KIND_NOT_MODIFIED", "KIND_PAGE", "ReplayResult", "Spool", "SpoolEntry",
           "default_spool_dir", "spool_dir"]
