"""Text fingerprints: what makes two bodies "the same story".

Two measures, for two jobs:

* **Candidate lookup** (cheap, indexed): a MinHash signature of the body's word 3-gram shingles,
  cut into LSH bands. The store keeps one row per band of a story's first version and asks
  "which stories share any band with this text" -- a few index probes, never a scan. Parameters
  are derived by :func:`lsh_parameters` (datasketch's false-positive/negative integral) for a low
  Jaccard threshold, because syndicated copies are often *trimmed* (a lead-only reprint has a low
  Jaccard similarity with the full story even though it is contained in it) or *spun* (synonym
  substitution breaks many 3-grams). Low threshold = more candidates, and every candidate is
  verified exactly, so recall is what matters here.

* **Verification** (exact): :func:`story_similarity` is the *containment* of word 3-gram sets,
  ``|A ∩ B| / min(|A|, |B|)``: 1.0 for an exact or trimmed copy, around 0.4-0.7 for a spun copy
  (measured on the seed pages: a synonym spinner that rewrites a third of the content words keeps
  about half the 3-grams), and low for two outlets' independent reports of one event (they share
  names, numbers and a quote, i.e. a few 3-grams, not whole sentences; measured 0.02-0.08 on the
  seeds). :data:`SAME_STORY_THRESHOLD` sits between those groups.

Normalization folds case, Unicode compatibility forms and punctuation, so a re-encoded,
re-punctuated or re-wrapped copy has the same :attr:`Fingerprint.body_hash`. CJK text has no
spaces, so each CJK character is a token of its own.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from functools import lru_cache

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from newscrawl.record import Fingerprint

#: MinHash permutations. 128 keeps a signature's Jaccard estimate within about +/-0.09 (1/sqrt(128)).
NUM_PERM = 128
#: Fixed seed and permutation scheme: signatures must be comparable across processes, runs and
#: releases, so neither may follow a library default that could change.
MINHASH_SEED = 20261122
MINHASH_SCHEME = "affine64"
#: Jaccard threshold the LSH bands aim at; see the module docstring for why it is low.
LSH_THRESHOLD = 0.15
#: Word n-gram length of the shingles. 3 keeps phrases (spinning must change one word in three to
#: destroy them) while two unrelated texts share almost none.
SHINGLE_SIZE = 3
#: Containment at or above which two bodies are one story (see module docstring for the figures).
SAME_STORY_THRESHOLD = 0.30

_CJK = (
    r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
)
_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W_]+", re.UNICODE)


def lsh_parameters(threshold: float = LSH_THRESHOLD, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows) minimizing false positives + false negatives at ``threshold`` (datasketch)."""
    return _optimal_param(threshold, num_perm, 0.2, 0.8)


NUM_BANDS, ROWS_PER_BAND = lsh_parameters()


def tokens(text: str) -> list[str]:
    """Normalized word tokens: NFKC, case-folded, punctuation dropped, CJK split per character."""
    text = unicodedata.normalize("NFKC", text).casefold()
    # Apostrophes inside words ("don't", "Iraq's") join rather than split the word, so a copy with
    # straight and one with curly apostrophes tokenize the same.
    text = re.sub(r"(?<=\w)['\u2019](?=\w)", "", text)
    return _TOKEN_RE.findall(text)


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[str]:
    return _shingles_of(tokens(text), size)


def _shingles_of(toks: list[str], size: int = SHINGLE_SIZE) -> set[str]:
    if len(toks) < size:
        return {" ".join(toks)} if toks else set()
    return {" ".join(toks[i : i + size]) for i in range(len(toks) - size + 1)}


def body_hash(text: str) -> str:
    return _hash_of(tokens(text))


def _hash_of(toks: list[str]) -> str:
    return hashlib.sha256(" ".join(toks).encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _template() -> MinHash:
    # Building the permutations is the costly part of a MinHash; copy them from one template.
    return MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME)


def minhash(text: str) -> MinHash:
    return _minhash_of(shingles(text))


def _minhash_of(shingle_set: set[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME,
                permutations=_template().permutations)
    items = [s.encode("utf-8") for s in shingle_set]
    if items:
        m.update_batch(items)
    return m


def band_hashes(m: MinHash, bands: int = NUM_BANDS, rows: int = ROWS_PER_BAND) -> tuple[int, ...]:
    """One signed 64-bit hash per band (fits a SQL BIGINT), band index mixed in."""
    out = []
    hv = np.asarray(m.hashvalues, dtype=np.uint64)
    for b in range(bands):
        chunk = hv[b * rows : (b + 1) * rows].tobytes()
        digest = hashlib.blake2b(struct.pack("<H", b) + chunk, digest_size=8).digest()
        out.append(struct.unpack("<q", digest)[0])
    return tuple(out)


def fingerprint(body: str) -> Fingerprint:
    toks = tokens(body)  # once, for both the hash and the shingles
    return Fingerprint(body_hash=_hash_of(toks), bands=band_hashes(_minhash_of(_shingles_of(toks))))


def containment(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def story_similarity(a: str, b: str) -> float:
    """Containment of word 3-gram sets: 1.0 for an exact or trimmed copy, 0 for unrelated text."""
    return containment(shingles(a), shingles(b))


def same_story(a: str, b: str) -> bool:
    return story_similarity(a, b) >= SAME_STORY_THRESHOLD
