"""A target's supply structure as a coherent fault tree, written in Open-PSA MEF XML.

So that reliability engineers can check any result in their own tools (SCRAM, XFTA): the
tree's top event is "the target is down", its minimal cut sets are the target's minimal cut
sets, and its probability is :func:`analysis.probability.failure_probability`.

Each node of the target's cone that may fail (its kind is in ``fail_kinds``) gets a basic
event with its ``failure_probability``: a node with no inputs *is* that event (named by its
id); a node with inputs gets a gate named by its id, down when its own event
``own:<id>`` or one of its rules fails.  A rule (§4.1) fails when its up members' weight
falls short: a hard requirement is its member, a group of equal weights an ``atleast``, a
supply or location rule with unequal shares an and/or formula over its members.  Nodes that
may not fail and cannot be taken down are left out; a node that only passes one input on is
replaced by that input.  The target's own event is part of the tree, so the tree has the
order-1 cut set ``{own:<target>}`` (or ``{target}``) that chokepoint does not list.

Names in the XML are the ids with characters other than letters, digits and single inner
hyphens turned into ``_`` (what SCRAM accepts); each element carries the exact id and name as
``chokepoint-id`` / ``chokepoint-name`` attributes, which ``chokepoint ingest openpsa`` reads
back.  Cycles have no fault-tree form and are refused.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Union

import networkx as nx

from analysis.structure import Rule, SupplyStructure, compile_structure
from graph.errors import ChokepointError

__all__ = ["FaultTree", "FaultTreeError", "fault_tree", "to_openpsa", "OWN_PREFIX",
           "MAX_FORMULA_SIZE"]

OWN_PREFIX = "own:"
MAX_FORMULA_SIZE = 100_000
"""Formula elements one unequal-share rule may expand to before the export gives up."""

# A formula: True/False, ("event"|"gate", id), ("or"|"and", (args...)) or ("atleast", k, args).
Formula = Union[bool, tuple]  # noqa: UP007 (a recursive alias reads best this way)


class FaultTreeError(ChokepointError):
    """The target's structure has no fault-tree form (a cycle, a too-large formula)."""


@dataclass(frozen=True)
class FaultTree:
    """Gates (by node id, with their formulas), basic events (id → probability), the top."""

    top: str
    gates: dict[str, tuple[Any, ...]]
    events: dict[str, float]


def _or(items: Iterable[Formula]) -> Formula:
    return _connective("or", items, absorbing=True)


def _and(items: Iterable[Formula]) -> Formula:
    return _connective("and", items, absorbing=False)


def _connective(kind: str, items: Iterable[Formula], *, absorbing: bool) -> Formula:
    """``or`` (``absorbing`` True: true wins) or ``and``, flattened and simplified."""
    kept: dict[Formula, None] = {}
    for item in items:
        if item is absorbing:
            return absorbing
        if item is (not absorbing):
            continue
        for part in (item[1] if isinstance(item, tuple) and item[0] == kind else (item,)):
            kept[part] = None
    if not kept:
        return not absorbing
    return next(iter(kept)) if len(kept) == 1 else (kind, tuple(kept))


def _threshold(terms: Sequence[tuple[Formula, int]], reach: int) -> Formula:
    """True when the weights of the true terms reach ``reach``."""
    weights: dict[Formula, int] = {}
    for term, weight in terms:
        if term is True:
            reach -= weight
        elif term is not False and weight > 0:
            weights[term] = weights.get(term, 0) + weight
    items = sorted(weights.items(), key=lambda kv: -kv[1])
    if reach <= 0:
        return True
    if sum(weights.values()) < reach:
        return False
    if len({w for _, w in items}) == 1:
        least = -(-reach // items[0][1])
        if least == 1:
            return _or(f for f, _ in items)
        if least == len(items):
            return _and(f for f, _ in items)
        return ("atleast", least, tuple(f for f, _ in items))
    return _weighted(items, reach, [0])


def _weighted(items: list[tuple[Formula, int]], reach: int, size: list[int]) -> Formula:
    size[0] += 1
    if size[0] > MAX_FORMULA_SIZE:
        raise FaultTreeError(f"a rule with {len(items)} members of unequal shares needs more "
                             f"than {MAX_FORMULA_SIZE:,} formula elements")
    if reach <= 0:
        return True
    if sum(w for _, w in items) < reach:
        return False
    (first, weight), rest = items[0], items[1:]
    return _or([_and([first, _weighted(rest, reach - weight, size)]),
                _weighted(rest, reach, size)])


def _rule_fails(rule: Rule, value: dict[str, Formula]) -> Formula:
    total = sum(rule.weights)
    return _threshold([(value[m], w) for m, w in zip(rule.members, rule.weights, strict=True)],
                      total - rule.need + 1)


def fault_tree(graph: nx.MultiDiGraph | SupplyStructure, target: str, *,
               fail_kinds: Iterable[str] | None = None) -> FaultTree:
    """The fault tree of "``target`` is down" when nodes of ``fail_kinds`` (default: every
    kind) may fail.

    Examples
    --------
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["car", "chip", "a", "b"], kind="component")
    >>> _ = g.add_edges_from([("car", "chip", "REQUIRES", {}),
    ...     ("chip", "a", "SUPPLIED_BY", {}), ("chip", "b", "SUPPLIED_BY", {})])
    >>> fault_tree(g, "car").gates["car"]
    ('or', (('event', 'own:car'), ('gate', 'chip')))
    """
    structure = graph if isinstance(graph, SupplyStructure) else compile_structure(graph)
    kinds = None if fail_kinds is None else {k.lower() for k in fail_kinds}
    cone = structure.cone([target])
    value: dict[str, Formula] = {}
    gates: dict[str, tuple[Any, ...]] = {}
    events: dict[str, float] = {}
    for component in structure.components(cone):
        node = component[0]
        if len(component) > 1 or node in structure.inputs(node):
            raise FaultTreeError(f"{node!r} is on a dependency cycle ({', '.join(component)}); "
                                 "a fault tree has no cycles")
        supply = structure.model.nodes[node]
        rules = structure.rules[node]
        own: Formula = False
        if kinds is None or supply.kind in kinds:
            event = f"{OWN_PREFIX}{node.lower()}" if rules or node == target else node
            events[event] = supply.failure_probability
            own = ("event", event)
        formula = _or([own, *(_rule_fails(r, value) for r in rules)])
        if isinstance(formula, tuple) and (formula[0] in ("or", "and", "atleast")
                                           or node == target):
            gates[node] = formula
            formula = ("gate", node)
        value[node] = formula
    if value[target] in (True, False):
        state = "down even when nothing fails" if value[target] else "never down"
        raise FaultTreeError(f"{target!r} is {state} with these fail kinds; its fault tree "
                             "is a constant")
    return _reachable(FaultTree(target, gates, events))


def _reachable(tree: FaultTree) -> FaultTree:
    """Only the gates and events the top uses (a member whose share counts for nothing, or
    whose rule simplified away, leaves its gate unused)."""
    used: set[tuple[Any, ...]] = set()
    stack: list[tuple[Any, ...]] = [("gate", tree.top)]
    while stack:
        formula = stack.pop()
        if formula[0] in ("event", "gate"):
            if formula not in used:
                used.add(formula)
                if formula[0] == "gate":
                    stack.append(tree.gates[formula[1]])
        else:
            stack.extend(formula[-1])
    return FaultTree(tree.top, {n: f for n, f in tree.gates.items() if ("gate", n) in used},
                     {e: p for e, p in tree.events.items() if ("event", e) in used})


_NAME_BAD = re.compile(r"[^A-Za-z0-9-]|-(?=-)|-$|^-")


class _Names:
    """SCRAM-safe, unique names for ids."""

    def __init__(self) -> None:
        self.by_id: dict[str, str] = {}
        self.taken: set[str] = set()

    def __call__(self, node_id: str) -> str:
        if node_id not in self.by_id:
            base = _NAME_BAD.sub("_", node_id)
            base = base if base[:1].isalpha() else f"n_{base}"
            name, number = base, 1
            while name.lower() in self.taken:
                number += 1
                name = f"{base}_{number}"
            self.taken.add(name.lower())
            self.by_id[node_id] = name
        return self.by_id[node_id]


def _formula_element(formula: tuple[Any, ...], names: _Names) -> ET.Element:
    kind = formula[0]
    if kind in ("event", "gate"):
        return ET.Element("basic-event" if kind == "event" else "gate",
                          {"name": names(formula[1])})
    element = ET.Element(kind, {"min": str(formula[1])} if kind == "atleast" else {})
    for argument in formula[-1]:
        element.append(_formula_element(argument, names))
    return element


def _define(tag: str, node_id: str, display: str | None, names: _Names) -> ET.Element:
    element = ET.Element(tag, {"name": names(node_id)})
    if display and display != node_id:
        ET.SubElement(element, "label").text = display
    attributes = ET.SubElement(element, "attributes")
    ET.SubElement(attributes, "attribute", {"name": "chokepoint-id", "value": node_id})
    if display:
        ET.SubElement(attributes, "attribute", {"name": "chokepoint-name", "value": display})
    return element


def to_openpsa(tree: FaultTree, display_names: dict[str, str] | None = None) -> str:
    """The Open-PSA MEF document of ``tree`` (``display_names``: node id → name)."""
    display = display_names or {}
    names = _Names()
    root = ET.Element("opsa-mef")
    container = ET.SubElement(root, "define-fault-tree", {"name": names(tree.top)})
    for node, formula in tree.gates.items():
        gate = _define("define-gate", node, display.get(node), names)
        gate.append(_formula_element(formula, names))
        container.append(gate)
    data = ET.SubElement(root, "model-data")
    for event, probability in tree.events.items():
        owner = event.removeprefix(OWN_PREFIX) if event.startswith(OWN_PREFIX) else event
        label = display.get(owner)
        element = _define("define-basic-event", event,
                          f"{label} fails on its own" if label and owner != event else label,
                          names)
        ET.SubElement(element, "float", {"value": repr(float(probability))})
        data.append(element)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
