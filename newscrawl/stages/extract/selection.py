"""Selection among body candidates by evidence: features that mean something on any site.

Several extractors read each page (trafilatura's modes, readability, the publisher's JSON-LD
``articleBody``); where they disagree, which one holds the article is told by how they agree
with each other, how much of the page's visible text each takes, how much of it is link text,
whether its paragraphs end like sentences, and whether the publisher's own copy agrees. A small
logistic model over these features (:data:`FEATURES`, documented in docs/extraction.md) says
whether an alternative candidate is better than the default body; a gate (:class:`Gate`) on the
default's own measures decides whether the other candidates run at all. The model, its threshold
and its gate are fitted by ``python -m evaluation.extraction_selection train`` on ../shared data,
which writes ``selection_model.json`` beside this module; ``process_page`` selects only when that
file is there. None is shipped: held out, the gated selection did not pay for its time
(docs/extraction.md, docs/measurements.md).
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
    "bias": b, "threshold": t}`` (optionally ``"gate"`` and ``"guard_words"``), or None when absent."""
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
    # A model may refuse switches that would leave too few words for an article: such a switch
    # turns an article into a too-short record, a loss no page F1 shows.
    guard = model.get("guard_words", 0)
    for alt in alternatives:
        if not alt.words or alt.words < guard <= default.words:
            continue
        others = [o for o in alternatives if o is not alt]
        p = probability(model, pair_features(default, alt, others, page, ld))
        if p > best_p:
            best, best_p = alt, p
    return (best, best_p) if best_p >= model["threshold"] else (default, best_p)


#: Indices in :data:`FEATURES` of the measures of the default body alone, which the gate reads.
_DEFAULT_PAGE_SHARE = FEATURES.index("default_page_share")
_DEFAULT_LINK_SHARE = FEATURES.index("default_link_share")
_LD_PRESENT = FEATURES.index("ld_present")
_DEFAULT_LD_AGREEMENT = FEATURES.index("default_ld_agreement")


@dataclass(frozen=True)
class Gate:
    """When the other candidates are worth running: measures of the default body and the page's
    JSON-LD alone, known after the default extraction at no extra extractor's cost. The other
    candidates cost about three more extractor runs, so they run only where the default looks
    doubtful: a small share of the page's visible text, much link text, or a publisher's own copy
    that it does not hold."""

    max_page_share: float = 0.25
    min_link_share: float = 0.2
    max_ld_agreement: float = 0.8

    def fires_on(self, default_page_share: float, default_link_share: float, ld_present: bool,
                 default_ld_agreement: float) -> bool:
        return (default_page_share < self.max_page_share or default_link_share >= self.min_link_share
                or (ld_present and default_ld_agreement < self.max_ld_agreement))

    def fires(self, features: list[float]) -> bool:
        """The gate on a pair's :data:`FEATURES` (their default-only measures)."""
        return self.fires_on(features[_DEFAULT_PAGE_SHARE], features[_DEFAULT_LINK_SHARE],
                             bool(features[_LD_PRESENT]), features[_DEFAULT_LD_AGREEMENT])

    def fires_for(self, default: Candidate, page: PageView, ld: Candidate | None) -> bool:
        ld_ok = ld is not None and ld.words >= 20
        return self.fires_on(min(2.0, default.words / max(1, page.visible_words)), _link_share(default, page),
                             ld_ok, _share(ld.trigrams, default.trigrams) if ld_ok else 0.0)


def model_gate(model: dict) -> Gate:
    return Gate(**model.get("gate", {}))


def active_model() -> dict | None:
    """The model in use: the shipped file (read once)."""
    return load_model(MODEL_PATH)


def select_body(default_text: str, visible_blocks: list[str], link_texts: frozenset[str],
                json_ld_body: str | None, html: str, url: str,
                model: dict | None = None) -> tuple[bool, tuple[str, str] | None]:
    """Whether the other candidates ran, and the (extractor's name, text) to store instead of the
    default body, or None to keep it.

    The gate (:class:`Gate`, from the model's file) decides on the default's own measures whether
    the other candidates run at all; where it does, the model weighs each against the default."""
    from newscrawl.stages.extract.body import alternative_bodies

    model = model if model is not None else active_model()
    if model is None or not default_text.strip():
        return False, None
    page = PageView("\n".join(visible_blocks), link_texts)
    default = candidate("newscrawl", default_text)
    ld = candidate("json-ld", json_ld_body) if json_ld_body and json_ld_body.strip() else None
    if not model_gate(model).fires_for(default, page, ld):
        return False, None
    alternatives = [candidate(name, text) for name, text in alternative_bodies(html, url).items()]
    if ld is not None:
        alternatives.append(ld)
    chosen, _p = select(default, alternatives, page, ld if ld is not None and ld.words else None, model)
    return True, None if chosen is default else (chosen.name, "\n".join(chosen.paragraphs))
