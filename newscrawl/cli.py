"""The ``newscrawl`` command: ingest saved pages, list stories, show a story, migrate the database.

    newscrawl ingest PATH... [--db URL]      store saved pages through the same stages as a crawl
    newscrawl stories [--db URL]             stories with their version and site counts
    newscrawl events [--all] [--db URL]      events with the stories (different texts) reporting them
    newscrawl story KEY [--db URL]           one story's versions (site, URL, seen, derivation)
    newscrawl story KEY --diff [A [B]]       what changed between two versions (ids as listed;
                                             default: the first version and the latest)
    newscrawl reprocess [--since DATE] [--site HOST] [--db URL]
                                             run the stages again over the stored raw pages;
                                             new versions only where the text changed
    newscrawl db upgrade [--db URL]          migrate the database to the newest schema
    newscrawl db backfill [--db URL]         fill in what a database written by an older
                                             newscrawl lacks, computed from the stored texts:
                                             how versions derive from each other and how
                                             similar they are, the events of stories, and the
                                             band rows of signature blocks stories lack

The database URL comes from ``--db``, else ``NEWSCRAWL_DATABASE_URL``, else ``sqlite:///newscrawl.db``.
Exit status: 0 on success, 1 when some inputs were skipped with an error, 2 on a usage or
database error (the message says which).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from newscrawl.ingest import IngestError, iter_pages
from newscrawl.stages.process import run_steps

#: Titles longer than this are cut with an ellipsis in listings (a cut without one reads as data).
TITLE_WIDTH = 80


def _sessionmaker(url: str | None):
    from newscrawl.store.db import open_database

    return open_database(url)


def cmd_ingest(args: argparse.Namespace) -> int:
    from newscrawl.store.concurrency import run_transaction
    from newscrawl.store.repository import store_page

    make_session = _sessionmaker(args.db)
    outcomes: Counter = Counter()
    errors = 0
    for page in iter_pages(args.paths):
        if isinstance(page, IngestError):
            print(f"error: {page}", file=sys.stderr)
            errors += 1
            continue
        work = run_steps(page)
        # One transaction per page, retried on conflicts with concurrent writers (another
        # ingest, a crawl): see newscrawl/store/concurrency.py.
        outcome = run_transaction(
            make_session,
            lambda session, page=page, record=work.record: store_page(session, page, record,
                                                                      source="ingest"))
        outcomes[outcome.outcome] += 1
        detail = outcome.story_key or work.record.skip_reason or ""
        if not args.quiet:
            print(f"{outcome.outcome:20s} {detail:18s} {page.url}")
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())) or "nothing"
    print(f"ingested: {summary}; {errors} unreadable")
    return 1 if errors else 0


def print_stories(make_session) -> None:
    from newscrawl.store.queries import list_stories

    with make_session() as session:
        stories = list_stories(session)
    print(f"{len(stories)} stories")
    print(f"{'key':16s}  {'versions':>8s}  {'sites':>5s}  {'lang':4s}  title")
    for s in stories:
        title = s.title or ""
        title = title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1] + "…"
        print(f"{s.key:16s}  {s.version_count:8d}  {s.site_count:5d}  {s.language or '-':4s}  {title}")


def cmd_stories(args: argparse.Namespace) -> int:
    print_stories(_sessionmaker(args.db))
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    from newscrawl.store.queries import list_events

    with _sessionmaker(args.db)() as session:
        events = list_events(session, min_stories=1 if args.all else 2)
    print(f"{len(events)} event{'' if len(events) == 1 else 's'}"
          + ("" if args.all else " reported by more than one story"))
    for event in events:
        print(f"event {event.id}: {len(event.stories)} stories on {event.site_count} sites, first seen "
              f"{event.first_seen_at.isoformat(timespec='seconds')}")
        for s in event.stories:
            title = s.title or ""
            title = title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1] + "…"
            print(f"  {s.key:16s}  {s.version_count:3d} versions  {title}")
    return 0


def cmd_story(args: argparse.Namespace) -> int:
    from newscrawl.store.queries import story_detail

    with _sessionmaker(args.db)() as session:
        detail = story_detail(session, args.key)
        if detail is None:
            print(f"no story with key {args.key!r}", file=sys.stderr)
            return 2
        if args.diff is not None:
            return print_diff(session, detail, args.diff)
    print(f"story {detail.key}: {detail.title or ''}")
    print(f"{detail.version_count} versions on {len(detail.sites)} sites")
    if detail.same_event:
        print(f"event {detail.event_id}, also reported by: "
              + "; ".join(f"{key} ({title or ''})" for key, title in detail.same_event))
    for m in detail.merged_with:
        print(f"same story as {m.other_key} (proved by v{m.evidence_version_id}, containment"
              f" {m.similarity:.2f}, {m.recorded_at.isoformat(timespec='seconds')})")
    for v in detail.versions:
        repairs = ", ".join(f"{r['kind']}×{r['count']}" for r in v.repairs) or "-"
        first = v.first_fetched_at.isoformat(timespec="seconds")
        last = v.last_fetched_at.isoformat(timespec="seconds")
        mark = "*" if v.is_canonical else " "
        derivation = v.derivation or "-"
        similarity = f" {v.similarity:.2f}" if v.similarity is not None and not v.is_canonical else ""
        print(f"{mark} v{v.id:<5d} {v.site:28s} {v.language or '-':3s} first {first} last {last}"
              f"  {derivation}{similarity}")
        print(f"         {v.url}")
        print(f"         repairs: {repairs}")
    return 0


def _version_id(text: str) -> int | None:
    text = text.strip().lower().removeprefix("v")
    return int(text) if text.isdigit() else None


def print_diff(session, detail, wanted: list[str]) -> int:
    """Print what changed between two versions of ``detail`` (see :func:`text_diff`)."""
    from newscrawl.store.queries import version_texts

    if len(wanted) > 2:
        print("--diff takes at most two version ids", file=sys.stderr)
        return 2
    ids = [_version_id(w) for w in wanted]
    if None in ids:
        print(f"not a version id: {wanted[ids.index(None)]!r} (use the ids listed, e.g. v12)",
              file=sys.stderr)
        return 2
    first = detail.canonical_version_id or detail.versions[0].id
    if not ids:
        ids = [first, detail.versions[-1].id]
    elif len(ids) == 1:
        ids = [first, ids[0]]
    versions = version_texts(session, detail.key, ids)
    missing = [i for i in ids if i not in versions]
    if missing:
        print(f"story {detail.key} has no version v{missing[0]}", file=sys.stderr)
        return 2
    a, b = versions[ids[0]], versions[ids[1]]
    summary = {v.id: v for v in detail.versions}
    for v in (a, b):
        s = summary[v.id]
        print(f"v{v.id} (#{s.number}, {s.derivation or '-'}) {s.site} {v.url}")
    print()
    for line in text_diff(a.body, b.body):
        print(line)
    return 0


def text_diff(a: str, b: str) -> list[str]:
    """Paragraph by paragraph: "  " kept, "- " only in A, "+ " only in B, and "~ " for a changed
    paragraph with its words marked ``[-old-]{+new+}`` (a spun paragraph reads as its swaps)."""
    from difflib import SequenceMatcher

    pa = [p.strip() for p in a.split("\n") if p.strip()]
    pb = [p.strip() for p in b.split("\n") if p.strip()]
    if pa == pb:
        return ["(no change in the text)"]
    out: list[str] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, pa, pb, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(f"  {p}" for p in pa[i1:i2])
            continue
        old, new = pa[i1:i2], pb[j1:j2]
        paired = min(len(old), len(new)) if op == "replace" else 0
        for p, q in zip(old[:paired], new[:paired]):
            if SequenceMatcher(None, p.split(), q.split(), autojunk=False).ratio() >= 0.5:
                out.append(f"~ {word_diff(p, q)}")
            else:
                out.extend([f"- {p}", f"+ {q}"])
        out.extend(f"- {p}" for p in old[paired:])
        out.extend(f"+ {q}" for q in new[paired:])
    return out


def word_diff(a: str, b: str) -> str:
    from difflib import SequenceMatcher

    wa, wb = a.split(), b.split()
    parts: list[str] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op == "equal":
            parts.extend(wa[i1:i2])
            continue
        if i2 > i1:
            parts.append("[-" + " ".join(wa[i1:i2]) + "-]")
        if j2 > j1:
            parts.append("{+" + " ".join(wb[j1:j2]) + "+}")
    return " ".join(parts)


def parse_since(text: str):
    """``--since``: an ISO date or date-time; without a zone it is UTC."""
    import datetime as dt

    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date: {text!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def cmd_reprocess(args: argparse.Namespace) -> int:
    from newscrawl.store.maintenance.reprocess import UNCHANGED, reprocess

    def progress(outcome: str, raw_page_id: int, url: str, detail: str | None) -> None:
        if not args.quiet and outcome != UNCHANGED:
            print(f"{outcome:12s} {detail or '':18s} {url}")

    result = reprocess(_sessionmaker(args.db), since=args.since, site=args.site,
                       progress=progress)
    for raw_page_id, url, error in result.errors:
        print(f"error: raw page {raw_page_id} ({url}): {error}", file=sys.stderr)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(result.counts.items())) or "nothing"
    print(f"reprocessed {result.pages} raw pages: {summary} (reprocess run {result.run_id})")
    return 1 if result.errors else 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from newscrawl.store.db import database_url, mask_url, upgrade

    url = database_url(args.db)
    upgrade(url)
    print(f"database at head: {mask_url(url)}")
    return 0


def cmd_db_backfill(args: argparse.Namespace) -> int:
    from newscrawl.store.maintenance.backfill import backfill_bands, backfill_derivations

    def progress(version_id: int, outcome: str) -> None:
        if not args.quiet:
            print(f"version {version_id}: {outcome}")

    def band_progress(story_id: int, outcome: list[int] | str) -> None:
        if not args.quiet:
            added = (outcome if isinstance(outcome, str)
                     else "bands of block " + ", ".join(map(str, outcome)) + " added")
            print(f"story {story_id}: {added}")

    sessions = _sessionmaker(args.db)
    result = backfill_derivations(sessions, progress=progress)
    for version_id, reason in result.left:
        print(f"left: version {version_id}: {reason}", file=sys.stderr)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(result.counts.items()))
    print(f"backfilled {result.filled} versions{': ' + summary if summary else ''};"
          f" {len(result.left)} left without")
    bands = backfill_bands(sessions, progress=band_progress)
    for story_id, reason in bands.left:
        print(f"left: story {story_id}: {reason}", file=sys.stderr)
    blocks = ", ".join(f"{n} of block {k}" for k, n in sorted(bands.rows.items()))
    print(f"re-banded {bands.stories} {'story' if bands.stories == 1 else 'stories'}: {bands.added} band rows added"
          f"{' (' + blocks + ')' if blocks else ''}; {len(bands.left)} left without")
    linked = _link_events(sessions, args.quiet)
    print(f"linked {linked} {'story' if linked == 1 else 'stories'} to events")
    return 1 if result.left or bands.left else 0


def _link_events(sessions, quiet: bool) -> int:
    """Events for the stories stored before events existed (newscrawl.store.events)."""
    from newscrawl.store.maintenance.backfill import backfill_events

    def progress(key: str, event_id: int) -> None:
        if not quiet:
            print(f"story {key}: event {event_id}")

    return backfill_events(sessions, progress=progress)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newscrawl", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.add_argument("--db", help="database URL (default: $NEWSCRAWL_DATABASE_URL or sqlite:///newscrawl.db)")
        p.set_defaults(func=func)
        return p

    p = add("ingest", cmd_ingest, "store saved pages (.html, .htm, .html.gz, case folders)")
    p.add_argument("paths", nargs="+")
    p.add_argument("-q", "--quiet", action="store_true", help="only the summary line")
    add("stories", cmd_stories, "list stories with version counts")
    p = add("events", cmd_events, "list events reported by several stories (different texts)")
    p.add_argument("--all", action="store_true", help="also events reported by one story")
    p = add("story", cmd_story, "show one story's versions, or --diff two of them")
    p.add_argument("key")
    p.add_argument("--diff", nargs="*", metavar="VERSION",
                   help="what changed between versions A and B (default: the first and the "
                        "latest; one id: the first and that one)")
    p = add("reprocess", cmd_reprocess,
            "run the stages again over stored raw pages; new versions where the text changed")
    p.add_argument("--since", type=parse_since, metavar="DATE",
                   help="only pages downloaded at or after DATE (ISO date or date-time, UTC)")
    p.add_argument("--site", metavar="HOST", help="only pages of this site (host name)")
    p.add_argument("-q", "--quiet", action="store_true", help="only the summary line")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    p = db_sub.add_parser("upgrade", help="migrate the database to the newest schema")
    p.add_argument("--db")
    p.set_defaults(func=cmd_db_upgrade)
    p = db_sub.add_parser("backfill", help="fill in what a database written by an older newscrawl "
                                           "lacks (how versions derive from each other and their "
                                           "similarity, events of stories, band rows of signature "
                                           "blocks), computed from the stored texts")
    p.add_argument("--db")
    p.add_argument("-q", "--quiet", action="store_true", help="only the summary line")
    p.set_defaults(func=cmd_db_backfill)
    return parser


def main(argv: list[str] | None = None) -> int:
    from newscrawl.store.db import DatabaseUnavailable

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DatabaseUnavailable as exc:
        print(f"newscrawl: database unavailable: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
