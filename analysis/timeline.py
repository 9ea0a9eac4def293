"""Results over several horizons (DESIGN §4.6): SPOFs, chokepoints and scenarios at each.

Every horizon is the graph read by :func:`analysis.horizon.supply_at`; the models at later
horizons share the compiled structure of the first.  Chokepoint rankings share more: a
node's removal at a later horizon starts from its values at the previous one and evaluates
again only the nodes that read its changes differently now, and what lies downstream of them
(see :func:`_readers` for why that is exact).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from analysis.capacity import CapacityModel
from analysis.chokepoints import DEFAULT_KINDS, Chokepoint, losses_of, rank_chokepoints
from analysis.horizon import capacity_at, persistence, relieved_after, structure_at
from analysis.scenario import Scenario, ScenarioResult, run_scenario
from analysis.semantics import SupplyModel, resolve_targets
from analysis.spof import single_points_of_failure
from analysis.structure import compile_structure

__all__ = [
    "ChokepointTimeline",
    "spofs_over_time",
    "chokepoints_over_time",
    "scenario_over_time",
    "loss_curves",
]


def spofs_over_time(graph: nx.MultiDiGraph, targets: Iterable[str] | None,
                    horizons: Sequence[float], supply: SupplyModel | None = None
                    ) -> list[dict[str, list[str]]]:
    """The SPOFs of every target at each horizon (``supply``: the graph's model, if
    already read)."""
    chosen = resolve_targets(graph, targets)
    base = compile_structure(supply or graph)
    return [single_points_of_failure(structure_at(base, months), chosen)
            for months in horizons]


@dataclass(frozen=True)
class ChokepointTimeline:
    """The chokepoint ranking at each horizon, and every candidate's mean loss at each."""

    horizons: tuple[float, ...]
    rankings: tuple[tuple[Chokepoint, ...], ...]
    mean_losses: tuple[Mapping[str, float], ...]

    def losses(self, node: str) -> list[float]:
        """The node's mean capacity loss over the targets at each horizon."""
        return [found.get(node, 0.0) for found in self.mean_losses]

    def persistence(self, node: str) -> str:
        return persistence(self.losses(node))

    def relieved_after(self, node: str) -> float | None:
        return relieved_after(self.horizons, self.losses(node))

    def worst(self, top: int | None = None) -> list[Chokepoint]:
        """Every node ranked at some horizon, by its worst loss over the horizons, then its
        loss at the first; each as ranked where its loss is worst."""
        best: dict[str, Chokepoint] = {}
        for ranking in self.rankings:
            for c in ranking:
                if c.id not in best or c.capacity_loss > best[c.id].capacity_loss:
                    best[c.id] = c
        first = self.mean_losses[0]
        ordered = sorted(best.values(), key=lambda c: (-c.capacity_loss,
                                                       -first.get(c.id, 0.0), c.id))
        return ordered[:top] if top is not None else ordered

    def persistent_to_the_end(self) -> list[Chokepoint]:
        """Chokepoints whose loss at the last horizon is at least 90 % of their first (or
        that only appear later), by their loss at the last horizon."""
        last = self.rankings[-1]
        return [c for c in last if c.capacity_loss > 0
                and self.persistence(c.id) == "persistent"]

    def time_fields(self, node: str) -> dict[str, Any]:
        """``persistence`` and ``relieved_after_months`` of a node, as in the JSON."""
        return {"persistence": self.persistence(node),
                "relieved_after_months": self.relieved_after(node)}


def chokepoints_over_time(graph: nx.MultiDiGraph, targets: Iterable[str] | None,
                          horizons: Sequence[float], *, top: int | None = None,
                          model: CapacityModel | None = None,
                          kinds: Iterable[str] | None = DEFAULT_KINDS) -> ChokepointTimeline:
    """The chokepoint ranking at each horizon (the first ``top`` of each, all when
    ``None``), and every candidate's loss at each."""
    chosen = resolve_targets(graph, targets)
    base = model or CapacityModel.from_graph(graph)
    models = [capacity_at(base, months) for months in horizons]
    losses = _removal_losses_over(models, chosen, kinds)
    structure = compile_structure(base.supply)
    count = max(len(chosen), 1)
    return ChokepointTimeline(
        tuple(horizons),
        tuple(tuple(rank_chokepoints(graph, m, chosen, found, top=top,
                                     structure=structure_at(structure, months, m.supply)))
              for months, m, found in zip(horizons, models, losses, strict=True)),
        tuple({node: sum(per.values()) / count for node, per in found.items()}
              for found in losses))


def _every_input(model: CapacityModel, node: int) -> Iterable[int]:
    """Every input ``node`` has at some horizon."""
    name = model.ids[node]
    if name in model.supply.timed:
        return (model.index[m] for m in model.supply.timed_inputs(name))
    return model.inputs[node]


def _readers(before: SupplyModel, after: SupplyModel, index: Mapping[str, int]
             ) -> dict[int, set[int]]:
    """For each input, the nodes that read it through a rule that differs between
    ``before`` and ``after`` (a supply, location or requirement rule).

    A rule whose members are all fully available evaluates to 1 at every horizon (held
    inputs count 1, shares sum to at least 1, every group is met).  So a propagation that
    lowers none of these inputs has the same greatest fixpoint in both, and one that lowers
    some changes only what lies downstream of their readers.
    """
    found: dict[int, set[int]] = {}

    def read(members: Iterable[str], reader: str) -> None:
        for member in members:
            found.setdefault(index[member], set()).add(index[reader])

    for name in before.timed:
        x, y = before.nodes[name], after.nodes[name]
        if x == y:
            continue
        if (x.suppliers, x.held_suppliers) != (y.suppliers, y.held_suppliers):
            read((s for s, _ in (*x.suppliers, *x.held_suppliers, *y.suppliers,
                                 *y.held_suppliers)), name)
        if (x.locations, x.held_locations) != (y.locations, y.held_locations):
            read((c for c, _ in (*x.locations, *x.held_locations, *y.locations,
                                 *y.held_locations)), name)
        if x.groups != y.groups:
            read((m for g in (*x.groups, *y.groups) for m in g.members), name)
    return found


def _removal_losses_over(models: Sequence[CapacityModel], targets: Sequence[str],
                         kinds: Iterable[str] | None) -> list[dict[str, dict[str, float]]]:
    """:func:`analysis.chokepoints.removal_losses` at each model's horizon.

    At each horizon after the first, a removal starts from its values at the previous
    horizon: if it lowered no input that a node reads differently now (:func:`_readers`),
    its losses stay; otherwise only those readers and what lies downstream are evaluated
    again.  (A removal that reaches a cycle is propagated again from scratch: on a cycle,
    only a start from full availability is sure to end at the greatest fixpoint.)
    """
    first = models[0]
    target_index = {first.index[t]: t for t in targets}
    seen: set[int] = set()
    stack = list(target_index)
    while stack:
        for j in _every_input(first, stack.pop()):
            if j not in seen:
                seen.add(j)
                stack.append(j)
    relevant = seen | set(target_index)
    readers = [_readers(a.supply, b.supply, first.index)
               for a, b in zip(models, models[1:], strict=False)]
    wanted = set(kinds) if kinds is not None else None
    candidates = [n for n in sorted(seen) if wanted is None or first.kinds[n] in wanted]
    result: list[dict[str, dict[str, float]]] = [{} for _ in models]
    for node in candidates:
        name = first.ids[node]
        changed = first.propagate({node: 1.0}, (node,), relevant.__contains__)
        result[0][name] = losses_of(node, changed, target_index)
        for k, model in enumerate(models[1:], start=1):
            seeds = {x for j in (node, *changed) for x in readers[k - 1].get(j, ())}
            if not seeds:
                result[k][name] = result[k - 1][name]
                continue
            if any(model.cyclic[model.component[j]] for j in changed):
                changed = model.propagate({node: 1.0}, (node,), relevant.__contains__)
            else:
                changed = model.propagate({node: 1.0}, seeds, relevant.__contains__,
                                          start=changed)
            result[k][name] = losses_of(node, changed, target_index)
    return result


def scenario_over_time(graph: nx.MultiDiGraph, scenario: Scenario,
                       horizons: Sequence[float], model: CapacityModel | None = None
                       ) -> list[ScenarioResult]:
    """The scenario's result at each horizon."""
    base = model or CapacityModel.from_graph(graph)
    return [run_scenario(graph, scenario, capacity_at(base, months)) for months in horizons]


def loss_curves(results: Sequence[ScenarioResult]) -> dict[str, list[float]]:
    """Target → its capacity loss at each horizon (the results in horizon order)."""
    curves: dict[str, list[float]] = {}
    for result in results:
        for impact in result.targets:
            curves.setdefault(impact.id, []).append(impact.capacity_loss)
    return curves
