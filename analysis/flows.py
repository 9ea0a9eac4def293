"""Availability per destination: what blocks do to flows between sites.

A block (``from`` countries → ``to`` countries) changes what a dependent *in a ``to``
country* receives, and nothing else.  So availability is computed per destination class:
``D(x→c)`` is the share of x's capacity that a dependent in country ``c`` can receive.  The
classes a set of blocks distinguishes are each ``to`` country, and "anywhere else" (``None``).
A block still reaches "anywhere else" indirectly, through what is made in a ``to`` country
from inputs it no longer receives, and only so.

``open(y→c)`` is 0 when y is blockable and sited or headquartered in a country blocked from
``c``, else 1.  With ``d(x)`` the disruption of x:

``D(x→c) = (1 − d(x)) · min(S_c(x), L_c(x), R̄(x))``

- ``S_c(x) = Σ_s share_s · a(s) · open(s→c)`` over its suppliers.  The supplier is the
  firm that sells x, so its jurisdiction follows x to the buyer.  ``a(s)`` is the
  supplier's own capacity (below), or ``D(s→c)`` when it has no site.
- ``L_c(x) = Σ_k L(x,k) · a(k) · open(x's site k→c)`` over its sites (its headquarters
  when it has no ``LOCATED_IN``; ``a(k)`` read like ``a(s)``), 0 for every site when x's
  headquarters is blocked from ``c``.
- ``R̄(x)``: requirements are consumed where x is made.  Site ``k`` evaluates x's groups with
  the inputs as delivered to ``k`` (to x's headquarters when that is a ``to`` country), and
  ``R̄`` is the site-share-weighted mean of those values.
- A node with neither sites nor headquarters (a platform, a product family) is transparent:
  ``L_c`` is 1 and its groups are evaluated with ``D(input→c)``.
- A node with ``blockable: false`` is never cut: its own open factors are 1.
- Inputs a node holds at the horizon (buffers, §4.6) count as available: a held supplier
  adds its share to ``S_c`` whatever happens to it, and a held site counts with ``a(k) = 1``
  (it stays a site for blocks and for where requirements are consumed).

The availability reported for a node itself (:meth:`FlowAvailability.__getitem__`) is its
own capacity ``a(x)``: ``D(x→anywhere else)``, the class in which no open factor is 0 — a
block never cuts a node's capacity, only what reaches a dependent; what the node's own sites
consume is still read where it is made (``R̄``).  With no block all classes coincide and
everything equals §4.2 of the design.

The computation propagates changes from the all-available state over (node, class) pairs in
the order of the graph's strongly connected components, inputs first, so its cost is a small
multiple of one unblocked pass over what the scenario reaches.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from analysis.availability import Availability, kth_largest

if TYPE_CHECKING:
    from analysis.capacity import Block, CapacityModel

__all__ = ["Destinations", "FlowAvailability", "flow_availability", "ELSEWHERE"]

ELSEWHERE = None
"""The destination class of every country outside all ``to`` lists."""

TOLERANCE = 1e-9
MAX_CYCLE_EVALUATIONS = 10_000

State = tuple[int, int]
"""(node index, destination class index)."""


class Destinations:
    """The destination classes a set of blocks distinguishes, and who is cut off from whom.

    Class 0 is "anywhere else"; class ``j ≥ 1`` is the ``j``-th ``to`` country (sorted).
    """

    def __init__(self, model: CapacityModel, blocks: Iterable[Block]) -> None:
        chosen = [b for b in blocks if b.from_countries and b.to_countries]
        to_countries = sorted(frozenset().union(*(b.to_countries for b in chosen)))
        self.names: tuple[str | None, ...] = (ELSEWHERE, *to_countries)
        self.of_country = {c: j + 1 for j, c in enumerate(to_countries)}
        index = model.index
        self.cut_off: list[frozenset[int]] = [frozenset()]
        for country in to_countries:
            sources = set().union(*(b.from_countries for b in chosen
                                    if country in b.to_countries))
            self.cut_off.append(frozenset(index[s] for s in sources if s in index))
        self.class_of_node = {index[c]: j for c, j in self.of_country.items() if c in index}

    def __len__(self) -> int:
        return len(self.names)

    def of(self, node: int) -> int:
        """The class of a country node (0 unless it is a ``to`` country)."""
        return self.class_of_node.get(node, 0)


class FlowAvailability(Availability):
    """Availability of every node as its own sites receive it, and per destination."""

    def __init__(self, model: CapacityModel, flows: _Flows, home: Mapping[int, float]) -> None:
        super().__init__(model.ids, model.index, home)
        self._model = model
        self.flows = flows
        self.destinations = flows.dest
        self.by_state: Mapping[State, float] = flows.value

    def seen_from(self, node: str, country: str | None) -> float:
        """``D(node→country)``: the part of the node's capacity a dependent in ``country``
        receives (``None``: a country outside every ``to`` list)."""
        j = self.destinations.of_country.get(country, 0) if country is not None else 0
        return self.by_state.get((self._model.index[node], j), 1.0)


class _Flows:
    """One propagation over (node, class) pairs."""

    def __init__(self, model: CapacityModel, destinations: Destinations,
                 disruption: Mapping[int, float]) -> None:
        self.m = model
        self.dest = destinations
        self.d = disruption
        self.value: dict[State, float] = {}
        # Per node, found when the propagation first reaches it (most nodes it never does):
        # its headquarters' and jurisdictions' indices, and its headquarters' class.
        self._hq: dict[int, frozenset[int]] = {}
        self._jurisdiction: dict[int, frozenset[int]] = {}
        self._hq_class: dict[int, int] = {}

    def get(self, node: int, cls: int) -> float:
        return self.value.get((node, cls), 1.0)

    def site_class(self, node: int, site: int) -> int:
        found = self._hq_class.get(node)
        if found is None:
            # A node headquartered in a ``to`` country reads its requirements as that
            # country at every site (the first such country, in class order).
            of = self.dest.of
            found = self._hq_class[node] = min(
                (of(h) for h in self.hq_indices(node) if of(h)), default=0)
        return found or self.dest.of(site)

    # -- one state ----------------------------------------------------------------------------
    def requirements(self, node: int, cls: int) -> float:
        """The minimum over the node's groups, inputs read in class ``cls``."""
        best = 1.0
        for members, needed in self.m.groups[node]:
            got = [self.get(m, cls) for m in members]
            best = min(best, kth_largest(got, needed))
        return best

    def evaluate(self, node: int, cls: int, honour_blocks: bool = True) -> float:
        """``D(node→cls)`` from the current values of its inputs (``honour_blocks`` false:
        as if the node's own flows were open, to measure what a block takes)."""
        m = self.m
        keep = 1.0 - self.d.get(node, 0.0)
        if keep <= 0.0:
            return 0.0
        cut = self.dest.cut_off[cls] if honour_blocks and m.blockable[node] else frozenset()
        best = 1.0
        if m.suppliers[node]:
            best = min(best, m.held_supply[node] + sum(
                w * self.supplying(s, cls) for s, w in m.suppliers[node]
                if not (cut and self.cuts(s, cut))))
        sites = m.locations[node]
        if sites:
            if cut and not cut.isdisjoint(self.hq_indices(node)):
                return 0.0
            held = m.held_sites[node]
            best = min(best, sum(w * (1.0 if k in held else self.supplying(k, cls))
                                 for k, w in sites if k not in cut))
            if m.groups[node]:
                best = min(best, sum(w * self.requirements(node, self.site_class(node, k))
                                     for k, w in sites))
        elif m.groups[node]:
            best = min(best, self.requirements(node, cls))
        return max(0.0, keep * best)

    def supplying(self, node: int, cls: int) -> float:
        """``a(node)`` of a supplier or site as the formula reads it: its own capacity when it
        has sites (``D(node→anywhere else)``, where no open factor is 0), else (transparent)
        what class ``cls`` receives of it."""
        return self.get(node, 0) if self.m.locations[node] else self.get(node, cls)

    def hq_indices(self, node: int) -> frozenset[int]:
        found = self._hq.get(node)
        if found is None:
            index = self.m.index
            found = self._hq[node] = frozenset(
                index[h] for h in self.m.headquarters[node] if h in index)
        return found

    def cuts(self, supplier: int, cut: frozenset[int]) -> bool:
        """Whether a supplier sited or headquartered in a ``cut`` country is taken away."""
        if not self.m.blockable[supplier]:
            return False
        found = self._jurisdiction.get(supplier)
        if found is None:
            index = self.m.index
            found = self._jurisdiction[supplier] = frozenset(
                index[c] for c in self.m.jurisdictions[supplier] if c in index)
        return not cut.isdisjoint(found)

    def home(self, node: int) -> float:
        """The node's own capacity: ``D(node→anywhere else)``, where no block cuts a flow (for
        a sited node, its requirements are still read where it is made)."""
        return self.get(node, 0)

    # -- explaining ----------------------------------------------------------------------------
    def home_states(self, node: int) -> list[State]:
        """The state that holds the node's own capacity."""
        return [(node, 0)]

    def inputs_read(self, node: int, cls: int) -> list[State]:
        """The input states ``D(node→cls)`` reads and a block has not already cut away."""
        m = self.m
        if len(self.dest) == 1:  # no block: one class, nothing cut, every input read in it
            found = [(s, 0) for s, _ in m.suppliers[node]]
            found += [(k, 0) for k, _ in m.locations[node]]
            for members, _ in m.groups[node]:
                found += [(member, 0) for member in members]
            return list(dict.fromkeys(found))
        cut = self.dest.cut_off[cls] if m.blockable[node] else frozenset()
        found = [state for s, _ in m.suppliers[node] if not (cut and self.cuts(s, cut))
                 for state in self.supplying_states(s, cls)]
        sites = m.locations[node]
        if sites and cut and not cut.isdisjoint(self.hq_indices(node)):
            return found
        found += [state for k, _ in sites if k not in cut
                  for state in self.supplying_states(k, cls)]
        classes = sorted({self.site_class(node, k) for k, _ in sites}) if sites else [cls]
        for members, _ in m.groups[node]:
            found += [(member, c) for member in members for c in classes]
        return list(dict.fromkeys(found))

    def supplying_states(self, node: int, cls: int) -> list[State]:
        """The states :meth:`supplying` reads."""
        return [(node, 0)] if self.m.locations[node] else [(node, cls)]

    def explaining_path(self, node: int) -> list[int]:
        """The path from ``node`` (as its own sites receive it) that follows the loss down to
        the first node the scenario hits directly (disrupted, or cut by a block): at each
        state into the factor of ``min(S, L, R)`` that binds, and there into the input that
        moves it most (the member that sets a group's value); ties by id.  Empty when the
        node lost nothing or the walk stalls (a loss that only circulates in a cycle)."""
        states = [st for st in self.home_states(node) if self.get(*st) < 1.0 - TOLERANCE]
        if not states:
            return []
        state = min(states, key=lambda st: (self.get(*st), st[1]))
        path, seen = [node], {state}
        while not (state[0] in self.d or self.blocked_loss(*state) > TOLERANCE):
            chosen = self._binding_input(*state)
            if chosen is None or chosen in seen:
                return []
            seen.add(chosen)
            if chosen[0] != path[-1]:
                path.append(chosen[0])
            state = chosen
        return path

    def _binding_input(self, node: int, cls: int) -> State | None:
        m = self.m
        cut = self.dest.cut_off[cls] if m.blockable[node] else frozenset()
        options: list[tuple[float, list[tuple[float, State]]]] = []

        def weighted(pairs: Iterable[tuple[int, float]]) -> list[tuple[float, State]]:
            found = []
            for j, w in pairs:
                if cut and (j in cut or self.cuts(j, cut)):
                    continue
                for st in self.supplying_states(j, cls):
                    found.append((w * (1.0 - self.get(*st)), st))
            return found

        if m.suppliers[node]:
            options.append((sum(w * self.supplying(s, cls) for s, w in m.suppliers[node]),
                            weighted(m.suppliers[node])))
        sites = m.locations[node]
        if sites:
            options.append((sum(w * self.supplying(k, cls) for k, w in sites),
                            weighted(sites)))
        classes = sorted({self.site_class(node, k) for k, _ in sites}) if sites else [cls]
        for members, needed in m.groups[node]:
            for c in classes:
                values = sorted((self.get(j, c) for j in members), reverse=True)
                level = values[needed - 1]
                options.append((level, [(1.0 - level, (j, c)) for j in members
                                        if abs(self.get(j, c) - level) <= TOLERANCE]))
        for _, candidates in sorted(options, key=lambda o: o[0]):
            usable = [(w, st) for w, st in candidates if self.get(*st) < 1.0 - TOLERANCE]
            if usable:
                return min(usable, key=lambda p: (-round(p[0], 9), m.ids[p[1][0]], p[1][1]))[1]
        return None

    def blocked_loss(self, node: int, cls: int) -> float:
        """How much of ``D(node→cls)`` the node's own open factors take away."""
        if cls == 0 or not self.m.blockable[node]:
            return 0.0
        return max(0.0, self.evaluate(node, cls, honour_blocks=False) - self.evaluate(node, cls))

    # -- propagation --------------------------------------------------------------------------
    def seeds(self) -> set[State]:
        """The states a disruption or an open factor of 0 can lower directly."""
        m, classes = self.m, range(len(self.dest))
        found = {(i, j) for i in self.d for j in classes}
        for j in range(1, len(self.dest)):
            cut = self.dest.cut_off[j]
            if not cut:
                continue
            for i in range(len(m.ids)):
                if not m.blockable[i]:
                    continue
                if (any(k in cut for k, _ in m.locations[i])
                        or not cut.isdisjoint(self.hq_indices(i))
                        or any(self.cuts(s, cut) for s, _ in m.suppliers[i])):
                    found.add((i, j))
        return found

    def run(self) -> None:
        m, classes = self.m, len(self.dest)
        if classes == 1:
            # No block: one class, in which every node reads its inputs as the plain
            # semantics does (§4.2); the capacity model's propagation finds the same values
            # without a state per (node, class).
            changed = m.propagate(self.d, self.d)
            self.value = {(i, 0): v for i, v in changed.items()}
            return
        queue = [(m.component[i], i, j) for i, j in self.seeds()]
        heapq.heapify(queue)
        queued = {(i, j) for _, i, j in queue}
        evaluations: dict[State, int] = {}
        while queue:
            _, i, j = heapq.heappop(queue)
            queued.discard((i, j))
            new = self.evaluate(i, j)
            if abs(new - self.get(i, j)) <= TOLERANCE:
                continue
            if m.cyclic[m.component[i]]:
                evaluations[(i, j)] = evaluations.get((i, j), 0) + 1
                if evaluations[(i, j)] > MAX_CYCLE_EVALUATIONS:
                    continue
            self.value[(i, j)] = new
            for k in m.dependents[i]:
                # A sited dependent reads its requirements in its sites' classes, whatever
                # class it is asked for; re-evaluate it in every class.
                for c in range(classes):
                    if (k, c) not in queued:
                        queued.add((k, c))
                        heapq.heappush(queue, (m.component[k], k, c))


def flow_availability(model: CapacityModel, disruption: Mapping[str, float] | None = None,
                      blocks: Iterable[Block] = ()) -> FlowAvailability:
    """``D(x→c)`` for every node and destination class under a disruption and blocks."""
    destinations = Destinations(model, blocks)
    d = {model.index[n]: float(s) for n, s in (disruption or {}).items() if s > 0}
    flows = _Flows(model, destinations, d)
    flows.run()
    touched = {i for i, _ in flows.value}
    home = {i: v for i in sorted(touched) if (v := flows.home(i)) < 1.0 - TOLERANCE}
    return FlowAvailability(model, flows, home)
