"""What the data does not say: unmodelled items and unknown shares (design §4.7).

An item the data gives no inputs for is **unmodelled**: its loss under any scenario is 0 only
because nothing upstream of it is known, not because it is safe.

- a ``chip`` or a ``model`` without ``REQUIRES`` edges (what it is made or trained with),
  counting none whose ``basis`` is ``assumption`` (a chip that only "needs EDA, like every
  chip" still has no known fab);
- a ``component``, ``software`` or ``dataset`` with no ``SUPPLIED_BY``, ``LOCATED_IN`` or
  ``REQUIRES`` edge at all (a headquarters alone says who owns it, not what it needs).

Items with ``blockable: false`` (openly licensed code or weights already in hand) are
modelled as needing nothing, on purpose, and are not listed.

Suppliers, countries and industries are never unmodelled: suppliers and countries are where
the graph ends by design, and industries are the targets.  A result that depends on an
unmodelled item (it lies upstream of the result's target) is **incomplete**, and says so.

An item whose suppliers (or locations) carry no listed shares has **unknown shares**: its
concentration is unknown unless the user asks for the equal split explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from analysis.semantics import SupplyGraph, SupplyModel, build_supply_model
from graph.model import ASSUMPTION

__all__ = ["Unmodelled", "unmodelled", "incomplete", "unknown_shares", "REASONS"]

REASONS = {
    "chip": "no REQUIRES beyond modelling assumptions: what it is made with is not in the data",
    "model": "no REQUIRES beyond modelling assumptions: what it is trained or served on is not "
             "in the data",
    "component": "no suppliers, sites or requirements",
    "software": "no suppliers, sites or requirements",
    "dataset": "no suppliers, sites or requirements",
}


@dataclass(frozen=True)
class Unmodelled:
    """An item with no modelled inputs, and how many nodes depend on it directly."""

    id: str
    name: str
    kind: str
    reason: str
    dependents: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _is_unmodelled(graph: SupplyGraph, supply: SupplyModel, node: str) -> bool:
    entry = supply.nodes[node]
    if not entry.blockable:
        return False
    if entry.kind in ("chip", "model"):
        return not any(key == "REQUIRES" and data.get("basis") != ASSUMPTION
                       for keyed in graph.adj[node].values() for key, data in keyed.items())
    if entry.kind in ("component", "software", "dataset"):
        located = entry.locations and not entry.located_by_headquarters
        return not (entry.suppliers or located or entry.groups)
    return False


def unmodelled(graph: SupplyGraph, supply: SupplyModel | None = None) -> list[Unmodelled]:
    """Every unmodelled item, those more depended on first."""
    supply = supply or build_supply_model(graph)
    dependents = supply.dependents()
    found = [Unmodelled(n, str(graph.nodes[n].get("name", n)), supply.nodes[n].kind,
                        REASONS[supply.nodes[n].kind], len(dependents.get(n, ())))
             for n in supply.nodes if _is_unmodelled(graph, supply, n)]
    return sorted(found, key=lambda u: (-u.dependents, u.id))


def incomplete(graph: SupplyGraph, targets: Iterable[str],
               supply: SupplyModel | None = None) -> dict[str, list[str]]:
    """For each target, the unmodelled items it depends on (directly or not; itself
    included), sorted; targets that depend on none are left out."""
    supply = supply or build_supply_model(graph)
    gaps = {u.id for u in unmodelled(graph, supply)}
    if not gaps:
        return {}
    result: dict[str, list[str]] = {}
    for target in targets:
        seen, stack = {target}, [target]
        while stack:
            for j in supply.nodes[stack.pop()].inputs():
                if j not in seen:
                    seen.add(j)
                    stack.append(j)
        hit = sorted(seen & gaps)
        if hit:
            result[target] = hit
    return result


def unknown_shares(supply: SupplyModel) -> Mapping[str, tuple[bool, bool]]:
    """Items whose supplier (first) or location (second) shares are all unlisted while they
    have two or more of them."""
    result = {}
    for node, entry in supply.nodes.items():
        suppliers = len(entry.suppliers) > 1 and entry.supplier_coverage is None
        locations = (len(entry.locations) > 1 and entry.location_coverage is None
                     and not entry.located_by_headquarters)
        if suppliers or locations:
            result[node] = (suppliers, locations)
    return result
