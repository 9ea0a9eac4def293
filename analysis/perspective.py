"""Every item seen from many perspectives at once, in arrays.

A *perspective* is a set of countries (one, or one and its allies).  An item's
``domestic_share`` is the part of its countries' shares
(:func:`analysis.capacity.country_shares`) that lies inside the perspective; its
``self_sufficiency`` is its availability when every country outside is fully disrupted.

:class:`PerspectiveModel` holds what all perspectives of one compiled capacity model share
and answers K perspectives with one pass of whole-array operations:

- availability: the model's rules in :class:`~analysis.capacity_arrays.ArrayCapacity`
  (compiled from the capacity model itself, so held inputs and the horizon are read as the
  model reads them), one column per perspective;
- countries: each node's country shares, unnormalised, one column for all of them and one
  per perspective for those inside, propagated from located nodes to the nodes supplied
  by them, a supplier level at a time (a node's countries are its sites' when it has sites,
  else its suppliers' weighted by supply share).  The recursion of ``country_shares`` skips
  a supplier already on the path, which changes a result only on a supply cycle among
  nodes without sites; those nodes are read by that recursion itself.

>>> import networkx as nx
>>> from analysis.capacity import CapacityModel
>>> g = nx.MultiDiGraph()
>>> g.add_nodes_from([("chip", {"kind": "chip"}), ("TW", {"kind": "country"}),
...                   ("US", {"kind": "country"})])
>>> for country, share in (("TW", 0.6), ("US", 0.4)):
...     _ = g.add_edge("chip", country, "LOCATED_IN", share=share)
>>> model = PerspectiveModel(g, CapacityModel.from_graph(g))
>>> seen = model.seen_from([["US"], ["TW", "US"]])
>>> seen.items, seen.domestic_share.round(6).tolist(), seen.self_sufficiency.tolist()
(('chip',), [[0.4, 1.0]], [[0.4, 1.0]])
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from analysis.capacity import CapacityModel, _countries
from analysis.capacity_arrays import ArrayCapacity, dependency_levels
from analysis.semantics import SupplyModel
from graph.model import NodeKind

__all__ = ["SeenFrom", "PerspectiveModel", "perspective_model", "items_of", "SORT_DIGITS"]

SORT_DIGITS = 9
"""Values are sorted rounded to this many decimals: the order of two items must not depend
on how the sums were added up."""

COLUMNS_AT_ONCE = 64
"""Perspectives evaluated together (each costs a column over every relationship)."""


def items_of(graph: nx.MultiDiGraph) -> list[str]:
    """The items: nodes with ``SUPPLIED_BY`` or ``LOCATED_IN`` relationships, sorted."""
    return sorted({u for u, _, k in graph.edges(keys=True)
                   if k in ("SUPPLIED_BY", "LOCATED_IN")})


@dataclass(frozen=True)
class SeenFrom:
    """Every item (rows, sorted by id) seen from each perspective (columns)."""

    items: tuple[str, ...]
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    domestic_share: np.ndarray
    self_sufficiency: np.ndarray

    def order(self, column: int = 0) -> np.ndarray:
        """Row numbers least self-sufficient first, then least domestic, then by id."""
        return np.lexsort((np.array(self.items, dtype=str),
                           self.domestic_share[:, column].round(SORT_DIGITS),
                           self.self_sufficiency[:, column].round(SORT_DIGITS)))


class PerspectiveModel:
    """What every perspective of ``model`` (compiled from ``graph``) shares; build once
    (:func:`perspective_model` keeps one per model)."""

    def __init__(self, graph: nx.MultiDiGraph, model: CapacityModel) -> None:
        self.graph = graph
        self.countries = sorted(n for n, k in graph.nodes(data="kind")
                                if k == NodeKind.COUNTRY.value)
        self.capacity = ArrayCapacity.from_model(model)
        self.shares = CountryShares(model.supply, model.ids)
        self._items: tuple[str, ...] | None = None

    @property
    def items(self) -> tuple[str, ...]:
        """Every item of the graph (:func:`items_of`)."""
        if self._items is None:
            self._items = tuple(items_of(self.graph))
        return self._items

    def seen_from(self, perspectives: Sequence[Collection[str]],
                  items: Sequence[str] | None = None) -> SeenFrom:
        """Each item's (or each of ``items``') domestic share and self-sufficiency from each
        of ``perspectives`` (sets of country ids; an id that is no country counts for
        nothing)."""
        chosen = self.items if items is None else tuple(items)
        rows = np.array([self.capacity.index[item] for item in chosen], dtype=np.int64)
        domestic, sufficient = [], []
        for start in range(0, len(perspectives), COLUMNS_AT_ONCE):
            chunk = [set(p) for p in perspectives[start:start + COLUMNS_AT_ONCE]]
            total, inside = self.shares.inside(chunk)
            total, inside = total[rows], inside[rows]
            domestic.append(np.divide(inside, total[:, None], out=np.zeros_like(inside),
                                      where=total[:, None] > 0))
            cut = [{c: 1.0 for c in self.countries if c not in p} for p in chunk]
            sufficient.append(self.capacity.availabilities(cut)[rows])
        attrs = [self.graph.nodes[item] for item in chosen]
        empty = np.zeros((len(chosen), 0))
        return SeenFrom(chosen, tuple(str(a.get("name", i)) for a, i in zip(attrs, chosen,
                                                                             strict=True)),
                        tuple(str(a.get("kind", "")) for a in attrs),
                        np.hstack(domestic) if domestic else empty,
                        np.hstack(sufficient) if sufficient else empty)


_MODELS: weakref.WeakKeyDictionary[CapacityModel, PerspectiveModel] = \
    weakref.WeakKeyDictionary()


def perspective_model(graph: nx.MultiDiGraph, model: CapacityModel) -> PerspectiveModel:
    """The perspective model of ``model`` (compiled from ``graph``), built on first use and
    kept as long as the model is (a model is never changed)."""
    found = _MODELS.get(model)
    if found is None:
        found = _MODELS[model] = PerspectiveModel(graph, model)
    return found


class CountryShares:
    """Every node's country shares, unnormalised, as :func:`analysis.capacity.country_shares`
    finds them before normalising, summed over the countries of any perspective."""

    def __init__(self, supply: SupplyModel, ids: Sequence[str]) -> None:
        self.size = len(ids)
        index = {node: i for i, node in enumerate(ids)}
        codes: dict[str, int] = {}
        site_of: list[int] = []
        place: list[int] = []
        site_share: list[float] = []
        reader: list[int] = []
        supplier: list[int] = []
        weight: list[float] = []
        located = np.zeros(self.size, dtype=bool)
        for i, node in enumerate(ids):
            entry = supply.nodes[node]
            if entry.locations or entry.held_locations:
                located[i] = True
                sites = dict((*entry.locations, *entry.held_locations))
                site_of.extend([i] * len(sites))
                place.extend([codes.setdefault(c, len(codes)) for c in sites])
                site_share.extend(sites.values())
                continue
            for name, share in (*entry.suppliers, *entry.held_suppliers):
                reader.append(i)
                supplier.append(index[name])
                weight.append(share)
        self.places = list(codes)
        self.site_of, self.place = np.array(site_of, dtype=np.int64), \
            np.array(place, dtype=np.int64)
        self.site_share = np.array(site_share, dtype=np.float64)
        src, dst = np.array(reader, dtype=np.int64), np.array(supplier, dtype=np.int64)
        shares = np.array(weight, dtype=np.float64)
        among = ~located[dst]
        level, cyclic = dependency_levels(self.size, src[among], dst[among])
        # On a supply cycle the recursion's path matters: those nodes are read by it.
        self.on_cycle = {i: _countries(supply, ids[i], frozenset())
                         for i in np.flatnonzero(cyclic).tolist()}
        chosen = ~cyclic[src]
        src, dst, shares = src[chosen], dst[chosen], shares[chosen]
        order = np.argsort(level[src], kind="stable")
        src, dst, shares = src[order], dst[order], shares[order]
        bounds = np.flatnonzero(np.diff(level[src])) + 1
        self.levels = list(zip(np.split(src, bounds), np.split(dst, bounds),
                               np.split(shares, bounds), strict=True)) if len(src) else []

    def inside(self, perspectives: Sequence[Collection[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Every node's known country share in all (a vector) and inside each perspective
        (a column each)."""
        member = np.zeros((len(self.places), 1 + len(perspectives)))
        member[:, 0] = 1.0
        for column, countries in enumerate(perspectives, start=1):
            member[:, column] = [p in countries for p in self.places]
        value = np.zeros((self.size, 1 + len(perspectives)))
        np.add.at(value, self.site_of, self.site_share[:, None] * member[self.place])
        for node, found in self.on_cycle.items():
            value[node, 0] = sum(found.values())
            for column, countries in enumerate(perspectives, start=1):
                value[node, column] = sum(s for c, s in found.items() if c in countries)
        for src, dst, shares in self.levels:  # suppliers' levels first
            np.add.at(value, src, shares[:, None] * value[dst])
        return value[:, 0], value[:, 1:]

