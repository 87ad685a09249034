"""Selection among body candidates by evidence: features that mean something on any site.

Several extractors read each page (trafilatura's modes, readability, the publisher's JSON-LD
``articleBody``); where they disagree, which one holds the article is told by how they agree
with each other, how much of the page's visible text each takes, how much of it is link text,
whether its paragraphs end like sentences, and whether the publisher's own copy agrees. A small
logistic model over these features (:data:`FEATURES`, documented in docs/extraction.md) says
whether an alternative candidate is better than the default body. Its weights are trained by
``python -m evaluation.extraction_selection train`` on ../shared data (leave-one-corpus-out
figures in docs/measurements.md) and shipped as ``selection_model.json`` beside this module.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

_WORD_RE = re.compile(r"\w+")
_SENTENCE_END = tuple('.!?:;"”’)…»')

#: The features of one (default, alternative) pair, in the model's order.
FEATURES = (
    "log_words_ratio",          # log((alternative words + 1) / (default words + 1))
    "alt_in_default",           # share of the alternative's word 3-grams the default holds
    "default_in_alt",           # share of the default's word 3-grams the alternative holds
    "alt_support",              # share of the alternative's 3-grams some third candidate holds
    "default_support",          # the same for the default
    "alt_page_share",           # alternative words / the page's visible words
    "default_page_share",       # default words / the page's visible words
    "alt_link_share",           # share of the alternative's words in paragraphs that are a link's text
    "default_link_share",
    "alt_sentence_ends",        # share of the alternative's paragraphs ending like a sentence
    "default_sentence_ends",
    "alt_mean_paragraph",       # log mean words per paragraph
    "default_mean_paragraph",
    "ld_present",               # the page has a JSON-LD articleBody of 20+ words
    "alt_ld_agreement",         # share of the JSON-LD body's 3-grams the alternative holds
    "default_ld_agreement",
    "alt_start",                # where the alternative's first words stand in the visible text (0..1)
    "default_start",
    "default_short",            # the default holds under 150 words
    "is_readability", "is_balanced", "is_precision", "is_json_ld",
)


@dataclass
class PageView:
    """What every candidate is judged against: the page's visible text and its links' texts."""

    visible_text: str
    link_texts: frozenset[str]

    @functools.cached_property
    def visible_words(self) -> int:
        return len(_WORD_RE.findall(self.visible_text))

    @functools.cached_property
    def folded(self) -> str:
        return " ".join(_WORD_RE.findall(self.visible_text.casefold()))


@dataclass
class Candidate:
    """One extractor's body as paragraphs, and the measures the features read off it."""

    name: str
    paragraphs: list[str]

    @functools.cached_property
    def words(self) -> int:
        return sum(len(_WORD_RE.findall(p)) for p in self.paragraphs)

    @functools.cached_property
    def trigrams(self) -> frozenset[tuple[str, ...]]:
        toks = _WORD_RE.findall(" ".join(self.paragraphs).casefold())
        return frozenset(tuple(toks[i : i + 3]) for i in range(len(toks) - 2))


def candidate(name: str, text: str) -> Candidate:
    return Candidate(name, [p.strip() for p in re.split(r"\n+", text or "") if p.strip()])


def _share(part: frozenset, whole: frozenset) -> float:
    return len(part & whole) / len(part) if part else 0.0


def _link_share(c: Candidate, page: PageView) -> float:
    if not c.words:
        return 0.0
    linked = sum(len(_WORD_RE.findall(p)) for p in c.paragraphs
                 if " ".join(p.split()).casefold() in page.link_texts)
    return linked / c.words


def _sentence_ends(c: Candidate) -> float:
    return sum(p.rstrip().endswith(_SENTENCE_END) for p in c.paragraphs) / len(c.paragraphs) if c.paragraphs else 0.0


def _mean_paragraph(c: Candidate) -> float:
    return math.log1p(c.words / len(c.paragraphs)) if c.paragraphs else 0.0


def _start(c: Candidate, page: PageView) -> float:
    """Relative offset in the visible text of the candidate's first words (1.0 when not found)."""
    for p in c.paragraphs[:3]:
        words = _WORD_RE.findall(p.casefold())[:6]
        if len(words) >= 3:
            at = page.folded.find(" ".join(words))
            if at >= 0:
                return at / max(1, len(page.folded))
    return 1.0


def _support(c: Candidate, others: list[Candidate]) -> float:
    if not c.trigrams or not others:
        return 0.0
    union = frozenset().union(*(o.trigrams for o in others))
    return _share(c.trigrams, union)


def pair_features(default: Candidate, alt: Candidate, others: list[Candidate], page: PageView,
                  ld: Candidate | None) -> list[float]:
    """The :data:`FEATURES` of replacing ``default`` by ``alt``; ``others`` are the remaining
    candidates (neither of the two)."""
    page_words = max(1, page.visible_words)
    ld_ok = ld is not None and ld.words >= 20
    return [
        math.log((alt.words + 1) / (default.words + 1)),
        _share(alt.trigrams, default.trigrams),
        _share(default.trigrams, alt.trigrams),
        _support(alt, others),
        _support(default, others),
        min(2.0, alt.words / page_words),
        min(2.0, default.words / page_words),
        _link_share(alt, page),
        _link_share(default, page),
        _sentence_ends(alt),
        _sentence_ends(default),
        _mean_paragraph(alt),
        _mean_paragraph(default),
        float(ld_ok),
        _share(ld.trigrams, alt.trigrams) if ld_ok else 0.0,
        _share(ld.trigrams, default.trigrams) if ld_ok else 0.0,
        _start(alt, page),
        _start(default, page),
        float(default.words < 150),
        float(alt.name == "readability"),
        float(alt.name == "trafilatura-balanced"),
        float(alt.name == "trafilatura-precision"),
        float(alt.name == "json-ld"),
    ]


MODEL_PATH = Path(__file__).with_name("selection_model.json")


@functools.cache
def load_model(path: Path = MODEL_PATH) -> dict | None:
    """The shipped model: ``{"features": [...], "mean": [...], "scale": [...], "weights": [...],
    "bias": b, "threshold": t}``, or None when absent."""
    try:
        model = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return model if model.get("features") == list(FEATURES) else None


def probability(model: dict, features: list[float]) -> float:
    z = model["bias"] + sum(w * (x - m) / s for w, x, m, s in
                            zip(model["weights"], features, model["mean"], model["scale"], strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def select(default: Candidate, alternatives: list[Candidate], page: PageView, ld: Candidate | None,
           model: dict) -> tuple[Candidate, float]:
    """The alternative the model most trusts to beat ``default`` when above its threshold, else
    ``default``; with the probability the choice rested on."""
    best, best_p = default, 0.0
    for alt in alternatives:
        if not alt.words:
            continue
        others = [o for o in alternatives if o is not alt]
        p = probability(model, pair_features(default, alt, others, page, ld))
        if p > best_p:
            best, best_p = alt, p
    return (best, best_p) if best_p >= model["threshold"] else (default, best_p)
