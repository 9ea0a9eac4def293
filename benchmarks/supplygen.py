"""A synthetic AI supply graph generator for benchmarks, deterministic by seed.

Tiers, from the bottom up: countries → suppliers → components → chips → software → models
(and datasets) → industries.  Every edge points from the dependent to what it depends on,
as in the README's model.  Fan-in is skewed (a few suppliers, fabs, frameworks and models are used
by many), suppliers sit in one to three countries with shares, items have one to four
suppliers with partly listed shares, some items need a share threshold, and dependents hold
``REQUIRES`` groups of alternatives (any one, or k of n).  Requirements between items of one
tier point to lower-numbered items, so the generated graph has no cycles except where
``cycles`` asks for back edges between software items.

>>> g = supply_graph(2_000, seed=1)
>>> g.number_of_nodes(), g.number_of_edges() > 6_000
(2000, True)
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import networkx as nx

from graph.model import Node, NodeKind, Relationship, RelKind

__all__ = ["TIERS", "supply_graph", "to_records"]

# share of nodes per kind (countries are capped at 200)
TIERS: dict[str, float] = {"country": 0.002, "supplier": 0.20, "component": 0.30,
                           "chip": 0.08, "software": 0.15, "model": 0.17, "dataset": 0.04,
                           "industry": 0.058}


class _Generator:
    def __init__(self, nodes: int, seed: int, edges_per_node: float) -> None:
        self.rng = random.Random(seed)
        self.scale = edges_per_node / 4.25  # the tiers below average 4.25
        self.graph = nx.MultiDiGraph()
        self.ids: dict[str, list[str]] = {}
        counts = {k: max(2, round(nodes * f)) for k, f in TIERS.items()}
        counts["country"] = min(counts["country"], 200)
        counts["industry"] += nodes - sum(counts.values())
        for kind, count in counts.items():
            self.ids[kind] = [self._node_id(kind, i) for i in range(count)]
            for node in self.ids[kind]:
                self.graph.add_node(node, kind=kind, name=node.replace("-", " ").title(),
                                    failure_probability=self._probability(kind),
                                    min_supply_share=self._threshold(kind))

    @staticmethod
    def _node_id(kind: str, i: int) -> str:
        return f"C{i // 26 % 26 + 65:c}{i % 26 + 65:c}" if kind == "country" else f"{kind}-{i}"

    def _probability(self, kind: str) -> float:
        base = {"country": 0.01, "supplier": 0.02, "component": 0.005}.get(kind, 0.001)
        return round(self.rng.uniform(0.2, 1.8) * base, 5)

    def _threshold(self, kind: str) -> float:
        return 0.5 if kind in ("component", "chip") and self.rng.random() < 0.1 else 0.0

    def pick(self, kind: str, count: int, below: int | None = None) -> list[str]:
        """``count`` distinct nodes of ``kind``, skewed towards the first (popular) ones."""
        pool: Sequence[str] = self.ids[kind] if below is None else self.ids[kind][:below]
        if not pool:
            return []
        chosen: dict[str, None] = {}
        for _ in range(count * 3):
            if len(chosen) >= min(count, len(pool)):
                break
            index = min(int(self.rng.paretovariate(1.2)) - 1, len(pool) - 1)
            index = index if self.rng.random() < 0.5 else self.rng.randrange(len(pool))
            chosen[pool[index]] = None
        return list(chosen)

    def count(self, low: int, high: int) -> int:
        return max(low, round(self.rng.randint(low, high) * self.scale))

    def share_edges(self, node: str, kind: RelKind, targets: list[str]) -> None:
        raw = [self.rng.random() + 0.05 for _ in targets]
        total = sum(raw) * (1.0 if self.rng.random() < 0.5 else 1.25)
        for target, value in zip(targets, raw, strict=True):
            share = round(value / total, 4) if self.rng.random() < 0.8 else None
            self.graph.add_edge(node, target, key=kind.value, share=share)

    def requires(self, node: str, members: list[str], group: str | None,
                 min_required: int | None = None) -> None:
        for member in members:
            if member != node and not self.graph.has_edge(node, member, RelKind.REQUIRES.value):
                self.graph.add_edge(node, member, key=RelKind.REQUIRES.value, group=group,
                                    min_required=min_required if group else None)

    def alternatives(self, node: str, kind: str, name: str, most: int,
                     below: int | None = None) -> None:
        members = self.pick(kind, self.rng.randint(1, most), below)
        if len(members) >= 3 and self.rng.random() < 0.3:
            self.requires(node, members, f"{name}", len(members) - 1)
        else:
            self.requires(node, members, name if len(members) > 1 else None, 1)

    def build(self, cycles: int) -> nx.MultiDiGraph:
        for node in self.ids["supplier"]:
            self.share_edges(node, RelKind.LOCATED_IN, self.pick("country", self.count(1, 3)))
            self.graph.add_edge(node, self.pick("country", 1)[0],
                                key=RelKind.HEADQUARTERED_IN.value)
        for i, node in enumerate(self.ids["component"]):
            self.share_edges(node, RelKind.SUPPLIED_BY, self.pick("supplier", self.count(1, 4)))
            if i and self.rng.random() < 0.6:
                self.alternatives(node, "component", "inputs", 3, below=i)
        for node in self.ids["chip"]:
            self.share_edges(node, RelKind.SUPPLIED_BY, self.pick("supplier", self.count(1, 2)))
            self.requires(node, self.pick("component", self.count(2, 4)), None)
            self.alternatives(node, "component", "memory", 3)
        for i, node in enumerate(self.ids["software"]):
            self.share_edges(node, RelKind.SUPPLIED_BY, self.pick("supplier", self.count(1, 2)))
            self.alternatives(node, "chip", "runs_on", 4)
            if i and self.rng.random() < 0.5:
                self.requires(node, self.pick("software", 1, below=i), None)
        for node in self.ids["dataset"]:
            self.share_edges(node, RelKind.SUPPLIED_BY, self.pick("supplier", 1))
        for node in self.ids["model"]:
            self.share_edges(node, RelKind.SUPPLIED_BY, self.pick("supplier", 1))
            self.alternatives(node, "software", "framework", 3)
            self.alternatives(node, "chip", "trained_on", 3)
            self.requires(node, self.pick("dataset", self.count(1, 2)), None)
        for node in self.ids["industry"]:
            self.alternatives(node, "model", "models", 4)
            self.alternatives(node, "software", "stack", 2)
        software = self.ids["software"]
        for _ in range(cycles):  # back edges: an earlier item also accepts a later one
            low, high = sorted(self.rng.sample(range(len(software)), 2))
            self.requires(software[low], [software[high]], "back")
        return self.graph


def supply_graph(nodes: int, *, seed: int = 0, edges_per_node: float = 4.0,
                 cycles: int = 0) -> nx.MultiDiGraph:
    """A synthetic supply graph of ``nodes`` nodes and about ``edges_per_node`` relationships
    per node, in the format of :func:`graph.networkx_view.to_networkx`."""
    return _Generator(nodes, seed, edges_per_node).build(cycles)


def to_records(graph: nx.MultiDiGraph) -> tuple[list[Node], list[Relationship]]:
    """The same graph as :mod:`graph.model` records, for ingest and store benchmarks."""
    nodes = [Node(id=n, kind=NodeKind(a["kind"]), name=a["name"],
                  failure_probability=a["failure_probability"],
                  min_supply_share=a["min_supply_share"] or None)
             for n, a in graph.nodes(data=True)]
    rels = [Relationship(from_id=u, to_id=v, kind=RelKind(k), share=d.get("share"),
                         group=d.get("group"), min_required=d.get("min_required"))
            for u, v, k, d in graph.edges(keys=True, data=True)]
    return nodes, rels
