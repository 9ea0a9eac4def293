"""The Boolean structure function of the supply graph, as integer threshold rules.

Every node is *up* or *down*.  A node is down iff it failed itself or one of its **rules**
is not met.  A rule lists members with integer weights and the weight its up members must
reach:

* **supply** — the node's suppliers, weighted by normalised share; the up suppliers must hold
  at least ``max(min_supply_share, tiny)`` of the capacity, so with ``min_supply_share`` 0 one
  up supplier with a positive share is enough;
* **location** — the same rule over its locations (its headquarters when it has none);
* **requires** — one rule per ``REQUIRES`` group: weight 1 per member, ``min_required`` of
  them needed (a hard requirement is a group of one).

Shares are scaled to integers (:data:`SHARE_SCALE` units of capacity) so that every method —
evaluation, decision diagrams, SPOF propagation — compares the same exact sums.  A threshold
``t`` needs ``round(t * SHARE_SCALE) - n`` units from ``n`` members (at least 1 unit): the
slack of ``n`` units absorbs the rounding of the shares, so ``t = 1`` means "all of them"
and shares below ``1e-9`` count as zero.  A ``min_supply_share`` above 1 is treated as 1.

Cycles are resolved as the greatest fixpoint of *up*: starting from everything up, nodes go
down only when their own failure or a rule forces it, so a cycle alone never takes anything
down.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from analysis.semantics import NodeSupply, SupplyModel, build_supply_model
from graph.errors import NotFoundError

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "SHARE_SCALE",
    "Rule",
    "SupplyStructure",
    "compile_structure",
    "node_rules",
]

SHARE_SCALE = 10**9


@dataclass(frozen=True)
class Rule:
    """The up members' weights must sum to at least ``need``, or the owner goes down."""

    kind: str
    members: tuple[str, ...]
    weights: tuple[int, ...]
    need: int

    @property
    def total(self) -> int:
        return sum(self.weights)

    def met(self, is_up: Callable[[str], bool]) -> bool:
        """Whether the rule holds when ``is_up`` says which members are up."""
        reached = 0
        for member, weight in zip(self.members, self.weights, strict=True):
            if weight and is_up(member):
                reached += weight
                if reached >= self.need:
                    return True
        return False

    def is_or_of_members(self) -> bool:
        """True when any one member with a positive weight keeps the rule met."""
        return all(w >= self.need for w in self.weights if w)

    def is_and_of_members(self) -> bool:
        """True when every member with a positive weight must be up."""
        return self.total - min((w for w in self.weights if w), default=0) < self.need


def _share_rule(kind: str, entries: tuple[tuple[str, float], ...],
                threshold: float) -> Rule:
    members = tuple(member for member, _ in entries)
    weights = tuple(round(share * SHARE_SCALE) for _, share in entries)
    need = max(1, round(min(threshold, 1.0) * SHARE_SCALE) - len(entries))
    return Rule(kind, members, weights, min(need, max(sum(weights), 1)))


def _held_share_rule(kind: str, entries: tuple[tuple[str, float], ...], threshold: float,
                     held: tuple[tuple[str, float], ...]) -> Rule | None:
    """The rule over ``entries`` and ``held`` with the held ones always up: they leave the
    rule and lower its need (no rule when they meet it on their own)."""
    if not held:
        return _share_rule(kind, entries, threshold)
    rule = _share_rule(kind, (*entries, *held), threshold)
    held_weight = sum(rule.weights[len(entries):])
    if rule.need - held_weight <= 0:
        return None
    return Rule(kind, rule.members[:len(entries)], rule.weights[:len(entries)],
                rule.need - held_weight)


def node_rules(node: NodeSupply) -> tuple[Rule, ...]:
    """The rules of one node: its groups, then its supply and location rules."""
    rules: list[Rule | None] = [
        Rule(f"requires:{g.name}", g.members, (1,) * len(g.members), g.min_required)
        for g in node.groups]
    if node.suppliers or node.held_suppliers:
        rules.append(_held_share_rule("supply", node.suppliers, node.min_supply_share,
                                      node.held_suppliers))
    if node.locations or node.held_locations:
        rules.append(_held_share_rule("location", node.locations, node.min_supply_share,
                                      node.held_locations))
    return tuple(rule for rule in rules if rule is not None)


@dataclass(frozen=True)
class SupplyStructure:
    """The compiled structure function: the rules of every node, keyed by node id.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["car", "chip", "a", "b"], kind="component")
    >>> _ = g.add_edges_from([("car", "chip", "REQUIRES", {}), ("chip", "a", "SUPPLIED_BY", {}),
    ...     ("chip", "b", "SUPPLIED_BY", {})])
    >>> s = compile_structure(g)
    >>> s.is_down("car", {"a"}), s.is_down("car", {"a", "b"})
    (False, True)
    """

    rules: dict[str, tuple[Rule, ...]]
    model: SupplyModel

    def inputs(self, node: str) -> Iterator[str]:
        """The nodes ``node``'s rules name, in rule order (repeats possible)."""
        for rule in self.rules[node]:
            yield from rule.members

    def cone(self, targets: Iterable[str]) -> list[str]:
        """Every node the targets' states depend on (targets included), depth-first
        in first-appearance order from the targets."""
        seen: dict[str, None] = {}
        for target in targets:
            self._check(target)
            stack = [target]
            while stack:
                node = stack.pop()
                if node in seen:
                    continue
                seen[node] = None
                stack.extend(reversed([m for m in self.inputs(node) if m not in seen]))
        return list(seen)

    def components(self, nodes: Collection[str]) -> list[list[str]]:
        """Strongly connected components of ``nodes``, inputs before their dependents.

        Tarjan's algorithm, iterative: it closes a component only after every component
        it reads from, which is the order wanted.
        """
        position = {n: i for i, n in enumerate(nodes)}
        inputs = {n: list(dict.fromkeys(m for m in self.inputs(n) if m in position))
                  for n in nodes}
        number: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        found: list[list[str]] = []
        for root in nodes:
            if root in number:
                continue
            work = [(root, 0)]
            while work:
                node, edge = work.pop()
                if edge == 0:
                    number[node] = low[node] = len(number)
                    stack.append(node)
                    on_stack.add(node)
                reads = inputs[node]
                while edge < len(reads) and reads[edge] in number:
                    if reads[edge] in on_stack:
                        low[node] = min(low[node], number[reads[edge]])
                    edge += 1
                if edge < len(reads):
                    work.append((node, edge + 1))
                    work.append((reads[edge], 0))
                    continue
                if low[node] == number[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    found.append(sorted(component, key=position.__getitem__))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
        return found

    @cached_property
    def dependents(self) -> dict[str, set[str]]:
        """For each node, the nodes whose rules name it."""
        return self.model.dependents()

    def down_nodes(self, failed: Iterable[str]) -> set[str]:
        """Every node that is down when exactly ``failed`` have failed themselves."""
        down = {f for f in failed if f in self.rules}
        dependents = self.dependents
        queue = deque(d for f in down for d in dependents.get(f, ()))
        while queue:
            node = queue.popleft()
            if node in down:
                continue
            if not all(rule.met(lambda m: m not in down) for rule in self.rules[node]):
                down.add(node)
                queue.extend(d for d in dependents.get(node, ()) if d not in down)
        return down

    def is_down(self, target: str, failed: Iterable[str]) -> bool:
        """Whether ``target`` is down when exactly ``failed`` have failed themselves."""
        self._check(target)
        return target in self.down_nodes(failed)

    def _check(self, node: str) -> None:
        if node not in self.rules:
            raise NotFoundError(f"unknown node {node!r}")


def compile_structure(graph: nx.MultiDiGraph | SupplyModel) -> SupplyStructure:
    """Compile a supply graph (or its :class:`SupplyModel`) into threshold rules."""
    model = graph if isinstance(graph, SupplyModel) else build_supply_model(graph)
    return SupplyStructure({n: node_rules(s) for n, s in model.nodes.items()}, model)
