"""Plan an ingest run's writes with *sync* semantics, the same for every store.

A run from source S asserts its whole contribution.  Elements in the batch gain S's claim;
elements S asserted before but not now lose it; elements no source asserts any more are
removed, and so are relationships left without an endpoint.  An element several sources assert
takes the merge of their claims (:mod:`graph.merge`), and keeps the claims themselves, so that
a later run of any one source can replace or withdraw its own part alone.

Elements only one source asserts -- nearly all of a big run -- keep no separate claim: the
element is that claim.  Planning them costs what it did before sources were merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.codec import Provenance
from graph.merge import (
    SHARE_KINDS,
    Claims,
    Conflict,
    Rank,
    find_conflicts,
    merge_node,
    merge_relationship,
    node_claim,
    record_source,
    relationship_claim,
)
from graph.model import Batch, Node, Relationship, RelKey

__all__ = ["SyncPlan", "Counts", "Provenance", "StoredState", "plan_sync", "node_claims",
           "relationship_claims", "state_conflicts"]


@dataclass(frozen=True)
class Counts:
    """How many elements (nodes + relationships) a run added, removed and changed."""

    added: int = 0
    removed: int = 0
    changed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed}


@dataclass
class StoredState:
    """What a store holds: the merged elements, the claims of those several sources assert,
    and each source's rank."""

    nodes: dict[str, Node] = field(default_factory=dict)
    relationships: dict[RelKey, Relationship] = field(default_factory=dict)
    node_claims: dict[str, Claims] = field(default_factory=dict)
    relationship_claims: dict[RelKey, Claims] = field(default_factory=dict)
    ranks: dict[str, Rank] = field(default_factory=dict)


@dataclass
class SyncPlan:
    """What to write: new elements, the full new states of stored ones, ids/keys to delete.

    New elements (``insert_*``) are the batch's own records; they are written with
    :attr:`new_provenance` (the run's source and id) instead of their own.  Copying each of
    them into a stamped record would cost more than writing it on runs of 100,000s of rows.
    ``claims`` holds, for every upserted element, the claims to keep with it (``None``: one
    source, nothing to keep); ``rank`` is the run's source with its new rank.
    """

    insert_nodes: list[Node] = field(default_factory=list)
    upsert_nodes: list[Node] = field(default_factory=list)
    delete_nodes: list[str] = field(default_factory=list)
    insert_relationships: list[Relationship] = field(default_factory=list)
    upsert_relationships: list[Relationship] = field(default_factory=list)
    delete_relationships: list[RelKey] = field(default_factory=list)
    new_provenance: Provenance = ((), None)
    counts: Counts = field(default_factory=Counts)
    merged: int = 0
    """Nodes of the batch that other sources already assert (entity resolution at work)."""
    node_claims: dict[str, Claims | None] = field(default_factory=dict)
    relationship_claims: dict[RelKey, Claims | None] = field(default_factory=dict)
    rank: tuple[str, int, int] = ("", 0, 0)


def node_claims(node: Node, stored: dict[str, Claims]) -> Claims:
    """The claims behind a stored node: kept ones, else the node itself for each source."""
    found = stored.get(node.id)
    if found is not None:
        return found
    claim = node_claim(node)
    return {source: claim for source in node.sources}


def relationship_claims(rel: Relationship, stored: dict[RelKey, Claims]) -> Claims:
    found = stored.get(rel.key)
    if found is not None:
        return found
    claim = relationship_claim(rel)
    return {source: claim for source in rel.sources}


def plan_sync(batch: Batch, state: StoredState, run_id: str) -> SyncPlan:
    """Compare ``batch`` with the store's current ``state``."""
    source = batch.source
    order = max((rank[1] for rank in state.ranks.values()), default=0) + 1
    ranks = {**state.ranks, source: (batch.priority, order)}
    plan = SyncPlan(new_provenance=((source,), run_id), rank=(source, batch.priority, order))
    node_counts = _plan_nodes(batch, state, ranks, run_id, plan)
    rel_counts = _plan_relationships(batch, state, ranks, run_id, plan)
    plan.counts = Counts(*(a + b for a, b in zip(node_counts, rel_counts, strict=True)))
    return plan


def _plan_nodes(batch: Batch, state: StoredState, ranks: dict[str, Rank], run_id: str,
                plan: SyncPlan) -> tuple[int, int, int]:
    source, nodes, kept = batch.source, state.nodes, state.node_claims
    only_source = (source,)
    added = changed = 0
    if not nodes:  # nothing stored (a first run): every node is new, nothing to drop
        plan.insert_nodes = list(batch.nodes)
        added += len(plan.insert_nodes)
    incoming: set[str] = set()
    for node in batch.nodes if nodes else ():
        incoming.add(node.id)
        old = nodes.get(node.id)
        if old is None:
            added += 1
            plan.insert_nodes.append(node)
        elif old.sources == only_source and node.id not in kept:
            same = _same_node(old, node)
            changed += not same
            if not same:
                plan.upsert_nodes.append(node.with_provenance(only_source, run_id))
        else:
            plan.merged += any(s != source for s in old.sources)
            claims = {**node_claims(old, kept), source: node_claim(node)}
            changed += _upsert_node(merge_node(node.id, claims, ranks), old, claims, run_id,
                                    plan)
    gone: set[str] = set()
    for node_id, old in nodes.items():
        if source in old.sources and node_id not in incoming:
            claims = {s: c for s, c in node_claims(old, kept).items() if s != source}
            if claims:
                changed += _upsert_node(merge_node(node_id, claims, ranks), old, claims,
                                        old.last_run, plan)
            else:
                gone.add(node_id)
    plan.delete_nodes = sorted(gone)
    return added, len(gone), changed


def _upsert_node(new: Node, old: Node, claims: Claims, run_id: str | None,
                 plan: SyncPlan) -> bool:
    """Plan ``new`` (merged from ``claims``) over ``old``; say whether its properties change."""
    same = _same_node(old, new)
    if not same or new.sources != old.sources:
        plan.upsert_nodes.append(new.with_provenance(new.sources, run_id))
        plan.node_claims[new.id] = claims if len(claims) > 1 else None
    return not same


def _plan_relationships(batch: Batch, state: StoredState, ranks: dict[str, Rank],
                        run_id: str, plan: SyncPlan) -> tuple[int, int, int]:
    source, rels, kept = batch.source, state.relationships, state.relationship_claims
    only_source = (source,)
    gone = set(plan.delete_nodes)
    added = 0
    # The new state of every stored or new relationship that changes, with its claims.
    updates: dict[RelKey, tuple[Relationship, Claims]] = {}
    if not rels:
        plan.insert_relationships = list(batch.relationships)
        added += len(plan.insert_relationships)
    incoming: set[RelKey] = set()
    touched: set[tuple[str, str]] = set()  # share items (from id, kind) this run touches
    for rel in batch.relationships if rels else ():
        key = rel.key
        incoming.add(key)
        if rel.kind in SHARE_KINDS:
            touched.add((rel.from_id, rel.kind))
        old = rels.get(key)
        if old is None:
            added += 1
            plan.insert_relationships.append(rel)
        elif old.sources == only_source and key not in kept:
            if not _same_relationship(old, rel):
                updates[key] = (rel.with_provenance(only_source, run_id),
                                {source: relationship_claim(rel)})
        else:
            claims = {**relationship_claims(old, kept), source: relationship_claim(rel)}
            new = merge_relationship(key, claims, ranks)
            updates[key] = (new.with_provenance(new.sources, run_id), claims)
    dropped: list[RelKey] = []
    shared_items: set[tuple[str, str]] = set()  # share items other sources have edges of
    for key, old in rels.items():
        share_kind = key[2] in SHARE_KINDS
        if share_kind and old.sources != only_source:
            shared_items.add((key[0], key[2]))
        if key in incoming:
            continue
        dangling = key[0] in gone or key[1] in gone
        if source in old.sources or dangling:
            if share_kind:
                touched.add((key[0], key[2]))
            claims = {s: c for s, c in relationship_claims(old, kept).items() if s != source}
            if claims and not dangling:
                new = merge_relationship(key, claims, ranks)
                updates[key] = (new.with_provenance(new.sources, old.last_run), claims)
            else:
                dropped.append(key)
    plan.delete_relationships = sorted(dropped)
    items = touched & shared_items
    if items:
        _choose_share_records(items, state, ranks, updates, set(dropped), source, plan)
    changed = _write_updates(updates, rels, plan)
    return added, len(dropped), changed


def _choose_share_records(items: set[tuple[str, str]], state: StoredState,
                          ranks: dict[str, Rank],
                          updates: dict[RelKey, tuple[Relationship, Claims]],
                          dropped: set[RelKey], source: str, plan: SyncPlan) -> None:
    """For every share item several sources have edges of, pick the source of record and set
    each of its edges' shares and ``counted`` from it (in ``updates``)."""
    rels, kept = state.relationships, state.relationship_claims
    edges: dict[tuple[str, str], dict[RelKey, tuple[Relationship, Claims]]] = {}
    for key, rel in rels.items():
        item = (key[0], key[2])
        if item in items and key not in dropped:
            edges.setdefault(item, {})[key] = updates.get(key) or (
                rel, relationship_claims(rel, kept))
    inserted = {r.key: r for r in plan.insert_relationships if (r.from_id, r.kind) in items}
    for key, rel in inserted.items():
        edges.setdefault((key[0], key[2]), {})[key] = (
            rel.with_provenance(*plan.new_provenance), {source: relationship_claim(rel)})
    overridden: set[RelKey] = set()
    for item_edges in edges.values():
        record = record_source({k: c for k, (_, c) in item_edges.items()}, ranks)
        for key, (current, claims) in item_edges.items():
            new = merge_relationship(key, claims, ranks, record)
            if not _same_relationship(new, current) or new.counted != current.counted:
                updates[key] = (new.with_provenance(new.sources, current.last_run), claims)
                overridden.add(key)
    if overridden & inserted.keys():
        plan.insert_relationships = [r for r in plan.insert_relationships
                                     if r.key not in overridden]


def _write_updates(updates: dict[RelKey, tuple[Relationship, Claims]],
                   rels: dict[RelKey, Relationship], plan: SyncPlan) -> int:
    """Upsert the updates that change something; return how many change properties."""
    changed = 0
    for key, (new, claims) in updates.items():
        old = rels.get(key)
        same = old is not None and _same_relationship(old, new) and old.counted == new.counted
        changed += old is not None and not same
        if not same or old is None or new.sources != old.sources:
            plan.upsert_relationships.append(new)
            plan.relationship_claims[key] = claims if len(claims) > 1 else None
    return changed


def state_conflicts(state: StoredState) -> list[Conflict]:
    """Every disagreement among the sources behind ``state``."""
    kept_nodes, kept_rels = state.node_claims, state.relationship_claims
    nodes = {i: node_claims(n, kept_nodes) for i, n in state.nodes.items()
             if len(n.sources) > 1}
    rels = {k: relationship_claims(r, kept_rels) for k, r in state.relationships.items()
            if len(r.sources) > 1 or k[2] in SHARE_KINDS}
    return find_conflicts(nodes, rels, state.ranks)


# What ``a.properties() == b.properties()`` says, without building two dicts per element.
def _same_node(a: Node, b: Node) -> bool:
    return ((a.kind, a.name, a.description, a.failure_probability, a.min_supply_share,
             a.blockable, a.citation, a.as_of)
            == (b.kind, b.name, b.description, b.failure_probability, b.min_supply_share,
                b.blockable, b.citation, b.as_of)
            and dict(a.attributes) == dict(b.attributes))


def _same_relationship(a: Relationship, b: Relationship) -> bool:
    return ((a.share, a.group, a.min_required, a.role, a.citation, a.as_of)
            == (b.share, b.group, b.min_required, b.role, b.citation, b.as_of)
            and (a.basis, a.share_low, a.share_high, a.buffer_months, a.lead_time_months,
                 a.surge_share)
            == (b.basis, b.share_low, b.share_high, b.buffer_months, b.lead_time_months,
                b.surge_share)
            and dict(a.attributes) == dict(b.attributes))
