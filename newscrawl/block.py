"""A text block of an article: one paragraph, heading, list, quote or table, as extracted.

Blocks carry what later stages need to judge them without going back to the HTML: the kind of
element they came from and how much of their text was link text (a paragraph that is all link is
an inline related-story headline, not prose).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Block:
    text: str
    #: p | head | list | quote | table | code
    kind: str = "p"
    #: Share of the text's characters that were inside links (0..1).
    link_ratio: float = 0.0

    def with_text(self, text: str) -> Block:
        return Block(text, self.kind, self.link_ratio)
