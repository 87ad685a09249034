"""The bundled sample sites (fixtures/sites) as test data: cases, expected outputs, story labels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from newscrawl.ingest import read_case
from newscrawl.page import Page

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


def assert_clean_bodies(rows: list[tuple[str, str]]) -> None:
    """rows: (url, body) of stored versions. No chrome/ad/caption snippet, every kept snippet there."""
    expected = {case.url: case.expected for case in article_cases()}
    for url, body in rows:
        exp = expected[url]
        assert [s for s in exp["without"] if s in body] == [], url
        assert [s for s in exp["with"] if s not in body] == [], url
        assert "â€" not in body and 'â"' not in body and "\ufffd" not in body, url
