"""Chokepoints: nodes ranked by the capacity loss their removal causes.

A node's *removal* is its full disruption (``d = 1``) under the capacity semantics of
:mod:`analysis.capacity`.  Its ``capacity_loss`` is the **mean over all targets** of
``1 − a(T)`` after the removal (a target's loss from removing itself is left out), so 1 means
"every target loses everything"; ``total_loss`` is the same sum (in target-equivalents).
Ties are broken by the number of targets the node is a SPOF of (Boolean semantics,
:func:`analysis.spof.single_points_of_failure`), then by id.  Each chokepoint comes with the
path that explains it: from the target it hurts most down to the node through the inputs
that bind under its removal (:func:`binding_path`), not merely the first path found.

Only nodes upstream of some target are candidates, and each removal is propagated only
through the nodes whose availability actually changes, within the targets' upstream.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx

from analysis.capacity import TOLERANCE, CapacityModel, upstream
from analysis.regions import mean_by_region
from analysis.semantics import resolve_targets
from analysis.spof import single_points_of_failure
from analysis.structure import SupplyStructure, compile_structure

__all__ = ["Chokepoint", "chokepoints", "DEFAULT_KINDS", "removal_losses", "dependency_path",
           "upstream", "rank_chokepoints", "losses_of", "losses_for"]


@dataclass(frozen=True)
class Chokepoint:
    """One node, what its removal costs the targets, and why."""

    id: str
    name: str
    kind: str
    capacity_loss: float
    total_loss: float
    max_loss: float
    targets_affected: int
    spof_count: int
    worst_target: str | None
    path: tuple[str, ...]
    rests_on_assumptions: bool = False
    facts_only_loss: float | None = None
    by_region: tuple[tuple[str, float], ...] = ()
    """Mean loss over the targets of each region (their headquarters country)."""

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind,
                "spof_count": self.spof_count, "capacity_loss": self.capacity_loss,
                "total_loss": self.total_loss, "max_loss": self.max_loss,
                "targets_affected": self.targets_affected, "worst_target": self.worst_target,
                "path": list(self.path), "rests_on_assumptions": self.rests_on_assumptions,
                "facts_only_loss": self.facts_only_loss, "by_region": dict(self.by_region)}


def removal_losses(model: CapacityModel, targets: Sequence[str],
                   kinds: Iterable[str] | None = None) -> dict[str, dict[str, float]]:
    """For every node upstream of a target (of ``kinds``, if given): target → capacity loss
    when the node is removed (only losses above the tolerance are listed)."""
    target_index = {model.index[t]: t for t in targets}
    upstream_nodes = upstream(model, target_index)
    relevant = upstream_nodes | set(target_index)
    wanted = set(kinds) if kinds is not None else None
    candidates = [n for n in sorted(upstream_nodes)
                  if wanted is None or model.supply.nodes[model.ids[n]].kind in wanted]
    result: dict[str, dict[str, float]] = {}
    for node in candidates:
        changed = model.propagate({node: 1.0}, (node,), relevant.__contains__)
        result[model.ids[node]] = losses_of(node, changed, target_index)
    return result


def losses_for(model: CapacityModel, losses: Mapping[str, Mapping[str, float]],
               targets: Sequence[str]) -> dict[str, dict[str, float]]:
    """:func:`removal_losses` for ``targets`` out of ``losses``, found for targets that
    include them (the loss a removal costs a target does not depend on the other targets):
    the nodes upstream of a target, each with its losses to these targets."""
    wanted = set(targets)
    cone = {model.ids[i] for i in upstream(model, [model.index[t] for t in targets])}
    return {node: {t: loss for t, loss in per_target.items() if t in wanted}
            for node, per_target in losses.items() if node in cone}


def losses_of(node: int, changed: Mapping[int, float],
              target_index: Mapping[int, str]) -> dict[str, float]:
    """Target → capacity loss from the availabilities ``changed`` by removing ``node``."""
    return {target_index[t]: 1.0 - v for t, v in changed.items()
            if t in target_index and t != node and 1.0 - v > TOLERANCE}


def dependency_path(model: CapacityModel, source: str, goal: str) -> tuple[str, ...]:
    """One shortest path ``source → … → goal`` along dependencies (empty if none)."""
    start, end = model.index[source], model.index[goal]
    parent = {start: start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == end:
            path = [node]
            while path[-1] != start:
                path.append(parent[path[-1]])
            return tuple(model.ids[i] for i in reversed(path))
        for j in model.inputs[node]:
            if j not in parent:
                parent[j] = node
                queue.append(j)
    return ()


def binding_path(model: CapacityModel, value: Mapping[int, float], source: str,
                 goal: str, within: Container[int] | None = None) -> tuple[str, ...]:
    """The path ``source → … → goal`` that follows the loss: from each node to the input
    that binds its availability under the removal that gave ``value`` (index → availability
    below 1).

    At each node the factor that sets ``min(S, L, R)`` is followed: for ``S`` (or ``L``) the
    supplier (location) whose loss moves the share-weighted sum most; for ``R`` the group
    with the lowest value and, in it, the member that sets the group's value.  Ties go to the
    input nearer the goal, then by id.  Falls back to a shortest dependency path when the
    walk cannot continue (the loss reaches the node through a cycle).  ``within``, when
    given, must hold every node upstream of ``source`` (it only bounds the search)."""
    start, end = model.index[source], model.index[goal]
    distance = model.distances_to(end, within)
    if start not in distance:
        return ()

    def got(i: int) -> float:
        return value.get(i, 1.0)

    def pick(candidates: list[tuple[float, int]]) -> int | None:
        usable = [(weight, j) for weight, j in candidates if j in distance and got(j) < 1.0]
        if not usable:
            return None
        return min(usable, key=lambda p: (-round(p[0], 9), distance[p[1]], model.ids[p[1]]))[1]

    path, seen = [start], {start}
    node = start
    while node != end:
        options: list[tuple[float, list[tuple[float, int]]]] = []
        if model.suppliers[node]:
            options.append((sum(w * got(s) for s, w in model.suppliers[node]),
                            [(w * (1.0 - got(s)), s) for s, w in model.suppliers[node]]))
        if model.locations[node]:
            options.append((sum(w * got(c) for c, w in model.locations[node]),
                            [(w * (1.0 - got(c)), c) for c, w in model.locations[node]]))
        for members, needed in model.groups[node]:
            ranked = sorted(members, key=lambda m: (-got(m), distance.get(m, len(distance)),
                                                    model.ids[m]))
            setter = ranked[needed - 1]
            level = got(setter)
            options.append((level, [(1.0 - level, m) for m in ranked
                                    if abs(got(m) - level) <= TOLERANCE]))
        chosen = None
        for _, candidates in sorted(options, key=lambda o: o[0]):
            chosen = pick(candidates)
            if chosen is not None:
                break
        if chosen is None or chosen in seen:
            rest = dependency_path(model, model.ids[node], goal)
            return tuple(model.ids[i] for i in path[:-1]) + rest if rest else ()
        path.append(chosen)
        seen.add(chosen)
        node = chosen
    return tuple(model.ids[i] for i in path)


DEFAULT_KINDS = ("supplier", "country")
"""Who and where: the nodes that fail, or are cut by a decision, in the real world.  An item
node such as "ALD tools" stands for a whole product class; removing it outright takes every
chip down, which says more about the model than about the world, so items are ranked only
when asked for (``kinds=None``)."""


def chokepoints(graph: nx.MultiDiGraph, targets: Iterable[str] | None = None, *,
                top: int | None = None, model: CapacityModel | None = None,
                kinds: Iterable[str] | None = DEFAULT_KINDS,
                structure: SupplyStructure | None = None,
                assumptions: Collection[tuple[str, str, str]] | None = None,
                spofs: Mapping[str, Sequence[str]] | None = None,
                losses: Mapping[str, Mapping[str, float]] | None = None) -> list[Chokepoint]:
    """Nodes (of ``kinds``; all kinds when ``None``) whose removal costs the targets
    capacity, most damaging first.  ``structure`` (compiled from ``model``'s supply) spares
    compiling it again for the SPOF counts, ``assumptions`` (the graph's
    :func:`~analysis.trust.assumption_edges`) reading every relationship again, ``spofs``
    (the targets' single points of failure on that structure) finding them, and ``losses``
    (:func:`removal_losses` of ``kinds`` for targets that include these) the removals."""
    chosen = resolve_targets(graph, targets)
    model = model or CapacityModel.from_graph(graph)
    if losses is None:
        losses = removal_losses(model, chosen, kinds)
    else:
        losses = losses_for(model, losses, chosen)
    return rank_chokepoints(graph, model, chosen, losses, top=top, structure=structure,
                            assumptions=assumptions, spofs=spofs)


def rank_chokepoints(graph: nx.MultiDiGraph, model: CapacityModel, targets: Sequence[str],
                     losses: Mapping[str, Mapping[str, float]], *, top: int | None = None,
                     structure: SupplyStructure | None = None,
                     assumptions: Collection[tuple[str, str, str]] | None = None,
                     spofs: Mapping[str, Sequence[str]] | None = None) -> list[Chokepoint]:
    """Rank the nodes of ``losses`` (node → target → loss on ``model``), with SPOF counts
    (from ``spofs`` when given, else found on ``structure``, compiled from ``model`` when not
    given) and explaining paths."""
    chosen = list(targets)
    target_index = {model.index[t] for t in chosen}
    relevant = upstream(model, target_index) | target_index
    counts = _spof_counts(structure or compile_structure(model.supply), chosen) \
        if spofs is None else _counted({t: spofs[t] for t in chosen})
    count = max(len(chosen), 1)
    ranked = sorted(
        (node for node in losses if losses[node] or counts.get(node)),
        key=lambda n: (-sum(losses[n].values()), -counts.get(n, 0), n))
    if top is not None:
        ranked = ranked[:top]
    result = []
    for node in ranked:
        per_target = losses[node]
        worst = max(chosen, key=lambda t: per_target.get(t, 0.0)) if per_target else None
        attrs = graph.nodes[node]
        result.append(Chokepoint(
            id=node, name=str(attrs.get("name", node)), kind=str(attrs.get("kind", "")),
            capacity_loss=sum(per_target.values()) / count,
            total_loss=sum(per_target.values()),
            max_loss=max(per_target.values(), default=0.0),
            targets_affected=len(per_target), spof_count=counts.get(node, 0),
            worst_target=worst,
            path=_explaining_path(model, worst, node, relevant) if worst else (),
            by_region=tuple(mean_by_region(graph, per_target, chosen).items())))
    return _with_assumptions(graph, result, chosen, model.supply.months, assumptions)


def _with_assumptions(graph: nx.MultiDiGraph, found: list[Chokepoint],
                      targets: Sequence[str], months: float,
                      assumptions: Collection[tuple[str, str, str]] | None = None
                      ) -> list[Chokepoint]:
    """Flag the chokepoints that rest on modelling assumptions (see :mod:`analysis.trust`)."""
    from analysis.trust import assumption_edges, chokepoints_resting

    count = max(len(targets), 1)
    if not (assumption_edges(graph) if assumptions is None else assumptions):
        return [replace(c, facts_only_loss=c.capacity_loss) for c in found]
    resting = chokepoints_resting(graph, [c.id for c in found], targets,
                                  {c.id: c.total_loss for c in found}, months)
    return [replace(c, rests_on_assumptions=resting[c.id][0],
                    facts_only_loss=resting[c.id][1] / count) for c in found]


def _explaining_path(model: CapacityModel, target: str, node: str,
                     relevant: set[int]) -> tuple[str, ...]:
    i = model.index[node]
    value = model.propagate({i: 1.0}, (i,), relevant.__contains__)
    return binding_path(model, value, target, node, relevant)


def _spof_counts(structure: SupplyStructure, targets: Sequence[str]) -> dict[str, int]:
    """How many targets each node is a single point of failure of (Boolean semantics)."""
    return _counted(single_points_of_failure(structure, list(targets)))


def _counted(spofs: Mapping[str, Sequence[str]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for nodes in spofs.values():
        for node in nodes:
            found[node] = found.get(node, 0) + 1
    return found
