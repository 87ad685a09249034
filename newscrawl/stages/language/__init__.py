"""Language: each block's language, the article's, and chrome in another language removed."""

from newscrawl.stages.language.analyse import (
    FLATTENED_MIN_WORDS,
    LanguageResult,
    analyse_languages,
    classify,
    clear_caches,
    detect,
    dominant_script,
    load_models,
)

__all__ = ["FLATTENED_MIN_WORDS", "LanguageResult", "analyse_languages", "classify", "clear_caches",
           "detect", "dominant_script", "load_models"]
