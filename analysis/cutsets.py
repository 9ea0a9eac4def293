"""Minimal cut sets of a target: the smallest sets of nodes whose failure takes it down.

The BDD of "target is down" (:mod:`analysis.diagram`) is turned into the family of its
minimal solutions with Rauzy's recursion, kept as a ZDD (:mod:`analysis.zdd`)::

    minsol(f, k) = node(x, L, without(H, L)),  L = minsol(f|x=0, k),  H = minsol(f|x=1, k-1)

where ``without(H, L)`` keeps the sets of ``H`` that contain no set of ``L`` and ``k`` is the
order still allowed, so sets above the order limit are never built.  Whether higher-order
sets were left out is decided exactly: not when no path of the diagram sets more than ``k``
variables (every minimal solution is such a path), and otherwise iff the upward closure of
the order-``k`` sets differs from the diagram.  The sets are streamed from the ZDD with an
explicit stack and sorted once.

The target itself is not a candidate (its own failure is the trivial cut set ``{target}``),
so the order-1 cut sets are exactly its single points of failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from analysis.diagram import DiagramTooLarge, DownDiagram, build_down_diagram, deeper_recursion
from analysis.structure import SupplyStructure, compile_structure
from analysis.zdd import BASE, EMPTY, ZDD

__all__ = ["CutSets", "minimal_cut_sets", "DEFAULT_NODE_BUDGET"]

DEFAULT_NODE_BUDGET = 4_000_000
"""Decision-diagram nodes a cut-set run may build before it gives up with advice."""


@dataclass(frozen=True)
class CutSets:
    """Minimal cut sets of ``target`` up to ``max_order`` (``None``: no limit).

    ``cut_sets`` are sorted by (size, ids), each set sorted.  ``truncated`` is true when the
    list is not the whole answer: ``higher_order_omitted`` (some minimal cut sets are larger
    than ``max_order``) or ``limited`` (more than ``limit`` sets exist up to that order;
    ``total`` counts them all).
    """

    target: str
    max_order: int | None
    cut_sets: list[tuple[str, ...]]
    total: int
    higher_order_omitted: bool
    limited: bool

    @property
    def truncated(self) -> bool:
        return self.higher_order_omitted or self.limited

    def to_json(self) -> dict[str, Any]:
        """The JSON document of `chokepoint analyze cutsets`."""
        return {"target": self.target, "max_order": self.max_order,
                "cut_sets": [list(s) for s in self.cut_sets], "truncated": self.truncated}


class _Extractor:
    def __init__(self, diagram: DownDiagram) -> None:
        self.diagram = diagram
        self.zdd = ZDD()
        self.true = int(diagram.manager.true)
        self.false = int(diagram.manager.false)
        self.memo: dict[tuple[int, int], int] = {}
        self.levels = len(diagram.variables)

    def minsol(self, u: Any, k: int) -> int:
        ref = int(u)
        if ref == self.false:
            return EMPTY
        if ref == self.true:
            return BASE
        if k == 0:
            return EMPTY
        level = u.level
        if k > self.levels - level:  # no set below here is that large: share the memo
            k = self.levels - level
        key = (ref, k)
        found = self.memo.get(key)
        if found is None:
            low, high = u.low, u.high
            if u.negated:
                low, high = ~low, ~high
            lo = self.minsol(low, k)
            hi = self.zdd.without(self.minsol(high, k - 1), lo)
            found = self.memo[key] = self.zdd.node(level, lo, hi)
        return found

    def longest(self, u: Any, memo: dict[int, int]) -> int:
        """The most variables set on one path from ``u`` to true (-1: no path).  Every
        minimal solution is such a path, so none is larger than this."""
        ref = int(u)
        if ref == self.false:
            return -1
        if ref == self.true:
            return 0
        found = memo.get(ref)
        if found is None:
            low, high = u.low, u.high
            if u.negated:
                low, high = ~low, ~high
            above = self.longest(high, memo)
            found = memo[ref] = max(self.longest(low, memo), above + 1 if above >= 0 else -1)
        return found

    def upward_closure(self, f: int, memo: dict[int, Any]) -> Any:
        """The monotone function whose minimal solutions are the sets of ``f``."""
        manager = self.diagram.manager
        if f <= BASE:
            return manager.true if f == BASE else manager.false
        if f not in memo:
            lo = self.upward_closure(self.zdd.lo[f], memo)
            hi = self.upward_closure(self.zdd.hi[f], memo)
            x = manager.var(manager.var_at_level(self.zdd.level[f]))
            memo[f] = lo | (x & hi)
        return memo[f]


def _sorted_sets(extractor: _Extractor, family: int, max_order: int,
                 limit: int | None) -> list[tuple[str, ...]]:
    """The sets of ``family`` as sorted node ids, by (size, ids); the first ``limit``."""
    manager, node_of = extractor.diagram.manager, extractor.diagram.node_of_var
    zdd = extractor.zdd
    most: int | None = None
    if limit is not None:
        counts = zdd.size_counts(family, max_order)
        most, seen = 0, counts[0]
        while seen < limit and most < max_order:
            most += 1
            seen += counts[most]
    levels = sorted({zdd.level[g] for g in range(2, len(zdd.level))})
    name = {level: node_of[manager.var_at_level(level)] for level in levels}
    found = [tuple(sorted([name[level] for level in levels]))
             for levels in zdd.sets(family, most)]
    found.sort()
    found.sort(key=len)
    return found if limit is None else found[:limit]


def minimal_cut_sets(graph: nx.MultiDiGraph | SupplyStructure, target: str, *,
                     max_order: int | None = 3, fail_kinds: Iterable[str] | None = None,
                     limit: int | None = None,
                     node_budget: int | None = DEFAULT_NODE_BUDGET) -> CutSets:
    """Minimal cut sets of ``target`` of at most ``max_order`` nodes.

    Parameters
    ----------
    graph : the supply graph, or its compiled structure.
    target : the node whose failure is studied; never itself part of a cut set.
    max_order : the largest set size to return (``None`` for all).
    fail_kinds : only nodes of these kinds may fail (e.g. ``["supplier", "country"]``);
        default every kind.
    limit : return at most this many sets (the smallest first).
    node_budget : give up with :class:`DiagramTooLarge` when the decision diagram passes
        this many nodes, rather than exhaust the machine's memory.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["car", "chip", "a", "b"], kind="component")
    >>> _ = g.add_edges_from([("car", "chip", "REQUIRES", {}), ("chip", "a", "SUPPLIED_BY", {}),
    ...     ("chip", "b", "SUPPLIED_BY", {})])
    >>> minimal_cut_sets(g, "car").cut_sets
    [('chip',), ('a', 'b')]
    """
    structure = graph if isinstance(graph, SupplyStructure) else compile_structure(graph)
    kinds = None if fail_kinds is None else {k.lower() for k in fail_kinds}
    cone = structure.cone([target])
    variables = [n for n in cone if n != target
                 and (kinds is None or structure.model.nodes[n].kind in kinds)]
    try:
        diagram = build_down_diagram(structure, target, variables=variables, reorder=True,
                                     node_budget=node_budget)
    except DiagramTooLarge as exc:
        raise DiagramTooLarge(f"cut sets of {target!r}: {exc} over {len(variables):,} nodes "
                              "that may fail; restrict them with --fail-kinds (e.g. "
                              "supplier,country)") from exc
    order = len(variables) if max_order is None else max_order
    extractor = _Extractor(diagram)
    with deeper_recursion(4 * len(variables) + 100):
        family = extractor.minsol(diagram.root, order)
        omitted = (order < len(variables) and extractor.longest(diagram.root, {}) > order
                   and extractor.upward_closure(family, {}) != diagram.root)
        total = extractor.zdd.count(family)
        cut_sets = _sorted_sets(extractor, family, order, limit)
    return CutSets(target, max_order, cut_sets, total, omitted,
                   limit is not None and total > limit)
