"""What the store computes for a new story, for the generated stories of benchmarks/lsh_scale.py,
assembled from per-sentence parts instead of recomputed over each whole text.

A generated story is 12 to 40 sentences of a pool, three to a paragraph (``lsh_scale.article``),
and each sentence is drawn by some hundreds of stories of a 1M fill. Everything the store
computes of a text is a function of its tokens, words and anchors that splits at sentence
boundaries, plus a few values across them:

* tokens (and their CRC-32 hashes, the body hash's input) are the sentences' tokens in order;
* a MinHash is a minimum over a set: the 3-gram signatures (whole text, first ``LEAD_TOKENS``
  tokens) are the minimum of each sentence's own 3-grams' minima and of the 3-grams that span
  two sentences, hashed per story; the sentence cut by the lead is hashed per story too;
* the word signature, word set and event terms read the first ``WORD_TOKENS`` tokens /
  ``LEAD_WORDS`` words: the sentences before the cut whole, the one cut per story;
* anchors depend on whether a sentence opens after a sentence end: each sentence's anchors are
  kept both ways, and whether it ends a sentence itself (found by the real ``anchors``);
* event terms depend on the story (words written in lower case anywhere in the lead, a line in
  Title Case): each sentence keeps its candidates and counts, the story filters them.

The band hashes are then the real ``signature_bands`` / ``band_hashes`` of those minima. A
story with a sentence whose parts might not compose (fewer than three tokens, a CJK character,
a volatile-looking sentence or paragraph, a combining mark first, a character ``splitlines``
breaks a line at) is computed by the real functions on its whole text. :func:`check` compares both ways
on any stories; the fill checks a sample of its own stories as it goes and stops on a
difference.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
import zlib

import numpy as np

from newscrawl.stages import events as ev
from newscrawl.stages.fingerprint import matching as fm
from newscrawl.stages.fingerprint import signature as sig
from newscrawl.stages.fingerprint import words as fw
from newscrawl.stages.fingerprint.text import VOLATILE_BLOCK_MAX_CHARS, VOLATILE_BLOCK_RE, tokens

_EMPTY3 = np.full(sig.NUM_PERM, sig._EMPTY, dtype=np.uint64)
_EMPTYW = np.full(fw.WORD_PERM, sig._EMPTY, dtype=np.uint64)


def _volatile(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and len(stripped) <= VOLATILE_BLOCK_MAX_CHARS and bool(VOLATILE_BLOCK_RE.match(stripped))


def _min_sig(hashes: np.ndarray, perms: tuple[np.ndarray, np.ndarray], empty: np.ndarray) -> np.ndarray:
    if not len(hashes):
        return empty
    a, b = perms
    return (hashes.reshape(-1, 1) * a + b).min(axis=0)


def _shingle_bytes(btoks: list[bytes]) -> list[bytes]:
    return [b" ".join(t) for t in zip(btoks, btoks[1:], btoks[2:])]


def _word_of(tok: str) -> bool:
    return len(tok) >= fw.WORD_MIN_CHARS or any(c.isdigit() for c in tok)


def _event_parts(pieces: list[str], entry_first: bool = True):
    """(numbers, names as if the sentence continues a sentence, its first word's name or None,
    lower-case words, whether its last token ends a sentence, words, capitalised words) of the
    whitespace pieces of one sentence (or its first pieces), as ``event_terms`` reads a line."""
    nums: set[str] = set()
    names: set[str] = set()
    first_name = None
    lowers: set[str] = set()
    exit_first = None
    n_words = n_upper = 0
    first = True
    index = 0
    for piece in pieces:
        ends = bool(ev._SENTENCE_END_RE.search(piece))
        found = ev._TOKEN_RE.findall(piece)
        for i, word in enumerate(found):
            if word[0].islower():
                lowers.add(word.casefold())
            if word[0].isdigit():
                digits = re.sub(r"\D", "", word).lstrip("0")
                if 2 <= len(digits) < ev.MAX_TERM_CHARS and not ev._YEAR_RE.fullmatch(digits):
                    nums.add("#" + digits)
            else:
                n_words += 1
                if word[0].isupper():
                    n_upper += 1
                    name = word.casefold().rstrip(".")
                    if 1 < len(name) <= ev.MAX_TERM_CHARS and name not in ev.GENERIC_CAPITALISED:
                        if index == 0:
                            first_name = name
                        elif not first:
                            names.add(name)
            first = ends and i == len(found) - 1
            exit_first = first
            index += 1
    return nums, names, first_name, lowers, exit_first, n_words, n_upper


class Sentence:
    __slots__ = ("ok", "toks", "btoks", "sig3", "words", "wsig", "wcrc", "thash", "anc_open",
                 "anc_cont", "ends_open", "pieces", "ev")

    def __init__(self, text: str) -> None:
        toks = tokens(text)
        self.toks = toks
        first = text[:1]
        # Parts that might not compose at a sentence boundary: the whole story is computed by
        # the real functions instead.
        self.ok = len(toks) >= 3 and not _volatile(text) \
            and not any(fw._CJK_RE.fullmatch(t) for t in toks) \
            and not (first and unicodedata.category(first)[0] == "M") \
            and text == text.strip() and len(text.splitlines()) == 1
        if not self.ok:
            return
        self.btoks = [t.encode("utf-8") for t in toks]
        self.sig3 = _min_sig(sig.shingle_hashes(set(_shingle_bytes(self.btoks))),
                             sig._permutations(), _EMPTY3)
        self.words = [t for t in toks if _word_of(t)]
        self.wsig = _min_sig(sig.shingle_hashes({w.encode("utf-8") for w in self.words}),
                             fw._permutations(), _EMPTYW)
        self.wcrc = fw.word_set_hashes(text) if self.words else np.zeros(0, np.uint32)
        self.thash = fm.token_hashes(toks)
        self.anc_open = fm.anchors(text)
        self.anc_cont = fm.anchors("x " + text)
        self.ends_open = len(fm.anchors(text + " Zq")) == len(self.anc_open)
        self.pieces = text.split()
        self.ev = _event_parts(self.pieces)
        if self.ev[4] is None:
            self.ok = False


class Parts:
    """Per-sentence parts of a pool, computed the first time a sentence is drawn."""

    def __init__(self, pool: list[str]) -> None:
        self.pool = pool
        self.cache: dict[int, Sentence] = {}
        self.fallbacks = 0

    def sentence(self, i: int) -> Sentence:
        s = self.cache.get(i)
        if s is None:
            s = self.cache[i] = Sentence(self.pool[i])
        return s


def article_ids(n_pool: int, seed: int) -> list[int]:
    """The pool indexes of ``lsh_scale.article(pool, seed)``'s sentences, in order (the same
    draws: ``sample`` picks by index whatever the population)."""
    rng = random.Random(seed)
    return rng.sample(range(n_pool), rng.randint(12, 40))


def real_features(body: str, title: str) -> tuple:
    """(body hash, bands, stored features + word set, word bands, sorted event terms) by the
    store's own functions on the whole text."""
    fp = sig.fingerprint(body)
    return (fp.body_hash, fp.bands, (*fm.stored_features(body), fm.stored_word_set(body)),
            fw.word_bands(body), sorted(ev.event_terms(title, body)))


def features(parts: Parts, ids: list[int], body: str, title: str) -> tuple:
    """:func:`real_features` of the story of pool sentences ``ids`` (three to a paragraph, the
    text ``body``), assembled from the sentences' parts."""
    sents = [parts.sentence(i) for i in ids]
    paragraphs = [range(k, min(len(ids), k + 3)) for k in range(0, len(ids), 3)]
    if not all(s.ok for s in sents) or any(
            _volatile(" ".join(parts.pool[ids[j]] for j in p)) for p in paragraphs):
        parts.fallbacks += 1
        return real_features(body, title)
    toks: list[str] = []
    starts = []
    for s in sents:
        starts.append(len(toks))
        toks += s.toks
    n = len(toks)
    body_hash = hashlib.sha256(" ".join(toks).encode("utf-8")).hexdigest()

    # 3-gram signatures: sentences' own minima, the 3-grams across boundaries, the lead's cut.
    btoks: list[bytes] = []
    for s in sents:
        btoks += s.btoks
    lead_n = min(n, sig.LEAD_TOKENS)
    perms = sig._permutations()
    cross = [b" ".join(btoks[i:i + 3]) for b in starts[1:] for i in (b - 2, b - 1)]
    cross_at = [i for b in starts[1:] for i in (b - 2, b - 1)]
    lead_parts = []
    rest_parts = []
    for k, s in enumerate(sents):
        end = starts[k] + len(s.toks)
        if end <= lead_n:
            lead_parts.append(s.sig3)
        else:
            if starts[k] < lead_n:
                cut = s.btoks[: lead_n - starts[k]]
                lead_parts.append(_min_sig(sig.shingle_hashes(set(_shingle_bytes(cut))), perms, _EMPTY3))
            rest_parts.append(s.sig3)
    lead_cross = [c for c, i in zip(cross, cross_at) if i + 3 <= lead_n]
    rest_cross = [c for c, i in zip(cross, cross_at) if i + 3 > lead_n]
    if lead_cross:
        lead_parts.append(_min_sig(sig.shingle_hashes(set(lead_cross)), perms, _EMPTY3))
    lead = np.minimum.reduce(lead_parts)
    if rest_cross:
        rest_parts.append(_min_sig(sig.shingle_hashes(set(rest_cross)), perms, _EMPTY3))
    whole = np.minimum.reduce([lead, *rest_parts])
    bands = sig.signature_bands(whole, lead)

    # Word signature and word set: the first WORD_TOKENS tokens.
    wparts, crcs, cut_words = [], [], []
    for k, s in enumerate(sents):
        if starts[k] >= fw.WORD_TOKENS:
            break
        if starts[k] + len(s.toks) <= fw.WORD_TOKENS:
            wparts.append(s.wsig)
            crcs.append(s.wcrc)
        else:
            cut_words = [t for t in s.toks[: fw.WORD_TOKENS - starts[k]] if _word_of(t)]
    if cut_words:
        wset = set(cut_words)
        wparts.append(_min_sig(sig.shingle_hashes({w.encode("utf-8") for w in wset}),
                               fw._permutations(), _EMPTYW))
        crcs.append(np.array([zlib.crc32(w.encode("utf-8")) for w in wset], dtype=np.uint32))
    wsig = np.minimum.reduce(wparts)
    w_bands = tuple(sig.band_hashes(wsig, first_band=0, rows=fw.WORD_ROWS)) if not (wsig == sig._EMPTY).all() else ()
    word_set = np.unique(np.concatenate(crcs)).astype("<u4").tobytes()

    # Verification features: token hashes, anchor pairs, named.
    words = np.concatenate([s.thash for s in sents]).astype("<u4").tobytes()
    seq: list[str] = []
    for p in paragraphs:
        opened = True
        for j in p:
            s = sents[j]
            seq += s.anc_open if opened else s.anc_cont
            opened = s.ends_open
    pairs = np.array(sorted(fm._pair_hashes(seq)), dtype=np.uint32).astype("<u4").tobytes()
    named = any(not any(c.isdigit() for c in a) for a in seq)

    # Event terms: the lead's first LEAD_WORDS words, line by line (a paragraph is a line).
    left = ev.LEAD_WORDS
    nums: set[str] = set()
    lowers: set[str] = set()
    lines = []
    for p in paragraphs:
        if left <= 0:
            break
        line = []
        for j in p:
            if left <= 0:
                break
            s = sents[j]
            if len(s.pieces) <= left:
                part = s.ev
            else:
                part = _event_parts(s.pieces[:left])
            left -= len(s.pieces)
            line.append(part)
        lines.append(line)
    names: set[str] = set()
    for line in lines:
        n_words = sum(x[5] for x in line)
        n_upper = sum(x[6] for x in line)
        title_case = n_words >= 3 and n_upper >= ev.TITLE_CASE_SHARE * n_words
        first = True
        for x in line:
            nums |= x[0]
            lowers |= x[3]
            if not title_case:
                names |= x[1]
                if x[2] is not None and not first:
                    names.add(x[2])
            first = x[4]
    terms = sorted(nums | (names - lowers))
    return body_hash, bands, (words, pairs, named, word_set), w_bands, terms


def check(pool: list[str], seeds) -> tuple[int, int, list[int]]:
    """(stories, computed by the real functions because a part might not compose, seeds whose
    assembled features differ from the real ones)."""
    from lsh_scale import _title, article

    parts = Parts(pool)
    bad = []
    count = 0
    for seed in seeds:
        count += 1
        body = article(pool, seed)
        title = _title(body)
        if features(parts, article_ids(len(pool), seed), body, title) != real_features(body, title):
            bad.append(seed)
    return count, parts.fallbacks, bad
