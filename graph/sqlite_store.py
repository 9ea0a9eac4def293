"""The embedded default store: one SQLite file in WAL mode, no server."""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.codec import (
    NODE_KINDS,
    REL_KINDS,
    attributes_from_text,
    attributes_text,
    node_from_data,
    relationship_from_data,
    time_trust_from_text,
    time_trust_text,
)
from graph.errors import StoreError
from graph.memory import collector_paused
from graph.merge import Claims, claims_from_text, claims_text
from graph.model import Node, NodeKind, Relationship, RelKind
from graph.networkx_view import Edge, relationship_attributes
from graph.store import LoadState, RunRecord, Store
from graph.sync import StoredState, SyncPlan

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["SQLiteStore"]

SCHEMA_VERSION = 4
"""Version of the table layout, kept in the ``meta`` table.  1 (no ``meta`` table): each
record's fields as one JSON ``data`` text; 2: the fixed fields as columns, ``attributes`` as
JSON, sources and last run as one JSON ``provenance`` text; 3: relationships gain
``time_trust``, the rarely-set time and trust fields (basis, share ranges, buffer, lead time,
surge share) as one JSON text or NULL; 4: each element's per-source ``claims`` (JSON, only
where several sources assert it), a relationship's ``counted`` flag (NULL: counted), and a
``sources`` table of each source's priority and run order.  An older store is migrated in one
transaction when opened; a store of a newer version is refused."""

_SOURCES_TABLE = """CREATE TABLE IF NOT EXISTS sources (
        source    TEXT PRIMARY KEY,
        priority  INTEGER NOT NULL,
        run_order INTEGER NOT NULL
    )"""

# Analysis results the app keeps per data version (not part of the graph; dropped by every
# ingest run).
_RESULTS_TABLE = """CREATE TABLE IF NOT EXISTS analysis_results (
        key     TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        payload BLOB NOT NULL
    )"""

# Columns without a declared type keep every value exactly as written (no affinity), as the
# JSON text of version 1 did: an int share stays an int.
_TABLES = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS nodes (
        id   TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        description, failure_probability, min_supply_share, blockable, citation, as_of,
        attributes TEXT NOT NULL,
        provenance TEXT NOT NULL,
        claims TEXT
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS relationships (
        from_id TEXT NOT NULL,
        to_id   TEXT NOT NULL,
        kind    TEXT NOT NULL,
        share, grp, min_required, role, citation, as_of,
        attributes TEXT NOT NULL,
        provenance TEXT NOT NULL,
        time_trust TEXT,
        counted INTEGER,
        claims TEXT,
        PRIMARY KEY (from_id, to_id, kind)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id   TEXT PRIMARY KEY,
        source   TEXT NOT NULL,
        started  TEXT NOT NULL,
        finished TEXT,
        status   TEXT NOT NULL,
        data     TEXT NOT NULL
    )""",
    _SOURCES_TABLE,
    _RESULTS_TABLE,
)

_SELECT_NODES = ("SELECT id, kind, name, description, failure_probability, min_supply_share, "
                 "blockable, citation, as_of, attributes, provenance FROM nodes")
_SELECT_RELS = ("SELECT from_id, to_id, kind, share, grp, min_required, role, citation, as_of, "
                "attributes, provenance, time_trust, counted FROM relationships")
_SELECT_NODE_CLAIMS = "SELECT id, claims FROM nodes WHERE claims IS NOT NULL"
_SELECT_REL_CLAIMS = ("SELECT from_id, to_id, kind, claims FROM relationships "
                      "WHERE claims IS NOT NULL")
_SELECT_RANKS = "SELECT source, priority, run_order FROM sources"
# New elements are written without the columns only merged ones use (claims, counted): they
# stay NULL, and binding them for every row of a big run would cost time for nothing.
_INSERT_NODE = ("INSERT OR REPLACE INTO nodes (id, kind, name, description, failure_probability, "
                "min_supply_share, blockable, citation, as_of, attributes, provenance) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_UPSERT_NODE = ("INSERT OR REPLACE INTO nodes (id, kind, name, description, failure_probability, "
                "min_supply_share, blockable, citation, as_of, attributes, provenance, claims) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_DELETE_NODE = "DELETE FROM nodes WHERE id = ?"
_INSERT_REL = ("INSERT OR REPLACE INTO relationships (from_id, to_id, kind, share, grp, "
               "min_required, role, citation, as_of, attributes, provenance, time_trust) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_UPSERT_REL = ("INSERT OR REPLACE INTO relationships (from_id, to_id, kind, share, grp, "
               "min_required, role, citation, as_of, attributes, provenance, time_trust, "
               "counted, claims) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_UPSERT_SOURCE = ("INSERT OR REPLACE INTO sources (source, priority, run_order) "
                  "VALUES (?, ?, ?)")
_DELETE_REL = "DELETE FROM relationships WHERE from_id = ? AND to_id = ? AND kind = ?"
_UPSERT_RUN = ("INSERT OR REPLACE INTO runs (run_id, source, started, finished, status, data) "
               "VALUES (?, ?, ?, ?, ?, ?)")

NodeRow = tuple[Any, ...]
RelRow = tuple[Any, ...]


def _null_for_binding() -> float | None:
    """What to bind for a missing value.  ``None`` is the obvious choice but a slow one: the
    sqlite3 module binds exact ``str``, ``int`` and ``float`` at once and first looks for an
    adapter for anything else, ``None`` included, which is a third of the cost of writing a
    row with several unset fields.  SQLite stores a bound NaN as NULL (it has no NaN), so a NaN
    is bound instead, and reads back as ``None``.  Checked once here: should a build of SQLite
    ever keep the NaN, ``None`` is used."""
    with closing(sqlite3.connect(":memory:")) as conn:
        (is_null,) = conn.execute("SELECT ? IS NULL", (math.nan,)).fetchone()
    return math.nan if is_null else None


_NULL = _null_for_binding()


# Kinds go in as plain text and ``blockable`` as 0/1 for the same reason: exact str and int
# bind at once, a subclass such as an enum or bool is first offered to the adapters.
def _node_row(n: Node, provenance: str) -> NodeRow:
    null = _NULL
    return (n.id, str(n.kind), n.name, null if (d := n.description) is None else d,
            n.failure_probability, null if (m := n.min_supply_share) is None else m,
            1 if n.blockable else 0, null if (c := n.citation) is None else c,
            null if (a := n.as_of) is None else a, attributes_text(n.attributes), provenance)


def _rel_row(r: Relationship, provenance: str) -> RelRow:
    null = _NULL
    return (r.from_id, r.to_id, str(r.kind), null if (s := r.share) is None else s,
            null if (g := r.group) is None else g,
            null if (m := r.min_required) is None else m,
            null if (o := r.role) is None else o, null if (c := r.citation) is None else c,
            null if (a := r.as_of) is None else a, attributes_text(r.attributes), provenance,
            null if (t := time_trust_text(r)) is None else t)


def _claims_cell(claims: Claims | None) -> Any:
    return _NULL if claims is None else claims_text(claims)


def _provenance_text(sources: Iterable[str], last_run: str | None) -> str:
    """Sources and last run as one JSON text: one value to bind per row, not two (binding is
    much of the cost of a row), and one that repeats on every row a run wrote."""
    return json.dumps([list(sources), last_run])


def _migrate_from_1(conn: sqlite3.Connection) -> None:
    """Rewrite version-1 tables (fields as JSON ``data``) as version 2, inside the caller's
    transaction: a failure leaves the old tables as they were."""
    old_nodes = conn.execute("SELECT id, kind, name, data FROM nodes").fetchall()
    old_rels = conn.execute("SELECT from_id, to_id, kind, data FROM relationships").fetchall()
    conn.execute("DROP INDEX IF EXISTS nodes_kind")
    conn.execute("DROP TABLE nodes")
    conn.execute("DROP TABLE relationships")
    for statement in _TABLES:
        conn.execute(statement)
    nodes = [node_from_data(i, k, n, json.loads(d)) for i, k, n, d in old_nodes]
    rels = [relationship_from_data(f, t, k, json.loads(d)) for f, t, k, d in old_rels]
    conn.executemany(_INSERT_NODE, [_node_row(n, _provenance_text(n.sources, n.last_run))
                                    for n in nodes])
    conn.executemany(_INSERT_REL, [_rel_row(r, _provenance_text(r.sources, r.last_run))
                                   for r in rels])


def _migrate_from_2(conn: sqlite3.Connection) -> None:
    """Version 2 to 3: relationships gain the ``time_trust`` column (NULL: nothing set)."""
    conn.execute("ALTER TABLE relationships ADD COLUMN time_trust TEXT")


def _migrate_to_claims(conn: sqlite3.Connection) -> None:
    """Version 3 to 4: what merging sources needs.  Elements several sources
    assert keep no claims yet: each of their sources is taken to claim what is stored, until
    it runs again."""
    conn.execute("ALTER TABLE nodes ADD COLUMN claims TEXT")
    conn.execute("ALTER TABLE relationships ADD COLUMN counted INTEGER")
    conn.execute("ALTER TABLE relationships ADD COLUMN claims TEXT")
    conn.execute(_SOURCES_TABLE)


class _Decoder:
    """Rows to records.  Few distinct provenance texts occur: each is parsed once."""

    def __init__(self) -> None:
        self._provenance: dict[str, tuple[tuple[str, ...], str | None]] = {}

    def provenance(self, text: str) -> tuple[tuple[str, ...], str | None]:
        found = self._provenance.get(text)
        if found is None:
            sources, last_run = json.loads(text)
            found = self._provenance[text] = (tuple(sources or ()), last_run)
        return found

    def nodes(self, rows: Iterable[NodeRow]) -> list[Node]:
        kinds, provenance, cache = NODE_KINDS, self.provenance, self._provenance
        return [
            Node(i, kinds.get(k) or NodeKind(k), n, d, float(fp or 0.0), mss, bool(b), c, a,
                 attributes_from_text(at), *(cache.get(p) or provenance(p)))
            for i, k, n, d, fp, mss, b, c, a, at, p in rows
        ]

    def relationships(self, rows: Iterable[RelRow]) -> list[Relationship]:
        kinds, provenance, cache = REL_KINDS, self.provenance, self._provenance
        return [
            Relationship(f, t, kinds.get(k) or RelKind(k), sh, g,
                         int(mr) if mr is not None else None, ro, c, a,
                         attributes_from_text(at), *(cache.get(p) or provenance(p)),
                         **(time_trust_from_text(tt) if tt is not None else {}),
                         counted=ct is None or bool(ct))
            for f, t, k, sh, g, mr, ro, c, a, at, p, tt, ct in rows
        ]


    # -- rows straight to the analysis graph's attribute dictionaries ---------------------------
    # What ``node_attributes(node)`` and ``relationship_attributes(rel)`` of the decoded
    # records give, key order included, without making the records: at 50,000 nodes and
    # 250,000 relationships the records and their property dictionaries were half of reading
    # the graph.  A property test checks both ways give the same graph.
    def node_attributes(self, rows: Iterable[NodeRow]) -> Iterator[tuple[str, dict[str, Any]]]:
        kinds, provenance, cache = NODE_KINDS, self.provenance, self._provenance
        for i, k, n, d, fp, mss, b, c, a, at, p in rows:
            kind = k if k in kinds else NodeKind(k).value
            sources, last_run = cache.get(p) or provenance(p)
            free = attributes_from_text(at)
            properties = {"kind": kind, "name": n, "description": d,
                          "failure_probability": float(fp or 0.0), "min_supply_share": mss,
                          "blockable": bool(b), "citation": c, "as_of": a, "attributes": free}
            if free:
                attrs = dict(free)
                attrs.update(properties)
                attrs["sources"], attrs["last_run"] = list(sources), last_run
            else:
                attrs = properties
                properties["sources"], properties["last_run"] = list(sources), last_run
            yield i, attrs

    def edges(self, rows: Iterable[RelRow]) -> Iterator[Edge]:
        """The counted relationships of ``rows`` as ``(from, to, kind, attributes)``."""
        kinds, provenance, cache = REL_KINDS, self.provenance, self._provenance
        for row in rows:
            f, t, k, sh, g, mr, ro, c, a, at, p, tt, ct = row
            if ct is not None and not ct:
                continue  # not counted: left out of the analysis graph
            if tt is not None:  # time and trust fields (rare): through the record
                (rel,) = self.relationships([row])
                yield f, t, rel.kind.value, relationship_attributes(rel)
                continue
            kind = k if k in kinds else RelKind(k).value
            sources, last_run = cache.get(p) or provenance(p)
            free = attributes_from_text(at)
            properties = {"share": sh, "group": g,
                          "min_required": int(mr) if mr is not None else None, "role": ro,
                          "citation": c, "as_of": a, "basis": None, "share_low": None,
                          "share_high": None, "buffer_months": None, "lead_time_months": None,
                          "surge_share": None, "attributes": free}
            if free:
                attrs = dict(free)
                attrs.update(properties)
            else:
                attrs = properties
            attrs["kind"], attrs["sources"], attrs["last_run"] = kind, list(sources), last_run
            yield f, t, kind, attrs


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
            try:
                self._ensure_schema()
            except BaseException:
                self._conn.close()
                raise
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite store {self.path}: {exc}") from exc
        self._lock = threading.RLock()

    def _ensure_schema(self) -> None:
        """Create the tables, or migrate an older layout, in one transaction.

        A store already at :data:`SCHEMA_VERSION` is only read: opening it must not wait for
        the write lock that a running ingest holds."""
        conn = self._conn
        if self._schema_version() == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = self._schema_version()  # again: another process may have done it
            if version is not None and version > SCHEMA_VERSION:
                raise StoreError(
                    f"SQLite store {self.path} has schema version {version}, newer than this "
                    f"chokepoint understands ({SCHEMA_VERSION}); upgrade chokepoint or use "
                    "another store file")
            if version == 1:
                _migrate_from_1(conn)  # straight to the current layout
            elif version == 2:
                _migrate_from_2(conn)
            if version in (2, 3):
                _migrate_to_claims(conn)
            for statement in _TABLES:
                conn.execute(statement)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                         (str(SCHEMA_VERSION),))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _schema_version(self) -> int | None:
        """The store's layout version: ``None`` for a new file, 1 before versions were kept."""
        tables = {name for (name,) in self._conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" in tables:
            row = self._conn.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            return int(row[0]) if row else None
        return 1 if "nodes" in tables else None

    # -- reads -------------------------------------------------------------------------------
    def nodes(self, kinds: Iterable[NodeKind] | None = None) -> list[Node]:
        rows = self._select(_SELECT_NODES + " ORDER BY id")
        if kinds is not None:
            wanted = {NodeKind(k).value for k in kinds}
            rows = [r for r in rows if r[1] in wanted]
        return _Decoder().nodes(rows)

    def relationships(self, kinds: Iterable[RelKind] | None = None) -> list[Relationship]:
        rows = self._select(_SELECT_RELS + " ORDER BY from_id, to_id, kind")
        if kinds is not None:
            wanted = {RelKind(k).value for k in kinds}
            rows = [r for r in rows if r[2] in wanted]
        return _Decoder().relationships(rows)

    def snapshot(self) -> tuple[list[Node], list[Relationship]]:
        node_rows, rel_rows = self._snapshot_rows()
        decoder = _Decoder()
        return decoder.nodes(node_rows), decoder.relationships(rel_rows)

    def _snapshot_rows(self) -> tuple[list[NodeRow], list[RelRow]]:
        """Every node row and relationship row, in id order, from one committed state."""
        # One read transaction over both tables: in WAL mode it sees one committed state.
        with self._lock:
            try:
                self._conn.execute("BEGIN")
                try:
                    node_rows = self._conn.execute(_SELECT_NODES + " ORDER BY id").fetchall()
                    rel_rows = self._conn.execute(
                        _SELECT_RELS + " ORDER BY from_id, to_id, kind").fetchall()
                finally:
                    self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read SQLite store {self.path}: {exc}") from exc
        return node_rows, rel_rows

    def read_graph(self, node_kinds: Iterable[NodeKind] | None = None,
                   relationship_kinds: Iterable[RelKind] | None = None) -> nx.MultiDiGraph:
        """The graph as :meth:`Store.read_graph` builds it, made from the rows directly (the
        whole graph: a part of it, by kinds, goes the records' way)."""
        if node_kinds is not None or relationship_kinds is not None:
            return super().read_graph(node_kinds, relationship_kinds)
        from graph.networkx_view import graph_of  # NetworkX loads only when needed

        with collector_paused():  # a million dictionaries built, none of them garbage
            node_rows, rel_rows = self._snapshot_rows()
            decoder = _Decoder()
            return graph_of(decoder.node_attributes(node_rows), decoder.edges(rel_rows))

    def stored_state(self) -> StoredState:
        with self._lock:
            try:
                self._conn.execute("BEGIN")
                try:
                    return self._load_state()
                finally:
                    self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read SQLite store {self.path}: {exc}") from exc

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
    def _load_state(self) -> StoredState:
        # Called inside the run's transaction, so no order is needed.
        # Keys straight from the rows' columns, without reading them back from the records.
        decoder, conn = _Decoder(), self._conn
        node_rows = conn.execute(_SELECT_NODES).fetchall()
        rel_rows = conn.execute(_SELECT_RELS).fetchall()
        nodes = dict(zip([row[0] for row in node_rows], decoder.nodes(node_rows), strict=True))
        rels = dict(zip([row[:3] for row in rel_rows], decoder.relationships(rel_rows),
                        strict=True))
        node_claims = {i: claims_from_text(c) for i, c in conn.execute(_SELECT_NODE_CLAIMS)}
        rel_claims = {(f, t, k): claims_from_text(c)
                      for f, t, k, c in conn.execute(_SELECT_REL_CLAIMS)}
        ranks = {s: (p, o) for s, p, o in conn.execute(_SELECT_RANKS)}
        return StoredState(nodes, rels, node_claims, rel_claims, ranks)

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
        # pages than in the batch's own order.  Keys are unique, so sorting whole rows compares
        # keys only.
        new_text = _provenance_text(*plan.new_provenance)
        node_claims, rel_claims, null = plan.node_claims, plan.relationship_claims, _NULL
        cur.executemany(_INSERT_NODE, sorted(_node_row(n, new_text) for n in plan.insert_nodes))
        cur.executemany(_UPSERT_NODE, sorted(
            (*_node_row(n, _provenance_text(n.sources, n.last_run)),
             _claims_cell(node_claims.get(n.id))) for n in plan.upsert_nodes))
        cur.executemany(_INSERT_REL, sorted(_rel_row(r, new_text)
                                            for r in plan.insert_relationships))
        cur.executemany(_UPSERT_REL, sorted(
            (*_rel_row(r, _provenance_text(r.sources, r.last_run)), null if r.counted else 0,
             _claims_cell(rel_claims.get(r.key))) for r in plan.upsert_relationships))
        cur.execute(_UPSERT_SOURCE, plan.rank)

    def record_run(self, run: RunRecord) -> None:
        with self._lock:
            try:
                self._conn.execute(_UPSERT_RUN, (run.run_id, run.source, run.started,
                                                 run.finished, run.status,
                                                 json.dumps(run.__dict__, default=str)))
            except sqlite3.Error as exc:
                raise StoreError(f"cannot record run in {self.path}: {exc}") from exc

    def keep_result(self, key: str, version: str, payload: bytes) -> None:
        with self._lock:
            try:
                self._conn.execute(_RESULTS_TABLE)
                self._conn.execute("INSERT OR REPLACE INTO analysis_results (key, version, "
                                   "payload) VALUES (?, ?, ?)", (key, version, payload))
            except sqlite3.Error as exc:
                raise StoreError(f"cannot keep a result in {self.path}: {exc}") from exc

    def kept_result(self, key: str, version: str) -> bytes | None:
        with self._lock:
            try:
                row = self._conn.execute("SELECT payload FROM analysis_results WHERE key = ? "
                                         "AND version = ?", (key, version)).fetchone()
            except sqlite3.OperationalError:  # a store written before results were kept
                return None
        return bytes(row[0]) if row else None

    def drop_results(self) -> None:
        with self._lock:
            try:
                self._conn.execute("DELETE FROM analysis_results")
            except sqlite3.OperationalError:  # no such table yet
                pass

    def clear(self) -> None:
        with self._lock:
            self._conn.executescript("BEGIN; DELETE FROM relationships; DELETE FROM nodes; "
                                     "DELETE FROM runs; DELETE FROM sources; COMMIT;")
        self.drop_results()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
