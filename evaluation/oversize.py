"""Oversize pages for the tests of the per-page bounds: an article of megabytes of original text.

:func:`long_article` writes a page of the given size whose body is one article of generated
sentences: pseudo-words from a fixed syllable list, seeded, so the page is the same on every run
and every 3-gram of it is new (the worst case for the fingerprint: one shingle per word).
"""

from __future__ import annotations

import random

SYLLABLES = ("ka", "lo", "mir", "ten", "sa", "vu", "dor", "pel", "ri", "nak", "tu", "bes", "fal",
             "gon", "ix", "ome")
TITLE = "Harbour council weighs the very long report"


def long_article(size: int, seed: int = 7) -> bytes:
    """An HTML article page of about ``size`` bytes (UTF-8), its text all generated sentences."""
    rnd = random.Random(seed)
    words = ["".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(1, 3))) for _ in range(5000)]
    head = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{TITLE}</title></head>"
            f"<body><article><h1>{TITLE}</h1>\n")
    parts, total = [head], len(head)
    while total < size:
        sentences = []
        for _ in range(5):
            sentence = " ".join(rnd.choice(words) for _ in range(rnd.randint(8, 20)))
            sentences.append(sentence.capitalize() + ".")
        paragraph = "<p>" + " ".join(sentences) + "</p>\n"
        parts.append(paragraph)
        total += len(paragraph)
    parts.append("</article></body></html>\n")
    return "".join(parts).encode("utf-8")


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB since it started (``VmHWM``).

    Not ``getrusage(...).ru_maxrss``: Linux keeps that across ``execve``, so a child spawned by
    a large process (a test runner late in a suite) reports its parent's peak as its own."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
