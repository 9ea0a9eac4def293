"""One report object for every export format: summary, tables, charts, picture.

:func:`build_report` runs the analyses once — chokepoints, SPOFs, concentration, and
optionally a scenario and a country's perspective — and turns their results into plain,
frozen records: sentences, :class:`Table` s, :class:`Chart` s, the :class:`Subgraph` to draw
and the methodology in words.  Renderers (``ui/reports/``) only lay these out; they never
compute.  Table cells are ``str``, ``int``, ``float`` or ``None``; each column has a format
(``text``, ``int``, ``percent``, ``number``) so a spreadsheet keeps numbers as numbers while
a document shows ``42.0%``.

Examples
--------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_nodes_from([("cars", {"kind": "industry", "name": "Cars"}),
...                   ("chip", {"kind": "chip", "name": "Chip"}),
...                   ("fab", {"kind": "supplier", "name": "Fab"})])
>>> _ = g.add_edge("cars", "chip", "REQUIRES")
>>> _ = g.add_edge("chip", "fab", "SUPPLIED_BY")
>>> report = build_report(g, generated="2025-01-01")
>>> report.table("chokepoints").rows[0][1]
'fab'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import networkx as nx

from analysis.capacity import CapacityModel
from analysis.chokepoints import Chokepoint, chokepoints, dependency_path
from analysis.concentration import (
    Concentration,
    PerspectiveItem,
    concentration,
    perspective,
    rank_by_impact,
)
from analysis.horizon import capacity_at
from analysis.report_time import TIME_METHOD, time_chart_series, time_sentences, time_table
from analysis.scenario import Scenario, ScenarioResult
from analysis.semantics import build_supply_model, resolve_targets
from analysis.spof import single_points_of_failure
from analysis.structure import compile_structure
from analysis.timeline import ChokepointTimeline, chokepoints_over_time, scenario_over_time

__all__ = [
    "Cell",
    "Table",
    "Chart",
    "Section",
    "SubgraphNode",
    "SubgraphEdge",
    "Subgraph",
    "Report",
    "build_report",
    "DEFAULT_TITLE",
    "PICTURE_CHOKEPOINTS",
]

Cell = str | int | float | None
DEFAULT_TITLE = "AI supply-chain chokepoint report"
PICTURE_CHOKEPOINTS = 8
"""How many of the top chokepoints the critical-subgraph picture shows (to stay legible)."""
PICTURE_TARGETS = 8
"""How many targets the picture links to the top chokepoint."""
PATH_ARROW = " → "


@dataclass(frozen=True)
class Table:
    """A titled table; ``formats`` says per column how to show a value."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""
    formats: tuple[str, ...] = ()

    def format_of(self, column: int) -> str:
        return self.formats[column] if column < len(self.formats) else "text"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "columns": list(self.columns),
                "formats": [self.format_of(i) for i in range(len(self.columns))],
                "rows": [list(row) for row in self.rows], "note": self.note}


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart: one bar per label (node ``ids`` beside them); ``maximum``
    fixes the axis (e.g. 1).  With ``months``, a line chart instead: one line per label
    through ``series`` (its values at each month); ``values`` then holds the last ones."""

    name: str
    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    axis: str
    percent: bool = False
    maximum: float | None = None
    ids: tuple[str, ...] = ()
    months: tuple[float, ...] = ()
    series: tuple[tuple[float, ...], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        found = {"name": self.name, "title": self.title, "labels": list(self.labels),
                 "ids": list(self.ids), "values": list(self.values), "axis": self.axis,
                 "percent": self.percent, "maximum": self.maximum}
        if self.months:
            found.update(months=list(self.months), series=[list(s) for s in self.series])
        return found


@dataclass(frozen=True)
class Section:
    """A heading and its paragraphs of plain text."""

    heading: str
    paragraphs: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, "paragraphs": list(self.paragraphs)}


@dataclass(frozen=True)
class SubgraphNode:
    """A node of the picture; ``role`` is ``target``, ``chokepoint`` or ``path``; ``layer``
    is its distance below the targets (targets are 0)."""

    id: str
    name: str
    kind: str
    role: str
    layer: int


@dataclass(frozen=True)
class SubgraphEdge:
    """A dependency ``source -[kind]-> target`` (dependent → what it depends on)."""

    source: str
    target: str
    kind: str


@dataclass(frozen=True)
class Subgraph:
    """The critical subgraph: targets, top chokepoints and the paths between them."""

    nodes: tuple[SubgraphNode, ...] = ()
    edges: tuple[SubgraphEdge, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"nodes": [dict(n.__dict__) for n in self.nodes],
                "edges": [{"from": e.source, "to": e.target, "kind": e.kind}
                          for e in self.edges]}


@dataclass(frozen=True)
class Report:
    """Everything a rendered report shows, in the order it is shown."""

    title: str
    generated: str
    store: str
    summary: tuple[str, ...]
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...]
    methodology: tuple[Section, ...]
    subgraph: Subgraph
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        """The table called ``name`` (``KeyError`` if the report has none)."""
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "generated": self.generated, "store": self.store,
                "parameters": dict(self.parameters), "summary": list(self.summary),
                "tables": [t.as_dict() for t in self.tables],
                "charts": [c.as_dict() for c in self.charts],
                "subgraph": self.subgraph.as_dict(),
                "methodology": [s.as_dict() for s in self.methodology]}


# -- building ---------------------------------------------------------------------------------
def build_report(graph: nx.MultiDiGraph, *, targets: Iterable[str] | None = None,
                 scenario: Scenario | None = None, perspective: str | None = None,
                 allies: Sequence[str] = (), top: int = 15,
                 provenance: Iterable[Any] | None = None, store: str = "",
                 title: str = DEFAULT_TITLE, generated: str | None = None,
                 horizons: Sequence[float] = (0,)) -> Report:
    """Analyse ``graph`` and gather the results into one :class:`Report`.

    ``provenance`` is the store's ingest-run records (``RunRecord`` s or their dicts, newest
    first); ``store`` describes where the graph came from (a redacted URL).  Results are
    read at the first of ``horizons``; with several, the report adds the chokepoints over
    time, a loss-over-time chart and what persists to the last horizon.
    """
    chosen = resolve_targets(graph, targets)
    base = CapacityModel.from_graph(graph)
    model = capacity_at(base, horizons[0])
    timeline = chokepoints_over_time(graph, chosen, horizons, model=base) \
        if len(horizons) > 1 else None
    every = list(timeline.rankings[0]) if timeline else chokepoints(graph, chosen, model=model)
    ranked = every[:top]
    spofs = single_points_of_failure(compile_structure(model.supply), chosen) if chosen else {}
    concentrated = _most_concentrated(graph, every)[:top]
    results = scenario_over_time(graph, scenario, horizons, base) \
        if scenario is not None else []
    result = results[0] if results else None
    countries = [perspective, *allies] if perspective else []
    seen_from = _perspective(graph, countries, model)
    facts = _Facts(graph, chosen, every, spofs, concentrated, result, countries, seen_from)
    tables = [_chokepoint_table(graph, ranked), _spof_table(graph, spofs),
              _concentration_table(concentrated)]
    if result is not None:
        tables.append(_scenario_table(result))
    if countries:
        tables.append(_perspective_table(seen_from[:top], countries))
    if timeline is not None:
        tables.append(Table("over_time", "Chokepoints over time",
                            *time_table(timeline, top)[:2],
                            "Mean capacity loss over the targets at each horizon (months after "
                            "the disruption starts), worst first.", time_table(timeline, top)[2]))
    tables.append(_provenance_table(graph))
    runs = [_run_dict(r) for r in provenance or ()]
    if runs:
        tables.append(_runs_table(runs))
    charts = _charts(ranked, concentrated, result, seen_from[:top], countries)
    summary = facts.sentences()
    methodology: tuple[Section, ...] = METHODOLOGY
    if timeline is not None:
        charts.append(_time_chart(timeline, results))
        summary += time_sentences(timeline, results)
        methodology += (Section("Time", TIME_METHOD),)
    return Report(
        title=title, generated=generated or date.today().isoformat(), store=store,
        summary=tuple(summary), tables=tuple(tables), charts=tuple(charts),
        methodology=methodology, subgraph=_subgraph(graph, chosen, ranked, model),
        parameters={"targets": chosen, "scenario": scenario.name if scenario else None,
                    "perspective": perspective, "allies": list(allies), "top": top,
                    "horizons": list(horizons)})


def _time_chart(timeline: ChokepointTimeline, results: Sequence[ScenarioResult]) -> Chart:
    labels, ids, series = time_chart_series(timeline, results)
    return Chart("over_time", "Capacity loss over time", labels,
                 tuple(s[-1] for s in series), "months after the disruption starts", True,
                 1.0, ids, tuple(timeline.horizons), series)


def _most_concentrated(graph: nx.MultiDiGraph, ranked: list[Chokepoint]
                       ) -> list[Concentration]:
    """Items by HHI over countries; among equals, the ones whose loss hurts the targets
    most come first (many items are made in one country; the critical ones matter)."""
    return rank_by_impact(concentration(graph), {c.id: c.capacity_loss for c in ranked})


def _perspective(graph: nx.MultiDiGraph, countries: list[str],
                 model: CapacityModel) -> list[PerspectiveItem]:
    return perspective(graph, countries, model=model) if countries else []


def _name(graph: nx.MultiDiGraph, node: str) -> str:
    return str(graph.nodes[node].get("name") or node)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _names(graph: nx.MultiDiGraph, nodes: Iterable[str]) -> str:
    return "; ".join(_name(graph, n) for n in nodes)


# -- tables -----------------------------------------------------------------------------------
def _chokepoint_table(graph: nx.MultiDiGraph, ranked: list[Chokepoint]) -> Table:
    rows = tuple((rank, c.id, c.name, c.kind, c.spof_count, _round(c.capacity_loss),
                  _round(c.max_loss), c.targets_affected,
                  PATH_ARROW.join(_name(graph, n) for n in c.path))
                 for rank, c in enumerate(ranked, start=1))
    return Table("chokepoints", "Top chokepoints",
                 ("rank", "id", "name", "kind", "SPOF of (targets)", "capacity loss (mean)",
                  "worst loss", "targets hit", "explaining path"), rows,
                 "Capacity loss: the mean share of the targets' capacity lost when the node is "
                 "removed. The path runs from the target it hurts most down to the node.",
                 ("int", "text", "text", "text", "int", "percent", "percent", "int", "text"))


def _spof_table(graph: nx.MultiDiGraph, spofs: Mapping[str, list[str]]) -> Table:
    rows = tuple((t, _name(graph, t), len(nodes), _names(graph, nodes))
                 for t, nodes in sorted(spofs.items(), key=lambda p: (-len(p[1]), p[0])))
    return Table("spofs", "Single points of failure per target",
                 ("target", "name", "SPOFs", "single points of failure"), rows,
                 "A single point of failure is a node whose failure alone takes the target "
                 "down (Boolean semantics).", ("text", "text", "int", "text"))


def _concentration_table(items: list[Concentration]) -> Table:
    rows = tuple((c.id, c.name, c.kind, _round(c.hhi_suppliers, 0), _round(c.hhi_countries, 0),
                  c.top_country, _round(c.top_country_share), _round(c.cr1), _round(c.cr3),
                  c.countries_to_75, _round(c.supplier_coverage))
                 for c in items)
    return Table("concentration", "Most concentrated inputs",
                 ("id", "name", "kind", "HHI suppliers", "HHI countries", "top country",
                  "top country share", "CR1", "CR3", "countries to 75%", "coverage"), rows,
                 "HHI from 0 to 10,000 (10,000: one source). CR1/CR3: share of the largest "
                 "one/three suppliers. Coverage: how much of the market the listed supplier "
                 "shares name (blank: no shares listed).",
                 ("text", "text", "text", "number", "number", "text", "percent", "percent",
                  "percent", "int", "percent"))


def _scenario_table(result: ScenarioResult) -> Table:
    rows = tuple((t.id, t.name, _round(t.baseline), _round(t.availability),
                  _round(t.capacity_loss),
                  "; ".join(f"{d.name} ({d.cause}, {_pct(d.loss)})" for d in t.drivers[:3]))
                 for t in sorted(result.targets, key=lambda t: (-t.capacity_loss, t.id)))
    return Table("scenario", f"Scenario impact: {result.name}",
                 ("target", "name", "baseline", "availability", "capacity loss",
                  "main drivers"), rows,
                 "Availability is the share of the target's capacity left under the scenario "
                 "(capacity semantics); drivers are the disrupted or blocked nodes behind it.",
                 ("text", "text", "percent", "percent", "percent", "text"))


def _perspective_table(items: list[PerspectiveItem], countries: list[str]) -> Table:
    rows = tuple((p.id, p.name, p.kind, _round(p.domestic_share), _round(p.self_sufficiency))
                 for p in items)
    return Table("perspective", f"Self-sufficiency of {' + '.join(countries)}",
                 ("id", "name", "kind", "domestic share", "self-sufficiency"), rows,
                 "Self-sufficiency: the item's availability when every country outside the "
                 "perspective is cut off. Least self-sufficient first.",
                 ("text", "text", "text", "percent", "percent"))


def _provenance_table(graph: nx.MultiDiGraph) -> Table:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    dates: dict[str, list[str]] = defaultdict(list)
    elements = [*graph.nodes.values(), *(d for _, _, d in graph.edges(data=True))]
    for position, attrs in enumerate(elements):
        is_edge = position >= graph.number_of_nodes()
        for source in attrs.get("sources") or ["(no source)"]:
            counts[source][1 if is_edge else 0] += 1
            counts[source][2] += bool(attrs.get("citation"))
            if attrs.get("as_of"):
                dates[source].append(str(attrs["as_of"]))
    rows = tuple((source, n, r, cited, min(dates[source], default=None),
                  max(dates[source], default=None))
                 for source, (n, r, cited) in sorted(counts.items()))
    return Table("provenance", "Data provenance",
                 ("source", "nodes", "relationships", "with citation", "as of (earliest)",
                  "as of (latest)"), rows, _coverage_note(graph),
                 ("text", "int", "int", "int", "text", "text"))


def _coverage_note(graph: nx.MultiDiGraph) -> str:
    model = build_supply_model(graph)
    listed = [(n.supplier_coverage, n.id) for n in model.nodes.values()
              if n.supplier_coverage is not None]
    with_suppliers = sum(1 for n in model.nodes.values() if n.suppliers)
    items = f"{with_suppliers} item{'s' * (with_suppliers != 1)} with suppliers"
    if not listed:
        return f"{items}; none lists shares, so suppliers split each market equally."
    partial = sorted(c for c in listed if c[0] < 0.999)
    text = (f"{items}, {len(listed)} with listed shares; "
            f"{len(listed) - len(partial)} of those name their whole market.")
    if partial:
        lowest, node = partial[0]
        text += (f" {len(partial)} name only part of it (lowest coverage: "
                 f"{_name(graph, node)}, {_pct(lowest)}); without a residual supplier their "
                 "concentration is overstated.")
    return text


RUN_FIELDS = ("run_id", "source", "started", "finished", "status", "added", "changed",
              "removed", "error")


def _run_dict(run: Any) -> dict[str, Any]:
    return dict(run.as_dict() if hasattr(run, "as_dict") else run)


def _runs_table(runs: list[dict[str, Any]]) -> Table:
    rows = tuple(tuple(run.get(f) for f in RUN_FIELDS) for run in runs)
    return Table("ingest_runs", "Ingest runs (newest first)", RUN_FIELDS, rows,
                 "Every run that wrote to the store, as recorded by the store.",
                 ("text",) * 5 + ("int",) * 3 + ("text",))


# -- charts -----------------------------------------------------------------------------------
CHART_BARS = 12


def _charts(ranked: list[Chokepoint], concentrated: list[Concentration],
            result: ScenarioResult | None, seen_from: list[PerspectiveItem],
            countries: list[str]) -> list[Chart]:
    charts = []
    if ranked:
        shown = ranked[:CHART_BARS]
        charts.append(Chart("chokepoints", "Capacity the targets lose when one node is removed",
                            tuple(c.name for c in shown),
                            tuple(round(c.capacity_loss, 4) for c in shown),
                            "mean capacity loss across targets", True, 1.0,
                            tuple(c.id for c in shown)))
    hhis = [c for c in concentrated if c.hhi_countries is not None][:CHART_BARS]
    if hhis:
        charts.append(Chart("concentration", "Concentration by country (HHI; top country)",
                            tuple(f"{c.name} ({c.top_country})" for c in hhis),
                            tuple(round(c.hhi_countries or 0.0) for c in hhis),
                            "HHI over countries (0-10,000)", False, 10_000.0,
                            tuple(c.id for c in hhis)))
    if result is not None and result.targets:
        worst = sorted(result.targets, key=lambda t: (-t.capacity_loss, t.id))[:CHART_BARS]
        charts.append(Chart("scenario", f"Capacity loss under {result.name}",
                            tuple(t.name for t in worst),
                            tuple(round(t.capacity_loss, 4) for t in worst),
                            "capacity loss", True, 1.0, tuple(t.id for t in worst)))
    if seen_from:
        shown_items = seen_from[:CHART_BARS]
        charts.append(Chart("perspective", f"Self-sufficiency of {' + '.join(countries)}",
                            tuple(p.name for p in shown_items),
                            tuple(round(p.self_sufficiency, 4) for p in shown_items),
                            "availability with only the perspective's countries", True, 1.0,
                            tuple(p.id for p in shown_items)))
    return charts


# -- the critical subgraph --------------------------------------------------------------------
def _subgraph(graph: nx.MultiDiGraph, targets: list[str], ranked: list[Chokepoint],
              model: CapacityModel) -> Subgraph:
    shown = [c for c in ranked[:PICTURE_CHOKEPOINTS] if c.path]
    paths = [c.path for c in shown]
    if shown:
        reach = (dependency_path(model, t, shown[0].id) for t in targets[:PICTURE_TARGETS])
        paths += [p for p in reach if p]
    layer: dict[str, int] = {}
    for path in paths:
        for depth, node in enumerate(path):
            layer[node] = min(layer.get(node, depth), depth)
    top = {c.id for c in shown}
    role = {n: "target" if n in targets else "chokepoint" if n in top else "path"
            for n in layer}
    nodes = tuple(SubgraphNode(n, _name(graph, n), str(graph.nodes[n].get("kind", "")),
                               role[n], layer[n])
                  for n in sorted(layer, key=lambda n: (layer[n], n)))
    edges = sorted({(u, v, k) for u, v, k in graph.subgraph(layer).edges(keys=True)
                    if u != v})
    return Subgraph(nodes, tuple(SubgraphEdge(u, v, k) for u, v, k in edges))


# -- the executive summary --------------------------------------------------------------------
@dataclass
class _Facts:
    """The analysis results the summary sentences are computed from."""

    graph: nx.MultiDiGraph
    targets: list[str]
    ranked: list[Chokepoint]
    spofs: Mapping[str, list[str]]
    concentrated: list[Concentration]
    result: ScenarioResult | None
    countries: list[str]
    seen_from: list[PerspectiveItem]

    def sentences(self) -> list[str]:
        found = [self.scope(), self.chokepoints(), self.single_points(), self.concentration(),
                 self.scenario(), self.perspective()]
        return [s for s in found if s]

    def scope(self) -> str:
        g = self.graph
        return (f"The graph holds {g.number_of_nodes()} nodes and {g.number_of_edges()} "
                f"relationships; this report looks at {len(self.targets)} target"
                f"{'s' * (len(self.targets) != 1)}"
                + (f" ({_names(g, self.targets[:5])}{', …' if len(self.targets) > 5 else ''})."
                   if self.targets else "."))

    def chokepoints(self) -> str:
        if not self.ranked:
            return "No single node's removal costs the targets any capacity."
        first = self.ranked[0]
        text = (f"The top chokepoint is {first.name} ({first.kind}): removing it costs the "
                f"targets {_pct(first.capacity_loss)} of their capacity on average and it is a "
                f"single point of failure for {first.spof_count} of {len(self.targets)} "
                "targets.")
        tied = sum(1 for c in self.ranked if c.capacity_loss >= first.capacity_loss - 1e-9)
        if tied > 1:
            text += (f" {tied - 1} more node{'s' * (tied > 2)} cost"
                     f"{'s' * (tied == 2)} as much (ties are listed by id).")
        others = [f"{c.name} ({_pct(c.capacity_loss)})" for c in self.ranked[1:4]]
        return text + (f" Next come {', '.join(others)}." if others else "")

    def single_points(self) -> str:
        if not self.spofs:
            return ""
        hit = {t: n for t, n in self.spofs.items() if n}
        if not hit:
            return "No target has a single point of failure."
        worst = min(hit, key=lambda t: (-len(hit[t]), t))
        rank = {c.id: i for i, c in enumerate(self.ranked)}
        first = sorted(hit[worst], key=lambda n: (rank.get(n, len(rank)), n))[:3]
        return (f"{len(hit)} of {len(self.spofs)} targets have at least one single point of "
                f"failure; {_name(self.graph, worst)} has the most ({len(hit[worst])}), "
                f"including {', '.join(_name(self.graph, n) for n in first)}.")

    def concentration(self) -> str:
        shown = [c for c in self.concentrated if c.hhi_countries is not None][:3]
        if not shown:
            return ""
        parts = [f"{c.name} (HHI {c.hhi_countries:,.0f}, {_pct(c.top_country_share)} in "
                 f"{c.top_country})" for c in shown]
        return "The most concentrated inputs by country are " + ", ".join(parts) + "."

    def scenario(self) -> str:
        if self.result is None or not self.result.targets:
            return ""
        worst = min(self.result.targets, key=lambda t: (-t.capacity_loss, t.id))
        text = (f"Under the scenario “{self.result.name}” the targets lose "
                f"{_pct(self.result.mean_capacity_loss)} of their capacity on average; "
                f"{worst.name} is hit hardest ({_pct(worst.capacity_loss)} lost)")
        return text + (f", mostly through {worst.drivers[0].name}." if worst.drivers else ".")

    def perspective(self) -> str:
        if not self.countries:
            return ""
        who = " + ".join(self.countries)
        full = sum(1 for p in self.seen_from if p.self_sufficiency >= 0.999)
        text = (f"Seen from {who}, {full} of {len(self.seen_from)} supplied items stay fully "
                "available with only domestic capacity")
        if self.seen_from and self.seen_from[0].self_sufficiency < 0.999:
            least = self.seen_from[0]
            text += f"; the least self-sufficient is {least.name} ({_pct(least.self_sufficiency)})"
        return text + "."


# -- methodology ------------------------------------------------------------------------------
METHODOLOGY = (
    Section("The graph", (
        "Nodes are chips, components, software, models, datasets, suppliers, countries and "
        "industries. Every relationship points from the dependent to what it depends on: an "
        "item requires inputs, is supplied by suppliers with market shares, and is located in "
        "countries with shares of its capacity.",)),
    Section("Up or down (Boolean supply semantics)", (
        "A node is up when it has not failed itself, at least one of its suppliers is up "
        "(holding at least its minimum supply share, if one is set), the same holds for its "
        "locations, and every group of required inputs has enough members up. Alternatives "
        "in one group are OR, separate requirements are AND. Cycles alone never take anything "
        "down.",
        "A single point of failure (SPOF) of a target is a node whose failure alone takes the "
        "target down. A minimal cut set is a smallest combination of nodes whose joint failure "
        "does; a SPOF is a cut set of one.")),
    Section("How much is lost (capacity semantics)", (
        "Availability runs from 0 to 1. An item's availability is the smallest of: its "
        "suppliers' availability weighted by market share, the same over its locations, and "
        "for each group of required inputs the availability of the weakest member still "
        "needed. A disruption removes a share of a node's own capacity. The capacity loss of a "
        "target is one minus its availability.",
        "Chokepoints are ranked by the mean capacity loss across targets when the node is "
        "removed entirely; ties go to the node that is a SPOF of more targets.")),
    Section("Concentration", (
        "The Herfindahl–Hirschman index (HHI) sums the squared percentage shares: 10,000 "
        "means a single source, below 1,500 is usually called unconcentrated. It is computed "
        "over suppliers and over the countries where capacity sits. CR1 and CR3 are the "
        "shares of the largest one and three suppliers; 'countries to 75%' counts the "
        "countries needed to reach three quarters of capacity.",)),
    Section("Limits", (
        "Results are only as good as the data: where listed shares cover part of a market, "
        "the named suppliers are treated as the whole market unless a residual supplier is "
        "recorded, which overstates concentration (see coverage). Stockpiles, substitution "
        "over time, and recovery are not modelled; a scenario is an instantaneous cut. "
        "Structural measures such as articulation points ignore AND/OR logic and are not "
        "SPOFs.",)),
)
