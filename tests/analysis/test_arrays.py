"""A graph held in arrays gives the same SPOFs as the same graph in networkx."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from supply_oracles import requirement_named_group_graph, supply_graphs

from analysis.arrays import GraphArrays, indexed_rules, spofs_from_arrays
from analysis.spof import single_points_of_failure
from graph.errors import NotFoundError

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(supply_graphs())
def test_spofs_from_arrays_equal_those_of_the_graph(graph: nx.MultiDiGraph) -> None:
    targets = sorted(graph)
    arrays = GraphArrays.from_graph(graph)
    assert spofs_from_arrays(arrays, targets) == single_points_of_failure(graph, targets)
    assert spofs_from_arrays(arrays) == single_points_of_failure(graph)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(supply_graphs())
def test_arrays_round_trip_through_networkx(graph: nx.MultiDiGraph) -> None:
    back = GraphArrays.from_graph(graph).to_graph()
    targets = sorted(graph)
    assert sorted(back.edges(keys=True)) == sorted(graph.edges(keys=True))
    assert single_points_of_failure(back, targets) == single_points_of_failure(graph, targets)


def test_arrays_are_saved_and_loaded(tmp_path: Path) -> None:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(["car", "chip", "a", "b"], kind="component")
    graph.add_edge("car", "chip", key="REQUIRES")
    graph.add_edge("chip", "a", key="SUPPLIED_BY", share=0.9)
    graph.add_edge("chip", "b", key="SUPPLIED_BY", share=0.1)
    graph.nodes["chip"]["min_supply_share"] = 0.5
    GraphArrays.from_graph(graph).save(tmp_path / "g.npz")
    loaded = GraphArrays.load(tmp_path / "g.npz")
    assert spofs_from_arrays(loaded, ["car"]) == {"car": ["a", "chip"]}
    with pytest.raises(NotFoundError, match="nope"):
        spofs_from_arrays(loaded, ["nope"])


@FAST
@given(supply_graphs())
def test_whole_array_rules_equal_rules_compiled_one_by_one(graph: nx.MultiDiGraph) -> None:
    arrays = GraphArrays.from_graph(graph)
    fast, plain = indexed_rules(arrays, merge=False), indexed_rules(arrays, vectorised=False)
    for mine, theirs in zip(fast.rules, plain.rules, strict=True):
        assert sorted((k, sorted(m), s) for k, m, _, s in mine) == \
            sorted((k, sorted(m), s) for k, m, _, s in theirs)
    assert sorted(map(sorted, fast.components)) == sorted(map(sorted, plain.components))


def test_groups_named_like_hard_requirements_merge_with_them() -> None:
    graph = requirement_named_group_graph()
    arrays = GraphArrays.from_graph(graph)
    assert spofs_from_arrays(arrays, ["t"]) == single_points_of_failure(graph, ["t"]) == \
        {"t": ["c"]}
