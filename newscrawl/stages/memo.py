"""Results computed in another process, handed to the one that needs them.

A stage worker can compute what the store will ask of a page (a body's word bands, its
verification hashes, its event terms, its compressed bytes) while the process that stores is
busy with the page before; the store then finds those values ready instead of computing them
on the one thread every page goes through.

A function wrapped by :func:`primable` answers from a value primed (:func:`primed`) for
exactly its arguments, else computes as it always does. Only pure functions are wrapped: a
primed value is what the same function returned for equal arguments in another process, so
what is stored is the same either way. A value never asked for costs its transfer, nothing
else; a call the store no longer makes is simply never answered from here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["Held", "Precomputed", "precompute", "primable", "primed"]

F = TypeVar("F", bound=Callable[..., Any])

#: (function name, positional arguments) -> the value primed for that call.
_PRIMED: dict[tuple[str, tuple], Any] = {}
_MISSING = object()


def primable(fn: F) -> F:
    """``fn`` (pure, called with positional, hashable arguments), answering from the values
    primed for its arguments when there are some."""
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _PRIMED and not kwargs:
            value = _PRIMED.get((name, args), _MISSING)
            if value is not _MISSING:
                return value
        return fn(*args, **kwargs)

    wrapper.memo_name = name  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Held:
    """In a :class:`Precomputed` on its way back, an argument that the receiving process holds
    already (it sent it, e.g. a page's raw bytes): named instead of sent again, and put back by
    :meth:`Precomputed.holding` before the values are primed."""

    name: str


@dataclass(frozen=True, slots=True)
class Precomputed:
    """Values of :func:`primable` functions for given arguments, computed in one process and
    picklable to another."""

    values: tuple[tuple[str, tuple, Any], ...] = ()

    def without(self, **held: Any) -> Precomputed:
        """These values with each argument that *is* one of ``held`` (the very object) replaced
        by its name (:class:`Held`): for the process that sent those objects."""
        by_id = {id(value): Held(name) for name, value in held.items()}
        return Precomputed(tuple(
            (name, tuple(by_id.get(id(arg), arg) for arg in args), value)
            for name, args, value in self.values))

    def holding(self, **held: Any) -> Precomputed:
        """These values with each :class:`Held` argument replaced by the object of its name in
        ``held``, which must equal the one it stood for; a name not given leaves the value
        unusable (its arguments match no call)."""
        return Precomputed(tuple(
            (name, tuple(held.get(arg.name, arg) if isinstance(arg, Held) else arg
                         for arg in args), value)
            for name, args, value in self.values))


def precompute(calls: list[tuple[Callable[..., Any], tuple]]) -> Precomputed:
    """Call each :func:`primable` function of ``calls`` on its arguments, keeping the results."""
    return Precomputed(tuple((fn.memo_name, args, fn(*args)) for fn, args in calls))  # type: ignore[attr-defined]


@contextmanager
def primed(values: Precomputed | None) -> Iterator[None]:
    """Within the block, the :func:`primable` functions answer from ``values`` (None: none)."""
    if values is None or not values.values:
        yield
        return
    keys = []
    for name, args, value in values.values:
        _PRIMED[(name, args)] = value
        keys.append((name, args))
    try:
        yield
    finally:
        for key in keys:
            _PRIMED.pop(key, None)
