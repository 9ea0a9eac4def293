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

import argparse
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.arrays import KINDS, RELS, GraphArrays  # noqa: E402
from analysis.spof import sorted_unique  # noqa: E402
from graph.model import Node, NodeKind, Relationship, RelKind  # noqa: E402

__all__ = ["TIERS", "supply_arrays", "supply_graph", "to_records"]

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


class _ArrayGenerator:
    """The generator above, drawn with NumPy a tier at a time: the same tiers, fan-in,
    shares and groups, other random numbers; a million nodes in seconds."""

    def __init__(self, nodes: int, seed: int, edges_per_node: float) -> None:
        self.rng = np.random.default_rng(seed)
        self.scale = edges_per_node / 4.25
        counts = {k: max(2, round(nodes * f)) for k, f in TIERS.items()}
        counts["country"] = min(counts["country"], 200)
        counts["industry"] += nodes - sum(counts.values())
        self.counts = counts
        self.first: dict[str, int] = {}
        start = 0
        for kind, count in counts.items():
            self.first[kind] = start
            start += count
        self.n = start
        self.edges: list[tuple[np.ndarray, ...]] = []  # (src, dst, rel, share, group, min)
        self.group_names: list[str] = []

    def sources(self, kind: str) -> np.ndarray:
        return np.arange(self.first[kind], self.first[kind] + self.counts[kind])

    def count(self, low: int, high: int, size: int) -> np.ndarray:
        drawn = self.rng.integers(low, high + 1, size)
        return np.maximum(low, np.round(drawn * self.scale)).astype(np.int64)

    def pick(self, src: np.ndarray, counts: np.ndarray, kind: str,
             below: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Distinct (source, member) pairs, ``counts`` drawn per source, skewed to the
        first members of ``kind`` (only members numbered below ``below`` when given)."""
        pool = np.full(len(src), self.counts[kind]) if below is None else below
        counts = np.where(pool > 0, counts, 0)
        owner = np.repeat(np.arange(len(src)), counts)
        size = pool[owner]
        popular = np.minimum(np.floor(self.rng.pareto(1.2, len(owner))), size - 1)
        anywhere = np.floor(self.rng.random(len(owner)) * size)
        index = np.where(self.rng.random(len(owner)) < 0.5, popular, anywhere).astype(np.int64)
        pairs = sorted_unique(owner * self.counts[kind] + index)
        return src[pairs // self.counts[kind]], self.first[kind] + pairs % self.counts[kind]

    def add(self, src: np.ndarray, dst: np.ndarray, rel: RelKind, share: np.ndarray | None = None,
            group: np.ndarray | None = None, needed: np.ndarray | None = None) -> None:
        none = np.full(len(src), -1, dtype=np.int32)
        self.edges.append((src.astype(np.int32), dst.astype(np.int32),
                           np.full(len(src), RELS.index(rel.value), dtype=np.int8),
                           np.full(len(src), np.nan) if share is None else share,
                           none if group is None else group.astype(np.int32),
                           none if needed is None else needed.astype(np.int32)))

    def share_edges(self, src: np.ndarray, dst: np.ndarray, rel: RelKind) -> None:
        raw = self.rng.random(len(src)) + 0.05
        local = np.searchsorted(sorted_unique(src), src)
        totals = np.bincount(local, weights=raw)
        totals *= np.where(self.rng.random(len(totals)) < 0.5, 1.0, 1.25)
        share = np.round(raw / totals[local], 4)
        share[self.rng.random(len(src)) >= 0.8] = np.nan
        self.add(src, dst, rel, share)

    def alternatives(self, kind_of_src: str, kind: str, name: str, most: int,
                     below: bool = False) -> None:
        src = self.sources(kind_of_src)
        limit = np.arange(len(src)) if below else None
        if below:  # as the scalar generator: only some items of a tier need earlier ones
            keep = (limit > 0) & (self.rng.random(len(src)) < 0.6)  # type: ignore[operator]
            src, limit = src[keep], limit[keep]  # type: ignore[index]
        owners, members = self.pick(src, self.rng.integers(1, most + 1, len(src)), kind, limit)
        local = np.searchsorted(src, owners)
        size = np.bincount(local, minlength=len(src))[local]
        k_of_n = (size >= 3) & (self.rng.random(len(src)) < 0.3)[local]
        code = len(self.group_names)
        self.group_names.append(name)
        group = np.where(size > 1, code, -1)
        needed = np.where(k_of_n, size - 1, np.where(size > 1, 1, -1))
        self.add(owners, members, RelKind.REQUIRES, group=group, needed=needed)

    def supplied(self, kind: str, low: int, high: int) -> None:
        src = self.sources(kind)
        owners, members = self.pick(src, self.count(low, high, len(src)), "supplier")
        self.share_edges(owners, members, RelKind.SUPPLIED_BY)

    def build(self) -> GraphArrays:
        suppliers = self.sources("supplier")
        owners, members = self.pick(suppliers, self.count(1, 3, len(suppliers)), "country")
        self.share_edges(owners, members, RelKind.LOCATED_IN)
        owners, members = self.pick(suppliers, np.ones(len(suppliers), np.int64), "country")
        self.add(owners, members, RelKind.HEADQUARTERED_IN)
        self.supplied("component", 1, 4)
        self.alternatives("component", "component", "inputs", 3, below=True)
        self.supplied("chip", 1, 2)
        chips = self.sources("chip")
        self.add(*self.pick(chips, self.count(2, 4, len(chips)), "component"), RelKind.REQUIRES)
        self.alternatives("chip", "component", "memory", 3)
        self.supplied("software", 1, 2)
        self.alternatives("software", "chip", "runs_on", 4)
        software = self.sources("software")
        keep = self.rng.random(len(software)) < 0.5
        keep[0] = False
        self.add(*self.pick(software[keep], np.ones(int(keep.sum()), np.int64), "software",
                            np.arange(len(software))[keep]), RelKind.REQUIRES)
        self.supplied("dataset", 1, 1)
        self.supplied("model", 1, 1)
        self.alternatives("model", "software", "framework", 3)
        self.alternatives("model", "chip", "trained_on", 3)
        models = self.sources("model")
        self.add(*self.pick(models, self.count(1, 2, len(models)), "dataset"), RelKind.REQUIRES)
        self.alternatives("industry", "model", "models", 4)
        self.alternatives("industry", "software", "stack", 2)
        columns = [np.concatenate(parts) for parts in zip(*self.edges, strict=True)]
        src, dst, rel = columns[0], columns[1], columns[2]
        # one relationship of a kind per pair, the first drawn (as in the multigraph)
        keys = (src.astype(np.int64) * self.n + dst) * len(RELS) + rel
        by_key = np.argsort(keys, kind="stable")
        keys = keys[by_key]
        first = np.sort(by_key[np.concatenate(([True], keys[1:] != keys[:-1]))])
        return GraphArrays(ids=self.ids(), kind=self.kinds(),
                           failure_probability=self.probabilities(),
                           min_supply_share=self.thresholds(),
                           src=src[first], dst=dst[first], rel=rel[first],
                           share=columns[3][first], group=columns[4][first],
                           min_required=columns[5][first], group_names=self.group_names)

    def ids(self) -> list[str]:
        result: list[str] = []
        for kind, count in self.counts.items():
            result.extend(_Generator._node_id(kind, i) for i in range(count))
        return result

    def kinds(self) -> np.ndarray:
        return np.concatenate([np.full(c, KINDS.index(k), dtype=np.int8)
                               for k, c in self.counts.items()])

    def probabilities(self) -> np.ndarray:
        base = {"country": 0.01, "supplier": 0.02, "component": 0.005}
        return np.concatenate([np.round(self.rng.uniform(0.2, 1.8, c) * base.get(k, 0.001), 5)
                               for k, c in self.counts.items()])

    def thresholds(self) -> np.ndarray:
        return np.concatenate([np.where(self.rng.random(c) < 0.1, 0.5, 0.0)
                               if k in ("component", "chip") else np.zeros(c)
                               for k, c in self.counts.items()])


def supply_arrays(nodes: int, *, seed: int = 0, edges_per_node: float = 4.0) -> GraphArrays:
    """A synthetic supply graph like :func:`supply_graph`'s, held in arrays (no cycles);
    a million nodes and about four million relationships take seconds."""
    return _ArrayGenerator(nodes, seed, edges_per_node).build()


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic supply graph held in "
                                                 "arrays to an .npz file.")
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--edges-per-node", type=float, default=4.0)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    start = time.perf_counter()
    arrays = supply_arrays(args.nodes, seed=args.seed, edges_per_node=args.edges_per_node)
    arrays.save(args.out)
    print(f"{arrays.nodes:,} nodes, {arrays.relationships:,} relationships in "
          f"{time.perf_counter() - start:.1f} s, written to {args.out}")


if __name__ == "__main__":
    main()
