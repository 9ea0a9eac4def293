"""Every perspective at once, in arrays, gives what one perspective item by item gives: each
item's country shares read by ``country_shares`` and its availability by the capacity model
with every country outside cut."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from supply_oracles import SHARES, supply_graphs
from test_capacity import make_graph
from time_oracles import timed_supply_graphs

from analysis.capacity import CapacityModel, country_shares
from analysis.capacity_arrays import ArrayCapacity
from analysis.concentration import perspective, perspectives
from analysis.perspective import SORT_DIGITS, CountryShares, PerspectiveModel
from graph.errors import NotFoundError

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def one_by_one(graph: nx.MultiDiGraph, model: CapacityModel, countries: set[str],
               cut_off_by: Callable[[dict[str, float]], Mapping[str, float]] | None = None
               ) -> list[tuple[str, float, float]]:
    """The perspective item by item: (id, domestic share, self-sufficiency), least
    self-sufficient first; availability by the capacity model unless ``cut_off_by`` gives
    it."""
    every = {n for n, k in graph.nodes(data="kind") if k == "country"}
    cut_off = (cut_off_by or model.availability)({c: 1.0 for c in every - countries})
    rows = []
    for item in sorted({u for u, _, k in graph.edges(keys=True)
                        if k in ("SUPPLIED_BY", "LOCATED_IN")}):
        shares = country_shares(model.supply, item)
        rows.append((item, sum(s for c, s in shares.items() if c in countries),
                     cut_off[item]))
    return sorted(rows, key=lambda r: (rounded(r[2]), rounded(r[1]), r[0]))


def rounded(value: float) -> float:
    """A value as the perspective sorts on it (NumPy's rounding, which differs from
    Python's ``round`` at some halves)."""
    return float(np.round(value, SORT_DIGITS))


def assert_same(graph: nx.MultiDiGraph, model: CapacityModel, chosen: list[set[str]],
                cut_off_by: Callable[[dict[str, float]], Mapping[str, float]] | None = None
                ) -> None:
    seen = perspectives(graph, chosen, model=model)
    for column, countries in enumerate(chosen):
        want = one_by_one(graph, model, countries, cut_off_by)
        got = perspective(graph, countries, model=model)
        assert [p.id for p in got] == [seen.items[i] for i in seen.order(column)]
        assert {p.id for p in got} == {w[0] for w in want}
        by_id = {p.id: p for p in got}
        for item, domestic, sufficient in want:
            assert by_id[item].domestic_share == pytest.approx(domestic, abs=1e-9), item
            assert by_id[item].self_sufficiency == pytest.approx(sufficient, abs=1e-6), item
        keys = {p.id: (rounded(p.self_sufficiency), rounded(p.domestic_share)) for p in got}
        if keys == {w[0]: (rounded(w[2]), rounded(w[1])) for w in want}:
            # the same values to the digits sorted on: the same order
            assert [p.id for p in got] == [w[0] for w in want]


def drawn_perspectives(data: st.DataObject, graph: nx.MultiDiGraph) -> list[set[str]]:
    countries = sorted(n for n, k in graph.nodes(data="kind") if k == "country")
    singles = [{c} for c in countries]
    allied = data.draw(st.lists(st.sets(st.sampled_from(countries), min_size=1, max_size=3),
                                max_size=3)) if countries else []
    return [*singles, *allied, set()]


@FAST
@given(st.data())
def test_every_perspective_at_once_equals_one_by_one_on_random_graphs(data) -> None:
    """Groups and k-of-n, supply cycles and self-loops, headquarters standing in for sites,
    locations that are no country: the same values, in the same order."""
    graph = data.draw(supply_graphs())
    assert_same(graph, CapacityModel.from_graph(graph), drawn_perspectives(data, graph))


@FAST
@given(st.data())
def test_held_inputs_count_as_inside_as_the_capacity_model_counts_them(data) -> None:
    """Buffers, lead times and surge shares at horizon 0: held suppliers and sites are
    available whatever is cut, and their countries count in the domestic share."""
    graph = data.draw(timed_supply_graphs())
    assert_same(graph, CapacityModel.from_graph(graph), drawn_perspectives(data, graph))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_country_shares_of_every_node_are_those_of_the_recursion(data) -> None:
    graph = data.draw(supply_graphs())
    model = CapacityModel.from_graph(graph)
    places = sorted({v for _, v, k in graph.edges(keys=True)
                     if k in ("LOCATED_IN", "HEADQUARTERED_IN")})
    total, inside = CountryShares(model.supply, model.ids).inside([{p} for p in places])
    for i, node in enumerate(model.ids):
        shares = country_shares(model.supply, node)
        found = np.divide(inside[i], total[i]) if total[i] > 0 else np.zeros(len(places))
        assert found.tolist() == pytest.approx([shares.get(p, 0.0) for p in places],
                                               abs=1e-9), node


@st.composite
def supply_webs(draw: st.DrawFn) -> nx.MultiDiGraph:
    """Items supplying each other in any direction (cycles, self-loops), some with sites or
    headquarters in a few countries: the recursion's path matters here."""
    count = draw(st.integers(2, 8))
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(["KR", "TW", "US"], kind="country")
    names = [f"n{i}" for i in range(count)]
    graph.add_nodes_from(names, kind="component")
    for name in names:
        for other in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
            graph.add_edge(name, other, "SUPPLIED_BY", share=draw(st.sampled_from(SHARES)))
        if draw(st.integers(0, 3)) == 0:
            for country in draw(st.lists(st.sampled_from(["KR", "TW", "US"]), min_size=1,
                                         max_size=2, unique=True)):
                kind = draw(st.sampled_from(("LOCATED_IN", "HEADQUARTERED_IN")))
                graph.add_edge(name, country, kind, share=draw(st.sampled_from(SHARES)))
    return graph


@FAST
@given(st.data())
def test_supply_cycles_without_sites_equal_the_recursion(data) -> None:
    """Domestic shares as the recursion finds them.  Supply cycles like these can drain so
    slowly that the dictionary model stops at its evaluation cap well above the fixpoint
    (README, known limits); availability is checked against the array model run alone here,
    and against the dictionary model on graphs whose cycles drain fast (above)."""
    graph = data.draw(supply_webs())
    arrays = ArrayCapacity.from_graph(graph)

    def cut_off_by(disruption: dict[str, float]) -> dict[str, float]:
        return dict(zip(arrays.ids, arrays.availability(disruption).tolist(), strict=True))

    assert_same(graph, CapacityModel.from_graph(graph), drawn_perspectives(data, graph),
                cut_off_by)


def test_a_supply_cycle_without_sites_reads_the_recursions_path() -> None:
    """``a`` and ``b`` supply each other half and have no sites: from ``a`` the recursion
    skips ``a`` when it reaches it again through ``b``, so ``a`` counts ``b`` as all ``y``
    (KR 0.5 and TW 0.25: two thirds KR) and ``b`` counts ``a`` as all ``x`` (one third KR);
    ``c``, supplied by ``b``, follows ``b``."""
    graph = make_graph(
        {"a": "component", "b": "component", "c": "chip", "x": "supplier", "y": "supplier",
         "KR": "country", "TW": "country"},
        [("a", "b", "SUPPLIED_BY", 0.5), ("a", "x", "SUPPLIED_BY", 0.5),
         ("b", "a", "SUPPLIED_BY", 0.5), ("b", "y", "SUPPLIED_BY", 0.5),
         ("c", "b", "SUPPLIED_BY", 1.0),
         ("x", "KR", "LOCATED_IN", 1.0), ("y", "TW", "LOCATED_IN", 1.0)])
    model = CapacityModel.from_graph(graph)
    seen = {p.id: p.domestic_share for p in perspective(graph, ["KR"], model=model)}
    assert seen["a"] == pytest.approx(country_shares(model.supply, "a")["KR"])
    assert seen["a"] == pytest.approx(2 / 3)
    assert seen["b"] == pytest.approx(1 / 3)
    assert seen["c"] == pytest.approx(1 / 3)
    assert_same(graph, model, [{"KR"}, {"TW"}, {"KR", "TW"}])


@pytest.fixture(scope="module")
def seed_graph() -> nx.MultiDiGraph:
    from graph.networkx_view import to_networkx
    from ingest.tabular import read_tabular
    from seeds import SEEDS_DIR

    batch = read_tabular(SEEDS_DIR, source="seeds")
    return to_networkx(batch.nodes, batch.relationships)


def test_every_country_of_the_seeds_and_an_alliance(seed_graph: nx.MultiDiGraph) -> None:
    """The seeds have buffers and lead times: the model at horizon 0 counts held inputs."""
    model = CapacityModel.from_graph(seed_graph)
    assert model.supply.timed
    countries = sorted(n for n, k in seed_graph.nodes(data="kind") if k == "country")
    assert len(countries) > 10
    assert_same(seed_graph, model, [*({c} for c in countries), {"US", "JP", "NL", "KR", "TW"}])


def test_items_may_be_chosen_and_countries_are_checked(seed_graph: nx.MultiDiGraph) -> None:
    model = CapacityModel.from_graph(seed_graph)
    chosen = perspective(seed_graph, ["US"], items=["nvidia-h100", "tsmc"], model=model)
    assert sorted(p.id for p in chosen) == ["nvidia-h100", "tsmc"]
    every = one_by_one(seed_graph, model, {"US"})
    backwards = perspective(seed_graph, ["US"], items=[w[0] for w in every][::-1], model=model)
    assert [p.id for p in backwards] == [w[0] for w in every]  # ties by id, as given or not
    with pytest.raises(NotFoundError, match="XX"):
        perspectives(seed_graph, [["US"], ["XX"]], model=model)


def test_many_perspectives_are_evaluated_in_chunks(seed_graph: nx.MultiDiGraph) -> None:
    model = CapacityModel.from_graph(seed_graph)
    countries = sorted(n for n, k in seed_graph.nodes(data="kind") if k == "country")
    many = [{c} for c in countries] * 5
    assert len(many) > 64
    seen = PerspectiveModel(seed_graph, model).seen_from(many)
    first = PerspectiveModel(seed_graph, model).seen_from(many[:len(countries)])
    assert seen.self_sufficiency.shape == (len(seen.items), len(many))
    assert np.array_equal(seen.self_sufficiency[:, -len(countries):], first.self_sufficiency)
    assert np.array_equal(seen.domestic_share[:, -len(countries):], first.domestic_share)
