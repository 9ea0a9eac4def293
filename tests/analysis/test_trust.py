"""How sure: results that rest on assumptions, and margins of SPOFs (design §4.7)."""

from __future__ import annotations

import pytest
from test_capacity import make_graph

from analysis.chokepoints import chokepoints
from analysis.spof import single_points_of_failure
from analysis.trust import (
    assumption_edges,
    cut_sets_resting,
    facts_only,
    spof_details,
)

ASSUMED = {"basis": "assumption"}


def tools_graph(resist_share_outside_jp: float = 0.048):
    """A chip made on a process that (by assumption) needs resist tools, 95.2 % Japanese;
    and (by citation) an EUV scanner from one Dutch firm."""
    return make_graph(
        {"car": "industry", "chip": "chip", "process": "component", "resist": "component",
         "euv": "component", "tel": "supplier", "other": "supplier", "asml": "supplier",
         "JP": "country", "US": "country", "NL": "country"},
        [("car", "chip", "REQUIRES"), ("chip", "process", "REQUIRES"),
         ("process", "resist", "REQUIRES", ASSUMED), ("process", "euv", "REQUIRES"),
         ("resist", "tel", "SUPPLIED_BY", 1 - resist_share_outside_jp),
         ("resist", "other", "SUPPLIED_BY", resist_share_outside_jp),
         ("tel", "JP", "HEADQUARTERED_IN"), ("other", "US", "HEADQUARTERED_IN"),
         ("euv", "asml", "SUPPLIED_BY"), ("asml", "NL", "HEADQUARTERED_IN")])


def with_threshold(graph, node: str, threshold: float):
    graph.nodes[node]["min_supply_share"] = threshold
    return graph


def test_facts_only_leaves_out_exactly_the_assumption_edges():
    graph = tools_graph()
    assert assumption_edges(graph) == [("process", "resist", "REQUIRES")]
    facts = facts_only(graph)
    assert not facts.has_edge("process", "resist")
    assert facts.number_of_edges() == graph.number_of_edges() - 1
    assert graph.has_edge("process", "resist")


def test_a_spof_only_through_an_assumption_edge_rests_on_assumptions():
    graph = with_threshold(tools_graph(), "resist", 0.05)
    spofs = single_points_of_failure(graph, ["car"])
    assert {"JP", "tel", "asml", "NL"} <= set(spofs["car"])
    details = {d.id: d for d in spof_details(graph, spofs)["car"]}
    assert details["JP"].rests_on_assumptions
    assert details["tel"].rests_on_assumptions
    assert not details["asml"].rests_on_assumptions
    assert not details["NL"].rests_on_assumptions


def test_a_spof_that_exists_because_a_share_falls_just_under_the_threshold_is_a_knife_edge():
    graph = with_threshold(tools_graph(0.048), "resist", 0.05)
    details = {d.id: d for d in spof_details(graph, single_points_of_failure(graph))["car"]}
    margin = details["JP"].margin
    assert margin is not None
    assert (margin.node, margin.rule) == ("resist", "supply")
    assert margin.surviving == pytest.approx(0.048)
    assert margin.threshold == pytest.approx(0.05)
    assert details["JP"].knife_edge
    # A full cut (nothing survives) has no margin.
    assert details["NL"].margin is None
    assert not details["NL"].knife_edge


def test_a_spof_well_under_its_threshold_has_a_margin_but_no_knife_edge():
    graph = with_threshold(tools_graph(0.02), "resist", 0.05)
    details = {d.id: d for d in spof_details(graph, single_points_of_failure(graph))["car"]}
    assert details["JP"].margin is not None
    assert details["JP"].margin.surviving == pytest.approx(0.02)
    assert not details["JP"].knife_edge


def test_a_group_margin_reports_members_up_and_needed():
    graph = make_graph(
        {"m": "model", "a": "chip", "b": "chip", "c": "chip", "s": "supplier"},
        [("m", x, "REQUIRES", {"group": "g", "min_required": 2}) for x in "abc"]
        + [("a", "s", "SUPPLIED_BY"), ("b", "s", "SUPPLIED_BY")])
    (detail,) = [d for d in spof_details(graph, single_points_of_failure(graph, ["m"]))["m"]
                 if d.id == "s"]
    assert detail.margin is not None
    assert (detail.margin.rule, detail.margin.surviving, detail.margin.threshold) == \
        ("group", 1.0, 2.0)
    assert not detail.knife_edge


def test_a_cut_set_rests_on_assumptions_when_it_no_longer_takes_the_target_down():
    graph = tools_graph()
    assert cut_sets_resting(graph, "car", [("tel", "other"), ("asml",)]) == [True, False]


def test_a_chokepoint_rests_on_assumptions_when_its_loss_halves_without_them():
    graph = tools_graph()
    found = {c.id: c for c in chokepoints(graph, ["car"], kinds=None)}
    assert found["tel"].rests_on_assumptions
    assert found["tel"].facts_only_loss == pytest.approx(0.0)
    assert not found["asml"].rests_on_assumptions
    assert found["asml"].facts_only_loss == pytest.approx(1.0)


def test_without_assumption_edges_nothing_rests_on_assumptions():
    graph = tools_graph()
    graph.edges["process", "resist", "REQUIRES"]["basis"] = "cited"
    spofs = single_points_of_failure(graph)
    assert not any(d.rests_on_assumptions for d in spof_details(graph, spofs)["car"])
    assert not any(c.rests_on_assumptions for c in chokepoints(graph, kinds=None))


def test_assumption_relationships_given_by_the_caller_are_the_ones_used():
    graph = tools_graph()
    edges = assumption_edges(graph)
    assert edges
    assert chokepoints(graph, ["car"], kinds=None, assumptions=edges) == \
        chokepoints(graph, ["car"], kinds=None)
    # told there are none, nothing is flagged (the caller's word is taken)
    assert not any(c.rests_on_assumptions
                   for c in chokepoints(graph, ["car"], kinds=None, assumptions=()))
