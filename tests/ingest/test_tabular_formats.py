"""The four spellings of the tabular format read to the same records, and an export of the
store reads back to the same graph."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
import yaml

from graph.export import export_graph
from graph.model import NodeKind, RelKind
from ingest.tabular import read_tabular

NODES = [
    {"id": "tsmc", "kind": "supplier", "name": "TSMC", "country": "TW", "citation": "filing",
     "as_of": "2025-06-30", "employees": "76000"},
    {"id": "TW", "kind": "country", "name": "Taiwan"},
    {"id": "h100", "kind": "chip", "name": "NVIDIA H100", "failure_probability": "0.01",
     "blockable": "true"},
    {"id": "pytorch", "kind": "software", "name": "PyTorch", "blockable": "false"},
    {"id": "jax", "kind": "software", "name": "JAX"},
]
EDGES = [
    {"from": "h100", "to": "tsmc", "kind": "supplied_by", "share": "0.9", "as_of": "2025"},
    {"from": "h100", "to": "pytorch", "kind": "REQUIRES", "group": "framework",
     "min_required": "1", "role": "uses"},
    {"from": "h100", "to": "jax", "kind": "Requires", "group": "framework", "min_required": "1"},
    {"from": "tsmc", "to": "TW", "kind": "LOCATED_IN", "share": "0.92"},
]


def write_csv_folder(path: Path) -> Path:
    path.mkdir()
    for name, rows in (("nodes.csv", NODES), ("edges.csv", EDGES)):
        columns = list(dict.fromkeys(k for r in rows for k in r))
        lines = [",".join(columns)] + [",".join(r.get(c, "") for c in columns) for r in rows]
        (path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in (("nodes", NODES), ("edges", EDGES)):
        sheet = book.create_sheet(name)
        columns = list(dict.fromkeys(k for r in rows for k in r))
        sheet.append(columns)
        for r in rows:
            sheet.append([r.get(c) for c in columns])
    book.save(path)
    return path


def write_json(path: Path) -> Path:
    path.write_text(json.dumps({"nodes": NODES, "edges": EDGES}), encoding="utf-8")
    return path


def write_yaml(path: Path) -> Path:
    path.write_text(yaml.safe_dump({"nodes": NODES, "edges": EDGES}), encoding="utf-8")
    return path


WRITERS = {"csv folder": (write_csv_folder, "g"), "xlsx": (write_xlsx, "g.xlsx"),
           "json": (write_json, "g.json"), "yaml": (write_yaml, "g.yaml")}


@pytest.mark.parametrize("spelling", sorted(WRITERS))
def test_every_spelling_reads_to_the_same_records(tmp_path: Path, spelling: str) -> None:
    writer, name = WRITERS[spelling]
    batch = read_tabular(writer(tmp_path / name), source="t")
    nodes = {n.id: n for n in batch.nodes}
    assert set(nodes) == {"tsmc", "TW", "h100", "pytorch", "jax"}
    assert nodes["h100"].kind is NodeKind.CHIP and nodes["h100"].failure_probability == 0.01
    assert nodes["pytorch"].blockable is False and nodes["jax"].blockable is True
    assert nodes["tsmc"].attributes == {"employees": "76000"}
    assert nodes["tsmc"].as_of == "2025-06-30"
    rels = {r.key: r for r in batch.relationships}
    assert rels[("h100", "tsmc", "SUPPLIED_BY")].share == 0.9
    assert rels[("h100", "jax", "REQUIRES")].group == "framework"
    assert rels[("h100", "pytorch", "REQUIRES")].min_required == 1
    assert ("tsmc", "TW", "HEADQUARTERED_IN") in rels, "the country column is HQ shorthand"
    assert {r.kind for r in batch.relationships} == set(RelKind)


@pytest.mark.parametrize("fmt", ["tabular", "json"])
def test_an_export_reads_back_to_the_same_graph(tmp_path: Path, sqlite_store, fmt: str) -> None:
    sqlite_store.apply(read_tabular(write_csv_folder(tmp_path / "in"), source="t"))
    out = tmp_path / ("out" if fmt == "tabular" else "out.json")
    export_graph(sqlite_store, fmt, out)
    if fmt == "json":
        doc = json.loads(out.read_text())
        assert {n["id"] for n in doc["nodes"]} == {"tsmc", "TW", "h100", "pytorch", "jax"}
        assert {"from": "h100", "to": "tsmc", "kind": "SUPPLIED_BY", "share": 0.9,
                "as_of": "2025", "sources": ["t"]} in doc["relationships"]
        out.write_text(json.dumps({"nodes": doc["nodes"], "edges": doc["relationships"]}))
    again = sqlite_store.apply(read_tabular(out, source="t"))
    assert again.counts.as_dict() == {"added": 0, "removed": 0, "changed": 0}


def test_graphml_export_opens_in_networkx(tmp_path: Path, sqlite_store) -> None:
    import networkx as nx

    sqlite_store.apply(read_tabular(write_csv_folder(tmp_path / "in"), source="t"))
    export_graph(sqlite_store, "graphml", tmp_path / "g.graphml")
    graph = nx.read_graphml(tmp_path / "g.graphml")
    assert graph.number_of_nodes() == 5 and graph.number_of_edges() == 5
