"""Opening the files readers read: size and encoding checks, JSON documents and CSV tables,
each failure an :class:`InputError` that names the file, line and column."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.errors import InputError, Problem
from graph.parsing import DEFAULT_MAX_INPUT_BYTES, check_size, max_input_bytes, parse_json
from ingest.fields import parse_as_of

__all__ = ["Row", "DEFAULT_MAX_INPUT_BYTES", "max_input_bytes", "check_size", "read_text",
           "load_json", "document_date", "read_csv", "csv_records", "check_unique_columns"]


@dataclass(frozen=True)
class Row:
    """One record as read, with the file (or sheet, or list) and the line or row it is on, as
    an editor or a spreadsheet shows it (the header is line 1)."""

    file: str
    line: int
    values: Mapping[str, Any]

    @property
    def origin(self) -> str:
        return f"{self.file}:{self.line}"

    def get(self, column: str) -> str:
        """The cell as stripped text; empty text when blank or absent."""
        value = self.values.get(column)
        return "" if value is None else str(value).strip()


def read_text(path: Path) -> str:
    """The file as text; refuses missing, empty, oversized and non-UTF-8 files."""
    if not path.is_file():
        raise InputError(Problem("no such file", str(path)))
    check_size(path)
    data = path.read_bytes()
    if not data.strip():
        raise InputError(Problem("file is empty", str(path)))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(Problem(f"byte 0x{data[exc.start]:02x} at column {column} is not "
                                 "UTF-8; save the file as UTF-8", str(path), line)) from exc


def load_json(path: Path) -> Any:
    """Parse a JSON file strictly (see :func:`graph.parsing.parse_json`: no trailing comma,
    ``NaN``, key named twice or nesting beyond the limit)."""
    return parse_json(read_text(path), str(path))


def document_date(stamp: Any, path: Path, field: str) -> str | None:
    """The date of a document's timestamp ``field`` (ISO 8601, date and time or date only),
    ``None`` when it has none; an unreadable one is an :class:`InputError` naming the field."""
    if not isinstance(stamp, str) or not stamp.strip():
        return None
    try:
        return parse_as_of(stamp.strip()[:10])
    except ValueError as exc:
        raise InputError(Problem(f"{field} {stamp!r}: {exc}", str(path), column=field)) from exc


def csv_records(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header of a CSV file and its non-blank records, each with the line it starts on.

    Quoting is strict: a quote that is never closed, or text after a closing quote, is refused
    with the line its record starts on; so is a header that names a column twice.
    """
    reader = csv.reader(io.StringIO(read_text(path), newline=""), strict=True)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    append = records.append
    start = 1
    try:
        for values in reader:
            if header is None:
                header = [h.strip() for h in values]
            elif "".join(values).strip():
                append((start, values))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(Problem(f"malformed CSV in the record that starts on this line: {exc} "
                                 "(a quote is not closed, or text follows a closing quote; "
                                 'write a quote inside a quoted cell as "")', str(path),
                                 start)) from exc
    if header is None:
        raise InputError(Problem("file is empty; the first row must name the columns",
                                 str(path), 1))
    check_unique_columns(header, str(path))
    return header, records


def check_unique_columns(header: list[str], file: str) -> None:
    """Refuse a header that names a column twice (the second would silently win)."""
    seen: dict[str, int] = {}
    for number, name in enumerate(header, start=1):
        if name and name in seen:
            raise InputError(Problem(f"column {name!r} appears twice (columns {seen[name]} and "
                                     f"{number}); rename or remove one", file, 1, name))
        seen.setdefault(name, number)


def read_csv(path: Path, required: tuple[str, ...]) -> list[Row]:
    """The records of a CSV file with a header row that includes every ``required`` column."""
    header, records = csv_records(path)
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(Problem(f"missing column(s) {', '.join(missing)}; is this the right "
                                 "file?", str(path), 1))
    return [Row(str(path), line, dict(zip(header, values, strict=False)))
            for line, values in records]
