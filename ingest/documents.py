"""Opening the files readers read: size and encoding checks, JSON documents and CSV tables,
each failure an :class:`InputError` that names the file, line and column."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.errors import InputError, Problem
from ingest.fields import parse_as_of

__all__ = ["Row", "DEFAULT_MAX_INPUT_BYTES", "max_input_bytes", "check_size", "read_text",
           "load_json", "document_date", "read_csv"]

DEFAULT_MAX_INPUT_BYTES = 512 * 1024 * 1024


def max_input_bytes() -> int:
    """The size limit for one input file: ``$CHOKEPOINT_MAX_INPUT_BYTES`` or 512 MiB."""
    return int(os.environ.get("CHOKEPOINT_MAX_INPUT_BYTES", DEFAULT_MAX_INPUT_BYTES))


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


def check_size(path: Path) -> None:
    """Refuse a file above :func:`max_input_bytes` or with no bytes at all."""
    size, limit = path.stat().st_size, max_input_bytes()
    if size > limit:
        raise InputError(Problem(f"file is {size:,} bytes, above the limit of {limit:,}; split "
                                 "it or raise CHOKEPOINT_MAX_INPUT_BYTES", str(path)))
    if size == 0:
        raise InputError(Problem("file is empty", str(path)))


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
    """Parse a JSON file strictly (a trailing comma is an error, as the JSON standard says)."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(Problem(f"malformed JSON: {exc.msg}; fix the document (a validator "
                                 "such as `python -m json.tool` shows the spot)", str(path),
                                 exc.lineno, f"col {exc.colno}")) from exc


def document_date(stamp: Any, path: Path, field: str) -> str | None:
    """The date of a document's timestamp ``field`` (ISO 8601, date and time or date only),
    ``None`` when it has none; an unreadable one is an :class:`InputError` naming the field."""
    if not isinstance(stamp, str) or not stamp.strip():
        return None
    try:
        return parse_as_of(stamp.strip()[:10])
    except ValueError as exc:
        raise InputError(Problem(f"{field} {stamp!r}: {exc}", str(path), column=field)) from exc


def read_csv(path: Path, required: tuple[str, ...]) -> list[Row]:
    """The records of a CSV file with a header row that includes every ``required`` column."""
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(Problem(f"missing column(s) {', '.join(missing)}; is this the right "
                                     "file?", str(path), 1))
        rows, start = [], reader.line_num + 1
        for values in reader:
            if any(v.strip() for v in values):
                rows.append(Row(str(path), start, dict(zip(header, values, strict=False))))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(Problem(f"malformed CSV: {exc}", str(path), reader.line_num)) from exc
    return rows
