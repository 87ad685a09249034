"""Fingerprint: a body's text identity (hash, MinHash bands) and the same-story decision."""

from newscrawl.stages.fingerprint.core import (
    BAND_COUNT,
    DERIVATION_EXACT,
    DERIVATION_ORIGINAL,
    DERIVATIONS,
    SAME_STORY_THRESHOLD,
    SIGNATURE_BLOCKS,
    StoryMatch,
    TextFeatures,
    block_band_range,
    containment,
    derivation,
    fingerprint,
    match_features,
    match_story,
    same_story,
    story_similarity,
)

__all__ = [
    "BAND_COUNT", "DERIVATIONS", "DERIVATION_EXACT", "DERIVATION_ORIGINAL", "SAME_STORY_THRESHOLD",
    "SIGNATURE_BLOCKS", "StoryMatch", "TextFeatures", "block_band_range", "containment", "derivation",
    "fingerprint", "match_features", "match_story", "same_story", "story_similarity",
]
