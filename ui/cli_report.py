"""`chokepoint report`: analyse the stored graph and write one report file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from graph.errors import ConfigError
from graph.urls import redact_url
from ui.cli_analyze import analysis_graph, facts_option
from ui.horizons import chosen_horizons, horizon_options
from ui.output import echo, progress
from ui.reports import RENDERERS, format_for, render

__all__ = ["report"]


def _countries(text: str | None) -> list[str]:
    return [c.strip().upper() for c in (text or "").split(",") if c.strip()]


def describe_store(url: str) -> str:
    """What the report says about its store: no credentials, and for SQLite only the file
    name (a full local path would leak a user name into a shared memo)."""
    if url.startswith("sqlite://"):
        return f"SQLite store {Path(url.split('://', 1)[1]).name}"
    return redact_url(url)


def _choose_format(fmt: str | None, out: Path) -> str:
    chosen = fmt or format_for(out)
    if chosen is None:
        raise ConfigError(f"cannot tell the report format from {out.name!r}; give --format "
                          f"({'|'.join(RENDERERS)}) or end --out in .html, .pdf, .xlsx, .csv, "
                          ".zip, .json or .md")
    return chosen


@click.command()
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="File to write.  Its suffix picks the format unless --format is given; "
                   "for csv, a .zip holds one CSV per table, any other name one CSV with the "
                   "tables stacked.")
@click.option("--format", "fmt", type=click.Choice(list(RENDERERS)),
              help="html (one self-contained page), pdf, xlsx, csv, json or md.")
@click.option("--scenario", "scenario_file", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="A scenario YAML whose impact the report includes.")
@click.option("--perspective", metavar="CC",
              help="Add a self-sufficiency table from this country's point of view (ISO code).")
@click.option("--allies", metavar="CC,CC", help="Countries counted with --perspective.")
@click.option("--target", "targets", multiple=True, metavar="ID",
              help="A target node (repeatable).  Default: every industry node.")
@click.option("--top", default=15, show_default=True, type=click.IntRange(1, 500),
              help="How many chokepoints and concentrated inputs to list.")
@horizon_options
@facts_option
@click.pass_obj
def report(settings: Any, out: Path, fmt: str | None, scenario_file: Path | None,
           perspective: str | None, allies: str | None, targets: tuple[str, ...],
           top: int, horizon: str | None, until: Any) -> None:
    """Write a chokepoint report: summary, tables, the critical subgraph, methodology and
    data provenance.  Exports are safe to open: spreadsheet cells that could run as
    formulas are neutralised and HTML carries no script.  With several horizons, it adds
    the chokepoints over time, a loss-over-time chart and which chokepoints persist."""
    from analysis.report import build_report
    from analysis.scenario import load_scenario

    chosen = _choose_format(fmt, out)
    if allies and not perspective:
        raise ConfigError("--allies needs --perspective (the country they side with)")
    store = settings.filled_store
    graph = analysis_graph(settings)
    scenario = load_scenario(scenario_file, graph) if scenario_file else None
    horizons = chosen_horizons(graph, horizon, until)
    with progress("Analysing and writing the report") as bar:
        bar.add_task("report", total=None)
        result = build_report(graph, targets=targets or None, scenario=scenario,
                              perspective=perspective.strip().upper() if perspective else None,
                              allies=_countries(allies), top=top, provenance=store.runs(),
                              store=describe_store(store.url),
                              conflicts=len(store.conflicts()), horizons=horizons)
        render(result, chosen, out)
    echo(f"wrote {out} ({chosen})", err=True)
