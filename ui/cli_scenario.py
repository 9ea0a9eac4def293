"""`chokepoint scenario run` and the capacity-side `analyze chokepoints|concentration` commands.

The commands read the graph from the configured store, call ``analysis/`` and print a table
(for people, 80 columns), JSON or CSV (for machines).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from graph.model import NodeKind
from ui.cli_analyze import analysis_graph, facts_option, incomplete_note
from ui.horizons import (
    chosen_horizons,
    horizon_options,
    horizon_zero_note,
    months_label,
    with_horizons,
)
from ui.output import echo, emit_csv, emit_json, emit_table, format_option, progress, progress_bar

if TYPE_CHECKING:
    import networkx as nx

    from analysis.scenario import ScenarioResult

__all__ = ["scenario", "chokepoints_command", "concentration_command",
           "register_analyze_commands"]

DRIVERS_SHOWN = 3
DEFAULT_KINDS_TEXT = "supplier,country"
"""``analysis.chokepoints.DEFAULT_KINDS``, written out so that the command line loads without
the analysis (a test keeps the two equal)."""


def _graph(settings: Any) -> nx.MultiDiGraph:
    return analysis_graph(settings)


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
@facts_option
@format_option()
@click.pass_obj
def run_command(settings: Any, file: Path, other: Path | None, horizon: str | None,
                until: Any, fmt: str) -> None:
    """Run scenario FILE: availability and capacity loss per target against the baseline,
    and the nodes that account for each loss.  With several horizons, each target's loss
    curve: how much is lost, and for how long."""
    from analysis.capacity import CapacityModel
    from analysis.scenario import check_scenario, load_scenario
    from analysis.timeline import scenario_over_time

    # The files first: a bad scenario is refused (exit 2) before the store is even opened.
    scenarios = [load_scenario(path) for path in (file, other) if path is not None]
    graph = _graph(settings)
    for loaded in scenarios:
        check_scenario(loaded, graph)
    horizons = chosen_horizons(graph, horizon, until)
    with progress("Running the scenario") as bar:
        bar.add_task("run", total=None)
        model = CapacityModel.from_graph(graph)
        first, *rest = (scenario_over_time(graph, loaded, horizons, model)
                        for loaded in scenarios)
        second = rest[0] if rest else None
    if len(horizons) > 1:
        _print_curves(horizons, first, second, fmt)
        return
    if second is None:
        _print_result(first[0], fmt)
    else:
        _print_comparison(first[0], second[0], fmt)
    note = horizon_zero_note(graph, horizon, until)
    if note and fmt == "table":
        echo(note)


def _curves_json(horizons: Sequence[float], results: Sequence[ScenarioResult]
                 ) -> dict[str, list[dict[str, float]]]:
    from analysis.timeline import loss_curves

    return {target: [{"months": m, "capacity_loss": loss}
                     for m, loss in zip(horizons, curve, strict=True)]
            for target, curve in loss_curves(results).items()}


def _print_curves(horizons: Sequence[float], first: Sequence[ScenarioResult],
                  second: Sequence[ScenarioResult] | None, fmt: str) -> None:
    """Loss curves per target (and, with --compare, both scenarios' curves)."""
    from analysis.scenario import compare
    from analysis.timeline import loss_curves

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
        emit_csv(("target", "name", "region", "availability", "capacity_loss",
                  "baseline_availability", "incomplete", "drivers", "path"),
                 [(t.id, t.name, result.regions.get(t.id, "?"), t.availability,
                   t.capacity_loss, t.baseline, bool(t.unmodelled),
                   ";".join(d.id for d in t.drivers), " > ".join(t.path))
                  for t in result.targets])
        return
    emit_table(f"Scenario: {result.name} (mean loss {_pct(result.mean_capacity_loss)})",
               ("target", "avail.", "loss", "accounted for by"),
               [(t.id, _pct(t.availability),
                 _pct(t.capacity_loss) + (" (incomplete)" if t.unmodelled else ""),
                 _drivers_text(t))
                for t in result.targets], justify_right=("avail.", "loss"))
    for line in (region_line(result.loss_by_region()),
                 tie_line({t.id: t.capacity_loss for t in result.targets})):
        echo(textwrap.fill(line, 80))
    incomplete_note({t.id: list(t.unmodelled) for t in result.targets if t.unmodelled})


def _uncertainty_table(found: list[Any], confidence: dict[str, Any], draws: int,
                       k: int) -> None:
    rows = []
    for rank, c in enumerate(found, start=1):
        conf = confidence[c.id]
        low, high = conf.loss_interval
        rows.append((rank, c.id, _pct(c.capacity_loss), f"{_pct(low)}–{_pct(high)}",
                     f"{100 * conf.p_top_k:.0f}%", "" if conf.distinct_from_next else "≈ next"))
    emit_table(f"Rank confidence over {draws} draws of the share ranges (k = {k}; "
               "≈ next: not statistically distinct from the next rank)",
               ("#", "node", "loss", "5–95 %", f"P(top {k})", ""), rows,
               justify_right=("#", "loss", "5–95 %", f"P(top {k})"))


def ranged_share_count(graph: nx.MultiDiGraph) -> int:
    """How many relationships carry a share range."""
    return sum(1 for _, _, d in graph.edges(data=True)
               if d.get("share_low") is not None or d.get("share_high") is not None)


def region_line(by_region: dict[str, tuple[int, float]]) -> str:
    """"By region (targets' headquarters): CN 13 targets 100.0%; US 7 targets 0.0%"."""
    return "By region (targets' headquarters): " + "; ".join(
        f"{r} {n} target{'s' * (n != 1)} {_pct(loss)}" for r, (n, loss) in by_region.items())


def tie_line(losses: dict[str, float]) -> str:
    """The hardest-hit group, stated as a tie when several targets share it."""
    if not losses:
        return ""
    from analysis.regions import ties

    value, keys = ties(losses)[0]
    if len(keys) == 1:
        return f"Hit hardest: {keys[0]} ({_pct(value)} lost)."
    shown = ", ".join(keys[:6]) + (", …" if len(keys) > 6 else "")
    return f"Hit hardest: {len(keys)} targets tie at {_pct(value)} lost ({shown})."


def _print_comparison(first: ScenarioResult, second: ScenarioResult, fmt: str) -> None:
    from analysis.scenario import compare

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
    from analysis.semantics import default_targets

    inside = set(countries)
    return [t for t in default_targets(graph)
            if any(v in inside for _, v, k in graph.out_edges(t, keys=True)
                   if k in ("LOCATED_IN", "HEADQUARTERED_IN"))]


def _target_option(command: Any) -> Any:
    return click.option("--target", "targets", multiple=True, metavar="ID",
                        help="Target node (repeatable).  Default: all industry nodes.")(
        facts_option(command))
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
@click.option("--kinds", default=DEFAULT_KINDS_TEXT, show_default=True,
              metavar="k1,k2|all",
              help="Node kinds to rank: by default suppliers and countries, the things that "
                   "fail or are cut by a decision; 'all' ranks items too.")
@click.option("--uncertainty", "draws", type=click.IntRange(min=1), default=None, metavar="N",
              help="Draw N graphs with every share uniform in its share_low–share_high range "
                   "(fixed seed) and add each chokepoint's mean loss, 5–95 % loss interval "
                   "and chance of being in the top k.")
@click.option("--top-k", "top_k", type=click.IntRange(min=1), default=5, show_default=True,
              help="The k of the chance of being in the top k (with --uncertainty).")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Random seed of --uncertainty.")
@horizon_options
@format_option()
@click.pass_obj
def chokepoints_command(settings: Any, targets: tuple[str, ...], perspective: str | None,
                        allies: str | None, top: int, kinds: str, draws: int | None,
                        top_k: int, seed: int, horizon: str | None, until: Any,
                        fmt: str) -> None:
    """Nodes ranked by the capacity loss their removal causes across the targets (mean over
    targets), with how many targets each is a SPOF of and the dependency path explaining it.

    With --perspective (and --allies) and no --target, the targets are that country's
    industries.  With several horizons, each chokepoint's loss at each, its persistence
    (persistent: at the last horizon it still costs 90 % of its first loss; adaptable:
    below 10 %; partly adaptable otherwise) and the first horizon at which its loss falls
    below half ("relieved after")."""
    from analysis.capacity import CapacityModel
    from analysis.chokepoints import chokepoints
    from analysis.coverage import incomplete
    from analysis.horizon import capacity_at
    from analysis.semantics import resolve_targets
    from analysis.timeline import chokepoints_over_time
    from analysis.uncertainty import chokepoint_uncertainty

    graph = _graph(settings)
    chosen = list(targets)
    if not chosen and perspective:
        chosen = _perspective_targets(graph, [perspective.upper(),
                                              *_countries_option(allies)])
        if not chosen:
            raise click.UsageError(f"no industry node is located in {perspective}; "
                                   "name targets with --target")
    resolved = resolve_targets(graph, chosen or None)
    horizons = chosen_horizons(graph, horizon, until)
    if draws and horizons != (0,):
        raise click.UsageError("--uncertainty draws the shares at horizon 0 only; leave out "
                               "--horizon and --until")
    if len(horizons) > 1:
        with progress("Ranking chokepoints at each horizon") as bar:
            bar.add_task("rank", total=None)
            timeline = chokepoints_over_time(graph, chosen or None, horizons, top=top,
                                             kinds=_kinds_option(kinds))
        _print_chokepoint_timeline(timeline, resolved, top, fmt)
        return
    model = capacity_at(CapacityModel.from_graph(graph), horizons[0])
    pool = max(4 * top_k, 40, top)
    with progress("Ranking chokepoints") as bar:
        bar.add_task("rank", total=None)
        found = chokepoints(graph, chosen or None, top=pool if draws else top,
                            kinds=_kinds_option(kinds), model=model)
    confidence = {}
    if draws:
        with progress_bar(f"Drawing {draws} graphs from the share ranges") as bar:
            task = bar.add_task("draw", total=draws)
            confidence = chokepoint_uncertainty(
                graph, found, resolved, draws, seed=seed, k=top_k, pool=pool, model=model,
                on_draw=lambda n: bar.update(task, completed=n))
        found = found[:top]
    gaps = incomplete(graph, resolved)
    if fmt == "json":
        document: dict[str, Any] = {
            "targets": resolved,
            "chokepoints": [{**c.as_dict(), **(confidence[c.id].as_dict()
                                               if c.id in confidence else {})}
                            for c in found],
            "incomplete": gaps}
        if draws:
            document["uncertainty"] = {"draws": draws, "seed": seed, "k": top_k,
                                       "pool": min(pool, len(confidence)),
                                       "ranged_shares": ranged_share_count(graph)}
        emit_json(document)
        return
    if fmt == "csv":
        emit_csv(("rank", "id", "name", "kind", "spof_count", "capacity_loss", "max_loss",
                  "targets_affected", "rests_on_assumptions", "facts_only_loss", "by_region",
                  "loss_p5", "loss_p95", "p_top_k", "path"),
                 [(rank, c.id, c.name, c.kind, c.spof_count, c.capacity_loss, c.max_loss,
                   c.targets_affected, c.rests_on_assumptions, c.facts_only_loss,
                   ";".join(f"{r}={v:.4f}" for r, v in c.by_region),
                   *((confidence[c.id].loss_interval[0], confidence[c.id].loss_interval[1],
                      confidence[c.id].p_top_k) if c.id in confidence else ("", "", "")),
                   " > ".join(c.path))
                  for rank, c in enumerate(found, start=1)])
        return
    resting = sum(c.rests_on_assumptions for c in found)
    if confidence:
        _uncertainty_table(found, confidence, draws or 0, top_k)
    emit_table(f"Chokepoints (loss = mean capacity loss over targets, and per region of the "
               f"targets' headquarters; facts = without modelling assumptions, ! = rests on "
               f"them: {resting} of {len(found)})",
               ("#", "node", "SPOFs", "loss", "by region", "facts",
                "path from the target it hurts most"),
               [(rank, c.id, c.spof_count, _pct(c.capacity_loss),
                 " ".join(f"{r} {100 * v:.0f}%" for r, v in c.by_region),
                 _pct(c.facts_only_loss) + (" !" if c.rests_on_assumptions else ""),
                 " > ".join(c.path))
                for rank, c in enumerate(found, start=1)],
               justify_right=("#", "SPOFs", "loss", "facts"))
    incomplete_note(gaps)
    note = horizon_zero_note(graph, horizon, until)
    if note:
        echo(note)


def _print_chokepoint_timeline(timeline: Any, targets: list[str], top: int, fmt: str) -> None:
    horizons = timeline.horizons
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
               "relieved after", "facts"]
    if fmt == "csv":
        emit_csv(("rank", "id", "name", "kind", "spof_count",
                  *(f"capacity_loss_{m:g}" for m in horizons), "persistence",
                  "relieved_after_months", "rests_on_assumptions", "facts_only_loss", "path"),
                 [(rank, c.id, c.name, c.kind, c.spof_count, *curve,
                   timeline.persistence(c.id), timeline.relieved_after(c.id),
                   c.rests_on_assumptions, c.facts_only_loss, " > ".join(c.path))
                  for rank, (c, curve) in enumerate(losses, start=1)])
        return
    relieved = [timeline.relieved_after(c.id) for c in shown]
    resting = sum(c.rests_on_assumptions for c in shown)
    # The facts column only where assumptions change something (else it repeats the worst).
    facts = any(c.rests_on_assumptions or c.facts_only_loss != c.capacity_loss for c in shown)
    title = ("Chokepoints over time (mean capacity loss over targets, by months after the "
             "disruption starts; worst first")
    if facts:
        title += ("; facts = at its worst horizon, without modelling assumptions, ! = rests "
                  f"on them: {resting} of {len(shown)}")
    emit_table(title + ")", columns if facts else columns[:-1],
               [(rank, c.id, *(_pct(v) for v in curve), timeline.persistence(c.id),
                 "—" if r is None else months_label(r),
                 *([_pct(c.facts_only_loss) + (" !" if c.rests_on_assumptions else "")]
                   if facts else []))
                for rank, ((c, curve), r) in enumerate(zip(losses, relieved, strict=True),
                                                       start=1)],
               justify_right=("#", *columns[2:-3], "facts"))


@click.command("concentration")
@_target_option
@_perspective_option
@_allies_option
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="How many items to list (most concentrated first).  Default: all.")
@click.option("--assume-equal-shares", is_flag=True,
              help="Split an item's market equally among suppliers that list no shares "
                   "(default: its HHI and CR values are unknown, with coverage 0).")
@format_option()
@click.pass_obj
def concentration_command(settings: Any, targets: tuple[str, ...], perspective: str | None,
                          allies: str | None, top: int | None, assume_equal_shares: bool,
                          fmt: str) -> None:
    """Supply concentration per item: HHI over suppliers and countries (0–10,000), CR1,
    CR3, countries needed for 75 % of capacity, and listed coverage.

    --target limits the items to those the targets depend on.  --perspective adds each
    item's domestic share and self-sufficiency (its availability when everything outside
    the perspective country and its --allies is cut)."""
    from analysis.capacity import CapacityModel
    from analysis.chokepoints import upstream
    from analysis.concentration import concentration
    from analysis.concentration import perspective as country_perspective
    from analysis.semantics import resolve_targets

    graph = _graph(settings)
    model = CapacityModel.from_graph(graph)
    items = None
    if targets:
        chosen = resolve_targets(graph, targets)
        wanted = upstream(model, (model.index[t] for t in chosen)) | {
            model.index[t] for t in chosen}
        items = {model.ids[i] for i in wanted}
    rows = [c for c in concentration(graph, equal_split=assume_equal_shares)
            if items is None or c.id in items]
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
        return "unknown" if value is None else f"{value:,.0f}"

    columns = ["item", "HHI sup", "HHI ctry", "CR1", "top", "n75"]
    if countries:
        columns += ["home", "self"]
    rows = []
    for r in records:
        top = f"{r['top_country']} {_pct(r['top_country_share'])}" if r["top_country"] else ""
        mark = " (equal split)" if r.get("equal_split") else ""
        row = [r["id"] + mark, number(r["hhi_suppliers"]), number(r["hhi_countries"]),
               _pct(r["cr1"]) if r["cr1"] is not None else "unknown", top or "unknown",
               r["countries_to_75"]]
        if countries:
            row += [_pct(r["domestic_share"]), _pct(r["self_sufficiency"])]
        rows.append(row)
    title = ("Concentration (HHI 0–10,000; n75 = countries for 75 % of capacity; unknown: no "
             "shares listed, see --assume-equal-shares)")
    if countries:
        title += f"; home = share in {'+'.join(countries)}, self = self-sufficiency"
    emit_table(title, columns, rows,
               justify_right=("HHI sup", "HHI ctry", "CR1", "n75", "home", "self"))


def register_analyze_commands(group: click.Group) -> None:
    """Add `chokepoints` and `concentration` to the `analyze` group."""
    group.add_command(chokepoints_command, "chokepoints")
    group.add_command(concentration_command, "concentration")
