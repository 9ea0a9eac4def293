"""The capacity model held in arrays gives the capacity model's availabilities, node by node."""

from __future__ import annotations

import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from supply_oracles import requirement_named_group_graph, supply_graphs
from time_oracles import HORIZONS, timed_supply_graphs

from analysis.arrays import GraphArrays
from analysis.capacity import Block, CapacityModel
from analysis.capacity_arrays import ArrayCapacity, dependency_levels
from analysis.horizon import capacity_at
from analysis.scenario import parse_scenario, run_scenario
from graph.errors import InputError, NotFoundError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from supplygen import supply_arrays, supply_graph  # noqa: E402

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEVERITIES = (1.0, 1.0, 0.5, 0.25, 0.9)
# A cycle a disruption drains slowly stops at the models' caps short of its fixpoint, each
# model at its own point: the dictionary model may evaluate a node of a cycle several times a
# round, so its cap of 10,000 evaluations can come after about 1,000 rounds.  A severity of
# 0.016 split over two suppliers drains 0.8 % a round and left the two models 6.6e-5 apart
# near their common fixpoint 0; severities under 5 % are left out.
SMALL_TO_FULL = st.just(0.0) | st.floats(0.05, 1.0)


def assert_same(graph: nx.MultiDiGraph, model: ArrayCapacity,
                disruption: dict[str, float]) -> None:
    want = CapacityModel.from_graph(graph).availability(disruption)
    got = model.availability(disruption)
    for node in graph:
        assert got[model.index[node]] == pytest.approx(want[node], abs=1e-6), node


@FAST
@given(st.data())
def test_array_availability_equals_the_capacity_model_on_random_graphs(data) -> None:
    graph = data.draw(supply_graphs())
    disruption = data.draw(st.dictionaries(st.sampled_from(sorted(graph)),
                                           st.sampled_from(SEVERITIES), max_size=3))
    assert_same(graph, ArrayCapacity.from_graph(graph), disruption)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_one_compiled_model_answers_many_scenarios(data) -> None:
    graph = data.draw(supply_graphs())
    model = ArrayCapacity.from_graph(graph)
    for _ in range(3):
        disruption = data.draw(st.dictionaries(st.sampled_from(sorted(graph)),
                                               SMALL_TO_FULL, max_size=4))
        assert_same(graph, model, disruption)


@FAST
@given(st.data())
def test_a_k_of_n_group_delivers_its_k_th_largest_member(data) -> None:
    size = data.draw(st.integers(1, 6))
    needed = data.draw(st.integers(1, size))
    severity = data.draw(st.lists(SMALL_TO_FULL, min_size=size, max_size=size))
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(["t", "u", *(f"m{i}" for i in range(size))], kind="component")
    for i in range(size):
        graph.add_edge("t", f"m{i}", "REQUIRES", group="g", min_required=needed)
        graph.add_edge("u", f"m{i}", "REQUIRES", group="g", min_required=needed)
    graph.add_edge("u", "t", "REQUIRES", group="h", min_required=1)
    disruption = {f"m{i}": s for i, s in enumerate(severity)}
    model = ArrayCapacity.from_graph(graph)
    kth = sorted((1.0 - s for s in severity), reverse=True)[needed - 1]
    assert model.availability(disruption)[model.index["t"]] == pytest.approx(kth)
    assert_same(graph, model, disruption)


def two_countries() -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from([("chip", {"kind": "chip"}), ("TW", {"kind": "country"}),
                          ("US", {"kind": "country"}), ("car", {"kind": "industry"})])
    graph.add_edge("chip", "TW", "LOCATED_IN", share=0.6)
    graph.add_edge("chip", "US", "LOCATED_IN", share=0.4)
    graph.add_edge("car", "chip", "REQUIRES")
    return graph


def test_a_country_disruption_removes_the_share_sited_there() -> None:
    model = ArrayCapacity.from_graph(two_countries())
    car = model.index["car"]
    assert model.availability({"TW": 1.0})[car] == pytest.approx(0.4)
    assert model.availability({"TW": 0.5})[car] == pytest.approx(0.7)
    assert model.availability()[car] == 1.0


def test_a_group_delivers_its_min_required_th_largest_member() -> None:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(["model", "a", "b", "c", "data"], kind="component")
    for member in "abc":
        graph.add_edge("model", member, "REQUIRES", group="chips", min_required=2)
    graph.add_edge("model", "data", "REQUIRES")
    model = ArrayCapacity.from_graph(graph)
    at = model.index["model"]
    assert model.availability({"a": 0.2, "b": 0.4, "c": 0.6})[at] == pytest.approx(0.6)
    assert model.availability({"a": 1.0, "b": 0.5})[at] == pytest.approx(0.5)
    assert model.availability({"data": 0.3})[at] == pytest.approx(0.7)


def small_cycle() -> nx.MultiDiGraph:
    """``x`` half supplied by ``s`` and half by ``y``, which requires ``x``; ``z`` requires
    ``y``, which sits in TW."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(["x", "s", "y", "TW", "z"], kind="component")
    graph.add_edge("x", "s", "SUPPLIED_BY", share=0.5)
    graph.add_edge("x", "y", "SUPPLIED_BY", share=0.5)
    graph.add_edge("y", "x", "REQUIRES")
    graph.add_edge("y", "TW", "LOCATED_IN")
    graph.add_edge("z", "y", "REQUIRES")
    return graph


def test_cycles_converge_to_the_greatest_fixpoint() -> None:
    model = ArrayCapacity.from_graph(small_cycle())
    partial = model.availability({"TW": 0.5})
    assert partial[model.index["y"]] == pytest.approx(0.5, abs=1e-6)
    assert partial[model.index["x"]] == pytest.approx(0.75, abs=1e-6)
    assert model.availability({"s": 1.0})[model.index["z"]] == pytest.approx(0.0, abs=1e-6)
    assert set(model.availability().tolist()) == {1.0}


def test_groups_named_like_hard_requirements_merge_with_them() -> None:
    graph = requirement_named_group_graph()
    assert_same(graph, ArrayCapacity.from_graph(graph), {"a": 1.0})
    assert_same(graph, ArrayCapacity.from_graph(graph), {"a": 0.5, "b": 0.75})


def test_blocks_time_fields_and_unknown_nodes_are_refused() -> None:
    graph = two_countries()
    model = ArrayCapacity.from_graph(graph)
    with pytest.raises(InputError, match="blocks are not supported"):
        model.availability({}, [Block.of(["TW"], ["US"])])
    with pytest.raises(NotFoundError, match="nope"):
        model.availability({"nope": 1.0})
    graph.add_edge("car", "chip", "REQUIRES", buffer_months=3)
    with pytest.raises(InputError, match="car -REQUIRES-> chip has buffer_months"):
        ArrayCapacity.from_graph(graph)


def test_a_scenario_on_a_generated_graph_equals_the_capacity_model() -> None:
    arrays = supply_arrays(4_000, seed=3)
    graph = arrays.to_graph()
    country = max((n for n, k in graph.nodes(data="kind") if k == "country"),
                  key=lambda c: (graph.in_degree(c), c))
    scenario = parse_scenario(f"disrupt: [{{country: {country}}}, "
                              "{node: supplier-0, severity: 0.5}]")
    result = run_scenario(graph, scenario)
    got = ArrayCapacity(arrays).availability(scenario.disruption_map(), scenario.blocks)
    index = {node: i for i, node in enumerate(arrays.ids)}
    assert any(t.capacity_loss > 0.01 for t in result.targets)
    for target in result.targets:
        assert got[index[target.id]] == pytest.approx(target.availability, abs=1e-9)
    assert_same(graph, ArrayCapacity(arrays), scenario.disruption_map())


def test_a_generated_graph_with_cycles_equals_the_capacity_model() -> None:
    graph = supply_graph(2_000, seed=2, cycles=300)
    model = ArrayCapacity.from_graph(graph)
    assert any(stage.cyclic for stage in model.stages)
    assert_same(graph, model, {"supplier-0": 1.0, "software-3": 0.5, "CAA": 1.0})


def test_levels_put_inputs_first_and_cycles_together() -> None:
    # 0 reads 1, 1 and 2 read each other, 2 reads 3; 4 reads itself
    src, dst = np.array([0, 1, 2, 2, 4]), np.array([1, 2, 1, 3, 4])
    level, cyclic = dependency_levels(5, src, dst)
    assert level.tolist() == [2, 1, 1, 0, 0]
    assert cyclic.tolist() == [False, True, True, False, True]


def test_an_empty_graph_has_nothing_to_evaluate() -> None:
    arrays = GraphArrays.from_graph(nx.MultiDiGraph())
    assert ArrayCapacity(arrays).availability().tolist() == []


def cut_off_all_but(graph: nx.MultiDiGraph, inside: set[str]) -> dict[str, float]:
    """A perspective's scenario: every country outside ``inside`` fully disrupted."""
    return {n: 1.0 for n, kind in graph.nodes(data="kind")
            if kind == "country" and n not in inside}


def scenarios(data: st.DataObject, graph: nx.MultiDiGraph) -> list[dict[str, float]]:
    """Perspectives (one country and allies cut off from the rest) and random disruptions
    (of the severities above: a cycle drained by a few percent a round stops at each model's
    cap at its own point)."""
    nodes = sorted(graph)
    drawn = data.draw(st.lists(st.one_of(
        st.sets(st.sampled_from(nodes), max_size=3).map(lambda s: cut_off_all_but(graph, s)),
        st.dictionaries(st.sampled_from(nodes), st.sampled_from(SEVERITIES), max_size=4)),
        min_size=1, max_size=5))
    return [*drawn, {}]


def assert_columns(model: CapacityModel, found: np.ndarray,
                   disruptions: list[dict[str, float]]) -> None:
    assert found.shape == (len(model.ids), len(disruptions))
    for column, disruption in enumerate(disruptions):
        want = model.availability(disruption)
        for i, node in enumerate(model.ids):
            assert found[i, column] == pytest.approx(want[node], abs=1e-6), (node, disruption)


@FAST
@given(st.data())
def test_many_scenarios_at_once_equal_the_capacity_model_on_random_graphs(data) -> None:
    """Groups and k-of-n, cycles and self-loops, headquarters standing in for sites: one
    column per scenario, each the capacity model's availability."""
    graph = data.draw(supply_graphs())
    model = CapacityModel.from_graph(graph)
    disruptions = scenarios(data, graph)
    found = ArrayCapacity.from_model(model).availabilities(disruptions)
    assert_columns(model, found, disruptions)
    arrays = ArrayCapacity.from_graph(graph)
    for column, disruption in enumerate(disruptions):
        alone = arrays.availability(disruption)
        assert found[:, column] == pytest.approx(alone[[arrays.index[n] for n in model.ids]],
                                                 abs=1e-9)


@FAST
@given(st.data(), st.sampled_from(HORIZONS))
def test_a_model_with_time_fields_is_compiled_at_its_horizon(data, months) -> None:
    """Buffers held at the horizon count as available, lead times and surges as read there:
    the array model of the capacity model at any horizon gives its availabilities."""
    graph = data.draw(timed_supply_graphs())
    model = capacity_at(CapacityModel.from_graph(graph), months)
    disruptions = scenarios(data, graph)
    assert_columns(model, ArrayCapacity.from_model(model).availabilities(disruptions),
                   disruptions)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_each_column_is_the_scenario_run_alone(data) -> None:
    """A cyclic stage stops iterating a column once that column has settled, so evaluating
    scenarios together changes none of them."""
    graph = data.draw(supply_graphs())
    model = ArrayCapacity.from_model(CapacityModel.from_graph(graph))
    disruptions = scenarios(data, graph)
    together = model.availabilities(disruptions)
    for column, disruption in enumerate(disruptions):
        assert together[:, column].tolist() == model.availability(disruption).tolist()


def test_a_held_site_stays_available_when_its_country_is_cut() -> None:
    graph = two_countries()
    graph.edges["chip", "US", "LOCATED_IN"]["buffer_months"] = 3
    model = CapacityModel.from_graph(graph)
    arrays = ArrayCapacity.from_model(model)
    car, chip = arrays.index["car"], arrays.index["chip"]
    found = arrays.availabilities([{"TW": 1.0}, {"US": 1.0}, {"TW": 1.0, "US": 1.0}])
    assert found[chip].tolist() == pytest.approx([0.4, 1.0, 0.4])
    assert found[car].tolist() == pytest.approx([0.4, 1.0, 0.4])
    assert capacity_at(model, 6).availability({"US": 1.0})["car"] == pytest.approx(0.6)
    assert ArrayCapacity.from_model(capacity_at(model, 6)).availability(
        {"US": 1.0})[car] == pytest.approx(0.6)


def test_a_cycle_settles_per_scenario() -> None:
    model = ArrayCapacity.from_model(CapacityModel.from_graph(small_cycle()))
    assert any(stage.cyclic for stage in model.stages)
    found = model.availabilities([{"TW": 0.5}, {}, {"s": 1.0}])
    assert found[model.index["x"]] == pytest.approx([0.75, 1.0, 0.0], abs=1e-6)
    assert found[model.index["z"]] == pytest.approx([0.5, 1.0, 0.0], abs=1e-6)


def test_no_scenario_and_unknown_nodes() -> None:
    model = ArrayCapacity.from_model(CapacityModel.from_graph(two_countries()))
    assert model.availabilities([]).shape == (4, 0)
    with pytest.raises(NotFoundError, match="nope"):
        model.availabilities([{}, {"nope": 1.0}])
    empty = ArrayCapacity.from_model(CapacityModel.from_graph(nx.MultiDiGraph()))
    assert empty.availabilities([{}]).shape == (0, 1)
