"""The store contract: the same tests, run on SQLite and on Neo4j."""

from __future__ import annotations

import networkx as nx
import pytest

from graph.errors import InputError, StoreError
from graph.model import Batch, Node, NodeKind, Relationship, RelKind
from graph.store import Store


def chip_graph(source: str = "seed") -> Batch:
    """A tiny supply chain: a chip made with a process, supplied by a foundry in Taiwan."""
    nodes = [
        Node("nvidia-h100", NodeKind.CHIP, "NVIDIA H100", description="AI accelerator",
             failure_probability=0.01, min_supply_share=0.5, blockable=True,
             citation="https://example.org/h100", as_of="2024-06-01",
             attributes={"process_nm": 4, "tags": ["datacenter", "hopper"]}),
        Node("tsmc-n4", NodeKind.COMPONENT, "TSMC N4 process"),
        Node("tsmc", NodeKind.SUPPLIER, "TSMC", blockable=False),
        Node("TW", NodeKind.COUNTRY, "Taiwan"),
    ]
    relationships = [
        Relationship("nvidia-h100", "tsmc-n4", RelKind.REQUIRES, group="fab", min_required=1,
                     role="fabricated_with", citation="annual report", as_of="2024-01-01",
                     attributes={"note": "sole process"}),
        Relationship("tsmc-n4", "tsmc", RelKind.SUPPLIED_BY, share=1.0, basis="estimate",
                     share_low=0.8, share_high=1.0, buffer_months=1.5, lead_time_months=0,
                     surge_share=1.0),
        Relationship("tsmc", "TW", RelKind.LOCATED_IN, share=0.9, basis="cited"),
        Relationship("tsmc", "TW", RelKind.HEADQUARTERED_IN),
    ]
    return Batch(source, nodes, relationships, origin="memory")


def snapshot(store: Store) -> tuple[list[Node], list[Relationship]]:
    return store.nodes(), store.relationships()


def test_applied_records_read_back_equal_with_provenance(store: Store) -> None:
    batch = chip_graph()
    store.apply(batch, run_id="run-1")
    expected_nodes = sorted((n.with_provenance(["seed"], "run-1") for n in batch.nodes),
                            key=lambda n: n.id)
    expected_rels = sorted((r.with_provenance(["seed"], "run-1") for r in batch.relationships),
                           key=lambda r: r.key)
    assert store.nodes() == expected_nodes
    assert store.relationships() == expected_rels
    assert store.nodes([NodeKind.COUNTRY]) == [n for n in expected_nodes if n.id == "TW"]
    assert [r.key for r in store.relationships([RelKind.LOCATED_IN])] == [
        ("tsmc", "TW", "LOCATED_IN")]


def test_rerunning_the_same_batch_changes_nothing(store: Store) -> None:
    first = store.apply(chip_graph(), run_id="run-1")
    assert first.counts.as_dict() == {"added": 8, "removed": 0, "changed": 0}
    before = snapshot(store)
    again = store.apply(chip_graph(), run_id="run-2")
    assert again.counts.as_dict() == {"added": 0, "removed": 0, "changed": 0}
    assert snapshot(store) == before


def test_a_changed_property_is_counted_and_stored(store: Store) -> None:
    store.apply(chip_graph(), run_id="run-1")
    batch = chip_graph()
    batch.nodes[1] = Node("tsmc-n4", NodeKind.COMPONENT, "TSMC N4P process")
    result = store.apply(batch, run_id="run-2")
    assert result.counts.as_dict() == {"added": 0, "removed": 0, "changed": 1}
    node = {n.id: n for n in store.nodes()}["tsmc-n4"]
    assert (node.name, node.last_run) == ("TSMC N4P process", "run-2")


def test_a_node_another_source_asserts_survives_when_the_first_drops_it(store: Store) -> None:
    store.apply(chip_graph("seed"), run_id="run-1")
    store.apply(Batch("survey", [Node("tsmc", NodeKind.SUPPLIER, "TSMC", blockable=False)], []),
                run_id="run-2")
    without_tsmc = chip_graph("seed")
    without_tsmc.nodes[:] = [n for n in without_tsmc.nodes if n.id != "tsmc"]
    without_tsmc.relationships[:] = [r for r in without_tsmc.relationships
                                     if "tsmc" not in (r.from_id, r.to_id)]
    store.apply(without_tsmc, run_id="run-3")
    tsmc = {n.id: n for n in store.nodes()}["tsmc"]
    assert tsmc.sources == ("survey",)
    assert all("tsmc" not in (r.from_id, r.to_id) for r in store.relationships())


def test_a_dropped_node_is_removed_with_its_relationships(store: Store) -> None:
    store.apply(chip_graph("seed"), run_id="run-1")
    store.apply(Batch("other", [], [Relationship("tsmc", "TW", RelKind.LOCATED_IN, share=0.9)]),
                run_id="run-2")
    batch = chip_graph("seed")
    batch.nodes[:] = [n for n in batch.nodes if n.id != "TW"]
    batch.relationships[:] = [r for r in batch.relationships if r.to_id != "TW"]
    result = store.apply(batch, run_id="run-3")
    assert "TW" not in {n.id for n in store.nodes()}
    # Both TW relationships go, including the one "other" still asserts: its endpoint vanished.
    assert all(r.to_id != "TW" for r in store.relationships())
    assert result.counts.removed == 3


def test_a_failed_validation_leaves_the_store_unchanged_and_is_recorded(store: Store) -> None:
    store.apply(chip_graph(), run_id="run-1")
    before = snapshot(store)
    bad = chip_graph()
    bad.relationships.append(Relationship("nvidia-h100", "nowhere", RelKind.REQUIRES))
    bad.nodes.append(Node("new-chip", NodeKind.CHIP, "New chip"))
    with pytest.raises(InputError, match="unknown node 'nowhere'"):
        store.apply(bad, run_id="run-2")
    assert snapshot(store) == before
    failed = store.runs(limit=1)[0]
    assert (failed.run_id, failed.status) == ("run-2", "failed")
    assert "nowhere" in (failed.error or "")


def test_a_dry_run_writes_nothing(store: Store) -> None:
    result = store.apply(chip_graph(), dry_run=True, run_id="run-1")
    assert result.dry_run and result.counts.added == 8
    assert store.is_empty()
    assert store.nodes() == [] and store.relationships() == []
    assert store.runs() == []


def test_stats_count_every_kind(store: Store) -> None:
    assert store.stats()["nodes"]["chip"] == 0
    store.apply(chip_graph())
    assert store.stats() == {
        "nodes": {"chip": 1, "component": 1, "software": 0, "model": 0, "dataset": 0,
                  "supplier": 1, "country": 1, "industry": 0},
        "relationships": {"REQUIRES": 1, "SUPPLIED_BY": 1, "LOCATED_IN": 1,
                          "HEADQUARTERED_IN": 1},
    }


def test_read_graph_is_a_multidigraph_with_the_attributes(store: Store) -> None:
    store.apply(chip_graph(), run_id="run-1")
    graph = store.read_graph()
    assert isinstance(graph, nx.MultiDiGraph)
    assert sorted(graph.nodes) == ["TW", "nvidia-h100", "tsmc", "tsmc-n4"]
    h100 = graph.nodes["nvidia-h100"]
    assert (h100["kind"], h100["process_nm"], h100["sources"]) == ("chip", 4, ["seed"])
    assert graph.nodes["tsmc"]["blockable"] is False
    assert graph.edges["tsmc", "TW", "LOCATED_IN"]["share"] == 0.9
    assert graph.edges["nvidia-h100", "tsmc-n4", "REQUIRES"]["group"] == "fab"
    assert graph.number_of_edges("tsmc", "TW") == 2
    only_countries = store.read_graph(node_kinds=[NodeKind.COUNTRY, NodeKind.SUPPLIER],
                                      relationship_kinds=[RelKind.LOCATED_IN])
    assert list(only_countries.edges(keys=True)) == [("tsmc", "TW", "LOCATED_IN")]


def test_runs_are_listed_newest_first(store: Store) -> None:
    store.apply(chip_graph("seed"), run_id="run-1")
    store.apply(Batch("survey", [Node("asml", NodeKind.SUPPLIER, "ASML")], []), run_id="run-2")
    store.apply(chip_graph("seed"), run_id="run-3")
    assert [r.run_id for r in store.runs()] == ["run-3", "run-2", "run-1"]
    assert [r.run_id for r in store.runs(source="seed")] == ["run-3", "run-1"]
    assert [r.run_id for r in store.runs(limit=1)] == ["run-3"]
    first = store.runs()[-1]
    assert (first.source, first.status, first.added, first.origin) == ("seed", "ok", 8, "memory")


def test_a_run_record_keeps_its_details(store: Store) -> None:
    from graph.store import RunRecord

    store.record_run(RunRecord("job-1", "nightly", "2026-01-01T00:00:00+00:00",
                               details={"webhook": "sent", "changes": [1, 2]}))
    assert store.runs()[0].details == {"webhook": "sent", "changes": [1, 2]}


def test_a_kind_change_updates_the_node(store: Store) -> None:
    store.apply(chip_graph(), run_id="run-1")
    batch = chip_graph()
    batch.nodes[1] = Node("tsmc-n4", NodeKind.SOFTWARE, "TSMC N4 process")
    store.apply(batch, run_id="run-2")
    assert [n.id for n in store.nodes([NodeKind.SOFTWARE])] == ["tsmc-n4"]
    assert store.nodes([NodeKind.COMPONENT]) == []
    assert store.stats()["nodes"]["component"] == 0


def test_clear_empties_the_store(store: Store) -> None:
    store.apply(chip_graph())
    assert not store.is_empty()
    store.clear()
    assert store.is_empty() and store.runs() == [] and store.relationships() == []


def test_results_are_kept_per_version_and_dropped_by_an_ingest(store: Store) -> None:
    first = store.apply(chip_graph(), run_id="run-1").run.run_id
    payload = bytes(range(256)) * 40
    assert store.kept_result("chokepoints", first) is None
    store.keep_result("chokepoints", first, payload)
    store.keep_result("importance", first, b"{}")
    assert store.kept_result("chokepoints", first) == payload
    assert store.kept_result("chokepoints", "another-version") is None
    store.keep_result("chokepoints", first, b"newer")  # one result per key
    assert store.kept_result("chokepoints", first) == b"newer"
    store.apply(chip_graph("other"), run_id="run-2")  # any ingest drops them
    assert store.kept_result("chokepoints", first) is None
    assert store.kept_result("importance", first) is None
    store.keep_result("chokepoints", "run-2", b"x")
    store.clear()
    assert store.kept_result("chokepoints", "run-2") is None


# -- Neo4j only -------------------------------------------------------------------------------
@pytest.mark.neo4j
def test_neo4j_labels_follow_the_kind(neo4j_store) -> None:
    neo4j_store.apply(chip_graph(), run_id="run-1")
    batch = chip_graph()
    batch.nodes[1] = Node("tsmc-n4", NodeKind.SOFTWARE, "TSMC N4 process")
    neo4j_store.apply(batch, run_id="run-2")
    records, _, _ = neo4j_store.driver.execute_query(
        "MATCH (n:Entity {id: $id}) RETURN labels(n) AS labels", id="tsmc-n4")
    assert sorted(records[0]["labels"]) == ["Entity", "Software"]
    records, _, _ = neo4j_store.driver.execute_query(
        "MATCH (a {id: 'tsmc'})-[r]->(b {id: 'TW'}) RETURN type(r) AS t ORDER BY t")
    assert [r["t"] for r in records] == ["HEADQUARTERED_IN", "LOCATED_IN"]


@pytest.mark.neo4j
def test_neo4j_ids_are_unique(neo4j_store) -> None:
    records, _, _ = neo4j_store.driver.execute_query(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type "
        "WHERE labelsOrTypes = ['Entity'] RETURN properties, type")
    assert [(r["properties"], r["type"]) for r in records] == [(["id"], "UNIQUENESS")]


def test_neo4j_unreachable_server_names_the_url_and_how_to_start_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.neo4j_store import Neo4jStore

    monkeypatch.setenv("NEO4J_USER", "alice")
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret-pw")
    with pytest.raises(StoreError) as caught:
        Neo4jStore.from_url("bolt://alice:s3cret-pw@127.0.0.1:9")
    message = str(caught.value)
    assert "bolt://127.0.0.1:9" in message and "tools/neo4j/neo4j.sh start" in message
    assert "s3cret-pw" not in message
