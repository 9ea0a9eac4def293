"""Concentration and perspective on a tiny hand-made graph."""

from __future__ import annotations

import pytest
from test_capacity import make_graph

from analysis.concentration import concentration, perspective
from graph.errors import NotFoundError

# hbm: SK hynix 50 % (KR), Samsung 30 % (KR), Micron 20 % (US, sites 50/50 US/TW)
# chip: located 90 % TW, 10 % US; listed shares cover only 80 % of the market
GRAPH = make_graph(
    {"hbm": "component", "skh": "supplier", "sam": "supplier", "mu": "supplier",
     "chip": "chip", "KR": "country", "US": "country", "TW": "country", "CN": "country",
     "car": "industry"},
    [("hbm", "skh", "SUPPLIED_BY", 0.5), ("hbm", "sam", "SUPPLIED_BY", 0.3),
     ("hbm", "mu", "SUPPLIED_BY", 0.2),
     ("skh", "KR", "HEADQUARTERED_IN"), ("sam", "KR", "HEADQUARTERED_IN"),
     ("mu", "US", "HEADQUARTERED_IN"), ("mu", "US", "LOCATED_IN", 0.5),
     ("mu", "TW", "LOCATED_IN", 0.5),
     ("chip", "TW", "LOCATED_IN", 0.72), ("chip", "US", "LOCATED_IN", 0.08),
     ("chip", "hbm", "REQUIRES"), ("car", "CN", "HEADQUARTERED_IN"),
     ("car", "chip", "REQUIRES")])


def by_id(rows):
    return {r.id: r for r in rows}


def test_supplier_concentration_is_hhi_and_concentration_ratios():
    hbm = by_id(concentration(GRAPH))["hbm"]
    assert hbm.hhi_suppliers == pytest.approx(50**2 + 30**2 + 20**2)
    assert hbm.cr1 == pytest.approx(0.5)
    assert hbm.cr3 == pytest.approx(1.0)
    assert hbm.top_supplier == "skh"
    assert hbm.supplier_coverage == pytest.approx(1.0)


def test_an_item_without_locations_takes_its_suppliers_countries_by_share():
    hbm = by_id(concentration(GRAPH))["hbm"]
    assert hbm.country_basis == "suppliers"
    assert hbm.top_country == "KR"
    assert hbm.top_country_share == pytest.approx(0.8)
    assert hbm.hhi_countries == pytest.approx(80**2 + 10**2 + 10**2)
    assert hbm.countries_to_75 == 1


def test_located_items_use_their_normalised_location_shares_and_report_coverage():
    chip = by_id(concentration(GRAPH))["chip"]
    assert chip.country_basis == "located"
    assert chip.top_country_share == pytest.approx(0.9)
    assert chip.hhi_countries == pytest.approx(90**2 + 10**2)
    assert chip.location_coverage == pytest.approx(0.8)
    assert chip.hhi_suppliers is None and chip.cr1 is None


def test_countries_needed_for_three_quarters_counts_from_the_largest():
    graph = make_graph({"x": "component", "A": "country", "B": "country", "C": "country"},
                       [("x", "A", "LOCATED_IN", 0.4), ("x", "B", "LOCATED_IN", 0.3),
                        ("x", "C", "LOCATED_IN", 0.3)])
    assert concentration(graph)[0].countries_to_75 == 3


def test_items_are_listed_most_concentrated_by_country_first():
    assert [c.id for c in concentration(GRAPH)] == ["chip", "hbm", "mu"]


def test_perspective_gives_domestic_share_and_self_sufficiency():
    seen = by_id(perspective(GRAPH, ["US"]))
    assert seen["hbm"].domestic_share == pytest.approx(0.1)
    assert seen["hbm"].self_sufficiency == pytest.approx(0.1)
    assert seen["chip"].domestic_share == pytest.approx(0.1)
    assert seen["chip"].self_sufficiency == pytest.approx(0.1)


def test_allies_count_with_the_perspective():
    seen = by_id(perspective(GRAPH, ["US", "KR", "TW"]))
    assert seen["hbm"].self_sufficiency == pytest.approx(1.0)
    assert seen["chip"].domestic_share == pytest.approx(1.0)


def test_an_unknown_perspective_country_is_refused():
    with pytest.raises(NotFoundError, match="XX"):
        perspective(GRAPH, ["XX"])


def test_one_model_serves_every_perspective_alike():
    from analysis.capacity import CapacityModel

    model = CapacityModel.from_graph(GRAPH)
    for countries in (["US"], ["TW"], ["US", "KR", "TW"], ["US"]):
        assert perspective(GRAPH, countries, model=model) == perspective(GRAPH, countries)
    only = perspective(GRAPH, ["US"], items=["chip"], model=model)
    assert [p.id for p in only] == ["chip"]
