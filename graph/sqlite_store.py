"""The embedded default store: one SQLite file in WAL mode, no server."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from graph.codec import node_data, node_from_data, relationship_data, relationship_from_data
from graph.errors import StoreError
from graph.model import Node, NodeKind, Relationship, RelKey, RelKind
from graph.store import LoadState, RunRecord, Store
from graph.sync import SyncPlan

__all__ = ["SQLiteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
    id   TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS nodes_kind ON nodes(kind);
CREATE TABLE IF NOT EXISTS relationships (
    from_id TEXT NOT NULL,
    to_id   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    data    TEXT NOT NULL,
    PRIMARY KEY (from_id, to_id, kind)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    run_id   TEXT PRIMARY KEY,
    source   TEXT NOT NULL,
    started  TEXT NOT NULL,
    finished TEXT,
    status   TEXT NOT NULL,
    data     TEXT NOT NULL
);
"""

_UPSERT_NODE = "INSERT OR REPLACE INTO nodes (id, kind, name, data) VALUES (?, ?, ?, ?)"
_DELETE_NODE = "DELETE FROM nodes WHERE id = ?"
_UPSERT_REL = ("INSERT OR REPLACE INTO relationships (from_id, to_id, kind, data) "
               "VALUES (?, ?, ?, ?)")
_DELETE_REL = "DELETE FROM relationships WHERE from_id = ? AND to_id = ? AND kind = ?"
_UPSERT_RUN = ("INSERT OR REPLACE INTO runs (run_id, source, started, finished, status, data) "
               "VALUES (?, ?, ?, ?, ?, ?)")


class SQLiteStore(Store):
    """A store in one SQLite file.  Safe to share between threads (one lock per store)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = f"sqlite://{self.path.resolve()}"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, isolation_level=None,
                                         check_same_thread=False, timeout=30.0)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=OFF")
            # A 64 MB page cache (allocated only as used) keeps a big run's B-tree pages in
            # memory until commit instead of spilling them to the WAL again and again.
            self._conn.execute("PRAGMA cache_size=-65536")
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite store {self.path}: {exc}") from exc
        self._lock = threading.RLock()

    # -- reads -------------------------------------------------------------------------------
    def nodes(self, kinds: Iterable[NodeKind] | None = None) -> list[Node]:
        rows = self._select("SELECT id, kind, name, data FROM nodes ORDER BY id")
        wanted = {NodeKind(k).value for k in kinds} if kinds is not None else None
        return [node_from_data(i, k, n, json.loads(d)) for i, k, n, d in rows
                if wanted is None or k in wanted]

    def relationships(self, kinds: Iterable[RelKind] | None = None) -> list[Relationship]:
        rows = self._select("SELECT from_id, to_id, kind, data FROM relationships "
                            "ORDER BY from_id, to_id, kind")
        wanted = {RelKind(k).value for k in kinds} if kinds is not None else None
        return [relationship_from_data(f, t, k, json.loads(d)) for f, t, k, d in rows
                if wanted is None or k in wanted]

    def runs(self, source: str | None = None, limit: int | None = None) -> list[RunRecord]:
        rows = self._select("SELECT data FROM runs ORDER BY started DESC, run_id DESC")
        records = [RunRecord(**json.loads(d)) for (d,) in rows]
        records = [r for r in records if source is None or r.source == source]
        return records[:limit] if limit is not None else records

    def is_empty(self) -> bool:
        return not self._select("SELECT 1 FROM nodes LIMIT 1")

    def _select(self, sql: str) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read SQLite store {self.path}: {exc}") from exc

    # -- writes ------------------------------------------------------------------------------
    def _load_state(self) -> tuple[dict[str, Node], dict[RelKey, Relationship]]:
        return ({n.id: n for n in self.nodes()}, {r.key: r for r in self.relationships()})

    def _run_atomically(self, work: Callable[[LoadState], SyncPlan | None],
                        write: bool) -> SyncPlan | None:
        with self._lock:
            cur = self._conn.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
                plan = work(self._load_state)
                if write and plan is not None:
                    self._write_plan(cur, plan)
                    cur.execute("COMMIT")
                else:
                    cur.execute("ROLLBACK")
                return plan
            except BaseException as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"cannot write SQLite store {self.path}: {exc}") from exc
                raise

    @staticmethod
    def _write_plan(cur: sqlite3.Cursor, plan: SyncPlan) -> None:
        cur.executemany(_DELETE_REL, plan.delete_relationships)
        cur.executemany(_DELETE_NODE, ((i,) for i in plan.delete_nodes))
        # Rows in primary-key order fill the B-trees left to right: big runs write far fewer
        # pages than in the batch's own order.
        new = plan.new_provenance
        node_rows = [(n.id, n.kind, n.name, json.dumps(node_data(n, new)))
                     for n in plan.insert_nodes]
        node_rows += [(n.id, n.kind, n.name, json.dumps(node_data(n)))
                      for n in plan.upsert_nodes]
        cur.executemany(_UPSERT_NODE, sorted(node_rows))
        rel_rows = [(r.from_id, r.to_id, r.kind, json.dumps(relationship_data(r, new)))
                    for r in plan.insert_relationships]
        rel_rows += [(r.from_id, r.to_id, r.kind, json.dumps(relationship_data(r)))
                     for r in plan.upsert_relationships]
        cur.executemany(_UPSERT_REL, sorted(rel_rows))

    def record_run(self, run: RunRecord) -> None:
        with self._lock:
            try:
                self._conn.execute(_UPSERT_RUN, (run.run_id, run.source, run.started,
                                                 run.finished, run.status,
                                                 json.dumps(run.__dict__, default=str)))
            except sqlite3.Error as exc:
                raise StoreError(f"cannot record run in {self.path}: {exc}") from exc

    def clear(self) -> None:
        with self._lock:
            self._conn.executescript("BEGIN; DELETE FROM relationships; DELETE FROM nodes; "
                                     "DELETE FROM runs; COMMIT;")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
