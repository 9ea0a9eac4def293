"""Neighbourhoods: direction, depth, filters, the cap and country resolution."""

from __future__ import annotations

import networkx as nx
import pytest

from analysis.neighbourhood import neighbourhood, node_countries
from graph.errors import NotFoundError


def supply_chain() -> nx.MultiDiGraph:
    """car → chip → fab; chip supplied by tsmc (in TW) and samsung (headquartered in KR);
    phone → chip."""
    g = nx.MultiDiGraph()
    for node, kind in [("car", "industry"), ("phone", "industry"), ("chip", "chip"),
                       ("fab", "component"), ("tsmc", "supplier"), ("samsung", "supplier"),
                       ("TW", "country"), ("KR", "country")]:
        g.add_node(node, kind=kind, name=node.upper())
    g.add_edge("car", "chip", "REQUIRES")
    g.add_edge("phone", "chip", "REQUIRES")
    g.add_edge("chip", "fab", "REQUIRES")
    g.add_edge("chip", "tsmc", "SUPPLIED_BY", share=0.6)
    g.add_edge("chip", "samsung", "SUPPLIED_BY", share=0.4)
    g.add_edge("tsmc", "TW", "LOCATED_IN")
    g.add_edge("samsung", "KR", "HEADQUARTERED_IN")
    return g


def test_upstream_follows_what_a_node_depends_on():
    found = neighbourhood(supply_chain(), "car", depth=2, direction="upstream")
    assert set(found.nodes) == {"car", "chip", "fab", "tsmc", "samsung"}
    assert found.distance["fab"] == 2 and found.side["chip"] == "upstream"


def test_downstream_follows_what_depends_on_a_node():
    found = neighbourhood(supply_chain(), "fab", depth=3, direction="downstream")
    assert set(found.nodes) == {"fab", "chip", "car", "phone"}
    assert found.side["fab"] == "centre"


def test_both_directions_keep_edges_between_shown_nodes_only():
    found = neighbourhood(supply_chain(), "chip", depth=1)
    assert set(found.nodes) == {"chip", "car", "phone", "fab", "tsmc", "samsung"}
    assert ("chip", "tsmc", "SUPPLIED_BY") in found.edges
    assert all(u in found.nodes and v in found.nodes for u, v, _ in found.edges)


def test_kind_filter_walks_through_hidden_nodes():
    found = neighbourhood(supply_chain(), "car", depth=3, direction="upstream",
                          kinds=["country"])
    assert set(found.nodes) == {"car", "TW", "KR"}
    assert found.edges == ()


def test_country_filter_uses_sites_headquarters_and_suppliers():
    found = neighbourhood(supply_chain(), "car", depth=2, direction="upstream",
                          countries=["KR"])
    assert set(found.nodes) == {"car", "chip", "samsung"}


def test_node_countries_fall_back_to_suppliers():
    g = supply_chain()
    assert node_countries(g, "chip") == {"TW", "KR"}
    assert node_countries(g, "fab") == frozenset()
    assert node_countries(g, "TW") == {"TW"}


def test_cap_keeps_the_closest_nodes_and_says_it_cut():
    found = neighbourhood(supply_chain(), "car", depth=3, direction="upstream", cap=3)
    assert found.truncated and len(found.nodes) == 3
    assert found.nodes[0] == "car" and found.nodes[1] == "chip"


def test_a_neighbourhood_within_the_cap_is_not_truncated():
    assert not neighbourhood(supply_chain(), "car", depth=5, cap=100).truncated


def test_cycles_end_the_walk():
    g = nx.MultiDiGraph()
    g.add_nodes_from(["a", "b"], kind="component")
    g.add_edge("a", "b", "REQUIRES")
    g.add_edge("b", "a", "REQUIRES")
    assert neighbourhood(g, "a", depth=10).nodes == ("a", "b")


def test_unknown_centre_is_a_clear_error():
    with pytest.raises(NotFoundError, match="unknown node 'nope'"):
        neighbourhood(supply_chain(), "nope")


def test_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="direction"):
        neighbourhood(supply_chain(), "car", direction="sideways")
