"""Reliability importance of every node for a target: Birnbaum, Fussell–Vesely, RAW, RRW.

With ``P(T)`` the probability that target ``T`` is down, and ``P(T | x failed)``,
``P(T | x up)`` the same with node ``x``'s own failure forced or ruled out:

* **Birnbaum** ``B = P(T | x failed) − P(T | x up)``: how much ``x`` matters;
* **Fussell–Vesely** ``FV = (P(T) − P(T | x up)) / P(T)``: the share of the risk that
  involves ``x``;
* **risk achievement worth** ``RAW = P(T | x failed) / P(T)``;
* **risk reduction worth** ``RRW = P(T) / P(T | x up)``.

Conventions when a denominator is 0: a ratio with a positive numerator is ``math.inf``;
``0 / 0`` is ``None`` (undefined).

All four come exact from one BDD with a variable for every node ``T`` depends on, in two
passes: the Shannon pass gives each diagram node's probability, and a top-down pass the
signed probability of reaching it (a complement edge flips the sign), which makes
``B(x) = Σ reach(u) · (P(high_u) − P(low_u))`` over the nodes ``u`` testing ``x``.  Then
``P(T | x failed) = P(T) + (1 − p) · B`` and ``P(T | x up) = P(T) − p · B``.  Only the nodes
the diagram tests are listed: those the target's state depends on at all, except the target
itself.  When ``P(T)`` is 0 the result carries a one-line note saying why.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from analysis.diagram import DownDiagram, build_down_diagram
from analysis.probability import shannon, why_zero
from analysis.structure import SupplyStructure, compile_structure

__all__ = ["NodeImportance", "Importance", "importance_measures"]


@dataclass(frozen=True)
class NodeImportance:
    """The four measures of one node (``None``: undefined, ``math.inf``: unbounded)."""

    id: str
    birnbaum: float
    fussell_vesely: float | None
    raw: float | None
    rrw: float | None
    probability_if_failed: float
    probability_if_up: float


@dataclass(frozen=True)
class Importance:
    """Importance of every node ``target`` depends on, by Birnbaum then id."""

    target: str
    probability: float
    nodes: list[NodeImportance]
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON document of `chokepoint analyze importance`; infinite or undefined ratios are
        ``null``."""
        def number(value: float | None) -> float | None:
            return None if value is None or math.isinf(value) else value

        return {"target": self.target, "probability": self.probability,
                "nodes": [{"id": n.id, "birnbaum": n.birnbaum,
                           "fussell_vesely": number(n.fussell_vesely), "raw": number(n.raw),
                           "rrw": number(n.rrw)} for n in self.nodes],
                **({"note": self.note} if self.note else {})}


def _ratio(numerator: float, denominator: float) -> float | None:
    if denominator > 0:
        return numerator / denominator
    return math.inf if numerator > 0 else None


def _birnbaum(diagram: DownDiagram, table: dict[int, tuple[float, float]],
              probabilities: Mapping[str, float]) -> dict[str, float]:
    """``∂P(T)/∂p_x`` for every variable, from signed reach probabilities."""
    manager = diagram.manager
    terminals = {int(manager.true), int(manager.false)}
    p_of = {var: probabilities[node] for node, var in diagram.variables.items()}

    def prob(u: Any) -> float:
        ref = int(u)
        if ref in terminals:
            return 1.0 if u == manager.true else 0.0
        regular = ~u if u.negated else u
        value = table[int(regular)][0]
        return 1 - value if u.negated else value

    reach: dict[int, float] = defaultdict(float)
    nodes: dict[int, Any] = {}
    stack = [diagram.root]
    while stack:
        u = stack.pop()
        regular = ~u if u.negated else u
        if int(u) in terminals or int(regular) in nodes:
            continue
        nodes[int(regular)] = regular
        stack.extend((regular.low, regular.high))
    root_regular = ~diagram.root if diagram.root.negated else diagram.root
    if int(diagram.root) not in terminals:
        reach[int(root_regular)] = -1.0 if diagram.root.negated else 1.0
    result: dict[str, float] = defaultdict(float)
    for key in sorted(nodes, key=lambda k: nodes[k].level):
        u, weight = nodes[key], reach[key]
        p = p_of[u.var]
        result[u.var] += weight * (prob(u.high) - prob(u.low))
        for child, along in ((u.high, p), (u.low, 1 - p)):
            if int(child) not in terminals:
                sign = -1.0 if child.negated else 1.0
                reach[int(~child if child.negated else child)] += sign * weight * along
    node_of = diagram.node_of_var
    return {node_of[var]: value for var, value in result.items()}


def importance_measures(graph: nx.MultiDiGraph | SupplyStructure, target: str, *,
                        probabilities: Mapping[str, float] | None = None) -> Importance:
    """Birnbaum, Fussell–Vesely, RAW and RRW of every node ``target`` depends on.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["a", "b"], kind="supplier", failure_probability=0.1)
    >>> g.add_node("t", kind="chip")
    >>> _ = g.add_edges_from([("t", "a", "REQUIRES", {}), ("t", "b", "REQUIRES", {})])
    >>> a = importance_measures(g, "t").nodes[0]
    >>> a.id, round(a.birnbaum, 6), round(a.raw, 4), a.rrw > 1
    ('a', 0.9, 5.2632, True)
    """
    structure = graph if isinstance(graph, SupplyStructure) else compile_structure(graph)
    if probabilities is None:
        probabilities = {n: s.failure_probability for n, s in structure.model.nodes.items()}
    diagram = build_down_diagram(structure, target)
    total, table = shannon(diagram, probabilities)
    rows = []
    for node, birnbaum in _birnbaum(diagram, table, probabilities).items():
        if node == target:
            continue  # a target's own failure trivially takes it down
        p = probabilities[node]
        if_failed = min(1.0, max(0.0, total + (1 - p) * birnbaum))
        if_up = min(1.0, max(0.0, total - p * birnbaum))
        rows.append(NodeImportance(node, birnbaum, _ratio(total - if_up, total),
                                   _ratio(if_failed, total), _ratio(total, if_up),
                                   if_failed, if_up))
    rows.sort(key=lambda n: (-n.birnbaum, n.id))
    note = why_zero(structure, target, probabilities) if total <= 0 else None
    return Importance(target, total, rows, note)
