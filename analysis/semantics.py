"""The supply structure of every node, read once from the graph.

Both semantics start here: the Boolean one (up/down, for SPOFs, cut sets, probability) and
the capacity one (availability in [0, 1], for what-if and chokepoints).  For each node it
holds its suppliers and locations with *normalised* shares, the listed coverage, and its
``REQUIRES`` groups.

Shares: edges without a share split equally what the listed shares leave (all equally when
none is listed); shares are then normalised to sum to 1.  The listed total is kept as
*coverage*.  A node with no ``LOCATED_IN`` edges is located in its headquarters countries.

Time (DESIGN §4.6).  The model is read at a horizon of ``months`` after a disruption starts
(0 by default).  The out-edges of every node that has a time field (``buffer_months``,
``lead_time_months``, ``surge_share``) are kept in :attr:`SupplyModel.timed`, so that
:func:`analysis.horizon.supply_at` can read the same model at another horizon by re-reading
only those nodes.  At a horizon:

- an edge whose ``lead_time_months`` lies ahead is absent (unless it carries a
  ``surge_share``: such a supplier holds its ``share`` from horizon 0);
- a supplier past its lead time counts with ``max(its normalised share, surge_share)``,
  without renormalising the others (availability caps the sum at 1);
- an input whose ``buffer_months`` lie ahead is *held*: it counts as available to this
  dependent whatever becomes of it.  Held suppliers and locations add their share to
  ``supplier_held`` / ``location_held``; a held ``REQUIRES`` member leaves its group and
  lowers the group's ``min_required`` by one (a group left needing none is dropped).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from graph.errors import NotFoundError
from graph.lookup import did_you_mean
from graph.model import NodeKind, RelKind

if TYPE_CHECKING:
    pass


class SupplyGraph(Protocol):
    """What the supply model is read from: a ``MultiDiGraph``, or the same nodes and edges
    as dictionaries (:class:`graph.networkx_view.Adjacency`)."""

    @property
    def nodes(self) -> Any: ...

    @property
    def adj(self) -> Any: ...

    def __contains__(self, node: object) -> bool: ...

__all__ = [
    "Group",
    "NodeSupply",
    "SupplyModel",
    "TIME_FIELDS",
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
    held_suppliers: tuple[tuple[str, float], ...] = ()
    held_locations: tuple[tuple[str, float], ...] = ()

    @property
    def supplier_held(self) -> float:
        """The supply share this node holds whatever becomes of its suppliers (buffers)."""
        return sum(share for _, share in self.held_suppliers)

    @property
    def location_held(self) -> float:
        """The location share this node holds whatever becomes of its sites (buffers)."""
        return sum(share for _, share in self.held_locations)

    def inputs(self) -> set[str]:
        """Every node this one's state depends on directly."""
        found = {s for s, _ in self.suppliers} | {c for c, _ in self.locations}
        for group in self.groups:
            found.update(group.members)
        return found


@dataclass(frozen=True)
class SupplyModel:
    """The supply structure of a whole graph, keyed by node id, read at ``months``.

    ``timed`` keeps the out-edges of the nodes that have time fields, so the model can be
    read at another horizon (:func:`analysis.horizon.supply_at`).
    """

    nodes: dict[str, NodeSupply]
    timed: dict[str, tuple[RawEdge, ...]] = field(default_factory=dict)
    months: float = 0.0

    def timed_inputs(self, node: str) -> set[str]:
        """Every node ``node`` may depend on at some horizon (its inputs when untimed)."""
        if node not in self.timed:
            return self.nodes[node].inputs()
        return {e.target for e in self.timed[node]}

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

TIME_FIELDS = ("buffer_months", "lead_time_months", "surge_share")
"""The relationship fields that make a node's supply depend on the horizon."""


@dataclass(frozen=True)
class RawEdge:
    """One out-edge as read from the graph, kept for nodes whose supply changes with time."""

    kind: str
    target: str
    share: float | None = None
    group: str | None = None
    min_required: int | None = None
    buffer_months: float = 0.0
    lead_time_months: float = 0.0
    surge_share: float | None = None

    def present(self, months: float) -> bool:
        """Absent while its lead time lies ahead, unless it is a supplier that surges."""
        if self.kind == _SUPPLIED_BY and self.surge_share is not None:
            return True
        return self.lead_time_months <= months

    def held(self, months: float) -> bool:
        """Held by the dependent: its buffer outlasts the horizon."""
        return self.buffer_months > months


def _raw_edges(graph: SupplyGraph, node: str) -> list[RawEdge]:
    found = []
    for target, keyed in graph.adj[node].items():
        for key, data in keyed.items():
            found.append(RawEdge(
                key, target, data.get("share"), data.get("group"), data.get("min_required"),
                float(data.get("buffer_months") or 0.0),
                float(data.get("lead_time_months") or 0.0), data.get("surge_share")))
    return found


def _dictionaries(graph: SupplyGraph) -> tuple[Mapping[str, dict[str, Any]],
                                                Mapping[str, dict[str, dict[str, dict]]]]:
    """The graph's node attributes and out-adjacency (``adj[from][to][kind]``) as plain
    dictionaries: a NetworkX graph's own (its read-only views cost a call per lookup, most
    of compiling a 50,000-node graph), or an :class:`Adjacency`'s."""
    nodes, adj = getattr(graph, "_node", None), getattr(graph, "_adj", None)
    if isinstance(nodes, dict) and isinstance(adj, dict):
        return nodes, adj
    return graph.nodes, graph.adj


def _surged(edges: list[RawEdge], shares: tuple[tuple[str, float], ...],
            months: float) -> list[tuple[RawEdge, float]]:
    """Each present edge with its share at ``months``: normalised, or its surge share."""
    by_target = sorted(edges, key=lambda e: e.target)
    result = []
    for edge, (_, share) in zip(by_target, shares, strict=True):
        surge = edge.surge_share
        if surge is not None and edge.lead_time_months <= months:
            share = max(share, float(surge))
        result.append((edge, share))
    return result


def _split_held(weighted: list[tuple[RawEdge, float]], months: float
                ) -> tuple[tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]]:
    live = tuple((e.target, w) for e, w in weighted if not e.held(months))
    held = tuple((e.target, w) for e, w in weighted if e.held(months))
    return live, held


def _held_groups(groups: tuple[Group, ...], held: set[str]) -> tuple[Group, ...]:
    """Groups with their held members counted as up: dropped, each lowering the need."""
    result = []
    for group in groups:
        kept = tuple(m for m in group.members if m not in held)
        needed = group.min_required - (len(group.members) - len(kept))
        if needed > 0:
            result.append(Group(group.name, kept, needed))
    return tuple(result)


def _node_supply(node: str, attrs: dict[str, Any], out: dict[str, dict[str, dict]]
                 ) -> tuple[NodeSupply, bool]:
    """One node's supply from its attributes and out-edges (``out[target][kind]``), and
    whether any of those edges has a time field (:data:`TIME_FIELDS`)."""
    supplied: list[tuple[str, float | None]] = []
    located: list[tuple[str, float | None]] = []
    requires: list[tuple[str, dict]] = []
    hq: list[str] = []
    timed = False
    # One pass over the node's out-edges (this runs for every node of graphs of 10^5 nodes).
    for target, keyed in out.items():
        for key, data in keyed.items():
            if key == _SUPPLIED_BY:
                supplied.append((target, data.get("share")))
            elif key == _LOCATED_IN:
                located.append((target, data.get("share")))
            elif key == _REQUIRES:
                requires.append((target, data))
            elif key == _HQ:
                hq.append(target)
            if not timed:
                for name in TIME_FIELDS:
                    if data.get(name) is not None:
                        timed = True
                        break
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
    ), timed


def timed_node_supply(base: NodeSupply, edges: tuple[RawEdge, ...],
                      months: float) -> NodeSupply:
    """``base`` (the node's attributes) with its supply read from ``edges`` at ``months``."""
    present = [e for e in edges if e.present(months)]
    supplied = [e for e in present if e.kind == _SUPPLIED_BY]
    located = [e for e in present if e.kind == _LOCATED_IN]
    hq = sorted((e for e in edges if e.kind == _HQ), key=lambda e: e.target)
    suppliers, supplier_coverage = _normalised([(e.target, e.share) for e in supplied])
    by_hq = not located and bool(hq)
    if by_hq:
        located = [RawEdge(_LOCATED_IN, e.target, buffer_months=e.buffer_months) for e in hq]
    locations, location_coverage = _normalised([(e.target, e.share) for e in located])
    live_suppliers, held_suppliers = _split_held(_surged(supplied, suppliers, months), months)
    live_locations, held_locations = _split_held(_surged(located, locations, months), months)
    requires = [e for e in present if e.kind == _REQUIRES]
    groups = _groups([(e.target, {"group": e.group, "min_required": e.min_required})
                      for e in requires])
    held_members = {e.target for e in requires if e.held(months)}
    return NodeSupply(
        id=base.id, kind=base.kind,
        suppliers=live_suppliers, supplier_coverage=supplier_coverage,
        locations=live_locations, location_coverage=None if by_hq else location_coverage,
        located_by_headquarters=by_hq, headquarters=tuple(e.target for e in hq),
        groups=_held_groups(groups, held_members),
        min_supply_share=base.min_supply_share, failure_probability=base.failure_probability,
        blockable=base.blockable, held_suppliers=held_suppliers, held_locations=held_locations)


def build_supply_model(graph: SupplyGraph, months: float = 0.0) -> SupplyModel:
    """Read the supply structure of every node of ``graph`` at ``months`` (§4.6)."""
    attributes, adjacency = _dictionaries(graph)
    nodes: dict[str, NodeSupply] = {}
    timed: dict[str, tuple[RawEdge, ...]] = {}
    for node in sorted(attributes):
        nodes[node], is_timed = _node_supply(node, attributes[node], adjacency[node])
        if is_timed:
            timed[node] = tuple(_raw_edges(graph, node))
    for node, edges in timed.items():
        nodes[node] = timed_node_supply(nodes[node], edges, months)
    return SupplyModel(nodes, timed, months)


def default_targets(graph: SupplyGraph) -> list[str]:
    """All ``industry`` nodes, sorted: the default targets of every analysis."""
    attributes, _ = _dictionaries(graph)  # a NetworkX view would look every node up again
    return sorted(n for n, attrs in attributes.items()
                  if attrs.get("kind") == NodeKind.INDUSTRY.value)


def resolve_targets(graph: SupplyGraph, targets: Iterable[str] | None) -> list[str]:
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


def node_names(graph: SupplyGraph) -> dict[str, str]:
    """Each node's name by id (its id when it has none), for suggestions."""
    return {n: str(attrs.get("name") or n) for n, attrs in graph.nodes.items()}
