"""The Epoch AI reader on the published CSV downloads, and on files it must refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from readers_support import node, relationship, targets

from graph.errors import InputError
from ingest.epoch import read_epoch

EPOCH = "epoch-ai"
pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def epoch(shared_data: Path):
    return read_epoch(shared_data / EPOCH, source="epoch")


@pytest.mark.parametrize(("start", "end", "kind", "role", "group"), [
    pytest.param("deepseek-v3", "nvidia-h800", "REQUIRES", "trained_on", None,
                 id="DeepSeek-V3 requires an H800 chip"),
    pytest.param("deepseek-r1", "deepseek-v3", "REQUIRES", "fine_tuned_from", None,
                 id="DeepSeek-R1 requires its base model"),
    pytest.param("deepseek-v3", "deepseek", "SUPPLIED_BY", "developer", None,
                 id="a model is supplied by its developer"),
    pytest.param("deepseek", "CN", "HEADQUARTERED_IN", None, None,
                 id="the developer is headquartered in its country"),
    pytest.param("llama-3.1-405b", "meta", "SUPPLIED_BY", "developer", None,
                 id="Meta AI resolves to the company Meta"),
    pytest.param("nvidia-h800", "nvidia", "SUPPLIED_BY", "designer", None,
                 id="a chip is supplied by its manufacturer"),
    pytest.param("nvidia-h800", "tsmc", "REQUIRES", "fabricated_with", None,
                 id="a chip requires its foundry"),
    pytest.param("huawei-ascend-910c", "smic", "REQUIRES", "fabricated_with", "foundry",
                 id="two foundries are alternatives"),
])
def test_relationships(epoch, start: str, end: str, kind: str, role: str | None,
                       group: str | None) -> None:
    rel = relationship(epoch, start, end, kind)
    assert rel is not None and (rel.role, rel.group) == (role, group)
    assert rel.citation and "Epoch AI" in rel.citation and rel.as_of


@pytest.mark.parametrize(("node_id", "kind", "name", "as_of"), [
    pytest.param("deepseek-v3", "model", "DeepSeek-V3", "2024-12-24",
                 id="a model's as-of date is its publication date"),
    pytest.param("nvidia-h800", "chip", "NVIDIA H800 SXM5", "2026-03-18",
                 id="a chip's as-of date is when Epoch last changed it"),
    pytest.param("KR", "country", "South Korea", None,
                 id="Korea (Republic of) is South Korea"),
])
def test_nodes(epoch, node_id: str, kind: str, name: str, as_of: str | None) -> None:
    found = node(epoch, node_id)
    assert (found.kind.value, found.name) == (kind, name)
    assert found.as_of == as_of or as_of is None


def test_open_weights_models_cannot_be_blocked(epoch) -> None:
    assert node(epoch, "deepseek-v3").blockable is False
    assert node(epoch, "gpt-4o").blockable is True


def test_a_cluster_is_capacity_located_in_its_country_and_running_on_chips(epoch) -> None:
    clusters = [n for n in epoch.nodes if n.kind.value == "component"]
    assert clusters and all(n.attributes.get("status") != "Decommissioned" for n in clusters)
    colossus = [n for n in clusters if n.name == "xAI Colossus Memphis Phase 1"]
    assert colossus and targets(epoch, colossus[0].id, "LOCATED_IN") == {"US"}
    assert "nvidia-h100" in targets(epoch, colossus[0].id, "REQUIRES")


def test_names_that_match_nothing_are_reported_not_invented(epoch) -> None:
    assert {"Cerebras CS-2", "NVIDIA Tesla K40c"} <= set(epoch.unresolved)
    assert not any(n.name == "Cerebras CS-2" for n in epoch.nodes)


def test_every_element_has_provenance(epoch) -> None:
    assert all(n.citation for n in epoch.nodes)
    assert all(r.citation and r.as_of for r in epoch.relationships)


def test_one_file_is_recognised_by_its_columns(shared_data: Path) -> None:
    batch = read_epoch(shared_data / EPOCH / "ml_hardware.csv", source="hw")
    assert {n.kind.value for n in batch.nodes} == {"chip", "supplier"}


def test_a_folder_without_epoch_files_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no Epoch AI file here"):
        read_epoch(tmp_path, source="epoch")


def test_a_file_of_another_table_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="not an Epoch AI models, hardware or clusters table"):
        read_epoch(other, source="epoch")
