"""Checks on a planned ingest run against the stored graph, before anything is written: no
relationship may be left pointing at an absent node, and a node's kind changes only when
every source asserting it agrees.  The same for every store (it runs on the plan)."""

from __future__ import annotations

from collections.abc import Mapping

from graph.errors import InputError, Problem
from graph.model import Batch, Node
from graph.sync import SyncPlan
from graph.validate import problem_at

__all__ = ["check_plan"]


def check_plan(batch: Batch, nodes: Mapping[str, Node], plan: SyncPlan) -> None:
    """Raise :class:`InputError` naming every relationship of ``batch`` that would point at a
    node the run removes, and every node of ``batch`` whose kind differs from the kind other
    sources assert for it."""
    problems = _kind_changes(batch, nodes) + _dangling(batch, plan)
    if problems:
        raise InputError(problems)


def _kind_changes(batch: Batch, nodes: Mapping[str, Node]) -> list[Problem]:
    problems = []
    for node in batch.nodes:
        old = nodes.get(node.id)
        if old is None or old.kind is node.kind:
            continue
        others = sorted(s for s in old.sources if s != batch.source)
        if others:
            problems.append(problem_at(
                node.origin, "kind", f"node {node.id!r} is a {old.kind.value} for source(s) "
                f"{', '.join(others)}, not a {node.kind.value}; a node's kind changes only "
                "when every source asserting it agrees (use another id, or change it there "
                "too)"))
    return problems


def _dangling(batch: Batch, plan: SyncPlan) -> list[Problem]:
    if not plan.delete_nodes:
        return []
    removed = set(plan.delete_nodes)
    problems = []
    for rel in batch.relationships:
        for end, column in ((rel.from_id, "from"), (rel.to_id, "to")):
            if end in removed:
                problems.append(problem_at(
                    rel.origin, column, f"relationship {rel.from_id} -[{rel.kind.value}]-> "
                    f"{rel.to_id} points at node {end!r}, which this run no longer lists and "
                    "no other source asserts; list the node again or drop the relationship"))
    return problems
