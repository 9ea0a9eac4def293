"""Time (DESIGN §4.6): the supply graph as it stands ``t`` months after a disruption starts.

One reading, :func:`supply_at`, turns the compiled :class:`~analysis.semantics.SupplyModel`
into the model at a horizon: edges whose lead time lies ahead are absent, suppliers past
their lead time count with their surge share, and inputs whose buffer outlasts the horizon
count as available to their dependent (see :mod:`analysis.semantics`).  Every analysis then
runs unchanged on that reading.  Only the nodes with time fields are read again, so a model
at another horizon shares everything else with the first: :func:`structure_at` and
:func:`capacity_at` recompile just those nodes and keep the evaluation order.

A graph without time fields reads the same at every horizon.

Examples
--------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_nodes_from(["fab", "tool"], kind="component")
>>> _ = g.add_edge("fab", "tool", "REQUIRES", buffer_months=6)
>>> from analysis.semantics import build_supply_model
>>> model = build_supply_model(g)
>>> supply_at(model, 3).nodes["fab"].groups, len(supply_at(model, 12).nodes["fab"].groups)
((), 1)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

import networkx as nx

from analysis.capacity import CapacityModel
from analysis.semantics import SupplyModel, timed_node_supply
from analysis.structure import SupplyStructure, node_rules
from graph.errors import InputError, Problem

__all__ = [
    "DEFAULT_HORIZONS",
    "supply_at",
    "structure_at",
    "capacity_at",
    "parse_horizons",
    "horizons_until",
    "graph_as_of",
    "persistence",
    "relieved_after",
    "PERSISTENT",
    "PARTLY_ADAPTABLE",
    "ADAPTABLE",
]

DEFAULT_HORIZONS: tuple[float, ...] = (0, 3, 6, 12, 24)
"""Months after a disruption starts at which results are given by default."""

PERSISTENT, PARTLY_ADAPTABLE, ADAPTABLE = "persistent", "partly adaptable", "adaptable"
PERSISTS_AT = 0.9
"""A chokepoint whose loss at the last horizon is at least this part of its first is
persistent."""
ADAPTS_BELOW = 0.1
"""...and adaptable when it falls below this part."""
RELIEVED_BELOW = 0.5
"""It is relieved at the first horizon where its loss falls below this part of its first."""


def supply_at(model: SupplyModel, months: float) -> SupplyModel:
    """``model`` read at ``months`` after a disruption starts (the same object when the
    graph has no time fields or ``model`` is already at that horizon)."""
    if months < 0:
        raise ValueError(f"a horizon is a number of months from 0 on, not {months}")
    if not model.timed or months == model.months:
        return model
    nodes = dict(model.nodes)
    for node, edges in model.timed.items():
        nodes[node] = timed_node_supply(nodes[node], edges, months)
    return SupplyModel(nodes, model.timed, months)


def structure_at(structure: SupplyStructure, months: float,
                 supply: SupplyModel | None = None) -> SupplyStructure:
    """The Boolean structure at ``months``, recompiling only the nodes with time fields
    (``supply``: the model already read at ``months``, if at hand)."""
    supply = supply or supply_at(structure.model, months)
    if supply is structure.model:
        return structure
    rules = dict(structure.rules)
    for node in supply.timed:
        rules[node] = node_rules(supply.nodes[node])
    return SupplyStructure(rules, supply)


def capacity_at(model: CapacityModel, months: float) -> CapacityModel:
    """The capacity model at ``months``, sharing ``model``'s evaluation order."""
    supply = supply_at(model.supply, months)
    if supply is model.supply:
        return model
    return model.with_supply(supply)


# -- choosing horizons ------------------------------------------------------------------------
def parse_horizons(text: str) -> tuple[float, ...]:
    """``"0,6,24"`` → ``(0, 6, 24)``: months, sorted, without repeats.

    >>> parse_horizons("24, 0,6,6,1.5")
    (0, 1.5, 6, 24)
    """
    values = []
    for part in (p.strip() for p in text.split(",")):
        try:
            value = float(part)
        except ValueError:
            value = -1.0
        if not part or value < 0 or value != value or value == float("inf"):
            raise InputError(Problem(
                f"a horizon is a number of months from 0 on, not {part!r}; "
                "write e.g. --horizon 0,3,6,12,24", column="--horizon"))
        values.append(int(value) if value.is_integer() else value)
    return tuple(sorted(set(values)))


_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def _as_date(text: object) -> date | None:
    match = _DATE.match(str(text or ""))
    if not match:
        return None
    year, month, day = match.group(1), match.group(2) or "1", match.group(3) or "1"
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def graph_as_of(graph: nx.MultiDiGraph) -> date:
    """The newest ``as_of`` date of any node or relationship (today when none has one)."""
    found = [_as_date(v) for _, v in graph.nodes(data="as_of")]
    found += [_as_date(v) for _, _, v in graph.edges(data="as_of")]
    dates = [d for d in found if d is not None]
    return max(dates) if dates else date.today()


def horizons_until(until: date, start: date,
                   defaults: Sequence[float] = DEFAULT_HORIZONS) -> tuple[float, ...]:
    """The default horizons up to the whole months from ``start`` to ``until``, and that.

    >>> horizons_until(date(2027, 12, 31), date(2026, 12, 1))
    (0, 3, 6, 12)
    >>> horizons_until(date(2027, 6, 30), date(2026, 12, 1))
    (0, 3, 6)
    """
    months = (until.year - start.year) * 12 + until.month - start.month
    if until.day < start.day:
        months -= 1
    if months < 0:
        raise InputError(Problem(
            f"--until {until.isoformat()} lies before the graph's as-of date "
            f"{start.isoformat()}; give a later date", column="--until"))
    return tuple(sorted({*(h for h in defaults if h < months), months}))


# -- reading results over horizons ------------------------------------------------------------
def persistence(losses: Sequence[float]) -> str:
    """``persistent``, ``partly adaptable`` or ``adaptable``: the loss at the last horizon
    against the loss at the first (a loss that only grows is persistent).

    >>> persistence([0.8, 0.79]), persistence([0.8, 0.4]), persistence([0.8, 0.0])
    ('persistent', 'partly adaptable', 'adaptable')
    """
    first, last = losses[0], losses[-1]
    if last >= PERSISTS_AT * first:
        return PERSISTENT
    if last < ADAPTS_BELOW * first:
        return ADAPTABLE
    return PARTLY_ADAPTABLE


def relieved_after(horizons: Iterable[float], losses: Sequence[float]) -> float | None:
    """The first horizon at which the loss falls below half the first one (``None``: never).

    >>> relieved_after([0, 6, 12, 24], [0.8, 0.6, 0.3, 0.0])
    12
    """
    first = losses[0]
    for months, loss in zip(horizons, losses, strict=True):
        if loss < RELIEVED_BELOW * first:
            return months
    return None
