"""CycloneDX 1.4–1.7 JSON SBOMs and ML-BOMs as graph records.

- every component (nested ones and ``metadata.component`` included) becomes a node:
  ``machine-learning-model`` → ``model``, ``data`` → ``dataset``, ``device`` and ``platform``
  → ``component``, everything else (library, framework, application, ...) → ``software``;
  one node per name, whatever the version (versions, purl, licences and tags are attributes);
- the ``dependencies`` graph becomes ``REQUIRES`` (``ref`` requires each of ``dependsOn``), a
  nested component is ``REQUIRES`` (role ``contains``) of its parent, and the datasets of a
  model card are ``REQUIRES`` (role ``trained_on``) of the model;
- ``supplier``, ``manufacturer``, ``publisher`` and ``authors`` (and ``metadata.supplier`` /
  ``metadata.manufacture`` for the described component) become ``supplier`` nodes that the
  component is ``SUPPLIED_BY``, the role saying which field named them.  ``metadata.manufacturer``
  made the BOM, not the components, and only goes into the citation.

A document that is not valid JSON (the published ``bert-base-cased`` example has a trailing
comma), not CycloneDX, of another version, or with references to undeclared ``bom-ref``\\ s is
refused with the place of every problem; nothing is read from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.errors import InputError, Problem
from graph.model import Batch, NodeKind, RelKind
from ingest.aliases import default_aliases, name_key
from ingest.builder import BatchBuilder
from ingest.documents import document_date, load_json
from ingest.registry import register

__all__ = ["read_cyclonedx", "SUPPORTED_SPEC_VERSIONS"]

SUPPORTED_SPEC_VERSIONS = ("1.4", "1.5", "1.6", "1.7")
_KINDS = {
    "machine-learning-model": NodeKind.MODEL, "data": NodeKind.DATASET,
    "device": NodeKind.COMPONENT, "platform": NodeKind.COMPONENT,
}
_MODEL_PARAMETERS = ("task", "architectureFamily", "modelArchitecture")


@dataclass(frozen=True)
class _Component:
    """A component as found, with its JSON path and the id of the component it is nested in."""

    where: str
    data: dict[str, Any]
    parent: str | None = None
    is_root: bool = False


@register("cyclonedx", "CycloneDX 1.4–1.7 JSON SBOMs and ML-BOMs: components, dependencies, "
          "model cards, suppliers")
def read_cyclonedx(path: Path, *, source: str) -> Batch:
    """Read a CycloneDX JSON document, or raise :class:`InputError` listing every problem."""
    path = Path(path)
    doc = load_json(path)
    problems: list[Problem] = []
    _check_document(doc, str(path))
    as_of = document_date((doc.get("metadata") or {}).get("timestamp"), path, "metadata.timestamp")
    builder = BatchBuilder(source, citation=_citation(doc, path), as_of=as_of, origin=str(path))
    refs = _add_components(builder, list(_components(doc)), doc.get("metadata") or {},
                           str(path), problems)
    _add_model_cards(builder, doc, refs, str(path), problems)
    _add_dependencies(builder, doc.get("dependencies"), refs, str(path), problems)
    if problems:
        raise InputError(problems)
    return builder.build()


# -- the document ----------------------------------------------------------------------------
def _check_document(doc: Any, file: str) -> None:
    if not isinstance(doc, dict) or doc.get("bomFormat") != "CycloneDX":
        found = doc.get("bomFormat") if isinstance(doc, dict) else type(doc).__name__
        hint = " (an SPDX document? use `chokepoint ingest spdx`)" if isinstance(doc, dict) \
            and "spdxVersion" in doc else ""
        raise InputError(Problem(f"not a CycloneDX document: bomFormat is {found!r}, expected "
                                 f"'CycloneDX'{hint}", file, column="bomFormat"))
    version = str(doc.get("specVersion", ""))
    if version not in SUPPORTED_SPEC_VERSIONS:
        raise InputError(Problem(f"CycloneDX specVersion {version!r} is not supported; use "
                                 f"{', '.join(SUPPORTED_SPEC_VERSIONS)} (convert with the "
                                 "CycloneDX CLI)", file, column="specVersion"))
    for key in ("components", "dependencies"):
        if key in doc and not isinstance(doc[key], list):
            raise InputError(Problem(f"'{key}' must be a list", file, column=key))
    if "metadata" in doc and not isinstance(doc["metadata"], dict):
        raise InputError(Problem("'metadata' must be an object", file, column="metadata"))


def _citation(doc: dict[str, Any], path: Path) -> str:
    serial = doc.get("serialNumber") or "without serial number"
    made_by = _entity_name((doc.get("metadata") or {}).get("manufacturer"))
    by = f", made by {made_by}" if made_by else ""
    return f"CycloneDX {doc['specVersion']} BOM {serial} ({path.name}){by}"


def _entity_name(entity: Any) -> str | None:
    """The name of an organisational entity or contact (an object with ``name``) or a string."""
    if isinstance(entity, dict):
        entity = entity.get("name")
    return entity.strip() if isinstance(entity, str) and entity.strip() else None


# -- components ------------------------------------------------------------------------------
def _components(doc: dict[str, Any]) -> Iterator[_Component]:
    metadata = doc.get("metadata") or {}
    if isinstance(metadata.get("component"), dict):
        yield _Component("metadata.component", metadata["component"], is_root=True)
    yield from _walk(doc.get("components") or [], "components", None)


def _walk(items: list[Any], where: str, parent: str | None) -> Iterator[_Component]:
    for index, item in enumerate(items):
        here = f"{where}[{index}]"
        yield _Component(here, item, parent)
        nested = item.get("components") if isinstance(item, dict) else None
        if isinstance(nested, list):
            yield from _walk(nested, f"{here}.components", here)


def _add_components(builder: BatchBuilder, components: list[_Component],
                    metadata: dict[str, Any], file: str, problems: list[Problem]) -> dict[str, str]:
    """Add a node per component; return every ``bom-ref`` and JSON path → node id."""
    refs: dict[str, str] = {}
    for comp in components:
        node_id = _component_node(builder, comp, file, problems)
        if node_id is None:
            continue
        refs[comp.where] = node_id
        for ref in _own_refs(comp.data):
            if ref in refs:
                problems.append(Problem(f"bom-ref {ref!r} is declared twice; each bom-ref must "
                                        "be unique", file, column=f"{comp.where}.bom-ref"))
            refs[ref] = node_id
        if comp.parent in refs:
            builder.relate(refs[comp.parent], node_id, RelKind.REQUIRES, role="contains")
        roles = _supplier_roles(comp.data)
        if comp.is_root:
            _add_role(roles, _entity_name(metadata.get("supplier")), "supplier")
            _add_role(roles, _entity_name(metadata.get("manufacture")), "manufacturer")
        _add_suppliers(builder, node_id, roles)
    return refs


def _own_refs(data: dict[str, Any]) -> list[str]:
    """The component's ``bom-ref`` and those of its inline data sets (``data[].bom-ref``)."""
    refs = [data["bom-ref"]] if isinstance(data.get("bom-ref"), str) else []
    for item in data.get("data") or []:
        if isinstance(item, dict) and isinstance(item.get("bom-ref"), str):
            refs.append(item["bom-ref"])
    return refs


def _component_node(builder: BatchBuilder, comp: _Component, file: str,
                    problems: list[Problem]) -> str | None:
    data = comp.data
    if not isinstance(data, dict):
        problems.append(Problem("a component must be an object", file, column=comp.where))
        return None
    name, kind_text = data.get("name"), data.get("type")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem("component has no name", file, column=f"{comp.where}.name"))
        return None
    if not isinstance(kind_text, str):
        problems.append(Problem("component has no type", file, column=f"{comp.where}.type"))
        return None
    kind = _KINDS.get(kind_text, NodeKind.SOFTWARE)
    group = data.get("group") if isinstance(data.get("group"), str) else ""
    node_id = default_aliases().lookup(name, kind) or name_key(f"{group} {name}")
    return builder.node(node_id, kind, name, description=_text(data.get("description")),
                        attributes=_attributes(data), origin=f"{file}:{comp.where}")


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _attributes(data: dict[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {"cyclonedx_type": data["type"]}
    for key in ("group", "version", "purl"):
        if _text(data.get(key)):
            attributes[key] = data[key].strip()
    licenses = [_license(item) for item in data.get("licenses") or []]
    if any(licenses):
        attributes["licenses"] = [x for x in licenses if x]
    if isinstance(data.get("tags"), list):
        attributes["tags"] = [t for t in data["tags"] if isinstance(t, str)]
    parameters = (data.get("modelCard") or {}).get("modelParameters") or {}
    for key in _MODEL_PARAMETERS:
        if _text(parameters.get(key)):
            attributes[key] = parameters[key].strip()
    return attributes


def _license(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("expression"), str):
        return str(item["expression"])
    license_ = item.get("license") or {}
    return _text(license_.get("id")) or _text(license_.get("name"))


# -- suppliers -------------------------------------------------------------------------------
def _supplier_roles(data: dict[str, Any]) -> dict[str, list[str]]:
    """Supplier names of a component, each with the fields that named it."""
    roles: dict[str, list[str]] = {}
    _add_role(roles, _entity_name(data.get("supplier")), "supplier")
    _add_role(roles, _entity_name(data.get("manufacturer")), "manufacturer")
    _add_role(roles, _entity_name(data.get("publisher")), "publisher")
    _add_role(roles, _entity_name(data.get("author")), "author")
    for author in data.get("authors") or []:
        _add_role(roles, _entity_name(author), "author")
    return roles


def _add_role(roles: dict[str, list[str]], name: str | None, role: str) -> None:
    if name and role not in roles.setdefault(name, []):
        roles[name].append(role)


def _add_suppliers(builder: BatchBuilder, node_id: str, roles: dict[str, list[str]]) -> None:
    by_id: dict[str, list[str]] = {}
    for name, fields in roles.items():
        supplier = builder.node(default_aliases().canonical_id(name, NodeKind.SUPPLIER),
                                NodeKind.SUPPLIER, name)
        known = by_id.setdefault(supplier, [])
        known.extend(f for f in fields if f not in known)
    for supplier, fields in by_id.items():
        builder.relate(node_id, supplier, RelKind.SUPPLIED_BY, role=",".join(fields))


# -- model cards and dependencies ------------------------------------------------------------
def _add_model_cards(builder: BatchBuilder, doc: dict[str, Any], refs: dict[str, str],
                     file: str, problems: list[Problem]) -> None:
    for comp in _components(doc):
        card = comp.data.get("modelCard") if isinstance(comp.data, dict) else None
        if not isinstance(card, dict) or comp.where not in refs:
            continue
        datasets = (card.get("modelParameters") or {}).get("datasets") or []
        for index, item in enumerate(datasets):
            where = f"{comp.where}.modelCard.modelParameters.datasets[{index}]"
            target = _dataset(builder, item, refs, file, where, problems)
            if target:
                builder.relate(refs[comp.where], target, RelKind.REQUIRES, role="trained_on")


def _dataset(builder: BatchBuilder, item: Any, refs: dict[str, str], file: str, where: str,
             problems: list[Problem]) -> str | None:
    if isinstance(item, dict) and isinstance(item.get("ref"), str):
        if item["ref"] not in refs:
            problems.append(Problem(f"dataset ref {item['ref']!r} names no bom-ref in this "
                                    "document", file, column=f"{where}.ref"))
            return None
        return refs[item["ref"]]
    name = _text(item.get("name")) if isinstance(item, dict) else None
    if name is None:
        problems.append(Problem("a model-card dataset needs a ref or a name", file,
                                column=where))
        return None
    return builder.node(default_aliases().canonical_id(name, NodeKind.DATASET),
                        NodeKind.DATASET, name, description=_text(item.get("description")))


def _add_dependencies(builder: BatchBuilder, dependencies: Any, refs: dict[str, str],
                      file: str, problems: list[Problem]) -> None:
    for index, entry in enumerate(dependencies or []):
        where = f"dependencies[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("ref"), str):
            problems.append(Problem("a dependency needs a 'ref'", file, column=where))
            continue
        if entry["ref"] not in refs:
            problems.append(Problem(f"ref {entry['ref']!r} names no component's bom-ref",
                                    file, column=f"{where}.ref"))
            continue
        for position, target in enumerate(entry.get("dependsOn") or []):
            if target not in refs:
                problems.append(Problem(f"dependsOn {target!r} names no component's bom-ref",
                                        file, column=f"{where}.dependsOn[{position}]"))
                continue
            builder.relate(refs[entry["ref"]], refs[target], RelKind.REQUIRES)
