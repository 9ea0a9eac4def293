"""Single points of failure agree with failing each node alone, for every target at once."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from supply_oracles import down_by_brute_force, supply_graphs

from analysis.spof import dependency_components, dependency_order, single_points_of_failure
from graph.errors import NotFoundError

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(supply_graphs())
def test_spofs_of_all_targets_match_single_failures_by_brute_force(
        graph: nx.MultiDiGraph) -> None:
    targets = sorted(graph)
    expected = {t: sorted(v for v in graph if v != t and down_by_brute_force(graph, t, {v}))
                for t in targets}
    assert single_points_of_failure(graph, targets) == expected


def test_default_targets_are_the_industry_nodes() -> None:
    graph = nx.MultiDiGraph()
    graph.add_node("cars", kind="industry")
    graph.add_node("steel", kind="industry")
    graph.add_node("chip", kind="chip")
    graph.add_edge("cars", "chip", key="REQUIRES")
    assert single_points_of_failure(graph) == {"cars": ["chip"], "steel": []}


def test_a_target_is_not_its_own_spof() -> None:
    graph = nx.MultiDiGraph()
    graph.add_node("alone", kind="industry")
    assert single_points_of_failure(graph, ["alone"]) == {"alone": []}


def test_an_unknown_target_is_refused() -> None:
    graph = nx.MultiDiGraph()
    graph.add_node("a", kind="industry")
    with pytest.raises(NotFoundError):
        single_points_of_failure(graph, ["nope"])


def test_a_two_of_three_group_has_no_spof_but_its_shared_input_is_one() -> None:
    graph = nx.MultiDiGraph()
    for node in ("t", "a", "b", "c", "fab"):
        graph.add_node(node, kind="component")
    for member in ("a", "b", "c"):
        graph.add_edge("t", member, key="REQUIRES", group="g", min_required=2)
    graph.add_edge("a", "fab", key="REQUIRES")
    graph.add_edge("b", "fab", key="REQUIRES")
    assert single_points_of_failure(graph, ["t"]) == {"t": ["fab"]}


@FAST
@given(st.lists(st.lists(st.integers(0, 11), max_size=4), min_size=1, max_size=12))
def test_dependency_components_are_the_condensation_in_dependency_order(
        raw: list[list[int]]) -> None:
    inputs = [[m % len(raw) for m in node_inputs] for node_inputs in raw]
    for found in (dependency_components(inputs), dependency_order(
            len(inputs), np.array([n for n, ms in enumerate(inputs) for _ in ms], dtype=int),
            np.array([m for ms in inputs for m in ms], dtype=int))):
        check_components(inputs, found)


def check_components(inputs: list[list[int]], found: list[list[int]]) -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(inputs)))
    graph.add_edges_from((node, m) for node, node_inputs in enumerate(inputs) for m in node_inputs)
    assert sorted(map(sorted, found)) == sorted(
        sorted(c) for c in nx.strongly_connected_components(graph))
    position = {node: i for i, component in enumerate(found) for node in component}
    for node, node_inputs in enumerate(inputs):
        assert all(position[m] <= position[node] for m in node_inputs)
