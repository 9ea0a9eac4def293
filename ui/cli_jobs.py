"""`chokepoint jobs run|serve|history`: scheduled ingest from a jobs file.

Exit codes of `jobs run`: 0 every source succeeded, 1 a source failed (or the store is
wrong), 2 the jobs file was refused, 3 another run holds the lock and this one did nothing.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from graph.errors import ConcurrentRunError, ConfigError
from graph.store import RunRecord
from ui.context import Settings
from ui.output import echo, emit_json, emit_table, format_option, terminal_safe

if TYPE_CHECKING:
    from ingest.jobs import JobsConfig

__all__ = ["jobs", "EXIT_FAILED", "EXIT_INPUT", "EXIT_LOCKED"]

EXIT_FAILED = 1
EXIT_INPUT = 2
EXIT_LOCKED = 3
_LIST_FIELDS = ("new_spofs", "resolved_spofs", "threshold_crossings")

config_option = click.option(
    "--config", "config_path", required=True, metavar="FILE",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The jobs file (TOML) with one [[source]] table per source.")
state_dir_option = click.option(
    "--state-dir", type=click.Path(path_type=Path, file_okay=False),
    envvar="CHOKEPOINT_STATE_DIR",
    help="Where the lock and the download cache live.  Default: $CHOKEPOINT_STATE_DIR, else "
         "~/.local/state/chokepoint.")


@click.group()
def jobs() -> None:
    """Refresh sources unattended from a jobs file, and list past runs.

    Every run is recorded in the store with what it added, removed and changed and the new
    single points of failure it caused; alerts go to the source's webhook.
    """


precompute_option = click.option(
    "--precompute/--no-precompute", default=True, show_default=True,
    help="After a run that wrote data, compute the analyses the app's first page shows and "
         "keep them in the store (the app's first load then reads them), and from 5,000 "
         "nodes on the compiled graph in the local cache ($CHOKEPOINT_CACHE_DIR).  "
         "--no-precompute leaves that to the app's first load.")


def _precompute(settings: Settings, records: list[RunRecord]) -> None:
    """Keep the app's first-page analyses when a source ran (a new data version); a failure
    is logged."""
    if not any(r.status == "ok" for r in records):
        return
    import logging

    from ui.app_results import precompute

    log = logging.getLogger("chokepoint.jobs")
    try:
        precompute(settings.store_to_write, say=log.info)
    except Exception:  # noqa: BLE001 - the data is written; the run must not fail for this
        log.warning("the app's first-page analyses were not kept; the app computes them on "
                    "its first load", exc_info=True)


@jobs.command("run")
@config_option
@click.option("--only", multiple=True, metavar="NAME",
              help="Run only this source (repeatable).  Default: every source in the file.")
@state_dir_option
@precompute_option
@format_option("table", "json")
@click.pass_context
def run_command(ctx: click.Context, config_path: Path, only: tuple[str, ...],
                state_dir: Path | None, precompute: bool, fmt: str) -> None:
    """Run each source once (for cron, systemd timers, Kubernetes CronJobs).

    Exits 0 when all succeeded, 1 when any failed, 3 when another run holds the lock.
    """
    from ingest.jobs import run_jobs
    from ui.jobs_runner import AnalysisChanges

    settings: Settings = ctx.obj
    config = _load_config(config_path)
    with _logging():
        try:
            records = run_jobs(config, settings.store_to_write, only=only or None,
                               state_dir=state_dir,
                               reporter=AnalysisChanges(config.hhi_threshold))
        except ConcurrentRunError as exc:
            echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_LOCKED)
        if precompute:
            _precompute(settings, records)
    _emit_runs(records, fmt, "Job runs")
    failed = [r.source for r in records if r.status != "ok"]
    if failed:
        echo(f"error: {len(failed)} of {len(records)} source(s) failed: "
                   f"{', '.join(failed)}", err=True)
        ctx.exit(EXIT_FAILED)


@jobs.command("serve")
@config_option
@state_dir_option
@precompute_option
@click.pass_obj
def serve_command(settings: Settings, config_path: Path, state_dir: Path | None,
                  precompute: bool) -> None:
    """Run the sources at their `schedule` times, in this process, until stopped (SIGTERM or
    Ctrl-C).  For small setups; prefer cron, a systemd timer or a CronJob elsewhere."""
    from ingest.jobs import serve
    from ui.jobs_runner import AnalysisChanges

    config = _load_config(config_path)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with _logging():
        try:
            serve(config, settings.store_to_write, state_dir=state_dir, stop=stop,
                  reporter=AnalysisChanges(config.hhi_threshold),
                  after_run=(lambda records: _precompute(settings, records)) if precompute
                  else None)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
    import logging

    logging.getLogger("chokepoint.jobs").info("stopped")


@jobs.command("history")
@click.option("--source", metavar="NAME", help="Only runs of this source.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="How many runs, newest first.")
@format_option("table", "json")
@click.pass_obj
def history_command(settings: Settings, source: str | None, limit: int, fmt: str) -> None:
    """List recorded ingest runs, newest first, with their counts and SPOF changes."""
    store = settings.store
    records = store.runs(source, limit)
    _emit_runs(records, fmt, "Ingest runs", with_start=True)
    if not records and store.is_empty():
        echo(f"No ingest runs yet and the store is empty; {settings.how_to_fill()}.",
                   err=True)


def _load_config(path: Path) -> JobsConfig:
    """The jobs file; one that is refused exits 2, as refused input does everywhere."""
    from ingest.jobs import load_jobs_config

    try:
        return load_jobs_config(path)
    except ConfigError as exc:
        echo(f"error: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_INPUT) from None


def _run_dict(run: RunRecord) -> dict[str, Any]:
    found = run.as_dict()
    for key in _LIST_FIELDS:
        found.setdefault(key, [])
    return found


def _emit_runs(records: list[RunRecord], fmt: str, title: str, *,
               with_start: bool = False) -> None:
    if fmt == "json":
        emit_json([_run_dict(r.redacted()) for r in records])
        return
    records = [r.redacted() for r in records]
    columns: tuple[str, ...] = ("source", "status", "added", "removed", "changed", "new SPOFs",
                                "new conflicts", "note")
    rows: list[tuple[Any, ...]] = [(r.source, r.status, r.added, r.removed, r.changed,
             _spof_text(r.details.get("new_spofs")), r.details.get("new_conflicts", ""),
             _note(r)) for r in records]
    if with_start:
        columns = ("started", *columns)
        rows = [(r.started.replace("T", " ")[:19], *row) for r, row in zip(records, rows,
                                                                          strict=True)]
    emit_table(title, columns, rows,
               justify_right=("added", "removed", "changed", "new conflicts"))


def _note(run: RunRecord) -> str:
    crossings = len(run.details.get("threshold_crossings") or [])
    notes = [run.error or "", "unchanged upstream" if run.details.get("unchanged") else "",
             f"{crossings} HHI crossing(s)" if crossings else "",
             run.details.get("webhook_error") or ""]
    return "; ".join(n for n in notes if n)


def _spof_text(spofs: list[dict[str, str]] | None) -> str:
    return ", ".join(f"{s['node']}→{s['target']}" for s in spofs or [])


@contextmanager
def _logging() -> Iterator[None]:
    """Job progress as log lines on standard error (quiet, timestamped, fit for journals)."""
    import logging  # here, not at the top: every other command starts without it

    class _SafeFormatter(logging.Formatter):
        """Log lines name sources and nodes from the data: control characters are
        escaped."""

        def format(self, record: logging.LogRecord) -> str:
            return terminal_safe(super().format(record))

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("chokepoint")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
