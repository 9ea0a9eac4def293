"""Names from the data never drive the terminal: control characters are shown escaped and Rich
markup is printed as written, in every command's table output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ui.cli import cli

ESC = "\x1b"
NAMES = {
    "acme": "Acme [/] Corp",
    "h100": "[link=https://evil.example]NVIDIA H100[/link]",
    "tsmc": f"TSMC {ESC}]8;;https://evil.example{ESC}\\click{ESC}]8;;{ESC}\\",
    "fab": f"Fab{ESC}[2J{ESC}[H cleared",
    "c1": "CSI\x9b31m red",
}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """An industry that needs a chip made by one fab, supplied by hostile names only."""
    doc = {
        "nodes": [{"id": "us-automotive", "kind": "industry", "name": "US [bold]automotive"},
                  {"id": "h100", "kind": "chip", "name": NAMES["h100"]},
                  {"id": "tsmc", "kind": "supplier", "name": NAMES["tsmc"]},
                  {"id": "acme", "kind": "supplier", "name": NAMES["acme"]},
                  {"id": "fab", "kind": "component", "name": NAMES["fab"]},
                  {"id": "c1", "kind": "supplier", "name": NAMES["c1"]}],
        "edges": [{"from": "us-automotive", "to": "h100", "kind": "REQUIRES"},
                  {"from": "h100", "to": "tsmc", "kind": "SUPPLIED_BY"},
                  {"from": "h100", "to": "fab", "kind": "REQUIRES"},
                  {"from": "fab", "to": "acme", "kind": "SUPPLIED_BY"},
                  {"from": "acme", "to": "c1", "kind": "REQUIRES"}],
    }
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    db = tmp_path / "graph.db"
    assert run(db, "ingest", "tabular", str(path)).exit_code == 0
    return db


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", str(db), *args], env={"COLUMNS": "400"})


def assert_safe(result: Result) -> None:
    assert result.exit_code == 0, result.output
    for shown in (result.stdout, result.stderr):
        assert ESC not in shown and "\x9b" not in shown
    assert "MarkupError" not in result.output


COMMANDS = [
    ("analyze", "spof", "--target", "us-automotive"),
    ("analyze", "cutsets", "--target", "us-automotive"),
    ("analyze", "importance", "--target", "us-automotive"),
    ("analyze", "chokepoints"),
    ("analyze", "concentration"),
    ("stats",),
    ("show", "fab"),
    ("show", "h100"),
    ("search", "fab"),
    ("targets",),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_tables_show_hostile_names_escaped_and_literally(store: Path,
                                                         args: tuple[str, ...]) -> None:
    assert_safe(run(store, *args))


def test_spof_table_prints_markup_as_written_and_escapes_control_characters(
        store: Path) -> None:
    result = run(store, "analyze", "spof", "--target", "us-automotive")
    assert_safe(result)
    assert "Acme [/] Corp" in result.stdout
    assert "[link=https://evil.example]NVIDIA H100[/link]" in result.stdout
    assert "Fab\\x1b[2J\\x1b[H cleared" in result.stdout


def test_errors_naming_hostile_ids_are_escaped(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"nodes": [{"id": f"x{ESC}[2J", "kind": "chip",
                                           "name": "[bold]x"}], "edges": []}),
                    encoding="utf-8")
    result = run(tmp_path / "g.db", "ingest", "tabular", str(path))
    assert result.exit_code == 2
    assert ESC not in result.stderr and "\\x1b[2J" in result.stderr
