"""Minimal cut sets of a target: the smallest sets of nodes whose failure takes it down.

The BDD of "target is down" (:mod:`analysis.diagram`) is turned into the family of its
minimal solutions with Rauzy's recursion, kept as a ZDD (:mod:`analysis.zdd`)::

    minsol(f, k) = node(x, L, without(H, L)),  L = minsol(f|x=0, k),  H = minsol(f|x=1, k-1)

where ``without(H, L)`` keeps the sets of ``H`` that contain no set of ``L``; for a monotone
``f`` those are the sets of ``H`` that do not solve ``f|x=0``, which is how it is computed
(one step per pair of a ZDD node and a BDD node, on plain lists).  The sets are
streamed from the ZDD with an explicit stack and sorted once.  The memo is keyed by the
order still allowed, capped at the variables left below a node, so runs without a limit
share it.

With a small order limit ``k`` (up to :data:`BOTTOM_UP_ORDER`), and with a larger one
when the diagram passes its node budget, the sets are built bottom-up over the graph
instead, cut at ``k`` (:mod:`analysis.truncated`): that work grows with the number of small
sets, not with the diagram of the whole function, which does not fit in memory on large
cones.  Whether sets above ``k`` exist is decided exactly: on the diagram, not when no path
sets more than ``k`` variables (every minimal solution is such a path), and otherwise iff
the upward closure of the order-``k`` sets differs from the diagram; bottom-up, by
searching for a cut set that contains none of the small ones, and where that search runs
out of steps, on the diagram.  Only when the diagram passes its budget too does it stay
undecided (``higher_order_decided`` false, reported as truncated).

The target itself is not a candidate (its own failure is the trivial cut set ``{target}``),
so the order-1 cut sets are exactly its single points of failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis.diagram import DiagramTooLarge, DownDiagram, build_down_diagram, deeper_recursion
from analysis.structure import SupplyStructure, compile_structure
from analysis.truncated import ConeEvaluator, larger_sets_exist, truncated_cut_sets
from analysis.zdd import BASE, EMPTY, ZDD

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["CutSets", "minimal_cut_sets", "resting_on_assumptions", "DEFAULT_NODE_BUDGET"]

DEFAULT_NODE_BUDGET = 4_000_000
"""Decision-diagram nodes a cut-set run may build before it gives up with advice."""
BOTTOM_UP_ORDER = 4
"""Up to this order cut sets are built bottom-up; above it from the decision diagram first
(the bottom-up families grow fast with the order: on Baobab1, order 4 takes a tenth of the
diagram's time, order 7 ten times more)."""


@dataclass(frozen=True)
class CutSets:
    """Minimal cut sets of ``target`` up to ``max_order`` (``None``: no limit).

    ``cut_sets`` are sorted by (size, ids), each set sorted.  ``truncated`` is true when the
    list is not the whole answer: ``higher_order_omitted`` (some minimal cut sets are larger
    than ``max_order``) or ``limited`` (more than ``limit`` sets exist up to that order;
    ``total`` counts them all).  ``higher_order_decided`` is false when whether larger sets
    exist could not be decided within the budget; they are then reported as omitted.
    """

    target: str
    max_order: int | None
    cut_sets: list[tuple[str, ...]]
    total: int
    higher_order_omitted: bool
    limited: bool
    higher_order_decided: bool = True

    @property
    def truncated(self) -> bool:
        return self.higher_order_omitted or self.limited

    def to_json(self) -> dict[str, Any]:
        """The JSON document of `chokepoint analyze cutsets`."""
        return {"target": self.target, "max_order": self.max_order,
                "cut_sets": [list(s) for s in self.cut_sets], "truncated": self.truncated}


_TRUE, _FALSE = 0, 1  # references to the BDD's constants in :class:`_Extractor`'s lists


def _bdd_lists(diagram: DownDiagram) -> tuple[list[int], list[int], list[int], int]:
    """The BDD under the diagram's root as lists: each node's level and its children's
    references (``2 * index + complemented``, index 0 the constant true), and the root's."""
    true = int(diagram.manager.true)
    index = {true: 0}
    level, lows, highs = [1 << 62], [diagram.manager.true], [diagram.manager.true]
    stack = [diagram.root]
    while stack:
        u = stack.pop()
        regular = int(u) & ~1
        if regular in index:
            continue
        index[regular] = len(level)
        low, high = u.low, u.high
        level.append(u.level)
        lows.append(low)
        highs.append(high)
        stack.append(low)
        stack.append(high)

    def ref(u: Any) -> int:
        pointer = int(u)  # CUDD tags a complemented reference in its lowest bit
        return 2 * index[pointer & ~1] + (pointer & 1)

    return level, [ref(u) for u in lows], [ref(u) for u in highs], ref(diagram.root)


class _Extractor:
    """Rauzy's extraction over a copy of the BDD in plain lists.

    A reference is ``2 * index + complemented`` (0 is true, 1 is false), so the recursions
    index lists instead of allocating a ``dd`` wrapper per step, and memo keys are small
    integers.  ``without(H, L)`` becomes :meth:`outside`: the sets of the ZDD ``H`` that are
    not solutions of the BDD ``f|x=0``, the same family for a monotone function (a set of
    ``H`` contains a minimal solution of ``f|x=0`` iff it solves it), reached with one
    recursion per pair instead of nested subsumption checks.
    """

    def __init__(self, diagram: DownDiagram) -> None:
        self.diagram = diagram
        self.zdd = ZDD()
        self.levels = len(diagram.variables)
        self.level, self.low, self.high, self.root = _bdd_lists(diagram)
        self.memo: dict[int, int] = {}
        self._outside: dict[int, int] = {}
        self._stride = 2 * len(self.level)

    def minsol(self, ref: int, k: int) -> int:
        """The minimal solutions of at most ``k`` elements of the function at ``ref``."""
        if ref == _FALSE:
            return EMPTY
        if ref == _TRUE:
            return BASE
        if k == 0:
            return EMPTY
        flip, index = ref & 1, ref >> 1
        level = self.level[index]
        if k > self.levels - level:  # no set below here is that large: share the memo
            k = self.levels - level
        key = ref * (self.levels + 1) + k
        found = self.memo.get(key)
        if found is None:
            low = self.low[index] ^ flip
            lo = self.minsol(low, k)
            hi = self.outside(self.minsol(self.high[index] ^ flip, k - 1), low)
            found = self.memo[key] = self.zdd.node(level, lo, hi)
        return found

    def outside(self, family: int, ref: int) -> int:
        """The sets of ``family`` (a ZDD) that do not solve the function at ``ref``."""
        if ref == _TRUE or family == EMPTY:
            return EMPTY
        if ref == _FALSE:
            return family
        if family == BASE:  # a monotone function that is not constant is false on ∅
            return BASE
        key = family * self._stride + ref
        found = self._outside.get(key)
        if found is not None:
            return found
        zdd, flip, index = self.zdd, ref & 1, ref >> 1
        at, level = zdd.level[family], self.level[index]
        if at < level:
            found = zdd.node(at, self.outside(zdd.lo[family], ref),
                             self.outside(zdd.hi[family], ref))
        elif level < at:  # no set of the family holds this variable
            found = self.outside(family, self.low[index] ^ flip)
        else:
            found = zdd.node(at, self.outside(zdd.lo[family], self.low[index] ^ flip),
                             self.outside(zdd.hi[family], self.high[index] ^ flip))
        self._outside[key] = found
        return found

    def names(self, family: int) -> dict[int, str]:
        """The node id of every level used under ``family``."""
        manager, node_of = self.diagram.manager, self.diagram.node_of_var
        levels = {self.zdd.level[g] for g in range(2, len(self.zdd.level))}
        return {level: node_of[manager.var_at_level(level)] for level in levels}

    def longest(self, ref: int, memo: dict[int, int]) -> int:
        """The most variables set on one path from ``ref`` to true (-1: no path).  Every
        minimal solution is such a path, so none is larger than this."""
        if ref == _FALSE:
            return -1
        if ref == _TRUE:
            return 0
        found = memo.get(ref)
        if found is None:
            flip, index = ref & 1, ref >> 1
            above = self.longest(self.high[index] ^ flip, memo)
            found = memo[ref] = max(self.longest(self.low[index] ^ flip, memo),
                                    above + 1 if above >= 0 else -1)
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


def _sorted_sets(zdd: ZDD, family: int, names: dict[int, str], max_order: int,
                 limit: int | None) -> list[tuple[str, ...]]:
    """The sets of ``family`` as sorted node ids, by (size, ids); the first ``limit``."""
    most: int | None = None
    if limit is not None:
        counts = zdd.size_counts(family, max_order)
        most, seen = 0, counts[0]
        while seen < limit and most < max_order:
            most += 1
            seen += counts[most]
    # Each set's key is its size then its members' ranks among the ids, in order: as bytes
    # where every rank fits in one, which sort much faster than tuples of strings.
    ordered = sorted(names, key=names.__getitem__)
    ids = [names[level] for level in ordered]
    rank = {level: i for i, level in enumerate(ordered)}
    sets = zdd.sets(family, most, labels=rank)
    keys: list[Any] = [bytes((len(s), *sorted(s))) for s in sets] if len(ids) < 256 else \
        [(len(s), *sorted(s)) for s in sets]
    keys.sort()
    if limit is not None:
        del keys[limit:]
    return [tuple([ids[i] for i in key[1:]]) for key in keys]


def _too_large(structure: SupplyStructure, target: str, cone: list[str],
               kinds: set[str] | None, order: int, budget: int, exc: Exception) -> str:
    """The message when the cut sets pass the budget: where, and which kinds would fit."""
    present: dict[str, int] = {}
    for node in cone:
        kind = structure.model.nodes[node].kind
        if node != target and (kinds is None or kind in kinds):
            present[kind] = present.get(kind, 0) + 1
    remaining = dict(present)
    advice = "restrict them with --fail-kinds (e.g. supplier,country)"
    while len(remaining) > 1:
        del remaining[max(remaining, key=lambda k: (remaining[k], k))]
        allowed = [n for n in cone if n != target
                   and structure.model.nodes[n].kind in remaining]
        try:
            truncated_cut_sets(structure, target, allowed, order, budget=budget)
        except DiagramTooLarge:
            continue
        advice = f"--fail-kinds {','.join(sorted(remaining))} fits in the budget"
        break
    variables = sum(present.values())
    return f"cut sets of {target!r}: {exc} over {variables:,} nodes that may fail; {advice}"


def minimal_cut_sets(graph: nx.MultiDiGraph | SupplyStructure, target: str, *,
                     max_order: int | None = 3, fail_kinds: Iterable[str] | None = None,
                     limit: int | None = None,
                     node_budget: int | None = DEFAULT_NODE_BUDGET) -> CutSets:
    """Minimal cut sets of ``target`` of at most ``max_order`` nodes.

    Up to order :data:`BOTTOM_UP_ORDER` the sets are built bottom-up over the graph, cut at
    that order (:mod:`analysis.truncated`), which stays small on large cones; otherwise
    they come from the decision diagram, and bottom-up only when an order is given and the
    diagram passes ``node_budget``.

    Parameters
    ----------
    graph : the supply graph, or its compiled structure.
    target : the node whose failure is studied; never itself part of a cut set.
    max_order : the largest set size to return (``None`` for all).
    fail_kinds : only nodes of these kinds may fail (e.g. ``["supplier", "country"]``);
        default every kind.
    limit : return at most this many sets (the smallest first).
    node_budget : give up with :class:`DiagramTooLarge` when a decision diagram passes
        this many nodes, rather than exhaust the machine's memory; the message names the
        node where it happened and the kinds that fit.

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
    order = len(variables) if max_order is None else max_order
    limited = order < len(variables)
    if limited and order <= BOTTOM_UP_ORDER:
        return _order_limited(structure, target, cone, kinds, variables, order, limit,
                              node_budget)
    try:
        diagram = build_down_diagram(structure, target, variables=variables, reorder=True,
                                     node_budget=node_budget)
    except DiagramTooLarge as exc:
        if limited:
            return _order_limited(structure, target, cone, kinds, variables, order, limit,
                                  node_budget)
        raise DiagramTooLarge(f"cut sets of {target!r}: {exc} over {len(variables):,} nodes "
                              "that may fail; give --max-order or restrict them with "
                              "--fail-kinds (e.g. supplier,country)") from exc
    extractor = _Extractor(diagram)
    with deeper_recursion(4 * len(variables) + 100):
        family = extractor.minsol(extractor.root, order)
        omitted = (limited and extractor.longest(extractor.root, {}) > order
                   and extractor.upward_closure(family, {}) != diagram.root)
        total = extractor.zdd.count(family)
        cut_sets = _sorted_sets(extractor.zdd, family, extractor.names(family), order, limit)
    return CutSets(target, max_order, cut_sets, total, omitted,
                   limit is not None and total > limit)


def _order_limited(structure: SupplyStructure, target: str, cone: list[str],
                   kinds: set[str] | None, variables: list[str], order: int,
                   limit: int | None, node_budget: int | None) -> CutSets:
    try:
        found = truncated_cut_sets(structure, target, variables, order, budget=node_budget)
    except DiagramTooLarge as exc:
        assert node_budget is not None
        raise DiagramTooLarge(_too_large(structure, target, cone, kinds, order, node_budget,
                                         exc)) from exc
    family = found.family[target]
    names = {level: node for node, level in found.levels.items()}
    total = found.zdd.count(family)
    every = _sorted_sets(found.zdd, family, names, order, None)
    omitted = larger_sets_exist(ConeEvaluator(structure, target), variables, every)
    decided = omitted is not None
    if omitted is None:
        omitted = _larger_on_the_diagram(structure, target, variables, order, node_budget)
        decided = omitted is not None
    return CutSets(target, order, every if limit is None else every[:limit], total,
                   omitted is not False, limit is not None and total > limit, decided)


def _larger_on_the_diagram(structure: SupplyStructure, target: str, variables: list[str],
                           order: int, node_budget: int | None) -> bool | None:
    """Whether minimal cut sets above ``order`` exist, from the decision diagram (``None``
    when it passes the budget)."""
    try:
        diagram = build_down_diagram(structure, target, variables=variables, reorder=True,
                                     node_budget=node_budget)
    except DiagramTooLarge:
        return None
    extractor = _Extractor(diagram)
    with deeper_recursion(4 * len(variables) + 100):
        if extractor.longest(extractor.root, {}) <= order:
            return False
        family = extractor.minsol(extractor.root, order)
        return bool(extractor.upward_closure(family, {}) != diagram.root)


def resting_on_assumptions(facts: SupplyStructure | None, target: str,
                           cut_sets: Iterable[Iterable[str]]) -> list[bool]:
    """For each cut set of ``target``: True when its failure no longer takes the target down
    in ``facts``, the structure without the assumption relationships (``None`` when there
    are none to take away: every cut set then stands on facts)."""
    if facts is None:
        return [False for _ in cut_sets]
    return [not facts.is_down(target, set(s)) for s in cut_sets]
