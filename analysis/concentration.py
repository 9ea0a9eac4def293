"""Supply concentration per item and a country's perspective.

*Items* are the nodes with ``SUPPLIED_BY`` or ``LOCATED_IN`` edges.  All measures use the
normalised shares of :mod:`analysis.semantics` (listed coverage is reported beside them):

- ``hhi_suppliers``: Herfindahl–Hirschman index over suppliers, ``Σ (100·share)²``,
  0–10,000; ``cr1``/``cr3``: the largest supplier's share and the three largest together.
- unknown is not equal: with two or more suppliers (or locations) and no share listed,
  these are ``None`` and coverage is 0, unless the equal split is asked for
  (``equal_split`` then says it was assumed);
- ``hhi_countries``, ``top_country``, ``countries_to_75``: the same over the item's
  countries, which are (§4.5) its ``LOCATED_IN`` countries with their shares; for an item
  with none, its headquarters country; failing that, its suppliers' countries (each
  supplier's own countries, recursively) weighted by supply share.  ``country_basis`` says
  which applied.  Shares are renormalised over the countries found.

A *perspective* (a country and optional allies) gives each item's ``domestic_share`` — the
part of its countries inside the perspective — and its ``self_sufficiency``: its capacity
availability when every country outside the perspective is fully disrupted.  Items are
listed least self-sufficient first; :func:`perspectives` gives many perspectives at once
(:mod:`analysis.perspective` computes them in arrays).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from analysis.capacity import CapacityModel, country_shares
from analysis.coverage import unknown_shares
from analysis.perspective import SeenFrom, items_of, perspective_model
from analysis.semantics import NodeSupply, SupplyModel, build_supply_model, node_names
from graph.errors import NotFoundError
from graph.lookup import did_you_mean
from graph.model import NodeKind

__all__ = [
    "Concentration",
    "PerspectiveItem",
    "hhi",
    "concentration",
    "perspective",
    "perspectives",
    "rank_by_impact",
]

SHARE_REACHED = 0.75


@dataclass(frozen=True)
class Concentration:
    """How concentrated one item's supply is, by supplier and by country."""

    id: str
    name: str
    kind: str
    suppliers: int
    hhi_suppliers: float | None
    cr1: float | None
    cr3: float | None
    top_supplier: str | None
    hhi_countries: float | None
    top_country: str | None
    top_country_share: float | None
    countries_to_75: int | None
    country_basis: str | None
    supplier_coverage: float | None
    location_coverage: float | None
    equal_split: bool = False

    @property
    def shares_unknown(self) -> bool:
        """No shares are listed and the measures are unknown (shown as such)."""
        return self.hhi_suppliers is None and self.suppliers > 1

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class PerspectiveItem:
    """One item seen from a country (and its allies)."""

    id: str
    name: str
    kind: str
    domestic_share: float
    self_sufficiency: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def hhi(shares: Iterable[float]) -> float:
    """Herfindahl–Hirschman index of shares summing to 1, on the 0–10,000 scale.

    >>> hhi([0.5, 0.5])
    5000.0
    >>> round(hhi([0.6, 0.3, 0.1]))
    4600
    """
    return float(sum((100.0 * s) ** 2 for s in shares))


def _basis(supply: NodeSupply) -> str | None:
    if supply.locations:
        return "headquarters" if supply.located_by_headquarters else "located"
    return "suppliers" if supply.suppliers else None


def _countries_to_reach(shares: Mapping[str, float], level: float = SHARE_REACHED) -> int:
    total = 0.0
    for count, share in enumerate(sorted(shares.values(), reverse=True), start=1):
        total += share
        if total >= level - 1e-9:
            return count
    return len(shares)


def _concentration(graph: nx.MultiDiGraph, model: SupplyModel, item: str,
                   equal_split: bool = False,
                   unknown_by_item: Mapping[str, tuple[bool, bool]] | None = None
                   ) -> Concentration:
    supply = model.nodes[item]
    by_supplier = sorted(supply.suppliers, key=lambda p: (-p[1], p[0]))
    countries = country_shares(model, item)
    if unknown_by_item is None:
        unknown_by_item = unknown_shares(model)
    unknown = unknown_by_item.get(item, (False, False))
    split = equal_split and any(unknown)
    if not equal_split:
        if unknown[0]:
            by_supplier = []
        if any(unknown) and len(countries) > 1:
            countries = {}  # the split decides the countries' shares, and none is listed
    top_country = max(countries, key=lambda c: (countries[c], c)) if countries else None
    attrs = graph.nodes[item]
    return Concentration(
        id=item, name=str(attrs.get("name", item)), kind=str(attrs.get("kind", "")),
        suppliers=len(supply.suppliers),
        hhi_suppliers=hhi(s for _, s in by_supplier) if by_supplier else None,
        cr1=by_supplier[0][1] if by_supplier else None,
        cr3=sum(s for _, s in by_supplier[:3]) if by_supplier else None,
        top_supplier=by_supplier[0][0] if by_supplier else None,
        hhi_countries=hhi(countries.values()) if countries else None,
        top_country=top_country,
        top_country_share=countries[top_country] if top_country else None,
        countries_to_75=_countries_to_reach(countries) if countries else None,
        country_basis=_basis(supply) if countries else None,
        supplier_coverage=0.0 if unknown[0] else supply.supplier_coverage,
        location_coverage=0.0 if unknown[1] else supply.location_coverage,
        equal_split=split)


def concentration(graph: nx.MultiDiGraph, items: Iterable[str] | None = None, *,
                  equal_split: bool = False) -> list[Concentration]:
    """Concentration of every item (or of ``items``), most concentrated by country first.

    An item with two or more suppliers (or locations) and no listed shares gets no HHI or
    CR values and coverage 0 (unknown is not equal), unless ``equal_split`` asks for the
    equal split; its countries are still known when every supplier sits in one country."""
    model = build_supply_model(graph)
    chosen = list(items) if items is not None else items_of(graph)
    missing = [i for i in chosen if i not in graph]
    if missing:
        raise NotFoundError(f"unknown node(s): {', '.join(missing)}"
                            f"{did_you_mean(node_names(graph), missing)}")
    unknown = unknown_shares(model)  # once: it walks every item of the model
    found = [_concentration(graph, model, item, equal_split, unknown) for item in chosen]
    return sorted(found, key=lambda c: (-(c.hhi_countries or 0.0),
                                        -(c.hhi_suppliers or 0.0), c.id))


def rank_by_impact(items: Iterable[Concentration], loss: Mapping[str, float]
                   ) -> list[Concentration]:
    """``items`` most concentrated by country first; among equal HHIs (many items sit in one
    country), those whose removal costs the targets the most capacity (``loss``: item id →
    capacity loss, e.g. a chokepoint's mean loss over targets) come first, then by HHI over
    suppliers, then by id.

    >>> a, b = (Concentration(i, i, "chip", 1, 10_000.0, 1.0, 1.0, "s", 10_000.0, "TW", 1.0,
    ...                       1, "located", 1.0, 1.0) for i in "ab")
    >>> [c.id for c in rank_by_impact([a, b], {"b": 0.4})]
    ['b', 'a']
    """
    return sorted(items, key=lambda c: (
        -round(c.hhi_countries or 0.0), -round(loss.get(c.id, 0.0), 6),
        -(c.hhi_suppliers or 0.0), c.id))


def perspective(graph: nx.MultiDiGraph, countries: Iterable[str],
                items: Iterable[str] | None = None,
                model: CapacityModel | None = None) -> list[PerspectiveItem]:
    """Each item's domestic share and self-sufficiency from ``countries`` (a country and its
    allies), least self-sufficient first (:mod:`analysis.perspective`)."""
    seen = perspectives(graph, [countries], items, model)
    return [PerspectiveItem(seen.items[i], seen.names[i], seen.kinds[i],
                            float(seen.domestic_share[i, 0]),
                            float(seen.self_sufficiency[i, 0]))
            for i in seen.order().tolist()]


def perspectives(graph: nx.MultiDiGraph, countries: Sequence[Iterable[str]],
                 items: Iterable[str] | None = None,
                 model: CapacityModel | None = None) -> SeenFrom:
    """Every item (or each of ``items``) seen from each of several perspectives at once,
    one column each; countries are checked to be country nodes."""
    chosen = [set(c) for c in countries]
    all_countries = {n for n, k in graph.nodes(data="kind") if k == NodeKind.COUNTRY.value}
    unknown = sorted(set().union(*chosen) - all_countries)
    if unknown:
        names = {c: str(graph.nodes[c].get("name") or c) for c in all_countries}
        raise NotFoundError(f"unknown country id(s): {', '.join(unknown)}"
                            f"{did_you_mean(names, unknown)} (use upper-case ISO 3166-1 "
                            "alpha-2 codes of country nodes, such as CN)")
    found = perspective_model(graph, model or CapacityModel(build_supply_model(graph)))
    return found.seen_from(chosen, None if items is None else list(items))
