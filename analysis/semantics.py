"""The supply structure of every node, read once from the graph.

Both semantics start here: the Boolean one (up/down, for SPOFs, cut sets, probability) and
the capacity one (availability in [0, 1], for what-if and chokepoints).  For each node it
holds its suppliers and locations with *normalised* shares, the listed coverage, and its
``REQUIRES`` groups.

Shares: edges without a share split equally what the listed shares leave (all equally when
none is listed); shares are then normalised to sum to 1.  The listed total is kept as
*coverage*.  A node with no ``LOCATED_IN`` edges is located in its headquarters countries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from graph.errors import NotFoundError
from graph.lookup import did_you_mean
from graph.model import NodeKind, RelKind

__all__ = [
    "Group",
    "NodeSupply",
    "SupplyModel",
    "build_supply_model",
    "normalise_shares",
    "default_targets",
    "resolve_targets",
    "node_names",
]


@dataclass(frozen=True)
class Group:
    """A ``REQUIRES`` group: at least ``min_required`` of ``members`` must be up."""

    name: str
    members: tuple[str, ...]
    min_required: int


@dataclass(frozen=True)
class NodeSupply:
    """How one node depends on others."""

    id: str
    kind: str
    suppliers: tuple[tuple[str, float], ...]
    supplier_coverage: float | None
    locations: tuple[tuple[str, float], ...]
    location_coverage: float | None
    located_by_headquarters: bool
    headquarters: tuple[str, ...]
    groups: tuple[Group, ...]
    min_supply_share: float
    failure_probability: float
    blockable: bool

    def inputs(self) -> set[str]:
        """Every node this one's state depends on directly."""
        found = {s for s, _ in self.suppliers} | {c for c, _ in self.locations}
        for group in self.groups:
            found.update(group.members)
        return found


@dataclass(frozen=True)
class SupplyModel:
    """The supply structure of a whole graph, keyed by node id."""

    nodes: dict[str, NodeSupply]

    def dependents(self) -> dict[str, set[str]]:
        """For each node, the nodes whose state depends on it directly."""
        result: dict[str, set[str]] = defaultdict(set)
        for node in self.nodes.values():
            for source in node.inputs():
                result[source].add(node.id)
        return result


def normalise_shares(shares: list[float | None]) -> tuple[list[float], float | None]:
    """Normalised shares and the listed coverage (``None`` when no share is listed).

    >>> normalise_shares([0.5, None, None])
    ([0.5, 0.25, 0.25], 0.5)
    >>> normalise_shares([0.3, 0.3])
    ([0.5, 0.5], 0.6)
    >>> normalise_shares([None, None])
    ([0.5, 0.5], None)
    """
    if not shares:
        return [], None
    listed = [s for s in shares if s is not None]
    coverage = sum(listed) if listed else None
    missing = len(shares) - len(listed)
    fill = max(0.0, 1.0 - (coverage or 0.0)) / missing if missing else 0.0
    raw = [fill if s is None else s for s in shares]
    total = sum(raw)
    if total <= 0:
        return [1.0 / len(shares)] * len(shares), coverage
    return [s / total for s in raw], coverage


def _normalised(edges: list[tuple[str, float | None]]
                ) -> tuple[tuple[tuple[str, float], ...], float | None]:
    edges.sort()
    shares, coverage = normalise_shares([s for _, s in edges])
    pairs = zip(edges, shares, strict=True)
    return tuple((target, share) for (target, _), share in pairs), coverage


def _groups(requires: list[tuple[str, dict]]) -> tuple[Group, ...]:
    members: dict[str, list[str]] = defaultdict(list)
    needed: dict[str, int] = {}
    for target, data in requires:
        name = data.get("group") or f"requires:{target}"
        members[name].append(target)
        if data.get("min_required") is not None:
            needed[name] = max(needed.get(name, 1), int(data["min_required"]))
    return tuple(Group(name, tuple(sorted(m)), min(needed.get(name, 1), len(m)))
                 for name, m in sorted(members.items()))


_SUPPLIED_BY, _LOCATED_IN = RelKind.SUPPLIED_BY.value, RelKind.LOCATED_IN.value
_REQUIRES, _HQ = RelKind.REQUIRES.value, RelKind.HEADQUARTERED_IN.value


def _node_supply(graph: nx.MultiDiGraph, node: str) -> NodeSupply:
    attrs = graph.nodes[node]
    supplied: list[tuple[str, float | None]] = []
    located: list[tuple[str, float | None]] = []
    requires: list[tuple[str, dict]] = []
    hq: list[str] = []
    # One pass over the node's out-edges (this runs for every node of graphs of 10^5 nodes).
    for target, keyed in graph.adj[node].items():
        for key, data in keyed.items():
            if key == _SUPPLIED_BY:
                supplied.append((target, data.get("share")))
            elif key == _LOCATED_IN:
                located.append((target, data.get("share")))
            elif key == _REQUIRES:
                requires.append((target, data))
            elif key == _HQ:
                hq.append(target)
    suppliers, supplier_coverage = _normalised(supplied)
    hq.sort()
    by_hq = not located and bool(hq)
    if by_hq:
        located = [(country, None) for country in hq]
    locations, location_coverage = _normalised(located)
    return NodeSupply(
        id=node,
        kind=str(attrs.get("kind", "")),
        suppliers=suppliers,
        supplier_coverage=supplier_coverage,
        locations=locations,
        location_coverage=None if by_hq else location_coverage,
        located_by_headquarters=by_hq,
        headquarters=tuple(hq),
        groups=_groups(requires),
        min_supply_share=float(attrs.get("min_supply_share") or 0.0),
        failure_probability=float(attrs.get("failure_probability") or 0.0),
        blockable=bool(attrs.get("blockable", True)),
    )


def build_supply_model(graph: nx.MultiDiGraph) -> SupplyModel:
    """Read the supply structure of every node of ``graph``."""
    return SupplyModel({node: _node_supply(graph, node) for node in sorted(graph.nodes)})


def default_targets(graph: nx.MultiDiGraph) -> list[str]:
    """All ``industry`` nodes, sorted: the default targets of every analysis."""
    return sorted(n for n, k in graph.nodes(data="kind") if k == NodeKind.INDUSTRY.value)


def resolve_targets(graph: nx.MultiDiGraph, targets: Iterable[str] | None) -> list[str]:
    """The given targets (checked to exist), or the default ones."""
    if not targets:
        return default_targets(graph)
    chosen = list(dict.fromkeys(targets))
    missing = [t for t in chosen if t not in graph]
    if missing:
        raise NotFoundError(f"unknown target node(s): {', '.join(missing)}"
                            f"{did_you_mean(node_names(graph), missing)}; list targets with "
                            "`chokepoint targets`, find ids with `chokepoint search TEXT`")
    return chosen


def node_names(graph: nx.MultiDiGraph) -> dict[str, str]:
    """Each node's name by id (its id when it has none), for suggestions."""
    return {n: str(name or n) for n, name in graph.nodes(data="name")}
