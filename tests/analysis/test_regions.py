"""Results over several targets per region, and ties stated as ties."""

from __future__ import annotations

import pytest
from test_capacity import make_graph

from analysis.chokepoints import chokepoints
from analysis.regions import mean_by_region, region_of, ties
from analysis.scenario import Disruption, Scenario, run_scenario


def industries():
    return make_graph(
        {"cn-a": "industry", "cn-b": "industry", "us-a": "industry", "site": "industry",
         "chip": "chip", "tw-fab": "supplier", "us-fab": "supplier",
         "CN": "country", "US": "country", "TW": "country"},
        [("cn-a", "CN", "HEADQUARTERED_IN"), ("cn-b", "CN", "HEADQUARTERED_IN"),
         ("us-a", "US", "HEADQUARTERED_IN"), ("site", "TW", "LOCATED_IN"),
         ("chip", "tw-fab", "SUPPLIED_BY", 0.8), ("chip", "us-fab", "SUPPLIED_BY", 0.2),
         ("tw-fab", "TW", "LOCATED_IN"), ("us-fab", "US", "LOCATED_IN"),
         ("cn-a", "chip", "REQUIRES"), ("us-a", "chip", "REQUIRES"),
         ("site", "chip", "REQUIRES")])


def test_a_targets_region_is_its_headquarters_else_its_only_site():
    graph = industries()
    assert [region_of(graph, t) for t in ("cn-a", "us-a", "site", "chip")] == \
        ["CN", "US", "TW", "?"]


def test_means_per_region_count_unaffected_targets_as_zero():
    graph = industries()
    assert mean_by_region(graph, {"cn-a": 0.8, "us-a": 0.8},
                          ["cn-a", "cn-b", "us-a"]) == {"CN": 0.4, "US": 0.8}


def test_ties_group_equal_values_largest_first():
    assert ties({"b": 0.895, "a": 0.895, "c": 0.2}) == [(0.895, ["a", "b"]), (0.2, ["c"])]


def test_scenario_and_chokepoint_results_are_given_per_region():
    graph = industries()
    result = run_scenario(graph, Scenario("TW", (Disruption("country", "TW"),)))
    by_region = result.loss_by_region()
    assert by_region["CN"] == (2, pytest.approx(0.4))
    assert by_region["US"] == (1, pytest.approx(0.8))
    assert result.as_dict()["by_region"]["TW"]["mean_capacity_loss"] == pytest.approx(1.0)
    found = {c.id: c for c in chokepoints(graph)}
    assert dict(found["TW"].by_region) == pytest.approx({"CN": 0.4, "US": 0.8, "TW": 1.0})
