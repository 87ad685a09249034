"""How a version was derived from its story's first version: exact, trimmed, reworded, edited.

Editors add, cut and rewrite whole sentences; spinners swap single words everywhere; a lead-only
reprint keeps a part. :func:`derivation` tells these apart from the two texts' tokens, so an
analyst sees at a glance what a copy did to the original.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from newscrawl.stages.fingerprint.text import shingles_of, stable_tokens

#: Derivations of a version from its story's first (canonical) version.
DERIVATION_ORIGINAL = "original"  # the first version itself
DERIVATION_EXACT = "exact"  # the same normalized text
DERIVATION_TRIMMED = "trimmed"  # a part of the first version (a lead-only reprint)
DERIVATION_REWORDED = "reworded"  # words swapped inside sentences (spun)
DERIVATION_EDITED = "edited"  # anything else: sentences or paragraphs added, removed, rewritten
#: Rewritten by a newsroom: few phrases kept, the wire copy's order kept; recognised by the
#: alignment alone (newscrawl.stages.fingerprint.matching), so the store, not
#: :func:`derivation`, gives it.
DERIVATION_REWRITTEN = "rewritten"
DERIVATIONS = (DERIVATION_ORIGINAL, DERIVATION_EXACT, DERIVATION_TRIMMED, DERIVATION_REWORDED,
               DERIVATION_EDITED, DERIVATION_REWRITTEN)
#: Share of a version's words swapped one to three at a time, at or above which it is "reworded".
#: Editors add, cut and rewrite whole sentences; spinners swap single words everywhere. Set
#: between the edited and the lightest spun copies of the evidence corpus (docs/measurements.md).
REWORDED_MIN_SWAPS = 0.03
#: A version with at least this share of its 3-grams in the first version, and at most
#: :data:`TRIMMED_MAX_LENGTH` of its length, is "trimmed".
TRIMMED_MIN_KEPT = 0.95
TRIMMED_MAX_LENGTH = 0.9


#: Words of each text the swap count looks at: difflib's matcher is quadratic in the worst case,
#: which a long article makes slow, and a spinner's swaps are everywhere, so the first words tell.
DERIVATION_WINDOW = 1000


#: Kept words on each side of a replacement for it to count as a swap (see :func:`derivation`).
SWAP_FRAME = 2


def _kept_run(ops: list, k: int) -> bool:
    if k < 0 or k >= len(ops):
        return True  # the text's edge frames a swap as well as kept words do
    op, i1, i2, _, _ = ops[k]
    return op == "equal" and i2 - i1 >= SWAP_FRAME


def derivation(canonical: str, version: str) -> str:
    """How ``version`` was derived from ``canonical`` (the story's first version).

    "exact": the same normalized tokens. "reworded": at least :data:`REWORDED_MIN_SWAPS` of the
    version's first :data:`DERIVATION_WINDOW` words are swapped one to three at a time (difflib's
    matcher on tokens). "trimmed": nearly all of its 3-grams are in the first version and it is
    clearly shorter. Else "edited". A trimmed *and* spun copy is "reworded": the rewording is
    what an analyst needs to know first.
    """
    if version == canonical:
        return DERIVATION_EXACT  # the same string: the same tokens, without tokenising twice
    # The version's tokens first: the canonical's stay cached (one entry) for the store, which
    # measures the version's containment in the canonical text next.
    b = stable_tokens(version)
    a = stable_tokens(canonical)
    if a == b:
        return DERIVATION_EXACT
    if not a or not b:
        return DERIVATION_EDITED
    wa, wb = a[:DERIVATION_WINDOW], b[:DERIVATION_WINDOW]
    swapped = 0
    # autojunk off: it would treat frequent words ("the", "said") as junk, and those are the
    # words a spinner swaps.
    ops = SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes()
    for k, (op, i1, i2, j1, j2) in enumerate(ops):
        # A swap is a short replacement between two runs of kept words: a rewritten sentence
        # also aligns on scattered common words, but its pieces are not framed by kept runs.
        if op == "replace" and i2 - i1 <= 3 and j2 - j1 <= 3 and _kept_run(ops, k - 1) \
                and _kept_run(ops, k + 1):
            swapped += j2 - j1
    if swapped / len(wb) >= REWORDED_MIN_SWAPS:
        return DERIVATION_REWORDED
    sa, sb = shingles_of(a), shingles_of(b)
    kept = len(sa & sb) / len(sb) if sb else 0.0
    if kept >= TRIMMED_MIN_KEPT and len(b) <= TRIMMED_MAX_LENGTH * len(a):
        return DERIVATION_TRIMMED
    return DERIVATION_EDITED
