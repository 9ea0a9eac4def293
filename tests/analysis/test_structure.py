"""The compiled structure function agrees with the design's semantics on every failure set."""

from __future__ import annotations

import itertools

import networkx as nx
from hypothesis import HealthCheck, given, settings
from supply_oracles import down_by_brute_force, supply_graphs

from analysis.structure import compile_structure

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def chain(*edges: tuple[str, str, str]) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for source, target, kind in edges:
        graph.add_node(source, kind="component")
        graph.add_node(target, kind="component")
        graph.add_edge(source, target, key=kind)
    return graph


@FAST
@given(supply_graphs(max_nodes=6))
def test_is_down_matches_the_semantics_on_every_failure_subset(graph: nx.MultiDiGraph) -> None:
    structure = compile_structure(graph)
    nodes = sorted(graph)
    for size in range(len(nodes) + 1):
        for failed in itertools.combinations(nodes, size):
            assert structure.is_down("n0", failed) == down_by_brute_force(graph, "n0", failed)


def test_a_cycle_alone_takes_nothing_down() -> None:
    graph = chain(("a", "b", "REQUIRES"), ("b", "a", "REQUIRES"), ("c", "a", "REQUIRES"))
    structure = compile_structure(graph)
    assert not structure.is_down("c", set())
    assert structure.is_down("c", {"b"})


def test_a_self_supplying_node_stays_up_until_it_fails() -> None:
    graph = chain(("a", "a", "SUPPLIED_BY"))
    structure = compile_structure(graph)
    assert not structure.is_down("a", set())
    assert structure.is_down("a", {"a"})


def test_a_share_threshold_needs_that_much_of_the_capacity_up() -> None:
    graph = chain(("x", "big", "SUPPLIED_BY"), ("x", "small", "SUPPLIED_BY"))
    graph.edges["x", "big", "SUPPLIED_BY"]["share"] = 0.7
    graph.edges["x", "small", "SUPPLIED_BY"]["share"] = 0.3
    graph.nodes["x"]["min_supply_share"] = 0.5
    structure = compile_structure(graph)
    assert not structure.is_down("x", {"small"})
    assert structure.is_down("x", {"big"})


def test_a_threshold_of_one_needs_every_supplier_even_with_thirds() -> None:
    graph = chain(("x", "a", "SUPPLIED_BY"), ("x", "b", "SUPPLIED_BY"), ("x", "c", "SUPPLIED_BY"))
    graph.nodes["x"]["min_supply_share"] = 1.0
    structure = compile_structure(graph)
    assert not structure.is_down("x", set())
    assert structure.is_down("x", {"c"})


def test_a_node_without_locations_is_located_at_its_headquarters() -> None:
    graph = chain(("x", "TW", "HEADQUARTERED_IN"))
    assert compile_structure(graph).is_down("x", {"TW"})
