"""Is this block prose? One rule, asked by several stages with their own thresholds.

A prose paragraph is a block of a running-text kind, long enough, mostly not link text and, where
the caller asks, ending like a sentence. The stages ask the question for different purposes
(clean: where the article's text ends; pagetype: whether a page has text of its own; language:
where the article's core runs), so each passes its own thresholds, named beside it.
"""

from __future__ import annotations

from collections.abc import Callable

from newscrawl.model import Block


def whitespace_words(text: str) -> int:
    """Words as whitespace separates them."""
    return len(text.split())


def is_prose(block: Block, *, min_words: int, kinds: tuple[str, ...] = ("p",),
             max_link_ratio: float | None = None, sentence_ends: tuple[str, ...] = (),
             words: Callable[[str], int] = whitespace_words) -> bool:
    """Whether ``block`` is a prose paragraph: its kind is one of ``kinds``; its link ratio is
    below ``max_link_ratio`` (None: links do not matter); its text, trailing space aside, ends
    with one of ``sentence_ends`` (empty: any end); and ``words(text)`` is at least
    ``min_words``."""
    if block.kind not in kinds:
        return False
    if max_link_ratio is not None and block.link_ratio >= max_link_ratio:
        return False
    if sentence_ends and not block.text.rstrip().endswith(sentence_ends):
        return False
    return words(block.text) >= min_words
