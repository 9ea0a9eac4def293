"""Single points of failure (SPOFs): nodes whose failure alone takes a target down.

All targets are answered in one pass over the graph.  Each node ``x`` gets the set
``D(x)`` of nodes whose single failure takes ``x`` down, from the sets of its inputs:

* ``D(x)`` holds ``x`` itself;
* a rule that any one up member satisfies fails only when every member is down: the
  intersection of the members' sets;
* a rule that needs every member fails when any member is down: the union;
* any other threshold rule fails under the single failure of ``v`` when the members ``v``
  takes down hold more than ``total - need`` of the weight: counted per candidate ``v``.

These equations are monotone; their least solution (start from ``D(x) = {x}`` and grow)
is the greatest fixpoint of *up*, so cycles are handled by iterating each strongly
connected component until it is stable.  A node's set is dropped as soon as every node
that reads it is done, which keeps memory near the width of the graph, not its size.

The sets are sparse (frozensets of node numbers): a SPOF set holds a handful of nodes, while
a dense bitset costs one bit per node numbered below its highest member, which on a graph
of a million nodes is a hundred kilobytes per set.  The pass runs over nodes numbered
``0..n-1`` with rules of member numbers (:class:`IndexedRules`), so the same code serves
the compiled structure and graphs held in arrays (:mod:`analysis.arrays`).

A target is not its own SPOF: its own failure trivially takes it down, so it is left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx

from analysis.semantics import resolve_targets
from analysis.structure import Rule, SupplyStructure, compile_structure

if TYPE_CHECKING:
    import numpy as np

__all__ = ["IndexedRule", "IndexedRules", "dependency_components", "dependency_order",
           "index_rule", "single_points_of_failure", "spof_sets"]

ANY, EVERY, THRESHOLD = 0, 1, 2

IndexedRule = tuple[int, tuple[int, ...], tuple[int, ...], int]
"""``(shape, members, weights, slack)``: ``ANY`` (one up member is enough), ``EVERY`` (every
member is needed) or ``THRESHOLD`` (down weight above ``slack`` fails it); zero weights
dropped."""

_EMPTY: frozenset[int] = frozenset()


def index_rule(members: Sequence[int], weights: Sequence[int], need: int) -> IndexedRule | None:
    """The rule over member numbers (``None``: it never fails, having no weighted member)."""
    pairs = [(m, w) for m, w in zip(members, weights, strict=True) if w]
    if not pairs:
        return None
    kept = tuple(m for m, _ in pairs)
    ws = tuple(w for _, w in pairs)
    total = sum(ws)
    if all(w >= need for w in ws):
        return ANY, kept, ws, 0
    if total - min(ws) < need:
        return EVERY, kept, ws, 0
    return THRESHOLD, kept, ws, total - need


@dataclass
class IndexedRules:
    """Nodes ``0..n-1``: each node's rules, and its strongly connected components in
    dependency order (inputs first)."""

    rules: list[list[IndexedRule]]
    components: list[list[int]]


def _takedown(rule: IndexedRule, sets: dict[int, frozenset[int]]) -> frozenset[int]:
    shape, members, weights, slack = rule
    if shape == ANY:
        result = sets.get(members[0], _EMPTY)
        for m in members[1:]:
            if not result:
                break
            result = result & sets.get(m, _EMPTY)
        return result
    if shape == EVERY:
        union: set[int] = set()
        for m in members:
            union.update(sets.get(m, _EMPTY))
        return frozenset(union)
    lost: Counter[int] = Counter()
    for m, weight in zip(members, weights, strict=True):
        for index in sets.get(m, _EMPTY):
            lost[index] += weight
    return frozenset(index for index, weight in lost.items() if weight > slack)


def spof_sets(indexed: IndexedRules, keep: Iterable[int]) -> dict[int, frozenset[int]]:
    """``D(x)`` of every node in ``keep`` (itself included), in one pass."""
    rules, keep = indexed.rules, set(keep)
    readers = [0] * len(rules)
    inputs: list[tuple[int, ...]] = []
    for node_rules in rules:
        distinct = tuple({m for rule in node_rules for m in rule[1]})
        inputs.append(distinct)
        for m in distinct:
            readers[m] += 1
    sets: dict[int, frozenset[int]] = {}
    result: dict[int, frozenset[int]] = {}
    for component in indexed.components:
        cyclic = len(component) > 1 or component[0] in inputs[component[0]]
        for node in component:
            sets[node] = frozenset((node,))
        changed = True
        while changed:
            changed = False
            for node in component:
                new = sets[node]
                for rule in rules[node]:
                    taken = _takedown(rule, sets)
                    if not taken <= new:
                        new = new | taken
                if new != sets[node]:
                    sets[node], changed = new, cyclic
        for node in component:
            if node in keep:
                result[node] = sets[node]
        for node in component:
            for source in inputs[node]:
                readers[source] -= 1
                if readers[source] == 0:
                    sets.pop(source, None)
            if readers[node] == 0:
                sets.pop(node, None)
    return result


def dependency_components(inputs: Sequence[Sequence[int]]) -> list[list[int]]:
    """Strongly connected components of nodes ``0..n-1`` whose inputs are ``inputs[x]``,
    inputs first (see :func:`dependency_order`).

    >>> dependency_components([[1], [], [3], [2, 1]])
    [[1], [0], [2, 3]]
    """
    n = len(inputs)
    waiting = [0] * n
    readers: list[list[int]] = [[] for _ in range(n)]
    distinct: dict[int, list[int]] = {}
    for node, node_inputs in enumerate(inputs):
        distinct[node] = list(set(node_inputs))
        waiting[node] = len(distinct[node])
        for m in distinct[node]:
            readers[m].append(node)
    ready = [node for node in range(n) if not waiting[node]]
    for node in ready:  # grows while it is read
        for d in readers[node]:
            waiting[d] -= 1
            if not waiting[d]:
                ready.append(d)
    result = [[node] for node in ready]
    if len(result) < n:
        _cycles(n, waiting, {node: distinct[node] for node in range(n) if waiting[node]},
                result)
    return result


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (by sorting: NumPy's hashing ``unique`` is slower on
    millions of integers)."""
    import numpy as np

    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) \
        else values


def _gather(starts: np.ndarray, ends: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values[starts[i]:ends[i]]`` for every ``i``, concatenated."""
    import numpy as np

    lengths = ends - starts
    total = int(lengths.sum())
    if not total:
        return values[:0]
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return values[offsets + np.arange(total)]


def dependency_depths(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Each node's depth when nodes ``0..n-1``, where ``src[i]`` reads ``dst[i]`` (distinct
    pairs), are peeled from those that read nothing (Kahn's algorithm, one NumPy step per
    depth): 0 for those, else one more than its deepest input; -1 on or behind a cycle."""
    import numpy as np

    depth = np.full(n, -1, dtype=np.int64)
    waiting = np.bincount(src, minlength=n)
    by_input = np.argsort(dst, kind="stable")
    readers = src[by_input]
    pointer = np.searchsorted(dst[by_input], np.arange(n + 1))
    frontier = np.flatnonzero(waiting == 0)
    reached_depth = 0
    while len(frontier):
        depth[frontier] = reached_depth
        reached_depth += 1
        reached = np.sort(_gather(pointer[frontier], pointer[frontier + 1], readers))
        if not len(reached):
            break
        first = np.flatnonzero(np.concatenate(([True], reached[1:] != reached[:-1])))
        candidates = reached[first]
        waiting[candidates] -= np.diff(np.append(first, len(reached)))
        frontier = candidates[waiting[candidates] == 0]
    return depth


def dependency_order(n: int, src: np.ndarray, dst: np.ndarray) -> list[list[int]]:
    """Strongly connected components of nodes ``0..n-1`` where ``src[i]`` reads
    ``dst[i]``, inputs first: the acyclic part peeled by :func:`dependency_depths`, what is
    left (cycles and what depends on them) by an iterative Tarjan."""
    import numpy as np

    if not n:
        return []
    pairs = sorted_unique(src.astype(np.int64) * n + dst)
    src, dst = pairs // n, pairs % n
    depth = dependency_depths(n, src, dst)
    peeled = np.flatnonzero(depth >= 0)
    result: list[list[int]] = [[node] for node in
                               peeled[np.argsort(depth[peeled], kind="stable")].tolist()]
    if len(result) == n:
        return result
    left = (depth < 0).tolist()
    inputs: dict[int, list[int]] = {}
    for s, d in zip(src.tolist(), dst.tolist(), strict=True):
        if left[s]:
            inputs.setdefault(s, []).append(d)
    _cycles(n, left, inputs, result)
    return result


def _cycles(n: int, waiting: Sequence[int], inputs: dict[int, list[int]],
            result: list[list[int]]) -> None:
    """Append the components of the nodes still ``waiting`` (an iterative Tarjan over
    their ``inputs``), inputs first."""
    left = [node for node in range(n) if waiting[node]]
    number = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    counter = 0
    for root in left:
        if number[root] >= 0:
            continue
        work = [(root, iter(inputs.get(root, ())))]
        number[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            node, pending = work[-1]
            for m in pending:
                if not waiting[m]:
                    continue  # peeled already: not part of a cycle
                if number[m] < 0:
                    number[m] = low[m] = counter
                    counter += 1
                    stack.append(m)
                    on_stack[m] = True
                    work.append((m, iter(inputs.get(m, ()))))
                    break
                if on_stack[m]:
                    low[node] = min(low[node], number[m])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == number[node]:
                    component = []
                    while True:
                        m = stack.pop()
                        on_stack[m] = False
                        component.append(m)
                        if m == node:
                            break
                    result.append(sorted(component))


def _indexed(structure: SupplyStructure, cone: list[str]) -> IndexedRules:
    index = {node: i for i, node in enumerate(cone)}

    def convert(rule: Rule) -> IndexedRule | None:
        return index_rule([index[m] for m in rule.members], rule.weights, rule.need)

    rules = [[r for r in map(convert, structure.rules[node]) if r is not None]
             for node in cone]
    return IndexedRules(rules, dependency_components(
        [[m for rule in node_rules for m in rule[1]] for node_rules in rules]))


def single_points_of_failure(graph: nx.MultiDiGraph | SupplyStructure,
                             targets: Iterable[str] | None = None) -> dict[str, list[str]]:
    """The SPOFs of every target, sorted; targets default to all ``industry`` nodes.

    A target is never listed as its own SPOF.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["car", "chip", "a", "b"], kind="component")
    >>> _ = g.add_edges_from([("car", "chip", "REQUIRES", {}), ("chip", "a", "SUPPLIED_BY", {}),
    ...     ("chip", "b", "SUPPLIED_BY", {})])
    >>> single_points_of_failure(g, ["car"])
    {'car': ['chip']}
    """
    if isinstance(graph, SupplyStructure):
        structure = graph
        chosen = list(dict.fromkeys(targets or ()))
    else:
        structure = compile_structure(graph)
        chosen = resolve_targets(graph, targets)
    cone = structure.cone(chosen)
    index = {node: i for i, node in enumerate(cone)}
    sets = spof_sets(_indexed(structure, cone), (index[t] for t in chosen))
    return {t: sorted(cone[i] for i in sets[index[t]] if cone[i] != t) for t in chosen}
