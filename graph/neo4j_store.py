"""The Neo4j store: the same records and sync semantics as SQLite, over Bolt.

Nodes carry the label ``Entity`` plus one label per kind (``Chip``, ``Component`` ...), with a
uniqueness constraint on ``Entity.id``; relationship types are the :class:`RelKind` values.
Ingest runs are kept as ``IngestRun`` nodes, which are not part of the graph.

Every Cypher text below is a constant with ``$parameters``.  Labels and types are written into
the texts only from the kind enums, once, at import time; nothing from the data ever is.  A
whole ingest run -- reading the current state, planning, writing -- happens in one managed
write transaction, written in batches of :data:`BATCH_SIZE` rows through ``UNWIND $rows``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any

import neo4j
from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable

from graph.codec import (
    REL_OPTIONAL,
    Provenance,
    node_data,
    node_from_data,
    relationship_data,
    relationship_from_data,
)
from graph.errors import ChokepointError, ConfigError, StoreError
from graph.merge import Claims, claims_from_text, claims_text
from graph.model import Node, NodeKind, Relationship, RelKey, RelKind
from graph.store import LoadState, RunRecord, Store
from graph.sync import StoredState, SyncPlan
from graph.urls import redact_url, without_userinfo

__all__ = ["Neo4jStore", "BATCH_SIZE", "ENTITY_LABEL", "RUN_LABEL"]

BATCH_SIZE = 10_000
"""Rows per ``UNWIND $rows`` statement: big enough to be fast, small enough for a 1–2 GB heap."""

ENTITY_LABEL = "Entity"
RUN_LABEL = "IngestRun"
START_HINT = "start a local one with: tools/neo4j/neo4j.sh start --port 7687"

# -- schema ---------------------------------------------------------------------------------
_SCHEMA = (
    "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT ingest_run_id IF NOT EXISTS FOR (r:IngestRun) REQUIRE r.run_id IS UNIQUE",
    "CREATE CONSTRAINT ingest_lock_id IF NOT EXISTS FOR (l:IngestLock) REQUIRE l.id IS UNIQUE",
    "CREATE CONSTRAINT ingest_source IF NOT EXISTS FOR (s:IngestSource) REQUIRE s.source IS UNIQUE",
    "CREATE CONSTRAINT analysis_result_key IF NOT EXISTS "
    "FOR (a:AnalysisResult) REQUIRE a.key IS UNIQUE",
)

# Taking this lock first serialises ingest runs, as BEGIN IMMEDIATE does in SQLite: a second
# run waits, then reads the state the first one committed.  Each run also counts up the lock's
# version, which a snapshot reads before and after (see ``Neo4jStore.snapshot``).
_TAKE_INGEST_LOCK = ("MERGE (l:IngestLock {id: 'ingest'}) "
                     "SET l.taken = timestamp(), l.version = coalesce(l.version, 0) + 1")
_READ_VERSION = "OPTIONAL MATCH (l:IngestLock {id: 'ingest'}) RETURN l.version AS v"
SNAPSHOT_ATTEMPTS = 20

# -- reads ----------------------------------------------------------------------------------
_READ_NODES = "MATCH (n:Entity) RETURN properties(n) AS p"
_READ_NODES_OF_KINDS = "MATCH (n:Entity) WHERE n.kind IN $kinds RETURN properties(n) AS p"
_READ_RELATIONSHIPS = ("MATCH (a:Entity)-[r]->(b:Entity) "
                       "RETURN a.id AS from_id, b.id AS to_id, type(r) AS kind, "
                       "properties(r) AS p")
_READ_RELATIONSHIPS_OF_KINDS = ("MATCH (a:Entity)-[r]->(b:Entity) WHERE type(r) IN $kinds "
                                "RETURN a.id AS from_id, b.id AS to_id, type(r) AS kind, "
                                "properties(r) AS p")
_ANY_NODE = "RETURN EXISTS { MATCH (:Entity) } AS any"
_COUNT_NODES: dict[NodeKind, str] = {
    kind: f"MATCH (n:{kind.label}) RETURN count(n) AS c" for kind in NodeKind
}
_COUNT_RELATIONSHIPS: dict[RelKind, str] = {
    kind: f"MATCH ()-[r:{kind.value}]->() RETURN count(r) AS c" for kind in RelKind
}
_READ_RANKS = "MATCH (s:IngestSource) RETURN s.source AS source, s.priority AS p, s.run_order AS o"
_READ_RUNS = ("MATCH (r:IngestRun) WHERE $source IS NULL OR r.source = $source "
              "RETURN properties(r) AS p ORDER BY r.started DESC, r.run_id DESC")

# -- writes ---------------------------------------------------------------------------------
_DELETE_RELATIONSHIPS: dict[RelKind, str] = {
    kind: ("UNWIND $rows AS row "
           f"MATCH (:Entity {{id: row.from_id}})-[r:{kind.value}]->(:Entity {{id: row.to_id}}) "
           "DELETE r")
    for kind in RelKind
}
_DELETE_NODES = "UNWIND $rows AS id MATCH (n:Entity {id: id}) DETACH DELETE n"


def _kind_labels(kind: NodeKind) -> str:
    """``SET n:Chip REMOVE n:Component:...``: a node's kind label, and only that one."""
    others = ":".join(k.label for k in NodeKind if k is not kind)
    return f"SET n:{kind.label} REMOVE n:{others}"


# New elements (not in the state read in the same transaction) are CREATEd: MERGE would
# look for each first, which for a relationship means scanning its endpoints' relationships.
_CREATE_NODES: dict[NodeKind, str] = {
    kind: f"UNWIND $rows AS row CREATE (n:Entity:{kind.label}) SET n = row" for kind in NodeKind
}
_UPDATE_NODES: dict[NodeKind, str] = {
    kind: f"UNWIND $rows AS row MERGE (n:Entity {{id: row.id}}) SET n = row {_kind_labels(kind)}"
    for kind in NodeKind
}
# A relationship's properties, each taken from its row by name: a missing key is null, and a
# null is not stored.  Naming them (rather than ``SET r = row``) also spares the planner an
# eager step: it cannot tell that a whole-map SET never touches the ``id`` the MATCH reads.
_REL_PROPERTIES = (*REL_OPTIONAL, "attributes", "sources", "last_run")
# New relationships are always counted and asserted by one source: no flag, no claims.
_REL_PROPERTY_MAP = ", ".join(f"`{k}`: out.`{k}`" for k in _REL_PROPERTIES)
_REL_PROPERTY_PROJECTION = ", ".join(f".`{k}`" for k in (*_REL_PROPERTIES, "counted", "claims"))
# New relationships come grouped by start node (``{from_id, out: [{to_id, ...}]}``): one index
# lookup per start node instead of one per relationship.
_CREATE_RELATIONSHIPS: dict[RelKind, str] = {
    kind: ("UNWIND $rows AS row MATCH (a:Entity {id: row.from_id}) "
           "UNWIND row.out AS out MATCH (b:Entity {id: out.to_id}) "
           f"CREATE (a)-[r:{kind.value} {{{_REL_PROPERTY_MAP}}}]->(b)")
    for kind in RelKind
}
_UPDATE_RELATIONSHIPS: dict[RelKind, str] = {
    kind: ("UNWIND $rows AS row "
           "MATCH (a:Entity {id: row.from_id}) MATCH (b:Entity {id: row.to_id}) "
           f"MERGE (a)-[r:{kind.value}]->(b) SET r = row {{{_REL_PROPERTY_PROJECTION}}}")
    for kind in RelKind
}
_UPSERT_RUN = "MERGE (r:IngestRun {run_id: $run_id}) SET r = $props"
# Analysis results the app keeps per data version: nodes outside the graph (no Entity label).
_KEEP_RESULT = ("MERGE (a:AnalysisResult {key: $key}) "
                "SET a.version = $version, a.payload = $payload")
_KEPT_RESULT = ("MATCH (a:AnalysisResult {key: $key}) WHERE a.version = $version "
                "RETURN a.payload AS payload")
_DROP_RESULTS = "MATCH (a:AnalysisResult) DELETE a"
_UPSERT_SOURCE = ("MERGE (s:IngestSource {source: $source}) "
                  "SET s.priority = $priority, s.run_order = $run_order")

# clear() may face a big graph: delete in server-side batches so no transaction grows large.
_CLEAR = ("MATCH (n) WHERE n:Entity OR n:IngestRun OR n:IngestSource OR n:AnalysisResult "
          "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")

_RUN_FIELDS = ("run_id", "source", "started", "finished", "status", "added", "removed",
               "changed", "error", "origin")


class Neo4jStore(Store):
    """A store in a Neo4j 5 database, reached through an injected ``neo4j.Driver``;
    ``Neo4jStore.from_url("bolt://127.0.0.1:7687")`` builds the driver from a URL and the
    ``NEO4J_USER`` / ``NEO4J_PASSWORD`` environment."""

    def __init__(self, driver: neo4j.Driver, url: str, database: str | None = None) -> None:
        self.driver = driver
        self.url = redact_url(url)
        self.database = database
        self._guard(self._ensure_schema, "open")

    @classmethod
    def from_url(cls, url: str, database: str | None = None) -> Neo4jStore:
        """Open ``neo4j://`` or ``bolt://`` ``url``; credentials from ``NEO4J_USER`` /
        ``NEO4J_PASSWORD`` (no authentication when no password is set)."""
        password = os.environ.get("NEO4J_PASSWORD")
        auth = (os.environ.get("NEO4J_USER") or "neo4j", password) if password else None
        try:
            # The kind-count queries name labels that may not exist yet: keep the log quiet.
            driver = neo4j.GraphDatabase.driver(without_userinfo(url)[0], auth=auth,
                                                notifications_min_severity="OFF")
        except (ValueError, DriverError) as exc:
            raise ConfigError(f"bad Neo4j URL {redact_url(url)!r}: {exc}; use neo4j://host:port "
                              "or bolt://host:port") from exc
        try:
            return cls(driver, url, database)
        except BaseException:
            driver.close()
            raise

    # -- reads -------------------------------------------------------------------------------
    def nodes(self, kinds: Iterable[NodeKind] | None = None) -> list[Node]:
        if kinds is None:
            records = self._read(_READ_NODES)
        else:
            records = self._read(_READ_NODES_OF_KINDS, kinds=[NodeKind(k).value for k in kinds])
        return sorted((_node(r["p"]) for r in records), key=lambda n: n.id)

    def relationships(self, kinds: Iterable[RelKind] | None = None) -> list[Relationship]:
        if kinds is None:
            records = self._read(_READ_RELATIONSHIPS)
        else:
            records = self._read(_READ_RELATIONSHIPS_OF_KINDS,
                                 kinds=[RelKind(k).value for k in kinds])
        return sorted((_relationship(r) for r in records), key=lambda r: r.key)

    def snapshot(self) -> tuple[list[Node], list[Relationship]]:
        state = self.stored_state()
        return (sorted(state.nodes.values(), key=lambda n: n.id),
                sorted(state.relationships.values(), key=lambda r: r.key))

    def stored_state(self) -> StoredState:
        """The state read in one transaction.  Neo4j reads at *read committed*, so a run
        committing between the reads could still show through: the read is taken again
        while the ingest version moved on meanwhile, or while a relationship's end is missing
        from the nodes read."""

        def work(tx: neo4j.ManagedTransaction) -> StoredState | None:
            for _ in range(SNAPSHOT_ATTEMPTS):
                before = tx.run(_READ_VERSION).single(strict=True)["v"]
                state = _load_state(tx)
                nodes = state.nodes
                if (tx.run(_READ_VERSION).single(strict=True)["v"] == before
                        and all(r.from_id in nodes and r.to_id in nodes
                                for r in state.relationships.values())):
                    return state
            return None

        found = self._guard(lambda: self._in_session(lambda s: s.execute_read(work)), "read")
        if found is None:
            raise StoreError(f"Neo4j at {self.url}: ingest runs kept committing during "
                             f"{SNAPSHOT_ATTEMPTS} attempts to read the graph; try again")
        return found

    def runs(self, source: str | None = None, limit: int | None = None) -> list[RunRecord]:
        records = [_run(r["p"]) for r in self._read(_READ_RUNS, source=source)]
        return records[:limit] if limit is not None else records

    def stats(self) -> dict[str, dict[str, int]]:
        def count(tx: neo4j.ManagedTransaction) -> dict[str, dict[str, int]]:
            return {
                "nodes": {k.value: tx.run(q).single(strict=True)["c"]
                          for k, q in _COUNT_NODES.items()},
                "relationships": {k.value: tx.run(q).single(strict=True)["c"]
                                  for k, q in _COUNT_RELATIONSHIPS.items()},
            }

        return self._guard(lambda: self._in_session(lambda s: s.execute_read(count)), "read")

    def is_empty(self) -> bool:
        return not self._read(_ANY_NODE)[0]["any"]

    def _read(self, query: str, **params: Any) -> list[neo4j.Record]:
        def work(tx: neo4j.ManagedTransaction) -> list[neo4j.Record]:
            return list(tx.run(query, params))

        return self._guard(lambda: self._in_session(lambda s: s.execute_read(work)), "read")

    # -- writes ------------------------------------------------------------------------------
    def _run_atomically(self, work: Callable[[LoadState], SyncPlan | None],
                        write: bool) -> SyncPlan | None:
        def transaction(tx: neo4j.ManagedTransaction) -> SyncPlan | None:
            if write:
                tx.run(_TAKE_INGEST_LOCK).consume()
            plan = work(lambda: _load_state(tx))
            if write and plan is not None:
                self._write_plan(tx, plan)
            return plan

        def run() -> SyncPlan | None:
            if write:
                return self._in_session(lambda s: s.execute_write(transaction))
            return self._in_session(lambda s: s.execute_read(transaction))

        return self._guard(run, "write")

    def _write_plan(self, tx: neo4j.ManagedTransaction, plan: SyncPlan) -> None:
        """Deletes first (relationships, then nodes), then nodes, then relationships.

        Statements are sent one after another without waiting for each to finish: the server
        runs them in order, and meanwhile the next batch's rows are built and packed here.
        Every result is consumed at the end, so a failed statement fails the transaction."""
        results: list[neo4j.Result] = []
        for kind, keys in _by_kind(plan.delete_relationships, lambda k: RelKind(k[2])):
            results += _send(tx, _DELETE_RELATIONSHIPS[kind], _chunks(keys),
                             lambda key: {"from_id": key[0], "to_id": key[1]})
        results += _send(tx, _DELETE_NODES, _chunks(plan.delete_nodes), str)
        for node_kind, of_kind in _by_kind(plan.insert_nodes, lambda n: n.kind):
            results += _send(tx, _CREATE_NODES[node_kind], _chunks(of_kind),
                             partial(_node_row, provenance=plan.new_provenance))
        for node_kind, of_kind in _by_kind(plan.upsert_nodes, lambda n: n.kind):
            results += _send(tx, _UPDATE_NODES[node_kind], _chunks(of_kind),
                             partial(_node_row, claims=plan.node_claims))
        for rel_kind, of_kind in _by_kind(plan.insert_relationships, lambda r: r.kind):
            results += _send(tx, _CREATE_RELATIONSHIPS[rel_kind], _by_start_node(of_kind),
                             partial(_outgoing_row, provenance=plan.new_provenance))
        for rel_kind, of_kind in _by_kind(plan.upsert_relationships, lambda r: r.kind):
            results += _send(tx, _UPDATE_RELATIONSHIPS[rel_kind], _chunks(of_kind),
                             partial(_relationship_row, claims=plan.relationship_claims))
        source, priority, run_order = plan.rank
        results.append(tx.run(_UPSERT_SOURCE, source=source, priority=priority,
                              run_order=run_order))
        for result in results:
            result.consume()

    def record_run(self, run: RunRecord) -> None:
        props = {k: getattr(run, k) for k in _RUN_FIELDS}
        props["details"] = json.dumps(run.details, sort_keys=True, default=str)

        def write(tx: neo4j.ManagedTransaction) -> None:
            tx.run(_UPSERT_RUN, run_id=run.run_id, props=props).consume()

        self._guard(lambda: self._in_session(lambda s: s.execute_write(write)), "write")

    def keep_result(self, key: str, version: str, payload: bytes) -> None:
        def write(tx: neo4j.ManagedTransaction) -> None:
            tx.run(_KEEP_RESULT, key=key, version=version, payload=payload).consume()

        self._guard(lambda: self._in_session(lambda s: s.execute_write(write)), "write")

    def kept_result(self, key: str, version: str) -> bytes | None:
        def read(tx: neo4j.ManagedTransaction) -> bytes | None:
            record = tx.run(_KEPT_RESULT, key=key, version=version).single()
            return bytes(record["payload"]) if record else None

        return self._guard(lambda: self._in_session(lambda s: s.execute_read(read)), "read")

    def drop_results(self) -> None:
        def write(tx: neo4j.ManagedTransaction) -> None:
            tx.run(_DROP_RESULTS).consume()

        self._guard(lambda: self._in_session(lambda s: s.execute_write(write)), "write")

    def clear(self) -> None:
        self._guard(lambda: self._in_session(lambda s: s.run(_CLEAR).consume()), "clear")

    def close(self) -> None:
        self.driver.close()

    # -- plumbing ----------------------------------------------------------------------------
    def _ensure_schema(self) -> None:
        self.driver.verify_connectivity()
        with self._session() as session:
            for statement in _SCHEMA:
                session.run(statement).consume()

    def _session(self) -> neo4j.Session:
        return self.driver.session(database=self.database)

    def _in_session(self, action: Callable[[neo4j.Session], Any]) -> Any:
        with self._session() as session:
            return action(session)

    def _guard(self, action: Callable[[], Any], what: str) -> Any:
        """Run ``action``; turn driver and server errors into :class:`StoreError`.

        Domain errors (``InputError`` from validation ...) pass unchanged; the managed
        transaction has rolled back by the time they arrive here.
        """
        try:
            return action()
        except ChokepointError:
            raise
        except ServiceUnavailable as exc:
            raise StoreError(f"cannot reach Neo4j at {self.url}: {exc}; check that the server "
                             f"is running and the URL is right, or {START_HINT}") from exc
        except AuthError as exc:
            raise StoreError(f"Neo4j at {self.url} refused the credentials; set NEO4J_USER and "
                             "NEO4J_PASSWORD to a valid user") from exc
        except Neo4jError as exc:
            raise StoreError(f"Neo4j at {self.url} failed to {what}: "
                             f"{exc.code}: {exc.message}") from exc
        except (DriverError, OSError) as exc:
            raise StoreError(f"Neo4j at {self.url} failed to {what}: {exc}") from exc


# -- record conversion ----------------------------------------------------------------------
def _load_state(tx: neo4j.ManagedTransaction) -> StoredState:
    state = StoredState()
    for record in tx.run(_READ_NODES):
        props = record["p"]
        if not props:  # a node deleted while the scan passes it reads as an empty map
            continue
        node = state.nodes[props["id"]] = _node(props)
        if (claims := props.get("claims")) is not None:
            state.node_claims[node.id] = claims_from_text(claims)
    for record in tx.run(_READ_RELATIONSHIPS):
        # A relationship deleted while the scan passes it reads with null ends, type or
        # properties; the run that deleted it moved the ingest version, so a snapshot that
        # skips it here is read again.
        if (record["from_id"] is None or record["to_id"] is None or record["kind"] is None
                or record["p"] is None):
            continue
        rel = _relationship(record)
        state.relationships[rel.key] = rel
        if (claims := record["p"].get("claims")) is not None:
            state.relationship_claims[rel.key] = claims_from_text(claims)
    state.ranks = {r["source"]: (r["p"], r["o"]) for r in tx.run(_READ_RANKS)}
    return state


def _node(props: dict[str, Any]) -> Node:
    return node_from_data(props["id"], props["kind"], props["name"], props)


def _node_row(node: Node, provenance: Provenance | None = None,
              claims: Mapping[str, Claims | None] | None = None) -> dict[str, Any]:
    """All of a node's properties, flat: what ``SET n = row`` stores, with the node's claims
    from ``claims`` when it has some."""
    row = {"id": node.id, "kind": node.kind.value, "name": node.name,
           **node_data(node, provenance)}
    if claims and (own := claims.get(node.id)):
        row["claims"] = claims_text(own)
    return row


def _send(tx: neo4j.ManagedTransaction, query: str, batches: Iterable[Sequence[Any]],
          to_row: Callable[[Any], Any]) -> list[neo4j.Result]:
    """Run ``query`` once per batch, on its items' rows; the results are left unread."""
    return [tx.run(query, rows=_Rows(map(to_row, batch))) for batch in batches]


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), BATCH_SIZE):
        yield items[start:start + BATCH_SIZE]


def _by_start_node(rels: Iterable[Relationship]
                   ) -> Iterator[list[tuple[str, list[Relationship]]]]:
    """(start node id, its relationships) pairs, in batches of about :data:`BATCH_SIZE`
    relationships."""
    groups: dict[str, list[Relationship]] = {}
    for rel in rels:
        groups.setdefault(rel.from_id, []).append(rel)
    batch: list[tuple[str, list[Relationship]]] = []
    count = 0
    for group in groups.items():
        batch.append(group)
        count += len(group[1])
        if count >= BATCH_SIZE:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


def _outgoing_row(group: tuple[str, list[Relationship]],
                  provenance: Provenance | None) -> dict[str, Any]:
    from_id, rels = group
    out = []
    for rel in rels:
        row = relationship_data(rel, provenance)
        row["to_id"] = rel.to_id
        out.append(row)
    return {"from_id": from_id, "out": out}


def _relationship_row(rel: Relationship,
                      claims: Mapping[RelKey, Claims | None]) -> dict[str, Any]:
    """The endpoints' ids and the properties, flat, with the claims if it has some."""
    row = relationship_data(rel)
    row["from_id"] = rel.from_id
    row["to_id"] = rel.to_id
    if own := claims.get(rel.key):
        row["claims"] = claims_text(own)
    return row


class _Rows(list):  # type: ignore[type-arg]
    """A batch of rows as the driver sends it (a plain list to Bolt).  Its ``repr`` is short:
    the driver formats every statement's parameters for its debug log even when that log is
    off, which for 10,000 rows costs more than packing them, and would write the data out
    when it is on."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


def _relationship(record: neo4j.Record) -> Relationship:
    return relationship_from_data(record["from_id"], record["to_id"], record["kind"],
                                  record["p"])


def _run(props: dict[str, Any]) -> RunRecord:
    fields: dict[str, Any] = {k: props.get(k) for k in _RUN_FIELDS}
    for count in ("added", "removed", "changed"):
        fields[count] = fields[count] or 0
    return RunRecord(**fields, details=json.loads(props.get("details") or "{}"))


def _by_kind(items: Iterable[Any], kind_of: Callable[[Any], Any]) -> Iterator[tuple[Any, list]]:
    """Group ``items`` by kind, kinds in first-seen order, items in their order."""
    groups: dict[Any, list] = {}
    for item in items:
        groups.setdefault(kind_of(item), []).append(item)
    yield from groups.items()
