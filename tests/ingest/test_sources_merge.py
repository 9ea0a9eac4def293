"""Seeds, ETO and Epoch loaded together through the real command make one graph: the same
company, chip or country is one node, the summary says what merged and what did not, nothing
the seeds cite is lost to a later run, and the order of the runs does not matter."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from readers_support import run_cli

from analysis.spof import single_points_of_failure
from graph.merge import SHARE_KINDS
from graph.sqlite_store import SQLiteStore
from graph.validate import SHARE_TOLERANCE
from ingest.aliases import name_key, possible_duplicates
from seeds import SEEDS_DIR

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


FOLDERS = {"eto": "eto-advanced-semiconductor-supply-chain/current", "epoch": "epoch-ai"}


def _load(store: Path, shared_data: Path, order: tuple[str, ...]) -> dict[str, str]:
    outputs = {}
    for reader in order:
        if reader == "seed":
            outputs[reader] = run_cli(store, "seed")
        else:
            outputs[reader] = run_cli(store, "ingest", reader,
                                      str(shared_data / FOLDERS[reader]), "--source", reader)
    assert all(r.exit_code == 0 for r in outputs.values()), {
        k: r.output for k, r in outputs.items()}
    return {k: r.output for k, r in outputs.items()}


@pytest.fixture(scope="module")
def merged_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    if not (SEEDS_DIR / "nodes.csv").is_file():
        pytest.skip("the bundled seeds are not in this checkout")
    store = tmp_path_factory.mktemp("merge") / "graph.db"
    return store, _load(store, shared_data, ("seed", "eto", "epoch"))


@pytest.fixture(scope="module")
def reversed_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("reversed") / "graph.db"
    _load(store, shared_data, ("epoch", "eto", "seed"))
    return store


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


def test_the_other_order_gives_the_same_export_and_chokepoints(merged_store,
                                                               reversed_store: Path,
                                                               tmp_path: Path) -> None:
    store, _ = merged_store
    for name, path in (("forward", store), ("reversed", reversed_store)):
        assert run_cli(path, "export", "--format", "json", "--out",
                       str(tmp_path / f"{name}.json")).exit_code == 0
    assert (tmp_path / "forward.json").read_bytes() == (tmp_path / "reversed.json").read_bytes()
    outputs = [run_cli(p, "analyze", "chokepoints", "--format", "json").output
               for p in (store, reversed_store)]
    assert outputs[0] == outputs[1] and json.loads(outputs[0])
    conflicts = [run_cli(p, "conflicts", "--format", "json").output
                 for p in (store, reversed_store)]
    assert conflicts[0] == conflicts[1]


def _seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_what_the_seeds_cite_survives_the_public_data(merged_store) -> None:
    store, _ = merged_store
    with SQLiteStore(store) as opened:
        nodes = {n.id: n for n in opened.nodes()}
        rels = {r.key: r for r in opened.relationships()}
    for row in _seed_rows("nodes.csv"):
        if row["min_supply_share"]:
            assert nodes[row["id"]].min_supply_share == float(row["min_supply_share"]), row["id"]
    for row in _seed_rows("edges.csv"):
        kind = row["kind"].upper()
        if row["share"] and kind in ("SUPPLIED_BY", "LOCATED_IN"):
            rel = rels[(row["from"], row["to"], kind)]
            assert (rel.counted, rel.share) == (True, float(row["share"])), rel.key


def test_no_item_counts_more_than_its_whole_market(merged_store) -> None:
    store, _ = merged_store
    sums: dict[tuple[str, str], float] = defaultdict(float)
    with SQLiteStore(store) as opened:
        for rel in opened.relationships():
            if rel.counted and rel.share is not None and rel.kind in SHARE_KINDS:
                sums[(rel.from_id, rel.kind.value)] += rel.share
    assert max(sums.values()) <= 1 + SHARE_TOLERANCE


def test_the_conflicts_are_listed_with_their_winner(merged_store) -> None:
    store, _ = merged_store
    listed = json.loads(run_cli(store, "conflicts", "--format", "json").output)["conflicts"]
    tools = [c for c in listed if c["element"] == "process-control-tools"
             and c["property"] == "SUPPLIED_BY shares"]
    assert tools and tools[0]["winner"] == "seeds"
    assert {v["source"] for v in tools[0]["values"]} == {"seeds", "eto"}
    # Shares equal but for a reader's rounding noise do not disagree.
    assert not [c for c in listed if c["element"] == "arf-dry-lithography-tools"
                and c["property"] == "SUPPLIED_BY shares"]
    stats = json.loads(run_cli(store, "stats", "--format", "json").output)
    assert stats["conflicts"] == len(listed) > 0


def test_no_two_sources_name_one_entity_with_two_ids(merged_store) -> None:
    store, _ = merged_store
    with SQLiteStore(store) as opened:
        nodes = opened.nodes()
    ids = {n.id for n in nodes}
    assert "sumitomo" not in ids and "sumitomo-chemical" in ids
    same_key = [[n.id for n in group] for group in possible_duplicates(nodes)
                if len({name_key(n.name) for n in group}) == 1]
    assert same_key == []
