"""py3langid's feature counts computed with numpy, several texts at once, the same counts.

py3langid counts a text's byte n-gram features by walking its automaton one byte at a time in
Python: on an article's sample of DETECTOR_SAMPLE_CHARS characters that walk is nearly all of
the classification's cost. The automaton is an Aho-Corasick one over byte n-grams of at most
:data:`WINDOW` bytes, so its state after a byte depends only on the last WINDOW bytes read:
walking those few bytes from the start state lands in the same state. Every position's state is
then WINDOW gathers over the whole text at once instead of one Python step a byte, and several
texts go through in one pass, joined by a byte that takes every state back to the start (a byte
no UTF-8 text has: no feature contains it).

:class:`WindowedIdentifier` is py3langid's identifier with that walk; everything after the counts
(scores, probabilities, the restriction to candidate languages) is py3langid's own, and the
counts are the same, in the same order, so its answers are too (tests compare them).

Restricted to candidate languages (``set_languages``), it keeps the full model's table and takes
the candidates' columns of only the rows a text's features select, where py3langid copies the
candidates' columns of the whole table (100,053 features, 0.2 MB a language): a process keeps
one restricted identifier for each candidate set it meets, and those copies were most of what a
stage worker's memory grew by. The rows scored are the same numbers in the same order either way.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from py3langid.langid import LanguageIdentifier

#: The longest byte n-gram among the model's features, i.e. the depth of its automaton (a test
#: checks it on the installed model: a deeper model would need a longer window).
WINDOW = 6
#: The byte joining texts walked together: no state has a transition on it but to the start.
SEPARATOR = 0xFF
#: Below this many bytes py3langid's own walk is as cheap as numpy's fixed cost per call.
NUMPY_MIN_BYTES = 96


class FeatureWalker:
    """The model's automaton as numpy arrays (views: the transition table is not copied)."""

    __slots__ = ("nextmove", "output", "rowbase")

    def __init__(self, identifier: LanguageIdentifier) -> None:
        self.nextmove = np.frombuffer(identifier.tk_nextmove, dtype=f"u{identifier.tk_nextmove.itemsize}")
        self.rowbase = np.asarray(identifier.tk_row, dtype=np.intp) << 8
        self.output = np.asarray(identifier.tk_output, dtype=np.intp)
        if (self.nextmove[self.rowbase + SEPARATOR] != 0).any():
            raise ValueError("the separator byte does not reset this model's automaton")

    def counts(self, texts: list[bytes]) -> list[Counter | None]:
        """Each text's {feature: count}, in order of first occurrence (None when it has none)."""
        joined = np.frombuffer(bytes([SEPARATOR]) * (WINDOW - 1) + bytes([SEPARATOR]).join(texts), dtype=np.uint8)
        joined = joined.astype(np.intp)
        size = len(joined) - WINDOW + 1
        states = np.zeros(size, dtype=np.intp)
        for k in range(WINDOW):
            index = self.rowbase[states]
            index += joined[k:k + size]
            states = self.nextmove[index]
        features = self.output[states]
        found: list[Counter | None] = []
        start = 0
        for text in texts:
            own = features[start:start + len(text)]
            start += len(text) + 1
            own = own[own >= 0]
            found.append(Counter(own.tolist()) if len(own) else None)
        return found


class WindowedIdentifier(LanguageIdentifier):
    """py3langid's identifier, its features counted by :class:`FeatureWalker`;
    :meth:`classify_many` walks a batch of texts at once."""

    __slots__ = ("_columns", "_prepared", "_walker")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._walker = FeatureWalker(self)
        self._prepared: dict[bytes, Counter | None] | None = None
        #: The full table's columns of the languages this identifier is restricted to (None: all).
        self._columns: np.ndarray | None = None

    def set_languages(self, langs=None) -> None:
        """py3langid's restriction to ``langs`` (None: all): the same classes and priors, the
        same error for an unknown language, the full table kept uncopied."""
        nb_ptc, nb_pc, nb_classes = self._full_model
        if langs is None:
            self.nb_classes, self.nb_ptc, self.nb_pc = nb_classes, nb_ptc, nb_pc
            self._columns = None
        else:
            unknown = set(langs) - set(nb_classes)
            if unknown:
                raise ValueError(f"Unknown language code(s): {unknown}")
            wanted = set(langs)
            indices = [i for i, c in enumerate(nb_classes) if c in wanted]
            self.nb_classes = [nb_classes[i] for i in indices]
            self.nb_ptc = nb_ptc
            self.nb_pc = nb_pc[indices]
            self._columns = np.array(indices, dtype=np.intp)
        self._set_alias_pairs()

    def _sparse_score(self, visits, table):
        if self._columns is None:
            return super()._sparse_score(visits, table)
        idx = np.fromiter(visits.keys(), dtype=np.intp, count=len(visits))
        counts = np.fromiter(visits.values(), dtype=np.float32, count=len(visits))
        return np.log1p(counts) @ table[idx][:, self._columns] + self.nb_pc

    def _raw_score(self, text):
        prepared = self._prepared
        if prepared is not None and text in prepared:
            visits = prepared[text]
        elif len(text) < NUMPY_MIN_BYTES:
            return super()._raw_score(text)
        else:
            visits = self._walker.counts([text])[0]
        if visits:
            return self._sparse_score(visits, self.nb_ptc)
        return super()._raw_score(text)  # no feature: py3langid's own answer for that case

    def classify_many(self, texts: list[str]) -> list[tuple[str, float]]:
        """``classify`` of each text, the features of all counted in one walk."""
        encoded = [self._encode(text) for text in texts]
        # A copy of this identifier restricted to other languages shares nothing mutable: each
        # batch sets its own dict (a concurrent batch at worst walks its texts one by one).
        self._prepared = dict(zip(encoded, self._walker.counts(encoded)))
        try:
            return [self.classify(text) for text in texts]
        finally:
            self._prepared = None
