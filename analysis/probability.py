"""The probability that a target is down, from independent node failure probabilities.

* **exact** — one memoised Shannon pass over the BDD of "target is down"
  (:mod:`analysis.diagram`): ``P(u) = p·P(high) + (1 − p)·P(low)``.  Each node carries the
  pair ``(P, 1 − P)`` and a complement edge swaps it, so rare events keep their precision.
  Nodes with ``failure_probability`` 0 get no variable; those with 1 are failed for sure.
* **montecarlo** — seeded sampling of failures, evaluated for a whole batch at once with
  numpy; the 95 % Wilson score interval says how sure the estimate is.
* **auto** — exact while the diagram stays under a node budget, else Monte Carlo.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import networkx as nx
import numpy as np

from analysis.diagram import DiagramTooLarge, DownDiagram, build_down_diagram, deeper_recursion
from analysis.structure import Rule, SupplyStructure, compile_structure

__all__ = ["ProbabilityResult", "failure_probability", "shannon", "wilson_interval",
           "DEFAULT_NODE_BUDGET", "DEFAULT_SAMPLES"]

Method = Literal["exact", "montecarlo", "auto"]
DEFAULT_NODE_BUDGET = 2_000_000
DEFAULT_SAMPLES = 100_000
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class ProbabilityResult:
    """``P(target down)``, how it was computed, and for Monte Carlo how sure it is."""

    target: str
    probability: float
    method: Literal["exact", "montecarlo"]
    diagram_nodes: int | None = None
    samples: int | None = None
    interval: tuple[float, float] | None = None
    confidence: float | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON document of `chokepoint analyze probability`, with the method's details."""
        doc: dict[str, Any] = {"target": self.target, "probability": self.probability,
                               "method": self.method}
        if self.method == "exact":
            doc["diagram_nodes"] = self.diagram_nodes
        else:
            doc.update(samples=self.samples, interval=list(self.interval or ()),
                       confidence=self.confidence)
        if self.note:
            doc["note"] = self.note
        return doc


def shannon(diagram: DownDiagram, probabilities: Mapping[str, float]
            ) -> tuple[float, dict[int, tuple[float, float]]]:
    """``P(root)`` and the ``(P, 1 − P)`` of every regular diagram node, keyed by ``int``.

    ``probabilities`` gives each variable's node its failure probability.
    """
    manager = diagram.manager
    p_of = {var: probabilities[node] for node, var in diagram.variables.items()}
    true, false = int(manager.true), int(manager.false)
    table: dict[int, tuple[float, float]] = {}

    def pair(u: Any) -> tuple[float, float]:
        ref = int(u)
        if ref == true:
            return 1.0, 0.0
        if ref == false:
            return 0.0, 1.0
        regular = ~u if u.negated else u
        key = int(regular)
        found = table.get(key)
        if found is None:
            p = p_of[regular.var]
            high_p, high_q = pair(regular.high)
            low_p, low_q = pair(regular.low)
            found = table[key] = (p * high_p + (1 - p) * low_p, p * high_q + (1 - p) * low_q)
        return (found[1], found[0]) if u.negated else found

    with deeper_recursion(2 * len(diagram.variables) + 100):
        return pair(diagram.root)[0], table


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion.

    >>> [round(x, 4) for x in wilson_interval(0, 100)]
    [0.0, 0.037]
    """
    if trials <= 0:
        return 0.0, 1.0
    phat = successes / trials
    scale = 1 + z * z / trials
    centre = (phat + z * z / (2 * trials)) / scale
    half = z / scale * math.sqrt(phat * (1 - phat) / trials + z * z / (4 * trials * trials))
    return max(0.0, centre - half), min(1.0, centre + half)


def _rule_fails(rule: Rule, down: dict[str, Any]) -> Any:
    members = [(down[m], w) for m, w in zip(rule.members, rule.weights, strict=True) if w]
    up_weight: Any = 0
    for state, weight in members:
        up_weight = up_weight + np.where(state, 0, weight)
    return np.less(up_weight, rule.need)


def _simulate_batch(structure: SupplyStructure, components: list[list[str]],
                    own: dict[str, Any]) -> Any:
    down: dict[str, Any] = {}

    def evaluate(node: str) -> Any:
        state = own[node]
        for rule in structure.rules[node]:
            state = np.logical_or(state, _rule_fails(rule, down))
        return state

    for component in components:
        cyclic = len(component) > 1 or component[0] in set(structure.inputs(component[0]))
        for node in component:
            down[node] = np.False_ if cyclic else evaluate(node)
        while cyclic:
            cyclic = False
            for node in component:
                new = evaluate(node)
                if not np.array_equal(new, down[node]):
                    down[node], cyclic = new, True
    return down


def _monte_carlo(structure: SupplyStructure, target: str, probabilities: Mapping[str, float],
                 samples: int, seed: int) -> ProbabilityResult:
    cone = structure.cone([target])
    components = structure.components(cone)
    random_nodes = [n for n in cone if 0 < probabilities[n] < 1]
    p = np.array([probabilities[n] for n in random_nodes])
    rng = np.random.default_rng(seed)
    batch = int(min(max(2**24 // max(len(cone), 1), 256), 65_536))
    hits, done = 0, 0
    while done < samples:
        size = min(batch, samples - done)
        draws = rng.random((size, len(random_nodes))) < p
        own: dict[str, Any] = {n: np.bool_(probabilities[n] >= 1) for n in cone}
        own.update({n: draws[:, j] for j, n in enumerate(random_nodes)})
        state = _simulate_batch(structure, components, own)[target]
        hits += int(np.count_nonzero(state)) if np.ndim(state) else size * bool(state)
        done += size
    return ProbabilityResult(target, hits / samples, "montecarlo", samples=samples,
                             interval=wilson_interval(hits, samples), confidence=0.95)


def _exact(structure: SupplyStructure, target: str, probabilities: Mapping[str, float],
           node_budget: int | None) -> ProbabilityResult:
    cone = structure.cone([target])
    variables = [n for n in cone if 0 < probabilities[n] < 1]
    failed = [n for n in cone if probabilities[n] >= 1]
    diagram = build_down_diagram(structure, target, variables=variables, failed=failed,
                                 node_budget=node_budget)
    value = shannon(diagram, probabilities)[0]
    return ProbabilityResult(target, value, "exact", diagram_nodes=diagram.size)


def failure_probability(graph: nx.MultiDiGraph | SupplyStructure, target: str, *,
                        method: Method = "auto", samples: int = DEFAULT_SAMPLES, seed: int = 0,
                        node_budget: int | None = DEFAULT_NODE_BUDGET,
                        probabilities: Mapping[str, float] | None = None
                        ) -> ProbabilityResult:
    """``P(target is down)`` when every node fails independently.

    Parameters
    ----------
    graph : the supply graph, or its compiled structure.
    target : the node of interest (its own failure probability counts).
    method : ``"exact"``, ``"montecarlo"``, or ``"auto"`` (exact unless the diagram passes
        ``node_budget`` nodes).
    samples, seed : Monte Carlo sample count and random seed (results are reproducible).
    node_budget : the largest diagram ``"auto"`` accepts (``"exact"`` ignores it).
    probabilities : per-node failure probabilities (default: each node's
        ``failure_probability``).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["a", "b"], kind="supplier", failure_probability=0.1)
    >>> g.add_node("chip", kind="chip")
    >>> _ = g.add_edges_from([("chip", "a", "SUPPLIED_BY", {}), ("chip", "b", "SUPPLIED_BY", {})])
    >>> r = failure_probability(g, "chip", method="exact")
    >>> round(r.probability, 10), r.method
    (0.01, 'exact')
    """
    structure = graph if isinstance(graph, SupplyStructure) else compile_structure(graph)
    if probabilities is None:
        probabilities = {n: s.failure_probability for n, s in structure.model.nodes.items()}
    result = _computed(structure, target, method, samples, seed, node_budget, probabilities)
    if result.probability > 0:
        return result
    return replace(result, note=why_zero(structure, target, probabilities))


def _computed(structure: SupplyStructure, target: str, method: Method, samples: int, seed: int,
              node_budget: int | None, probabilities: Mapping[str, float]
              ) -> ProbabilityResult:
    if method == "montecarlo":
        return _monte_carlo(structure, target, probabilities, samples, seed)
    if method == "exact":
        return _exact(structure, target, probabilities, None)
    try:
        return _exact(structure, target, probabilities, node_budget)
    except DiagramTooLarge:
        return _monte_carlo(structure, target, probabilities, samples, seed)


HOW_TO_SET = ("set failure_probability (0–1, the chance a node is unavailable over the "
              "horizon) on the nodes you have estimates for, e.g. in the failure_probability "
              "column of nodes.csv, and ingest again")


def why_zero(structure: SupplyStructure, target: str,
             probabilities: Mapping[str, float]) -> str:
    """One line saying why ``P(target down)`` is 0 and how to change that."""
    cone = structure.cone([target])
    given = sorted(n for n in cone if probabilities.get(n, 0.0) > 0)
    if not given:
        return (f"P(down) is 0 because no node {target} depends on has a failure_probability, "
                f"so importance ratios are undefined; {HOW_TO_SET}.")
    shown = ", ".join(given[:3]) + (f" and {len(given) - 3} more" if len(given) > 3 else "")
    return (f"P(down) is 0 because only {shown} of the {len(cone)} nodes {target} depends on "
            f"{'has' if len(given) == 1 else 'have'} a failure_probability, and "
            f"{'its failure does' if len(given) == 1 else 'no combination of them does'} not "
            f"take {target} down; {HOW_TO_SET}.")
