"""The CycloneDX reader on the published ML-BOM examples, on a real SBOM made from this
project's own environment, and on malformed documents (refused, nothing written)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from readers_support import node, relationship, run_cli, stored_counts, targets

from graph.errors import InputError
from ingest.cyclonedx import read_cyclonedx

EXAMPLES = "cyclonedx-mlbom-examples"


@pytest.fixture(scope="module")
def examples(shared_data: Path) -> Path:
    return shared_data / EXAMPLES


@pytest.mark.shared_data
@pytest.mark.parametrize(("file", "node_id", "kind", "name", "as_of"), [
    pytest.param("foundation-model-gpt-4o.bom.json", "gpt-4o", "model", "gpt-4o", "2024-11-24",
                 id="a machine-learning-model component becomes a model"),
    pytest.param("foundation-model-gpt-4o.bom.json", "openai", "supplier", "OpenAI Inc",
                 "2024-11-24", id="its supplier becomes a supplier without the Inc in its id"),
    pytest.param("model-card-with-dataset.bom.json", "support-ticket-training-data", "dataset",
                 "support-ticket-training-data", "2026-04-28",
                 id="a data component becomes a dataset"),
    pytest.param("model-card-with-dataset.bom.json", "support-triage-service", "software",
                 "support-triage-service", "2026-04-28",
                 id="the application the BOM describes becomes software"),
])
def test_components_become_nodes(examples: Path, file: str, node_id: str, kind: str, name: str,
                                 as_of: str) -> None:
    found = node(read_cyclonedx(examples / file, source="bom"), node_id)
    assert (found.kind.value, found.name, found.as_of) == (kind, name, as_of)
    assert found.citation and "CycloneDX" in found.citation


@pytest.mark.shared_data
@pytest.mark.parametrize(("file", "start", "end", "kind", "role"), [
    pytest.param("foundation-model-gpt-4o.bom.json", "gpt-4o", "openai", "SUPPLIED_BY",
                 "supplier,manufacturer,publisher",
                 id="supplier, manufacturer and publisher naming one firm make one edge"),
    pytest.param("model-card-with-dataset.bom.json", "support-ticket-classifier",
                 "support-ticket-training-data", "REQUIRES", "trained_on",
                 id="a model card's dataset is required by the model"),
    pytest.param("model-card-with-dataset.bom.json", "support-triage-service",
                 "support-ticket-classifier", "REQUIRES", None,
                 id="the dependencies graph becomes REQUIRES"),
    pytest.param("model-card-with-dataset.bom.json", "support-ticket-classifier",
                 "example-ml-team", "SUPPLIED_BY", "publisher",
                 id="a publisher alone is a supplier"),
])
def test_relationships(examples: Path, file: str, start: str, end: str, kind: str,
                       role: str | None) -> None:
    rel = relationship(read_cyclonedx(examples / file, source="bom"), start, end, kind)
    assert rel is not None and rel.role == role
    assert rel.citation and rel.as_of


@pytest.mark.shared_data
def test_the_model_card_example_reads_whole(examples: Path) -> None:
    batch = read_cyclonedx(examples / "model-card-with-dataset.bom.json", source="bom")
    assert sorted(n.id for n in batch.nodes) == [
        "example-ml-team", "support-ticket-classifier", "support-ticket-evaluation-data",
        "support-ticket-training-data", "support-triage-service"]
    assert len(batch.relationships) == 4 and batch.unresolved == []


@pytest.mark.shared_data
def test_the_invalid_published_example_is_refused_with_its_line(examples: Path,
                                                                 tmp_path: Path) -> None:
    bad = examples / "open-source-model-bert-base-cased.bom.json"
    with pytest.raises(InputError) as caught:
        read_cyclonedx(bad, source="bom")
    problem = caught.value.problems[0]
    assert (problem.file, problem.row) == (str(bad), 9)
    assert "malformed JSON" in problem.message
    store = tmp_path / "graph.db"
    result = run_cli(store, "ingest", "cyclonedx", str(bad))
    assert result.exit_code == 2 and "nothing was written" in result.output
    assert stored_counts(store).get("model", 0) == 0


@pytest.fixture(scope="module")
def environment_bom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real SBOM of this project's virtual environment, made by cyclonedx-py."""
    tool = shutil.which("cyclonedx-py", path=str(Path(sys.executable).parent))
    if tool is None:
        pytest.skip("cyclonedx-py (package cyclonedx-bom, a test extra) is not installed")
    out = tmp_path_factory.mktemp("sbom") / "environment.cdx.json"
    subprocess.run([tool, "environment", sys.prefix, "--of", "JSON", "-o", str(out)],
                   check=True, capture_output=True, timeout=300)
    return out


@pytest.mark.slow
def test_a_real_environment_sbom_reads_into_a_dependency_graph(environment_bom: Path) -> None:
    batch = read_cyclonedx(environment_bom, source="venv")
    doc = json.loads(environment_bom.read_text())
    assert len({n.id for n in batch.nodes if n.kind.value == "software"}) >= len(
        {c["name"].lower() for c in doc["components"]}) - 2
    assert {"networkx", "click", "pandas"} <= targets(batch, "chokepoint", "REQUIRES")
    assert node(batch, "networkx").attributes["purl"].startswith("pkg:pypi/networkx@")
    assert all(r.citation and r.as_of for r in batch.relationships)


@pytest.mark.slow
def test_a_real_environment_sbom_loads_through_the_command(environment_bom: Path,
                                                          tmp_path: Path) -> None:
    store = tmp_path / "graph.db"
    first = run_cli(store, "ingest", "cyclonedx", str(environment_bom), "--source", "venv")
    again = run_cli(store, "ingest", "cyclonedx", str(environment_bom), "--source", "venv")
    assert first.exit_code == 0, first.output
    assert "0 added, 0 changed, 0 removed" in again.output


def _bom(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "metadata": {"timestamp": "2025-01-02T00:00:00Z"},
        "components": [{"type": "library", "bom-ref": "a", "name": "a"},
                       {"type": "library", "bom-ref": "b", "name": "b"}],
        "dependencies": [{"ref": "a", "dependsOn": ["b"]}],
    }
    doc.update(changes)
    return doc


@pytest.mark.parametrize(("doc", "message"), [
    pytest.param(_bom(bomFormat="SPDX"), "not a CycloneDX document",
                 id="a document of another format is refused"),
    pytest.param(_bom(specVersion="1.1"), "specVersion '1.1' is not supported",
                 id="an unsupported version is refused"),
    pytest.param(_bom(dependencies=[{"ref": "a", "dependsOn": ["zzz"]}]),
                 "dependsOn 'zzz' names no component",
                 id="a dependency on an undeclared bom-ref is refused"),
    pytest.param(_bom(components=[{"type": "library", "bom-ref": "a", "name": "a"},
                                  {"type": "library", "bom-ref": "a", "name": "b"}],
                      dependencies=[]),
                 "bom-ref 'a' is declared twice", id="a repeated bom-ref is refused"),
    pytest.param(_bom(components=[{"type": "library", "bom-ref": "a"}], dependencies=[]),
                 "component has no name", id="a component without a name is refused"),
    pytest.param(_bom(components={"a": 1}), "'components' must be a list",
                 id="components that are no list are refused"),
])
def test_malformed_documents_are_refused_and_nothing_is_written(
        tmp_path: Path, doc: dict[str, object], message: str) -> None:
    path = tmp_path / "bom.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=message):
        read_cyclonedx(path, source="bom")
    store = tmp_path / "graph.db"
    result = run_cli(store, "ingest", "cyclonedx", str(path))
    assert result.exit_code == 2 and message in result.output
    assert sum(stored_counts(store).values()) == 0
