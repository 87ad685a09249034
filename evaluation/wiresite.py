"""A generated network of news sites carrying wire stories, for scale-out tests and benchmarks.

:func:`build_wire_network` writes, in the fixtures layout (:func:`newscrawl.crawl.replay.save_case`),
``sites`` fictional outlets (``outlet<N>.example``) that republish ``stories`` wire stories:
each story is carried by one to three outlets, word for word inside each outlet's own page
chrome, so the store must keep one story per wire story with one version per outlet. Every
outlet has two **overlapping feeds** - ``rss.xml`` (all its articles) and ``top.xml`` (every
other one of them) - so most article URLs are listed twice, and a crawl that shares its
frontier between processes must still fetch each URL once.

The text is generated from word lists with a seeded random generator: original, deterministic
for a seed, English prose to the language and page-type stages, and different enough between
stories (each has its own invented place and person names, and its own random sentences) that
no two stories are taken for one. The numbers are chosen by the caller, so a benchmark can
build hundreds of pages and a test a few dozen.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from pathlib import Path

from newscrawl.crawl.replay import save_case

__all__ = ["WireNetwork", "WireStory", "build_wire_network"]

_SYLLABLES = ["mar", "vel", "tor", "ban", "lis", "qua", "dor", "fen", "hal", "ost", "rin", "sel",
              "wick", "brae", "cal", "don", "ely", "gar", "holm", "kes", "lun", "mor", "nes",
              "pel", "rov", "stan", "tarn", "ul", "vor", "wen"]
_ROLES = ["the mayor", "a spokesperson for the port authority", "the regional health officer",
          "the head of the teachers' union", "a local shopkeeper", "the fire brigade's chief",
          "a retired engineer", "the chair of the residents' association", "the police inspector",
          "a hospital nurse", "the school principal", "the harbour master", "a farmer",
          "the transport minister", "a council planner", "the museum curator"]
_VERBS = ["announced", "confirmed", "questioned", "defended", "criticised", "welcomed",
          "postponed", "approved", "rejected", "reviewed", "explained", "promised", "described",
          "estimated", "warned about", "celebrated"]
_OBJECTS = ["a plan to rebuild the northern bridge", "the new bus timetable",
            "a shortage of qualified nurses", "the cost of repairing the sea wall",
            "an agreement with the neighbouring district", "plans for a covered market",
            "the closure of the night ferry", "a study of the river's water quality",
            "the budget for street lighting", "a proposal to widen the coastal road",
            "the results of the spring census", "a grant for the public library",
            "the delay in building new classrooms", "rules for short-term rentals",
            "a programme of summer concerts", "the rising price of heating oil",
            "a dispute over fishing quotas", "the reopening of the old railway station"]
_WHEN = ["on Monday", "on Tuesday evening", "late on Wednesday", "on Thursday morning",
         "at a packed meeting on Friday", "over the weekend", "earlier this month",
         "after weeks of debate", "during a visit to the site", "in a written statement"]
_CLAUSES = ["saying the decision could not wait any longer",
            "adding that the figures would be published in full",
            "although several questions remained open",
            "while opponents said the timing was poor",
            "and promised a public consultation before the summer",
            "noting that similar schemes had worked elsewhere",
            "after residents had complained for months",
            "with the first results expected within a year",
            "as the costs continued to climb",
            "and thanked the volunteers who had helped"]
_NUMBERS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "eleven", "twelve",
            "fifteen", "twenty", "forty", "sixty", "a hundred"]
_UNITS = ["families", "workers", "pupils", "boats", "houses", "shops", "patients", "volunteers",
          "kilometres of road", "million euros", "hectares", "weeks"]


def _name(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()


@dataclass(frozen=True, slots=True)
class WireStory:
    slug: str
    title: str
    paragraphs: tuple[str, ...]
    outlets: tuple[int, ...]  # indexes of the outlets that carry it


@dataclass(slots=True)
class WireNetwork:
    root: Path  # the saved sites (give it to LoopbackSiteServer)
    sources: Path  # the sources TOML
    stories: list[WireStory] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)  # base URLs

    def url(self, story: WireStory, outlet: int) -> str:
        return f"{self.outlets[outlet]}/news/{story.slug}"

    @property
    def article_urls(self) -> list[str]:
        return [self.url(s, o) for s in self.stories for o in s.outlets]


def _story(rng: random.Random, n: int, outlets: tuple[int, ...]) -> WireStory:
    town, person = _name(rng, 2), f"{_name(rng, 2)} {_name(rng, 3)}"
    topic = rng.choice(_OBJECTS)
    title = f"{town}: {rng.choice(_ROLES).capitalize()} {rng.choice(_VERBS)} {topic}"
    paragraphs = []
    for p in range(4):
        sentences = []
        for _ in range(3):
            who = person if rng.random() < 0.3 else rng.choice(_ROLES)
            sentences.append(
                f"In {town}, {who} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} "
                f"{rng.choice(_WHEN)}, {rng.choice(_CLAUSES)}.")
            sentences.append(
                f"Some {rng.choice(_NUMBERS)} {rng.choice(_UNITS)} are affected, according to "
                f"{rng.choice(_ROLES)}, and {_name(rng, 2)} {rng.choice(_VERBS)} "
                f"{rng.choice(_OBJECTS)} {rng.choice(_WHEN)}.")
        if p == 0:
            sentences.insert(0, f"{town} ({_name(rng, 1).upper()} Wire) - {person} "
                                f"{rng.choice(_VERBS)} {topic} {rng.choice(_WHEN)}.")
        paragraphs.append(" ".join(sentences))
    return WireStory(f"story-{n:04d}-{town.lower()}", title, tuple(paragraphs), outlets)


def _page(outlet_name: str, story: WireStory) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in story.paragraphs)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(story.title)} | {outlet_name}</title>"
            f"<meta property='article:published_time' content='2026-02-03T09:00:00+00:00'>"
            f"</head><body><nav><a href='/'>{outlet_name}</a> <a href='/news/'>News</a> "
            f"<a href='/sport/'>Sport</a></nav><article><h1>{html.escape(story.title)}</h1>\n"
            f"{body}</article><footer>{outlet_name} - local news every day</footer>"
            f"</body></html>").encode()


def _feed(base: str, name: str, urls: list[tuple[str, str]]) -> bytes:
    items = "".join(f"<item><title>{html.escape(t)}</title><link>{u}</link>"
                    f"<pubDate>Tue, 03 Feb 2026 09:00:00 GMT</pubDate></item>\n" for u, t in urls)
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>{name}</title>"
            f"<link>{base}/</link>\n{items}</channel></rss>").encode()


def build_wire_network(root: str | Path, *, stories: int = 24, sites: int = 4,
                       seed: int = 8) -> WireNetwork:
    """Write the network under ``root`` (see the module docstring) and describe it."""
    root = Path(root)
    rng = random.Random(seed)
    network = WireNetwork(root / "sites", root / "sources.toml",
                          outlets=[f"http://outlet{i}.example" for i in range(sites)])
    for n in range(stories):
        carriers = tuple(sorted(rng.sample(range(sites), rng.randint(1, min(3, sites)))))
        network.stories.append(_story(rng, n, carriers))
    toml = []
    for i, base in enumerate(network.outlets):
        name = f"Outlet {i} Courier"
        save_case(network.root, f"{base}/robots.txt", b"User-agent: *\nAllow: /\n",
                  headers={"Content-Type": "text/plain"})
        carried = [s for s in network.stories if i in s.outlets]
        for story in carried:
            save_case(network.root, network.url(story, i), _page(name, story),
                      headers={"Content-Type": "text/html; charset=utf-8"})
        listed = [(network.url(s, i), s.title) for s in carried]
        save_case(network.root, f"{base}/rss.xml", _feed(base, name, listed),
                  headers={"Content-Type": "application/rss+xml"})
        save_case(network.root, f"{base}/top.xml", _feed(base, name, listed[::2]),
                  headers={"Content-Type": "application/rss+xml"})
        toml.append(f'[[sources]]\nname = "{name}"\nfeeds = ["{base}/rss.xml", "{base}/top.xml"]\n')
    network.sources.write_text("\n".join(toml), encoding="utf-8")
    return network
