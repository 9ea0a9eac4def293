"""Blocks act on flows between sites (design §4.5): known answers, an oracle, properties."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_capacity import make_graph

from analysis.capacity import Block, CapacityModel
from analysis.flows import flow_availability
from analysis.semantics import SupplyModel, build_supply_model

US_TO_CN = [Block.of(["US"], ["CN"])]


# -- the design's known answers ---------------------------------------------------------------
def tool_buyers() -> nx.MultiDiGraph:
    """A TW fab supplied by a TW foundry and a CN fab, both buying tools half from a US firm
    and half from a JP firm; one dependent per country of each fab."""
    graph = make_graph(
        {"tools": "component", "us-tools": "supplier", "jp-tools": "supplier",
         "tw-foundry": "supplier", "tw-fab": "component", "cn-fab": "component",
         "TW": "country", "US": "country", "JP": "country", "CN": "country",
         "tw-user": "industry", "us-user": "industry", "cn-user": "industry",
         "cn-fab-user": "industry"},
        [("tools", "us-tools", "SUPPLIED_BY", 0.5), ("tools", "jp-tools", "SUPPLIED_BY", 0.5),
         ("us-tools", "US", "HEADQUARTERED_IN"), ("jp-tools", "JP", "HEADQUARTERED_IN"),
         ("tw-foundry", "TW", "HEADQUARTERED_IN"),
         ("tw-fab", "tw-foundry", "SUPPLIED_BY"), ("tw-fab", "TW", "LOCATED_IN"),
         ("tw-fab", "tools", "REQUIRES"),
         ("cn-fab", "CN", "LOCATED_IN"), ("cn-fab", "tools", "REQUIRES"),
         ("tw-user", "TW", "HEADQUARTERED_IN"), ("tw-user", "tw-fab", "REQUIRES"),
         ("us-user", "US", "HEADQUARTERED_IN"), ("us-user", "tw-fab", "REQUIRES"),
         ("cn-user", "CN", "HEADQUARTERED_IN"), ("cn-user", "tw-fab", "REQUIRES"),
         ("cn-fab-user", "CN", "HEADQUARTERED_IN"), ("cn-fab-user", "cn-fab", "REQUIRES")])
    return graph


def test_known_answer_a_tw_fab_buying_us_tools_is_untouched_by_a_us_to_cn_block():
    result = flow_availability(CapacityModel.from_graph(tool_buyers()), blocks=US_TO_CN)
    assert result["tw-fab"] == 1.0
    for country in ("TW", "US", "CN"):
        assert result.seen_from("tw-fab", country) == 1.0, country
    for user in ("tw-user", "us-user", "cn-user"):
        assert result[user] == 1.0, user


def test_known_answer_a_cn_fab_buying_the_same_tools_gets_half():
    result = flow_availability(CapacityModel.from_graph(tool_buyers()), blocks=US_TO_CN)
    assert result["cn-fab"] == pytest.approx(0.5)
    assert result["cn-fab-user"] == pytest.approx(0.5)
    assert result["tools"] == 1.0
    assert result.seen_from("tools", "CN") == pytest.approx(0.5)


def chip_buyers() -> nx.MultiDiGraph:
    """A chip sold by a US-headquartered firm and made in TW; a site-less platform over it;
    CN and US industries requiring the chip directly or through the platform."""
    return make_graph(
        {"chip": "chip", "nvidia": "supplier", "platform": "component",
         "TW": "country", "US": "country", "CN": "country",
         "cn-direct": "industry", "cn-platform": "industry", "us-platform": "industry"},
        [("chip", "nvidia", "SUPPLIED_BY"), ("nvidia", "US", "HEADQUARTERED_IN"),
         ("chip", "TW", "LOCATED_IN"), ("platform", "chip", "REQUIRES"),
         ("cn-direct", "CN", "HEADQUARTERED_IN"), ("cn-direct", "chip", "REQUIRES"),
         ("cn-platform", "CN", "HEADQUARTERED_IN"), ("cn-platform", "platform", "REQUIRES"),
         ("us-platform", "US", "HEADQUARTERED_IN"), ("us-platform", "platform", "REQUIRES")])


def test_known_answer_a_cn_industry_loses_a_us_firms_tw_made_chip_directly_or_via_a_platform():
    result = flow_availability(CapacityModel.from_graph(chip_buyers()), blocks=US_TO_CN)
    assert result["cn-direct"] == 0.0
    assert result["cn-platform"] == 0.0
    assert result["us-platform"] == 1.0
    assert result["platform"] == 1.0
    assert result["chip"] == 1.0


def test_a_platform_node_does_not_leak_a_block_to_other_countries():
    # The earlier semantics gave a site-less node its suppliers' countries and evaluated it
    # "as Chinese" for everyone; here a US dependent of a node partly supplied from CN.
    graph = make_graph(
        {"item": "component", "cn-firm": "supplier", "us-firm": "supplier",
         "tool": "component", "US": "country", "CN": "country", "JP": "country",
         "us-user": "industry"},
        [("item", "cn-firm", "SUPPLIED_BY", 0.5), ("item", "us-firm", "SUPPLIED_BY", 0.5),
         ("cn-firm", "CN", "HEADQUARTERED_IN"), ("us-firm", "US", "HEADQUARTERED_IN"),
         ("item", "tool", "REQUIRES"), ("tool", "JP", "HEADQUARTERED_IN"),
         ("us-user", "US", "HEADQUARTERED_IN"), ("us-user", "item", "REQUIRES")])
    result = flow_availability(CapacityModel.from_graph(graph),
                               blocks=[Block.of(["US", "JP"], ["CN"])])
    assert result["us-user"] == 1.0
    assert result.seen_from("item", "CN") == 0.0


def test_a_block_reaches_other_countries_only_through_what_is_made_in_a_to_country():
    graph = tool_buyers()
    graph.add_edge("us-user", "cn-fab", "REQUIRES")
    result = flow_availability(CapacityModel.from_graph(graph), blocks=US_TO_CN)
    assert result["us-user"] == pytest.approx(0.5)


# -- an oracle straight from the design text --------------------------------------------------
def oracle(graph: nx.MultiDiGraph, disruption: dict[str, float], blocks: list[Block]
           ) -> tuple[dict[tuple[str, str | None], float], dict[str, float]]:
    """``D(x→c)`` for every node and class, by sweeping all states from 1 until nothing
    changes, and each node's value at its own sites."""
    supply = build_supply_model(graph)
    to = sorted({c for b in blocks if b.from_countries for c in b.to_countries})
    classes: list[str | None] = [None, *to]
    cut = {c: {f for b in blocks if c in b.to_countries for f in b.from_countries}
           for c in to}

    def blocked_from(c: str | None) -> set[str]:
        return cut.get(c, set()) if c is not None else set()

    def cls(country: str) -> str | None:
        return country if country in to else None

    def site_class(node: str, site: str) -> str | None:
        hq_to = sorted(h for h in supply.nodes[node].headquarters if h in to)
        return hq_to[0] if hq_to else cls(site)

    values = {(n, c): 1.0 for n in supply.nodes for c in classes}

    def home(n: str, current: dict) -> float:
        return current[(n, None)]

    def a(n: str, c: str | None, current: dict) -> float:
        return current[(n, None)] if supply.nodes[n].locations else current[(n, c)]

    def groups(n: str, c: str | None, current: dict) -> float:
        result = 1.0
        for g in supply.nodes[n].groups:
            got = sorted((current[(m, c)] for m in g.members), reverse=True)
            result = min(result, got[g.min_required - 1])
        return result

    def step(current: dict) -> dict:
        new = {}
        for (n, c) in current:
            x = supply.nodes[n]
            blocked = blocked_from(c) if x.blockable else set()

            def open_(node: str, blocked: set[str] = blocked) -> bool:
                y = supply.nodes[node]
                places = {k for k, _ in y.locations} | set(y.headquarters)
                return not (y.blockable and places & blocked)

            factors = [1.0]
            if x.suppliers:
                factors.append(sum(w * a(s, c, current) * open_(s) for s, w in x.suppliers))
            if x.locations:
                if set(x.headquarters) & blocked:
                    factors.append(0.0)
                else:
                    factors.append(sum(w * a(k, c, current) * (k not in blocked)
                                       for k, w in x.locations))
                if x.groups:
                    factors.append(sum(w * groups(n, site_class(n, k), current)
                                       for k, w in x.locations))
            elif x.groups:
                factors.append(groups(n, c, current))
            new[(n, c)] = (1.0 - disruption.get(n, 0.0)) * min(factors)
        return new

    for _ in range(5000):
        new = step(values)
        if max(abs(new[k] - values[k]) for k in values) < 1e-12:
            break
        values = new
    return values, {n: home(n, values) for n in supply.nodes}


COUNTRIES = ("A", "B", "C")


@st.composite
def sited_graphs(draw: st.DrawFn) -> nx.MultiDiGraph:
    """Small random graphs with countries, sites, headquarters, suppliers and groups."""
    size = draw(st.integers(2, 7))
    items = [f"n{i}" for i in range(size)]
    graph = nx.MultiDiGraph()
    graph.add_nodes_from((c, {"kind": "country"}) for c in COUNTRIES)
    for item in items:
        graph.add_node(item, kind="component", blockable=draw(st.sampled_from([True] * 4
                                                                              + [False])))
        if draw(st.booleans()):
            graph.add_edge(item, draw(st.sampled_from(COUNTRIES)), "HEADQUARTERED_IN")
        for country in draw(st.lists(st.sampled_from(COUNTRIES), max_size=2, unique=True)):
            share = draw(st.sampled_from([None, 0.3, 0.6]))
            graph.add_edge(item, country, "LOCATED_IN",
                           **({"share": share} if share is not None else {}))
    for _ in range(draw(st.integers(0, 2 * size))):
        source, target = draw(st.sampled_from(items)), draw(st.sampled_from(items))
        kind = draw(st.sampled_from(["SUPPLIED_BY", "REQUIRES", "REQUIRES"]))
        if source == target or graph.has_edge(source, target, kind):
            continue
        attrs: dict[str, object] = {}
        if kind == "SUPPLIED_BY" and draw(st.booleans()):
            attrs["share"] = draw(st.sampled_from([0.2, 0.5]))
        if kind == "REQUIRES" and draw(st.booleans()):
            attrs["group"] = "g"
        graph.add_edge(source, target, kind, **attrs)
    return graph


def blocks_of(draw: st.DrawFn) -> list[Block]:
    found = draw(st.lists(st.tuples(
        st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=2, unique=True),
        st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=2, unique=True)),
        max_size=2))
    return [Block.of(f, t) for f, t in found]


def disruption_of(draw: st.DrawFn, graph: nx.MultiDiGraph) -> dict[str, float]:
    return draw(st.dictionaries(st.sampled_from(sorted(graph)),
                                st.sampled_from([0.25, 0.5, 1.0]), max_size=2))


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_per_destination_availability_agrees_with_the_design_text_oracle(data):
    graph = data.draw(sited_graphs())
    blocks = blocks_of(data.draw)
    disruption = disruption_of(data.draw, graph)
    result = flow_availability(CapacityModel.from_graph(graph), disruption, blocks)
    expected, home = oracle(graph, disruption, blocks)
    for (node, country), value in expected.items():
        assert result.seen_from(node, country) == pytest.approx(value, abs=1e-6), (node, country)
    for node, value in home.items():
        assert result[node] == pytest.approx(value, abs=1e-6), node


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_a_block_never_raises_any_availability(data):
    graph = data.draw(sited_graphs())
    blocks = blocks_of(data.draw)
    disruption = disruption_of(data.draw, graph)
    model = CapacityModel.from_graph(graph)
    free = model.availability(disruption)
    blocked = flow_availability(model, disruption, blocks)
    for node in graph:
        assert blocked[node] <= free[node] + 1e-6, node
        for country in (None, *COUNTRIES):
            assert blocked.seen_from(node, country) <= free[node] + 1e-6, (node, country)


def _sited_in(supply: SupplyModel, node: str, countries: set[str]) -> bool:
    entry = supply.nodes[node]
    return bool(({c for c, _ in entry.locations} | set(entry.headquarters)) & countries)


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_a_block_never_lowers_what_a_country_outside_every_to_list_sees(data):
    """...except through something made (sited or headquartered) in a ``to`` country: a
    node none of whose upstream is, is seen from outside as without the block."""
    graph = data.draw(sited_graphs())
    blocks = blocks_of(data.draw)
    disruption = disruption_of(data.draw, graph)
    model = CapacityModel.from_graph(graph)
    free = model.availability(disruption)
    blocked = flow_availability(model, disruption, blocks)
    to = {c for b in blocks for c in b.to_countries}
    outside = [c for c in COUNTRIES if c not in to]
    supply = model.supply
    for node in graph:
        cone = nx.descendants(graph, node) | {node}
        if any(_sited_in(supply, n, to) for n in cone):
            continue
        assert blocked[node] == pytest.approx(free[node], abs=1e-6), node
        for country in outside:
            assert blocked.seen_from(node, country) == pytest.approx(free[node], abs=1e-6)


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_with_no_block_per_destination_availability_is_the_plain_semantics(data):
    graph = data.draw(sited_graphs())
    disruption = disruption_of(data.draw, graph)
    model = CapacityModel.from_graph(graph)
    plain = model.availability(disruption)
    for blocks in ([], [Block.of(["XX"], ["A"])], [Block.of(["A"], [])]):
        flows = flow_availability(model, disruption, blocks)
        for node in graph:
            assert flows[node] == pytest.approx(plain[node], abs=1e-6), (blocks, node)
            assert flows.seen_from(node, "A") == pytest.approx(plain[node], abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_without_blocks_the_inputs_walked_are_the_general_cases(data):
    """The one-class shortcut of ``inputs_read`` (no block) lists what the general case
    lists for class 0 when nothing is cut."""
    from analysis.flows import Destinations

    graph = data.draw(sited_graphs())
    model = CapacityModel.from_graph(graph)
    flows = flow_availability(model, disruption_of(data.draw, graph)).flows
    quick = [flows.inputs_read(i, 0) for i in range(len(model.ids))]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Destinations, "__len__", lambda self: 2)  # the general case, one class
        assert [flows.inputs_read(i, 0) for i in range(len(model.ids))] == quick
