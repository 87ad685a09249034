"""Fingerprint: a body's text identity (hash, MinHash bands) and the same-story decision.

Two measures for two jobs: :mod:`.signature` finds candidate stories cheaply (MinHash bands the
store indexes; recall matters), :mod:`.matching` verifies a candidate exactly (3-gram
containment and anchors). :mod:`.text` is what both read of a text; :mod:`.derivations` says how
a version was derived from its story's first one.
"""

from newscrawl.stages.fingerprint.derivations import (
    DERIVATION_EXACT,
    DERIVATION_ORIGINAL,
    DERIVATION_REWRITTEN,
    DERIVATIONS,
    derivation,
)
from newscrawl.stages.fingerprint.matching import (
    REASON_ALIGNED,
    SAME_STORY_THRESHOLD,
    StoryMatch,
    TextFeatures,
    aligned_share,
    containment,
    match_features,
    match_story,
    reports_same_event,
    same_story,
    shares_reporting,
    story_similarity,
    without_alignment,
)
from newscrawl.stages.fingerprint.signature import (
    BAND_COUNT,
    MAX_FINGERPRINT_TOKENS,
    SIGNATURE_BLOCKS,
    block_band_range,
    fingerprint,
    fingerprint_and_cut,
)

__all__ = [
    "BAND_COUNT", "DERIVATIONS", "MAX_FINGERPRINT_TOKENS", "DERIVATION_EXACT", "DERIVATION_ORIGINAL",
    "DERIVATION_REWRITTEN", "REASON_ALIGNED", "SAME_STORY_THRESHOLD",
    "SIGNATURE_BLOCKS", "StoryMatch", "TextFeatures", "aligned_share", "block_band_range", "containment", "derivation",
    "fingerprint", "fingerprint_and_cut", "match_features", "match_story", "reports_same_event", "same_story", "shares_reporting", "story_similarity",
    "without_alignment",
]
