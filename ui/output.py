"""Writing results for people (rich tables) and machines (JSON, CSV) on standard output."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table

__all__ = ["FORMATS", "format_option", "console", "err_console", "emit_json", "emit_table",
           "emit_csv", "progress", "progress_bar"]

FORMATS = ("table", "json", "csv")


def format_option(*choices: str, default: str = "table") -> Any:
    return click.option("--format", "fmt", type=click.Choice(choices or FORMATS),
                        default=default, show_default=True,
                        help="table for people, json or csv for machines")


def console() -> Console:
    return Console(soft_wrap=False)


def err_console() -> Console:
    return Console(stderr=True)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def emit_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
               *, justify_right: Iterable[str] = ()) -> None:
    right = set(justify_right)
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left",
                         overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console().print(table)


def emit_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)


def progress(description: str) -> Any:
    """A spinner with elapsed time on a terminal; silent when output is not a terminal."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn(description), TimeElapsedColumn(),
                    console=err_console(), transient=True,
                    disable=not sys.stderr.isatty())


def progress_bar(description: str) -> Any:
    """A bar with a count, elapsed and remaining time on a terminal; silent otherwise."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=err_console(),
                    transient=True, disable=not sys.stderr.isatty())
