"""`chokepoint scenario run` and the capacity-side `analyze chokepoints|concentration` commands.

The commands read the graph from the configured store, call ``analysis/`` and print a table
(for people, 80 columns), JSON or CSV (for machines).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import networkx as nx

from analysis.capacity import CapacityModel
from analysis.chokepoints import DEFAULT_KINDS, chokepoints, upstream
from analysis.concentration import concentration
from analysis.concentration import perspective as country_perspective
from analysis.horizon import capacity_at
from analysis.scenario import ScenarioResult, compare, load_scenario
from analysis.semantics import default_targets, resolve_targets
from analysis.timeline import (
    ChokepointTimeline,
    chokepoints_over_time,
    loss_curves,
    scenario_over_time,
)
from graph.model import NodeKind
from ui.horizons import chosen_horizons, horizon_options, months_label, with_horizons
from ui.output import emit_csv, emit_json, emit_table, format_option, progress

__all__ = ["scenario", "chokepoints_command", "concentration_command",
           "register_analyze_commands"]

DRIVERS_SHOWN = 3


def _graph(settings: Any) -> nx.MultiDiGraph:
    return settings.store.read_graph()


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _countries_option(text: str | None) -> list[str]:
    return [c.strip().upper() for c in (text or "").split(",") if c.strip()]


# -- scenario ---------------------------------------------------------------------------------
@click.group()
def scenario() -> None:
    """What-if scenarios: disruptions and export blocks, in capacity terms (YAML files)."""


@scenario.command("run")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--compare", "other", type=click.Path(path_type=Path), metavar="FILE2",
              help="A second scenario to run and compare against the first (with several "
                   "horizons, their loss curves).")
@horizon_options
@format_option()
@click.pass_obj
def run_command(settings: Any, file: Path, other: Path | None, horizon: str | None,
                until: Any, fmt: str) -> None:
    """Run scenario FILE: availability and capacity loss per target against the baseline,
    and the nodes that account for each loss.  With several horizons, each target's loss
    curve: how much is lost, and for how long."""
    graph = _graph(settings)
    horizons = chosen_horizons(graph, horizon, until)
    with progress("Running the scenario") as bar:
        bar.add_task("run", total=None)
        model = CapacityModel.from_graph(graph)
        first = scenario_over_time(graph, load_scenario(file, graph), horizons, model)
        second = scenario_over_time(graph, load_scenario(other, graph), horizons, model) \
            if other else None
    if len(horizons) > 1:
        _print_curves(horizons, first, second, fmt)
    elif second is None:
        _print_result(first[0], fmt)
    else:
        _print_comparison(first[0], second[0], fmt)


def _curves_json(horizons: Sequence[float], results: Sequence[ScenarioResult]
                 ) -> dict[str, list[dict[str, float]]]:
    return {target: [{"months": m, "capacity_loss": loss}
                     for m, loss in zip(horizons, curve, strict=True)]
            for target, curve in loss_curves(results).items()}


def _print_curves(horizons: Sequence[float], first: Sequence[ScenarioResult],
                  second: Sequence[ScenarioResult] | None, fmt: str) -> None:
    """Loss curves per target (and, with --compare, both scenarios' curves)."""
    if fmt == "json":
        if second is None:
            emit_json(with_horizons(horizons, [r.as_dict() for r in first],
                                    loss_curves=_curves_json(horizons, first)))
        else:
            emit_json(with_horizons(
                horizons, [compare(a, b).as_dict() for a, b in zip(first, second, strict=True)],
                loss_curves={"first": _curves_json(horizons, first),
                             "second": _curves_json(horizons, second)}))
        return
    runs = [("", first)] if second is None else [("A", first), ("B", second)]
    columns = ["target", *(f"{name} {months_label(m)}".strip() for name, _ in runs
                           for m in horizons)]
    curves = [loss_curves(results) for _, results in runs]
    rows = [(target, *(loss for curve in curves for loss in curve.get(target, [])))
            for target in curves[0]]
    if fmt == "csv":
        emit_csv(columns, rows)
        return
    title = f"Capacity loss over time: {first[0].name}" if second is None else \
        f"Capacity loss over time: A = {first[0].name}; B = {second[0].name}"
    emit_table(title, columns, [(r[0], *(_pct(v) for v in r[1:])) for r in rows],
               justify_right=columns[1:])


def _drivers_text(impact: Any, limit: int = DRIVERS_SHOWN) -> str:
    shown = [f"{d.id} ({d.cause}, {_pct(d.loss)})" for d in impact.drivers[:limit]]
    more = len(impact.drivers) - limit
    return ", ".join(shown) + (f" +{more} more" if more > 0 else "")


def _print_result(result: ScenarioResult, fmt: str) -> None:
    if fmt == "json":
        emit_json(result.as_dict())
        return
    if fmt == "csv":
        emit_csv(("target", "name", "availability", "capacity_loss", "baseline_availability",
                  "drivers"),
                 [(t.id, t.name, t.availability, t.capacity_loss, t.baseline,
                   ";".join(d.id for d in t.drivers)) for t in result.targets])
        return
    emit_table(f"Scenario: {result.name} (mean loss {_pct(result.mean_capacity_loss)})",
               ("target", "avail.", "loss", "accounted for by"),
               [(t.id, _pct(t.availability), _pct(t.capacity_loss), _drivers_text(t))
                for t in result.targets], justify_right=("avail.", "loss"))


def _print_comparison(first: ScenarioResult, second: ScenarioResult, fmt: str) -> None:
    comparison = compare(first, second)
    if fmt == "json":
        emit_json(comparison.as_dict())
        return
    rows = [(target, d["first_capacity_loss"], d["second_capacity_loss"],
             d["capacity_loss_difference"]) for target, d in comparison.differences().items()]
    if fmt == "csv":
        emit_csv(("target", "first_capacity_loss", "second_capacity_loss", "difference"), rows)
        return
    emit_table(f"Capacity loss: A = {first.name}; B = {second.name}",
               ("target", "loss A", "loss B", "B − A"),
               [(t, _pct(a), _pct(b), _pct(diff)) for t, a, b, diff in rows],
               justify_right=("loss A", "loss B", "B − A"))


# -- analyze chokepoints / concentration ------------------------------------------------------
def _perspective_targets(graph: nx.MultiDiGraph, countries: Sequence[str]) -> list[str]:
    """The industry nodes located or headquartered in one of ``countries``."""
    inside = set(countries)
    return [t for t in default_targets(graph)
            if any(v in inside for _, v, k in graph.out_edges(t, keys=True)
                   if k in ("LOCATED_IN", "HEADQUARTERED_IN"))]


_target_option = click.option("--target", "targets", multiple=True, metavar="ID",
                              help="Target node (repeatable).  Default: all industry nodes.")
_perspective_option = click.option("--perspective", metavar="CC",
                                   help="A country code (e.g. CN) to look from.")
_allies_option = click.option("--allies", metavar="CC,CC",
                              help="Countries counted with the perspective, comma-separated.")


def _kinds_option(text: str) -> list[str] | None:
    if text.strip().lower() == "all":
        return None
    kinds = [k.strip().lower() for k in text.split(",") if k.strip()]
    known = {k.value for k in NodeKind}
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise click.BadParameter(f"unknown kind(s) {', '.join(unknown)}; use 'all' or some "
                                 f"of {', '.join(sorted(known))}", param_hint="--kinds")
    return kinds


@click.command("chokepoints")
@_target_option
@_perspective_option
@_allies_option
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many chokepoints to list.")
@click.option("--kinds", default=",".join(DEFAULT_KINDS), show_default=True,
              metavar="k1,k2|all",
              help="Node kinds to rank: by default suppliers and countries, the things that "
                   "fail or are cut by a decision; 'all' ranks items too.")
@horizon_options
@format_option()
@click.pass_obj
def chokepoints_command(settings: Any, targets: tuple[str, ...], perspective: str | None,
                        allies: str | None, top: int, kinds: str, horizon: str | None,
                        until: Any, fmt: str) -> None:
    """Nodes ranked by the capacity loss their removal causes across the targets (mean over
    targets), with how many targets each is a SPOF of and the dependency path explaining it.

    With --perspective (and --allies) and no --target, the targets are that country's
    industries.  With several horizons, each chokepoint's loss at each, its persistence
    (persistent: at the last horizon it still costs 90 % of its first loss; adaptable:
    below 10 %; partly adaptable otherwise) and the first horizon at which its loss falls
    below half ("relieved after")."""
    graph = _graph(settings)
    chosen = list(targets)
    if not chosen and perspective:
        chosen = _perspective_targets(graph, [perspective.upper(),
                                              *_countries_option(allies)])
        if not chosen:
            raise click.UsageError(f"no industry node is located in {perspective}; "
                                   "name targets with --target")
    horizons = chosen_horizons(graph, horizon, until)
    with progress("Ranking chokepoints") as bar:
        bar.add_task("rank", total=None)
        if len(horizons) > 1:
            timeline = chokepoints_over_time(graph, chosen or None, horizons,
                                             kinds=_kinds_option(kinds))
        else:
            model = capacity_at(CapacityModel.from_graph(graph), horizons[0])
            found = chokepoints(graph, chosen or None, top=top, kinds=_kinds_option(kinds),
                                model=model)
    if len(horizons) > 1:
        _print_chokepoint_timeline(graph, chosen, timeline, top, fmt)
        return
    if fmt == "json":
        emit_json({"targets": resolve_targets(graph, chosen or None),
                   "chokepoints": [c.as_dict() for c in found]})
        return
    if fmt == "csv":
        emit_csv(("rank", "id", "name", "kind", "spof_count", "capacity_loss", "max_loss",
                  "targets_affected", "path"),
                 [(rank, c.id, c.name, c.kind, c.spof_count, c.capacity_loss, c.max_loss,
                   c.targets_affected, " > ".join(c.path))
                  for rank, c in enumerate(found, start=1)])
        return
    emit_table("Chokepoints (loss = mean capacity loss over targets)",
               ("#", "node", "SPOFs", "loss", "path from the target it hurts most"),
               [(rank, c.id, c.spof_count, _pct(c.capacity_loss), " > ".join(c.path))
                for rank, c in enumerate(found, start=1)], justify_right=("#", "SPOFs", "loss"))


def _print_chokepoint_timeline(graph: nx.MultiDiGraph, chosen: list[str],
                               timeline: ChokepointTimeline, top: int, fmt: str) -> None:
    horizons = timeline.horizons
    targets = resolve_targets(graph, chosen or None)
    if fmt == "json":
        emit_json(with_horizons(horizons, [
            {"targets": targets,
             "chokepoints": [{**c.as_dict(), **timeline.time_fields(c.id)}
                             for c in ranking[:top]]}
            for ranking in timeline.rankings]))
        return
    shown = timeline.worst(top)
    losses = [(c, timeline.losses(c.id)) for c in shown]
    columns = ["#", "node", *(months_label(m) for m in horizons), "persistence",
               "relieved after"]
    if fmt == "csv":
        emit_csv(("rank", "id", "name", "kind", "spof_count",
                  *(f"capacity_loss_{m:g}" for m in horizons), "persistence",
                  "relieved_after_months", "path"),
                 [(rank, c.id, c.name, c.kind, c.spof_count, *curve,
                   timeline.persistence(c.id), timeline.relieved_after(c.id),
                   " > ".join(c.path)) for rank, (c, curve) in enumerate(losses, start=1)])
        return
    relieved = [timeline.relieved_after(c.id) for c in shown]
    emit_table("Chokepoints over time (mean capacity loss over targets, by months after "
               "the disruption starts; worst first)", columns,
               [(rank, c.id, *(_pct(v) for v in curve), timeline.persistence(c.id),
                 "—" if r is None else months_label(r))
                for rank, ((c, curve), r) in enumerate(zip(losses, relieved, strict=True),
                                                       start=1)],
               justify_right=("#", *columns[2:-2]))


@click.command("concentration")
@_target_option
@_perspective_option
@_allies_option
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="How many items to list (most concentrated first).  Default: all.")
@format_option()
@click.pass_obj
def concentration_command(settings: Any, targets: tuple[str, ...], perspective: str | None,
                          allies: str | None, top: int | None, fmt: str) -> None:
    """Supply concentration per item: HHI over suppliers and countries (0–10,000), CR1,
    CR3, countries needed for 75 % of capacity, and listed coverage.

    --target limits the items to those the targets depend on.  --perspective adds each
    item's domestic share and self-sufficiency (its availability when everything outside
    the perspective country and its --allies is cut)."""
    graph = _graph(settings)
    model = CapacityModel.from_graph(graph)
    items = None
    if targets:
        chosen = resolve_targets(graph, targets)
        wanted = upstream(model, (model.index[t] for t in chosen)) | {
            model.index[t] for t in chosen}
        items = {model.ids[i] for i in wanted}
    rows = [c for c in concentration(graph) if items is None or c.id in items]
    if top is not None:
        rows = rows[:top]
    countries = [perspective.upper(), *_countries_option(allies)] if perspective else []
    seen = {p.id: p for p in country_perspective(graph, countries, [c.id for c in rows], model)} \
        if countries else {}
    records = [{**c.as_dict(), **({"domestic_share": seen[c.id].domestic_share,
                                   "self_sufficiency": seen[c.id].self_sufficiency}
                                  if countries else {})} for c in rows]
    if fmt == "json":
        emit_json({"perspective": countries or None, "items": records})
        return
    if fmt == "csv":
        columns = list(records[0]) if records else ["id"]
        emit_csv(columns, [[r.get(k) for k in columns] for r in records])
        return
    _concentration_table(records, countries)


def _concentration_table(records: list[dict[str, Any]], countries: list[str]) -> None:
    def number(value: float | None) -> str:
        return "" if value is None else f"{value:,.0f}"

    columns = ["item", "HHI sup", "HHI ctry", "CR1", "top", "n75"]
    if countries:
        columns += ["home", "self"]
    rows = []
    for r in records:
        top = f"{r['top_country']} {_pct(r['top_country_share'])}" if r["top_country"] else ""
        row = [r["id"], number(r["hhi_suppliers"]), number(r["hhi_countries"]),
               _pct(r["cr1"]), top, r["countries_to_75"]]
        if countries:
            row += [_pct(r["domestic_share"]), _pct(r["self_sufficiency"])]
        rows.append(row)
    title = "Concentration (HHI 0–10,000; n75 = countries for 75 % of capacity)"
    if countries:
        title += f"; home = share in {'+'.join(countries)}, self = self-sufficiency"
    emit_table(title, columns, rows,
               justify_right=("HHI sup", "HHI ctry", "CR1", "n75", "home", "self"))


def register_analyze_commands(group: click.Group) -> None:
    """Add `chokepoints` and `concentration` to the `analyze` group."""
    group.add_command(chokepoints_command, "chokepoints")
    group.add_command(concentration_command, "concentration")
