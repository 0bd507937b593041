"""A small least-recently-used cache for the engine's live-use stages.

While an artist drags a slider only the tag code changes; while they paint, only the hints. Each
stage whose inputs did not change is looked up here instead of recomputed. The bounds stay small
because the entries are big (line-art encodings, full-resolution region maps) and only the last
few drawings, models and references are ever revisited.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRUCache(Generic[V]):
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"a cache needs room for at least one entry, not {capacity}")
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value for ``key``, or ``make()`` stored under it (the oldest entry goes
        when the cache is full). Nothing is stored when ``make`` raises, e.g. on cancellation."""
        if key in self._entries:
            self.hits += 1
            self._entries.move_to_end(key)
            return self._entries[key]
        self.misses += 1
        value = make()
        self._entries[key] = value
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
