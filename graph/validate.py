"""Checks on a whole batch that no single row can see.

Row-level checks (kinds, numbers, dates) belong to the readers; these are the cross-row rules:
duplicate ids, relationships to unknown nodes, listed shares summing above one, and
``REQUIRES`` groups whose ``min_required`` is larger than the group or inconsistent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from graph.errors import InputError, Problem
from graph.model import Batch, Node, NodeKind, Relationship, RelKind, is_valid_id

__all__ = ["SHARE_TOLERANCE", "validate_batch", "batch_problems"]

SHARE_TOLERANCE = 0.02
"""How far listed shares of one item may sum above 1 (rounding in published tables)."""


def validate_batch(batch: Batch, known_ids: Iterable[str] = ()) -> None:
    """Raise :class:`InputError` listing every problem in ``batch``; return quietly if none.

    ``known_ids`` are nodes already in the store that relationships may point at.
    """
    problems = batch_problems(batch, known_ids)
    if problems:
        raise InputError(problems)


def batch_problems(batch: Batch, known_ids: Iterable[str] = ()) -> list[Problem]:
    problems: list[Problem] = []
    ids = _node_problems(batch.nodes, problems)
    known = ids | set(known_ids)
    _relationship_problems(batch.relationships, known, problems)
    return problems


def _where(origin: str | None, column: str | None = None) -> Problem:
    file, row = None, None
    if origin:
        file, _, rest = origin.rpartition(":")
        if rest.isdigit() and file:
            row = int(rest)
        else:
            file = origin
    return Problem("", file, row, column)


def _problem(origin: str | None, column: str | None, message: str) -> Problem:
    where = _where(origin, column)
    return Problem(message, where.file, where.row, where.column)


def _node_problems(nodes: list[Node], problems: list[Problem]) -> set[str]:
    first_seen: dict[str, str | None] = {}
    for node in nodes:
        if node.id in first_seen:
            seen = first_seen[node.id] or "earlier"
            problems.append(_problem(node.origin, "id", f"duplicate id {node.id!r} (first at "
                                     f"{seen}); give each node its own id"))
            continue
        first_seen[node.id] = node.origin
        if not is_valid_id(node.id, node.kind):
            hint = ("an upper-case ISO 3166-1 alpha-2 code such as TW" if node.kind
                    is NodeKind.COUNTRY else "a lower-case slug such as nvidia-h100")
            problems.append(_problem(node.origin, "id", f"invalid id {node.id!r}; use {hint}"))
        if not node.name.strip():
            problems.append(_problem(node.origin, "name", f"node {node.id!r} has an empty name"))
        if not 0.0 <= node.failure_probability <= 1.0:
            problems.append(_problem(node.origin, "failure_probability",
                                     f"{node.failure_probability} is outside 0–1"))
        if node.min_supply_share is not None and not 0.0 <= node.min_supply_share <= 1.0:
            problems.append(_problem(node.origin, "min_supply_share",
                                     f"{node.min_supply_share} is outside 0–1"))
    return set(first_seen)


def _relationship_problems(rels: list[Relationship], known: set[str],
                           problems: list[Problem]) -> None:
    seen: set[tuple[str, str, str]] = set()
    share_sums: dict[tuple[str, RelKind], float] = defaultdict(float)
    share_origin: dict[tuple[str, RelKind], str | None] = {}
    groups: dict[tuple[str, str], list[Relationship]] = defaultdict(list)
    for rel in rels:
        if rel.key in seen:
            problems.append(_problem(rel.origin, None, f"duplicate relationship {rel.from_id} "
                                     f"-[{rel.kind.value}]-> {rel.to_id}; list it once"))
            continue
        seen.add(rel.key)
        for column, end in (("from", rel.from_id), ("to", rel.to_id)):
            if end not in known:
                problems.append(_problem(rel.origin, column, f"unknown node {end!r}; add it to "
                                         "the nodes or fix the id"))
        if rel.share is not None:
            if not 0.0 <= rel.share <= 1.0:
                problems.append(_problem(rel.origin, "share", f"share {rel.share} is outside "
                                         "0–1 (write 0.6, not 60)"))
            elif rel.kind in (RelKind.SUPPLIED_BY, RelKind.LOCATED_IN):
                share_sums[(rel.from_id, rel.kind)] += rel.share
                share_origin.setdefault((rel.from_id, rel.kind), rel.origin)
        if rel.min_required is not None and rel.min_required < 1:
            problems.append(_problem(rel.origin, "min_required",
                                     f"min_required {rel.min_required} must be at least 1"))
        if rel.kind is RelKind.REQUIRES and rel.group:
            groups[(rel.from_id, rel.group)].append(rel)
    for (item, kind), total in share_sums.items():
        if total > 1.0 + SHARE_TOLERANCE:
            problems.append(_problem(share_origin[(item, kind)], "share",
                                     f"listed {kind.value} shares of {item!r} sum to "
                                     f"{total:.3f}, above 1; correct them so they sum to 1 or "
                                     "less"))
    _group_problems(groups, problems)


def _group_problems(groups: dict[tuple[str, str], list[Relationship]],
                    problems: list[Problem]) -> None:
    for (item, group), members in groups.items():
        stated = {r.min_required for r in members if r.min_required is not None}
        if len(stated) > 1:
            problems.append(_problem(members[0].origin, "min_required",
                                     f"group {group!r} of {item!r} has inconsistent min_required "
                                     f"{sorted(stated)}; give every member the same value"))
        elif stated and max(stated) > len(members):
            problems.append(_problem(members[0].origin, "min_required",
                                     f"group {group!r} of {item!r} needs {max(stated)} but has "
                                     f"only {len(members)} member(s)"))
