"""The ``chokepoint`` command line.  Thin: parse options, call the library, print results.

Domain errors become one clear line on standard error and a non-zero exit code; a traceback is
shown only with ``CHOKEPOINT_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from graph.errors import ChokepointError, InputError
from graph.export import EXPORTERS, export_graph
from graph.model import NodeKind, RelKind
from graph.store import IngestResult
from graph.urls import redact_url
from ui.cli_analyze import analyze
from ui.cli_app import ui_command
from ui.cli_jobs import jobs
from ui.cli_report import report
from ui.cli_scenario import register_analyze_commands, scenario
from ui.context import Settings, load_seeds, pass_settings
from ui.output import emit_json, emit_table, err_console, format_option, progress

EXIT_INPUT = 2  # the input was refused
EXIT_ERROR = 1  # anything else went wrong
MAX_PROBLEMS_SHOWN = 20


class ChokepointGroup(click.Group):
    """Turns domain errors into messages for people."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            _report_problems(exc)
            ctx.exit(EXIT_INPUT)
        except ChokepointError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("CHOKEPOINT_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} "
                       "(set CHOKEPOINT_DEBUG=1 to see the traceback)", err=True)
            ctx.exit(EXIT_ERROR)


def _report_problems(exc: InputError) -> None:
    count = len(exc.problems)
    click.echo(f"error: input refused, nothing was written ({count} problem"
               f"{'s' * (count != 1)}):", err=True)
    for problem in exc.problems[:MAX_PROBLEMS_SHOWN]:
        click.echo(f"  {problem}", err=True)
    if count > MAX_PROBLEMS_SHOWN:
        click.echo(f"  ... and {count - MAX_PROBLEMS_SHOWN} more", err=True)




@click.group(cls=ChokepointGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store_url", metavar="URL", envvar="CHOKEPOINT_STORE",
              help="Where the graph lives: a file path or sqlite:///path (embedded SQLite), or "
                   "neo4j://host:7687 / bolt://host:7687 (credentials from NEO4J_USER and "
                   "NEO4J_PASSWORD).  Default: $CHOKEPOINT_STORE, else an embedded store in "
                   "~/.local/share/chokepoint, filled with the bundled seeds on first use.")
@click.version_option(package_name="chokepoint")
@click.pass_context
def cli(ctx: click.Context, store_url: str | None) -> None:
    """chokepoint: where would one failure, or one export ban, cut the supply of AI?

    Build the AI supply-chain graph, find single points of failure and chokepoints, run
    what-if scenarios and export reports.  Start with `chokepoint seed` and
    `chokepoint stats`.
    """
    settings = Settings(store_url)
    ctx.obj = settings
    ctx.call_on_close(settings.close)


def _print_ingest(result: IngestResult, fmt: str) -> None:
    summary = {"source": result.run.source, "run_id": result.run.run_id,
               "status": result.run.status, "nodes_read": result.nodes,
               "relationships_read": result.relationships, **result.counts.as_dict()}
    if fmt == "json":
        emit_json(summary)
        return
    verb = "would be" if result.dry_run else "were"
    click.echo(f"{result.nodes} nodes and {result.relationships} relationships read from "
               f"source {result.run.source!r}: {result.counts.added} added, "
               f"{result.counts.changed} changed, {result.counts.removed} removed ({verb} "
               f"written{'; dry run, nothing written' if result.dry_run else ''}).")


@cli.command()
@click.option("--dry-run", is_flag=True, help="Validate the seeds only; write nothing.")
@format_option("table", "json")
@pass_settings
def seed(settings: Settings, dry_run: bool, fmt: str) -> None:
    """Load the bundled AI supply-chain seeds into the store (source 'seeds').

    Running it again changes nothing; it replaces what the seeds said before.
    """
    with progress("Loading the seeds") as bar:
        bar.add_task("seed", total=None)
        result = load_seeds(settings.store, dry_run=dry_run)
    _print_ingest(result, fmt)


@cli.group()
def ingest() -> None:
    """Read outside data into the graph.  Each run replaces what its --source said before."""


def ingest_command(reader: str, help_text: str) -> click.Command:
    """Build `chokepoint ingest READER PATH` for a registered reader."""

    @click.argument("path", type=click.Path(path_type=Path))
    @click.option("--source", metavar="NAME",
                  help="Source name for sync semantics (default: READER:<file stem>).  A run "
                       "replaces everything this source asserted before.")
    @click.option("--dry-run", is_flag=True, help="Validate and report only; write nothing.")
    @format_option("table", "json")
    @pass_settings
    def command(settings: Settings, path: Path, source: str | None, dry_run: bool,
                fmt: str) -> None:
        from ingest.registry import read

        with progress(f"Reading {path}") as bar:
            bar.add_task("read", total=None)
            batch = read(reader, path, source=source)
        with progress("Validating and writing") as bar:
            bar.add_task("write", total=None)
            result = settings.store.apply(batch, dry_run=dry_run)
        _print_ingest(result, fmt)
        if fmt != "json":
            click.echo(f"{result.merged} node(s) merged with nodes other sources already "
                       "assert.")
        if batch.unresolved and fmt != "json":
            shown = ", ".join(sorted(set(batch.unresolved))[:20])
            click.echo(f"{len(set(batch.unresolved))} name(s) left unresolved: {shown}")

    command.__doc__ = help_text
    return click.command(name=reader)(command)


ingest.add_command(ingest_command(
    "tabular", "Ingest the native tabular format: a folder with nodes.csv and edges.csv, one "
               ".xlsx with sheets nodes and edges, or one .json/.yaml with lists nodes and "
               "edges.  Bad input is refused with file:row:column and nothing is written."))
ingest.add_command(ingest_command(
    "cyclonedx", "Ingest a CycloneDX 1.4–1.7 JSON SBOM or ML-BOM: components become software, "
                 "model and dataset nodes, dependencies become REQUIRES, suppliers, "
                 "manufacturers, publishers and authors become suppliers."))
ingest.add_command(ingest_command(
    "spdx", "Ingest an SPDX 2.3 JSON document: packages become software nodes, dependency "
            "relationships become REQUIRES, suppliers and originators become suppliers."))
ingest.add_command(ingest_command(
    "eto", "Ingest the CSET/ETO advanced-semiconductor supply chain folder (current or 2022 "
           "format): inputs, firms with their shares and headquarters, country shares, the "
           "production graph.  CHOKEPOINT_ETO_SUBTYPES=all|any sets how is_type_of is read "
           "(default all: a general input requires every subtype)."))
ingest.add_command(ingest_command(
    "epoch", "Ingest Epoch AI data (a folder with notable_ai_models.csv, ml_hardware.csv, "
             "gpu_clusters.csv, or one of them): models, chips, clusters, their makers, "
             "owners, countries and training hardware."))


@cli.command()
@format_option("table", "json")
@pass_settings
def stats(settings: Settings, fmt: str) -> None:
    """Count nodes per kind and relationships per kind."""
    counts = settings.store.stats()
    if fmt == "json":
        emit_json(counts)
        return
    rows = [("node", k, counts["nodes"][k]) for k in (n.value for n in NodeKind)]
    rows += [("relationship", k, counts["relationships"][k]) for k in (r.value for r in RelKind)]
    rows += [("total nodes", "", sum(counts["nodes"].values())),
             ("total relationships", "", sum(counts["relationships"].values()))]
    emit_table(f"Store: {redact_url(settings.store.url)}", ("what", "kind", "count"), rows,
               justify_right=("count",))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORTERS)), default="json",
              show_default=True, help="tabular: a folder of nodes.csv + edges.csv that ingest "
              "reads back; json: one document; graphml: for Gephi, yEd, Cytoscape.")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="File to write (a folder for tabular).")
@pass_settings
def export(settings: Settings, fmt: str, out: Path) -> None:
    """Export the whole graph with provenance."""
    export_graph(settings.store, fmt, out)
    err_console().print(f"wrote {out}")


register_analyze_commands(analyze)
for _command in (analyze, scenario, report, jobs, ui_command):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="chokepoint")


if __name__ == "__main__":
    sys.exit(main())
