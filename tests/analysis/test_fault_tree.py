"""Open-PSA export: the fault tree of a target has the target's cut sets and probability,
read back by our reader and, where SCRAM is installed, by SCRAM itself."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analysis.cutsets import minimal_cut_sets
from analysis.fault_tree import OWN_PREFIX, FaultTreeError, fault_tree, to_openpsa
from analysis.probability import failure_probability
from graph.networkx_view import to_networkx
from ingest.openpsa import openpsa_id, read_openpsa_files
from ingest.safe_xml import Element, parse_xml
from tests.analysis.supply_oracles import (
    KINDS,
    minimal_cut_sets_by_brute_force,
    probability_by_brute_force,
    supply_graphs,
)
from tests.conftest import skip_or_fail

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_back(text: str, tmp: Path) -> nx.MultiDiGraph:
    path = tmp / "tree.xml"
    path.write_text(text, encoding="utf-8")
    batch = read_openpsa_files([path], source="back")
    return to_networkx(batch.nodes, batch.relationships)


def original_ids(cut: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(n.removeprefix(OWN_PREFIX) for n in cut))


def exported_cut_sets(graph: nx.MultiDiGraph, target: str, tmp: Path,
                      kinds: list[str] | None = None) -> list[tuple[str, ...]]:
    back = read_back(to_openpsa(fault_tree(graph, target, fail_kinds=kinds)), tmp)
    cuts = minimal_cut_sets(back, target, max_order=None, fail_kinds=["component"]).cut_sets
    mapped = [original_ids(c) for c in cuts if c != (f"{OWN_PREFIX}{target.lower()}",)]
    return sorted(mapped, key=lambda s: (len(s), s))


def acyclic_cone(graph: nx.MultiDiGraph, target: str) -> bool:
    try:
        fault_tree(graph, target)
    except FaultTreeError:
        return False
    return True


@FAST
@given(supply_graphs(max_nodes=8), st.data())
def test_the_exported_tree_has_the_targets_cut_sets(graph: nx.MultiDiGraph,
                                                    data: st.DataObject) -> None:
    assume(acyclic_cone(graph, "n0"))
    kinds = data.draw(st.none() | st.lists(st.sampled_from(KINDS), min_size=1, unique=True))
    candidates = [n for n in graph if n != "n0"
                  and (kinds is None or graph.nodes[n]["kind"] in kinds)]
    expected = minimal_cut_sets_by_brute_force(graph, "n0", candidates)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            found = exported_cut_sets(graph, "n0", Path(tmp), kinds)
        except FaultTreeError as exc:  # a constant tree: nothing may fail, or always down
            assert "constant" in str(exc)
            assert expected in ([], [()])
            return
    assert found == expected


@FAST
@given(supply_graphs(max_nodes=8))
def test_the_exported_tree_has_the_targets_probability(graph: nx.MultiDiGraph) -> None:
    assume(acyclic_cone(graph, "n0"))
    tree = fault_tree(graph, "n0")
    with tempfile.TemporaryDirectory() as tmp:
        back = read_back(to_openpsa(tree), Path(tmp))
    found = failure_probability(back, "n0", method="exact").probability
    assert found == pytest.approx(probability_by_brute_force(graph, "n0"), abs=1e-9)


def test_unequal_shares_become_an_and_or_formula(tmp_path: Path) -> None:
    graph = nx.MultiDiGraph()
    graph.add_node("chip", kind="chip", min_supply_share=0.7)
    for supplier, share in (("a", 0.6), ("b", 0.3), ("c", 0.1)):
        graph.add_node(supplier, kind="supplier")
        graph.add_edge("chip", supplier, key="SUPPLIED_BY", share=share)
    # Down when the up suppliers hold under 70 %: a fails, or b and c both fail.
    assert exported_cut_sets(graph, "chip", tmp_path) == [("a",), ("b", "c")]


def test_a_cycle_is_refused() -> None:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(["t", "a", "b"], kind="component")
    graph.add_edges_from([("t", "a", "REQUIRES"), ("a", "b", "REQUIRES"), ("b", "a", "REQUIRES")])
    with pytest.raises(FaultTreeError, match="cycle"):
        fault_tree(graph, "t")


def test_a_fault_tree_survives_ingest_and_export_unchanged(tmp_path: Path) -> None:
    from tests.ingest.test_openpsa import MODEL as TEXT

    first = read_back(TEXT, tmp_path)
    again = read_back(to_openpsa(fault_tree(first, "theatre", fail_kinds=["component"]),
                                 {n: d["name"] for n, d in first.nodes(data=True)}), tmp_path)

    def shape(g: nx.MultiDiGraph) -> tuple[object, ...]:
        return (sorted((n, d["kind"], d["name"], d.get("failure_probability"))
                       for n, d in g.nodes(data=True) if n != "fuel3"),
                sorted((a, b, d.get("min_required")) for a, b, d in g.edges(data=True)
                       if b != "fuel3"))

    # Fuel3 (probability 0, a basic event) still may fail; only the tree's layout may differ.
    assert shape(again)[0] == shape(first)[0]
    assert minimal_cut_sets(again, "theatre", max_order=None, fail_kinds=["component"]) \
        .cut_sets == minimal_cut_sets(first, "theatre", max_order=None,
                                      fail_kinds=["component"]).cut_sets


# -- SCRAM ------------------------------------------------------------------------------------
# SCRAM's bundled models that are coherent fault trees with constant probabilities.
BUNDLED = {
    "theatre": ["Theatre/theatre.xml"],
    "two_train": ["TwoTrain/two_train.xml"],
    "ne574": ["ne574/ne574.xml"],
    "lift": ["Lift/lift.xml"],
    "chinese": ["Chinese/chinese.xml", "Chinese/chinese-basic-events.xml"],
    "baobab2": ["Baobab/baobab2.xml", "Baobab/baobab2-basic-events.xml"],
    "baobab1": ["Baobab/baobab1.xml", "Baobab/baobab1-basic-events.xml"],
}


@pytest.fixture(scope="session")
def scram() -> str:
    found = shutil.which("scram")
    if not found:
        skip_or_fail("SCRAM is not installed (apt-get install scram)")
    return str(found)


@pytest.fixture(scope="session")
def scram_inputs(scram: str) -> Path:
    inputs = Path(scram).resolve().parents[1] / "share" / "scram" / "input"
    if not inputs.is_dir():
        skip_or_fail(f"SCRAM's bundled input models are not at {inputs}")
    return inputs


def run_scram(scram: str, files: list[Path], tmp: Path) -> dict[str, tuple[set[frozenset[str]],
                                                                           float]]:
    """SCRAM's minimal cut sets and exact probability per top gate (ids as ours)."""
    report = tmp / "report.xml"
    subprocess.run([scram, "--probability", "true", "--limit-order", "100", "--cut-off", "0",
                    "-o", str(report), *map(str, files)],
                   check=True, capture_output=True, timeout=600)
    ids = {}
    for file in files:
        for element in _definitions(parse_xml(file)):
            name = element.attributes["name"]
            given = [a.attributes["value"] for block in element.children
                     if block.tag == "attributes" for a in block.children
                     if a.attributes.get("name") == "chokepoint-id"]
            ids[name] = given[0] if given else openpsa_id(name)
    results = {}
    for found in parse_xml(report).children:
        if found.tag != "results":
            continue
        for products in found.children:
            sets = {frozenset(ids[e.attributes["name"]] for e in product.children)
                    for product in products.children if product.tag == "product"}
            results[ids[products.attributes["name"]]] = (
                sets, float(products.attributes["probability"]))
    return results


def _definitions(element: Element) -> Iterator[Element]:
    for child in element.children:
        if child.tag.startswith("define-") and child.tag != "define-fault-tree":
            yield child
        yield from _definitions(child)


def check_against_scram(graph: nx.MultiDiGraph, scram_results: dict[str, tuple[set, float]],
                        fail_kinds: list[str] | None) -> None:
    assert scram_results
    by_lower = {n.lower(): n for n in graph}

    def node(event: str) -> str:  # an exported tree names a node's own failure own:<id>
        return by_lower[event.removeprefix(OWN_PREFIX)] if event.startswith(OWN_PREFIX) \
            else event

    for top, (sets, probability) in scram_results.items():
        ours = minimal_cut_sets(graph, top, max_order=None, fail_kinds=fail_kinds)
        theirs = {frozenset(node(e) for e in s) for s in sets} - {frozenset({top})}
        assert {frozenset(c) for c in ours.cut_sets} == theirs, top
        exact = failure_probability(graph, top, method="exact").probability
        assert exact == pytest.approx(probability, rel=2e-5, abs=1e-300), top


@pytest.mark.parametrize("model", list(BUNDLED))
def test_scram_and_chokepoint_agree_on_scrams_bundled_models(
        model: str, scram: str, scram_inputs: Path, tmp_path: Path) -> None:
    files = [scram_inputs / f for f in BUNDLED[model]]
    batch = read_openpsa_files(files, source=model)
    graph = to_networkx(batch.nodes, batch.relationships)
    check_against_scram(graph, run_scram(scram, files, tmp_path), ["component"])


@pytest.mark.parametrize(("target", "fail_kinds"), [
    ("cn-automotive", ["supplier", "country"]),
    ("us-automotive", ["supplier", "country"]),
    ("nvidia-h100", None),
])
def test_scram_agrees_with_the_seeds_exported_fault_trees(
        target: str, fail_kinds: list[str] | None, scram: str, tmp_path: Path) -> None:
    from ingest.tabular import read_tabular
    from seeds import SEEDS_DIR

    batch = read_tabular(SEEDS_DIR, source="seeds")
    graph = to_networkx(batch.nodes, batch.relationships)
    if target not in graph:
        pytest.fail(f"{target} is no longer in the seeds; pick another target")
    tree = fault_tree(graph, target, fail_kinds=fail_kinds)
    path = tmp_path / "tree.xml"
    path.write_text(to_openpsa(tree), encoding="utf-8")
    results = run_scram(scram, [path], tmp_path)
    assert set(results) == {target}
    check_against_scram(graph, results, fail_kinds)
