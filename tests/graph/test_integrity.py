"""Referential integrity at commit, on both stores, through the real command: no run leaves a
relationship to an absent node, and a node's kind changes only when every source asserting it
agrees."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from graph.store import Store
from ui.cli import cli

NODES = "id,kind,name\na,component,A\nb,component,B\n"
EDGES = "from,to,kind\na,b,REQUIRES\n"


def ingest(store: Store, folder: Path, source: str) -> Result:
    return CliRunner().invoke(cli, ["--store", store.url, "ingest", "tabular", str(folder),
                                    "--source", source])


def folder(tmp_path: Path, name: str, nodes: str, edges: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    (path / "nodes.csv").write_text(nodes, encoding="utf-8")
    (path / "edges.csv").write_text(edges, encoding="utf-8")
    return path


def state(store: Store) -> tuple[list, list]:
    return store.snapshot()


def test_a_run_that_drops_a_node_it_still_points_at_is_refused(store: Store,
                                                              tmp_path: Path) -> None:
    assert ingest(store, folder(tmp_path, "v1", NODES, EDGES), "s").exit_code == 0
    before = state(store)
    dropped = folder(tmp_path, "v2", "id,kind,name\na,component,A\n", EDGES)
    result = ingest(store, dropped, "s")
    assert result.exit_code == 2, result.output
    assert "edges.csv:2" in result.stderr and "a -[REQUIRES]-> b" in result.stderr
    assert "'b'" in result.stderr
    assert state(store) == before
    assert ingest(store, folder(tmp_path, "v3", NODES, EDGES), "s").exit_code == 0


def test_a_dropped_node_that_another_source_asserts_is_kept_with_its_provenance(
        store: Store, tmp_path: Path) -> None:
    assert ingest(store, folder(tmp_path, "v1", NODES, EDGES), "s").exit_code == 0
    assert ingest(store, folder(tmp_path, "o", "id,kind,name\nb,component,B\n",
                                "from,to,kind\n"), "other").exit_code == 0
    result = ingest(store, folder(tmp_path, "v2", "id,kind,name\na,component,A\n", EDGES), "s")
    assert result.exit_code == 0, result.output
    nodes, rels = state(store)
    assert {n.id: n.sources for n in nodes} == {"a": ("s",), "b": ("other",)}
    assert [r.key for r in rels] == [("a", "b", "REQUIRES")]


def test_another_source_cannot_change_the_kind_of_a_node(store: Store, tmp_path: Path) -> None:
    seeds = folder(tmp_path, "seeds", "id,kind,name,country\ntsmc,supplier,TSMC,TW\n"
                   "TW,country,Taiwan,\n", "from,to,kind,share\ntsmc,TW,LOCATED_IN,1\n")
    assert ingest(store, seeds, "seeds").exit_code == 0
    before = state(store)
    result = ingest(store, folder(tmp_path, "kind", "id,kind,name\ntsmc,component,TSMC N4\n",
                                  "from,to,kind\n"), "other")
    assert result.exit_code == 2, result.output
    assert "nodes.csv:2:kind" in result.stderr and "'tsmc' is a supplier" in result.stderr
    assert "seeds" in result.stderr
    # A country's id is its ISO code, which no other kind may use: that too is refused.
    result = ingest(store, folder(tmp_path, "tw", "id,kind,name\nTW,supplier,TW Corp\n",
                                  "from,to,kind\n"), "other")
    assert result.exit_code == 2, result.output
    assert "nodes.csv:2" in result.stderr and "'TW'" in result.stderr
    assert state(store) == before


def test_the_only_source_of_a_node_may_change_its_kind(store: Store, tmp_path: Path) -> None:
    assert ingest(store, folder(tmp_path, "v1", NODES, EDGES), "s").exit_code == 0
    renamed = folder(tmp_path, "v2", "id,kind,name\na,component,A\nb,software,B\n", EDGES)
    assert ingest(store, renamed, "s").exit_code == 0
    assert {n.id: n.kind.value for n in state(store)[0]} == {"a": "component", "b": "software"}
