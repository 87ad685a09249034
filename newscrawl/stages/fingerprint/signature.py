"""Candidate lookup: MinHash signatures of a text cut into LSH bands, and the fingerprint.

The store keeps one row per band of a story's first version and asks "which stories share any
band with this text": a few index probes, never a scan. More candidates cost only their
verification (:mod:`.matching`), which is exact, so recall is what matters here.

The size of the signatures is derived, not chosen: :func:`signature_blocks` gives the fewest
permutation blocks with which a copy at the Jaccard similarity :data:`CANDIDATE_FLOOR` is still
found with probability :data:`CANDIDATE_TARGET`, by the LSH S-curve
(:func:`candidate_probability`). The floor is low because syndicated copies are often *trimmed*
(a lead-only reprint has a low Jaccard similarity with the full story even though it is
contained in it) or *spun* (synonym substitution breaks many 3-grams).

Signatures must be comparable across processes, runs and releases: the seeds and the
permutation scheme are fixed here, never a library default, and a signature of more blocks
extends one of fewer value for value, so band rows stored with fewer blocks stay valid.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from newscrawl.model import Fingerprint
from newscrawl.stages.fingerprint.text import hash_of_joined, shingles, shingles_of, stable_tokens

if TYPE_CHECKING:
    from datasketch import MinHash

#: Permutations per block. Signatures grow by whole blocks, each block's permutations drawn from
#: its own seed (``MINHASH_SEED + block``), so the hash values -- and the band hashes -- of the
#: first block are the same whatever the number of blocks (see :func:`signature_blocks`).
PERM_BLOCK = 128
#: Fixed seed and permutation scheme: signatures must be comparable across processes, runs and
#: releases, so neither may follow a library default that could change.
MINHASH_SEED = 20261122
MINHASH_SCHEME = "affine64"

#: Minimum hash values per band. 2, because a band of one value makes a candidate of every pair
#: that shares one minimum shingle (distinct articles would be candidates about half the time),
#: and 3 loses heavily spun copies (docs/measurements.md has the figures).
ROWS_PER_BAND = 2
#: The Jaccard similarities (of 3-gram sets: whole text, lead) at which the lookup must still
#: find a copy: the 1st percentile of the most heavily spun copies of the evidence corpus,
#: rounded down (docs/measurements.md). Verification accepts copies down to about this
#: similarity, so below it the bands, not the verification, would be what limits recall.
CANDIDATE_FLOOR = (0.15, 0.10)
#: Probability the lookup must reach at :data:`CANDIDATE_FLOOR`.
CANDIDATE_TARGET = 0.98
#: Words of a text's lead, the second signature (see :func:`fingerprint`). 120 words is a
#: wire story's first two or three paragraphs, what every lead-only reprint keeps.
LEAD_TOKENS = 120
#: Words of a text shingled for the whole-text signature. A MinHash costs its shingles times
#: :data:`NUM_PERM` hash values, so a page of millions of words (a dump, a generated wall of
#: text) would cost seconds and gigabytes; the longest article of the evidence corpora is far
#: below this (docs/measurements.md). The body hash still covers the whole text, so a change
#: past the cut is still a new version; only the candidate lookup sees the first words alone.
MAX_FINGERPRINT_TOKENS = 100_000
#: Shingles hashed per call: the permutation step holds a :data:`NUM_PERM` x batch matrix of
#: 64-bit values, so a batch bounds the memory whatever the text's length (the minimum over
#: batches is the minimum over all, so the signature is the same value for value).
HASH_BATCH = 4096


def candidate_probability(jaccards: tuple[float, ...], bands: int,
                          rows: int = ROWS_PER_BAND) -> float:
    """Probability that two texts share at least one band (the LSH S-curve), given the Jaccard
    similarity of each signature (whole text, lead) and the bands per signature.

    A band of ``rows`` values matches with probability ``J ** rows``; the signatures' bands are
    taken as independent: ``1 - prod((1 - J ** rows) ** bands)``.
    """
    miss = 1.0
    for j in jaccards:
        miss *= (1.0 - j**rows) ** bands
    return 1.0 - miss


def signature_blocks(floor: tuple[float, ...] = CANDIDATE_FLOOR, target: float = CANDIDATE_TARGET,
                     rows: int = ROWS_PER_BAND, block: int = PERM_BLOCK,
                     max_blocks: int = 8) -> int:
    """The fewest permutation blocks per signature with which a pair at ``floor`` becomes a
    candidate with probability >= ``target``.

    ``python benchmarks/lsh_threshold.py`` prints the curve for one block and for the number
    this gives.
    """
    for k in range(1, max_blocks + 1):
        if candidate_probability(floor, k * block // rows, rows) >= target:
            return k
    raise ValueError(f"no signature of <= {max_blocks} blocks reaches {target} at {floor}")


#: Permutation blocks per signature, and what follows from them.
SIGNATURE_BLOCKS = signature_blocks()
#: MinHash permutations per signature.
NUM_PERM = SIGNATURE_BLOCKS * PERM_BLOCK
#: Bands per signature per block, and per signature.
BLOCK_BANDS = PERM_BLOCK // ROWS_PER_BAND
NUM_BANDS = SIGNATURE_BLOCKS * BLOCK_BANDS
#: Band hashes per fingerprint: both signatures' bands.
BAND_COUNT = 2 * NUM_BANDS


def affine64_permutations(num_perm: int, seed: int) -> np.ndarray:
    """The (a, b) parameters (a 2 x ``num_perm`` uint64 array) of the ``num_perm`` permutations
    that datasketch's ``MinHash(num_perm, seed, scheme="affine64")`` draws, drawn the same way:
    ``a`` odd (a bijection on 64-bit values), ``b`` any, from one seeded ``RandomState``.

    Drawn here rather than by building a datasketch ``MinHash``: importing datasketch imports
    its LSH classes and with them scipy, over half a second of CPU in every process that
    fingerprints (a crawler, the stage workers' fork server), for two arrays. And stored band
    hashes depend on these values: they must not follow a library's change of its draw."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 63, num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = gen.randint(0, 1 << 64, num_perm, dtype=np.uint64)
    return np.array([a, b])


def block_permutations(blocks: int = SIGNATURE_BLOCKS) -> np.ndarray:
    """The (a, b) permutation parameters of ``blocks`` blocks, block k drawn from seed
    ``MINHASH_SEED + k``: a signature of more blocks extends one of fewer, value for value."""
    return np.concatenate([affine64_permutations(PERM_BLOCK, MINHASH_SEED + k) for k in range(blocks)], axis=1)


@lru_cache(maxsize=1)
def _permutations() -> np.ndarray:
    # Drawing the permutations is the costly part of a signature: once a process.
    return block_permutations()


def minhash(text: str) -> MinHash:
    """The MinHash signature of ``text``'s shingles (a datasketch ``MinHash``, for callers that
    compare signatures; :func:`fingerprint` computes the same values without one)."""
    from datasketch import MinHash  # only callers that want the object pay for the library

    m = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME, permutations=_permutations())
    m.hashvalues = signature_values(shingle_hashes(shingles(text)))
    return m


# MurmurHash3's 64-bit finalizer, which datasketch's "affine64" scheme applies to each input
# hash before its permutations; numpy's uint64 arithmetic wraps as the scheme intends.
_FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))
#: The value of an empty signature (no shingle): the scheme's maximum.
_EMPTY = np.uint64((1 << 64) - 1)


def shingle_hashes(shingle_set: Iterable[str | bytes]) -> np.ndarray:
    """The input hashes datasketch's ``affine64`` MinHash makes of ``shingle_set``: the first 8
    bytes of each shingle's SHA-1 read little-endian, then pre-mixed (fmix64), computed over the
    whole set at once instead of one Python call per value. Shingles may come as text or as its
    UTF-8 bytes (the same hash)."""
    if not isinstance(shingle_set, (set, frozenset, list, tuple)):
        shingle_set = list(shingle_set)  # read twice if some shingle is text
    # Whole digests joined, the first 8 bytes of each read in place: no slice per shingle; the
    # hashing mapped in C, no Python frame a shingle, when all are bytes (as the stages give).
    try:
        digests = b"".join(map(_DIGEST, map(hashlib.sha1, shingle_set)))
    except TypeError:  # text shingles: hashed as their UTF-8 bytes
        digests = b"".join([hashlib.sha1(s if isinstance(s, bytes) else s.encode("utf-8")).digest()
                            for s in shingle_set])
    hv = np.frombuffer(digests, dtype=np.uint8).reshape(-1, _SHA1_BYTES)[:, :8].copy().view("<u8")
    hv = hv.reshape(-1).astype(np.uint64)
    shift, m1, m2 = _FMIX64
    hv ^= hv >> shift
    hv *= m1
    hv ^= hv >> shift
    hv *= m2
    hv ^= hv >> shift
    return hv


_SHA1_BYTES = 20
#: A SHA-1 object's ``digest``, called unbound.
_DIGEST = type(hashlib.sha1()).digest


def signature_values(hv: np.ndarray, start: np.ndarray | None = None,
               permutations: np.ndarray | None = None) -> np.ndarray:
    """The minimum permuted values of the pre-mixed hashes ``hv`` (and of ``start``, a signature
    they extend), one a permutation (``permutations``' (a, b); by default the :data:`NUM_PERM`
    of the 3-gram signatures): ``min(a * h + b)``, in batches of :data:`HASH_BATCH` hashes."""
    a, b = _permutations() if permutations is None else permutations
    num_perm = len(a)
    values = np.full(num_perm, _EMPTY, dtype=np.uint64) if start is None else start.copy()
    if len(hv):
        # One buffer for the permuted values of a batch, written in place (no temporaries), a
        # row a permutation: the minimum is then taken along each row's contiguous values.
        a, b = a.reshape(-1, 1), b.reshape(-1, 1)
        buffer = np.empty((num_perm, min(len(hv), HASH_BATCH)), dtype=np.uint64)
        for first in range(0, len(hv), HASH_BATCH):
            batch = hv[first : first + HASH_BATCH]
            out = buffer[:, : len(batch)]
            np.multiply(a, batch, out=out)
            out += b
            np.minimum(values, out.min(axis=1), out=values)
    return values


def band_hashes(values: np.ndarray, *, first_band: int, rows: int = ROWS_PER_BAND) -> list[int]:
    """One signed 64-bit hash (fits a SQL BIGINT) per band of ``rows`` of the hash ``values``,
    band number mixed in: bands are numbered from ``first_band``, so that one (band, hash) index
    serves every signature and block and a lead never matches a whole text by accident."""
    raw = np.asarray(values, dtype=np.uint64).tobytes()
    width = 8 * rows
    out = []
    for b in range(len(raw) // width):
        digest = hashlib.blake2b(_BAND_NUMBERS[first_band + b] + raw[b * width : (b + 1) * width],
                                 digest_size=8).digest()
        out.append(int.from_bytes(digest, "little", signed=True))
    return out


#: Each band number as the two little-endian bytes its hash starts with.
_BAND_NUMBERS = [struct.pack("<H", n) for n in range(1 << 16)]


def signature_bands(whole: MinHash | np.ndarray, lead: MinHash | np.ndarray) -> tuple[int, ...]:
    """The :data:`BAND_COUNT` band hashes of a text's two signatures (MinHashes or their hash
    values), by band number: for each permutation block, the whole text's :data:`BLOCK_BANDS`
    bands, then the lead's.

    Block 0 is numbered as single-block signatures are (its whole-text bands, then its lead's),
    so band rows stored with one block stay valid: a story stored so is found by its first
    block's bands, and blocks added later only add bands.
    """
    out: list[int] = []
    for k in range(SIGNATURE_BLOCKS):
        for s, m in enumerate((whole, lead)):
            hashvalues = m if isinstance(m, np.ndarray) else m.hashvalues
            values = hashvalues[k * PERM_BLOCK : (k + 1) * PERM_BLOCK]
            out += band_hashes(values, first_band=(2 * k + s) * BLOCK_BANDS)
    return tuple(out)


def block_band_range(block: int) -> range:
    """The band numbers of permutation block ``block`` in :func:`signature_bands`' layout: its
    whole-text bands, then its lead bands (block 0: 0-127, block 1: 128-255). A story's band rows
    with numbers in this range are that block's (``newscrawl db backfill`` adds a block stored
    stories lack)."""
    return range(2 * block * BLOCK_BANDS, 2 * (block + 1) * BLOCK_BANDS)


def fingerprint(body: str) -> Fingerprint:
    """Body hash and :data:`BAND_COUNT` band hashes of two signatures: the whole text's and its
    lead's (see :func:`signature_bands`).

    The lead signature (the first :data:`LEAD_TOKENS` words) is what finds a *trimmed and spun*
    copy: a lead-only reprint, spun, has too low a Jaccard similarity with the whole story for
    the whole-text bands to find it reliably, while its lead and the story's lead still share
    about half their 3-grams (docs/measurements.md has the figures).
    """
    return fingerprint_and_cut(body)[0]


def fingerprint_and_cut(body: str) -> tuple[Fingerprint, int]:
    """:func:`fingerprint`, and how many of the text's words the whole-text signature left out
    (beyond :data:`MAX_FINGERPRINT_TOKENS`; 0 for any real article)."""
    toks = stable_tokens(body)  # once, for both the hash and the shingles
    # The tokens joined by spaces, encoded once: the body hash's input, and split again the
    # tokens' UTF-8 bytes for the shingles (a token holds no space, and no UTF-8 sequence a space
    # byte).
    joined = " ".join(toks).encode("utf-8")
    encoded = joined.split(b" ", MAX_FINGERPRINT_TOKENS)[:MAX_FINGERPRINT_TOKENS] if toks else []
    whole, lead = shingles_of(encoded, joiner=b" "), shingles_of(encoded[:LEAD_TOKENS], joiner=b" ")
    lead_values = signature_values(shingle_hashes(lead))
    if lead <= whole:
        # The lead's shingles are the whole text's first ones: each is hashed once, and the
        # whole text's minimum extends the lead's with the rest.
        whole_values = signature_values(shingle_hashes(whole - lead), lead_values)
    else:
        whole_values = signature_values(shingle_hashes(whole))
    bands = signature_bands(whole_values, lead_values)
    return Fingerprint(body_hash=hash_of_joined(joined), bands=bands), \
        max(0, len(toks) - MAX_FINGERPRINT_TOKENS)
