"""Named reliability structures, written as supply graphs, give their textbook answers.

Besides series, parallel, 2-out-of-3 and the classic five-component bridge network, two
models are built by hand in the style of the standard fault-tree benchmarks: a two-out-of-
three pump system whose trains share a power bus, and a dual-channel system with a common-
cause failure event.
"""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

from analysis.cutsets import minimal_cut_sets
from analysis.importance import importance_measures
from analysis.probability import failure_probability
from analysis.spof import single_points_of_failure


def supply_graph(failing: dict[str, float], edges: list[tuple[str, str, str, dict]]
                 ) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for source, target, _, _ in edges:
        for node in (source, target):
            graph.add_node(node, kind="component" if node in failing else "model",
                           failure_probability=failing.get(node, 0.0))
    for source, target, kind, attrs in edges:
        graph.add_edge(source, target, key=kind, **attrs)
    return graph


def check(graph: nx.MultiDiGraph, cut_sets: list[tuple[str, ...]], probability: float) -> None:
    found = minimal_cut_sets(graph, "t", max_order=None, fail_kinds=["component"])
    assert found.cut_sets == cut_sets
    assert not found.truncated
    exact = failure_probability(graph, "t", method="exact")
    assert exact.probability == pytest.approx(probability, rel=1e-12)
    sampled = failure_probability(graph, "t", method="montecarlo", samples=50_000, seed=11)
    assert sampled.interval[0] <= probability <= sampled.interval[1]
    assert importance_measures(graph, "t").probability == pytest.approx(probability, rel=1e-12)


def test_series_system_fails_with_any_component() -> None:
    graph = supply_graph({"a": 0.1, "b": 0.2, "c": 0.3},
                         [("t", x, "REQUIRES", {}) for x in "abc"])
    check(graph, [("a",), ("b",), ("c",)], 1 - 0.9 * 0.8 * 0.7)
    assert single_points_of_failure(graph, ["t"]) == {"t": ["a", "b", "c"]}


def test_parallel_system_fails_only_with_all_components() -> None:
    graph = supply_graph({"a": 0.1, "b": 0.2, "c": 0.3},
                         [("t", x, "SUPPLIED_BY", {}) for x in "abc"])
    check(graph, [("a", "b", "c")], 0.1 * 0.2 * 0.3)
    assert single_points_of_failure(graph, ["t"]) == {"t": []}


def test_two_out_of_three_system() -> None:
    q = 0.1
    graph = supply_graph({x: q for x in "abc"},
                         [("t", x, "REQUIRES", {"group": "g", "min_required": 2}) for x in "abc"])
    check(graph, [("a", "b"), ("a", "c"), ("b", "c")], 3 * q * q * (1 - q) + q**3)


def test_majority_share_threshold_is_a_weighted_vote() -> None:
    # Up iff suppliers holding at least 60 % are up: shares 0.5 / 0.3 / 0.2.
    q = 0.1
    graph = supply_graph({x: q for x in "abc"},
                         [("t", "a", "SUPPLIED_BY", {"share": 0.5}),
                          ("t", "b", "SUPPLIED_BY", {"share": 0.3}),
                          ("t", "c", "SUPPLIED_BY", {"share": 0.2})])
    graph.nodes["t"]["min_supply_share"] = 0.6
    # Up sets: {a,b}, {a,c} (0.7), {a,b,c}; so down iff a fails or b and c both fail.
    check(graph, [("a",), ("b", "c")], q + (1 - q) * q * q)


def bridge_network(q: float) -> nx.MultiDiGraph:
    """Components 1 (S→A), 2 (S→B), 3 (A↔B), 4 (A→T), 5 (B→T); the bridge is unrolled in
    both directions so that flow, not a supply cycle, decides."""
    return supply_graph({f"c{i}": q for i in range(1, 6)}, [
        ("a-via-b", "c2", "REQUIRES", {}), ("a-via-b", "c3", "REQUIRES", {}),
        ("b-via-a", "c1", "REQUIRES", {}), ("b-via-a", "c3", "REQUIRES", {}),
        ("at-a", "c1", "SUPPLIED_BY", {}), ("at-a", "a-via-b", "SUPPLIED_BY", {}),
        ("at-b", "c2", "SUPPLIED_BY", {}), ("at-b", "b-via-a", "SUPPLIED_BY", {}),
        ("out-4", "at-a", "REQUIRES", {}), ("out-4", "c4", "REQUIRES", {}),
        ("out-5", "at-b", "REQUIRES", {}), ("out-5", "c5", "REQUIRES", {}),
        ("t", "out-4", "SUPPLIED_BY", {}), ("t", "out-5", "SUPPLIED_BY", {}),
    ])


@pytest.mark.parametrize("q", [0.1, 0.3, 0.5])
def test_bridge_network_has_its_textbook_cut_sets_and_reliability(q: float) -> None:
    r = 1 - q
    reliability = 2 * r**2 + 2 * r**3 - 5 * r**4 + 2 * r**5
    check(bridge_network(q), [("c1", "c2"), ("c4", "c5"), ("c1", "c3", "c5"),
                              ("c2", "c3", "c4")], 1 - reliability)


def test_pump_trains_two_out_of_three_with_a_shared_bus() -> None:
    qp, qv, qbus = 0.05, 0.02, 0.001
    failing = {"bus": qbus} | {f"p{i}": qp for i in (1, 2, 3)} | {f"v{i}": qv for i in (1, 2, 3)}
    edges = [("t", f"train{i}", "REQUIRES", {"group": "trains", "min_required": 2})
             for i in (1, 2, 3)]
    for i in (1, 2, 3):
        edges += [(f"train{i}", x, "REQUIRES", {}) for x in (f"p{i}", f"v{i}", "bus")]
    graph = supply_graph(failing, edges)
    pairs = [tuple(sorted((x, y))) for i, j in itertools.combinations((1, 2, 3), 2)
             for x in (f"p{i}", f"v{i}") for y in (f"p{j}", f"v{j}")]
    qt = 1 - (1 - qp) * (1 - qv)
    two_of_three = 3 * qt**2 * (1 - qt) + qt**3
    check(graph, [("bus",), *sorted(pairs)], qbus + (1 - qbus) * two_of_three)


def test_dual_channel_with_common_cause() -> None:
    qa, qb, qccf = 0.01, 0.02, 0.001
    failing = {"ccf": qccf, "a1": qa, "a2": qa, "b1": qb, "b2": qb}
    edges = [("t", "ch1", "SUPPLIED_BY", {}), ("t", "ch2", "SUPPLIED_BY", {})]
    for i in (1, 2):
        edges += [(f"ch{i}", x, "REQUIRES", {}) for x in ("ccf", f"a{i}", f"b{i}")]
    graph = supply_graph(failing, edges)
    channel = 1 - (1 - qa) * (1 - qb)
    check(graph, [("ccf",), ("a1", "a2"), ("a1", "b2"), ("a2", "b1"), ("b1", "b2")],
          qccf + (1 - qccf) * channel**2)
