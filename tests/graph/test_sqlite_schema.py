"""SQLite store layout versions: old files are migrated when opened, newer ones refused."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from graph.codec import node_data, relationship_data
from graph.errors import StoreError
from graph.model import Batch, Node, NodeKind, Relationship, RelKind
from graph.sqlite_store import SCHEMA_VERSION, SQLiteStore

_VERSION_1 = """
CREATE TABLE nodes (id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
                    data TEXT NOT NULL);
CREATE INDEX nodes_kind ON nodes(kind);
CREATE TABLE relationships (from_id TEXT NOT NULL, to_id TEXT NOT NULL, kind TEXT NOT NULL,
                            data TEXT NOT NULL, PRIMARY KEY (from_id, to_id, kind)) WITHOUT ROWID;
CREATE TABLE runs (run_id TEXT PRIMARY KEY, source TEXT NOT NULL, started TEXT NOT NULL,
                   finished TEXT, status TEXT NOT NULL, data TEXT NOT NULL);
"""

NODES = [
    Node("TW", NodeKind.COUNTRY, "Taiwan", sources=("a",), last_run="r1"),
    Node("fab-a", NodeKind.SUPPLIER, "Fab A", description="a fab", failure_probability=0.25,
         min_supply_share=0.5, blockable=False, citation="https://example.org", as_of="2024",
         attributes={"x": [1, 2], "y": "z"}, sources=("a", "b"), last_run="r2"),
]
RELS = [
    Relationship("fab-a", "TW", RelKind.LOCATED_IN, share=1, sources=("a",), last_run="r1"),
    Relationship("fab-a", "TW", RelKind.REQUIRES, group="g", min_required=1, role="uses",
                 attributes={"k": 1}, sources=("b",), last_run=None),
]


def _write_version_1(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(_VERSION_1)
    conn.executemany("INSERT INTO nodes VALUES (?, ?, ?, ?)",
                     [(n.id, n.kind.value, n.name, json.dumps(node_data(n))) for n in NODES])
    conn.executemany("INSERT INTO relationships VALUES (?, ?, ?, ?)",
                     [(r.from_id, r.to_id, r.kind.value, json.dumps(relationship_data(r)))
                      for r in RELS])
    conn.execute("INSERT INTO runs VALUES ('r1', 'a', '2024', NULL, 'ok', ?)",
                 (json.dumps({"run_id": "r1", "source": "a", "started": "2024",
                              "status": "ok"}),))
    conn.commit()
    conn.close()


def test_a_version_1_store_is_migrated_with_every_field(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _write_version_1(path)
    with SQLiteStore(path) as store:
        assert store.nodes() == NODES
        assert store.relationships() == RELS
        assert [r.run_id for r in store.runs()] == ["r1"]
        share = store.relationships([RelKind.LOCATED_IN])[0].share
        assert share == 1 and isinstance(share, int)
    with SQLiteStore(path) as store:  # reopening finds the current version
        assert store.nodes() == NODES
    conn = sqlite3.connect(path)
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    conn.close()
    assert version == (str(SCHEMA_VERSION),)


def test_a_version_2_store_gains_the_time_and_trust_column_and_keeps_everything(
        tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    with SQLiteStore(path) as store:  # written today, then turned back into version 2
        store.apply(Batch("a", NODES, RELS))
        before = store.nodes(), store.relationships()
    conn = sqlite3.connect(path)
    _drop_claims(conn)
    conn.execute("ALTER TABLE relationships DROP COLUMN time_trust")
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with SQLiteStore(path) as store:
        assert (store.nodes(), store.relationships()) == before
        timed = Relationship("fab-a", "TW", RelKind.LOCATED_IN, share=1, basis="assumption",
                             buffer_months=6)
        store.apply(Batch("a", NODES, [timed, RELS[1]]))
        assert store.relationships([RelKind.LOCATED_IN])[0].buffer_months == 6
    conn = sqlite3.connect(path)
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    conn.close()
    assert version == (str(SCHEMA_VERSION),)


def _drop_claims(conn: sqlite3.Connection) -> None:
    """Turn today's layout back into version 3's."""
    conn.execute("ALTER TABLE nodes DROP COLUMN claims")
    conn.execute("ALTER TABLE relationships DROP COLUMN claims")
    conn.execute("ALTER TABLE relationships DROP COLUMN counted")
    conn.execute("DROP TABLE sources")


def test_a_version_3_store_with_several_sources_is_migrated_and_merges_from_then_on(
        tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    wafers = [Node("wafers", NodeKind.COMPONENT, "Wafers", citation="a"),
              Node("s-one", NodeKind.SUPPLIER, "One"), Node("s-two", NodeKind.SUPPLIER, "Two")]
    with SQLiteStore(path) as store:  # as version 3 left it: the last run's values won
        store.apply(Batch("a", wafers, [
            Relationship("wafers", "s-one", RelKind.SUPPLIED_BY, share=0.7)], priority=20))
        store.apply(Batch("b", [replace(wafers[0], citation="b"), wafers[2]], [
            Relationship("wafers", "s-two", RelKind.SUPPLIED_BY, share=0.6)], priority=10))
        before = store.nodes(), [replace(r, counted=True) for r in store.relationships()]
    conn = sqlite3.connect(path)
    _drop_claims(conn)
    conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with SQLiteStore(path) as store:
        assert (store.nodes(), store.relationships()) == before
        store.apply(Batch("a", wafers, [
            Relationship("wafers", "s-one", RelKind.SUPPLIED_BY, share=0.7)], priority=20))
        merged = {n.id: n for n in store.nodes()}["wafers"]
        counted = {r.to_id: r.share for r in store.relationships() if r.counted}
    assert (merged.citation, merged.sources) == ("a", ("a", "b"))
    assert counted == {"s-one": 0.7}
    conn = sqlite3.connect(path)
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    conn.close()
    assert version == (str(SCHEMA_VERSION),) == ("4",)


def test_a_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                 (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer than this chokepoint understands"):
        SQLiteStore(path)
