"""The ``chokepoint`` command line.  Thin: parse options, call the library, print results.

Domain errors become one clear line on standard error and a non-zero exit code; a traceback is
shown only with ``CHOKEPOINT_DEBUG=1``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from graph.errors import ChokepointError, InputError
from graph.export import EXPORTERS, export_graph
from graph.model import Batch, NodeKind, RelKind
from graph.store import IngestResult
from graph.urls import redact_url
from ingest.registry import CURATED_PRIORITY, PUBLIC_DATA_PRIORITY
from ui.cli_analyze import analyze
from ui.cli_app import ui_command
from ui.cli_jobs import jobs
from ui.cli_nodes import search, show, targets
from ui.cli_report import report
from ui.cli_scenario import register_analyze_commands, scenario
from ui.context import Settings, load_seeds, pass_settings
from ui.output import echo, emit_csv, emit_json, emit_table, format_option, progress

EXIT_INPUT = 2  # the input was refused
EXIT_ERROR = 1  # anything else went wrong
MAX_PROBLEMS_SHOWN = 20


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so flushing it at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class ChokepointGroup(click.Group):
    """Turns domain errors into messages for people."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            _report_problems(exc)
            ctx.exit(EXIT_INPUT)
        except ChokepointError as exc:
            echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # the reader went away (`| head`): stop quietly, with the
            _silence_stdout()    # status Rich gives when a table meets a closed pipe
            ctx.exit(EXIT_ERROR)
        except Exception as exc:
            if os.environ.get("CHOKEPOINT_DEBUG"):
                raise
            echo(f"internal error: {type(exc).__name__}: {exc} "
                       "(set CHOKEPOINT_DEBUG=1 to see the traceback)", err=True)
            ctx.exit(EXIT_ERROR)


def _report_problems(exc: InputError) -> None:
    count = len(exc.problems)
    echo(f"error: input refused, nothing was written ({count} problem"
               f"{'s' * (count != 1)}):", err=True)
    for problem in exc.problems[:MAX_PROBLEMS_SHOWN]:
        echo(f"  {problem}", err=True)
    if count > MAX_PROBLEMS_SHOWN:
        echo(f"  ... and {count - MAX_PROBLEMS_SHOWN} more", err=True)




@click.group(cls=ChokepointGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store_url", metavar="URL", envvar="CHOKEPOINT_STORE",
              help="Where the graph lives: a file path or sqlite:///path (embedded SQLite; "
                   "the file must exist, except for seed, ingest and jobs, which create it), "
                   "or neo4j://host:7687 / bolt://host:7687 (credentials from NEO4J_USER and "
                   "NEO4J_PASSWORD).  Default: $CHOKEPOINT_STORE, else an embedded store in "
                   "~/.local/share/chokepoint, filled with the bundled seeds on first use.")
@click.version_option(package_name="chokepoint")
@click.pass_context
def cli(ctx: click.Context, store_url: str | None) -> None:
    """chokepoint: where would one failure, or one export ban, cut the supply of AI?

    Build the AI supply-chain graph, find single points of failure and chokepoints, run
    what-if scenarios and export reports.  Start with `chokepoint seed` and
    `chokepoint stats`; find nodes with `chokepoint search TEXT` and `chokepoint show ID`.
    """
    settings = Settings(store_url)
    ctx.obj = settings
    ctx.call_on_close(settings.close)


precompute_option = click.option(
    "--precompute/--no-precompute", default=True, show_default=True,
    help="After writing, compute the analyses the app's first page shows (chokepoints, "
         "SPOFs, concentration, self-sufficiency) and keep them in the store, so the app's "
         "first load reads them instead of computing them; from 5,000 nodes on, keep the "
         "compiled graph in the local cache ($CHOKEPOINT_CACHE_DIR) too.  --no-precompute "
         "leaves that to the app's first load.")


def precompute_after_write(settings: Settings, enabled: bool) -> None:
    """Keep the app's first-page analyses for the data just written (see ``--precompute``).
    A failure here is reported and leaves the written data alone: the app computes them."""
    if not enabled:
        return
    from ui.app_results import precompute

    store = settings.store_to_write
    try:
        with progress("Computing the app's first-page analyses") as bar:
            bar.add_task("precompute", total=None)
            precompute(store, say=lambda line: echo(line, err=True))
    except Exception as exc:  # noqa: BLE001 - the data is written; the command must not fail
        if os.environ.get("CHOKEPOINT_DEBUG"):
            raise
        echo(f"warning: the app's first-page analyses were not kept ({type(exc).__name__}: "
             f"{exc}); the app computes them on its first load.", err=True)


def _print_ingest(result: IngestResult, fmt: str) -> None:
    summary = {"source": result.run.source, "run_id": result.run.run_id,
               "status": result.run.status, "nodes_read": result.nodes,
               "relationships_read": result.relationships, **result.counts.as_dict()}
    if fmt == "json":
        emit_json(summary)
        return
    verb = "would be" if result.dry_run else "were"
    echo(f"{result.nodes} nodes and {result.relationships} relationships read from "
               f"source {result.run.source!r}: {result.counts.added} added, "
               f"{result.counts.changed} changed, {result.counts.removed} removed ({verb} "
               f"written{'; dry run, nothing written' if result.dry_run else ''}).")


@cli.command()
@click.option("--dry-run", is_flag=True, help="Validate the seeds only; write nothing.")
@precompute_option
@format_option("table", "json")
@pass_settings
def seed(settings: Settings, dry_run: bool, precompute: bool, fmt: str) -> None:
    """Load the bundled AI supply-chain seeds into the store (source 'seeds').

    Running it again changes nothing; it replaces what the seeds said before.
    """
    settings.announce_seeding = False
    store = settings.store_to_write
    if settings.seeded_on_open is not None:
        # The default store fills itself with the seeds when it is created; say so rather
        # than report the second, empty load.
        _print_ingest(settings.seeded_on_open, fmt)
        if fmt != "json":
            echo(f"The store {redact_url(store.url)} was new, so it was filled with the "
                       "bundled seeds just now; running `chokepoint seed` again changes "
                       "nothing.")
        precompute_after_write(settings, precompute and not dry_run)
        return
    with progress("Loading the seeds") as bar:
        bar.add_task("seed", total=None)
        result = load_seeds(store, dry_run=dry_run)
    _print_ingest(result, fmt)
    precompute_after_write(settings, precompute and not dry_run)


@cli.group()
def ingest() -> None:
    """Read outside data into the graph.  Each run replaces what its --source said before."""


def ingest_command(reader: str, help_text: str) -> click.Command:
    """Build `chokepoint ingest READER PATH` for a registered reader."""

    @click.argument("path", type=click.Path(path_type=Path))
    @click.option("--source", metavar="NAME",
                  help="Source name for sync semantics (default: READER:<file stem>).  A run "
                       "replaces everything this source asserted before.")
    @click.option("--priority", type=int, metavar="N",
                  help="Rank of this source when sources disagree: each property, and each "
                       "item's list of shares, comes from the highest-priority source that "
                       "gives it (equal priorities: the newest run).  Default: "
                       f"{CURATED_PRIORITY} for tabular (curated) sources, then eto 15, "
                       f"epoch 12, cyclonedx and spdx {PUBLIC_DATA_PRIORITY}.")
    @click.option("--dry-run", is_flag=True, help="Validate and report only; write nothing.")
    @precompute_option
    @format_option("table", "json")
    @pass_settings
    def command(settings: Settings, path: Path, source: str | None, priority: int | None,
                dry_run: bool, precompute: bool, fmt: str) -> None:
        from ingest.registry import read

        with progress(f"Reading {path}") as bar:
            bar.add_task("read", total=None)
            batch = read(reader, path, source=source, priority=priority)
        _write_batch(settings, batch, dry_run, fmt)
        precompute_after_write(settings, precompute and not dry_run)

    command.__doc__ = help_text
    return click.command(name=reader)(command)


def _write_batch(settings: Settings, batch: Batch, dry_run: bool, fmt: str) -> None:
    with progress("Validating and writing") as bar:
        bar.add_task("write", total=None)
        result = settings.store_to_write.apply(batch, dry_run=dry_run)
    _print_ingest(result, fmt)
    if fmt != "json":
        echo(f"{result.merged} node(s) merged with nodes other sources already assert.")
    if batch.unresolved and fmt != "json":
        shown = ", ".join(sorted(set(batch.unresolved))[:20])
        echo(f"{len(set(batch.unresolved))} name(s) left unresolved: {shown}")


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



@ingest.command(name="openpsa")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--source", metavar="NAME",
              help="Source name for sync semantics (default: openpsa:<first file's stem>).")
@click.option("--dry-run", is_flag=True, help="Validate and report only; write nothing.")
@precompute_option
@format_option("table", "json")
@pass_settings
def ingest_openpsa(settings: Settings, paths: tuple[Path, ...], source: str | None,
                   dry_run: bool, precompute: bool, fmt: str) -> None:
    """Ingest an Open-PSA MEF fault tree (the XML SCRAM and XFTA read), from one or more
    files that together form the model: gates (or, and, atleast) become industry nodes
    that REQUIRE their inputs, basic events become component nodes with their probability.
    Cut sets over `--fail-kinds component` are then the fault tree's."""
    from ingest.openpsa import read_openpsa_files

    with progress(f"Reading {len(paths)} file(s)") as bar:
        bar.add_task("read", total=None)
        batch = read_openpsa_files(list(paths), source=source or f"openpsa:{paths[0].stem}")
    _write_batch(settings, batch, dry_run, fmt)
    if fmt != "json":
        for note in batch.notes:
            echo(f"note: {note}")
    precompute_after_write(settings, precompute and not dry_run)


@cli.command()
@format_option("table", "json")
@pass_settings
def stats(settings: Settings, fmt: str) -> None:
    """Count nodes per kind, relationships per kind, and conflicts between sources."""
    store = settings.store
    counts: dict[str, Any] = dict(store.stats())
    counts["conflicts"] = len(store.conflicts())
    if fmt == "json":
        emit_json(counts)
        return
    rows = [("node", k, counts["nodes"][k]) for k in (n.value for n in NodeKind)]
    rows += [("relationship", k, counts["relationships"][k]) for k in (r.value for r in RelKind)]
    rows += [("total nodes", "", sum(counts["nodes"].values())),
             ("total relationships", "", sum(counts["relationships"].values())),
             ("conflicts between sources", "", counts["conflicts"])]
    emit_table(f"Store: {redact_url(store.url)}", ("what", "kind", "count"), rows,
               justify_right=("count",))
    if not sum(counts["nodes"].values()):  # in the table only: JSON stays one document
        echo(f"The store is empty; {settings.how_to_fill()}.", err=True)


def _value_text(value: Any) -> str:
    """A conflict's value in one cell: a share list as ``to=share; ...``, others as is."""
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


@cli.command()
@click.option("--source", metavar="NAME", help="Only conflicts this source takes part in.")
@format_option("table", "json", "csv")
@pass_settings
def conflicts(settings: Settings, source: str | None, fmt: str) -> None:
    """List where sources disagree: one property of one element given different values, or
    two lists of shares for one item.  Each shows every source's value and which one won
    (the highest priority; equal priorities: the newest run)."""
    found = settings.filled_store.conflicts(source=source)
    if fmt == "json":
        emit_json({"conflicts": [c.as_dict() for c in found]})
        return
    rows = [(c.element, c.property, c.winner, s, _value_text(v))
            for c in found for s, v in c.values]
    columns = ("element", "property", "winner", "source", "value")
    if fmt == "csv":
        from ui.reports.cells import neutralise

        emit_csv(columns, [[neutralise(cell) for cell in row] for row in rows])
        return
    emit_table(f"{len(found)} conflict(s) between sources", columns, rows)


EXPORT_FORMATS = sorted([*EXPORTERS, "openpsa"])


@cli.command()
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="json",
              show_default=True, help="tabular: a folder of nodes.csv + edges.csv that ingest "
              "reads back; json: one document; graphml: for Gephi, yEd, Cytoscape; openpsa: "
              "the fault tree of one --target in Open-PSA MEF XML, for SCRAM or XFTA.")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="File to write (a folder for tabular).")
@click.option("--target", metavar="ID",
              help="With --format openpsa: the node whose failure is the top event.")
@click.option("--fail-kinds", metavar="K1,K2",
              help="With --format openpsa: only nodes of these kinds may fail (default: all, "
                   "as in `analyze cutsets`).")
@pass_settings
def export(settings: Settings, fmt: str, out: Path, target: str | None,
           fail_kinds: str | None) -> None:
    """Export the whole graph with provenance, or one target's fault tree (Open-PSA)."""
    if fmt != "openpsa":
        if target or fail_kinds:
            raise click.UsageError("--target and --fail-kinds go with --format openpsa")
        export_graph(settings.filled_store, fmt, out)
    else:
        if not target:
            raise click.UsageError("--format openpsa needs --target ID (the top event)")
        _export_fault_tree(settings, target, fail_kinds, out)
    echo(f"wrote {out}", err=True)


def _export_fault_tree(settings: Settings, target: str, fail_kinds: str | None,
                       out: Path) -> None:
    from analysis.fault_tree import fault_tree, to_openpsa
    from analysis.semantics import resolve_targets
    from graph.export import atomic_write

    graph = settings.filled_store.read_graph()
    resolve_targets(graph, [target])
    kinds = [k.strip().lower() for k in fail_kinds.split(",") if k.strip()] if fail_kinds \
        else None
    tree = fault_tree(graph, target, fail_kinds=kinds)
    names = {n: str(graph.nodes[n].get("name") or n) for n in graph.nodes}
    with atomic_write(out) as handle:
        handle.write(to_openpsa(tree, names))


register_analyze_commands(analyze)
for _command in (analyze, scenario, report, jobs, ui_command, show, search, targets):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="chokepoint")


if __name__ == "__main__":
    sys.exit(main())
