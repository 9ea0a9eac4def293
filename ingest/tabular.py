"""The native tabular format: a folder of ``nodes.csv`` + ``edges.csv``, one
``.xlsx`` with sheets ``nodes`` and ``edges``, or one ``.json`` / ``.yaml`` with lists ``nodes``
and ``edges``.  Every problem is reported with file, row and column; nothing is half-read."""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from graph.errors import InputError, Problem
from graph.model import (
    BASES,
    REL_TIME_TRUST,
    Batch,
    Node,
    NodeKind,
    Relationship,
    RelKind,
    parse_node_kind,
    parse_rel_kind,
)
from graph.parsing import MAX_INPUT_ENV, max_input_bytes, parse_json, parse_yaml
from graph.validate import MAX_MONTHS
from ingest.documents import Row, check_size, check_unique_columns, csv_records, read_text
from ingest.fields import blank, parse_as_of, parse_bool, parse_count, parse_float
from ingest.registry import CURATED_PRIORITY, register

__all__ = ["read_tabular"]
_NODE_COLUMNS = ("id", "kind", "name")
MAX_SHEET_COLUMNS = 1_000
MAX_SHEET_CELLS = 5_000_000
_EDGE_COLUMNS = ("from", "to", "kind")
# Provenance bookkeeping (sources, last_run) is the store's to set: an export's copies are
# ignored on the way back in rather than turned into attributes.
_PROVENANCE = {"sources", "last_run"}
_NODE_KNOWN = {"id", "kind", "name", "description", "failure_probability", "min_supply_share",
               "blockable", "country", "citation", "as_of"} | _PROVENANCE
_EDGE_KNOWN = {"from", "to", "kind", "share", "group", "min_required", "role", "citation",
               "as_of", *REL_TIME_TRUST} | _PROVENANCE


@register("tabular", "the native format: a folder with nodes.csv + edges.csv, .xlsx, .json or "
          ".yaml", priority=CURATED_PRIORITY)
def read_tabular(path: Path, *, source: str) -> Batch:
    """Read ``path`` into a :class:`Batch`, or raise :class:`InputError` listing every problem.

    >>> from seeds import SEEDS_DIR
    >>> batch = read_tabular(SEEDS_DIR, source="seeds")
    >>> len(batch.nodes) >= 300, batch.source
    (True, 'seeds')
    """
    path = Path(path)
    node_rows, edge_rows = _tables(path)
    problems: list[Problem] = []
    nodes, hq_links = _nodes(node_rows, problems)
    relationships = _relationships(edge_rows, problems) + hq_links
    if problems:
        raise InputError(problems)
    return Batch(source=source, nodes=nodes, relationships=relationships, origin=str(path))


# -- finding and decoding the tables ---------------------------------------------------------
def _tables(path: Path) -> tuple[list[Row], list[Row]]:
    if path.is_dir():
        return (_csv_rows(path / "nodes.csv", _NODE_COLUMNS),
                _csv_rows(path / "edges.csv", _EDGE_COLUMNS))
    if not path.exists():
        raise InputError(Problem("no such file or folder; give a folder with nodes.csv and "
                                 "edges.csv, or an .xlsx, .json or .yaml file", str(path)))
    check_size(path)
    suffix = path.suffix.lower()
    loaders: dict[str, Callable[[Path], tuple[list[Row], list[Row]]]] = {
        ".xlsx": _xlsx_tables, ".json": _document_tables, ".yaml": _document_tables,
        ".yml": _document_tables,
    }
    if suffix not in loaders:
        raise InputError(Problem(f"unsupported file type {suffix or '(none)'!r}; use a folder of "
                                 "CSV files, .xlsx, .json or .yaml", str(path)))
    return loaders[suffix](path)


def _csv_rows(path: Path, required: tuple[str, ...]) -> list[Row]:
    if not path.is_file():
        raise InputError(Problem(f"missing file {path.name}; a tabular folder needs nodes.csv "
                                 "and edges.csv", str(path)))
    header, records = csv_records(path)
    _check_header(header, required, str(path))
    rows = []
    for line, values in records:
        if len(values) > len(header):
            raise InputError(Problem(f"row has {len(values)} cells but the header names "
                                     f"{len(header)}; quote cells that contain commas",
                                     str(path), line))
        rows.append(Row(str(path), line, dict(zip(header, values, strict=False))))
    return rows


def _check_header(header: list[str], required: tuple[str, ...], file: str) -> None:
    lowered = [h.lower() for h in header]
    missing = [c for c in required if c not in lowered]
    if missing:
        raise InputError(Problem(f"missing column(s) {', '.join(missing)}; the header must "
                                 f"include {', '.join(required)}", file, 1))
    if header != lowered:
        raise InputError(Problem("column names must be lower case (e.g. 'kind', not 'Kind')",
                                 file, 1))
    check_unique_columns(header, file)


def _xlsx_tables(path: Path) -> tuple[list[Row], list[Row]]:
    import openpyxl

    _check_unpacked_size(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a broken file
        raise InputError(Problem(f"cannot open as an Excel workbook: {exc}", str(path))) from exc
    try:
        tables = []
        for sheet, required in (("nodes", _NODE_COLUMNS), ("edges", _EDGE_COLUMNS)):
            if sheet not in book.sheetnames:
                raise InputError(Problem(f"missing sheet {sheet!r}; the workbook needs sheets "
                                         "'nodes' and 'edges'", str(path)))
            _check_dimensions(book[sheet], f"{path}[{sheet}]")
            tables.append(_sheet_rows(book[sheet].iter_rows(values_only=True),
                                      f"{path}[{sheet}]", required))
        return tables[0], tables[1]
    finally:
        book.close()


def _check_unpacked_size(path: Path) -> None:
    """A workbook is a zip archive: refuse one whose parts unpack to more than the input
    limit, before any of it is unpacked."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(Problem(f"cannot open as an Excel workbook: {exc}", str(path))) from exc
    limit = max_input_bytes()
    if unpacked > limit:
        raise InputError(Problem(f"the workbook unpacks to {unpacked:,} bytes, above the limit "
                                 f"of {limit:,}; split it or raise {MAX_INPUT_ENV}", str(path)))


def _check_dimensions(sheet: Any, file: str) -> None:
    """Refuse a sheet whose declared size is beyond what the format needs, before reading it
    (a read pads every row to the declared width)."""
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if columns > MAX_SHEET_COLUMNS or rows * columns > MAX_SHEET_CELLS:
        raise InputError(Problem(
            f"the sheet declares {sheet.calculate_dimension()} ({rows:,} rows × {columns:,} "
            f"columns); at most {MAX_SHEET_COLUMNS:,} columns and {MAX_SHEET_CELLS:,} cells "
            "are read — delete the empty rows and columns after the data and save again",
            file))


def _sheet_rows(rows: Iterator[tuple], file: str, required: tuple[str, ...]) -> list[Row]:
    try:
        header = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        raise InputError(Problem("sheet is empty; the first row must name the columns",
                                 file, 1)) from None
    _check_header(header, required, file)
    out = []
    cells = len(header)
    for number, values in enumerate(rows, start=2):
        cells += len(values)
        if cells > MAX_SHEET_CELLS:
            raise InputError(Problem(f"more than {MAX_SHEET_CELLS:,} cells; split the workbook",
                                     file, number))
        if all(blank(v) for v in values):
            continue
        out.append(Row(file, number, {h: v for h, v in zip(header, values, strict=False) if h}))
    return out


def _document_tables(path: Path) -> tuple[list[Row], list[Row]]:
    text = read_text(path)
    parse = parse_json if path.suffix.lower() == ".json" else parse_yaml
    doc = parse(text, str(path))
    if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list):
        raise InputError(Problem("the document must be a mapping with a list 'nodes' (and a "
                                 "list 'edges')", str(path)))
    tables = []
    for key, required in (("nodes", _NODE_COLUMNS), ("edges", _EDGE_COLUMNS)):
        items = doc.get(key) or []
        if not isinstance(items, list):
            raise InputError(Problem(f"'{key}' must be a list", str(path)))
        rows = []
        for number, item in enumerate(items, start=1):
            file = f"{path}#{key}"
            if not isinstance(item, dict):
                raise InputError(Problem("each entry must be a mapping of field to value",
                                         file, number))
            missing = [c for c in required if c not in item]
            if missing:
                raise InputError(Problem(f"missing field(s) {', '.join(missing)}", file, number))
            rows.append(Row(file, number, {str(k): v for k, v in item.items()}))
        tables.append(rows)
    return tables[0], tables[1]


# -- turning rows into records ---------------------------------------------------------------
def _cell(row: Row, column: str, parse: Callable[[Any], Any], problems: list[Problem],
          default: Any = None) -> Any:
    value = row.values.get(column)
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(f"{value} is not a number; write a number, or leave the cell "
                                "empty", row.file, row.line, column))
        return default
    if blank(value):
        return default
    try:
        return parse(value)
    except ValueError as exc:
        problems.append(Problem(str(exc), row.file, row.line, column))
        return default


def _text(value: Any) -> str:
    return str(value).strip()


def _attributes(row: Row, known: set[str]) -> dict[str, Any]:
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in row.values.items()
            if k not in known and k and not blank(v)}


def _required_text(row: Row, column: str, problems: list[Problem]) -> str | None:
    value = row.values.get(column)
    if blank(value):
        problems.append(Problem(f"{column} is empty", row.file, row.line, column))
        return None
    return _text(value)


def _nodes(rows: list[Row], problems: list[Problem]) -> tuple[list[Node], list[Relationship]]:
    nodes, hq_links = [], []
    for row in rows:
        node_id = _required_text(row, "id", problems)
        name = _required_text(row, "name", problems)
        kind = _cell(row, "kind", parse_node_kind, problems)
        if kind is None and not blank(row.values.get("kind")):
            continue
        if kind is None:
            problems.append(Problem("kind is empty", row.file, row.line, "kind"))
        if node_id is None or name is None or kind is None:
            continue
        nodes.append(Node(
            id=node_id, kind=kind, name=name,
            description=_cell(row, "description", _text, problems),
            failure_probability=_cell(row, "failure_probability", parse_float, problems, 0.0),
            min_supply_share=_cell(row, "min_supply_share", parse_float, problems),
            blockable=_cell(row, "blockable", parse_bool, problems, True),
            citation=_cell(row, "citation", _text, problems),
            as_of=_cell(row, "as_of", parse_as_of, problems),
            attributes=_attributes(row, _NODE_KNOWN), origin=row.origin))
        country = _cell(row, "country", lambda v: _text(v).upper(), problems)
        if country and kind is not NodeKind.COUNTRY:
            hq_links.append(Relationship(node_id, country, RelKind.HEADQUARTERED_IN,
                                         citation=nodes[-1].citation, as_of=nodes[-1].as_of,
                                         origin=f"{row.origin}"))
    return nodes, hq_links


def _relationships(rows: list[Row], problems: list[Problem]) -> list[Relationship]:
    rels = []
    for row in rows:
        start = _required_text(row, "from", problems)
        end = _required_text(row, "to", problems)
        kind = _cell(row, "kind", parse_rel_kind, problems)
        if kind is None and blank(row.values.get("kind")):
            problems.append(Problem("kind is empty", row.file, row.line, "kind"))
        if start is None or end is None or kind is None:
            continue
        rels.append(Relationship(
            start, end, kind,
            share=_cell(row, "share", parse_float, problems),
            group=_cell(row, "group", _text, problems),
            min_required=_cell(row, "min_required", parse_count, problems),
            role=_cell(row, "role", _text, problems),
            citation=_cell(row, "citation", _text, problems),
            as_of=_cell(row, "as_of", parse_as_of, problems),
            attributes=_attributes(row, _EDGE_KNOWN), origin=row.origin,
            basis=_cell(row, "basis", _basis, problems),
            share_low=_cell(row, "share_low", parse_float, problems),
            share_high=_cell(row, "share_high", parse_float, problems),
            buffer_months=_cell(row, "buffer_months", _months, problems),
            lead_time_months=_cell(row, "lead_time_months", _months, problems),
            surge_share=_cell(row, "surge_share", parse_float, problems)))
    return rels


def _basis(value: object) -> str:
    text = _text(value).lower()
    if text not in BASES:
        raise ValueError(f"{value!r} is not a basis; use one of: {', '.join(BASES)}")
    return text


def _months(value: object) -> float:
    return parse_float(value, 0.0, MAX_MONTHS)
