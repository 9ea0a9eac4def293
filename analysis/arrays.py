"""A supply graph held in arrays, for graphs of millions of relationships.

A :class:`networkx.MultiDiGraph` costs about a kilobyte per relationship; at a million nodes
and four million relationships that is more memory and minutes of building than the
analyses themselves need.  :class:`GraphArrays` keeps one row per node and per relationship
in NumPy arrays (kinds and relationship kinds as small integer codes), and
:func:`spofs_from_arrays` answers the all-target single points of failure from them
directly: each node's rules are compiled with the same code as
:mod:`analysis.structure` (so the semantics are identical) into numbered rules
(:class:`analysis.spof.IndexedRules`), one node at a time, without a per-relationship object.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from analysis.semantics import _normalised, normalise_shares
from analysis.spof import (
    ANY,
    EVERY,
    THRESHOLD,
    IndexedRule,
    IndexedRules,
    dependency_order,
    index_rule,
    spof_sets,
)
from analysis.structure import SHARE_SCALE, _share_rule
from graph.errors import NotFoundError
from graph.model import NodeKind, RelKind

__all__ = ["KINDS", "RELS", "GraphArrays", "indexed_rules", "normalised_shares", "rule_codes",
           "spofs_from_arrays"]

KINDS: tuple[str, ...] = tuple(k.value for k in NodeKind)
RELS: tuple[str, ...] = tuple(r.value for r in RelKind)
_SUPPLIED_BY, _LOCATED_IN = RELS.index("SUPPLIED_BY"), RELS.index("LOCATED_IN")
_REQUIRES, _HQ = RELS.index("REQUIRES"), RELS.index("HEADQUARTERED_IN")


@dataclass
class GraphArrays:
    """Nodes ``0..n-1`` and relationships ``src → dst`` (dependent → what it depends on).

    ``kind`` and ``rel`` are codes into :data:`KINDS` and :data:`RELS`; a missing
    ``share``, ``min_supply_share`` or ``failure_probability`` is NaN, a missing ``group``
    or ``min_required`` is -1 (``group`` codes index ``group_names``).
    """

    ids: list[str]
    kind: np.ndarray
    failure_probability: np.ndarray
    min_supply_share: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    rel: np.ndarray
    share: np.ndarray
    group: np.ndarray
    min_required: np.ndarray
    group_names: list[str]

    @property
    def nodes(self) -> int:
        return len(self.ids)

    @property
    def relationships(self) -> int:
        return len(self.src)

    def save(self, path: Path) -> None:
        """Write the arrays to one ``.npz`` file."""
        np.savez(path, ids=np.array(self.ids), kind=self.kind,
                 failure_probability=self.failure_probability,
                 min_supply_share=self.min_supply_share, src=self.src, dst=self.dst,
                 rel=self.rel, share=self.share, group=self.group,
                 min_required=self.min_required, group_names=np.array(self.group_names))

    @classmethod
    def load(cls, path: Path) -> GraphArrays:
        """Read arrays written by :meth:`save`."""
        with np.load(path) as data:
            return cls(ids=data["ids"].tolist(), kind=data["kind"],
                       failure_probability=data["failure_probability"],
                       min_supply_share=data["min_supply_share"], src=data["src"],
                       dst=data["dst"], rel=data["rel"], share=data["share"],
                       group=data["group"], min_required=data["min_required"],
                       group_names=data["group_names"].tolist())

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph) -> GraphArrays:
        """The arrays of a graph in the format of :func:`graph.networkx_view.to_networkx`
        (relationship kinds other than the four of the model are left out)."""
        ids = list(graph.nodes)
        index = {node: i for i, node in enumerate(ids)}
        names: dict[str, int] = {}
        rows = []
        for u, v, key, data in graph.edges(keys=True, data=True):
            if key not in RELS:
                continue
            group = data.get("group")
            share, needed = data.get("share"), data.get("min_required")
            rows.append((index[u], index[v], RELS.index(key),
                         math.nan if share is None else share,
                         -1 if not group else names.setdefault(group, len(names)),
                         -1 if needed is None else int(needed)))

        def column(i: int, dtype: type) -> np.ndarray:
            return np.array([r[i] for r in rows], dtype=dtype)

        def node_values(name: str) -> np.ndarray:
            values = [graph.nodes[n].get(name) for n in ids]
            return np.array([math.nan if v is None else v for v in values], dtype=np.float64)

        return cls(ids=ids,
                   kind=np.array([KINDS.index(graph.nodes[n]["kind"])
                                  if graph.nodes[n].get("kind") in KINDS else -1 for n in ids],
                                 dtype=np.int8),
                   failure_probability=node_values("failure_probability"),
                   min_supply_share=node_values("min_supply_share"),
                   src=column(0, np.int32), dst=column(1, np.int32), rel=column(2, np.int8),
                   share=column(3, np.float64), group=column(4, np.int32),
                   min_required=column(5, np.int32), group_names=list(names))

    def to_graph(self) -> nx.MultiDiGraph:
        """The same graph as a :class:`networkx.MultiDiGraph` (for small graphs and tests)."""
        graph = nx.MultiDiGraph()
        for i, node in enumerate(self.ids):
            attrs: dict[str, object] = {"kind": KINDS[self.kind[i]] if self.kind[i] >= 0 else ""}
            for name in ("failure_probability", "min_supply_share"):
                value = float(getattr(self, name)[i])
                if not math.isnan(value):
                    attrs[name] = value
            graph.add_node(node, **attrs)
        for u, v, r, s, g, m in zip(self.src.tolist(), self.dst.tolist(), self.rel.tolist(),
                                    self.share.tolist(), self.group.tolist(),
                                    self.min_required.tolist(), strict=True):
            data: dict[str, object] = {}
            if RELS[r] in ("SUPPLIED_BY", "LOCATED_IN"):
                data["share"] = None if math.isnan(s) else s
            elif RELS[r] == "REQUIRES":
                data["group"] = self.group_names[g] if g >= 0 else None
                data["min_required"] = m if m >= 0 else None
            graph.add_edge(self.ids[u], self.ids[v], key=RELS[r], **data)
        return graph

    def industry_nodes(self) -> list[int]:
        """The default targets: every ``industry`` node."""
        return np.flatnonzero(self.kind == KINDS.index("industry")).tolist()


def _rules_one_by_one(arrays: GraphArrays, nodes: list[int]) -> dict[int, list[IndexedRule]]:
    """The rules of ``nodes``, each compiled on its own as :mod:`analysis.structure` does."""
    n = arrays.nodes
    chosen = np.zeros(n, dtype=bool)
    chosen[nodes] = True
    mine = np.flatnonzero(chosen[arrays.src])
    order = mine[np.argsort(arrays.src[mine], kind="stable")]
    starts = np.searchsorted(arrays.src[order], np.arange(n + 1)).tolist()
    dst = arrays.dst[order].tolist()
    rel = arrays.rel[order].tolist()
    share = arrays.share[order].tolist()
    group = arrays.group[order].tolist()
    needed = arrays.min_required[order].tolist()
    ids, names = arrays.ids, arrays.group_names
    threshold = arrays.min_supply_share.tolist()
    index = {ids[d]: d for d in set(dst)}
    # groups named like hard requirements ("requires:<member>") merge with them by name
    reserved = any(name.startswith("requires:") for name in names)
    rules: dict[int, list[IndexedRule]] = {}
    for node in nodes:
        supplied: list[tuple[str, float | None]] = []
        located: list[tuple[str, float | None]] = []
        hard: list[int] = []
        groups: dict[int | str, list[int]] = {}
        group_need: dict[int | str, int] = {}
        hq: list[str] = []
        for e in range(starts[node], starts[node + 1]):
            r, target = rel[e], ids[dst[e]]
            if r == _REQUIRES:
                g = group[e]
                if g < 0 and not reserved:
                    hard.append(dst[e])
                    continue
                # a group by its name; a hard requirement is the group "requires:<member>"
                key: int | str = g if not reserved else names[g] if g >= 0 else \
                    f"requires:{target}"
                groups.setdefault(key, []).append(dst[e])
                if needed[e] >= 0:
                    group_need[key] = max(group_need.get(key, 1), needed[e])
            elif r == _SUPPLIED_BY:
                supplied.append((target, None if share[e] != share[e] else share[e]))
            elif r == _LOCATED_IN:
                located.append((target, None if share[e] != share[e] else share[e]))
            elif r == _HQ:
                hq.append(target)
        if not located and hq:
            located = [(country, None) for country in sorted(hq)]
        # Requirements, as analysis.structure compiles them: k of the group's n members.
        node_rules: list[IndexedRule] = []
        if hard:
            node_rules.append((EVERY, tuple(hard), (1,) * len(hard), 0))
        for key, members in groups.items():
            k = min(group_need.get(key, 1), len(members))
            compiled = index_rule(members, [1] * len(members), k)
            if compiled is not None:
                node_rules.append(compiled)
        t = threshold[node]
        t = 0.0 if t != t else t
        for entries, kind in ((supplied, "supply"), (located, "location")):
            if not entries:
                continue
            if t <= 0:  # one member with a positive weight is enough
                shares, _ = normalise_shares([share for _, share in entries])
                members = [index[m] for (m, _), s in zip(entries, shares, strict=True)
                           if round(s * SHARE_SCALE)]
                if members:
                    node_rules.append((ANY, tuple(members), (1,) * len(members), 0))
                continue
            rule = _share_rule(kind, _normalised(entries)[0], t)
            compiled = index_rule([index[m] for m in rule.members], rule.weights, rule.need)
            if compiled is not None:
                node_rules.append(compiled)
        rules[node] = node_rules
    return rules


_ONES: dict[int, tuple[int, ...]] = {}


def _ones(count: int) -> tuple[int, ...]:
    found = _ONES.get(count)
    if found is None:
        found = _ONES[count] = (1,) * count
    return found


def rule_codes(arrays: GraphArrays) -> tuple[np.ndarray, int]:
    """Each relationship's rule within its node, and the supply code: 0 hard requirements,
    ``1 + g`` group g, the supply code for suppliers, one more for locations (headquarters
    stand in for locations only where a node has none), -1 for none.  A hard requirement
    of ``m`` joins the group named ``requires:<m>`` where there is one, as
    :mod:`analysis.semantics` names it."""
    names = arrays.group_names
    src, rel = arrays.src, arrays.rel
    group = arrays.group.astype(np.int64)
    requires = rel == _REQUIRES
    if any(name.startswith("requires:") for name in names):
        named = {name: g for g, name in enumerate(names)}
        for e in np.flatnonzero(requires & (group < 0)).tolist():
            group[e] = named.get(f"requires:{arrays.ids[arrays.dst[e]]}", -1)
    supply = len(names) + 1
    located = np.zeros(arrays.nodes, dtype=bool)
    located[src[rel == _LOCATED_IN]] = True
    code = np.full(len(src), -1, dtype=np.int64)
    code[requires] = group[requires] + 1
    code[rel == _SUPPLIED_BY] = supply
    code[(rel == _LOCATED_IN) | ((rel == _HQ) & ~located[src])] = supply + 1
    return code, supply


def normalised_shares(share: np.ndarray, rule_of: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Shares (NaN where unlisted) normalised per rule as
    :func:`analysis.semantics.normalise_shares` does: the unlisted split what the listed
    leave, then all are scaled to sum to 1 (equally when they sum to 0).  ``rule_of`` numbers
    each share's rule, ``count`` is each rule's number of shares."""
    rules = len(count)
    listed = ~np.isnan(share)
    coverage = np.bincount(rule_of, weights=np.where(listed, share, 0.0), minlength=rules)
    missing = np.bincount(rule_of, weights=~listed, minlength=rules)
    fill = np.where(missing > 0, np.maximum(0.0, 1.0 - coverage) / np.maximum(missing, 1), 0)
    raw = np.where(listed, share, fill[rule_of])
    total = np.bincount(rule_of, weights=raw, minlength=rules)
    return np.where(total[rule_of] > 0, raw / np.where(total > 0, total, 1)[rule_of],
                    1.0 / count[rule_of])


def indexed_rules(arrays: GraphArrays, *, vectorised: bool = True,
                  merge: bool = True) -> IndexedRules:
    """Every node's rules over node numbers, compiled as :mod:`analysis.structure` does,
    and the dependency order.

    Nodes without a share threshold (almost all) are compiled with whole-array operations:
    hard requirements become one rule every member of which is needed, each named group
    a k-of-n rule, suppliers and locations one rule any member with a positive normalised
    share satisfies.  The others (and every node when ``vectorised`` is false) are compiled
    one by one with the code of :mod:`analysis.structure`.  With ``merge``, a node's rules
    that fail as soon as any member is down are one rule (the same single points of
    failure, fewer rules to walk).
    """
    n, names = arrays.nodes, arrays.group_names
    threshold = np.nan_to_num(arrays.min_supply_share, nan=0.0)
    reserved = any(name.startswith("requires:") for name in names)
    slow = threshold > 0 if vectorised and not reserved else np.ones(n, dtype=bool)
    src, dst = arrays.src.astype(np.int64), arrays.dst.astype(np.int64)
    code, supply_code = rule_codes(arrays)
    location_code = supply_code + 1
    keep = (code >= 0) & ~slow[src]
    src, dst, code = src[keep], dst[keep], code[keep]
    share = arrays.share[keep]
    needed = arrays.min_required[keep].astype(np.int64)
    order = np.lexsort((code, src))
    src, dst, code, share, needed = src[order], dst[order], code[order], share[order], \
        needed[order]
    key = src * (location_code + 1) + code
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1]))) if len(key) \
        else np.zeros(0, dtype=np.int64)
    rule_of = np.cumsum(np.concatenate(([False], key[1:] != key[:-1]))) if len(key) \
        else np.zeros(0, dtype=np.int64)
    count = np.diff(np.append(starts, len(key)))
    normalised = normalised_shares(share, rule_of, count)
    member = (code < supply_code) | (np.round(normalised * SHARE_SCALE) >= 1)
    rule_members = np.bincount(rule_of, weights=member, minlength=len(starts)).astype(np.int64)
    most = np.maximum.reduceat(np.where(needed >= 0, needed, 1), starts) if len(starts) \
        else np.zeros(0, dtype=np.int64)
    rule_code = code[starts]
    k = np.minimum(np.maximum(most, 1), rule_members)
    shape = np.where(rule_code == 0, EVERY,
                     np.where(rule_code >= supply_code, ANY,
                              np.where(k <= 1, ANY, np.where(k >= rule_members, EVERY,
                                                             THRESHOLD))))
    if merge:
        # rules that fail when any member is down (one member, or all needed) act as one
        union = (shape == EVERY) | (rule_members == 1)
        shape = np.where(union, EVERY, shape)
        code = np.where(union[rule_of], 0, code)
    slack = np.where(shape == THRESHOLD, rule_members - k, 0)
    src, dst, code, rule_of = src[member], dst[member], code[member], rule_of[member]
    order = np.lexsort((code, src))
    src, dst, code, rule_of = src[order], dst[order], code[order], rule_of[order]
    key = src * (location_code + 1) + code
    first = np.concatenate(([True], key[1:] != key[:-1])) if len(key) else key.astype(bool)
    bounds = np.append(np.flatnonzero(first), len(key)).tolist()
    heads = rule_of[first]
    members = dst.tolist()
    rules: list[list[IndexedRule]] = [[] for _ in range(n)]
    for owner, kind, room, start, end in zip(src[first].tolist(), shape[heads].tolist(),
                                             slack[heads].tolist(), bounds[:-1], bounds[1:],
                                             strict=True):
        rules[owner].append((kind, tuple(members[start:end]), _ones(end - start), room))
    src_of = src
    slow_nodes = np.flatnonzero(slow).tolist()
    extra_src: list[int] = []
    extra_dst: list[int] = []
    for node, node_rules in _rules_one_by_one(arrays, slow_nodes).items():
        rules[node] = node_rules
        for rule in node_rules:
            extra_src.extend([node] * len(rule[1]))
            extra_dst.extend(rule[1])
    return IndexedRules(rules, dependency_order(
        n, np.concatenate((src_of, np.array(extra_src, dtype=np.int64))),
        np.concatenate((dst, np.array(extra_dst, dtype=np.int64)))))


def spofs_from_arrays(arrays: GraphArrays,
                      targets: Iterable[str] | None = None) -> dict[str, list[str]]:
    """The SPOFs of every target (default: every ``industry`` node), sorted, as
    :func:`analysis.spof.single_points_of_failure` gives them for the same graph."""
    ids = arrays.ids
    if targets is None:
        chosen = sorted(arrays.industry_nodes(), key=ids.__getitem__)
    else:
        index = {node: i for i, node in enumerate(ids)}
        wanted = list(dict.fromkeys(targets))
        missing = [t for t in wanted if t not in index]
        if missing:
            raise NotFoundError(f"unknown target node(s): {', '.join(missing)}")
        chosen = [index[t] for t in wanted]
    sets = spof_sets(indexed_rules(arrays), chosen)
    return {ids[t]: sorted(ids[i] for i in sets[t] if i != t) for t in chosen}
