"""SPDX 2.3 (and 2.2) JSON documents as graph records.

- every package becomes a ``software`` node (``component`` when its
  ``primaryPackagePurpose`` is ``DEVICE``), one node per name; version, purl and licences are
  attributes;
- ``supplier`` and ``originator`` (``Organization: …`` or ``Person: …``) become ``supplier``
  nodes the package is ``SUPPLIED_BY``;
- relationships that mean one package needs another become ``REQUIRES``, pointing from the
  package that needs to the one needed: ``DEPENDS_ON``, ``CONTAINS``, ``STATIC_LINK``,
  ``DYNAMIC_LINK``, ``HAS_PREREQUISITE`` as written; ``DEPENDENCY_OF``,
  ``RUNTIME_DEPENDENCY_OF``, ``BUILD_DEPENDENCY_OF``, ``PROVIDED_DEPENDENCY_OF``,
  ``CONTAINED_BY``, ``PREREQUISITE_FOR``, ``PACKAGE_OF`` reversed.  Development, test and
  optional dependencies, and relationships that do not say "needs" (``DESCRIBES``,
  ``GENERATED_FROM``, ...) or that touch files or other documents, are counted in the notes.

A document that is not valid JSON, not SPDX 2.2/2.3, or whose relationships name undeclared
elements is refused with the place of every problem; nothing is read from it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from graph.errors import InputError, Problem
from graph.model import Batch, NodeKind, RelKind
from ingest.aliases import default_aliases
from ingest.builder import BatchBuilder
from ingest.documents import document_date, load_json
from ingest.registry import register

__all__ = ["read_spdx", "SUPPORTED_SPDX_VERSIONS", "REQUIRES_FORWARD", "REQUIRES_REVERSED"]

SUPPORTED_SPDX_VERSIONS = ("SPDX-2.2", "SPDX-2.3")
REQUIRES_FORWARD = frozenset({"DEPENDS_ON", "CONTAINS", "STATIC_LINK", "DYNAMIC_LINK",
                              "HAS_PREREQUISITE"})
REQUIRES_REVERSED = frozenset({"DEPENDENCY_OF", "RUNTIME_DEPENDENCY_OF", "BUILD_DEPENDENCY_OF",
                               "PROVIDED_DEPENDENCY_OF", "CONTAINED_BY", "PREREQUISITE_FOR",
                               "PACKAGE_OF"})
_PARTY = re.compile(r"^(Person|Organization|Tool):\s*(.*?)\s*(?:\([^()]*\))?\s*$")
_NO_VALUE = {"", "NOASSERTION", "NONE"}


@register("spdx", "SPDX 2.3 JSON documents: packages, dependency relationships, suppliers")
def read_spdx(path: Path, *, source: str) -> Batch:
    """Read an SPDX JSON document, or raise :class:`InputError` listing every problem."""
    path = Path(path)
    doc = load_json(path)
    _check_document(doc, str(path))
    problems: list[Problem] = []
    created = (doc.get("creationInfo") or {}).get("created")
    as_of = document_date(created, path, "creationInfo.created")
    builder = BatchBuilder(source, citation=_citation(doc, path), as_of=as_of, origin=str(path))
    packages = _add_packages(builder, doc.get("packages") or [], str(path), problems)
    others = {f.get("SPDXID") for f in doc.get("files") or [] if isinstance(f, dict)}
    others |= {s.get("SPDXID") for s in doc.get("snippets") or [] if isinstance(s, dict)}
    others.add(doc.get("SPDXID"))
    _add_relationships(builder, doc.get("relationships") or [], packages, others, str(path),
                       problems)
    if problems:
        raise InputError(problems)
    return builder.build()


def _check_document(doc: Any, file: str) -> None:
    if not isinstance(doc, dict) or "spdxVersion" not in doc:
        hint = " (a CycloneDX document? use `chokepoint ingest cyclonedx`)" if isinstance(
            doc, dict) and "bomFormat" in doc else ""
        raise InputError(Problem(f"not an SPDX JSON document: no spdxVersion{hint}", file,
                                 column="spdxVersion"))
    if doc["spdxVersion"] not in SUPPORTED_SPDX_VERSIONS:
        raise InputError(Problem(f"spdxVersion {doc['spdxVersion']!r} is not supported; use "
                                 f"{' or '.join(SUPPORTED_SPDX_VERSIONS)}", file,
                                 column="spdxVersion"))
    for key in ("packages", "relationships", "files", "snippets"):
        if key in doc and not isinstance(doc[key], list):
            raise InputError(Problem(f"'{key}' must be a list", file, column=key))
    info = doc.get("creationInfo")
    if info is not None and not isinstance(info, dict):
        raise InputError(Problem("'creationInfo' must be an object with 'created' and "
                                 "'creators'", file, column="creationInfo"))
    if info and "creators" in info and not isinstance(info["creators"], list):
        raise InputError(Problem("'creationInfo.creators' must be a list", file,
                                 column="creationInfo.creators"))


def _citation(doc: dict[str, Any], path: Path) -> str:
    info = doc.get("creationInfo") or {}
    creators = [c for c in info.get("creators") or [] if isinstance(c, str)]
    by = f", created by {'; '.join(creators)}" if creators else ""
    name = doc.get("name") or path.name
    namespace = doc.get("documentNamespace") or "without namespace"
    return f"{doc['spdxVersion']} document {name} ({namespace}; {path.name}){by}"


def _value(value: Any) -> str | None:
    if not isinstance(value, str) or value.strip() in _NO_VALUE:
        return None
    return value.strip()


def _add_packages(builder: BatchBuilder, packages: list[Any], file: str,
                  problems: list[Problem]) -> dict[str, str]:
    """Add a node per package; return SPDXID → node id."""
    ids: dict[str, str] = {}
    for index, package in enumerate(packages):
        where = f"packages[{index}]"
        if not isinstance(package, dict):
            problems.append(Problem("a package must be an object", file, column=where))
            continue
        name, spdx_id = _value(package.get("name")), package.get("SPDXID")
        if name is None or not isinstance(spdx_id, str):
            problems.append(Problem("a package needs a name and an SPDXID", file, column=where))
            continue
        if spdx_id in ids:
            problems.append(Problem(f"SPDXID {spdx_id!r} is declared twice", file,
                                    column=f"{where}.SPDXID"))
        kind = NodeKind.COMPONENT if package.get("primaryPackagePurpose") == "DEVICE" \
            else NodeKind.SOFTWARE
        ids[spdx_id] = builder.node(
            default_aliases().canonical_id(name, kind), kind, name,
            description=_value(package.get("description")) or _value(package.get("summary")),
            attributes=_attributes(package), origin=f"{file}:{where}")
        _add_parties(builder, ids[spdx_id], package)
    return ids


def _attributes(package: dict[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for key, field in (("version", "versionInfo"), ("license", "licenseDeclared"),
                       ("license_concluded", "licenseConcluded"),
                       ("purpose", "primaryPackagePurpose"), ("spdx_id", "SPDXID")):
        if _value(package.get(field)):
            attributes[key] = package[field].strip()
    for ref in package.get("externalRefs") or []:
        if isinstance(ref, dict) and ref.get("referenceType") == "purl":
            attributes["purl"] = ref.get("referenceLocator")
    return attributes


def _add_parties(builder: BatchBuilder, node_id: str, package: dict[str, Any]) -> None:
    roles: dict[str, list[str]] = {}
    for field in ("supplier", "originator"):
        match = _PARTY.match(_value(package.get(field)) or "")
        if match and match.group(1) != "Tool" and match.group(2):
            supplier = builder.node(
                default_aliases().canonical_id(match.group(2), NodeKind.SUPPLIER),
                NodeKind.SUPPLIER, match.group(2), attributes={"party": match.group(1)})
            roles.setdefault(supplier, []).append(field)
    for supplier, fields in roles.items():
        builder.relate(node_id, supplier, RelKind.SUPPLIED_BY, role=",".join(fields))


def _add_relationships(builder: BatchBuilder, relationships: list[Any], packages: dict[str, str],
                       others: set[Any], file: str, problems: list[Problem]) -> None:
    skipped: Counter[str] = Counter()
    for index, rel in enumerate(relationships):
        where = f"relationships[{index}]"
        if not isinstance(rel, dict) or not all(isinstance(rel.get(k), str) for k in (
                "spdxElementId", "relationshipType", "relatedSpdxElement")):
            problems.append(Problem("a relationship needs spdxElementId, relationshipType and "
                                    "relatedSpdxElement", file, column=where))
            continue
        kind, ends = rel["relationshipType"], (rel["spdxElementId"], rel["relatedSpdxElement"])
        unknown = [e for e in ends if e not in packages and e not in others
                   and e not in _NO_VALUE and not e.startswith("DocumentRef-")]
        if unknown:
            problems.append(Problem(f"{kind} names {unknown[0]!r}, which is no package, file "
                                    "or document here", file, column=where))
            continue
        if kind not in REQUIRES_FORWARD | REQUIRES_REVERSED or not all(
                e in packages for e in ends):
            skipped[kind] += 1
            continue
        needs, needed = ends if kind in REQUIRES_FORWARD else ends[::-1]
        builder.relate(packages[needs], packages[needed], RelKind.REQUIRES,
                       attributes={"spdx_relationship": kind})
    if skipped:
        listed = ", ".join(f"{k} ×{n}" for k, n in sorted(skipped.items()))
        builder.note(f"SPDX relationships not read as REQUIRES: {listed}")
