"""How sure a chokepoint ranking is, given share ranges (design §4.7).

``share_low`` / ``share_high`` on ``SUPPLIED_BY`` and ``LOCATED_IN`` relationships give the
range of a contested share (default: the share itself).  :func:`chokepoint_uncertainty` draws
``N`` graphs with each ranged share uniform in its range (then renormalised as usual, §4.1),
with a fixed seed, and reports for each chokepoint its mean loss over the draws, the 5–95 %
interval of its loss, its chance of being in the top ``k``, and whether its interval lies
wholly above the next one's (ranks that are statistically distinct).

Cost.  All draws are propagated together: every availability is a vector over the draws
(numpy), so ``N`` draws cost a small multiple of one removal per candidate, not ``N`` of
them.  Only the removals of a *pool* of candidates are re-evaluated: the chokepoints ranked
nominally highest (``max(4·k, 40)`` by default), with their SPOF counts as tie-breaks.  A node
far below the pool cannot plausibly enter the top ``k``; ``pool`` says how many were compared.
Draws whose graph has no ranged share are identical, so a graph without ranges costs one draw.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from analysis.capacity import MAX_CYCLE_EVALUATIONS, TOLERANCE, CapacityModel
from analysis.chokepoints import Chokepoint, upstream
from analysis.semantics import normalise_shares

__all__ = ["RankConfidence", "Ranges", "share_ranges", "chokepoint_uncertainty", "CHUNK"]

CHUNK = 500
"""Draws evaluated together (one vector per node); bounds memory to about
``CHUNK × 8`` bytes per node a removal reaches."""

Ranges = dict[tuple[int, str], list[tuple[int, float | None, float | None, float | None]]]
"""(node index, "suppliers" | "locations") → its edges: (input index, share, low, high)."""


@dataclass(frozen=True)
class RankConfidence:
    """How one chokepoint's loss and rank vary over the draws."""

    id: str
    mean_loss: float
    loss_interval: tuple[float, float]
    p_top_k: float
    distinct_from_next: bool

    def as_dict(self) -> dict[str, Any]:
        return {"mean_loss": self.mean_loss, "loss_interval": list(self.loss_interval),
                "p_top_k": self.p_top_k, "distinct_from_next": self.distinct_from_next}


def share_ranges(graph: nx.MultiDiGraph, model: CapacityModel) -> Ranges:
    """The supplier and location lists of every node that has at least one ranged share."""
    found: dict[tuple[int, str], list[tuple[int, float | None, float | None, float | None]]]
    found = {}
    ranged: set[tuple[int, str]] = set()
    for u, v, kind, data in graph.edges(keys=True, data=True):
        if kind not in ("SUPPLIED_BY", "LOCATED_IN"):
            continue
        key = (model.index[u], "suppliers" if kind == "SUPPLIED_BY" else "locations")
        low, high = data.get("share_low"), data.get("share_high")
        found.setdefault(key, []).append((model.index[v], data.get("share"), low, high))
        if low is not None or high is not None:
            ranged.add(key)
    return {key: sorted(found[key], key=lambda e: model.ids[e[0]]) for key in sorted(ranged)}


Weights = dict[tuple[int, str], tuple[tuple[int, ...], np.ndarray]]
"""(node index, side) → its inputs and their drawn, normalised shares (inputs × draws)."""


def _draw_weights(ranges: Ranges, rng: random.Random, draws: int) -> Weights:
    """Every ranged share drawn uniformly in its range, ``draws`` times, renormalised."""
    result: Weights = {}
    for key, edges in ranges.items():
        matrix = np.empty((len(edges), draws))
        for column in range(draws):
            shares: list[float | None] = []
            for _, share, low, high in edges:
                lo = low if low is not None else share
                hi = high if high is not None else share
                shares.append(rng.uniform(lo, hi) if lo is not None and hi is not None
                              else share)
            matrix[:, column], _ = normalise_shares(shares)
        result[key] = (tuple(j for j, _, _, _ in edges), matrix)
    return result


class _ManyDraws:
    """The capacity propagation of :mod:`analysis.capacity`, with every availability a vector
    over the draws (so one pass answers all of them)."""

    def __init__(self, model: CapacityModel, weights: Weights, draws: int) -> None:
        self.m = model
        self.weights = weights
        self.n = draws
        self.one = np.ones(draws)

    def _share_sum(self, node: int, side: str, value: dict[int, np.ndarray]) -> np.ndarray:
        drawn = self.weights.get((node, side))
        if drawn is not None:
            inputs, matrix = drawn
            return np.einsum("ij,ij->j", matrix,
                             np.stack([value.get(j, self.one) for j in inputs]))
        total = np.zeros(self.n)
        for j, w in getattr(self.m, side)[node]:
            total += w * value.get(j, self.one)
        return total

    def evaluate(self, node: int, value: dict[int, np.ndarray], removed: int) -> np.ndarray:
        if node == removed:
            return np.zeros(self.n)
        m = self.m
        best = self.one
        if m.suppliers[node]:
            best = np.minimum(best, self._share_sum(node, "suppliers", value))
        if m.locations[node]:
            best = np.minimum(best, self._share_sum(node, "locations", value))
        for members, needed in m.groups[node]:
            if len(members) == 1:
                got = value.get(members[0], self.one)
            else:
                stacked = np.stack([value.get(j, self.one) for j in members])
                got = -np.partition(-stacked, needed - 1, axis=0)[needed - 1]
            best = np.minimum(best, got)
        return np.maximum(best, 0.0)

    def removal(self, removed: int, relevant: set[int]) -> dict[int, np.ndarray]:
        """Availabilities below 1 in some draw after removing ``removed``."""
        m = self.m
        changed: dict[int, np.ndarray] = {}
        queue = [(m.component[removed], removed)]
        queued = {removed}
        evaluations: dict[int, int] = {}
        while queue:
            _, i = heapq.heappop(queue)
            queued.discard(i)
            new = self.evaluate(i, changed, removed)
            if float(np.max(np.abs(new - changed.get(i, self.one)))) <= TOLERANCE:
                continue
            if m.cyclic[m.component[i]]:
                evaluations[i] = evaluations.get(i, 0) + 1
                if evaluations[i] > MAX_CYCLE_EVALUATIONS:
                    continue
            changed[i] = new
            for j in m.dependents[i]:
                if j not in queued and j in relevant:
                    queued.add(j)
                    heapq.heappush(queue, (m.component[j], j))
        return changed


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def chokepoint_uncertainty(graph: nx.MultiDiGraph, ranked: Sequence[Chokepoint],
                           targets: Sequence[str], draws: int, *, seed: int = 0, k: int = 10,
                           pool: int | None = None, model: CapacityModel | None = None,
                           on_draw: Callable[[int], None] | None = None
                           ) -> dict[str, RankConfidence]:
    """Loss intervals and top-``k`` chances of the nominally ``ranked`` chokepoints (every
    candidate, most damaging first) over ``draws`` draws of the share ranges."""
    model = model or CapacityModel.from_graph(graph)
    size = pool if pool is not None else max(4 * k, 40)
    candidates = list(ranked[:size])
    ranges = share_ranges(graph, model)
    target_index = {model.index[t] for t in targets}
    relevant = upstream(model, target_index) | target_index
    count = max(len(targets), 1)
    spofs = {c.id: c.spof_count for c in candidates}
    losses: dict[str, list[float]] = {c.id: [] for c in candidates}
    in_top: dict[str, int] = {c.id: 0 for c in candidates}
    rng = random.Random(seed)
    done = 0
    while done < draws:
        chunk = min(CHUNK, draws - done) if ranges else 1
        engine = _ManyDraws(model, _draw_weights(ranges, rng, chunk), chunk)
        table = np.zeros((len(candidates), chunk))
        for row, c in enumerate(candidates):
            i = model.index[c.id]
            changed = engine.removal(i, relevant)
            for t, v in changed.items():
                if t in target_index and t != i:
                    table[row] += 1.0 - v
        table /= count
        repeats = chunk if ranges else draws
        for column in range(chunk):
            values = {c.id: float(table[row, column]) for row, c in enumerate(candidates)}
            order = sorted(values, key=lambda n: (-values[n], -spofs[n], n))
            for node in order[:k]:
                in_top[node] += repeats if not ranges else 1
            for node, loss in values.items():
                losses[node].extend([loss] * (1 if ranges else repeats))
        done += repeats
        if on_draw is not None:
            on_draw(done)
    result: dict[str, RankConfidence] = {}
    intervals = {n: (_percentile(v, 0.05), _percentile(v, 0.95)) for n, v in losses.items()}
    for position, c in enumerate(candidates):
        after = candidates[position + 1] if position + 1 < len(candidates) else None
        distinct = after is None or intervals[c.id][0] > intervals[after.id][1] + TOLERANCE
        result[c.id] = RankConfidence(
            c.id, sum(losses[c.id]) / max(draws, 1), intervals[c.id],
            in_top[c.id] / max(draws, 1), distinct)
    return result
