"""Cut sets built bottom-up and cut at an order agree with brute force, for every node of the
cone, and the search for larger sets agrees with it too."""

from __future__ import annotations

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from supply_oracles import minimal_cut_sets_by_brute_force, supply_graphs

from analysis.cutsets import minimal_cut_sets
from analysis.structure import compile_structure
from analysis.truncated import ConeEvaluator, larger_sets_exist, truncated_cut_sets
from analysis.zdd import ZDD

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def named_sets(zdd: ZDD, family: int, levels: dict[str, int]) -> list[tuple[str, ...]]:
    names = {level: node for node, level in levels.items()}
    found = [tuple(sorted(names[level] for level in s)) for s in zdd.sets(family)]
    return sorted(found, key=lambda s: (len(s), s))


@FAST
@given(supply_graphs(), st.integers(0, 4), st.data())
def test_every_node_of_the_cone_gets_its_small_cut_sets(graph: nx.MultiDiGraph, order: int,
                                                        data: st.DataObject) -> None:
    structure = compile_structure(graph)
    variables = data.draw(st.lists(st.sampled_from(sorted(graph)), unique=True))
    found = truncated_cut_sets(structure, "n0", variables, order)
    for node in structure.cone(["n0"]):
        candidates = sorted(n for n in variables if n != "n0")
        every = minimal_cut_sets_by_brute_force(graph, node, candidates)
        assert named_sets(found.zdd, found.family[node], found.levels) == \
            [s for s in every if len(s) <= order], node


@FAST
@given(supply_graphs(), st.integers(0, 3), st.sampled_from([0, 1, 5, 2_000]))
def test_the_search_for_larger_sets_is_right_when_it_decides(graph: nx.MultiDiGraph,
                                                             order: int, steps: int) -> None:
    structure = compile_structure(graph)
    variables = [n for n in structure.cone(["n0"]) if n != "n0"]
    every = minimal_cut_sets_by_brute_force(graph, "n0", sorted(variables))
    small = [s for s in every if len(s) <= order]
    decided = larger_sets_exist(ConeEvaluator(structure, "n0"), variables, small, steps=steps)
    assert decided in (None, any(len(s) > order for s in every))
    if steps >= 2_000 and len(variables) <= 8:
        assert decided is not None


@FAST
@given(supply_graphs(), st.integers(1, 4))
def test_order_limited_cut_sets_say_exactly_whether_larger_ones_exist(
        graph: nx.MultiDiGraph, order: int) -> None:
    every = minimal_cut_sets_by_brute_force(graph, "n0", sorted(n for n in graph if n != "n0"))
    result = minimal_cut_sets(graph, "n0", max_order=order)
    assert result.higher_order_decided
    assert result.cut_sets == [s for s in every if len(s) <= order]
    assert result.higher_order_omitted == any(len(s) > order for s in every)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(supply_graphs(), st.integers(5, 8))
def test_higher_orders_bottom_up_as_when_the_diagram_is_too_large(graph: nx.MultiDiGraph,
                                                                   order: int) -> None:
    import analysis.cutsets as module

    every = minimal_cut_sets_by_brute_force(graph, "n0", sorted(n for n in graph if n != "n0"))
    saved = module.BOTTOM_UP_ORDER
    module.BOTTOM_UP_ORDER = order
    try:
        result = minimal_cut_sets(graph, "n0", max_order=order)
    finally:
        module.BOTTOM_UP_ORDER = saved
    assert result.cut_sets == [s for s in every if len(s) <= order]
    assert result.higher_order_omitted == any(len(s) > order for s in every)
