"""A learned model that only *removes* lines from newscrawl's shipped body, judged
leave-one-corpus-out on the seven extraction corpora.

Re-expressing the shipped body as page blocks (evaluation/block_classifier.py) takes in every
copy of the article's text the page holds; here the shipped body is the starting point and each
of its lines is either kept as shipped or cut, so nothing the page holds elsewhere comes in.

**Lines.** The shipped body split on ``"\\n"`` (paragraph breaks ``"\\n\\n"`` included); a line
without a ``\\w`` token is no line. A body with lines removed is the other lines with their
separators as shipped (runs of blank lines left by a cut are collapsed to one).

**Matching a line to the page's blocks** (:func:`evaluation.block_features.page_blocks`, read
from block_classifier's cached table): n-grams are the scorer's word 4-grams (case kept; under
four tokens, one n-gram of all the tokens). A block *holds* the line when at least half of the
line's n-grams are in it; a block *lies in* the line when at least half of the block's n-grams
are in the line; either way the block matches. The line's primary block is the one holding the
largest share of its n-grams (the first in document order on ties).

**Features** (:data:`FEATURES`): the line's own (:data:`LINE_OWN`: size, share of the body's
words, position in the body and whether among its first / last three lines, punctuation, copies
of the line in the body, how many page blocks hold it, whether any block matches it) and, over
its matched blocks, the largest link share and whether any sits in furniture (a class/id flag
other than ``content``, a header/footer/nav/aside/form); then the primary block's block_features
columns (:data:`BLOCK_COLUMNS`: its page-independent features and those relative to the shipped
body), zero for a line no block matches.

**Label** (corpora with a full truth body): a line is to be removed when less than
:data:`REMOVE_BELOW` of its n-grams are in the truth body.

* ``lines``: the line table of every page, cached per corpus under ``--cache``.
* ``loco``: for each of the six corpora with a full truth body, a model fitted on the other five
  is judged on it; trafilatura-evaldata (never a training label) with a model fitted on all six.
  The threshold on the probability of *remove* (:data:`THRESHOLDS`, :data:`NEVER` = cut nothing)
  is chosen inside the fold: each training corpus predicted by a model fitted on the other
  training corpora, best mean F1 over them, ties to the higher threshold (cutting is costly).

    python -m evaluation.line_removal lines [--table DIR] [--cache DIR]
    python -m evaluation.line_removal loco --model logistic|gbm [--cache DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import math
import pickle
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.extraction import CORPORA, load_truth, scorer
from evaluation import block_classifier as bc
from evaluation import block_features as bf

FULL_TRUTH = bc.FULL_TRUTH
#: A line is to be removed when less than this share of its n-grams is in the truth body.
REMOVE_BELOW = 0.2
#: Cutting nothing: a threshold no probability reaches.
NEVER = math.inf
THRESHOLDS = (0.6, 0.7, 0.8, 0.9, 0.95, NEVER)
#: A block matches a line when this share of the line's n-grams is in it, or of its n-grams in the line.
MATCH_SHARE = 0.5
EDGE_LINES = 3
#: block_features columns added after the table this experiment was first run on; a table
#: without them is read by name all the same (:func:`table_columns`).
LATER_COLUMNS = ("in_hidden", "repeat", "log_copies")
BLOCK_COLUMNS = tuple(f for f in bf.COMMON if f not in LATER_COLUMNS) + tuple(f"{f}_shipped" for f in bf.BODY)
FURNITURE_FLAGS = tuple(f"cls_{name}" for name in bf.CLASS_FLAGS if name != "content")
CONTAINERS = tuple(f"in_{name}" for name in bf.CONTAINER_TAGS)
LINE_OWN = ("log_words", "body_word_share", "position", "is_first", "is_last", "in_first_lines", "in_last_lines",
            "ends_sentence", "punct_share", "digit_share", "log_body_lines", "body_copies", "unmatched",
            "primary_share", "log_page_holders", "matched_blocks", "max_link_share", "any_furniture",
            "any_container")
FEATURES = LINE_OWN + tuple(f"block_{c}" for c in BLOCK_COLUMNS)
DEFAULT_CACHE = Path("/tmp/remove18-cache")


def table_columns(width: int) -> tuple[str, ...]:
    """The column names of a cached block table ``width`` columns wide."""
    if width == len(bf.FEATURES):
        return bf.FEATURES
    older = tuple(f for f in bf.FEATURES if f not in LATER_COLUMNS)
    if width == len(older):
        return older
    raise SystemExit(f"a block table of {width} columns is neither {len(bf.FEATURES)} nor {len(older)} wide")


# --- lines of a body ---------------------------------------------------------------------------

def body_lines(body: str) -> list[str]:
    """The body's lines that hold a token, in order."""
    return [line for line in body.split("\n") if bf.TOKEN.search(line)]


def cut_lines(body: str, remove: list[bool] | np.ndarray) -> str:
    """``body`` without the lines flagged in ``remove`` (one flag per :func:`body_lines` line)."""
    flags = iter(remove)
    kept = [line for line in body.split("\n") if not (bf.TOKEN.search(line) and next(flags))]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")


def grams_of(text: str) -> set[tuple[str, ...]]:
    return bf.ngrams(bf.TOKEN.findall(text))


class BlockIndex:
    """The page's blocks' n-grams, to find the blocks holding a line or lying in it."""

    def __init__(self, texts: list[str]) -> None:
        self.tokens = [bf.TOKEN.findall(t) for t in texts]
        self.grams = [bf.ngrams(t) for t in self.tokens]
        self.by_gram: dict[tuple[str, ...], set[int]] = {}
        for j, grams in enumerate(self.grams):
            for g in grams:
                self.by_gram.setdefault(g, set()).add(j)
        self.by_short_gram: dict[int, dict[tuple[str, ...], set[int]]] = {}

    def _short(self, n: int) -> dict[tuple[str, ...], set[int]]:
        """Every block's contiguous n-token sequences (n < 4), built on first use."""
        if n not in self.by_short_gram:
            index: dict[tuple[str, ...], set[int]] = {}
            for j, toks in enumerate(self.tokens):
                for i in range(len(toks) - n + 1):
                    index.setdefault(tuple(toks[i : i + n]), set()).add(j)
            self.by_short_gram[n] = index
        return self.by_short_gram[n]

    def holding(self, line_grams: set[tuple[str, ...]]) -> dict[int, float]:
        """Block -> share of the line's n-grams in it, for every block holding any."""
        if not line_grams:
            return {}
        n = len(next(iter(line_grams)))
        index = self.by_gram if n == bf.N else self._short(n)
        counts: dict[int, int] = {}
        for g in line_grams:
            for j in index.get(g, ()):
                counts[j] = counts.get(j, 0) + 1
        return {j: c / len(line_grams) for j, c in counts.items()}

    def lying_in(self, line_tokens: list[str], candidates: set[int]) -> set[int]:
        """Blocks at least half of whose n-grams are in the line: among ``candidates`` (blocks
        sharing a 4-gram with it) and every block shorter than four tokens found in it."""
        out = set()
        line_grams = bf.ngrams(line_tokens) if len(line_tokens) >= bf.N else set()
        for j in candidates:
            grams = self.grams[j]
            if grams and len(next(iter(grams))) == bf.N and len(grams & line_grams) >= MATCH_SHARE * len(grams):
                out.add(j)
        for n in range(1, bf.N):
            if len(line_tokens) < n:
                break
            short = {tuple(line_tokens[i : i + n]) for i in range(len(line_tokens) - n + 1)}
            for g in short:
                out.update(j for j in self.by_gram.get(g, ()) if len(self.tokens[j]) == n)
        return out


@dataclass(slots=True)
class LineTable:
    lines: list[str]
    x: np.ndarray
    share: np.ndarray | None
    ms: float


def line_table(body: str, block_texts: list[str], block_x: np.ndarray, columns: tuple[str, ...],
               truth_body: str | None) -> LineTable:
    """One page's shipped-body lines with their features (:data:`FEATURES`) and truth shares."""
    started = time.process_time()
    lines = body_lines(body)
    x = np.zeros((len(lines), len(FEATURES)), dtype=np.float32)
    col = {name: i for i, name in enumerate(FEATURES)}
    src = {name: i for i, name in enumerate(columns)}
    block_cols = [src[c] for c in BLOCK_COLUMNS]
    furniture = [src[c] for c in FURNITURE_FLAGS]
    containers = [src[c] for c in CONTAINERS]
    index = BlockIndex(block_texts)
    tokens = [bf.TOKEN.findall(line) for line in lines]
    body_words = sum(len(t) for t in tokens) or 1
    copies: dict[str, int] = {}
    for line in lines:
        copies[line.strip()] = copies.get(line.strip(), 0) + 1
    n = len(lines)
    for i, (line, toks) in enumerate(zip(lines, tokens, strict=True)):
        row = x[i]
        words = len(toks)
        chars = len(line.strip()) or 1
        row[col["log_words"]] = math.log1p(words)
        row[col["body_word_share"]] = words / body_words
        row[col["position"]] = i / n
        row[col["is_first"]] = float(i == 0)
        row[col["is_last"]] = float(i == n - 1)
        row[col["in_first_lines"]] = float(i < EDGE_LINES)
        row[col["in_last_lines"]] = float(i >= n - EDGE_LINES)
        row[col["ends_sentence"]] = float(line.rstrip("\"'”’») ")[-1:] in ".!?。！？")
        row[col["punct_share"]] = len(bf.PUNCT.findall(line.strip())) / chars
        row[col["digit_share"]] = sum(1 for w in toks if w.isdigit()) / words
        row[col["log_body_lines"]] = math.log1p(n)
        row[col["body_copies"]] = math.log(copies[line.strip()])
        held = index.holding(bf.ngrams(toks))
        holders = [j for j, s in held.items() if s >= MATCH_SHARE]
        matched = set(holders) | index.lying_in(toks, set(held))
        row[col["unmatched"]] = float(not matched)
        row[col["log_page_holders"]] = math.log1p(len(holders))
        row[col["matched_blocks"]] = math.log1p(len(matched))
        if held:
            primary = max(held, key=lambda j: (held[j], -j))
            row[col["primary_share"]] = held[primary]
            row[len(LINE_OWN):] = block_x[primary, block_cols]
        if matched:
            rows = block_x[sorted(matched)]
            row[col["max_link_share"]] = rows[:, src["link_share"]].max()
            row[col["any_furniture"]] = float(rows[:, furniture].max() > 0)
            row[col["any_container"]] = float(rows[:, containers].max() > 0)
    ms = (time.process_time() - started) * 1000
    share = None
    if truth_body is not None:
        truth = bf.Grams(truth_body)
        share = np.array([truth.share(bf.ngrams(t)) for t in tokens], dtype=np.float32)
    return LineTable(lines, x, share, ms)


# --- the table of every page -------------------------------------------------------------------

def line_key(table_dir: Path) -> str:
    digest = hashlib.sha1(table_dir.name.encode())
    digest.update(Path(__file__).read_bytes())
    return "lines-" + digest.hexdigest()[:12]


def compute_lines(table_dir: Path, cache: Path, corpus: str) -> Path:
    path = cache / line_key(table_dir) / f"{corpus}.pkl"
    if path.exists():
        return path
    source = table_dir / f"{corpus}.pkl"
    if not source.exists():
        raise SystemExit(f"{corpus}: no block table at {source}; run block_classifier's features command")
    with source.open("rb") as fh:
        rows = [r for r in pickle.load(fh) if "error" not in r]
    truth = load_truth(corpus)
    out = []
    for r in rows:
        columns = table_columns(r["x"].shape[1])
        truth_body = (truth[r["id"]].get("articleBody") or "") if corpus in FULL_TRUTH else None
        table = line_table(r["bodies"]["shipped"], r["texts"], r["x"], columns, truth_body)
        out.append({"id": r["id"], "body": r["bodies"]["shipped"], "trafilatura": r["bodies"]["trafilatura"],
                    "lines": table.lines, "x": table.x, "share": table.share, "ms": table.ms,
                    "block_ms": r["ms"]})
    bc.write_pickle(path, out)
    return path


class Corpus:
    """One corpus's line table: per page its shipped body, lines, features and labels."""

    def __init__(self, name: str, rows: list[dict], truth: dict, full: bool | None = None) -> None:
        self.name = name
        self.full = name in FULL_TRUTH if full is None else full
        self.ids = [r["id"] for r in rows]
        self.truth = {pid: truth[pid] for pid in self.ids}
        self.bodies = {r["id"]: r["body"] for r in rows}
        self.trafilatura = {r["id"]: r["trafilatura"] for r in rows}
        self.ms = [r["ms"] for r in rows]
        self.offsets = np.cumsum([0] + [len(r["lines"]) for r in rows])
        self.x = np.concatenate([r["x"] for r in rows]) if rows else np.zeros((0, len(FEATURES)), np.float32)
        self.share = np.concatenate([r["share"] for r in rows]) if self.full and rows else None
        self._truth_grams: dict | None = None

    @classmethod
    def load(cls, name: str, table_dir: Path, cache: Path) -> Corpus:
        with compute_lines(table_dir, cache, name).open("rb") as fh:
            return cls(name, pickle.load(fh), load_truth(name))

    def y(self) -> np.ndarray:
        return (self.share < REMOVE_BELOW).astype(float)

    def page_texts(self, proba: np.ndarray, threshold: float) -> dict[str, str]:
        cut = proba >= threshold
        return {pid: cut_lines(self.bodies[pid], cut[self.offsets[i] : self.offsets[i + 1]])
                for i, pid in enumerate(self.ids)}

    def fast_f1(self, sm, texts: dict[str, str]) -> float:
        """The scorer's F1 (:func:`.block_classifier.fast_f1`), the truth's shingles counted once."""
        if self._truth_grams is None:
            self._truth_grams = {pid: sm.shingles(self.truth[pid].get("articleBody") or "") for pid in self.ids}
        return bc.fast_f1(sm, self._truth_grams, texts)


def Experiment(corpora: dict[str, Corpus], model: str) -> bc.Experiment:  # noqa: N802 - a constructor
    """Remove-models fitted on sets of training corpora (every column of the line table), the
    threshold searched over :data:`THRESHOLDS`, ties going to the higher one (cutting less)."""
    return bc.Experiment(corpora, model, thresholds=THRESHOLDS, ties_to_higher=True)


def verdict(results: dict) -> list[str]:
    """The declared rule's failures (empty: kept): on each corpus with a full truth body F1 >=
    shipped, P and R each >= shipped - 0.002; mean F1 above shipped; evaldata found >= shipped -
    0.002 and avoided >= shipped."""
    return bc.rule_failures(results, "removed", 0.002, {"with": 0.002, "without": 0.0})


judge = bc.judge


def loco(args) -> int:
    sm = scorer()
    corpora = {name: Corpus.load(name, args.table, args.cache) for name in CORPORA}
    exp = Experiment(corpora, args.model)
    all_six = frozenset(FULL_TRUTH)
    print(f"model {args.model}, {len(FEATURES)} features, block table {args.table.name}, "
          f"lines {line_key(args.table)}")
    print("| held out | shipped F1 (P / R) | trafilatura | lines removed | removal | Δ F1 vs shipped | threshold |")
    print("|---|---|---|---|---|---|---|")
    results = {}
    for name in CORPORA:
        corpus = corpora[name]
        train = all_six - {name}
        threshold, means = exp.threshold(sm, train)
        proba = exp.proba(train, corpus)
        ours = judge(sm, corpus, corpus.page_texts(proba, threshold))
        ship = judge(sm, corpus, corpus.bodies)
        traf = judge(sm, corpus, corpus.trafilatura)
        results[name] = {"removed": ours, "shipped": ship, "trafilatura": traf, "threshold": threshold}
        cut = int((proba >= threshold).sum())
        pages = sum(1 for i in range(len(corpus.ids))
                    if (proba[corpus.offsets[i] : corpus.offsets[i + 1]] >= threshold).any())
        key = "f1" if corpus.full else "with"
        print(f"| {name} | {bc.fmt(ship, corpus.full)} | {bc.fmt(traf, corpus.full)} | {bc.fmt(ours, corpus.full)}"
              f" | {cut} of {len(proba)} lines on {pages} pages | {ours.get(key, 0) - ship.get(key, 0):+.4f} | "
              f"{threshold} |", flush=True)
        print(f"    training means by threshold: {', '.join(f'{t}: {m:.4f}' for t, m in means.items())}",
              file=sys.stderr, flush=True)
    mean = {k: statistics.mean(results[n][k]["f1"] for n in FULL_TRUTH) for k in ("shipped", "trafilatura", "removed")}
    print(f"| mean of six | {mean['shipped']:.4f} | {mean['trafilatura']:.4f} | {mean['removed']:.4f} | | "
          f"{mean['removed'] - mean['shipped']:+.4f} | |")
    fails = verdict(results)
    print("rule:", "KEPT" if not fails else "not kept: " + "; ".join(fails))
    cost(corpora, exp.model(all_six))
    if args.out:
        with open(args.out, "wb") as fh:
            pickle.dump(results, fh)
    return 0


def oracle(args) -> int:
    """No model: the shipped body with exactly the lines labelled *remove* cut (in-sample by
    construction, the ceiling of any line removal under this label)."""
    sm = scorer()
    for name in FULL_TRUTH:
        corpus = Corpus.load(name, args.table, args.cache)
        ship = judge(sm, corpus, corpus.bodies)
        ours = judge(sm, corpus, corpus.page_texts(corpus.y(), 0.5))
        print(f"| {name} | {bc.fmt(ship, True)} | {bc.fmt(ours, True)} | {int(corpus.y().sum())} of "
              f"{len(corpus.y())} lines |", flush=True)
    return 0


def cost(corpora: dict[str, Corpus], model) -> None:
    """CPU ms a page: the line features (from the page's blocks) and the inference."""
    features, inference = [], []
    for corpus in corpora.values():
        features.extend(corpus.ms)
        for i in range(len(corpus.ids)):
            started = time.process_time()
            model.proba(corpus.x[corpus.offsets[i] : corpus.offsets[i + 1]])
            inference.append((time.process_time() - started) * 1000)
    print(f"CPU ms a page over {len(features)} pages (median / mean): line features "
          f"{statistics.median(features):.2f} / {statistics.mean(features):.2f}, inference "
          f"{statistics.median(inference):.2f} / {statistics.mean(inference):.2f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("lines", "loco", "oracle"))
    ap.add_argument("--table", type=Path, default=bc.DEFAULT_CACHE / bc.table_key(),
                    help="block_classifier's cached feature table (a directory of corpus pickles)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--model", choices=tuple(bc.MODELS), default="logistic")
    ap.add_argument("--out", help="pickle of the held-out scores")
    args = ap.parse_args(argv)
    if args.command == "lines":
        for name in CORPORA:
            started = time.time()
            compute_lines(args.table, args.cache, name)
            print(f"{name}: {time.time() - started:.0f} s", flush=True)
        return 0
    return loco(args) if args.command == "loco" else oracle(args)


if __name__ == "__main__":
    sys.exit(main())
