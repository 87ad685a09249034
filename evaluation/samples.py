"""The bundled sample sites (fixtures/sites) as test data: cases, expected outputs, story labels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from newscrawl.ingest import read_case
from newscrawl.model import Page

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
SITES = FIXTURES / "sites"
SOURCES = FIXTURES / "sample_sources.toml"


@dataclass(frozen=True)
class ArticleCase:
    folder: Path
    expected: dict

    @property
    def id(self) -> str:
        return f"{self.folder.parent.name}/{self.folder.name}"

    @property
    def url(self) -> str:
        return json.loads((self.folder / "info.json").read_text())["url"]

    def page(self) -> Page:
        return read_case(self.folder)


def article_cases() -> list[ArticleCase]:
    return [ArticleCase(p.parent, json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(SITES.glob("*/*/expected.json"))]


def label_by_url() -> dict[str, str]:
    return {case.url: case.expected["story"] for case in article_cases()}


def assert_story_grouping(rows: list[tuple[str, str]]) -> None:
    """rows: (story_key, url) of every stored version. Same label <=> same key, all pages stored."""
    labels = label_by_url()
    key_of_url = {url: key for key, url in rows}
    assert set(key_of_url) == set(labels), "every sample article stored once, nothing else"
    keys_by_label: dict[str, set[str]] = {}
    for url, label in labels.items():
        keys_by_label.setdefault(label, set()).add(key_of_url[url])
    assert all(len(keys) == 1 for keys in keys_by_label.values()), keys_by_label
    all_keys = [next(iter(keys)) for keys in keys_by_label.values()]
    assert len(set(all_keys)) == len(all_keys), f"two labels share a story key: {keys_by_label}"


#: The sample stories' events: the wire story and the Sentinel's own report cover the port
#: explosion (fixtures/README.md); every other story is an event of its own.
SAME_EVENT_LABELS = ({"wire", "independent"},)


def assert_event_grouping(rows: list[tuple[int, str]]) -> None:
    """rows: (event_id, url) of every stored version. Stories of one event share its id; no
    other story does (the budget vote in the port's city included)."""
    labels = label_by_url()
    events_by_label: dict[str, set[int]] = {}
    for event_id, url in rows:
        events_by_label.setdefault(labels[url], set()).add(event_id)
    assert all(len(ids) == 1 and None not in ids for ids in events_by_label.values()), events_by_label
    event_of = {label: next(iter(ids)) for label, ids in events_by_label.items()}
    groups = {frozenset(label for label in event_of if event_of[label] == event_id)
              for event_id in event_of.values()}
    expected = {frozenset(g) for g in SAME_EVENT_LABELS} | {
        frozenset({label}) for label in event_of if not any(label in g for g in SAME_EVENT_LABELS)}
    assert groups == expected, event_of


def assert_clean_bodies(rows: list[tuple[str, str]]) -> None:
    """rows: (url, body) of stored versions. No chrome/ad/caption snippet, every kept snippet there."""
    expected = {case.url: case.expected for case in article_cases()}
    for url, body in rows:
        exp = expected[url]
        assert [s for s in exp["without"] if s in body] == [], url
        assert [s for s in exp["with"] if s not in body] == [], url
        assert "â€" not in body and 'â"' not in body and "\ufffd" not in body, url
