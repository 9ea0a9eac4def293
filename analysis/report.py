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
from analysis.chokepoints import Chokepoint, binding_path, chokepoints, dependency_path
from analysis.concentration import (
    Concentration,
    PerspectiveItem,
    concentration,
    perspective,
    rank_by_impact,
)
from analysis.coverage import incomplete, unmodelled
from analysis.horizon import capacity_at
from analysis.regions import regions, ties
from analysis.report_time import TIME_METHOD, time_chart_series, time_sentences, time_table
from analysis.scenario import Scenario, ScenarioResult
from analysis.semantics import build_supply_model, resolve_targets
from analysis.spof import single_points_of_failure
from analysis.structure import compile_structure
from analysis.timeline import ChokepointTimeline, chokepoints_over_time, scenario_over_time
from analysis.trust import SpofDetail, assumption_edges, spof_details
from graph.urls import redact_text

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
ITEM_KINDS = ("chip", "component", "software", "model", "dataset")
"""What "inputs" means in the report: items, never the suppliers or countries behind them."""


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
                 conflicts: int | None = None, horizons: Sequence[float] = (0,),
                 model: CapacityModel | None = None,
                 ranking: Sequence[Chokepoint] | None = None) -> Report:
    """Analyse ``graph`` and gather the results into one :class:`Report`.

    ``provenance`` is the store's ingest-run records (``RunRecord`` s or their dicts, newest
    first); ``store`` describes where the graph came from (a redacted URL); ``conflicts``
    how many disagreements between its sources the store lists.  Results are read at the
    first of ``horizons``; with several, the report adds the chokepoints over time, a
    loss-over-time chart and what persists to the last horizon.  ``model`` (the graph's
    compiled :class:`CapacityModel`) and ``ranking`` (``chokepoints(graph, targets)`` at the
    first horizon) spare computing them again when the caller has them.
    """
    chosen = resolve_targets(graph, targets)
    base = model or CapacityModel.from_graph(graph)
    model = capacity_at(base, horizons[0])
    timeline = chokepoints_over_time(graph, chosen, horizons, model=base) \
        if len(horizons) > 1 else None
    every = list(timeline.rankings[0]) if timeline else \
        list(ranking) if ranking is not None else chokepoints(graph, chosen, model=model)
    ranked = every[:top]
    structure = compile_structure(model.supply)
    spofs = single_points_of_failure(structure, chosen) if chosen else {}
    details = spof_details(graph, spofs, structure) if spofs else {}
    concentrated = _most_concentrated(graph, every)[:top]
    results = scenario_over_time(graph, scenario, horizons, base) \
        if scenario is not None else []
    result = results[0] if results else None
    countries = [perspective, *allies] if perspective else []
    seen_from = _perspective(graph, countries, model)
    gaps = incomplete(graph, chosen, model.supply)
    facts = _Facts(graph, chosen, every, spofs, concentrated, result, countries, seen_from,
                   ranked, details, gaps, horizons[0])
    tables = [_chokepoint_table(graph, ranked), _region_table(graph, ranked, chosen),
              _spof_table(graph, spofs, details), _concentration_table(concentrated)]
    if gaps:
        tables.append(_coverage_table(graph, model, gaps))
    if result is not None:
        tables.append(_scenario_table(graph, result))
    if countries:
        tables.append(_perspective_table(seen_from[:top], countries))
    if timeline is not None:
        tables.append(Table("over_time", "Chokepoints over time",
                            *time_table(timeline, top)[:2],
                            "Mean capacity loss over the targets at each horizon (months after "
                            "the disruption starts), worst first.", time_table(timeline, top)[2]))
    tables.append(_provenance_table(graph, conflicts))
    runs = [_run_dict(r) for r in provenance or ()]
    if runs:
        tables.append(_runs_table(runs))
    charts = _charts(ranked, concentrated, result, seen_from[:top], countries, facts.when())
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
    """Items (chips, components, software, models, datasets: never suppliers) by HHI over
    countries; among equals, the ones whose loss hurts the targets most come first (many
    items are made in one country; the critical ones matter)."""
    items = [c for c in concentration(graph) if c.kind in ITEM_KINDS]
    return rank_by_impact(items, {c.id: c.capacity_loss for c in ranked})


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
                  "yes" if c.rests_on_assumptions else "no", _round(c.facts_only_loss),
                  PATH_ARROW.join(_name(graph, n) for n in c.path))
                 for rank, c in enumerate(ranked, start=1))
    return Table("chokepoints", "Top chokepoints",
                 ("rank", "id", "name", "kind", "SPOF of (targets)", "capacity loss (mean)",
                  "worst loss", "targets hit", "rests on assumptions",
                  "loss without assumptions", "explaining path"), rows,
                 "Capacity loss: the mean share of the targets' capacity lost when the node is "
                 "removed. It rests on assumptions when, without the relationships marked as "
                 "modelling assumptions, it falls below half. The path runs from the target it "
                 "hurts most down to the node, through the inputs that bind.",
                 ("int", "text", "text", "text", "int", "percent", "percent", "int", "text",
                  "percent", "text"))


def _region_table(graph: nx.MultiDiGraph, ranked: list[Chokepoint],
                  targets: list[str]) -> Table:
    grouped = regions(graph, targets)
    columns = ("rank", "id", "name", *(f"{r} ({len(m)})" for r, m in grouped.items()))
    rows = tuple((rank, c.id, c.name, *(_round(dict(c.by_region).get(r, 0.0))
                                        for r in grouped))
                 for rank, c in enumerate(ranked, start=1))
    return Table("chokepoints_by_region", "Chokepoint loss per region", columns, rows,
                 "The mean capacity loss over the targets headquartered in each region (the "
                 "number of targets in brackets), so that no single mean over whatever "
                 "targets the graph holds speaks for all of them.",
                 ("int", "text", "text", *("percent",) * len(grouped)))


def _spof_table(graph: nx.MultiDiGraph, spofs: Mapping[str, list[str]],
                details: Mapping[str, list[SpofDetail]]) -> Table:
    def knife(found: list[SpofDetail]) -> str:
        return "; ".join(f"{_name(graph, d.id)} ({_margin(graph, d)})"
                         for d in found if d.knife_edge)

    rows = tuple((t, _name(graph, t), len(nodes),
                  sum(d.rests_on_assumptions for d in details.get(t, ())),
                  knife(details.get(t, [])), _names(graph, nodes))
                 for t, nodes in sorted(spofs.items(), key=lambda p: (-len(p[1]), p[0])))
    return Table("spofs", "Single points of failure per target",
                 ("target", "name", "SPOFs", "resting on assumptions", "knife-edge",
                  "single points of failure"), rows,
                 "A single point of failure is a node whose failure alone takes the target "
                 "down (Boolean semantics). It rests on assumptions when it is no SPOF once "
                 "the modelling assumptions are left out; a knife-edge SPOF exists only because "
                 "what survives falls within 2 percentage points under a threshold.",
                 ("text", "text", "int", "int", "text", "text"))


def _margin(graph: nx.MultiDiGraph, detail: SpofDetail) -> str:
    margin = detail.margin
    if margin is None:
        return ""
    return (f"{100 * margin.surviving:.1f}% left of {_name(graph, margin.node)}, "
            f"threshold {100 * margin.threshold:.0f}%")


def _coverage_table(graph: nx.MultiDiGraph, model: CapacityModel,
                    gaps: Mapping[str, list[str]]) -> Table:
    hit: dict[str, list[str]] = defaultdict(list)
    for target, found in gaps.items():
        for item in found:
            hit[item].append(target)
    rows = tuple((u.id, u.name, u.kind, u.reason, len(hit[u.id]),
                  _names(graph, hit[u.id][:6]) + (" …" if len(hit[u.id]) > 6 else ""))
                 for u in unmodelled(graph, model.supply) if u.id in hit)
    return Table("unmodelled", "Unmodelled items the targets depend on",
                 ("id", "name", "kind", "gap", "targets", "incomplete results"), rows,
                 "The data gives these items no inputs, so no scenario can reach what they "
                 "need: the results of the targets that depend on them are incomplete, and a "
                 "0% loss there means 'not modelled', not 'safe'.",
                 ("text", "text", "text", "text", "int", "text"))


def _concentration_table(items: list[Concentration]) -> Table:
    rows = tuple((c.id, c.name, c.kind, _round(c.hhi_suppliers, 0), _round(c.hhi_countries, 0),
                  c.top_country, _round(c.top_country_share), _round(c.cr1), _round(c.cr3),
                  c.countries_to_75, _round(c.supplier_coverage))
                 for c in items)
    return Table("concentration", "Most concentrated inputs",
                 ("id", "name", "kind", "HHI suppliers", "HHI countries", "top country",
                  "top country share", "CR1", "CR3", "countries to 75%", "coverage"), rows,
                 "Items only (chips, components, software, models, datasets), never the "
                 "suppliers behind them. HHI from 0 to 10,000 (10,000: one source). CR1/CR3: "
                 "share of the largest one/three suppliers. Coverage: how much of the market "
                 "the listed supplier shares name; 0 with blank measures: no shares listed, so "
                 "the concentration is unknown (not an equal split).",
                 ("text", "text", "text", "number", "number", "text", "percent", "percent",
                  "percent", "int", "percent"))


def _scenario_table(graph: nx.MultiDiGraph, result: ScenarioResult) -> Table:
    rows = tuple((t.id, t.name, result.regions.get(t.id, "?"), _round(t.baseline),
                  _round(t.availability), _round(t.capacity_loss),
                  "incomplete" if t.unmodelled else "",
                  "; ".join(f"{d.name} ({d.cause}, {_pct(d.loss)})" for d in t.drivers[:3]),
                  PATH_ARROW.join(_name(graph, n) for n in t.path))
                 for t in sorted(result.targets, key=lambda t: (-t.capacity_loss, t.id)))
    return Table("scenario", f"Scenario impact: {result.name}",
                 ("target", "name", "region", "baseline", "availability", "capacity loss",
                  "data", "main drivers", "explaining path"), rows,
                 "Availability is the share of the target's capacity left under the scenario "
                 "(capacity semantics); drivers are the disrupted or blocked nodes behind it, "
                 "and the path runs from the target through the inputs that bind to the first "
                 "driver. 'incomplete': the target depends on an unmodelled item.",
                 ("text", "text", "text", "percent", "percent", "percent", "text", "text",
                  "text"))


def _perspective_table(items: list[PerspectiveItem], countries: list[str]) -> Table:
    rows = tuple((p.id, p.name, p.kind, _round(p.domestic_share), _round(p.self_sufficiency))
                 for p in items)
    return Table("perspective", f"Self-sufficiency of {' + '.join(countries)}",
                 ("id", "name", "kind", "domestic share", "self-sufficiency"), rows,
                 "Self-sufficiency: the item's availability when every country outside the "
                 "perspective is cut off. Least self-sufficient first.",
                 ("text", "text", "text", "percent", "percent"))


def _provenance_table(graph: nx.MultiDiGraph, conflicts: int | None) -> Table:
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
                  "as of (latest)"), rows, _conflicts_note(conflicts) + _coverage_note(graph),
                 ("text", "int", "int", "int", "text", "text"))


def _conflicts_note(conflicts: int | None) -> str:
    if conflicts is None:
        return ""
    if not conflicts:
        return "The sources do not disagree. "
    return (f"{conflicts} conflict{'s' * (conflicts != 1)} between sources (a property or a "
            "list of shares given differently), each settled by the sources' priority; "
            "`chokepoint conflicts` lists them. ")


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
    found = dict(run.redacted().as_dict() if hasattr(run, "redacted") else run)
    return {k: redact_text(v) if isinstance(v, str) else v for k, v in found.items()}


def _runs_table(runs: list[dict[str, Any]]) -> Table:
    rows = tuple(tuple(run.get(f) for f in RUN_FIELDS) for run in runs)
    return Table("ingest_runs", "Ingest runs (newest first)", RUN_FIELDS, rows,
                 "Every run that wrote to the store, as recorded by the store.",
                 ("text",) * 5 + ("int",) * 3 + ("text",))


# -- charts -----------------------------------------------------------------------------------
CHART_BARS = 12


def _charts(ranked: list[Chokepoint], concentrated: list[Concentration],
            result: ScenarioResult | None, seen_from: list[PerspectiveItem],
            countries: list[str], when: str) -> list[Chart]:
    """Bar charts, ties grouped into one bar each; a chart whose bars would all be equal
    is left out (its table says the same).  Loss charts say ``when`` they are read."""
    charts: list[Chart | None] = []
    if ranked:
        shown = ranked[:CHART_BARS]
        charts.append(_chart("chokepoints", "Capacity the targets lose when one node is removed, "
                             + when,
                             [(c.name, round(c.capacity_loss, 4), c.id) for c in shown],
                             "mean capacity loss across targets", True, 1.0))
    hhis = [c for c in concentrated if c.hhi_countries is not None][:CHART_BARS]
    if hhis:
        charts.append(_chart("concentration", "Concentration by country (HHI; top country)",
                             [(f"{c.name} ({c.top_country})", round(c.hhi_countries or 0.0),
                               c.id) for c in hhis],
                             "HHI over countries (0-10,000)", False, 10_000.0))
    if result is not None and result.targets:
        worst = sorted(result.targets, key=lambda t: (-t.capacity_loss, t.id))
        charts.append(_chart("scenario", f"Capacity loss under {result.name}, {when}",
                             [(t.name, round(t.capacity_loss, 4), t.id) for t in worst],
                             "capacity loss", True, 1.0))
    if seen_from:
        charts.append(_chart("perspective", f"Self-sufficiency of {' + '.join(countries)}",
                             [(p.name, round(p.self_sufficiency, 4), p.id) for p in seen_from],
                             "availability with only the perspective's countries", True, 1.0))
    return [c for c in charts if c is not None]


def _chart(name: str, title: str, bars: list[tuple[str, float, str]], axis: str,
           percent: bool, maximum: float) -> Chart | None:
    """One bar per distinct value (bars sorted by value, largest first): equal values are
    one bar labelled "N tie: a, b, …"; None when fewer than two bars would remain."""
    by_id = {i: (label, value) for label, value, i in bars}
    grouped = ties({i: value for _, value, i in bars})[:CHART_BARS]
    if len(grouped) < 2:
        return None
    labels, values, ids = [], [], []
    for value, members in grouped:
        ordered = sorted(members, key=lambda i: [b[2] for b in bars].index(i))
        first = by_id[ordered[0]][0]
        labels.append(first if len(ordered) == 1 else
                      f"{len(ordered)} tie: {first}, {by_id[ordered[1]][0]}"
                      + (", …" if len(ordered) > 2 else ""))
        values.append(value)
        ids.append(ordered[0])
    return Chart(name, title, tuple(labels), tuple(values), axis, percent, maximum, tuple(ids))


# -- the critical subgraph --------------------------------------------------------------------
def _subgraph(graph: nx.MultiDiGraph, targets: list[str], ranked: list[Chokepoint],
              model: CapacityModel) -> Subgraph:
    shown = [c for c in ranked[:PICTURE_CHOKEPOINTS] if c.path]
    paths = [c.path for c in shown]
    if shown:
        first = model.index[shown[0].id]
        removed = model.propagate({first: 1.0}, (first,))
        reach = (binding_path(model, removed, t, shown[0].id) or
                 dependency_path(model, t, shown[0].id) for t in targets[:PICTURE_TARGETS])
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
    every: list[Chokepoint]
    spofs: Mapping[str, list[str]]
    concentrated: list[Concentration]
    result: ScenarioResult | None
    countries: list[str]
    seen_from: list[PerspectiveItem]
    ranked: list[Chokepoint] = field(default_factory=list)
    details: Mapping[str, list[SpofDetail]] = field(default_factory=dict)
    gaps: Mapping[str, list[str]] = field(default_factory=dict)
    months: float = 0.0
    """The horizon the losses are read at (months after the disruption starts)."""

    def sentences(self) -> list[str]:
        found = [self.scope(), self.chokepoints(), self.assumptions(), self.single_points(),
                 self.concentration(), self.scenario(), self.coverage(), self.perspective()]
        return [s for s in found if s]

    def scope(self) -> str:
        g = self.graph
        grouped = regions(g, self.targets)
        text = (f"The graph holds {g.number_of_nodes()} nodes and {g.number_of_edges()} "
                f"relationships; this report looks at {len(self.targets)} target"
                f"{'s' * (len(self.targets) != 1)}")
        if len(grouped) > 1:
            return text + (": by headquarters " + ", ".join(
                f"{len(m)} in {r}" for r, m in grouped.items())
                + " (results are also given per region).")
        if len(self.targets) <= 5:
            return text + (f" ({_names(g, self.targets)})." if self.targets else ".")
        return text + f" ({_names(g, self.targets[:5])}, …)."

    def chokepoints(self) -> str:
        if not self.every:
            return "No single node's removal costs the targets any capacity."
        first = self.every[0]
        tied = [c for c in self.every if c.capacity_loss >= first.capacity_loss - 5e-4]
        if len(tied) > 1:
            text = (f"{len(tied)} nodes tie as the top chokepoint ("
                    f"{', '.join(c.name for c in tied[:4])}{', …' if len(tied) > 4 else ''}): "
                    f"removing any one costs the targets {_pct(first.capacity_loss)} of their "
                    f"capacity on average {self.when()}")
        else:
            text = (f"The top chokepoint is {first.name} ({first.kind}): removing it costs the "
                    f"targets {_pct(first.capacity_loss)} of their capacity on average "
                    f"{self.when()}")
        text += (f" ({self.regions_text(first)}) and it is a single point of failure for "
                 f"{first.spof_count} of {len(self.targets)} targets.")
        others = [f"{c.name} ({_pct(c.capacity_loss)})" for c in self.every[len(tied):
                                                                             len(tied) + 3]]
        return text + (f" Next come {', '.join(others)}." if others else "")

    def when(self) -> str:
        """When the losses are read: the start of the disruption, or months after it."""
        if self.months == 0:
            return "when the disruption starts (month 0)"
        return f"{self.months:g} months after the disruption starts"

    def regions_text(self, chokepoint: Chokepoint) -> str:
        counts = {r: len(m) for r, m in regions(self.graph, self.targets).items()}
        return "; ".join(f"{r} {_pct(v)} over {counts.get(r, 0)}"
                         for r, v in chokepoint.by_region)

    def assumptions(self) -> str:
        if not assumption_edges(self.graph):
            return ""
        shown = self.ranked or self.every
        resting = [c for c in shown if c.rests_on_assumptions]
        spofs = [d for found in self.details.values() for d in found]
        text = (f"{len(resting)} of the {len(shown)} chokepoints listed rest on modelling "
                "assumptions (without the relationships marked as assumptions their loss "
                "falls below half)")
        if spofs:
            text += (f", as do {sum(d.rests_on_assumptions for d in spofs)} of the "
                     f"{len(spofs)} single points of failure")
        return text + "."

    def single_points(self) -> str:
        if not self.spofs:
            return ""
        hit = {t: n for t, n in self.spofs.items() if n}
        if not hit:
            return "No target has a single point of failure."
        counts = {t: len(n) for t, n in hit.items()}
        top_count, worst_targets = ties({t: float(c) for t, c in counts.items()})[0]
        worst = worst_targets[0]
        rank = {c.id: i for i, c in enumerate(self.every)}
        first = sorted(hit[worst], key=lambda n: (rank.get(n, len(rank)), n))[:3]
        who = (f"{_name(self.graph, worst)} has the most ({int(top_count)})"
               if len(worst_targets) == 1 else
               f"{len(worst_targets)} targets tie for the most ({int(top_count)}, e.g. "
               f"{_name(self.graph, worst)})")
        text = (f"{len(hit)} of {len(self.spofs)} targets have at least one single point of "
                f"failure; {who}, including {', '.join(_name(self.graph, n) for n in first)}.")
        knife = [(t, d) for t, found in self.details.items() for d in found if d.knife_edge]
        if knife:
            nodes = sorted({d.id for _, d in knife})
            example = knife[0][1]
            text += (f" {len(knife)} of the SPOFs are knife-edge results ({', '.join(nodes[:4])}): "
                     f"e.g. {_name(self.graph, example.id)} is a SPOF only because "
                     f"{_margin(self.graph, example)}.")
        return text

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
        by_region = self.result.loss_by_region()
        text = (f"Under the scenario “{self.result.name}” the targets lose "
                f"{_pct(self.result.mean_capacity_loss)} of their capacity on average "
                f"{self.when()}")
        if len(by_region) > 1:
            text += " (" + "; ".join(f"{r}: {_pct(v)} over {n}"
                                     for r, (n, v) in by_region.items()) + ")"
        losses = {t.id: t.capacity_loss for t in self.result.targets}
        value, hardest = ties(losses)[0]
        impact = {t.id: t for t in self.result.targets}
        if len(hardest) == 1:
            worst = impact[hardest[0]]
            text += f"; {worst.name} is hit hardest ({_pct(value)} lost)"
            return text + (f", mostly through {worst.drivers[0].name}." if worst.drivers
                           else ".")
        places = regions(self.graph, hardest)
        return text + (f"; {len(hardest)} targets tie as hardest hit at {_pct(value)} lost ("
                       + ", ".join(f"{len(m)} in {r}" for r, m in places.items()) + ").")

    def coverage(self) -> str:
        if not self.gaps:
            return ""
        items = sorted({i for found in self.gaps.values() for i in found})
        return (f"{len(self.gaps)} of {len(self.targets)} targets depend on items the data "
                f"gives no inputs for ({_names(self.graph, items[:4])}"
                f"{'; …' if len(items) > 4 else ''}): their results are incomplete.")

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
        "removed entirely; ties go to the node that is a SPOF of more targets. The mean is "
        "also given per region (the targets' headquarters country), and the path that explains "
        "each chokepoint follows the inputs that bind: the factor that sets the availability, "
        "the member that sets a group's value.",
        "Export blocks act on flows, never on the sites themselves: availability is computed "
        "per destination, so a block changes what a dependent in a blocked country receives "
        "(a supplier's jurisdiction follows what it sells), requirements are consumed where an "
        "item is made, and a block reaches other countries only through what is made in a "
        "blocked country.")),
    Section("How sure", (
        "Every relationship says what it stands on: a cited fact, an estimate, or a modelling "
        "assumption. A result rests on assumptions when it no longer holds without the "
        "assumption relationships (a SPOF that is no SPOF, a chokepoint whose loss falls "
        "below half). A SPOF that exists only because what survives falls within 2 percentage "
        "points under a threshold is a knife-edge result.",
        "Unknown is not zero and not equal: an item with no listed shares has no HHI (unless "
        "the equal split is asked for), and an item the data gives no inputs for is "
        "unmodelled; results that depend on it are marked incomplete. Where sources disagree, "
        "shares carry a range, and the --uncertainty option reports each chokepoint's 5-95 % loss "
        "interval and its chance of staying in the top k.")),
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
