"""Chokepoints: ranking by capacity loss, SPOF counts, explaining paths."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_capacity import BLOCKED, TWO_COUNTRIES, make_graph, random_graphs

from analysis.capacity import CapacityModel
from analysis.chokepoints import chokepoints, dependency_path, removal_losses
from analysis.spof import single_points_of_failure


def test_nodes_are_ranked_by_the_capacity_loss_their_removal_causes():
    found = chokepoints(TWO_COUNTRIES, kinds=None)
    assert [(c.id, round(c.capacity_loss, 6)) for c in found] == [
        ("chip", 1.0), ("TW", 0.6), ("US", 0.4)]
    assert [c.spof_count for c in found] == [1, 0, 0]


def test_each_chokepoint_comes_with_the_path_from_the_target_it_hurts_most():
    found = {c.id: c for c in chokepoints(TWO_COUNTRIES, kinds=None)}
    assert found["TW"].path == ("car", "chip", "TW")
    assert found["TW"].worst_target == "car"


def test_capacity_loss_is_the_mean_over_targets():
    found = {c.id: c for c in chokepoints(BLOCKED, kinds=None)}
    assert found["euv"].capacity_loss == pytest.approx(1.0)
    assert found["smic"].capacity_loss == pytest.approx(0.5)
    assert found["smic"].total_loss == pytest.approx(1.0)
    assert found["smic"].targets_affected == 1
    assert found["euv"].spof_count == 2


def test_spof_counts_agree_with_the_boolean_analysis():
    spofs = single_points_of_failure(BLOCKED)
    expected: dict[str, int] = {}
    for nodes in spofs.values():
        for node in nodes:
            expected[node] = expected.get(node, 0) + 1
    found = chokepoints(BLOCKED, kinds=None)
    assert {c.id: c.spof_count for c in found if c.spof_count} == expected


@settings(max_examples=40, deadline=None)
@given(random_graphs())
def test_spofs_given_by_the_caller_give_the_same_ranking(graph):
    targets = sorted(graph)[-2:]
    kept = single_points_of_failure(graph, targets)
    assert chokepoints(graph, targets, kinds=None, spofs=kept) == \
        chokepoints(graph, targets, kinds=None)


@settings(max_examples=40, deadline=None)
@given(random_graphs(), st.data())
def test_losses_found_for_more_targets_give_the_same_ranking(graph, data):
    """The losses a removal costs each target do not depend on the other targets: the ranking
    of some targets from losses found for all of them is the one found for those alone."""
    every = sorted(graph)
    some = data.draw(st.lists(st.sampled_from(every), min_size=1, max_size=3, unique=True))
    kinds = data.draw(st.sampled_from([None, ("supplier", "country"), ("country",)]))
    model = CapacityModel.from_graph(graph)
    losses = removal_losses(model, every, kinds)
    assert chokepoints(graph, some, kinds=kinds, model=model, losses=losses) == \
        chokepoints(graph, some, kinds=kinds, model=model)


def test_spofs_given_by_the_caller_are_the_ones_counted():
    targets = sorted(single_points_of_failure(BLOCKED))
    told = chokepoints(BLOCKED, targets, kinds=None, spofs={t: [] for t in targets})
    assert told and not any(c.spof_count for c in told)


def test_nodes_no_target_depends_on_are_not_chokepoints():
    graph = TWO_COUNTRIES.copy()
    graph.add_node("lonely", kind="supplier", name="Lonely")
    graph.add_edge("lonely", "TW", "HEADQUARTERED_IN")
    assert "lonely" not in {c.id for c in chokepoints(graph, kinds=None)}


def test_alternatives_absorb_a_removal():
    graph = make_graph({"m": "industry", "a": "chip", "b": "chip"},
                       [("m", "a", "REQUIRES", {"group": "g"}),
                        ("m", "b", "REQUIRES", {"group": "g"})])
    assert chokepoints(graph, kinds=None) == []


def test_top_limits_the_list():
    assert len(chokepoints(TWO_COUNTRIES, top=2, kinds=None)) == 2


def test_a_dependency_path_is_a_shortest_one():
    model = CapacityModel.from_graph(BLOCKED)
    assert dependency_path(model, "cn-cars", "asml") == ("cn-cars", "smic", "euv", "asml")
    assert dependency_path(model, "asml", "cn-cars") == ()


@settings(max_examples=100, deadline=None)
@given(random_graphs())
def test_cone_limited_removals_match_a_full_propagation(graph):
    model = CapacityModel.from_graph(graph)
    targets = sorted(graph)[-2:]
    losses = removal_losses(model, targets)
    for node in graph:
        full = model.availability({node: 1.0})
        expected = {t: 1.0 - full[t] for t in targets if t != node and full[t] < 1 - 1e-9}
        assert losses.get(node, {}) == pytest.approx(expected, abs=1e-6)


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_a_removal_only_ever_lowers_availability(data):
    graph = data.draw(random_graphs())
    node = data.draw(st.sampled_from(sorted(graph)))
    assert all(0.0 <= v <= 1.0 for v in CapacityModel.from_graph(graph).availability(
        {node: 1.0}).values())


def test_by_default_only_suppliers_and_countries_are_ranked():
    assert [c.id for c in chokepoints(TWO_COUNTRIES)] == ["TW", "US"]
    assert [c.id for c in chokepoints(TWO_COUNTRIES, kinds=["chip"])] == ["chip"]


# -- explanations that follow the loss --------------------------------------------------------
def test_the_explaining_path_runs_through_the_input_that_binds_not_the_first_found():
    graph = make_graph(
        {"t": "industry", "m": "model", "a": "chip", "b": "chip", "s1": "supplier",
         "s2": "supplier", "X": "country", "Z": "country"},
        [("t", "m", "REQUIRES"), ("m", "a", "REQUIRES", {"group": "g"}),
         ("m", "b", "REQUIRES", {"group": "g"}), ("a", "s1", "SUPPLIED_BY"),
         ("b", "s2", "SUPPLIED_BY"), ("s1", "X", "LOCATED_IN"),
         ("s2", "X", "LOCATED_IN", 0.5), ("s2", "Z", "LOCATED_IN", 0.5)])
    (x,) = [c for c in chokepoints(graph, ["t"]) if c.id == "X"]
    assert x.capacity_loss == pytest.approx(0.5)
    # The alternative that still delivers half sets the group's value: the loss runs there.
    assert x.path == ("t", "m", "b", "s2", "X")


@settings(max_examples=80, deadline=None)
@given(random_graphs())
def test_every_explaining_path_is_a_dependency_path_along_reduced_nodes(graph):
    model = CapacityModel.from_graph(graph)
    for c in chokepoints(graph, ["n0"], kinds=None, model=model):
        if not c.path:
            continue
        assert (c.path[0], c.path[-1]) == ("n0", c.id)
        for a, b in zip(c.path, c.path[1:], strict=False):
            assert graph.has_edge(a, b), (a, b)
        after = model.availability({c.id: 1.0})
        assert all(after[n] < 1.0 for n in c.path), c.path


@pytest.mark.parametrize("months", [0, 12])
def test_a_given_compiled_structure_gives_the_same_ranking(months: float) -> None:
    """The app hands chokepoints() the structure it has compiled (at the horizon); the ranking
    must be the one chokepoints() makes compiling its own."""
    from analysis.capacity import CapacityModel
    from analysis.horizon import capacity_at, structure_at
    from analysis.structure import compile_structure
    from graph.sqlite_store import SQLiteStore
    from ui.context import load_seeds

    with SQLiteStore(":memory:") as store:
        load_seeds(store)
        graph = store.read_graph()
    base = CapacityModel.from_graph(graph)
    structure = compile_structure(base.supply)
    model = capacity_at(base, months) if months else base
    at = structure_at(structure, months, model.supply) if months else structure
    for targets in (None, ["nvidia-h100"]):
        for kinds in (None, ("supplier", "country")):
            alone = chokepoints(graph, targets, model=model, kinds=kinds)
            given = chokepoints(graph, targets, model=model, kinds=kinds, structure=at)
            assert given == alone
            assert any(c.spof_count for c in alone) or targets


@settings(max_examples=100, deadline=None)
@given(random_graphs(), st.data())
def test_a_binding_path_searched_within_the_upstream_is_the_same(graph, data) -> None:
    """Bounding the distance search by what is upstream of the path's start changes no path."""
    from analysis.capacity import upstream
    from analysis.chokepoints import binding_path

    model = CapacityModel.from_graph(graph)
    source = data.draw(st.sampled_from(sorted(graph)))
    goal = data.draw(st.sampled_from(sorted(graph)))
    within = upstream(model, {model.index[source]}) | {model.index[source]}
    i = model.index[goal]
    value = model.propagate({i: 1.0}, (i,), within.__contains__)
    assert binding_path(model, value, source, goal, within) == \
        binding_path(model, value, source, goal)
