"""`chokepoint conflicts` lists where sources disagree, for people and for machines."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.model import Batch, Node, NodeKind, Relationship, RelKind
from graph.sqlite_store import SQLiteStore
from ui.cli import cli


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "graph.db"
    nodes = [Node("wafers", NodeKind.COMPONENT, "Wafers"),
             Node("shin-etsu", NodeKind.SUPPLIER, "Shin-Etsu"),
             Node("sumco", NodeKind.SUPPLIER, "SUMCO")]
    with SQLiteStore(path) as store:
        store.apply(Batch("curated", nodes, [
            Relationship("wafers", "shin-etsu", RelKind.SUPPLIED_BY, share=0.314),
            Relationship("wafers", "sumco", RelKind.SUPPLIED_BY, share=0.244)], priority=20))
        store.apply(Batch("survey", [*nodes[:2], Node("sumco", NodeKind.SUPPLIER,
                                                      "=SUMCO Corp")], [
            Relationship("wafers", "shin-etsu", RelKind.SUPPLIED_BY, share=0.5)], priority=10))
    return path


def run(path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--store", str(path), "conflicts", *args])
    return result.exit_code, result.output


def test_json_lists_each_conflict_with_values_sources_and_winner(store_path: Path) -> None:
    code, out = run(store_path, "--format", "json")
    assert code == 0
    assert json.loads(out) == {"conflicts": [
        {"element": "sumco", "property": "name",
         "values": [{"source": "curated", "value": "SUMCO"},
                    {"source": "survey", "value": "=SUMCO Corp"}], "winner": "curated"},
        {"element": "wafers", "property": "SUPPLIED_BY shares",
         "values": [{"source": "curated", "value": {"shin-etsu": 0.314, "sumco": 0.244}},
                    {"source": "survey", "value": {"shin-etsu": 0.5}}],
         "winner": "curated"}]}


def test_csv_has_one_row_per_value_and_neutralises_formulas(store_path: Path) -> None:
    code, out = run(store_path, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 4
    assert {r["value"] for r in rows if r["element"] == "sumco"} == {"SUMCO", "'=SUMCO Corp"}
    assert {r["value"] for r in rows if r["element"] == "wafers"} == {
        "shin-etsu=0.314; sumco=0.244", "shin-etsu=0.5"}


def test_the_table_counts_them_and_source_filters(store_path: Path) -> None:
    code, out = run(store_path)
    assert code == 0 and "2 conflict(s)" in out and "curated" in out
    code, out = run(store_path, "--source", "nobody", "--format", "json")
    assert code == 0 and json.loads(out) == {"conflicts": []}


def test_stats_counts_the_conflicts(store_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--store", str(store_path), "stats", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.output)["conflicts"] == 2
