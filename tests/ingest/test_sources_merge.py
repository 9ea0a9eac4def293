"""Seeds, ETO and Epoch loaded together through the real command make one graph: the same
company, chip or country is one node, and the summary says what merged and what did not."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from readers_support import run_cli

from analysis.spof import single_points_of_failure
from graph.sqlite_store import SQLiteStore
from seeds import SEEDS_DIR

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def merged_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    if not (SEEDS_DIR / "nodes.csv").is_file():
        pytest.skip("the bundled seeds are not in this checkout")
    store = tmp_path_factory.mktemp("merge") / "graph.db"
    outputs = {"seed": run_cli(store, "seed")}
    for reader, folder in (("eto", "eto-advanced-semiconductor-supply-chain/current"),
                           ("epoch", "epoch-ai")):
        outputs[reader] = run_cli(store, "ingest", reader, str(shared_data / folder),
                                  "--source", reader)
    assert all(r.exit_code == 0 for r in outputs.values()), {
        k: r.output for k, r in outputs.items()}
    return store, {k: r.output for k, r in outputs.items()}


def _count(output: str, pattern: str) -> int:
    match = re.search(pattern, output)
    assert match, output
    return int(match.group(1))


def test_the_summary_counts_merged_and_unresolved_names(merged_store) -> None:
    _, outputs = merged_store
    assert _count(outputs["eto"], r"(\d+) node\(s\) merged") >= 60
    assert _count(outputs["epoch"], r"(\d+) node\(s\) merged") >= 100
    assert _count(outputs["epoch"], r"(\d+) name\(s\) left unresolved") > 0
    assert "name(s) left unresolved" not in outputs["eto"]


@pytest.mark.parametrize(("node_id", "sources"), [
    pytest.param("nvidia", {"seeds", "eto", "epoch"}, id="Nvidia and NVIDIA are one supplier"),
    pytest.param("asml", {"seeds", "eto"}, id="ASML from seeds and ETO is one supplier"),
    pytest.param("euv-lithography-tools", {"seeds", "eto"},
                 id="ETO's EUV tools are the seeds' EUV tools"),
    pytest.param("nvidia-h800", {"seeds", "epoch"}, id="Epoch's H800 SXM5 is the seeds' H800"),
    pytest.param("CN", {"seeds", "eto", "epoch"}, id="China, CHN and CN are one country"),
])
def test_one_entity_is_one_node_whatever_the_source_calls_it(merged_store, node_id: str,
                                                             sources: set[str]) -> None:
    store, _ = merged_store
    with SQLiteStore(store) as opened:
        found = [n for n in opened.nodes() if n.id == node_id]
    assert found and sources <= set(found[0].sources)


def test_the_merged_graph_still_names_asml_for_euv_tools(merged_store) -> None:
    store, _ = merged_store
    with SQLiteStore(store) as opened:
        spofs = single_points_of_failure(opened.read_graph(), ["euv-lithography-tools"])
    assert "asml" in spofs["euv-lithography-tools"]


def test_the_merged_graph_says_deepseek_v3_requires_an_h800(merged_store) -> None:
    store, _ = merged_store
    stats = json.loads(run_cli(store, "stats", "--format", "json").output)
    assert stats["nodes"]["model"] > 1000
    with SQLiteStore(store) as opened:
        rel = [r for r in opened.relationships() if r.key == ("deepseek-v3", "nvidia-h800",
                                                              "REQUIRES")]
    assert rel and {"seeds", "epoch"} <= set(rel[0].sources)
