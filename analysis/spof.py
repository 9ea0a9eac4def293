"""Single points of failure (SPOFs): nodes whose failure alone takes a target down.

All targets are answered in one pass over the graph.  Each node ``x`` gets the set
``D(x)`` of nodes whose single failure takes ``x`` down, as a bitset (a Python ``int``, one
bit per node), from the sets of its inputs:

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

A target is not its own SPOF: its own failure trivially takes it down, so it is left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

import networkx as nx

from analysis.semantics import resolve_targets
from analysis.structure import Rule, SupplyStructure, compile_structure

__all__ = ["single_points_of_failure"]


def _bits(value: int) -> Iterator[int]:
    while value:
        top = value.bit_length() - 1
        yield top
        value ^= 1 << top


def _rule_takedown(rule: Rule, sets: dict[str, int]) -> int:
    members = [(sets[m], w) for m, w in zip(rule.members, rule.weights, strict=True) if w]
    if not members:
        return 0
    if all(w >= rule.need for _, w in members):
        result = members[0][0]
        for bits, _ in members[1:]:
            result &= bits
        return result
    if rule.total - min(w for _, w in members) < rule.need:
        result = 0
        for bits, _ in members:
            result |= bits
        return result
    lost: Counter[int] = Counter()
    for bits, weight in members:
        for index in _bits(bits):
            lost[index] += weight
    slack = rule.total - rule.need
    result = 0
    for index, weight in lost.items():
        if weight > slack:
            result |= 1 << index
    return result


def _propagate(structure: SupplyStructure,
               targets: list[str]) -> tuple[dict[str, int], list[str]]:
    """The takedown bitset of every target and the node order that numbers the bits."""
    cone = structure.cone(targets)
    components = structure.components(cone)
    order = [node for component in components for node in component]
    index = {node: i for i, node in enumerate(order)}
    keep = set(targets)
    readers: Counter[str] = Counter()
    for node in cone:
        readers.update(set(structure.inputs(node)))
    sets: dict[str, int] = {}
    for component in components:
        for node in component:
            sets[node] = 1 << index[node]
        changed = True
        while changed:
            changed = False
            for node in component:
                new = sets[node]
                for rule in structure.rules[node]:
                    new |= _rule_takedown(rule, sets)
                if new != sets[node]:
                    sets[node], changed = new, len(component) > 1
        for node in component:
            for source in set(structure.inputs(node)):
                readers[source] -= 1
                if readers[source] == 0 and source not in keep:
                    sets.pop(source, None)
            if readers[node] == 0 and node not in keep:
                sets.pop(node, None)
    return {t: sets[t] for t in targets}, order


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
    sets, order = _propagate(structure, chosen)
    return {t: sorted(order[i] for i in _bits(sets[t]) if order[i] != t) for t in chosen}
