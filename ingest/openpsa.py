"""Reader for Open-PSA Model Exchange Format fault trees (the XML that SCRAM and XFTA read).

A coherent fault tree maps onto the supply semantics directly, since a gate is *down* when
its formula is true:

* a **basic event** becomes a ``component`` node whose ``failure_probability`` is the event's
  probability (``<float>``, ``<int>``, or a ``<parameter>`` defined as one of them);
* a **gate** becomes an ``industry`` node — so the gates are the default targets and
  ``--fail-kinds component`` leaves only the basic events free to fail, as in the fault
  tree — that ``REQUIRES`` its inputs: ``or`` (down when any input is down) as one hard
  requirement per input, ``and`` (down when all are) as one group needing one up member,
  ``atleast min=k`` over ``n`` inputs as one group needing ``n - k + 1`` up members;
* a formula nested inside a gate becomes a gate of its own, ``<gate id>.<n>``.

Ids are the lower-cased names with characters outside ``a-z 0-9 . _ : / + -`` turned into
``-``; the original name is the node's name.  An ``chokepoint-id`` / ``chokepoint-name``
attribute (written by ``chokepoint export --format openpsa``) gives the id and name back.
Non-coherent or dynamic parts (``not``, ``xor``, house events, common-cause groups, event
trees, substitutions, probability expressions other than constants) are refused with the
file and line; several files may together form one model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from graph.errors import InputError, Problem
from graph.model import Batch, NodeKind, RelKind, is_valid_id
from ingest.builder import BatchBuilder
from ingest.registry import register
from ingest.safe_xml import Element, parse_xml

__all__ = ["read_openpsa", "read_openpsa_files", "openpsa_id", "GATE_KIND", "EVENT_KIND",
           "ID_ATTRIBUTE", "NAME_ATTRIBUTE"]

GATE_KIND = NodeKind.INDUSTRY
EVENT_KIND = NodeKind.COMPONENT
ID_ATTRIBUTE = "chokepoint-id"
NAME_ATTRIBUTE = "chokepoint-name"
CONNECTIVES = ("or", "and", "atleast")
REFERENCES = ("event", "gate", "basic-event")
CONTAINERS = ("define-fault-tree", "define-component", "model-data")
IGNORED = ("label", "attributes", "define-parameter")
REFUSED_HINT = ("chokepoint reads coherent fault trees: gates with or, and, atleast, and basic "
                "events with constant probabilities")
_NOT_ID = re.compile(r"[^a-z0-9._:/+-]")


def openpsa_id(name: str) -> str:
    """The node id of an Open-PSA name.

    >>> openpsa_id("Gen Fail#2")
    'gen-fail-2'
    """
    return _NOT_ID.sub("-", name.strip().lower()).lstrip("._:/+-")


@dataclass
class _Gate:
    name: str
    formula: Element
    element: Element


@dataclass
class _Model:
    gates: dict[str, _Gate] = field(default_factory=dict)
    events: dict[str, tuple[Element, float | None]] = field(default_factory=dict)
    parameters: dict[str, Element] = field(default_factory=dict)
    where: dict[str, Element] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@register("openpsa", "Open-PSA MEF XML fault trees (SCRAM, XFTA): gates and/or/atleast become "
                     "industry nodes, basic events component nodes with their probability")
def read_openpsa(path: Path, *, source: str) -> Batch:
    """Read one Open-PSA MEF file; see :func:`read_openpsa_files`."""
    return read_openpsa_files([path], source=source)


def read_openpsa_files(paths: Sequence[Path], *, source: str) -> Batch:
    """Read the Open-PSA MEF files that together form one model into one batch."""
    model = _Model()
    for path in paths:
        _collect(parse_xml(Path(path)), model)
    _resolve_parameters(model)
    files = ", ".join(Path(p).name for p in paths)
    builder = BatchBuilder(source, citation=f"Open-PSA MEF model {files}",
                           origin=", ".join(str(p) for p in paths))
    _add_events(model, builder)
    for gate in model.gates.values():
        _add_gate(model, builder, gate.name, gate.formula, gate.element)
    if not model.problems:
        _check_acyclic(builder, model)
    if model.problems:
        raise InputError(model.problems)
    _mark_tops(builder)
    return builder.build()


def _collect(root: Element, model: _Model) -> None:
    if root.tag != "opsa-mef":
        raise InputError(root.problem(f"the root element is <{root.tag}>, not <opsa-mef>; is "
                                      "this an Open-PSA MEF file?"))
    for element in _definitions(root, model):
        name = element.attributes.get("name", "").strip()
        if not name:
            model.problems.append(element.problem(f"<{element.tag}> has no name"))
        elif element.tag == "define-parameter":
            model.parameters[name] = element
        elif _claim(model, name, element):
            if element.tag == "define-gate":
                formulas = [c for c in element.children if c.tag not in IGNORED]
                if len(formulas) != 1:
                    model.problems.append(element.problem(
                        f"gate {name!r} needs exactly one formula, found {len(formulas)}"))
                else:
                    model.gates[name] = _Gate(name, formulas[0], element)
            else:
                model.events[name] = (element, None)


def _definitions(container: Element, model: _Model) -> Iterator[Element]:
    for element in container.children:
        if element.tag in CONTAINERS:
            yield from _definitions(element, model)
        elif element.tag in ("define-gate", "define-basic-event", "define-parameter"):
            yield element
        elif element.tag not in IGNORED:
            model.problems.append(element.problem(f"<{element.tag}> is not supported; "
                                                  f"{REFUSED_HINT}"))


def _claim(model: _Model, name: str, element: Element) -> bool:
    """Record the id of ``name``; a duplicate name or id is a problem."""
    if name in model.where:
        model.problems.append(element.problem(
            f"{name!r} is defined twice (first at {model.where[name].origin}); names must be "
            "unique"))
        return False
    node_id = _attribute(element, ID_ATTRIBUTE) or openpsa_id(name)
    clash = model.names.get(node_id)
    if clash is not None or not is_valid_id(node_id):
        reason = f"names {clash!r} and {name!r} both become id {node_id!r}" if clash else \
            f"{name!r} gives no usable id ({node_id!r})"
        model.problems.append(element.problem(f"{reason}; rename one"))
        return False
    model.where[name] = element
    model.ids[name] = node_id
    model.names[node_id] = name
    return True


def _attribute(element: Element, key: str) -> str | None:
    for block in (c for c in element.children if c.tag == "attributes"):
        for item in block.children:
            if item.attributes.get("name") == key:
                return item.attributes.get("value", "").strip() or None
    return None


def _label(element: Element) -> str | None:
    labels = [c.text.strip() for c in element.children if c.tag == "label"]
    return " ".join(label for label in labels if label) or None


def _resolve_parameters(model: _Model) -> None:
    for name, (element, _) in list(model.events.items()):
        expressions = [c for c in element.children if c.tag not in IGNORED]
        if len(expressions) > 1:
            model.problems.append(element.problem(f"basic event {name!r} has more than one "
                                                  "probability expression"))
        elif expressions:
            model.events[name] = (element, _constant(expressions[0], model, set()))


def _constant(expression: Element, model: _Model, seen: set[str]) -> float | None:
    if expression.tag in ("float", "int"):
        try:
            value = float(expression.attributes.get("value", ""))
        except ValueError:
            value = -1.0
        if not 0.0 <= value <= 1.0:
            model.problems.append(expression.problem(
                f"probability {expression.attributes.get('value')!r} is not a number in 0–1"))
            return None
        return value
    name = expression.attributes.get("name", "")
    if expression.tag == "parameter" and name in model.parameters and name not in seen:
        inner = [c for c in model.parameters[name].children if c.tag not in IGNORED]
        if len(inner) == 1:
            return _constant(inner[0], model, seen | {name})
    model.problems.append(expression.problem(
        f"probability expression <{expression.tag}> is not supported (only constants); give "
        "the basic event a <float value=\"...\"/>"))
    return None


def _add_events(model: _Model, builder: BatchBuilder) -> None:
    without = []
    for name, (element, probability) in model.events.items():
        builder.node(model.ids[name], EVENT_KIND, _attribute(element, NAME_ATTRIBUTE) or name,
                     description=_label(element), origin=element.origin,
                     failure_probability=probability or 0.0,
                     attributes={"openpsa": "basic-event"})
        if probability is None:
            without.append(name)
    if without:
        builder.note(f"{len(without)} basic event(s) have no probability and count as never "
                     f"failing on their own in probability results: {', '.join(without[:10])}")


def _add_gate(model: _Model, builder: BatchBuilder, name: str, formula: Element,
              element: Element) -> str:
    """Add the gate node of ``formula`` (named ``name``); return its id."""
    node_id = model.ids.get(name) or name
    if name not in model.ids and (name in builder.nodes or name in model.names):
        model.problems.append(formula.problem(f"the nested formula's id {name!r} is taken; "
                                              "rename the node that has it"))
    if formula.tag not in CONNECTIVES + REFERENCES:
        model.problems.append(formula.problem(f"<{formula.tag}> is not supported; "
                                              f"{REFUSED_HINT}"))
        return node_id
    builder.node(node_id, GATE_KIND, _attribute(element, NAME_ATTRIBUTE) or name,
                 description=_label(element), origin=formula.origin,
                 attributes={"openpsa": "gate", "connective": formula.tag})
    arguments = [formula] if formula.tag in REFERENCES else \
        [c for c in formula.children if c.tag not in IGNORED]
    inputs = list(_inputs(model, builder, node_id, arguments))
    if len(set(inputs)) != len(inputs) and formula.tag == "atleast":
        model.problems.append(formula.problem(f"gate {name!r} lists an input twice under "
                                              "<atleast>; list each input once"))
    inputs = list(dict.fromkeys(inputs))
    need = _min_required(model, formula, len(inputs))
    for input_id in inputs:
        builder.relate(node_id, input_id, RelKind.REQUIRES, origin=formula.origin,
                       group=formula.tag if need else None, min_required=need)
    return node_id


def _inputs(model: _Model, builder: BatchBuilder, gate_id: str,
            arguments: Iterable[Element]) -> Iterator[str]:
    for number, argument in enumerate(arguments, start=1):
        if argument.tag in CONNECTIVES:
            yield _add_gate(model, builder, f"{gate_id}.{number}", argument, argument)
            continue
        name = argument.attributes.get("name", "").strip()
        if argument.tag not in REFERENCES:
            model.problems.append(argument.problem(f"<{argument.tag}> is not supported; "
                                                   f"{REFUSED_HINT}"))
        elif name not in model.ids:
            model.problems.append(argument.problem(f"{argument.tag} {name!r} is not defined in "
                                                   "the files given; add the file that "
                                                   "defines it"))
        elif (argument.tag == "gate") != (name in model.gates) and argument.tag != "event":
            model.problems.append(argument.problem(f"{name!r} is referenced as a "
                                                   f"{argument.tag} but is not one"))
        else:
            yield model.ids[name]


def _min_required(model: _Model, formula: Element, count: int) -> int | None:
    """The group's ``min_required`` (``None``: each input is a hard requirement)."""
    if count == 0:
        model.problems.append(formula.problem(f"<{formula.tag}> has no inputs"))
        return None
    if formula.tag == "and":
        return 1
    if formula.tag != "atleast":
        return None
    try:
        least = int(formula.attributes.get("min", ""))
    except ValueError:
        least = 0
    if not 1 <= least <= count:
        model.problems.append(formula.problem(
            f"<atleast min={formula.attributes.get('min')!r}> needs a whole number from 1 to "
            f"its {count} inputs"))
        return None
    return count - least + 1


def _check_acyclic(builder: BatchBuilder, model: _Model) -> None:
    inputs: dict[str, list[str]] = {}
    for from_id, to_id, _ in builder.relationships:
        inputs.setdefault(from_id, []).append(to_id)
    state: dict[str, int] = {}
    for start in inputs:
        stack = [(start, iter(inputs.get(start, ())))]
        state.setdefault(start, 1)
        while stack:
            node, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                file, _, line = (builder.nodes[child].origin or "").rpartition(":")
                model.problems.append(Problem(
                    f"gate {builder.nodes[child].name!r} depends on itself; a fault tree has "
                    "no cycles", file or None, int(line) if line.isdigit() else None))
                return
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(inputs.get(child, ()))))


def _mark_tops(builder: BatchBuilder) -> None:
    """Gates no other gate uses are the model's top events."""
    used = {to_id for _, to_id, _ in builder.relationships}
    for node_id, node in builder.nodes.items():
        if node.kind is GATE_KIND and node_id not in used:
            builder.nodes[node_id] = replace(node, attributes={**node.attributes,
                                                               "top_event": True})
