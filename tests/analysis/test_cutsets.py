"""Minimal cut sets agree with the minimal failure sets found by enumerating every subset."""

from __future__ import annotations

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from supply_oracles import KINDS, minimal_cut_sets_by_brute_force, supply_graphs

from analysis.cutsets import minimal_cut_sets

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(supply_graphs(), st.integers(1, 9))
def test_cut_sets_up_to_an_order_match_brute_force(graph: nx.MultiDiGraph, order: int) -> None:
    candidates = sorted(n for n in graph if n != "n0")
    every = minimal_cut_sets_by_brute_force(graph, "n0", candidates)
    result = minimal_cut_sets(graph, "n0", max_order=order)
    assert result.cut_sets == [s for s in every if len(s) <= order]
    assert result.truncated == any(len(s) > order for s in every)
    assert minimal_cut_sets(graph, "n0", max_order=None).cut_sets == every


@FAST
@given(supply_graphs(), st.sets(st.sampled_from(KINDS), min_size=1))
def test_cut_sets_over_some_kinds_only_fail_those_kinds(graph: nx.MultiDiGraph,
                                                         kinds: set[str]) -> None:
    candidates = sorted(n for n in graph if n != "n0" and graph.nodes[n]["kind"] in kinds)
    every = minimal_cut_sets_by_brute_force(graph, "n0", candidates)
    result = minimal_cut_sets(graph, "n0", max_order=2, fail_kinds=sorted(kinds))
    assert result.cut_sets == [s for s in every if len(s) <= 2]
    assert result.truncated == any(len(s) > 2 for s in every)


@FAST
@given(supply_graphs(), st.integers(0, 4))
def test_a_limit_keeps_the_smallest_sets_and_says_so(graph: nx.MultiDiGraph, limit: int) -> None:
    full = minimal_cut_sets(graph, "n0", max_order=None)
    limited = minimal_cut_sets(graph, "n0", max_order=None, limit=limit)
    assert limited.cut_sets == full.cut_sets[:limit]
    assert limited.truncated == (len(full.cut_sets) > limit)
    assert limited.total == len(full.cut_sets)


def test_the_json_document_has_exactly_the_contract_fields() -> None:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(["t", "a", "b"], kind="component")
    graph.add_edge("t", "a", key="SUPPLIED_BY")
    graph.add_edge("t", "b", key="SUPPLIED_BY")
    assert minimal_cut_sets(graph, "t", max_order=1).to_json() == {
        "target": "t", "max_order": 1, "cut_sets": [], "truncated": True}


def test_a_diagram_over_its_budget_is_refused_with_advice_instead_of_exhausting_memory():
    import networkx as nx
    import pytest

    from analysis.cutsets import minimal_cut_sets
    from analysis.diagram import DiagramTooLarge

    graph = nx.MultiDiGraph()
    graph.add_node("t", kind="industry")
    for i in range(12):
        graph.add_node(f"x{i}", kind="supplier")
        graph.add_node(f"y{i}", kind="country")
        graph.add_edge("t", f"x{i}", "SUPPLIED_BY")
        graph.add_edge(f"x{i}", f"y{i}", "LOCATED_IN")
    with pytest.raises(DiagramTooLarge, match="--fail-kinds"):
        minimal_cut_sets(graph, "t", node_budget=5)


def test_over_the_budget_the_message_names_the_node_and_the_kinds_that_fit():
    import re

    import pytest

    from analysis.diagram import DiagramTooLarge

    graph = nx.MultiDiGraph()
    graph.add_node("t", kind="industry")
    for i in range(12):
        graph.add_node(f"x{i}", kind="supplier")
        graph.add_node(f"y{i}", kind="country")
        graph.add_edge("t", f"x{i}", "SUPPLIED_BY")
        graph.add_edge(f"x{i}", f"y{i}", "LOCATED_IN")
        graph.add_edge(f"x{i}", f"c{i}", "LOCATED_IN")
        graph.add_node(f"c{i}", kind="country")
    with pytest.raises(DiagramTooLarge) as caught:
        minimal_cut_sets(graph, "t", max_order=3, node_budget=60)
    message = str(caught.value)
    assert re.search(r"passed 60 nodes at '(x|t)\d*' over 36 nodes that may fail", message)
    assert "--fail-kinds supplier fits in the budget" in message
    fitting = minimal_cut_sets(graph, "t", max_order=3, node_budget=60, fail_kinds=["supplier"])
    assert fitting.cut_sets == [] and fitting.higher_order_omitted
