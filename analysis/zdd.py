"""A small zero-suppressed decision diagram (ZDD) for families of sets, in pure Python.

It holds minimal cut sets without listing them: nodes are integers (0 = the empty family,
1 = the family holding only the empty set), a node has a level and the families without
(``lo``) and with (``hi``) that level's element.  Plain lists and one unique table beat
``dd.cudd_zdd`` here, whose wrappers allocate on every access and which has no subsumption
operator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["EMPTY", "BASE", "ZDD"]

EMPTY = 0  # the family with no sets
BASE = 1  # the family {∅}


class ZDD:
    """A store of ZDD nodes over integer levels (smaller levels nearer the root).

    Examples
    --------
    >>> z = ZDD()
    >>> a = z.node(0, EMPTY, BASE)             # {{0}}
    >>> ab = z.node(0, EMPTY, z.node(1, EMPTY, BASE))  # {{0, 1}}
    >>> sorted(z.sets(z.union(a, ab)))
    [(0,), (0, 1)]
    >>> sorted(z.sets(z.without(z.union(a, ab), a)))
    []
    """

    def __init__(self) -> None:
        self.level: list[int] = [1 << 62, 1 << 62]
        self.lo: list[int] = [EMPTY, BASE]
        self.hi: list[int] = [EMPTY, BASE]
        self._unique: dict[tuple[int, int, int], int] = {}
        self._without: dict[tuple[int, int], int] = {}
        self._union: dict[tuple[int, int], int] = {}
        self._minimal: dict[int, int] = {}
        self._at_most: dict[tuple[int, int], int] = {}
        self._join: dict[tuple[int, int, int], int] = {}

    def node(self, level: int, lo: int, hi: int) -> int:
        """The family ``lo ∪ {S ∪ {level} : S ∈ hi}`` (``hi`` and ``lo`` below ``level``)."""
        if hi == EMPTY:
            return lo
        key = (level, lo, hi)
        found = self._unique.get(key)
        if found is None:
            found = len(self.level)
            self.level.append(level)
            self.lo.append(lo)
            self.hi.append(hi)
            self._unique[key] = found
        return found

    def has_empty_set(self, f: int) -> bool:
        while f > BASE:
            f = self.lo[f]
        return f == BASE

    def union(self, f: int, g: int) -> int:
        if f == EMPTY or f == g:
            return g
        if g == EMPTY:
            return f
        key = (f, g) if f < g else (g, f)
        found = self._union.get(key)
        if found is not None:
            return found
        lf, lg = self.level[f], self.level[g]
        if lf < lg:
            result = self.node(lf, self.union(self.lo[f], g), self.hi[f])
        elif lg < lf:
            result = self.node(lg, self.union(f, self.lo[g]), self.hi[g])
        else:
            result = self.node(lf, self.union(self.lo[f], self.lo[g]),
                               self.union(self.hi[f], self.hi[g]))
        self._union[key] = result
        return result

    def without(self, f: int, g: int) -> int:
        """The sets of ``f`` that contain no set of ``g``."""
        if g == EMPTY or f == EMPTY:
            return f
        if f == g or g == BASE:
            return EMPTY
        if f == BASE:
            return EMPTY if self.has_empty_set(g) else BASE
        key = (f, g)
        found = self._without.get(key)
        if found is not None:
            return found
        lf, lg = self.level[f], self.level[g]
        if lf < lg:
            result = self.node(lf, self.without(self.lo[f], g), self.without(self.hi[f], g))
        elif lg < lf:
            result = self.without(f, self.lo[g])
        else:
            hi = self.without(self.without(self.hi[f], self.lo[g]), self.hi[g])
            result = self.node(lf, self.without(self.lo[f], self.lo[g]), hi)
        self._without[key] = result
        return result

    def minimal(self, f: int) -> int:
        """The sets of ``f`` that contain no other set of ``f``."""
        if f <= BASE:
            return f
        found = self._minimal.get(f)
        if found is None:
            lo = self.minimal(self.lo[f])
            found = self._minimal[f] = self.node(
                self.level[f], lo, self.without(self.minimal(self.hi[f]), lo))
        return found

    def at_most(self, f: int, k: int) -> int:
        """The sets of ``f`` with at most ``k`` elements."""
        if f <= BASE:
            return f
        if k <= 0:
            return BASE if self.has_empty_set(f) else EMPTY
        key = (f, k)
        found = self._at_most.get(key)
        if found is None:
            found = self._at_most[key] = self.node(
                self.level[f], self.at_most(self.lo[f], k), self.at_most(self.hi[f], k - 1))
        return found

    def join(self, f: int, g: int, k: int) -> int:
        """``{A ∪ B : A ∈ f, B ∈ g}``, keeping the unions of at most ``k`` elements."""
        if f == EMPTY or g == EMPTY or k < 0:
            return EMPTY
        if f == BASE:
            return self.at_most(g, k)
        if g == BASE:
            return self.at_most(f, k)
        if g < f:
            f, g = g, f
        key = (f, g, k)
        found = self._join.get(key)
        if found is not None:
            return found
        lf, lg = self.level[f], self.level[g]
        if lf < lg:
            result = self.node(lf, self.join(self.lo[f], g, k), self.join(self.hi[f], g, k - 1))
        elif lg < lf:
            result = self.node(lg, self.join(f, self.lo[g], k), self.join(f, self.hi[g], k - 1))
        else:
            f0, f1, g0, g1 = self.lo[f], self.hi[f], self.lo[g], self.hi[g]
            hi = self.union(self.union(self.join(f1, g0, k - 1), self.join(f0, g1, k - 1)),
                            self.join(f1, g1, k - 1))
            result = self.node(lf, self.join(f0, g0, k), hi)
        self._join[key] = result
        return result

    @property
    def size(self) -> int:
        """Nodes in the store."""
        return len(self.level)

    def count(self, f: int, memo: dict[int, int] | None = None) -> int:
        """How many sets ``f`` holds."""
        memo = {} if memo is None else memo
        if f <= BASE:
            return f
        if f not in memo:
            memo[f] = self.count(self.lo[f], memo) + self.count(self.hi[f], memo)
        return memo[f]

    def _fold(self, f: int, memo: dict[int, Any], combine: Callable[[Any, Any], Any]
              ) -> dict[int, Any]:
        """``memo`` (holding both terminals' values) filled for every node under ``f``,
        each node's value ``combine(value of lo, value of hi)``, children first, without
        recursion."""
        lo_of, hi_of = self.lo, self.hi
        stack = [f]
        while stack:
            g = stack[-1]
            if g in memo:
                stack.pop()
                continue
            lo, hi = lo_of[g], hi_of[g]
            pending = [c for c in (lo, hi) if c not in memo]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            memo[g] = combine(memo[lo], memo[hi])
        return memo

    def size_counts(self, f: int, most: int) -> list[int]:
        """How many sets of each size ``0..most`` the family ``f`` holds (larger ones are
        not counted)."""
        memo: dict[int, Any] = {EMPTY: [0] * (most + 1), BASE: [1] + [0] * most}
        counts = self._fold(f, memo, lambda low, high: [low[0]] + [
            a + b for a, b in zip(low[1:], high, strict=False)])
        return counts[f]

    def min_sizes(self, f: int) -> dict[int, int]:
        """The smallest set size under every node of ``f`` (terminals included)."""
        return self._fold(f, {EMPTY: 1 << 30, BASE: 0}, lambda low, high: min(low, high + 1))

    def sets(self, f: int, most: int | None = None, labels: dict[int, int] | None = None
             ) -> Iterator[tuple[int, ...]]:
        """The sets of ``f`` (of at most ``most`` elements if given) as tuples of levels, or
        of ``labels[level]`` when given, streamed with an explicit stack: each set costs
        about one step per element."""
        if f == EMPTY:
            return
        level, lo_of, hi_of = self.level, self.lo, self.hi
        if labels is not None:
            level = [labels.get(at, at) for at in level]
        smallest = None if most is None else self.min_sizes(f)
        bound = -1 if most is None else most
        stack: list[tuple[int, tuple[int, ...]]] = [(f, ())]
        pop, push = stack.pop, stack.append
        while stack:
            g, prefix = pop()
            if smallest is not None and len(prefix) + smallest[g] > bound:
                continue
            while g > BASE:
                lo = lo_of[g]
                if lo != EMPTY:
                    push((lo, prefix))
                prefix += (level[g],)
                g = hi_of[g]
                if smallest is not None and len(prefix) + smallest[g] > bound:
                    break
            else:
                yield prefix
