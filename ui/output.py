"""Writing results for people (rich tables) and machines (JSON, CSV) on standard output."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # Rich loads when a table or progress is shown, not for JSON or CSV
    from rich.console import Console

__all__ = ["FORMATS", "format_option", "console", "err_console", "emit_json", "emit_table",
           "emit_csv", "csv_plain", "emit_csv_lines", "progress", "progress_bar",
           "terminal_safe", "echo"]

FORMATS = ("table", "json", "csv")


# C0 controls but tab and newline, DEL, C1 controls (0x9b starts a sequence on some
# terminals), and the bidirectional overrides that reorder what is shown.
# Lone surrogates are not characters at all: a terminal cannot even be sent them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                      "\ud800-\udfff]")
# What keeps a value from going into CSV as it is: quoting, or escaping on a terminal.
_NOT_PLAIN = re.compile('[",\r\n]|' + _CONTROL.pattern)
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    r"""``text`` with control characters shown as escapes, so data never drives the terminal.

    >>> terminal_safe("Fab\x1b[2J")
    'Fab\\x1b[2J'
    """
    return _CONTROL.sub(_escaped, text)


def echo(text: str, *, err: bool = False) -> None:
    """Print a line that may hold names from the data."""
    click.echo(terminal_safe(text), err=err)


def format_option(*choices: str, default: str = "table") -> Any:
    return click.option("--format", "fmt", type=click.Choice(choices or FORMATS),
                        default=default, show_default=True,
                        help="table for people, json or csv for machines")


def console() -> Console:
    from rich.console import Console

    return Console(soft_wrap=False)


def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def emit_json(data: Any) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    click.echo(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text))


def emit_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
               *, justify_right: Iterable[str] = ()) -> None:
    """A table for people; cells are plain text (never read as Rich markup), escaped."""
    from rich.table import Table
    from rich.text import Text

    right = set(justify_right)
    table = Table(title=Text(terminal_safe(title)) if title else None, title_justify="left",
                  header_style="bold")
    for column in columns:
        table.add_column(Text(terminal_safe(column)),
                         justify="right" if column in right else "left", overflow="fold")
    for row in rows:
        table.add_row(*(Text("" if v is None else terminal_safe(str(v))) for v in row))
    console().print(table)


def emit_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """CSV for machines; on a terminal, control characters are shown escaped."""
    if sys.stdout.isatty():
        rows = ([terminal_safe(v) if isinstance(v, str) else v for v in row] for row in rows)
    # Rows go out in blocks: written one by one, an unbuffered standard output makes a
    # system call per row (tens of thousands for the cut sets of a fault tree).
    block = io.StringIO()
    writer = csv.writer(block, lineterminator="\n")
    writer.writerow(columns)
    remaining = iter(rows)
    while True:
        writer.writerows(islice(remaining, 4096))
        if not block.tell():
            break
        sys.stdout.write(block.getvalue())
        block.seek(0)
        block.truncate()
    sys.stdout.flush()


def csv_plain(values: Iterable[str]) -> bool:
    """Whether every value goes into CSV as it is: nothing to quote, nothing to escape."""
    return not any(_NOT_PLAIN.search(v) for v in values)


def emit_csv_lines(columns: Sequence[str], lines: Iterable[str]) -> None:
    """CSV whose rows are already joined, of values :func:`csv_plain` accepts; the same
    bytes :func:`emit_csv` writes for them, without a writer's work per field."""
    sys.stdout.write(",".join(columns) + "\n")
    remaining = iter(lines)
    while block := list(islice(remaining, 4096)):
        sys.stdout.write("".join(block))
    sys.stdout.flush()


class _Silent:
    """What :func:`progress` gives when nothing is shown: every call does nothing."""

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def progress(description: str) -> Any:
    """A spinner with elapsed time on a terminal; silent when output is not a terminal."""
    if not sys.stderr.isatty():
        return _Silent()
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
