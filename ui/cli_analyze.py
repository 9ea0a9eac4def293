"""`chokepoint analyze …`: the Boolean-semantics analyses.

Each command reads the graph from the configured store, calls one ``analysis/`` function and
prints a table (for people, 80 columns, names beside ids), JSON (the §4.4 documents) or CSV.
Commands that study one target print one document per target; with a single target the
JSON is exactly that document, with several a list of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import click
import networkx as nx

from analysis.cutsets import DEFAULT_NODE_BUDGET
from analysis.semantics import resolve_targets
from ui.horizons import chosen_horizons, horizon_options, with_horizons
from ui.output import emit_csv, emit_json, emit_table, format_option, progress

__all__ = ["analyze"]

TARGET_HELP = "Target node id (repeatable).  Default: every industry node."


@click.group()
def analyze() -> None:
    """Analyse the supply graph: single points of failure, minimal cut sets, failure
    probability, importance, chokepoints, concentration and structural baselines."""


def target_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--target", "targets", multiple=True, metavar="ID",
                        help=TARGET_HELP)(command)


def _load(settings: Any, targets: Sequence[str]) -> tuple[nx.MultiDiGraph, list[str]]:
    graph = settings.store.read_graph()
    return graph, resolve_targets(graph, targets)


def _label(graph: nx.MultiDiGraph, node: str) -> str:
    name = graph.nodes[node].get("name")
    return f"{name} ({node})" if name and name != node else node


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if math.isinf(value):
        return "∞"
    return f"{value:.4g}"


def _emit_documents(documents: list[dict[str, Any]]) -> None:
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

    All targets are answered in one pass.  A target is not listed as its own SPOF.  With
    several horizons, the SPOFs at each (a buffer hides a SPOF until it runs out; a second
    source ends one once its lead time has passed).
    """
    from analysis.timeline import spofs_over_time

    graph, chosen = _load(settings, targets)
    horizons = chosen_horizons(graph, horizon, until)
    with _busy("Finding single points of failure"):
        every = spofs_over_time(graph, chosen, horizons)
    if fmt == "json":
        emit_json(with_horizons(horizons, [
            {"targets": found, "counts": {t: len(s) for t, s in found.items()}}
            for found in every]))
        return
    if len(horizons) > 1:
        _spof_timeline(graph, horizons, every, fmt)
        return
    found = every[0]
    rows = [(t, node, graph.nodes[node].get("name", ""), graph.nodes[node].get("kind", ""))
            for t, nodes in found.items() for node in nodes]
    if fmt == "csv":
        emit_csv(("target", "node", "name", "kind"), rows)
        return
    table_rows = [(_label(graph, t), _label(graph, n), k) for t, n, _, k in rows]
    table_rows += [(_label(graph, t), "(none)", "") for t, nodes in found.items() if not nodes]
    emit_table("Single points of failure", ("target", "SPOF", "kind"), table_rows)


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
@click.option("--max-order", default=3, show_default=True, type=click.IntRange(1),
              help="Largest cut set size to list.")
@click.option("--fail-kinds", metavar="K1,K2",
              help="Only nodes of these kinds may fail, e.g. supplier,country.")
@click.option("--limit", type=click.IntRange(0), default=None,
              help="List at most this many cut sets (smallest first).")
@click.option("--node-budget", type=click.IntRange(0), default=DEFAULT_NODE_BUDGET,
              show_default=True,
              help="Give up when the decision diagram passes this many nodes (0: no limit; "
                   "big graphs can then use many GiB of memory).")
@format_option()
@click.pass_obj
def cutsets(settings: Any, targets: tuple[str, ...], max_order: int, fail_kinds: str | None,
            limit: int | None, node_budget: int, fmt: str) -> None:
    """Minimal cut sets: smallest sets of nodes whose joint failure takes a target down.

    "truncated" is true when larger cut sets (above --max-order) exist or --limit cut the
    list.  A target's own failure is not listed.
    """
    from analysis.cutsets import minimal_cut_sets

    graph, chosen = _load(settings, targets)
    kinds = [k.strip().lower() for k in fail_kinds.split(",") if k.strip()] if fail_kinds \
        else None
    with _busy("Computing minimal cut sets"):
        results = [minimal_cut_sets(graph, t, max_order=max_order, fail_kinds=kinds,
                                    limit=limit, node_budget=node_budget or None)
                   for t in chosen]
    if fmt == "json":
        _emit_documents([r.to_json() for r in results])
        return
    if fmt == "csv":
        emit_csv(("target", "order", "nodes"), [(r.target, len(s), ";".join(s))
                                                for r in results for s in r.cut_sets])
        return
    for r in results:
        notes = []
        if r.higher_order_omitted:
            notes.append(f"cut sets above order {max_order} exist and are not listed")
        if r.limited:
            notes.append(f"showing {len(r.cut_sets)} of {r.total}")
        title = f"Minimal cut sets of {_label(graph, r.target)}" + \
            (f" ({'; '.join(notes)})" if notes else "")
        emit_table(title, ("order", "nodes"),
                   [(len(s), ", ".join(_label(graph, n) for n in s)) for s in r.cut_sets],
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
        _emit_documents([r.to_json() for r in results])
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
        _emit_documents([r.to_json() for r in results])
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
