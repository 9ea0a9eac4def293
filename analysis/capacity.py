"""Capacity semantics: how much of each node's supply is available.

Availability ``a(x)`` in [0, 1] is ``(1 − d(x)) · min(S(x), L(x), R(x))``: ``S`` is the
share-weighted availability of x's suppliers, ``L`` the same over its locations (its
headquarters when it has none), ``R`` the minimum over its ``REQUIRES`` groups of the
``min_required``-th largest member availability; a missing factor is 1.

With no disruption and no block every node is fully available, so ``a ≡ 1`` is the baseline
(and the greatest fixpoint).  A scenario is computed by propagating *changes* from that
baseline: only the nodes a disruption or block reaches are evaluated, in topological order
of the strongly connected components (inputs first); a cyclic component is iterated from
its current values down to the fixpoint.  That keeps one removal on a 100k-node graph to the
size of what it actually affects.

Blocks (§4.5) act on flows between sites, not on the sites themselves: with blocks,
availability is computed per destination by :mod:`analysis.flows`, and the value reported
for a node is what its own sites receive.  With no block that is exactly the above.
"""

from __future__ import annotations

import copy
import heapq
from collections import deque
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from analysis.availability import Availability, kth_largest
from analysis.flows import flow_availability
from analysis.semantics import NodeSupply, SupplyModel, build_supply_model

__all__ = [
    "Block",
    "upstream",
    "Availability",
    "CapacityModel",
    "availability",
    "capacity_loss",
    "country_shares",
    "TOLERANCE",
    "upstream",
]

TOLERANCE = 1e-9
"""Changes smaller than this are treated as no change (and end a cycle's iteration)."""

MAX_CYCLE_EVALUATIONS = 10_000
"""How often one node of a cyclic component may be re-evaluated before iteration stops."""

Values = Mapping[int, float]
"""Current availabilities by node index; a node that is absent has 1."""


@dataclass(frozen=True)
class Block:
    """A policy cut: flows from things in ``from_countries`` to dependents in ``to_countries``."""

    from_countries: frozenset[str]
    to_countries: frozenset[str]

    @classmethod
    def of(cls, from_countries: Iterable[str], to_countries: Iterable[str]) -> Block:
        return cls(frozenset(from_countries), frozenset(to_countries))


_NODE_FIELDS = ("suppliers", "locations", "held_supply", "held_sites", "groups", "headquarters",
                "jurisdictions", "blockable", "kinds", "inputs")
"""The per-node lists of :class:`CapacityModel`, in the order of ``_node_fields``."""


class CapacityModel:
    """The graph compiled for fast capacity propagation; build once, run many scenarios."""

    suppliers: list[tuple[tuple[int, float], ...]]
    locations: list[tuple[tuple[int, float], ...]]
    held_supply: list[float]
    held_sites: list[frozenset[int]]
    groups: list[tuple[tuple[tuple[int, ...], int], ...]]
    headquarters: list[frozenset[str]]
    jurisdictions: list[frozenset[str]]
    blockable: list[bool]
    kinds: list[str]
    inputs: list[tuple[int, ...]]

    def __init__(self, supply: SupplyModel) -> None:
        """Compile ``supply``.  :meth:`with_supply` reads the same graph at another horizon.

        Inputs a node holds (buffers, §4.6) count as available: held suppliers add their
        share to ``held_supply``; held sites stay sites (for blocks and where requirements
        are consumed) and are listed in ``held_sites``.
        """
        self.supply = supply
        self.ids: tuple[str, ...] = tuple(supply.nodes)
        self.index: dict[str, int] = {node: i for i, node in enumerate(self.ids)}
        columns = zip(*(self._node_fields(supply.nodes[node]) for node in self.ids),
                      strict=True) if self.ids else ((),) * len(_NODE_FIELDS)
        for name, column in zip(_NODE_FIELDS, columns, strict=True):
            setattr(self, name, list(column))
        dependents: list[list[int]] = [[] for _ in self.ids]
        for i, inputs in enumerate(self.inputs):
            for j in inputs:
                dependents[j].append(i)
        self.dependents = [tuple(d) for d in dependents]
        self.component: list[int] = []
        self.cyclic: list[bool] = []
        self._order_components()

    def _node_fields(self, n: NodeSupply) -> tuple[Any, ...]:
        """One node's entry in each of :data:`_NODE_FIELDS` (list comprehensions, not
        generators: this runs for every node of the graph)."""
        ix = self.index
        sites = (*n.locations, *n.held_locations) if n.held_locations else n.locations
        suppliers = tuple([(ix[s], w) for s, w in n.suppliers])
        groups = tuple([(tuple([ix[m] for m in g.members]), g.min_required) for g in n.groups])
        inputs = {i for i, _ in suppliers}
        inputs.update([ix[c] for c, _ in n.locations])
        for members, _ in groups:
            inputs.update(members)
        return (suppliers,
                tuple([(ix[c], w) for c, w in sites]),
                n.supplier_held,
                frozenset([ix[c] for c, _ in n.held_locations]),
                groups,
                frozenset(n.headquarters),
                frozenset([*[c for c, _ in sites], *n.headquarters]),
                n.blockable, n.kind, tuple(sorted(inputs)))

    def with_supply(self, supply: SupplyModel) -> CapacityModel:
        """This model with the nodes that have time fields compiled again from ``supply``
        (the same graph read at another horizon); everything else, the evaluation order
        included, is shared."""
        clone = copy.copy(self)
        clone.supply = supply
        for name in _NODE_FIELDS:
            setattr(clone, name, list(getattr(self, name)))
        moved: dict[int, tuple[set[int], set[int]]] = {}
        for node in supply.timed:
            i = self.index[node]
            for name, value in zip(_NODE_FIELDS, clone._node_fields(supply.nodes[node]),
                                   strict=True):
                getattr(clone, name)[i] = value
            before, after = set(self.inputs[i]), set(clone.inputs[i])
            for j in before - after:
                moved.setdefault(j, (set(), set()))[0].add(i)
            for j in after - before:
                moved.setdefault(j, (set(), set()))[1].add(i)
        clone.dependents = list(self.dependents)
        for j, (gone, new) in moved.items():
            clone.dependents[j] = tuple(sorted((set(self.dependents[j]) - gone) | new))
        return clone

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph) -> CapacityModel:
        return cls(build_supply_model(graph))

    def _order_components(self) -> None:
        """Number the strongly connected components so that inputs come first.

        Tarjan's algorithm (iterative) emits a component only after every component it
        depends on, which is exactly the evaluation order.  It runs over every input a node
        has at any horizon, so the same order serves the model at every horizon.
        """
        size = len(self.ids)
        every_input = self.inputs
        if self.supply.timed:
            ix = self.index
            every_input = list(self.inputs)
            for name in self.supply.timed:
                every_input[ix[name]] = tuple(sorted(
                    ix[m] for m in self.supply.timed_inputs(name)))
        low, number = [0] * size, [-1] * size
        on_stack = [False] * size
        self.component = [0] * size
        self.cyclic = []
        stack: list[int] = []
        counter = 0
        for root in range(size):
            if number[root] >= 0:
                continue
            work = [(root, 0)]
            while work:
                node, edge = work.pop()
                if edge == 0:
                    number[node] = low[node] = counter
                    counter += 1
                    stack.append(node)
                    on_stack[node] = True
                inputs = every_input[node]
                while edge < len(inputs) and number[inputs[edge]] >= 0:
                    if on_stack[inputs[edge]]:
                        low[node] = min(low[node], number[inputs[edge]])
                    edge += 1
                if edge < len(inputs):
                    work.append((node, edge + 1))
                    work.append((inputs[edge], 0))
                    continue
                if low[node] == number[node]:
                    self._close_component(node, stack, on_stack, every_input)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])

    def _close_component(self, head: int, stack: list[int], on_stack: list[bool],
                         every_input: Sequence[tuple[int, ...]]) -> None:
        position = len(self.cyclic)
        members = []
        while True:
            member = stack.pop()
            on_stack[member] = False
            self.component[member] = position
            members.append(member)
            if member == head:
                break
        self.cyclic.append(len(members) > 1 or head in every_input[head])

    # -- public -----------------------------------------------------------------------------
    def availability(self, disruption: Mapping[str, float] | None = None,
                     blocks: Iterable[Block] = ()) -> Availability:
        """Availability of every node under ``disruption`` (node id → 0–1) and ``blocks``
        (with blocks, a :class:`~analysis.flows.FlowAvailability` that also answers per
        destination)."""
        chosen = [b for b in blocks if b.from_countries and b.to_countries]
        if chosen:
            return flow_availability(self, disruption, chosen)
        d = {self.index[n]: float(s) for n, s in (disruption or {}).items() if s > 0}
        changed = self.propagate(d, set(d))
        return Availability(self.ids, self.index, changed)

    def propagate(self, disruption: Mapping[int, float], seeds: Iterable[int],
                  relevant: Callable[[int], bool] | None = None,
                  start: Mapping[int, float] | None = None) -> dict[int, float]:
        """Availabilities that differ from 1, by node index, after re-evaluating ``seeds``
        and everything downstream whose inputs change (only ``relevant`` nodes if given),
        starting from ``start`` (default: everything at 1; a start below the result on a
        cycle would end above the greatest fixpoint, so give one only off cycles)."""
        changed: dict[int, float] = dict(start or {})
        queue = [(self.component[i], i) for i in set(seeds)]
        heapq.heapify(queue)
        queued = {i for _, i in queue}
        evaluations: dict[int, int] = {}
        while queue:
            _, i = heapq.heappop(queue)
            queued.discard(i)
            new = self.evaluate(i, changed, disruption)
            if abs(new - changed.get(i, 1.0)) <= TOLERANCE:
                continue
            if self.cyclic[self.component[i]]:
                evaluations[i] = evaluations.get(i, 0) + 1
                if evaluations[i] > MAX_CYCLE_EVALUATIONS:
                    continue
            changed[i] = new
            for j in self.dependents[i]:
                if j not in queued and (relevant is None or relevant(j)):
                    queued.add(j)
                    heapq.heappush(queue, (self.component[j], j))
        return changed

    def distances_to(self, goal: int, within: Container[int] | None = None) -> dict[int, int]:
        """Dependency distance from every node that depends on ``goal`` (and is ``within``,
        when given) down to it.  A shortest path from a node down to ``goal`` runs through
        that node's inputs only, so ``within`` = everything upstream of some nodes gives
        those nodes the same distances as the whole graph does."""
        distance = {goal: 0}
        queue = deque([goal])
        while queue:
            node = queue.popleft()
            for j in self.dependents[node]:
                if j not in distance and (within is None or j in within):
                    distance[j] = distance[node] + 1
                    queue.append(j)
        return distance

    # -- one node ---------------------------------------------------------------------------
    def evaluate(self, i: int, value: Values, disruption: Mapping[int, float]) -> float:
        """``a(i)`` from the current values of its inputs.  (The hottest loop of every
        analysis: list comprehensions and a bound ``get``, the same sums in the same order.)"""
        keep = 1.0 - disruption.get(i, 0.0)
        if keep <= 0.0:
            return 0.0
        get = value.get
        best = 1.0
        suppliers = self.suppliers[i]
        if suppliers:
            best = min(best, self.held_supply[i] + sum([w * get(s, 1.0) for s, w in suppliers]))
        sites = self.locations[i]
        if sites:
            held = self.held_sites[i]
            best = min(best, sum([w * (1.0 if c in held else get(c, 1.0)) for c, w in sites])
                       if held else sum([w * get(c, 1.0) for c, w in sites]))
        for members, needed in self.groups[i]:
            got = get(members[0], 1.0) if len(members) == 1 else \
                kth_largest([get(m, 1.0) for m in members], needed)
            if got < best:
                best = got
        return max(0.0, keep * best)


def country_shares(supply: SupplyModel, node: str) -> dict[str, float]:
    """The node's countries with shares summing to 1 (empty when none is known): its
    locations (its headquarters when it has none), else its suppliers' countries weighted
    by supply share, recursively."""
    found = _countries(supply, node, frozenset())
    total = sum(found.values())
    return {c: s / total for c, s in sorted(found.items())} if total > 0 else {}


def _countries(supply: SupplyModel, node: str, visiting: frozenset[str]) -> dict[str, float]:
    entry = supply.nodes[node]
    if entry.locations or entry.held_locations:
        return dict((*entry.locations, *entry.held_locations))
    found: dict[str, float] = {}
    for supplier, share in (*entry.suppliers, *entry.held_suppliers):
        if supplier in visiting:
            continue
        for country, part in _countries(supply, supplier, visiting | {node}).items():
            found[country] = found.get(country, 0.0) + share * part
    return found


def availability(graph: nx.MultiDiGraph, disruption: Mapping[str, float] | None = None,
                 blocks: Iterable[Block] = ()) -> Availability:
    """Availability of every node of ``graph`` under a disruption map and blocks.

    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from([("chip", {"kind": "chip"}), ("TW", {"kind": "country"}),
    ...                   ("US", {"kind": "country"})])
    >>> g.add_edge("chip", "TW", "LOCATED_IN", share=0.6)
    'LOCATED_IN'
    >>> g.add_edge("chip", "US", "LOCATED_IN", share=0.4)
    'LOCATED_IN'
    >>> round(availability(g, {"TW": 1.0})["chip"], 6)
    0.4
    """
    return CapacityModel.from_graph(graph).availability(disruption, blocks)


def capacity_loss(graph: nx.MultiDiGraph, target: str,
                  disruption: Mapping[str, float] | None = None,
                  blocks: Iterable[Block] = ()) -> float:
    """``1 − a(target)`` under the disruption and blocks."""
    return 1.0 - availability(graph, disruption, blocks)[target]


def upstream(model: CapacityModel, starts: Iterable[int]) -> set[int]:
    """Every node some start depends on, directly or not (the starts excluded unless
    reachable from another start)."""
    seen: set[int] = set()
    stack = list(starts)
    while stack:
        for j in model.inputs[stack.pop()]:
            if j not in seen:
                seen.add(j)
                stack.append(j)
    return seen
