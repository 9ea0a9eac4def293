"""The binary decision diagram (BDD) of "target is down", built with CUDD through ``dd.cudd``.

One Boolean variable per node that may fail ("the node failed itself"); the diagram is the
structure function of :mod:`analysis.structure` for one target.  Variables are ordered
depth-first by first appearance from the target, which keeps diagrams small on supply graphs.
Rules become AND / OR of the members' down functions where they can, and otherwise exact
weighted threshold functions (a dynamic programme whose memo holds, per member, the interval
of needed weight over which the remaining function is the same).  Cyclic parts are solved as
the least fixpoint of *down* (the greatest of *up*) by iterating their strongly connected
component from "all up" until nothing changes.

``dd.cudd`` is imported on first use only: it is slow to import and most commands never
need it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from analysis.structure import Rule, SupplyStructure
from graph.errors import ChokepointError

__all__ = ["DiagramTooLarge", "DownDiagram", "build_down_diagram", "deeper_recursion",
           "weighted_threshold"]

REORDER_BELOW = 50_000  # one sifting pass pays off below this many diagram nodes
SMALL_CONE = 5_000  # targets depending on fewer nodes start with a small CUDD manager
SMALL_MEMORY = 2**24


class DiagramTooLarge(ChokepointError):
    """The decision diagram grew past its node budget."""


@dataclass
class DownDiagram:
    """The BDD of "``target`` is down" over the failure variables of ``variables``' nodes."""

    manager: Any
    root: Any
    target: str
    variables: dict[str, str]

    @property
    def node_of_var(self) -> dict[str, str]:
        return {var: node for node, var in self.variables.items()}

    @property
    def size(self) -> int:
        """Number of diagram nodes under the root."""
        return int(self.root.dag_size)


@contextmanager
def deeper_recursion(depth: int) -> Iterator[None]:
    """Allow recursion ``depth`` deep for the duration (diagram walks follow long paths)."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, depth + 1000))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _balanced(items: list[Any], combine: Any, empty: Any) -> Any:
    while len(items) > 1:
        pairs = [combine(items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)]
        items = pairs + ([items[-1]] if len(items) % 2 else [])
    return items[0] if items else empty


class _Builder:
    def __init__(self, structure: SupplyStructure, manager: Any, budget: int | None) -> None:
        self.structure = structure
        self.bdd = manager
        self.budget = budget
        self.down: dict[str, Any] = {}

    def node(self, node: str, own: Any) -> Any:
        parts = [own] + [self.rule_fails(rule) for rule in self.structure.rules[node]]
        result = _balanced(parts, lambda a, b: a | b, self.bdd.false)
        if self.budget is not None and len(self.bdd) > self.budget:
            raise DiagramTooLarge(f"the decision diagram passed {self.budget:,} nodes")
        return result

    def rule_fails(self, rule: Rule) -> Any:
        false, true = self.bdd.false, self.bdd.true
        need, downs, weights = rule.need, [], []
        for member, weight in zip(rule.members, rule.weights, strict=True):
            down = self.down.get(member, false)
            if weight == 0 or down == true:
                continue
            if down == false:
                need -= weight
            else:
                downs.append(down)
                weights.append(weight)
        if need <= 0:
            return false
        if sum(weights) < need:
            return true
        if all(w >= need for w in weights):
            return _balanced(downs, lambda a, b: a & b, true)
        if sum(weights) - min(weights) < need:
            return _balanced(downs, lambda a, b: a | b, false)
        return ~self.threshold([~d for d in downs], weights, need)

    def threshold(self, ups: Sequence[Any], weights: Sequence[int], need: int) -> Any:
        """``sum(w for up, w if up) >= need`` over functions ``ups``."""
        return weighted_threshold(ups, weights, need, self.bdd.true, self.bdd.false,
                                  lambda up, high, low: self.bdd.ite(up, high, low))

    def component(self, nodes: list[str], own: dict[str, Any]) -> None:
        if len(nodes) == 1 and nodes[0] not in set(self.structure.inputs(nodes[0])):
            self.down[nodes[0]] = self.node(nodes[0], own[nodes[0]])
            return
        for node in nodes:
            self.down[node] = self.bdd.false
        changed = True
        while changed:
            changed = False
            for node in nodes:
                new = self.node(node, own[node])
                if new != self.down[node]:
                    self.down[node], changed = new, True


def _cudd() -> Any:
    """``dd.cudd``, imported without NetworkX when nothing has imported it yet: ``dd`` loads
    it only for drawing diagrams, which chokepoint never asks of it, and it would double the
    start of a cut-set command (about 0.15 s)."""
    if "dd.cudd" in sys.modules or "networkx" in sys.modules:
        import dd.cudd

        return dd.cudd
    sys.modules["networkx"] = None  # type: ignore[assignment]  # makes dd's import fail
    try:
        import dd.cudd
    finally:
        del sys.modules["networkx"]
    return dd.cudd


def build_down_diagram(structure: SupplyStructure, target: str, *,
                       variables: Collection[str] | None = None,
                       failed: Collection[str] = (),
                       node_budget: int | None = None,
                       reorder: bool = False) -> DownDiagram:
    """Build the BDD of "``target`` is down".

    Parameters
    ----------
    structure : the compiled supply structure.
    target : the node whose failure the diagram describes.
    variables : the nodes that may fail (default: every node ``target`` depends on, itself
        included); the others never fail themselves.
    failed : nodes that have certainly failed (constant, no variable).
    node_budget : raise :class:`DiagramTooLarge` when the manager holds more nodes.
    reorder : run one CUDD sifting pass after the build (when under 50,000 nodes).

    Examples
    --------
    >>> import networkx as nx
    >>> from analysis.structure import compile_structure
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["car", "a", "b"], kind="component")
    >>> _ = g.add_edges_from([("car", "a", "SUPPLIED_BY", {}), ("car", "b", "SUPPLIED_BY", {})])
    >>> d = build_down_diagram(compile_structure(g), "car", variables=["a", "b"])
    >>> d.root == d.manager.var(d.variables["a"]) & d.manager.var(d.variables["b"])
    True
    """
    cudd = _cudd()
    cone = structure.cone([target])
    allowed = set(cone) if variables is None else set(variables)
    order = [n for n in cone if n in allowed and n not in failed]
    # CUDD sizes its first tables from the memory estimate (a soft target, not a cap);
    # a small one starts ten times faster.
    manager = cudd.BDD(memory_estimate=SMALL_MEMORY if len(cone) < SMALL_CONE else None)
    manager.configure(reordering=False)
    names = {node: f"x{i}" for i, node in enumerate(order)}
    if names:
        manager.declare(*names.values())
    own = {n: manager.true if n in failed else
           manager.var(names[n]) if n in names else manager.false for n in cone}
    builder = _Builder(structure, manager, node_budget)
    for component in structure.components(cone):
        builder.component(component, own)
    root = builder.down[target]
    builder.down.clear()
    if reorder and len(manager) < REORDER_BELOW:
        # Sifting stops moving a variable once the diagram grows 5 % (CUDD's default: 20 %):
        # on SCRAM's Baobab1 model that halves the time and finds the same size.
        manager.configure(max_growth=1.05)
        cudd.reorder(manager)
        manager.configure(reordering=False)
    return DownDiagram(manager, root, target, names)


def weighted_threshold(items: Sequence[Any], weights: Sequence[int], need: int, true: Any,
                       false: Any, choose: Callable[[Any, Any, Any], Any]) -> Any:
    """"Members of at least ``need`` weight hold", built from ``items`` (one per member) with
    ``choose(item, if it holds, if not)``, heaviest member first.  Sub-results are shared by
    the interval of remaining needs they answer alike, so the build is polynomial in the
    members even with distinct weights."""
    order = sorted(range(len(items)), key=lambda i: -weights[i])
    items = [items[i] for i in order]
    weights = [weights[i] for i in order]
    rest = [0] * (len(weights) + 1)
    for i in range(len(weights) - 1, -1, -1):
        rest[i] = rest[i + 1] + weights[i]
    memo: list[list[tuple[float, float, Any]]] = [[] for _ in weights]

    def build(i: int, n: int) -> tuple[Any, float, float]:
        if n <= 0:
            return true, float("-inf"), 0
        if n > rest[i]:
            return false, rest[i], float("inf")
        for lo, hi, f in memo[i]:
            if lo < n <= hi:
                return f, lo, hi
        w = weights[i]
        high, high_lo, high_hi = build(i + 1, n - w)
        low, low_lo, low_hi = build(i + 1, n)
        lo, hi = max(high_lo + w, low_lo), min(high_hi + w, low_hi)
        f = choose(items[i], high, low)
        memo[i].append((lo, hi, f))
        return f, lo, hi

    with deeper_recursion(2 * len(items)):
        return build(0, need)[0]
