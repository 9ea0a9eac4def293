"""Capacity semantics on a graph held in arrays: a scenario over millions of relationships.

:class:`analysis.capacity.CapacityModel` keeps Python tuples per node and relationship, built
from a NetworkX graph (about a kilobyte per relationship).  :class:`ArrayCapacity` compiles
the same rules from :class:`~analysis.arrays.GraphArrays` into flat arrays — one row per
input and one per *term*: a node's supply sum, its location sum, its hard requirements (the
least of them) and each ``REQUIRES`` group (its ``min_required``-th largest member) — and
evaluates a scenario a dependency level at a time, each level with a few whole-array
operations, so that ``a(x) = (1 − d(x)) · min(1, S(x), L(x), R(x))`` (DESIGN §4.2) is
computed for every node at once.

Supported, with the same results as the capacity model: disruptions of any node with a
severity (a country's disruption is its node's, which reaches what is sited there through
``LOCATED_IN`` shares), shares normalised as :mod:`analysis.semantics` does (headquarters
stand in for the sites of a node with none), groups with ``min_required``, and cycles (the
greatest fixpoint: a cyclic component is iterated from full availability down until no
value moves more than :data:`~analysis.capacity.TOLERANCE`, for at most
:data:`~analysis.capacity.MAX_CYCLE_EVALUATIONS` rounds, as the capacity model does; a cycle
that drains by less than about 0.1 % a round stops at that cap above its fixpoint, in both
models but not at the same point).  ``min_supply_share`` is a
Boolean threshold and plays no part in capacity, here as there.

Not supported, and refused with an :class:`~graph.errors.InputError` rather than answered
wrongly: blocks (§4.5: per-destination flows; use :func:`analysis.scenario.run_scenario`),
and, from arrays, the time fields of §4.6 (``buffer_months``, ``lead_time_months``,
``surge_share``): :class:`GraphArrays` does not hold them, so :meth:`ArrayCapacity.from_graph`
refuses a graph that has them.  :meth:`ArrayCapacity.from_model` compiles a
:class:`~analysis.capacity.CapacityModel` instead, whatever its horizon: its shares are
already read at that horizon, and the inputs a node holds (buffers) count as available
there, so they read a constant input that is always 1.

:meth:`ArrayCapacity.availabilities` evaluates many scenarios at once, one column each (every
perspective of the app, say); each column is the scenario :meth:`ArrayCapacity.availability`
gives on its own, cycles included (a column stops iterating when it has converged).

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_nodes_from([("chip", {"kind": "chip"}), ("TW", {"kind": "country"}),
...                   ("US", {"kind": "country"}), ("car", {"kind": "industry"})])
>>> for target, key, share in (("TW", "LOCATED_IN", 0.6), ("US", "LOCATED_IN", 0.4)):
...     _ = g.add_edge("chip", target, key, share=share)
>>> _ = g.add_edge("car", "chip", "REQUIRES")
>>> model = ArrayCapacity.from_graph(g)
>>> round(float(model.availability({"TW": 1.0})[model.index["car"]]), 6)
0.4
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from analysis.arrays import RELS, GraphArrays, normalised_shares, rule_codes
from analysis.capacity import MAX_CYCLE_EVALUATIONS, TOLERANCE, Block
from analysis.semantics import TIME_FIELDS
from analysis.spof import dependency_depths, dependency_order, sorted_unique
from graph.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from analysis.capacity import CapacityModel

__all__ = ["ArrayCapacity", "dependency_levels"]

_HQ = RELS.index("HEADQUARTERED_IN")

SUM, LEAST, MOST, KTH = 0, 1, 2, 3
"""How a term reads its inputs: a share-weighted sum (suppliers, sites), the least (hard
requirements, groups needing every member), the largest (groups needing one), the k-th
largest (other groups)."""


@dataclass(frozen=True)
class _Terms:
    """Terms of one class in one stage, each over ``inputs[starts[t]:starts[t + 1]]``."""

    kind: int
    owner: np.ndarray
    starts: np.ndarray
    inputs: np.ndarray
    weights: np.ndarray
    pick: np.ndarray
    """For ``KTH``: the position of the k-th largest input once each term's are sorted."""
    term_of_input: np.ndarray

    def values(self, a: np.ndarray) -> np.ndarray:
        """Each term's value from availabilities ``a`` (one column per scenario, or one
        scenario as a vector)."""
        got = a[self.inputs]
        if self.kind == SUM:
            weights = self.weights if got.ndim == 1 else self.weights[:, None]
            return np.add.reduceat(got * weights, self.starts)
        if self.kind == LEAST:
            return np.minimum.reduceat(got, self.starts)
        if self.kind == MOST:
            return np.maximum.reduceat(got, self.starts)
        if got.ndim == 1:
            return got[np.lexsort((-got, self.term_of_input))][self.pick]
        return np.stack([column[np.lexsort((-column, self.term_of_input))][self.pick]
                         for column in got.T], axis=1)


@dataclass(frozen=True)
class _Stage:
    """The nodes of one dependency level that are on cycles, or those that are not: what is
    evaluated at once."""

    cyclic: bool
    nodes: np.ndarray
    terms: tuple[_Terms, ...]


class ArrayCapacity:
    """The capacity rules of every node in arrays; compile once, run many scenarios."""

    def __init__(self, arrays: GraphArrays) -> None:
        self._setup(arrays.ids, arrays.nodes, _compile(arrays.nodes, *_terms(arrays)))

    def _setup(self, ids: Sequence[str], size: int, stages: list[_Stage]) -> None:
        self.ids = ids
        self.index = {node: i for i, node in enumerate(self.ids)}
        self.size = size
        """Rows evaluated: the nodes, and an input always at 1 when some are held."""
        self.stages = stages

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph) -> ArrayCapacity:
        """The model of a NetworkX graph; refused when it has time fields (§4.6)."""
        for u, v, key, data in graph.edges(keys=True, data=True):
            timed = [name for name in TIME_FIELDS if data.get(name) is not None]
            if timed:
                raise InputError(
                    f"{u} -{key}-> {v} has {', '.join(timed)}: the array capacity model "
                    "reads horizon 0 without time fields; use analysis.capacity instead")
        return cls(GraphArrays.from_graph(graph))

    @classmethod
    def from_model(cls, model: CapacityModel) -> ArrayCapacity:
        """The rules of a compiled capacity model, at the horizon it was read at (time
        fields allowed: held inputs read a row that is always available)."""
        terms, held = _model_terms(model)
        size = len(model.ids) + held
        found = cls.__new__(cls)
        found._setup(model.ids, size, _compile(size, *terms))
        return found

    def availability(self, disruption: Mapping[str, float] | None = None,
                     blocks: Iterable[Block] = ()) -> np.ndarray:
        """Availability of every node (by node number) under ``disruption`` (node id →
        severity 0–1).  Blocks are refused: they need per-destination flows."""
        if any(b.from_countries and b.to_countries for b in blocks):
            raise InputError("blocks are not supported by the array capacity model; run the "
                             "scenario on the capacity model (analysis.scenario)")
        keep = np.ones(self.size)
        self._disrupt(keep, disruption or {})
        return self._run(keep)[:len(self.ids)]

    def availabilities(self, disruptions: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Availability of every node (rows, by node number) under each of ``disruptions``
        (columns): what :meth:`availability` gives for each, in one pass."""
        keep = np.ones((self.size, len(disruptions)))
        for column, disruption in enumerate(disruptions):
            self._disrupt(keep[:, column], disruption)
        return self._run(keep)[:len(self.ids)]

    def _disrupt(self, keep: np.ndarray, disruption: Mapping[str, float]) -> None:
        missing = [node for node in disruption if node not in self.index]
        if missing:
            raise NotFoundError(f"unknown node(s) in the disruption: {', '.join(missing)}")
        for node, severity in disruption.items():
            keep[self.index[node]] = min(1.0, max(0.0, 1.0 - float(severity)))

    def _run(self, keep: np.ndarray) -> np.ndarray:
        """Every stage in order, inputs first; a cyclic stage's scenarios each iterated until
        they move no more than the tolerance (the others keep the values they stopped at)."""
        value = keep.copy()
        best = np.ones_like(keep)
        for stage in self.stages:
            _evaluate(stage, value, keep, best)
            if not stage.cyclic:
                continue
            settled = np.zeros(keep.shape[1:], dtype=bool)
            for _ in range(MAX_CYCLE_EVALUATIONS):
                before = value[stage.nodes]
                _evaluate(stage, value, keep, best)
                moved = np.max(before - value[stage.nodes], axis=0, initial=0.0)
                if value.ndim > 1:
                    value[np.ix_(stage.nodes, settled)] = before[:, settled]
                settled |= moved <= TOLERANCE
                if settled.all():
                    break
        return value


def _evaluate(stage: _Stage, value: np.ndarray, keep: np.ndarray, best: np.ndarray) -> None:
    """Every node of ``stage`` from the current values of its inputs (Jacobi: all at once)."""
    best[stage.nodes] = 1.0
    for terms in stage.terms:
        np.minimum.at(best, terms.owner, terms.values(value))
    value[stage.nodes] = np.maximum(0.0, keep[stage.nodes] * best[stage.nodes])


# -- compiling --------------------------------------------------------------------------------
def _compile(n: int, owner: np.ndarray, kind: np.ndarray, k: np.ndarray, count: np.ndarray,
             dst: np.ndarray, weights: np.ndarray) -> list[_Stage]:
    """The stages of the terms of nodes ``0..n-1`` (by owner, with their inputs term after
    term), inputs first."""
    level, cyclic = dependency_levels(n, np.repeat(owner, count), dst)
    # terms by stage (level, then acyclic before cyclic), class and owner; inputs follow
    term_order = np.lexsort((owner, kind, cyclic[owner], level[owner]))
    rank = np.empty_like(term_order)
    rank[term_order] = np.arange(len(term_order))
    term = rank[np.repeat(np.arange(len(count)), count)]
    input_order = np.argsort(term, kind="stable")
    dst, weights, term = dst[input_order], weights[input_order], term[input_order]
    owner, kind, k, count = (x[term_order] for x in (owner, kind, k, count))
    first = np.concatenate(([0], np.cumsum(count)))
    stage_key = (level[owner] * 2 + cyclic[owner]) * 4 + kind
    bounds = np.flatnonzero(np.concatenate(([True], stage_key[1:] != stage_key[:-1]))) \
        if len(stage_key) else np.zeros(0, dtype=np.int64)
    stages: list[_Stage] = []
    pending: list[_Terms] = []
    for lo, hi in itertools.pairwise([*bounds.tolist(), len(stage_key)]):
        start, end = first[lo], first[hi]
        local = first[lo:hi] - start
        pending.append(_Terms(int(kind[lo]), owner[lo:hi], local, dst[start:end],
                              weights[start:end], local + k[lo:hi] - 1, term[start:end]))
        if hi == len(stage_key) or stage_key[hi] // 4 != stage_key[lo] // 4:
            nodes = sorted_unique(np.concatenate([t.owner for t in pending]))
            stages.append(_Stage(bool(stage_key[lo] // 4 % 2), nodes, tuple(pending)))
            pending = []
    return stages


def _terms(arrays: GraphArrays) -> tuple[np.ndarray, ...]:
    """Every node's terms, by owner: ``owner``, class, ``k`` (for groups: the largest
    ``min_required`` listed, at least 1, at most its size), number of inputs; and the
    inputs, term after term, with their normalised shares (1 outside sums)."""
    code, supply = rule_codes(arrays)
    keep = code >= 0
    src, dst, code = arrays.src[keep].astype(np.int64), arrays.dst[keep].astype(np.int64), \
        code[keep]
    share = np.where(arrays.rel[keep] == _HQ, np.nan, arrays.share[keep])
    needed = arrays.min_required[keep].astype(np.int64)
    order = np.lexsort((code, src))
    src, dst, code, share, needed = (x[order] for x in (src, dst, code, share, needed))
    key = src * (supply + 2) + code
    new = np.concatenate(([True], key[1:] != key[:-1])) if len(key) else key.astype(bool)
    starts = np.flatnonzero(new)
    term = np.cumsum(new) - 1
    count = np.diff(np.append(starts, len(key)))
    owner, term_code = src[starts], code[starts]
    most = np.maximum.reduceat(np.where(needed >= 0, needed, 1), starts) if len(starts) \
        else np.zeros(0, dtype=np.int64)
    k = np.where(term_code == 0, count, np.minimum(np.maximum(most, 1), count))
    kind = np.where(term_code >= supply, SUM,
                    np.where(k >= count, LEAST, np.where(k == 1, MOST, KTH)))
    weights = np.where(code >= supply, normalised_shares(share, term, count), 1.0)
    return owner, kind, k, count, dst, weights


def _model_terms(model: CapacityModel) -> tuple[tuple[np.ndarray, ...], bool]:
    """The terms of a compiled capacity model, as :func:`_terms` gives them, and whether
    some input is held: held suppliers and sites read row ``n`` (always 1), which adds
    their share to the sum as :meth:`CapacityModel.evaluate` does.  Whole lists at a time:
    this runs over every relationship of the graph."""
    n = len(model.ids)
    suppliers = _flat_terms(model.suppliers)
    sites = _flat_terms(model.locations)
    held = np.array(model.held_supply, dtype=np.float64)
    extra = np.flatnonzero((held > 0) & (suppliers[0] > 0))
    site_dst = sites[1].copy()
    held_sites = [i for i, found in enumerate(model.held_sites) if found]
    if held_sites:
        first = np.concatenate(([0], np.cumsum(sites[0])))
        for i in held_sites:
            span = slice(first[i], first[i + 1])
            site_dst[span] = [n if c in model.held_sites[i] else c
                              for c in site_dst[span].tolist()]
    groups = list(itertools.chain.from_iterable(model.groups))
    group_owner = np.repeat(np.arange(n), [len(g) for g in model.groups])
    needed = np.array([k for _, k in groups], dtype=np.int64)
    size = np.array([len(m) for m, _ in groups], dtype=np.int64)
    members = np.fromiter(itertools.chain.from_iterable(m for m, _ in groups), dtype=np.int64,
                          count=int(size.sum()))
    # suppliers (a held share is one more input, read last), sites, then groups
    sum_owner = np.concatenate((np.flatnonzero(suppliers[0]), np.flatnonzero(sites[0])))
    owner = np.concatenate((sum_owner, group_owner))
    kind = np.concatenate((np.full(len(sum_owner), SUM), np.where(
        needed >= size, LEAST, np.where(needed == 1, MOST, KTH))))
    k = np.concatenate((np.ones(len(sum_owner), dtype=np.int64), needed))
    held_inputs = np.zeros(n, dtype=np.int64)
    held_inputs[extra] = 1
    count = np.concatenate((suppliers[0][suppliers[0] > 0] + held_inputs[suppliers[0] > 0],
                            sites[0][sites[0] > 0], size))
    # each supplier term's inputs, then its held share: placed by a stable sort on the term
    supplier_term = np.repeat(np.arange(n), suppliers[0])
    order = np.argsort(np.concatenate((supplier_term, extra)), kind="stable")
    dst = np.concatenate((np.concatenate((suppliers[1], np.full(len(extra), n)))[order],
                          site_dst, members))
    weights = np.concatenate((np.concatenate((suppliers[2], held[extra]))[order], sites[2],
                              np.ones(len(members))))
    return (owner, kind, k, count, dst, weights), bool(len(extra) or held_sites)


def _flat_terms(entries: Sequence[Sequence[tuple[int, float]]]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each node's number of ``(input, weight)`` entries, and all inputs and weights."""
    count = np.fromiter(map(len, entries), dtype=np.int64, count=len(entries))
    flat = np.array(list(itertools.chain.from_iterable(entries)), dtype=np.float64
                    ).reshape(-1, 2)
    return count, flat[:, 0].astype(np.int64), flat[:, 1]


def dependency_levels(n: int, src: np.ndarray, dst: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """For nodes ``0..n-1`` where ``src[i]`` reads ``dst[i]``: each node's level (every
    input lies at a lower level or in the node's own strongly connected component, whose
    nodes share a level) and whether it lies on a cycle."""
    pairs = sorted_unique(src.astype(np.int64) * n + dst) if n else np.zeros(0, np.int64)
    src, dst = pairs // max(n, 1), pairs % max(n, 1)
    level = dependency_depths(n, src, dst)
    if (level >= 0).all():
        return level, np.zeros(n, dtype=bool)
    components = dependency_order(n, src, dst)
    sizes = np.fromiter(map(len, components), dtype=np.int64, count=len(components))
    members = np.fromiter(itertools.chain.from_iterable(components), dtype=np.int64, count=n)
    component = np.empty(n, dtype=np.int64)
    component[members] = np.repeat(np.arange(len(components)), sizes)
    on_cycle = sizes > 1
    on_cycle[component[src[src == dst]]] = True
    between = component[src] != component[dst]
    m = len(components)
    condensed = sorted_unique(component[src[between]] * m + component[dst[between]])
    return dependency_depths(m, condensed // m, condensed % m)[component], on_cycle[component]
