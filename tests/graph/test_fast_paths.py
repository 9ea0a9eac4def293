"""The shortcuts a big ingest run takes give the same answers as the plain way.

Validation checks a clean batch with whole-list operations and walks it row by row only when
something is wrong; the SQLite store binds a missing value as NaN (stored as NULL); attributes
are encoded with a reused encoder.  Each is compared here with the plain version.
"""

from __future__ import annotations

import datetime
import json
import math
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from graph import validate
from graph.codec import attributes_text
from graph.model import Batch, Node, NodeKind, Relationship, RelKind
from graph.sqlite_store import SQLiteStore

IDS = ["a", "b", "c", "d", "ghost"]  # "ghost" is never a node: relationships to it are wrong
KNOWN = [i for i in IDS if i != "ghost"]

def relationships(ids: list[str], shares: list[float], minimums: st.SearchStrategy[int]
                  ) -> st.SearchStrategy[Relationship]:
    return st.builds(
        Relationship,
        from_id=st.sampled_from(ids),
        to_id=st.sampled_from(ids),
        kind=st.sampled_from(list(RelKind)),
        share=st.none() | st.sampled_from(shares),
        group=st.none() | st.sampled_from(["g1", "g2"]),
        min_required=st.none() | minimums,
        origin=st.sampled_from(["edges.csv:2", "edges.csv:3", None]),
    )


# Clean rows (known ids, shares in 0-1, no repeated key) go through the whole-list checks,
# whose share sums and groups must still be right; any rows at all go through the walk.
CLEAN = st.lists(relationships(KNOWN, [0.0, 0.2, 0.5, 0.51, 0.7, 1],
                               st.integers(min_value=1, max_value=4)),
                 max_size=14, unique_by=lambda r: r.key)
ANY = st.lists(relationships(IDS, [0.0, 0.2, 0.5, 0.7, 1, 1.5, -0.1, math.nan],
                             st.integers(min_value=-1, max_value=4)), max_size=14)


@settings(max_examples=500, deadline=None)
@given(CLEAN | ANY)
def test_the_whole_list_checks_report_what_the_row_by_row_walk_reports(
        rels: list[Relationship]) -> None:
    nodes = [Node(i, NodeKind.SUPPLIER, i.upper()) for i in KNOWN]
    fast = validate.batch_problems(Batch("s", nodes, rels))
    walked: list[validate.Problem] = []
    validate._whole_batch_problems(validate._row_problems(rels, set(KNOWN), walked), walked)
    assert fast == walked


def test_a_clean_batch_over_its_shares_is_refused_at_the_first_row_listing_one() -> None:
    nodes = [Node(i, NodeKind.SUPPLIER, i.upper()) for i in KNOWN]
    rels = [Relationship("a", "b", RelKind.SUPPLIED_BY, origin="edges.csv:2"),
            Relationship("a", "c", RelKind.SUPPLIED_BY, share=0.7, origin="edges.csv:3"),
            Relationship("a", "d", RelKind.SUPPLIED_BY, share=0.6, origin="edges.csv:4")]
    (problem,) = validate.batch_problems(Batch("s", nodes, rels))
    assert (problem.file, problem.row, problem.column) == ("edges.csv", 3, "share")
    assert "sum to 1.300" in problem.message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                 max_size=3),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=6), json_values | st.dates(), max_size=5))
def test_attributes_are_encoded_as_the_json_module_encodes_them(attributes: dict) -> None:
    assert attributes_text(attributes) == (
        json.dumps(attributes, sort_keys=True, default=str) if attributes else "{}")


def test_attributes_text_keeps_dates_as_text() -> None:
    assert attributes_text({"when": datetime.date(2024, 6, 1)}) == '{"when": "2024-06-01"}'


def test_unset_fields_are_stored_as_null_and_falsy_ones_as_themselves(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    nodes = [Node("a", NodeKind.SUPPLIER, "A"),
             Node("b", NodeKind.SUPPLIER, "B", description="", min_supply_share=0.0,
                  citation="", as_of="")]
    rels = [Relationship("a", "b", RelKind.SUPPLIED_BY),
            Relationship("b", "a", RelKind.REQUIRES, share=0, group="", min_required=1,
                         role="", citation="", as_of="")]
    with SQLiteStore(path) as store:
        store.apply(Batch("s", nodes, rels))
        assert [n.properties() for n in store.nodes()] == [n.properties() for n in nodes]
        assert [r.properties() for r in store.relationships()] == [
            r.properties() for r in rels]
    conn = sqlite3.connect(path)
    node_types = conn.execute(
        "SELECT typeof(description), typeof(min_supply_share), typeof(citation), "
        "typeof(as_of) FROM nodes ORDER BY id").fetchall()
    rel_types = conn.execute(
        "SELECT typeof(share), typeof(grp), typeof(min_required), typeof(role), "
        "typeof(citation), typeof(as_of) FROM relationships ORDER BY from_id").fetchall()
    conn.close()
    assert node_types == [("null",) * 4, ("text", "real", "text", "text")]
    assert rel_types == [("null",) * 6, ("integer", "text", "integer", "text", "text", "text")]


def _graph_by_add_edge(nodes: list[Node], rels: list[Relationship]) -> Any:
    """The plain way: NetworkX's own ``add_edges_from``."""
    import networkx as nx

    from graph.networkx_view import node_attributes, relationship_attributes

    graph = nx.MultiDiGraph()
    graph.add_nodes_from((n.id, node_attributes(n)) for n in nodes)
    graph.add_edges_from((r.from_id, r.to_id, r.kind.value, relationship_attributes(r))
                         for r in rels if r.counted and r.from_id in graph and r.to_id in graph)
    return graph


@settings(max_examples=300, deadline=None)
@given(st.lists(relationships(IDS, [0.1, 0.5, 1.0], st.integers(1, 3)), max_size=14),
       st.lists(st.booleans(), min_size=14, max_size=14),
       st.sets(st.sampled_from(KNOWN)))
def test_analysis_graph_built_in_bulk_equals_add_edge(rels: list[Relationship],
                                                      counted: list[bool],
                                                      present: set[str]) -> None:
    """Repeated (from, to, kind) triples, self-loops, absent endpoints and uncounted
    relationships: the same nodes, edges, attributes and order, both directions."""
    from graph.networkx_view import to_networkx

    nodes = [Node(i, NodeKind.SUPPLIER, i.upper()) for i in KNOWN if i in present]
    rels = [replace(r, counted=c) for r, c in zip(rels, counted, strict=False)]
    bulk, plain = to_networkx(nodes, rels), _graph_by_add_edge(nodes, rels)
    assert list(bulk.nodes(data=True)) == list(plain.nodes(data=True))
    assert (list(bulk.edges(keys=True, data=True))
            == list(plain.edges(keys=True, data=True)))
    assert (list(bulk.in_edges(keys=True, data=True))
            == list(plain.in_edges(keys=True, data=True)))
    for u, v, k in plain.edges(keys=True):
        assert bulk.has_edge(u, v, k) and bulk[u][v][k] is bulk.pred[v][u][k]
    assert bulk.number_of_edges() == plain.number_of_edges()


def test_collector_paused_restores_the_collector() -> None:
    import gc

    from graph.memory import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # turned off by someone else: left off
    finally:
        gc.enable()


# -- the SQLite store's graph, built from its rows without records ----------------------------
SOURCES = st.tuples() | st.tuples(st.sampled_from(["a", "b"])) | st.just(("a", "b"))
# Free attributes named like the fields and bookkeeping they are merged with.
FREE = st.dictionaries(st.sampled_from(["kind", "name", "sources", "last_run", "attributes",
                                        "share", "group", "x", "y"]),
                       st.none() | st.integers(-3, 3) | st.text(max_size=3), max_size=4)
TEXT = st.none() | st.text(max_size=4)
SHARE = st.none() | st.sampled_from([0.0, 0.25, 0.5, 1.0])


def _stored_nodes() -> st.SearchStrategy[Node]:
    return st.builds(Node, id=st.sampled_from(KNOWN), kind=st.sampled_from(list(NodeKind)),
                     name=st.text(max_size=4), description=TEXT,
                     failure_probability=st.sampled_from([0.0, 0.1]), min_supply_share=SHARE,
                     blockable=st.booleans(), citation=TEXT, as_of=TEXT, attributes=FREE,
                     sources=SOURCES, last_run=st.none() | st.just("run-1"))


def _stored_relationships() -> st.SearchStrategy[Relationship]:
    return st.builds(Relationship, from_id=st.sampled_from(IDS), to_id=st.sampled_from(IDS),
                     kind=st.sampled_from(list(RelKind)), share=SHARE,
                     group=st.none() | st.just("g"), min_required=st.none() | st.integers(1, 3),
                     role=TEXT, citation=TEXT, as_of=TEXT, attributes=FREE, sources=SOURCES,
                     last_run=st.none() | st.just("run-1"),
                     basis=st.none() | st.just("assumption"), share_low=SHARE,
                     buffer_months=st.none() | st.just(3.0), surge_share=SHARE,
                     counted=st.booleans())


def _write_rows(store: SQLiteStore, nodes: list[Node], rels: list[Relationship]) -> None:
    """The records as the store writes them (counted flag included), without validation."""
    from graph import sqlite_store as sq

    with store._conn:
        store._conn.executemany(sq._INSERT_NODE, [
            sq._node_row(n, sq._provenance_text(n.sources, n.last_run)) for n in nodes])
        store._conn.executemany(sq._UPSERT_REL, [
            (*sq._rel_row(r, sq._provenance_text(r.sources, r.last_run)),
             None if r.counted else 0, None) for r in rels])


def _same_graph(fast: Any, plain: Any) -> None:
    """The same nodes, edges and attributes, in the same order (attribute keys too), with
    one attribute dictionary shared by both directions of each edge."""
    assert [(n, list(a.items())) for n, a in fast.nodes(data=True)] == [
        (n, list(a.items())) for n, a in plain.nodes(data=True)]
    assert [(u, v, k, list(a.items())) for u, v, k, a in fast.edges(keys=True, data=True)] == [
        (u, v, k, list(a.items())) for u, v, k, a in plain.edges(keys=True, data=True)]
    assert (list(fast.in_edges(keys=True, data=True))
            == list(plain.in_edges(keys=True, data=True)))
    for u, v, k in plain.edges(keys=True):
        assert fast[u][v][k] is fast.pred[v][u][k]
    assert fast.number_of_edges() == plain.number_of_edges()


@settings(max_examples=150, deadline=None)
@given(st.lists(_stored_nodes(), max_size=6), st.lists(_stored_relationships(), max_size=12))
def test_the_sqlite_graph_read_from_rows_equals_the_graph_of_its_records(
        nodes: list[Node], rels: list[Relationship]) -> None:
    """Free attributes clashing with fields, time and trust fields, uncounted relationships
    and relationships to absent nodes: reading the graph straight from the rows gives what
    building it from the decoded records gives."""
    import tempfile

    from graph.networkx_view import to_networkx

    with tempfile.TemporaryDirectory() as folder, SQLiteStore(Path(folder) / "g.db") as store:
        _write_rows(store, nodes, rels)
        _same_graph(store.read_graph(), to_networkx(*store.snapshot()))


def test_the_sqlite_graph_leaves_out_what_another_source_of_record_outranks(
        sqlite_store: SQLiteStore) -> None:
    from graph.networkx_view import to_networkx

    def wafers(source: str, priority: int, shares: dict[str, float]) -> Batch:
        nodes = [Node("wafers", NodeKind.COMPONENT, "Wafers"),
                 *(Node(s, NodeKind.SUPPLIER, s.upper()) for s in shares)]
        return Batch(source, nodes, [Relationship("wafers", s, RelKind.SUPPLIED_BY, share=v)
                                     for s, v in shares.items()], priority=priority)

    sqlite_store.apply(wafers("curated", 20, {"s-a": 0.5, "s-b": 0.5}))
    sqlite_store.apply(wafers("survey", 10, {"s-a": 0.6, "s-c": 0.4}))
    fast = sqlite_store.read_graph()
    _same_graph(fast, to_networkx(*sqlite_store.snapshot()))
    assert sorted(fast.successors("wafers")) == ["s-a", "s-b"]
