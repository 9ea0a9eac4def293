"""Importance measures agree with conditional probabilities found by enumeration."""

from __future__ import annotations

import math

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from supply_oracles import probability_by_brute_force, supply_graphs

from analysis.importance import importance_measures

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ratio(numerator: float, denominator: float) -> float | None:
    if abs(denominator) < 1e-15:
        return math.inf if numerator > 1e-12 else None
    return numerator / denominator


def close(actual: float | None, expected: float | None) -> bool:
    if expected is None or actual is None or math.isinf(expected) or math.isinf(actual):
        return True  # conventions at zero denominators are checked by their own tests
    return actual == pytest.approx(expected, rel=1e-7, abs=1e-9)


@FAST
@given(supply_graphs(max_nodes=7))
def test_importance_matches_brute_force_conditioning(graph: nx.MultiDiGraph) -> None:
    result = importance_measures(graph, "n0")
    total = probability_by_brute_force(graph, "n0")
    assert result.probability == pytest.approx(total, abs=1e-12)
    listed = {n.id: n for n in result.nodes}
    assert "n0" not in listed  # a target is never among its own importance rows
    for node in sorted(set(graph) - {"n0"}):
        failed = probability_by_brute_force(graph, "n0", {node: True})
        up = probability_by_brute_force(graph, "n0", {node: False})
        if node not in listed:
            assert failed == pytest.approx(up, abs=1e-12)
            continue
        measured = listed[node]
        assert measured.birnbaum == pytest.approx(failed - up, abs=1e-9)
        assert close(measured.fussell_vesely, ratio(total - up, total))
        assert close(measured.raw, ratio(failed, total))
        assert close(measured.rrw, ratio(total, up))


def series_pair(p: float) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    graph.add_node("t", kind="industry")
    graph.add_nodes_from(["a", "b"], kind="supplier", failure_probability=p)
    graph.add_edge("t", "a", key="REQUIRES")
    graph.add_edge("t", "b", key="REQUIRES")
    return graph


def test_series_pair_has_textbook_importance() -> None:
    a = {n.id: n for n in importance_measures(series_pair(0.1), "t").nodes}["a"]
    total = 1 - 0.9 * 0.9
    assert a.birnbaum == pytest.approx(0.9)
    assert a.fussell_vesely == pytest.approx((total - 0.1) / total)
    assert a.raw == pytest.approx(1 / total)
    assert a.rrw == pytest.approx(total / 0.1)


def test_zero_probabilities_give_the_documented_conventions() -> None:
    a = {n.id: n for n in importance_measures(series_pair(0.0), "t").nodes}["a"]
    assert a.birnbaum == 1.0
    assert a.fussell_vesely is None and a.rrw is None
    assert a.raw == math.inf
    doc = importance_measures(series_pair(0.0), "t").to_json()
    assert doc["nodes"][0]["raw"] is None


def test_a_target_is_not_among_its_own_rows_and_a_zero_probability_says_why() -> None:
    result = importance_measures(series_pair(0.0), "t")
    assert "t" not in {n.id for n in result.nodes}
    assert result.note is not None
    assert "no node t depends on has a failure_probability" in result.note
    assert "failure_probability column of nodes.csv" in result.note
    assert result.to_json()["note"] == result.note
    assert importance_measures(series_pair(0.1), "t").note is None


def test_a_zero_probability_names_the_few_nodes_that_have_one() -> None:
    from analysis.probability import failure_probability

    graph = series_pair(0.0)
    graph.add_node("c", kind="supplier", failure_probability=0.3)
    graph.add_node("d", kind="supplier")
    graph.add_edge("a", "c", key="SUPPLIED_BY")
    graph.add_edge("a", "d", key="SUPPLIED_BY")
    result = failure_probability(graph, "t")
    assert result.probability == 0.0
    assert result.note is not None and "only c of the 5 nodes" in result.note
    assert "does not take t down" in result.note
    assert failure_probability(series_pair(0.1), "t").note is None
