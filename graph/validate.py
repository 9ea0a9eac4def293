"""Checks on a whole batch that no single row can see.

Row-level checks (kinds, numbers, dates) belong to the readers; these are the cross-row rules:
duplicate ids, relationships to unknown nodes, listed shares summing above one, and
``REQUIRES`` groups whose ``min_required`` is larger than the group or inconsistent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from graph.errors import InputError, Problem
from graph.model import _ID as _SLUG
from graph.model import BASES, Batch, Node, NodeKind, Relationship, RelKind, is_valid_id

__all__ = ["SHARE_TOLERANCE", "validate_batch", "batch_problems", "problem_at"]

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


def problem_at(origin: str | None, column: str | None, message: str) -> Problem:
    """A problem found at a record's ``origin`` (``file:row``, or a file or URL)."""
    where = _where(origin, column)
    return Problem(message, where.file, where.row, where.column)



# The loops below run once per row of batches of 100,000s of rows: they read each field once
# into a local, and build messages only for rows that have a problem.
def _node_problems(nodes: list[Node], problems: list[Problem]) -> set[str]:
    first_seen: dict[str, str | None] = {}
    slug = _SLUG.match
    country = NodeKind.COUNTRY
    for node in nodes:
        node_id, origin, kind = node.id, node.origin, node.kind
        if node_id in first_seen:
            seen = first_seen[node_id] or "earlier"
            problems.append(problem_at(origin, "id", f"duplicate id {node_id!r} (first at "
                                     f"{seen}); give each node its own id"))
            continue
        first_seen[node_id] = origin
        # Fast check first (what is_valid_id does for non-country kinds), exact one if it fails.
        if ((kind is country or len(node_id) > 200 or slug(node_id) is None)
                and not is_valid_id(node_id, kind)):
            hint = ("an upper-case ISO 3166-1 alpha-2 code such as TW" if kind
                    is country else "a lower-case slug such as nvidia-h100")
            problems.append(problem_at(origin, "id", f"invalid id {node_id!r}; use {hint}"))
        if not node.name.strip():
            problems.append(problem_at(origin, "name", f"node {node_id!r} has an empty name"))
        probability = node.failure_probability
        if not 0.0 <= probability <= 1.0:
            problems.append(problem_at(origin, "failure_probability",
                                     f"{probability} is outside 0–1"))
        share = node.min_supply_share
        if share is not None and not 0.0 <= share <= 1.0:
            problems.append(problem_at(origin, "min_supply_share", f"{share} is outside 0–1"))
    return set(first_seen)


def _relationship_problems(rels: list[Relationship], known: set[str],
                           problems: list[Problem]) -> None:
    # Whole-list checks in C (sets, comprehensions) find a clean batch, the usual case, several
    # times faster than looking at one row at a time; only a batch that fails one of them is
    # walked row by row, to say which rows are wrong and why.
    froms = [r.from_id for r in rels]
    tos = [r.to_id for r in rels]
    minimums = {m for r in rels if (m := r.min_required) is not None}
    clean = (len(set(zip(froms, tos, [r.kind for r in rels], strict=True))) == len(rels)
             and known.issuperset(froms) and known.issuperset(tos)
             and all(0.0 <= s <= 1.0 for r in rels if (s := r.share) is not None)
             and (not minimums or min(minimums) >= 1))
    _whole_batch_problems(rels if clean else _row_problems(rels, known, problems), problems)
    for rel in rels:
        if (rel.basis is not None or rel.share_low is not None or rel.share_high is not None
                or rel.buffer_months is not None or rel.lead_time_months is not None
                or rel.surge_share is not None):
            for column, message in time_trust_problems(rel):
                problems.append(problem_at(rel.origin, column, message))


MAX_MONTHS = 1200.0
"""The longest buffer or lead time accepted: a century, far past any horizon asked about."""
_LEAD_KINDS = (RelKind.REQUIRES, RelKind.SUPPLIED_BY, RelKind.LOCATED_IN)


def time_trust_problems(rel: Relationship) -> list[tuple[str, str]]:
    """(column, message) for each time or trust field of ``rel`` that breaks its rule
    (DESIGN §4.6, §4.7); empty when all are fine.

    >>> from graph.model import Relationship, RelKind
    >>> time_trust_problems(Relationship("a", "s", RelKind.SUPPLIED_BY, share=0.5,
    ...                                  surge_share=0.3))
    [('surge_share', 'surge_share 0.3 is below the share 0.5; a surge can only add')]
    """
    found: list[tuple[str, str]] = []
    kind, share = rel.kind, rel.share
    arrow = f"{rel.from_id} -[{kind.value}]-> {rel.to_id}"
    if rel.basis is not None and rel.basis not in BASES:
        found.append(("basis", f"basis {rel.basis!r} is not one of {', '.join(BASES)}"))
    for column in ("share_low", "share_high", "surge_share"):
        value = getattr(rel, column)
        if value is not None and not 0.0 <= value <= 1.0:
            found.append((column, f"{column} {value} is outside 0–1 (write 0.6, not 60)"))
    low, high = rel.share_low, rel.share_high
    if (low is not None or high is not None) and kind not in _SHARED_KINDS:
        found.append(("share_low" if low is not None else "share_high",
                      f"a share range is only for SUPPLIED_BY and LOCATED_IN, not {arrow}"))
    if low is not None and high is not None and low > high:
        found.append(("share_low", f"share_low {low} is above share_high {high}"))
    if share is not None and low is not None and share < low:
        found.append(("share_low", f"share {share} is below share_low {low}"))
    if share is not None and high is not None and share > high:
        found.append(("share_high", f"share {share} is above share_high {high}"))
    for column in ("buffer_months", "lead_time_months"):
        value = getattr(rel, column)
        if value is not None and not 0.0 <= value <= MAX_MONTHS:
            found.append((column, f"{column} {value} is outside 0–{MAX_MONTHS:g} months"))
    if rel.lead_time_months is not None and kind not in _LEAD_KINDS:
        found.append(("lead_time_months", "lead_time_months is only for REQUIRES, SUPPLIED_BY "
                      f"and LOCATED_IN, not {arrow}"))
    surge = rel.surge_share
    if surge is not None:
        if kind is not RelKind.SUPPLIED_BY:
            found.append(("surge_share", f"surge_share is only for SUPPLIED_BY, not {arrow}"))
        elif share is not None and surge < share:
            found.append(("surge_share", f"surge_share {surge} is below the share {share}; a "
                          "surge can only add"))
    return found


_SHARED_KINDS = (RelKind.SUPPLIED_BY, RelKind.LOCATED_IN)
"""Relationship kinds whose listed shares of one item must not sum above 1."""


def _row_problems(rels: list[Relationship], known: set[str],
                  problems: list[Problem]) -> list[Relationship]:
    """Each row's own problems; returns the rows that are not repeats of an earlier one."""
    seen: set[tuple[str, str, str]] = set()
    seen_add = seen.add
    kept: list[Relationship] = []
    for rel in rels:
        from_id, to_id, kind = rel.from_id, rel.to_id, rel.kind
        key = (from_id, to_id, kind)
        if key in seen:
            problems.append(problem_at(rel.origin, None, f"duplicate relationship {from_id} "
                                     f"-[{kind.value}]-> {to_id}; list it once"))
            continue
        seen_add(key)
        kept.append(rel)
        if from_id not in known:
            problems.append(problem_at(rel.origin, "from", f"unknown node {from_id!r}; add it to "
                                     "the nodes or fix the id"))
        if to_id not in known:
            problems.append(problem_at(rel.origin, "to", f"unknown node {to_id!r}; add it to "
                                     "the nodes or fix the id"))
        share = rel.share
        if share is not None and not 0.0 <= share <= 1.0:
            problems.append(problem_at(rel.origin, "share", f"share {share} is outside "
                                     "0–1 (write 0.6, not 60)"))
        min_required = rel.min_required
        if min_required is not None and min_required < 1:
            problems.append(problem_at(rel.origin, "min_required",
                                     f"min_required {min_required} must be at least 1"))
    return kept


def _whole_batch_problems(rels: list[Relationship], problems: list[Problem]) -> None:
    """Listed shares of one item summing above 1 (shares outside 0–1 are left out of the
    sums: their rows have a problem of their own), and inconsistent ``REQUIRES`` groups."""
    share_sums: dict[tuple[str, RelKind], float] = {}
    first_origin: dict[tuple[str, RelKind], str | None] = {}
    groups: dict[tuple[str, str], list[Relationship]] = defaultdict(list)
    requires = RelKind.REQUIRES
    for rel in rels:
        share, kind = rel.share, rel.kind
        if share is not None and kind in _SHARED_KINDS and 0.0 <= share <= 1.0:
            item = (rel.from_id, kind)
            if item in share_sums:
                share_sums[item] += share
            else:
                share_sums[item] = share
                first_origin[item] = rel.origin
        if kind is requires and rel.group:
            groups[(rel.from_id, rel.group)].append(rel)
    for (item_id, share_kind), total in share_sums.items():
        if total > 1.0 + SHARE_TOLERANCE:
            problems.append(problem_at(first_origin[(item_id, share_kind)], "share",
                                     f"listed {share_kind.value} shares of {item_id!r} sum to "
                                     f"{total:.3f}, above 1; correct them so they sum to 1 or "
                                     "less"))
    _group_problems(groups, problems)


def _group_problems(groups: dict[tuple[str, str], list[Relationship]],
                    problems: list[Problem]) -> None:
    for (item, group), members in groups.items():
        stated = {r.min_required for r in members if r.min_required is not None}
        if len(stated) > 1:
            problems.append(problem_at(members[0].origin, "min_required",
                                     f"group {group!r} of {item!r} has inconsistent min_required "
                                     f"{sorted(stated)}; give every member the same value"))
        elif stated and max(stated) > len(members):
            problems.append(problem_at(members[0].origin, "min_required",
                                     f"group {group!r} of {item!r} needs {max(stated)} but has "
                                     f"only {len(members)} member(s)"))
