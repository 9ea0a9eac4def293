"""Plan an ingest run's writes with *sync* semantics, the same for every store.

A run from source S asserts its whole contribution.  Elements in the batch gain S and take the
batch's properties; elements S asserted before but not now lose S; elements no source asserts
any more are removed, and so are relationships left without an endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graph.codec import Provenance
from graph.model import Batch, Node, Relationship, RelKey

__all__ = ["SyncPlan", "Counts", "Provenance", "plan_sync"]


@dataclass(frozen=True)
class Counts:
    """How many elements (nodes + relationships) a run added, removed and changed."""

    added: int = 0
    removed: int = 0
    changed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed}


@dataclass
class SyncPlan:
    """What to write: new elements, the full new states of stored ones, ids/keys to delete.

    New elements (``insert_*``) are the batch's own records; they are written with
    :attr:`new_provenance` (the run's source and id) instead of their own.  Copying each of
    them into a stamped record would cost more than writing it on runs of 100,000s of rows.
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


def plan_sync(batch: Batch, nodes: Mapping[str, Node],
              relationships: Mapping[RelKey, Relationship], run_id: str) -> SyncPlan:
    """Compare ``batch`` with the store's current ``nodes`` and ``relationships``."""
    source = batch.source
    plan = SyncPlan(new_provenance=((source,), run_id))
    added = changed = 0
    if not nodes:  # nothing stored (a first run): every node is new, nothing to drop
        plan.insert_nodes = list(batch.nodes)
        added += len(plan.insert_nodes)
    incoming_nodes: set[str] = set()
    for node in batch.nodes if nodes else ():
        incoming_nodes.add(node.id)
        old = nodes.get(node.id)
        if old is None:
            added += 1
            plan.insert_nodes.append(node)
            continue
        plan.merged += any(s != source for s in old.sources)
        same = _same_node(old, node)
        changed += not same
        if not same or source not in old.sources:
            plan.upsert_nodes.append(node.with_provenance((*old.sources, source), run_id))
    gone: set[str] = set()
    for node_id, old in nodes.items():
        if source in old.sources and node_id not in incoming_nodes:
            rest = set(old.sources) - {source}
            if rest:
                plan.upsert_nodes.append(old.with_provenance(rest, old.last_run))
            else:
                gone.add(node_id)
    plan.delete_nodes = sorted(gone)

    if not relationships:
        plan.insert_relationships = list(batch.relationships)
        added += len(plan.insert_relationships)
    incoming_rels: set[RelKey] = set()
    for rel in batch.relationships if relationships else ():
        incoming_rels.add(rel.key)
        old_rel = relationships.get(rel.key)
        if old_rel is None:
            added += 1
            plan.insert_relationships.append(rel)
            continue
        same = _same_relationship(old_rel, rel)
        changed += not same
        if not same or source not in old_rel.sources:
            sources = (*old_rel.sources, source)
            plan.upsert_relationships.append(rel.with_provenance(sources, run_id))
    dropped: list[RelKey] = []
    for key, old_rel in relationships.items():
        if key in incoming_rels:
            continue
        dangling = old_rel.from_id in gone or old_rel.to_id in gone
        if source in old_rel.sources or dangling:
            rest = set(old_rel.sources) - {source}
            if rest and not dangling:
                plan.upsert_relationships.append(old_rel.with_provenance(rest, old_rel.last_run))
            else:
                dropped.append(key)
    plan.delete_relationships = sorted(dropped)
    plan.counts = Counts(added=added, removed=len(gone) + len(dropped), changed=changed)
    return plan


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
