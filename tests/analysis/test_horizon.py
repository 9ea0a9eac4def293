"""Time (§4.6): every result at a horizon equals brute force on the graph read at that
horizon; a graph without time fields reads the same at every horizon; known answers."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from supply_oracles import supply_graphs
from time_oracles import HORIZONS, acyclic, availability_at, timed_supply_graphs, up_nodes_at

from analysis.capacity import Block, CapacityModel
from analysis.chokepoints import chokepoints
from analysis.cutsets import minimal_cut_sets
from analysis.horizon import (
    capacity_at,
    horizons_until,
    parse_horizons,
    persistence,
    relieved_after,
    structure_at,
    supply_at,
)
from analysis.probability import failure_probability
from analysis.semantics import build_supply_model
from analysis.spof import single_points_of_failure
from analysis.structure import compile_structure
from analysis.timeline import chokepoints_over_time, spofs_over_time
from graph.errors import InputError

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _spofs_by_brute_force(graph: nx.MultiDiGraph, months: float) -> dict[str, list[str]]:
    return {t: sorted(v for v in graph if v != t and t not in up_nodes_at(graph, months, {v}))
            for t in sorted(graph)}


# -- properties -------------------------------------------------------------------------------
@SOME
@given(timed_supply_graphs(max_nodes=7))
def test_spofs_at_every_horizon_match_brute_force_on_the_graph_read_there(graph):
    found = spofs_over_time(graph, sorted(graph), HORIZONS)
    for months, spofs in zip(HORIZONS, found, strict=True):
        assert spofs == _spofs_by_brute_force(graph, months), months


@SOME
@given(timed_supply_graphs(max_nodes=5), st.sampled_from(HORIZONS))
def test_cut_sets_and_probability_at_a_horizon_match_brute_force(graph, months):
    structure = structure_at(compile_structure(graph), months)
    nodes = sorted(graph)
    cuts = minimal_cut_sets(structure, "n0", max_order=len(nodes)).cut_sets
    down = {frozenset(s) for size in range(len(nodes) + 1)
            for s in _subsets([n for n in nodes if n != "n0"], size)
            if "n0" not in up_nodes_at(graph, months, s)}
    minimal = sorted((tuple(sorted(s)) for s in down if not any(o < s for o in down)),
                     key=lambda s: (len(s), s))
    assert [tuple(c) for c in cuts] == minimal
    p = failure_probability(structure, "n0", method="exact").probability
    assert p == pytest.approx(_probability_by_brute_force(graph, months), abs=1e-9)


def _subsets(items: list[str], size: int) -> list[tuple[str, ...]]:
    import itertools
    return list(itertools.combinations(items, size))


def _probability_by_brute_force(graph: nx.MultiDiGraph, months: float) -> float:
    import itertools
    p = {n: float(graph.nodes[n].get("failure_probability") or 0.0) for n in graph}
    nodes = sorted(graph)
    total = 0.0
    for size in range(len(nodes) + 1):
        for failed in itertools.combinations(nodes, size):
            weight = 1.0
            for n in nodes:
                weight *= p[n] if n in failed else 1.0 - p[n]
            if weight and "n0" not in up_nodes_at(graph, months, failed):
                total += weight
    return total


@FAST
@given(st.data())
def test_availability_at_every_horizon_matches_iteration_on_the_graph_read_there(data):
    graph = acyclic(data.draw(timed_supply_graphs()))
    disruption = data.draw(st.dictionaries(st.sampled_from(sorted(graph)),
                                           st.sampled_from((0.25, 0.5, 1.0)), max_size=3))
    base = CapacityModel.from_graph(graph)
    for months in HORIZONS:
        found = capacity_at(base, months).availability(disruption)
        expected = availability_at(graph, months, disruption)
        assert dict(found) == pytest.approx(expected, abs=1e-6), months


@SOME
@given(timed_supply_graphs())
def test_chokepoints_over_time_equal_a_fresh_ranking_at_each_horizon(graph):
    targets = sorted(graph)[:2]
    timeline = chokepoints_over_time(graph, targets, HORIZONS, kinds=None)
    base = CapacityModel.from_graph(graph)
    for months, ranking in zip(HORIZONS, timeline.rankings, strict=True):
        fresh = chokepoints(graph, targets, kinds=None, model=capacity_at(base, months))
        assert [(c.id, c.spof_count, c.path) for c in ranking] == \
            [(c.id, c.spof_count, c.path) for c in fresh]
        assert [c.capacity_loss for c in ranking] == pytest.approx(
            [c.capacity_loss for c in fresh], abs=1e-9)


@FAST
@given(supply_graphs())
def test_a_graph_without_time_fields_reads_the_same_at_every_horizon(graph):
    model = build_supply_model(graph)
    assert all(supply_at(model, months) is model for months in HORIZONS)
    spofs = spofs_over_time(graph, sorted(graph), HORIZONS)
    assert all(found == spofs[0] for found in spofs)
    assert spofs[0] == single_points_of_failure(graph, sorted(graph))
    timeline = chokepoints_over_time(graph, sorted(graph)[:2], HORIZONS, kinds=None)
    assert all(r == timeline.rankings[0] for r in timeline.rankings)


@FAST
@given(supply_graphs())
def test_time_fields_that_are_zero_change_nothing(graph):
    plain = build_supply_model(graph)
    for _, _, data in graph.edges(data=True):
        data["buffer_months"] = 0
    timed = build_supply_model(graph)
    assert bool(timed.timed) == (graph.number_of_edges() > 0)
    assert timed.nodes == plain.nodes


# -- known answers ----------------------------------------------------------------------------
def _graph(edges: list[tuple]) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for source, target, kind, attrs in edges:
        for node in (source, target):
            graph.add_node(node, kind="component", name=node)
        graph.add_edge(source, target, kind, **attrs)
    return graph


def test_a_fab_with_a_6_month_buffer_on_a_lost_tool_is_up_at_3_and_down_at_12():
    graph = _graph([("chip", "fab", "REQUIRES", {}),
                    ("fab", "tool", "REQUIRES", {"buffer_months": 6})])
    structure = compile_structure(graph)
    assert not structure_at(structure, 3).is_down("fab", {"tool"})
    assert structure_at(structure, 12).is_down("fab", {"tool"})
    model = CapacityModel.from_graph(graph)
    assert capacity_at(model, 3).availability({"tool": 1.0})["chip"] == 1.0
    assert capacity_at(model, 12).availability({"tool": 1.0})["chip"] == 0.0


def test_a_second_source_with_a_12_month_lead_time_ends_a_spof_at_12():
    graph = _graph([("chip", "foundry-a", "SUPPLIED_BY", {"share": 0.9}),
                    ("chip", "foundry-b", "SUPPLIED_BY", {"share": 0.1,
                                                          "lead_time_months": 12})])
    now, later = spofs_over_time(graph, ["chip"], [0, 12])
    assert now == {"chip": ["foundry-a"]}
    assert later == {"chip": []}


def test_a_surviving_supplier_with_share_0_3_and_surge_0_8_leaves_0_8_after_its_lead_time():
    graph = _graph([("chip", "big", "SUPPLIED_BY", {"share": 0.7}),
                    ("chip", "small", "SUPPLIED_BY", {"share": 0.3, "surge_share": 0.8,
                                                      "lead_time_months": 12})])
    model = CapacityModel.from_graph(graph)
    assert capacity_at(model, 0).availability({"big": 1.0})["chip"] == pytest.approx(0.3)
    assert capacity_at(model, 6).availability({"big": 1.0})["chip"] == pytest.approx(0.3)
    assert capacity_at(model, 12).availability({"big": 1.0})["chip"] == pytest.approx(0.8)
    assert capacity_at(model, 12).availability()["chip"] == 1.0


def test_a_released_model_keeps_running_when_its_training_chip_is_blocked_until_the_buffer():
    graph = _graph([("cn-cars", "model", "REQUIRES", {}),
                    ("model", "gpu", "REQUIRES", {"role": "trained_on", "buffer_months": 12}),
                    ("gpu", "US", "HEADQUARTERED_IN", {}),
                    ("model", "CN", "HEADQUARTERED_IN", {}),
                    ("cn-cars", "CN", "HEADQUARTERED_IN", {})])
    for country in ("US", "CN"):
        graph.nodes[country]["kind"] = "country"
    block = [Block.of(["US"], ["CN"])]
    model = CapacityModel.from_graph(graph)
    assert capacity_at(model, 0).availability(blocks=block)["cn-cars"] == 1.0
    assert capacity_at(model, 6).availability(blocks=block)["cn-cars"] == 1.0
    assert capacity_at(model, 12).availability(blocks=block)["cn-cars"] == 0.0
    now, later = spofs_over_time(graph, ["cn-cars"], [0, 12])
    assert now == {"cn-cars": ["CN", "model"]}
    assert later == {"cn-cars": ["CN", "US", "gpu", "model"]}


def test_an_edge_still_ahead_is_absent_and_the_others_share_its_place():
    graph = _graph([("chip", "TW", "LOCATED_IN", {"share": 0.9}),
                    ("chip", "US", "LOCATED_IN", {"share": 0.1, "lead_time_months": 18})])
    model = CapacityModel.from_graph(graph)
    assert capacity_at(model, 0).availability({"TW": 1.0})["chip"] == 0.0
    assert capacity_at(model, 24).availability({"TW": 1.0})["chip"] == pytest.approx(0.1)


# -- reading horizons -------------------------------------------------------------------------
def test_horizons_are_parsed_sorted_and_refused_when_negative():
    assert parse_horizons("12,0,6") == (0, 6, 12)
    with pytest.raises(InputError, match="--horizon"):
        parse_horizons("0,-3")
    with pytest.raises(InputError, match="--horizon"):
        parse_horizons("0,soon")


def test_until_a_date_gives_the_default_horizons_before_it_and_its_own():
    from datetime import date
    assert horizons_until(date(2027, 12, 31), date(2026, 4, 23)) == (0, 3, 6, 12, 20)
    with pytest.raises(InputError, match="--until"):
        horizons_until(date(2020, 1, 1), date(2026, 4, 23))


def test_persistence_compares_the_last_horizon_with_the_first():
    assert persistence([0.5, 0.5, 0.46]) == "persistent"
    assert persistence([0.5, 0.3, 0.2]) == "partly adaptable"
    assert persistence([0.5, 0.1, 0.04]) == "adaptable"
    assert persistence([0.0, 0.3]) == "persistent"
    assert relieved_after([0, 6, 12], [0.5, 0.3, 0.2]) == 12
    assert relieved_after([0, 6, 12], [0.5, 0.5, 0.5]) is None
