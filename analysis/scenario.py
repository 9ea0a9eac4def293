"""What-if scenarios: load the YAML, run it on the capacity semantics, compare.

A scenario file::

    name: Taiwan Strait disruption
    description: optional free text
    disrupt:                       # capacity removed, severity 0–1 (default 1)
      - {country: TW}
      - {supplier: asml, severity: 0.5}
      - {node: hbm3e, severity: 0.3}
    block:                         # flows cut by policy (see analysis.capacity)
      - {from: [US, NL, JP], to: [CN]}
    targets: [cn-automotive]       # optional; default: all industry nodes

Disrupting a country removes what is located there (the country node's availability drops);
a supplier or node loses that part of its own capacity.  When one node is disrupted twice
the larger severity counts.  Errors name the file, the line and the key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

from analysis.capacity import TOLERANCE, Block, CapacityModel
from analysis.coverage import incomplete
from analysis.flows import FlowAvailability, flow_availability
from analysis.regions import region_of
from analysis.semantics import resolve_targets
from graph.errors import InputError, NotFoundError, Problem
from graph.lookup import did_you_mean
from graph.parsing import check_size, compose_yaml

__all__ = [
    "Disruption",
    "Scenario",
    "Driver",
    "TargetImpact",
    "ScenarioResult",
    "ScenarioComparison",
    "load_scenario",
    "parse_scenario",
    "check_scenario",
    "run_scenario",
    "compare",
]

SCOPES = ("country", "supplier", "node")
TOP_KEYS = ("name", "description", "disrupt", "block", "targets")


@dataclass(frozen=True)
class Disruption:
    """Remove ``severity`` of the capacity of a country, a supplier or any node."""

    scope: str
    id: str
    severity: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return {self.scope: self.id, "severity": self.severity}


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario.  ``lines`` maps entries (``"disrupt.0"``, ``"targets"``) to lines."""

    name: str
    disruptions: tuple[Disruption, ...] = ()
    blocks: tuple[Block, ...] = ()
    targets: tuple[str, ...] | None = None
    description: str | None = None
    source: str | None = None
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def disruption_map(self) -> dict[str, float]:
        """Node id → severity (the largest, when a node is named twice)."""
        result: dict[str, float] = {}
        for item in self.disruptions:
            result[item.id] = max(result.get(item.id, 0.0), item.severity)
        return result

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description,
                "disrupt": [d.as_dict() for d in self.disruptions],
                "block": [{"from": sorted(b.from_countries), "to": sorted(b.to_countries)}
                          for b in self.blocks],
                "targets": list(self.targets) if self.targets is not None else None}


# -- loading ----------------------------------------------------------------------------------
def load_scenario(path: str | Path, graph: nx.MultiDiGraph | None = None) -> Scenario:
    """Read a scenario file; with ``graph``, also check every id it names exists."""
    path = Path(path)
    try:
        check_size(path)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise NotFoundError(f"scenario file {path} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(f"cannot read the scenario: {exc}", file=str(path))) from exc
    return parse_scenario(text, source=str(path), graph=graph)


def parse_scenario(text: str, source: str = "<scenario>",
                   graph: nx.MultiDiGraph | None = None) -> Scenario:
    """Parse scenario YAML text (``source`` names it in errors)."""
    root = compose_yaml(text, source)
    reader = _Reader(source)
    scenario = reader.scenario(root, default_name=Path(source).stem)
    if reader.problems:
        raise InputError(reader.problems)
    if graph is not None:
        check_scenario(scenario, graph)
    return scenario


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Turns the composed YAML tree into a :class:`Scenario`, collecting problems."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.lines: dict[str, int] = {}

    def problem(self, node: yaml.Node, key: str | None, message: str) -> None:
        self.problems.append(Problem(message, file=self.source, row=_line(node), column=key))

    def scenario(self, root: yaml.Node | None, default_name: str) -> Scenario:
        if not isinstance(root, yaml.MappingNode):
            where = root if root is not None else yaml.ScalarNode("", "", _start())
            self.problem(where, None, "a scenario is a mapping with keys "
                         + ", ".join(TOP_KEYS))
            return Scenario(default_name)
        fields = self.mapping(root, TOP_KEYS, "")
        name = self.text(fields.get("name")) or default_name
        description = self.text(fields.get("description"))
        disrupt = [self.disruption(n, f"disrupt.{i}")
                   for i, n in enumerate(self.sequence(fields.get("disrupt"), "disrupt"))]
        blocks = [self.block(n, f"block.{i}")
                  for i, n in enumerate(self.sequence(fields.get("block"), "block"))]
        targets = self.ids(fields["targets"], "targets") if "targets" in fields else None
        return Scenario(name, tuple(d for d in disrupt if d), tuple(b for b in blocks if b),
                        tuple(targets) if targets else None, description, self.source,
                        dict(self.lines))

    def mapping(self, node: yaml.MappingNode, allowed: tuple[str, ...],
                where: str) -> dict[str, yaml.Node]:
        fields: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in allowed:
                self.problem(key_node, key, f"unknown key {key!r}{where}; use one of: "
                             + ", ".join(allowed))
            elif key in fields:
                self.problem(key_node, key, f"key {key!r} is given twice")
            else:
                fields[key] = value_node
        return fields

    def text(self, node: yaml.Node | None) -> str | None:
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            self.problem(node, None, "expected a non-empty text")
            return None
        return str(node.value).strip()

    def sequence(self, node: yaml.Node | None, key: str) -> list[yaml.Node]:
        if node is None or (isinstance(node, yaml.ScalarNode) and node.value in ("", "~")):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, key, f"{key!r} must be a list")
            return []
        return list(node.value)

    def ids(self, node: yaml.Node, key: str) -> list[str]:
        self.lines[key] = _line(node)
        items = [node] if isinstance(node, yaml.ScalarNode) else self.sequence(node, key)
        found = []
        for item in items:
            if isinstance(item, yaml.ScalarNode) and str(item.value).strip():
                found.append(str(item.value).strip())
            else:
                self.problem(item, key, f"{key!r} must list node ids")
        return found

    def disruption(self, node: yaml.Node, entry: str) -> Disruption | None:
        self.lines[entry] = _line(node)
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, "disrupt", "each disruption is a mapping such as "
                         "{country: TW, severity: 1.0}")
            return None
        fields = self.mapping(node, (*SCOPES, "severity"), " in a disruption")
        scopes = [s for s in SCOPES if s in fields]
        if len(scopes) != 1:
            self.problem(node, "disrupt", "a disruption names exactly one of: "
                         + ", ".join(SCOPES))
            return None
        target = self.text(fields[scopes[0]])
        severity = self.severity(fields.get("severity"))
        if target is None or severity is None:
            return None
        return Disruption(scopes[0], target, severity)

    def severity(self, node: yaml.Node | None) -> float | None:
        if node is None:
            return 1.0
        try:
            value = float(node.value)
        except (TypeError, ValueError):
            value = float("nan")
        if not 0.0 <= value <= 1.0:
            self.problem(node, "severity",
                         f"severity must be a number from 0 to 1, not {node.value!r}")
            return None
        return value

    def block(self, node: yaml.Node, entry: str) -> Block | None:
        self.lines[entry] = _line(node)
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, "block", "each block is a mapping such as "
                         "{from: [US], to: [CN]}")
            return None
        fields = self.mapping(node, ("from", "to"), " in a block")
        missing = [k for k in ("from", "to") if k not in fields]
        if missing:
            self.problem(node, "block", f"a block needs {' and '.join(missing)!s} "
                         "(lists of country codes)")
            return None
        return Block.of(self.ids(fields["from"], f"{entry}.from"),
                        self.ids(fields["to"], f"{entry}.to"))


def _start() -> yaml.Mark:
    return yaml.Mark("", 0, 0, 0, None, None)


def check_scenario(scenario: Scenario, graph: nx.MultiDiGraph) -> None:
    """Raise :class:`InputError` naming the line of every id the graph does not have."""
    problems: list[Problem] = []

    def need(node_id: str, kind: str | None, entry: str, column: str) -> None:
        actual = graph.nodes[node_id].get("kind") if node_id in graph else None
        if actual is None or (kind is not None and actual != kind):
            what = f"no {kind} with id {node_id!r}" if kind else f"no node with id {node_id!r}"
            names = {n: str(d.get("name") or n) for n, d in graph.nodes(data=True)
                     if kind is None or d.get("kind") == kind}
            hint = did_you_mean(names, [node_id]) + (
                " (country ids are upper-case ISO codes such as TW)" if kind == "country" else "")
            problems.append(Problem(f"{what} in the graph{hint}", file=scenario.source,
                                    row=scenario.lines.get(entry), column=column))

    for i, item in enumerate(scenario.disruptions):
        need(item.id, None if item.scope == "node" else item.scope, f"disrupt.{i}", item.scope)
    for i, block in enumerate(scenario.blocks):
        for side, countries in (("from", block.from_countries), ("to", block.to_countries)):
            for country in sorted(countries):
                need(country, "country", f"block.{i}.{side}", side)
    for target in scenario.targets or ():
        need(target, None, "targets", "targets")
    if problems:
        raise InputError(problems)


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Driver:
    """A node the scenario hits directly that lies on the way of a target's loss.

    ``loss`` is its own capacity loss (``disrupted``) or the largest part of its capacity it
    cannot deliver to a blocked dependent (``blocked``).  Drivers are found by walking from
    the target through nodes whose availability fell, and are ranked by loss, then by how
    many cut flows they account for on that walk, then by id.
    """

    id: str
    name: str
    kind: str
    cause: str
    loss: float

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "cause": self.cause,
                "loss": self.loss}


@dataclass(frozen=True)
class TargetImpact:
    """What a scenario does to one target."""

    id: str
    name: str
    availability: float
    baseline: float
    drivers: tuple[Driver, ...] = ()
    unmodelled: tuple[str, ...] = ()
    """Unmodelled items the target depends on: its result is incomplete."""
    path: tuple[str, ...] = ()
    """From the target through the inputs that bind down to the driver listed first."""

    @property
    def capacity_loss(self) -> float:
        return 1.0 - self.availability

    @property
    def change(self) -> float:
        return self.availability - self.baseline

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "availability": self.availability,
                "capacity_loss": self.capacity_loss, "baseline_availability": self.baseline,
                "change": self.change, "drivers": [d.as_dict() for d in self.drivers],
                "incomplete": bool(self.unmodelled), "unmodelled_inputs": list(self.unmodelled),
                "path": list(self.path)}


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario's impact on every target, in target order."""

    scenario: Scenario
    targets: tuple[TargetImpact, ...]

    @property
    def name(self) -> str:
        return self.scenario.name

    regions: Mapping[str, str] = field(default_factory=dict)
    """Target → region (its headquarters country)."""

    @property
    def mean_capacity_loss(self) -> float:
        return sum(t.capacity_loss for t in self.targets) / len(self.targets) \
            if self.targets else 0.0

    def loss_by_region(self) -> dict[str, tuple[int, float]]:
        """Region → (targets, mean capacity loss), regions with more targets first."""
        grouped: dict[str, list[float]] = {}
        for t in self.targets:
            grouped.setdefault(self.regions.get(t.id, "?"), []).append(t.capacity_loss)
        return {r: (len(v), sum(v) / len(v))
                for r, v in sorted(grouped.items(), key=lambda p: (-len(p[1]), p[0]))}

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.scenario.source,
                "scenario": self.scenario.as_dict(),
                "mean_capacity_loss": self.mean_capacity_loss,
                "by_region": {r: {"targets": n, "mean_capacity_loss": loss}
                              for r, (n, loss) in self.loss_by_region().items()},
                "targets": {t.id: t.as_dict() for t in self.targets}}


@dataclass(frozen=True)
class ScenarioComparison:
    """Two results side by side; ``difference`` is second minus first, per target."""

    first: ScenarioResult
    second: ScenarioResult

    def differences(self) -> dict[str, dict[str, float | None]]:
        a = {t.id: t for t in self.first.targets}
        b = {t.id: t for t in self.second.targets}
        result: dict[str, dict[str, float | None]] = {}
        for target in list(dict.fromkeys([*a, *b])):
            loss_a = a[target].capacity_loss if target in a else None
            loss_b = b[target].capacity_loss if target in b else None
            diff = loss_b - loss_a if loss_a is not None and loss_b is not None else None
            result[target] = {"first_capacity_loss": loss_a, "second_capacity_loss": loss_b,
                              "capacity_loss_difference": diff}
        return result

    def as_dict(self) -> dict[str, Any]:
        return {"first": self.first.as_dict(), "second": self.second.as_dict(),
                "difference": self.differences()}


def compare(first: ScenarioResult, second: ScenarioResult) -> ScenarioComparison:
    """Set two scenario results side by side (differences are second minus first)."""
    return ScenarioComparison(first, second)


# -- running ----------------------------------------------------------------------------------
def run_scenario(graph: nx.MultiDiGraph, scenario: Scenario,
                 model: CapacityModel | None = None, *,
                 gaps: Mapping[str, Sequence[str]] | None = None,
                 default: Sequence[str] | None = None) -> ScenarioResult:
    """Availability and capacity loss of every target under ``scenario``, against the
    baseline, with the directly hit nodes that account for each loss.

    ``gaps``: the unmodelled items each target depends on (:func:`incomplete` on
    ``model``'s supply, for at least the scenario's targets), when the caller keeps them:
    they do not depend on the scenario, and finding them walks every target's cone.
    ``default``: the graph's default targets (for a scenario that names none), when the
    caller keeps them."""
    check_scenario(scenario, graph)
    targets = (list(default) if default is not None and not scenario.targets
               else resolve_targets(graph, scenario.targets))
    model = model or CapacityModel.from_graph(graph)
    baseline = model.availability()
    after = flow_availability(model, scenario.disruption_map(), scenario.blocks)
    if gaps is None:
        gaps = incomplete(graph, targets, model.supply)
    impacts = []
    for t in targets:
        path = _path(model, after, t)
        drivers = _drivers(graph, model, t, after)
        if path:  # the driver the binding path reaches explains the loss: list it first
            drivers = tuple(sorted(drivers, key=lambda d: d.id != path[-1]))
        impacts.append(TargetImpact(t, str(graph.nodes[t].get("name", t)), after[t],
                                    baseline[t], drivers, tuple(gaps.get(t, ())), path))
    return ScenarioResult(scenario, tuple(impacts), {t: region_of(graph, t) for t in targets})


def _path(model: CapacityModel, after: FlowAvailability, target: str) -> tuple[str, ...]:
    """The binding path from the target down to the first node the scenario hit."""
    return tuple(model.ids[i] for i in after.flows.explaining_path(model.index[target]))


def _drivers(graph: nx.MultiDiGraph, model: CapacityModel, target: str,
             after: FlowAvailability) -> tuple[Driver, ...]:
    """Walk from what the target's own sites receive through reduced flows, collecting the
    disrupted nodes and the nodes whose own flows a block cuts."""
    flows = after.flows
    losses: dict[str, dict[str, float]] = {}
    hits: dict[str, int] = {}

    def note(node: int, cause: str, loss: float) -> None:
        if loss > TOLERANCE:
            causes = losses.setdefault(model.ids[node], {})
            causes[cause] = max(causes.get(cause, 0.0), loss)
            hits[model.ids[node]] = hits.get(model.ids[node], 0) + 1

    start = flows.home_states(model.index[target])
    seen, stack = set(start), list(start)
    while stack:
        node, cls = stack.pop()
        if node in flows.d:
            note(node, "disrupted", 1.0 - after.by_index.get(node, 1.0))
        note(node, "blocked", flows.blocked_loss(node, cls))
        for state in flows.inputs_read(node, cls):
            if state not in seen and flows.get(*state) < 1.0 - TOLERANCE:
                seen.add(state)
                stack.append(state)
    drivers = [Driver(node, str(graph.nodes[node].get("name", node)),
                      str(graph.nodes[node].get("kind", "")), "+".join(sorted(causes)),
                      max(causes.values()))
               for node, causes in losses.items()]
    # Among equal losses, what cuts more flows on the way to the target explains more.
    return tuple(sorted(drivers, key=lambda d: (-d.loss, -hits[d.id], d.id)))
