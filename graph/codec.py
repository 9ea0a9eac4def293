"""Convert records to and from the flat property dictionaries both stores keep."""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Mapping
from typing import Any

from graph.model import REL_TIME_TRUST, Node, NodeKind, Relationship, RelKind

Provenance = tuple[tuple[str, ...], str | None]
"""(sources, last run) to write with a record instead of its own."""

__all__ = [
    "node_data", "node_from_data", "relationship_data", "relationship_from_data",
    "attributes_text", "attributes_from_text", "NODE_KINDS", "REL_KINDS", "NODE_OPTIONAL",
    "REL_OPTIONAL", "time_trust_text", "time_trust_from_text",
]

NODE_OPTIONAL = ("description", "min_supply_share", "citation", "as_of")
"""Node fields stored only when set."""
REL_OPTIONAL = ("share", "group", "min_required", "role", "citation", "as_of", *REL_TIME_TRUST)
"""Relationship fields stored only when set."""
_ATTRIBUTES_ENCODER = json.JSONEncoder(sort_keys=True, default=str)
# Dict lookups: calling the enum class costs several times more, per row read.
NODE_KINDS: dict[str, NodeKind] = {k.value: k for k in NodeKind}
REL_KINDS: dict[str, RelKind] = {k.value: k for k in RelKind}


def node_data(node: Node, provenance: Provenance | None = None) -> dict[str, Any]:
    """Everything but id, kind and name, as flat properties; ``attributes`` as JSON text.

    ``provenance`` (sources, last run), when given, is written instead of the node's own.
    Unset optional fields and empty attributes are left out (readers take a missing key as
    ``None`` or ``{}``), which keeps what is stored small.
    """
    data: dict[str, Any] = {k: v for k in NODE_OPTIONAL if (v := getattr(node, k)) is not None}
    data["failure_probability"] = node.failure_probability
    data["blockable"] = node.blockable
    _set_provenance(data, node, provenance)
    if node.attributes:
        data["attributes"] = attributes_text(node.attributes)
    return data


def node_from_data(node_id: str, kind: str, name: str, data: dict[str, Any]) -> Node:
    return Node(
        id=node_id,
        kind=NODE_KINDS.get(kind) or NodeKind(kind),
        name=name,
        description=data.get("description"),
        failure_probability=float(data.get("failure_probability") or 0.0),
        min_supply_share=data.get("min_supply_share"),
        blockable=bool(data.get("blockable", True)),
        citation=data.get("citation"),
        as_of=data.get("as_of"),
        attributes=attributes_from_text(data.get("attributes")),
        sources=tuple(data.get("sources") or ()),
        last_run=data.get("last_run"),
    )


def relationship_data(rel: Relationship,
                      provenance: Provenance | None = None) -> dict[str, Any]:
    """Everything but the endpoints and kind, as :func:`node_data` does for a node."""
    data: dict[str, Any] = {k: v for k in REL_OPTIONAL if (v := getattr(rel, k)) is not None}
    if not rel.counted:
        data["counted"] = False
    _set_provenance(data, rel, provenance)
    if rel.attributes:
        data["attributes"] = attributes_text(rel.attributes)
    return data


def _set_provenance(data: dict[str, Any], record: Node | Relationship,
                    provenance: Provenance | None) -> None:
    sources, last_run = provenance if provenance is not None else (record.sources,
                                                                   record.last_run)
    data["sources"] = list(sources)
    if last_run is not None:
        data["last_run"] = last_run


def _make_attributes_encoder() -> Callable[[dict[str, Any]], str]:
    """What :func:`attributes_text` calls: ``json.JSONEncoder.encode`` builds a new encoder
    object on every call, most of the cost of encoding a small dict, which is every row of a
    big run; the compiled encoder the ``json`` module uses underneath is built once instead.
    Same output (keys sorted, ``str`` for other values, no circular-reference check: the
    values come from parsed files).  Without the compiled module, the plain encoder is used."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _ATTRIBUTES_ENCODER.encode
    encode = make(None, str, json.encoder.encode_basestring_ascii, None, ": ", ", ", True,
                  False, True)
    return lambda attributes: "".join(encode(attributes, 0))


def attributes_text(attributes: Mapping[str, Any]) -> str:
    """``attributes`` as JSON text (keys sorted; values JSON cannot hold as strings).

    >>> import datetime
    >>> attributes_text({"rank": 3, "name": "x", "when": datetime.date(2024, 6, 1)})
    '{"name": "x", "rank": 3, "when": "2024-06-01"}'
    """
    return _encode_attributes(dict(attributes)) if attributes else "{}"


_encode_attributes = _make_attributes_encoder()



def relationship_from_data(from_id: str, to_id: str, kind: str,
                           data: dict[str, Any]) -> Relationship:
    min_required = data.get("min_required")
    return Relationship(
        from_id=from_id,
        to_id=to_id,
        kind=REL_KINDS.get(kind) or RelKind(kind),
        share=data.get("share"),
        group=data.get("group"),
        min_required=int(min_required) if min_required is not None else None,
        role=data.get("role"),
        citation=data.get("citation"),
        as_of=data.get("as_of"),
        attributes=attributes_from_text(data.get("attributes")),
        sources=tuple(data.get("sources") or ()),
        last_run=data.get("last_run"),
        counted=data.get("counted") is not False,
        **{k: v for k in REL_TIME_TRUST if (v := data.get(k)) is not None},
    )


def time_trust_text(rel: Relationship) -> str | None:
    """The time and trust fields a relationship sets, as JSON text; ``None`` when none is set
    (the usual case), so a store can keep them in one rarely-filled column.

    >>> from graph.model import RelKind
    >>> time_trust_text(Relationship("a", "b", RelKind.REQUIRES, basis="assumption"))
    '{"basis": "assumption"}'
    >>> time_trust_text(Relationship("a", "b", RelKind.REQUIRES)) is None
    True
    """
    values = {k: v for k in REL_TIME_TRUST if (v := getattr(rel, k)) is not None}
    return _encode_attributes(values) if values else None


def time_trust_from_text(text: str | None) -> dict[str, Any]:
    """The inverse of :func:`time_trust_text`, as keyword arguments for a relationship."""
    return json.loads(text) if text else {}


def attributes_from_text(text: str | None) -> dict[str, Any]:
    """The inverse of :func:`attributes_text`."""
    return json.loads(text) if text and text != "{}" else {}

