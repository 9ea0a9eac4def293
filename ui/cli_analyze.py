"""`chokepoint analyze …`: the Boolean-semantics analyses.

Each command reads the graph from the configured store, calls one ``analysis/`` function and
prints a table (for people, 80 columns, names beside ids), JSON (the §4.4 documents) or CSV.
Commands that study one target print one document per target; with a single target the
JSON is exactly that document, with several a list of them.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from ui.context import complete_node_ids
from ui.horizons import chosen_horizons, horizon_options, with_horizons
from ui.output import (
    csv_plain,
    echo,
    emit_csv,
    emit_csv_lines,
    emit_json,
    emit_table,
    format_option,
    progress,
)

if TYPE_CHECKING:
    import networkx as nx

    from analysis.semantics import SupplyGraph

__all__ = ["analyze", "facts_option", "analysis_graph"]

TARGET_HELP = "Target node id (repeatable).  Default: every industry node."
NODE_BUDGET_TEXT = "4,000,000"
"""``analysis.cutsets.DEFAULT_NODE_BUDGET`` as the help shows it (written out so that the
command line loads without the analysis; a test keeps the two equal)."""
FACTS_HELP = ("Leave out the relationships whose basis is 'assumption' (modelling choices) "
              "and analyse only what is cited or estimated.")


def _set_facts_only(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and ctx.obj is not None:
        ctx.obj.facts_only = True


def facts_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--facts-only``: the command reads the graph without its assumption relationships."""
    return click.option("--facts-only", is_flag=True, expose_value=False, is_eager=True,
                        callback=_set_facts_only, help=FACTS_HELP)(command)


def analysis_graph(settings: Any) -> nx.MultiDiGraph:
    """The stored graph, without its assumption relationships under ``--facts-only``."""
    graph = settings.filled_store.read_graph()
    if getattr(settings, "facts_only", False):
        from analysis.trust import facts_only

        graph = facts_only(graph)
    return graph


@click.group()
def analyze() -> None:
    """Analyse the supply graph: single points of failure, minimal cut sets, failure
    probability, importance, chokepoints, concentration and structural baselines."""


def target_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--target", "targets", multiple=True, metavar="ID",
                        shell_complete=complete_node_ids, help=TARGET_HELP)(facts_option(command))


def _load(settings: Any, targets: Sequence[str]) -> tuple[nx.MultiDiGraph, list[str]]:
    from analysis.semantics import resolve_targets

    graph = analysis_graph(settings)
    return graph, resolve_targets(graph, targets)


def _label(graph: SupplyGraph, node: str) -> str:
    name = graph.nodes[node].get("name")
    return f"{name} ({node})" if name and name != node else node


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if math.isinf(value):
        return "∞"
    return f"{value:.4g}"


def _emit_documents(documents: list[dict[str, Any]],
                    graph: SupplyGraph | None = None) -> None:
    """One document per target (the document itself for one target); with ``graph``, each
    names the unmodelled items its target depends on (``"unmodelled_inputs"``, when any)."""
    if graph is not None:
        from analysis.coverage import incomplete

        gaps = incomplete(graph, [d["target"] for d in documents])
        documents = [{**d, "unmodelled_inputs": gaps[d["target"]]} if d["target"] in gaps
                     else d for d in documents]
    emit_json(documents[0] if len(documents) == 1 else documents)


def _busy(text: str) -> Any:
    bar = progress(text)
    bar.add_task("work", total=None)
    return bar


@analyze.command()
@target_option
@horizon_options
@format_option()
@click.pass_obj
def spof(settings: Any, targets: tuple[str, ...], horizon: str | None, until: Any,
         fmt: str) -> None:
    """Single points of failure: nodes whose failure alone takes a target down.

    All targets are answered in one pass.  A target is not listed as its own SPOF.  Each
    SPOF says whether it rests on modelling assumptions (it is no SPOF once the
    relationships with basis 'assumption' are left out) and, when it exists only because
    what survives falls under a threshold, the surviving share and the threshold; within
    2 percentage points it is a knife-edge result.  With several horizons, the SPOFs at
    each (a buffer hides a SPOF until it runs out; a second source ends one once its lead
    time has passed).
    """
    from analysis.coverage import incomplete
    from analysis.horizon import structure_at
    from analysis.spof import single_points_of_failure
    from analysis.structure import compile_structure
    from analysis.trust import spof_details

    graph, chosen = _load(settings, targets)
    horizons = chosen_horizons(graph, horizon, until)
    with _busy("Finding single points of failure"):
        base = compile_structure(graph)
        every = []
        for months in horizons:
            structure = structure_at(base, months)
            found = single_points_of_failure(structure, chosen)
            every.append((found, spof_details(graph, found, structure)))
        gaps = incomplete(graph, chosen)
    if fmt == "json":
        emit_json(with_horizons(horizons, [
            {"targets": found, "counts": {t: len(s) for t, s in found.items()},
             "incomplete": gaps,
             "details": {t: [d.as_dict() for d in ds] for t, ds in details.items()},
             "rests_on_assumptions": sum(d.rests_on_assumptions
                                         for ds in details.values() for d in ds),
             "knife_edge": sum(d.knife_edge for ds in details.values() for d in ds)}
            for found, details in every]))
        return
    if len(horizons) > 1:
        _spof_timeline(graph, horizons, [found for found, _ in every], fmt)
        return
    found, details = every[0]
    rows = [(t, d, graph.nodes[d.id].get("name", ""), graph.nodes[d.id].get("kind", ""))
            for t, ds in details.items() for d in ds]
    if fmt == "csv":
        emit_csv(("target", "node", "name", "kind", "rests_on_assumptions", "knife_edge",
                  "margin_node", "surviving", "threshold"),
                 [(t, d.id, name, kind, d.rests_on_assumptions, d.knife_edge,
                   *((d.margin.node, d.margin.surviving, d.margin.threshold) if d.margin
                     else ("", "", ""))) for t, d, name, kind in rows])
        return
    table_rows = [(_label(graph, t), _label(graph, d.id), k,
                   "assumption" if d.rests_on_assumptions else "", margin_text(d.margin))
                  for t, d, _, k in rows]
    table_rows += [(_label(graph, t), "(none)", "", "", "") for t, nodes in found.items()
                   if not nodes]
    resting = sum(1 for _, d, _, _ in rows if d.rests_on_assumptions)
    emit_table(f"Single points of failure ({resting} of {len(rows)} rest on assumptions)",
               ("target", "SPOF", "kind", "rests on", "margin"), table_rows)
    incomplete_note(gaps)


def incomplete_note(gaps: dict[str, list[str]]) -> None:
    """One line naming the targets whose results depend on unmodelled items."""
    if gaps:
        items = sorted({i for found in gaps.values() for i in found})
        echo(textwrap.fill(
            f"Incomplete: {len(gaps)} target(s) depend on {len(items)} unmodelled item(s) "
            f"({', '.join(items[:5])}{', …' if len(items) > 5 else ''}); see `chokepoint "
            "analyze coverage`.", 80))


def margin_text(margin: Any) -> str:
    """"4.8 % < 5 % at X (knife-edge)" for a share, "1 of 2 at X" for a group."""
    if margin is None:
        return ""
    if margin.is_share:
        text = f"{100 * margin.surviving:.1f} % < {100 * margin.threshold:.1f} % at {margin.node}"
    else:
        text = f"{margin.surviving:.0f} of {margin.threshold:.0f} needed at {margin.node}"
    return text + (" (knife-edge)" if margin.knife_edge else "")


def _spof_timeline(graph: nx.MultiDiGraph, horizons: Sequence[float],
                   every: Sequence[dict[str, list[str]]], fmt: str) -> None:
    """One row per (target, SPOF): the horizons at which it is one."""
    held: dict[tuple[str, str], list[float]] = {}
    for months, found in zip(horizons, every, strict=True):
        for target, nodes in found.items():
            for node in nodes:
                held.setdefault((target, node), []).append(months)
    if fmt == "csv":
        emit_csv(("months", "target", "node", "name", "kind"),
                 [(m, t, n, graph.nodes[n].get("name", ""), graph.nodes[n].get("kind", ""))
                  for m, found in zip(horizons, every, strict=True)
                  for t, nodes in found.items() for n in nodes])
        return
    emit_table("Single points of failure by horizon (months after the disruption starts)",
               ("target", "SPOF", "kind", "SPOF at (months)"),
               [(_label(graph, t), _label(graph, n), graph.nodes[n].get("kind", ""),
                 ", ".join(f"{m:g}" for m in months))
                for (t, n), months in sorted(held.items())])


@analyze.command()
@target_option
@click.option("--max-order", default=3, show_default=True, type=click.IntRange(0),
              help="Largest cut set size to list (0: every size).")
@click.option("--fail-kinds", metavar="K1,K2",
              help="Only nodes of these kinds may fail, e.g. supplier,country.")
@click.option("--limit", type=click.IntRange(0), default=None,
              help="List at most this many cut sets (smallest first).")
@click.option("--node-budget", type=click.IntRange(0), default=None,
              help=f"Give up when the decision diagram passes this many nodes (default: "
                   f"{NODE_BUDGET_TEXT}; 0: no limit, and big graphs can then use many GiB of "
                   "memory).")
@format_option()
@click.pass_obj
def cutsets(settings: Any, targets: tuple[str, ...], max_order: int, fail_kinds: str | None,
            limit: int | None, node_budget: int | None, fmt: str) -> None:
    """Minimal cut sets: smallest sets of nodes whose joint failure takes a target down.

    "truncated" is true when larger cut sets (above --max-order) exist or --limit cut the
    list.  A target's own failure is not listed.
    """
    # Read without NetworkX: the cut sets need only the supply structure, and this keeps the
    # command's start near that of a compiled fault-tree tool.
    from analysis.cutsets import DEFAULT_NODE_BUDGET, minimal_cut_sets, resting_on_assumptions
    from analysis.semantics import build_supply_model, resolve_targets
    from analysis.structure import compile_structure
    from graph.model import ASSUMPTION
    from graph.networkx_view import to_adjacency

    nodes, relationships = settings.filled_store.snapshot()
    facts_relationships = [r for r in relationships if r.basis != ASSUMPTION]
    if getattr(settings, "facts_only", False):
        relationships = facts_relationships
    graph = to_adjacency(nodes, relationships)
    chosen = resolve_targets(graph, targets)
    kinds = [k.strip().lower() for k in fail_kinds.split(",") if k.strip()] if fail_kinds \
        else None
    with _busy("Computing minimal cut sets"):
        structure = compile_structure(build_supply_model(graph))
        facts = None if len(facts_relationships) == len(relationships) else \
            compile_structure(build_supply_model(to_adjacency(nodes, facts_relationships)))
        results = [minimal_cut_sets(structure, t, max_order=max_order or None,
                                    fail_kinds=kinds, limit=limit,
                                    node_budget=DEFAULT_NODE_BUDGET if node_budget is None
                                    else node_budget or None)
                   for t in chosen]
        resting = [resting_on_assumptions(facts, r.target, r.cut_sets) for r in results]
    if fmt == "json":
        _emit_documents([{**r.to_json(), "rests_on_assumptions": flags}
                         for r, flags in zip(results, resting, strict=True)], graph)
        return
    if fmt == "csv":
        columns = ("target", "order", "nodes", "rests_on_assumptions")
        if csv_plain(n.id for n in nodes):  # the targets among them
            # Tens of thousands of sets on a fault tree: joined here, not field by field.
            emit_csv_lines(columns, (f"{r.target},{len(s)},{';'.join(s)},{flag}\n"
                                     for r, flags in zip(results, resting, strict=True)
                                     for s, flag in zip(r.cut_sets, flags, strict=True)))
        else:
            emit_csv(columns, [(r.target, len(s), ";".join(s), flag)
                               for r, flags in zip(results, resting, strict=True)
                               for s, flag in zip(r.cut_sets, flags, strict=True)])
        return
    for r, flags in zip(results, resting, strict=True):
        notes = []
        if r.higher_order_omitted and not r.higher_order_decided:
            notes.append(f"cut sets above order {max_order} may exist (not decided within "
                         "the node budget)")
        elif r.higher_order_omitted:
            notes.append(f"cut sets above order {max_order} exist and are not listed")
        if r.limited:
            notes.append(f"showing {len(r.cut_sets)} of {r.total}")
        title = f"Minimal cut sets of {_label(graph, r.target)}" + \
            (f" ({'; '.join(notes)})" if notes else "")
        emit_table(title, ("order", "nodes", "rests on"),
                   [(len(s), ", ".join(_label(graph, n) for n in s),
                     "assumption" if flag else "")
                    for s, flag in zip(r.cut_sets, flags, strict=True)],
                   justify_right=("order",))


@analyze.command()
@target_option
@click.option("--method", type=click.Choice(["exact", "montecarlo", "auto"]), default="auto",
              show_default=True,
              help="exact (decision diagram), montecarlo (sampling with a 95% interval) or "
                   "auto (exact unless the diagram grows too large).")
@click.option("--samples", default=100_000, show_default=True, type=click.IntRange(1),
              help="Monte Carlo samples.")
@click.option("--seed", default=0, show_default=True, type=int, help="Monte Carlo seed.")
@format_option()
@click.pass_obj
def probability(settings: Any, targets: tuple[str, ...], method: str, samples: int, seed: int,
                fmt: str) -> None:
    """Probability that a target is down, from independent node failure probabilities."""
    from analysis.probability import failure_probability

    graph, chosen = _load(settings, targets)
    with _busy("Computing failure probabilities"):
        results = [failure_probability(graph, t, method=method,  # type: ignore[arg-type]
                                       samples=samples, seed=seed) for t in chosen]
    if fmt == "json":
        _emit_documents([r.to_json() for r in results], graph)
        return
    rows = [(r.target, r.probability, r.method,
             *(r.interval if r.interval else ("", "")), r.samples or "") for r in results]
    if fmt == "csv":
        emit_csv(("target", "probability", "method", "low", "high", "samples"), rows)
        return
    emit_table("Probability that the target is down",
               ("target", "P(down)", "method", "95% interval"),
               [(_label(graph, r.target), _number(r.probability), r.method,
                 f"{r.interval[0]:.4g}–{r.interval[1]:.4g}" if r.interval else "")
                for r in results], justify_right=("P(down)",))
    for note in dict.fromkeys(r.note for r in results if r.note):
        echo(note)


@analyze.command()
@target_option
@format_option()
@click.pass_obj
def importance(settings: Any, targets: tuple[str, ...], fmt: str) -> None:
    """Importance of each node for a target: Birnbaum, Fussell–Vesely, risk achievement
    worth (RAW) and risk reduction worth (RRW).  In JSON, an infinite or undefined ratio
    (a zero probability in its denominator) is null."""
    from analysis.importance import importance_measures

    graph, chosen = _load(settings, targets)
    with _busy("Computing importance measures"):
        results = [importance_measures(graph, t) for t in chosen]
    if fmt == "json":
        _emit_documents([r.to_json() for r in results], graph)
        return
    if fmt == "csv":
        emit_csv(("target", "id", "name", "birnbaum", "fussell_vesely", "raw", "rrw"),
                 [(r.target, n.id, graph.nodes[n.id].get("name", ""), n.birnbaum,
                   n.fussell_vesely, n.raw, n.rrw) for r in results for n in r.nodes])
        return
    for r in results:
        emit_table(f"Importance for {_label(graph, r.target)} (P(down) = "
                   f"{_number(r.probability)})", ("node", "Birnbaum", "FV", "RAW", "RRW"),
                   [(_label(graph, n.id), _number(n.birnbaum), _number(n.fussell_vesely),
                     _number(n.raw), _number(n.rrw)) for n in r.nodes],
                   justify_right=("Birnbaum", "FV", "RAW", "RRW"))
        if r.note:
            echo(r.note)


@analyze.command()
@target_option
@format_option()
@click.pass_obj
def coverage(settings: Any, targets: tuple[str, ...], fmt: str) -> None:
    """What the data does not say: unmodelled items (a chip with no requirements, a
    component with no suppliers, sites or requirements), the targets whose results depend
    on them, and items whose shares are all unlisted (their concentration is unknown)."""
    from analysis.coverage import incomplete, unknown_shares, unmodelled
    from analysis.semantics import build_supply_model

    graph, chosen = _load(settings, targets)
    supply = build_supply_model(graph)
    items = unmodelled(graph, supply)
    gaps = incomplete(graph, chosen, supply)
    unknown = unknown_shares(supply)
    if fmt == "json":
        emit_json({"unmodelled": [u.as_dict() for u in items], "incomplete_targets": gaps,
                   "unknown_shares": [{"id": n, "suppliers": s, "locations": loc}
                                      for n, (s, loc) in sorted(unknown.items())]})
        return
    if fmt == "csv":
        emit_csv(("id", "name", "kind", "gap", "dependents"),
                 [(u.id, u.name, u.kind, u.reason, u.dependents) for u in items]
                 + [(n, graph.nodes[n].get("name", ""), graph.nodes[n].get("kind", ""),
                     "no listed shares", "") for n in sorted(unknown)])
        return
    emit_table(f"Unmodelled items ({len(items)}): results that depend on them are incomplete",
               ("item", "kind", "gap", "depended on by"),
               [(_label(graph, u.id), u.kind, u.reason, u.dependents) for u in items],
               justify_right=("depended on by",))
    emit_table(f"Targets with incomplete results ({len(gaps)} of {len(chosen)})",
               ("target", "unmodelled inputs"),
               [(_label(graph, t), ", ".join(found)) for t, found in gaps.items()])
    emit_table(f"Items with no listed shares ({len(unknown)}): concentration unknown",
               ("item", "suppliers", "locations"),
               [(_label(graph, n), "unlisted" if s else "", "unlisted" if loc else "")
                for n, (s, loc) in sorted(unknown.items())])


@analyze.command()
@target_option
@format_option()
@click.pass_obj
def baselines(settings: Any, targets: tuple[str, ...], fmt: str) -> None:
    """Structural baselines (articulation points, bridges, immediate dominators) of each
    target's dependency cone.  They ignore AND/OR logic and are NOT single points of
    failure; compare them with `analyze spof`."""
    from analysis.baselines import structural_baselines

    graph, chosen = _load(settings, targets)
    results = structural_baselines(graph, chosen)
    if fmt == "json":
        emit_json({"targets": {r.target: r.to_json() for r in results},
                   "note": "structural baselines: they ignore AND/OR logic and are not SPOFs"})
        return
    rows = [(r.target, "articulation point", n, "") for r in results
            for n in r.articulation_points]
    rows += [(r.target, "bridge", a, b) for r in results for a, b in r.bridges]
    rows += [(r.target, "immediate dominator", v, d) for r in results
             for v, d in r.immediate_dominators.items()]
    if fmt == "csv":
        emit_csv(("target", "indicator", "node", "other"), rows)
        return
    emit_table("Structural baselines (ignore AND/OR logic; not SPOFs)",
               ("target", "indicator", "node", "other"),
               [(_label(graph, t), i, _label(graph, n), _label(graph, o) if o else "")
                for t, i, n, o in rows])
