"""Minimal cut sets up to an order, computed bottom-up over the supply structure.

For cones too large for one decision diagram of "target is down" (hundreds of nodes that
may fail, shared by many paths), every node of the cone gets the family of its minimal cut
sets *of at most k nodes* as a ZDD (:mod:`analysis.zdd`), from its inputs' families:

* the node's own failure is the set ``{node}`` (when it may fail);
* a rule that any one up member satisfies fails when every member is down: the join
  ``{A ∪ B ∪ …}`` of the members' families;
* a rule that needs every member fails when any member is down: the union;
* any other threshold rule fails when the down members hold more than ``total - need`` of
  the weight: a dynamic programme over the members (joins and unions), memoised over
  intervals of needed weight as the decision-diagram builder does;

each result reduced to its minimal sets and cut at ``k`` nodes.  This is exact: a union of
at most ``k`` nodes needs each part to have at most ``k``, so the sets above ``k`` never
influence the sets up to ``k``.  Members that never go down are constants and drop out of
their rules before any set is built.  Cycles take the least fixpoint of *down*: their
strongly connected component is iterated from "never down" until the families stop
changing (a family that does not change in one pass never changes again).

The work grows with the number of small cut sets, not with the size of a diagram over
every variable, so cut sets to a small order stay cheap on cones where the diagram of the
whole function does not fit in memory.
"""

from __future__ import annotations

from collections.abc import Collection

from analysis.diagram import DiagramTooLarge, deeper_recursion, weighted_threshold
from analysis.structure import Rule, SupplyStructure
from analysis.zdd import BASE, EMPTY, ZDD

__all__ = ["TruncatedCutSets", "truncated_cut_sets"]


class TruncatedCutSets:
    """The families of every node of a cone, over one ZDD store.

    ``levels`` maps each node that may fail to its ZDD level; ``family[node]`` holds the
    node's minimal cut sets of at most ``order`` nodes.
    """

    def __init__(self, structure: SupplyStructure, variables: list[str], order: int,
                 budget: int | None) -> None:
        self.structure = structure
        self.order = order
        self.budget = budget
        self.zdd = ZDD()
        self.levels = {node: i for i, node in enumerate(variables)}
        self.family: dict[str, int] = {}

    def node(self, node: str) -> int:
        zdd, order = self.zdd, self.order
        level = self.levels.get(node)
        result = EMPTY if level is None or order < 1 else zdd.node(level, EMPTY, BASE)
        for rule in self.structure.rules[node]:
            result = zdd.union(result, self.rule_fails(rule))
        result = zdd.minimal(result)
        if self.budget is not None and zdd.size > self.budget:
            raise DiagramTooLarge(f"the cut-set diagram passed {self.budget:,} nodes at "
                                  f"{node!r}")
        return result

    def rule_fails(self, rule: Rule) -> int:
        zdd, order = self.zdd, self.order
        need, families, weights = rule.need, [], []
        for member, weight in zip(rule.members, rule.weights, strict=True):
            family = self.family.get(member, EMPTY)
            if weight == 0:
                continue
            if family == EMPTY:  # never down: its weight is always there
                need -= weight
            else:
                families.append(family)
                weights.append(weight)
        if need <= 0:
            return EMPTY
        if sum(weights) < need:
            return BASE
        if all(w >= need for w in weights):  # any one up member is enough
            result = BASE
            for family in sorted(families, key=zdd.count):
                result = zdd.minimal(zdd.join(result, family, order))
            return result
        if sum(weights) - min(weights) < need:  # every member is needed
            result = EMPTY
            for family in families:
                result = zdd.union(result, family)
            return zdd.minimal(result)
        return self.threshold(families, weights, sum(weights) - need + 1)

    def threshold(self, families: list[int], weights: list[int], lost: int) -> int:
        """Sets taking down members of at least ``lost`` weight."""
        zdd, order = self.zdd, self.order
        return weighted_threshold(
            families, weights, lost, BASE, EMPTY,
            lambda family, high, low: zdd.minimal(zdd.union(low, zdd.join(family, high, order))))

    def component(self, nodes: list[str]) -> None:
        if len(nodes) == 1 and nodes[0] not in set(self.structure.inputs(nodes[0])):
            self.family[nodes[0]] = self.node(nodes[0])
            return
        for node in nodes:
            self.family[node] = EMPTY
        changed = True
        while changed:
            changed = False
            for node in nodes:
                new = self.node(node)
                if new != self.family[node]:
                    self.family[node], changed = new, True


def truncated_cut_sets(structure: SupplyStructure, target: str, variables: Collection[str],
                       order: int, *, budget: int | None = None) -> TruncatedCutSets:
    """The minimal cut sets of at most ``order`` nodes of every node in ``target``'s cone,
    when only ``variables`` may fail (in that order of ZDD levels); ``family[target]`` is
    the target's.  Raises :class:`DiagramTooLarge` past ``budget`` ZDD nodes."""
    allowed = set(variables) - {target}
    cone = structure.cone([target])
    result = TruncatedCutSets(structure, [n for n in cone if n in allowed], order, budget)
    with deeper_recursion(4 * len(cone) + 100):
        for component in structure.components(cone):
            result.component(component)
    return result


class ConeEvaluator:
    """Whether ``target`` is down for a given set of failed nodes, evaluating its cone only
    (components in dependency order, cycles from "all up" to the greatest fixpoint)."""

    def __init__(self, structure: SupplyStructure, target: str) -> None:
        self.structure = structure
        self.target = target
        self.components = structure.components(structure.cone([target]))

    def is_down(self, failed: Collection[str]) -> bool:
        rules = self.structure.rules
        up: dict[str, bool] = {}
        state = up.__getitem__
        for component in self.components:
            for node in component:
                up[node] = True
            changed = True
            while changed:
                changed = False
                for node in component:
                    new = node not in failed and all(rule.met(state) for rule in rules[node])
                    if new != up[node]:
                        up[node], changed = new, len(component) > 1
        return not up[self.target]


def larger_sets_exist(evaluator: ConeEvaluator, variables: list[str],
                      small: list[tuple[str, ...]], *, steps: int = 2_000) -> bool | None:
    """Whether a minimal cut set larger than every set of ``small`` exists, where ``small``
    are all the minimal cut sets up to some order (``None``: not decided in ``steps``).

    Such a set exists iff some cut set contains no set of ``small`` (its minimal cut
    subsets are then all larger).  The search starts from every variable failed and, while
    the failed set still contains a set of ``small``, repairs one of that set's nodes,
    branching over which one and abandoning a branch once the target stays up (repairing
    more cannot take it down again).
    """
    index = {node: i for i, node in enumerate(variables)}
    masks = sorted({sum(1 << index[n] for n in s) for s in small}, key=int.bit_count)
    everything = (1 << len(variables)) - 1
    budget = [steps]

    def cut(failed: int) -> bool:
        budget[0] -= 1
        return evaluator.is_down({variables[i] for i in range(len(variables))
                                  if failed >> i & 1})

    def search(failed: int) -> bool | None:
        inside = next((m for m in masks if m & failed == m), None)
        if inside is None:
            return True
        # repair first the node that the most still-failed small sets share
        members = [i for i in range(len(variables)) if inside >> i & 1]
        members.sort(key=lambda i: -sum(1 for m in masks if m >> i & 1 and m & failed == m))
        undecided = False
        for i in members:
            if budget[0] <= 0:
                return None
            fewer = failed & ~(1 << i)
            if not cut(fewer):
                continue
            found = search(fewer)
            if found:
                return True
            undecided = undecided or found is None
        return None if undecided else False

    if not variables or not cut(everything):
        return False
    with deeper_recursion(len(variables) + 100):
        return search(everything)
