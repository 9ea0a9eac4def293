"""The SPDX reader on a small SPDX 2.3 document written for this test, and on malformed ones."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from readers_support import node, relationship, run_cli, stored_counts

from graph.errors import InputError
from ingest.spdx import read_spdx

DOCUMENT: dict[str, Any] = {
    "spdxVersion": "SPDX-2.3",
    "dataLicense": "CC0-1.0",
    "SPDXID": "SPDXRef-DOCUMENT",
    "name": "inference-service",
    "documentNamespace": "https://example.org/spdx/inference-service-1",
    "creationInfo": {"created": "2025-06-30T12:00:00Z", "creators": ["Tool: hand-written"]},
    "documentDescribes": ["SPDXRef-app"],
    "packages": [
        {"SPDXID": "SPDXRef-app", "name": "inference-service", "versionInfo": "2.0",
         "downloadLocation": "NOASSERTION",
         "supplier": "Organization: Example Corp. (ops@example.org)",
         "primaryPackagePurpose": "APPLICATION"},
        {"SPDXID": "SPDXRef-torch", "name": "torch", "versionInfo": "2.5.1",
         "downloadLocation": "https://pypi.org/project/torch", "licenseDeclared": "BSD-3-Clause",
         "originator": "Organization: Meta Platforms, Inc.",
         "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                           "referenceLocator": "pkg:pypi/torch@2.5.1"}]},
        {"SPDXID": "SPDXRef-numpy", "name": "numpy", "versionInfo": "2.1.0",
         "downloadLocation": "NOASSERTION", "supplier": "NOASSERTION"},
        {"SPDXID": "SPDXRef-pytest", "name": "pytest", "versionInfo": "8.3.0",
         "downloadLocation": "NOASSERTION", "supplier": "Person: Holger Krekel"},
        {"SPDXID": "SPDXRef-gpu", "name": "accelerator-board", "downloadLocation": "NONE",
         "primaryPackagePurpose": "DEVICE"},
    ],
    "files": [{"SPDXID": "SPDXRef-readme", "fileName": "./README.md", "checksums": []}],
    "relationships": [
        {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
         "relatedSpdxElement": "SPDXRef-app"},
        {"spdxElementId": "SPDXRef-app", "relationshipType": "DEPENDS_ON",
         "relatedSpdxElement": "SPDXRef-torch"},
        {"spdxElementId": "SPDXRef-numpy", "relationshipType": "DEPENDENCY_OF",
         "relatedSpdxElement": "SPDXRef-torch"},
        {"spdxElementId": "SPDXRef-pytest", "relationshipType": "DEV_DEPENDENCY_OF",
         "relatedSpdxElement": "SPDXRef-app"},
        {"spdxElementId": "SPDXRef-app", "relationshipType": "CONTAINS",
         "relatedSpdxElement": "SPDXRef-readme"},
        {"spdxElementId": "SPDXRef-app", "relationshipType": "DEPENDS_ON",
         "relatedSpdxElement": "SPDXRef-gpu"},
    ],
}


@pytest.fixture
def spdx_file(tmp_path: Path) -> Path:
    path = tmp_path / "service.spdx.json"
    path.write_text(json.dumps(DOCUMENT))
    return path


@pytest.mark.parametrize(("node_id", "kind", "name"), [
    pytest.param("inference-service", "software", "inference-service",
                 id="the described package becomes software"),
    pytest.param("pytorch", "software", "torch",
                 id="a library package becomes software, its PyPI name resolved to PyTorch"),
    pytest.param("accelerator-board", "component", "accelerator-board",
                 id="a DEVICE package becomes a component"),
    pytest.param("example", "supplier", "Example Corp.",
                 id="an Organization supplier becomes a supplier without its e-mail"),
    pytest.param("meta", "supplier", "Meta Platforms, Inc.",
                 id="an originator resolves through the alias table"),
    pytest.param("holger-krekel", "supplier", "Holger Krekel", id="a Person supplier is kept"),
])
def test_packages_and_parties_become_nodes(spdx_file: Path, node_id: str, kind: str,
                                           name: str) -> None:
    found = node(read_spdx(spdx_file, source="spdx"), node_id)
    assert (found.kind.value, found.name, found.as_of) == (kind, name, "2025-06-30")
    assert found.citation and "inference-service-1" in found.citation


@pytest.mark.parametrize(("start", "end", "kind", "present"), [
    pytest.param("inference-service", "pytorch", "REQUIRES", True,
                 id="DEPENDS_ON points from the dependent"),
    pytest.param("pytorch", "numpy", "REQUIRES", True, id="DEPENDENCY_OF is reversed"),
    pytest.param("inference-service", "pytest", "REQUIRES", False,
                 id="a development dependency is not a requirement"),
    pytest.param("pytorch", "meta", "SUPPLIED_BY", True, id="the originator supplies"),
    pytest.param("numpy", "noassertion", "SUPPLIED_BY", False,
                 id="NOASSERTION names no supplier"),
])
def test_relationships(spdx_file: Path, start: str, end: str, kind: str, present: bool) -> None:
    assert (relationship(read_spdx(spdx_file, source="spdx"), start, end, kind) is not None) \
        is present


def test_skipped_relationships_are_counted_in_the_notes(spdx_file: Path) -> None:
    notes = read_spdx(spdx_file, source="spdx").notes
    assert notes == ["SPDX relationships not read as REQUIRES: CONTAINS ×1, DESCRIBES ×1, "
                     "DEV_DEPENDENCY_OF ×1"]


def test_the_purl_and_licence_are_attributes(spdx_file: Path) -> None:
    torch = node(read_spdx(spdx_file, source="spdx"), "pytorch")
    assert torch.attributes["purl"] == "pkg:pypi/torch@2.5.1"
    assert torch.attributes["license"] == "BSD-3-Clause"


def _changed(path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(DOCUMENT)
    where, _, key = path.rpartition(".")
    target: Any = doc
    for part in filter(None, where.split(".")):
        target = target[int(part)] if part.isdigit() else target[part]
    target[key] = value
    return doc


@pytest.mark.parametrize(("doc", "message"), [
    pytest.param(_changed("spdxVersion", "SPDX-3.0"), "spdxVersion 'SPDX-3.0' is not supported",
                 id="another SPDX version is refused"),
    pytest.param({"bomFormat": "CycloneDX"}, "use `chokepoint ingest cyclonedx`",
                 id="a CycloneDX document is pointed to its reader"),
    pytest.param(_changed("relationships.1.relatedSpdxElement", "SPDXRef-missing"),
                 "names 'SPDXRef-missing', which is no package",
                 id="a relationship to an undeclared element is refused"),
    pytest.param(_changed("packages.1.SPDXID", "SPDXRef-app"), "declared twice",
                 id="a repeated SPDXID is refused"),
    pytest.param(_changed("packages.2.name", ""), "needs a name",
                 id="a package without a name is refused"),
])
def test_malformed_documents_are_refused_and_nothing_is_written(
        tmp_path: Path, doc: dict[str, Any], message: str) -> None:
    path = tmp_path / "bad.spdx.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=message):
        read_spdx(path, source="spdx")
    store = tmp_path / "graph.db"
    result = run_cli(store, "ingest", "spdx", str(path))
    assert result.exit_code == 2 and "nothing was written" in result.output
    assert sum(stored_counts(store).values()) == 0
